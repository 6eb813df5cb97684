package store

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Limits: each approval adds its payable to the claim_limits row of (the
// claim's agreement, line, subject), so a row holds what approved and paid
// claims have consumed of that limit over the agreement's term (the policy
// year). Approval locks the row (FOR UPDATE on MySQL/TiDB; SQLite's
// immediate transactions serialise writers), reads what is left, and lets
// claim.Claim.Approve refuse a payable that no longer fits.

// claimWithTerms reads the claim as by sees it (without a lock) and the
// terms of its line under its agreement's product.
func (db *DB) claimWithTerms(ctx context.Context, by znb.Actor, no string) (*claimRow, *policy.LineTerms, error) {
	g := db.Gorm(ctx)
	r, err := db.claimRow(g, by, no, false)
	if err != nil {
		return nil, nil, err
	}
	_, t, err := db.claimLineTerms(g, r.AgreementID, znb.Line(r.Line))
	if err != nil {
		return nil, nil, err
	}
	if err := claim.Offered(t, znb.Line(r.Line)); err != nil {
		return nil, nil, err
	}
	return r, t, nil
}

// limitUsed reads what approved claims have consumed of the claim's limit:
// zero when nothing was. With lock the row is created at zero when missing
// and locked for the rest of the transaction; the insert that ignores a
// conflict comes first, so that two transactions never both find the row
// missing and then deadlock inserting it. Without lock (an assessment's
// proposal) the row is only read.
func (db *DB) limitUsed(tx *gorm.DB, r *claimRow, lock bool) (decimal.Decimal, error) {
	q := "SELECT used FROM claim_limits WHERE agreement_id = ? AND line = ? AND subject = ?"
	if lock {
		row := limitRow{AgreementID: r.AgreementID, Line: r.Line, Subject: r.Subject, Used: decimal.Zero, UpdatedAt: db.nowMS()}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return decimal.Zero, err
		}
		q += db.forUpdate()
	}
	var used []decimal.Decimal
	if err := tx.Raw(q, r.AgreementID, r.Line, r.Subject).Scan(&used).Error; err != nil || len(used) == 0 {
		return decimal.Zero, err
	}
	return used[0], nil
}

// LimitUsed returns what approved claims have consumed of the limit of
// (agreement, line, subject); zero when nothing was approved.
func (db *DB) LimitUsed(ctx context.Context, agreementID int64, line znb.Line, subject string) (decimal.Decimal, error) {
	var rows []limitRow
	err := db.Gorm(ctx).Where("agreement_id = ? AND line = ? AND subject = ?", agreementID, string(line), subject).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return decimal.Zero, znb.Wrap(err, "读取限额")
	}
	return rows[0].Used, nil
}

// AssessClaim records an assessment of a reported or assessed claim. In one
// transaction it locks the claim, reads what its limit has used, and lets
// the domain read the facts for the claim's line and compute the payable
// (claim.Claim.Assess); assessing again replaces the earlier result.
func (db *DB) AssessClaim(ctx context.Context, by znb.Actor, no string, f claim.Facts, note string) (*claim.Claim, error) {
	return db.changeClaim(ctx, by, no, "claim.assess", "保存理算", func(tx *gorm.DB, r *claimRow, c *claim.Claim) (claim.Event, map[string]any, map[string]any, error) {
		terms, used, err := db.claimLimit(tx, r, false)
		if err != nil {
			return claim.Event{}, nil, nil, err
		}
		if c.Accumulated, err = db.accrued(tx, r); err != nil {
			return claim.Event{}, nil, nil, err
		}
		ev, err := c.Assess(by, db.Now(), terms, used, f, note)
		if err != nil {
			return claim.Event{}, nil, nil, err
		}
		// Assessed again: upheld objections no longer stop the payment.
		if err := clearObjections(tx, r.ClaimNo); err != nil {
			return claim.Event{}, nil, nil, err
		}
		set, detail, err := assessedColumns(c)
		if err != nil {
			return claim.Event{}, nil, nil, err
		}
		if h, ok := c.Input.(claim.HospitalizationAssessment); ok && !h.AdmittedOn.IsZero() {
			r.StayStart, r.StayEnd = h.AdmittedOn, h.DischargedOn
			set["stay_start"], set["stay_end"] = h.AdmittedOn, h.DischargedOn
		}
		if err := db.resignal(tx, r, c, set); err != nil {
			return claim.Event{}, nil, nil, err
		}
		detail["signals"] = set["signals"]
		return ev, set, detail, nil
	})
}

