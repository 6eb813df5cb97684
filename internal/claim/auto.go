package claim

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// 主动理赔: the platform opens an illness claim by itself when a household's
// medical settlements cross the trigger line, and assesses it with the
// marginal payable as a proposal. No household has to file anything; an
// adjuster confirms the proposal (assesses it as their own) and an approver
// other than that adjuster approves it.

// FlagAuto marks a claim the platform opened by itself.
const FlagAuto = "auto"

// Proposer is the assessor of a proposal; it is no account's username
// (usernames are Latin letters, digits and _ . @ -), so no approver is ever
// taken for it.
const Proposer = "平台"

// Platform is the actor of what the platform does by itself.
var Platform = znb.Actor{Username: Proposer, Role: znb.Admin}

// Propose records the platform's own assessment of a reported or assessed
// claim: the payable of in under the line's terms, as for Assess, but only a
// proposal: Approve refuses it until an adjuster has assessed the claim.
func (c *Claim) Propose(now time.Time, t *policy.LineTerms, used decimal.Decimal, in Assessment, note string) (Event, error) {
	if err := Offered(t, c.Line); err != nil {
		return Event{}, err
	}
	before := money.Max(t.Limit.Sub(used), decimal.Zero)
	r, err := c.adjust(t, before, in)
	if err != nil {
		return Event{}, err
	}
	if err := c.from(Assessed, Reported, Assessed); err != nil {
		return Event{}, err
	}
	c.keep(in, before, r, 0, Proposer)
	return c.move(Platform, now, Assessed, note), nil
}

// Proposed reports whether the claim's last assessment is the platform's
// proposal, which an adjuster has yet to confirm.
func (c *Claim) Proposed() bool { return c.Assessed && c.AssessorID == 0 && c.Assessor == Proposer }

// Auto reports whether the platform opened the claim by itself.
func (c *Claim) Auto() bool {
	for _, f := range c.Flags {
		if f == FlagAuto {
			return true
		}
	}
	return false
}

// CheckConfirmable refuses the confirmation of a proposal on any claim but
// an automatic illness claim (not_auto_claim): the others are assessed with
// their own figures.
func (c *Claim) CheckConfirmable() error {
	if !c.Auto() || c.Line != znb.Illness {
		return znb.Errorf(znb.Invalid, "not_auto_claim", "只有平台主动立案的因病案件可以确认建议金额；其他案件请填写理算数据")
	}
	return nil
}

// OpensIllnessClaim says whether a household's settlements not yet in any
// claim (amount: their out-of-pocket added up) open a new illness claim: when
// the household has no open automatic claim to add them to and they add
// something to pay — the cumulative amount crosses the trigger line, or was
// above it already, and the cap is not used up. accumulated and used are
// those of the household's approved illness claims of the cover year.
func OpensIllnessClaim(t *policy.LineTerms, accumulated, used, amount decimal.Decimal) bool {
	return amount.IsPositive() && Marginal(t, accumulated, amount, used).IsPositive()
}
