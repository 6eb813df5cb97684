package store

import (
	"context"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// PreviewAssessment runs an assessment of the claim without keeping it: the
// claim as read, what its limit has used so far and the facts go through
// claim.Claim.Assess exactly as AssessClaim would run it, and the assessed
// copy comes back with its payable and breakdown. Nothing is written and
// nothing is locked, so the figure may change if another claim of the same
// limit is approved before the assessment is saved; saving computes again.
func (db *DB) PreviewAssessment(ctx context.Context, by znb.Actor, no string, f claim.Facts) (*claim.Claim, error) {
	g := db.Gorm(ctx)
	r, err := db.claimRow(g, by, no, false)
	if err != nil {
		return nil, err
	}
	c, err := r.claim()
	if err != nil {
		return nil, err
	}
	_, terms, err := db.claimLineTerms(g, r.AgreementID, znb.Line(r.Line))
	if err != nil {
		return nil, znb.Wrap(err, "预览理算")
	}
	used, err := db.LimitUsed(ctx, r.AgreementID, znb.Line(r.Line), r.Subject)
	if err != nil {
		return nil, err
	}
	if _, err := c.Assess(by, db.Now(), terms, used, f, ""); err != nil {
		return nil, err
	}
	return c, nil
}