// ApproveClaim approves an assessed claim. In one transaction it locks the
// claim and its limit row, reads what the limit has used, and lets the
// domain refuse a payable that no longer fits (limit_exceeded, the claim
// stays assessed for re-assessment) or an approver who assessed the claim
// (same_assessor). The approved payable is added to the limit row before
// the transaction commits, so racing approvals never together exceed a
// limit.
func (db *DB) ApproveClaim(ctx context.Context, by znb.Actor, no, note string) (*claim.Claim, error) {
	c, err := db.approveClaim(ctx, by, no, note)
	if err != nil {
		return nil, err
	}
	db.warnAfter(ctx, c.RegionCode[:6], c.HouseholdNo)
	return c, nil
}

func (db *DB) approveClaim(ctx context.Context, by znb.Actor, no, note string) (*claim.Claim, error) {
	return db.changeClaim(ctx, by, no, "claim.approve", "保存核赔", db.approveStep(by, note))
}

// approveStep approves a locked claim under the lock of its limit row.
func (db *DB) approveStep(by znb.Actor, note string) claimStep {
	return func(tx *gorm.DB, r *claimRow, c *claim.Claim) (claim.Event, map[string]any, map[string]any, error) {
		if err := notBlocked(tx, r.ClaimNo); err != nil {
			return claim.Event{}, nil, nil, err
		}
		terms, used, err := db.claimLimit(tx, r, true)
		if err != nil {
			return claim.Event{}, nil, nil, err
		}
		if c.Accumulated, err = db.accrued(tx, r); err != nil {
			return claim.Event{}, nil, nil, err
		}
		ev, err := c.Approve(by, db.Now(), terms, used, note)
		if err != nil {
			return claim.Event{}, nil, nil, err
		}
		if err := tx.Exec("UPDATE claim_limits SET used = used + ?, updated_at = ? WHERE agreement_id = ? AND line = ? AND subject = ?",
			c.Payable, db.nowMS(), r.AgreementID, r.Line, r.Subject).Error; err != nil {
			return claim.Event{}, nil, nil, err
		}
		if err := db.accrue(tx, r, c); err != nil {
			return claim.Event{}, nil, nil, err
		}
		set := map[string]any{"remaining_before": c.RemainingBefore, "remaining_after": c.Remaining}
		detail := map[string]any{"payable": money.String(c.Payable), "remaining_before": money.String(c.RemainingBefore),
			"remaining_after": money.String(c.Remaining)}
		return ev, set, detail, nil
	}
}

// claimLimit reads, in the claim's transaction, the terms of its line and
// what approved claims have used of its limit (locking the limit row with
// lock). The terms are looked up first: a line the product no longer
// offers is refused before the limit row is made.
func (db *DB) claimLimit(tx *gorm.DB, r *claimRow, lock bool) (*policy.LineTerms, decimal.Decimal, error) {
	_, terms, err := db.claimLineTerms(tx, r.AgreementID, znb.Line(r.Line))
	if err != nil || terms == nil {
		return terms, decimal.Zero, err
	}
	used, err := db.limitUsed(tx, r, lock)
	return terms, used, err
}

// RejectClaim rejects a reported or assessed claim with a reason code. A
// rejected claim no longer blocks a new report of the same loss.
func (db *DB) RejectClaim(ctx context.Context, by znb.Actor, no string, reason claim.Reason, note string) (*claim.Claim, error) {
	return db.changeClaim(ctx, by, no, "claim.reject", "保存案件状态", func(_ *gorm.DB, _ *claimRow, c *claim.Claim) (claim.Event, map[string]any, map[string]any, error) {
		ev, err := c.Reject(by, db.Now(), reason, note)
		return ev, map[string]any{"reason_code": string(reason), "dup_key": nil}, moveDetail(ev, "reason_code", string(reason)), err
	})
}

// PayClaim records the payment of an approved claim with its reference.
func (db *DB) PayClaim(ctx context.Context, by znb.Actor, no, ref, note string) (*claim.Claim, error) {
	ref, err := claim.PaymentRef(ref)
	if err != nil {
		return nil, err
	}
	return db.changeClaim(ctx, by, no, "claim.pay", "保存案件状态", db.payStep(by, ref, note))
}

// payStep pays a claim with its reference.
func (db *DB) payStep(by znb.Actor, ref, note string) claimStep {
	return func(tx *gorm.DB, r *claimRow, c *claim.Claim) (claim.Event, map[string]any, map[string]any, error) {
		if err := notBlocked(tx, r.ClaimNo); err != nil {
			return claim.Event{}, nil, nil, err
		}
		ev, err := c.Pay(by, db.Now(), ref, note)
		return ev, map[string]any{"payment_ref": ref}, moveDetail(ev, "payment_ref", ref), err
	}
}

