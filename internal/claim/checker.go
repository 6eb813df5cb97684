package claim

import "github.com/zhunongbao/zhunongbao/internal/znb"

// MayDecide reports whether the actor may approve or reject the claim as it
// stands: an approver of the claim's insurer who did not make its last
// assessment (the maker–checker rule Approve enforces). Pages ask it so
// that they never offer the decision to the assessor.
func (c *Claim) MayDecide(a znb.Actor) bool {
	return a.SeesInsurer(c.Insurer) && znb.Granted(a, znb.DecideClaim) && !c.sameAssessor(a) &&
		(c.Status == Reported || c.Status == Assessed)
}