// moveDetail is the audit detail of a transition that sets one column.
func moveDetail(ev claim.Event, column string, value any) map[string]any {
	return map[string]any{"from": string(ev.From), "to": string(ev.To), "note": ev.Note, column: value}
}

// claimStep moves a locked claim in the domain (c) and says what to store:
// the columns to set besides status and updated_at, and the audit detail.
type claimStep func(tx *gorm.DB, r *claimRow, c *claim.Claim) (ev claim.Event, set, detail map[string]any, err error)

// changeClaim runs one transition of a claim in a transaction: lock the
// claim, let step move it, store its status with the columns step sets,
// record the event and the audit entry (action), and read the claim's
// history back. A transaction MySQL picks as a deadlock victim is run
// again. Errors are wrapped with what.
func (db *DB) changeClaim(ctx context.Context, by znb.Actor, no, action, what string, step claimStep) (*claim.Claim, error) {
	var out *claim.Claim
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		r, err := db.claimRow(tx, by, no, true)
		if err != nil {
			return err
		}
		out, err = db.moveClaim(tx, by, r, action, step)
		return err
	})
	if err != nil {
		return nil, znb.Wrap(err, what)
	}
	return out, nil
}

// lockedClaim reads and locks a claim in scope inside tx, as the domain
// claim with its signals' reasons and its review notes: approval checks
// them, and every answer shows them.
func (db *DB) lockedClaim(tx *gorm.DB, by znb.Actor, no string) (*claimRow, *claim.Claim, error) {
	r, err := db.claimRow(tx, by, no, true)
	if err != nil {
		return nil, nil, err
	}
	c, err := r.claim()
	if err != nil {
		return nil, nil, err
	}
	return r, c, db.withOversight(tx, []claimRow{*r}, []*claim.Claim{c})
}

// moveClaim is changeClaim's work on a claim row locked in the caller's
// transaction, for callers that move many claims in one transaction (a
// payment batch's return file).
func (db *DB) moveClaim(tx *gorm.DB, by znb.Actor, r *claimRow, action string, step claimStep) (*claim.Claim, error) {
	c, err := r.claim()
	if err != nil {
		return nil, err
	}
	if err := db.withOversight(tx, []claimRow{*r}, []*claim.Claim{c}); err != nil {
		return nil, err
	}
	ev, set, detail, err := step(tx, r, c)
	if err != nil {
		return nil, err
	}
	r.UpdatedAt = db.nowMS()
	set["status"], set["updated_at"] = string(c.Status), r.UpdatedAt
	if err := tx.Model(&claimRow{}).Where("id = ?", r.ID).Updates(set).Error; err != nil {
		return nil, err
	}
	if err := db.addEvent(tx, r.ID, ev); err != nil {
		return nil, err
	}
	if c.History, err = db.claimEvents(tx, r.ID); err != nil {
		return nil, err
	}
	// The household and subscribed systems hear of the move in the
	// same transaction (see outbox.go).
	if err := db.enqueueClaim(tx, r, c); err != nil {
		return nil, err
	}
	// What the claim now holds, read back, is what audit verify
	// compares the table with.
	var now claimRow
	if err := tx.Select("status", "payable").Where("id = ?", r.ID).Take(&now).Error; err != nil {
		return nil, err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["state"] = claimState(now.Status, now.Payable)
	if err := db.audit(tx, by, scope{r.RegionCode, r.Insurer}, action, claimObject(r.ClaimNo), detail); err != nil {
		return nil, err
	}
	c.UpdatedAt = msToTime(r.UpdatedAt)
	return c, nil
}

// withHistory converts the row to the claim with its history.
func (db *DB) withHistory(g *gorm.DB, r *claimRow) (*claim.Claim, error) {
	c, err := r.claim()
	if err != nil {
		return nil, err
	}
	if c.History, err = db.claimEvents(g, r.ID); err != nil {
		return nil, err
	}
	return c, nil
}

func (db *DB) claimEvents(g *gorm.DB, claimID int64) ([]claim.Event, error) {
	var rows []claimEventRow
	if err := g.Where("claim_id = ?", claimID).Order("id").Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取案件历史")
	}
	out := make([]claim.Event, len(rows))
	for i, e := range rows {
		out[i] = claim.Event{ActorID: e.ActorID, Actor: e.Actor, Role: znb.Role(e.Role), At: msToTime(e.AtMs),
			From: claim.Status(e.FromStatus), To: claim.Status(e.ToStatus), Note: e.Note}
	}
	return out, nil
}

func msToTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
