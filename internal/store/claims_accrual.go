package store

import (
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Household lines (illness, disaster, education) pay on the cumulative
// amount of a household's approved claims over the agreement's term; the
// claim_accruals row of (agreement, line, subject) holds it. It is read and
// changed only while the claim's claim_limits row is locked (approval) or
// read without a lock (assessment, which approval checks again).

type accrualRow struct {
	ID          int64
	AgreementID int64
	Line        string
	Subject     string
	Accumulated decimal.Decimal
	UpdatedAt   int64
}

func (accrualRow) TableName() string { return "claim_accruals" }

// accrued reads what the household's approved claims of the claim's line
// add up to; zero on the other lines and when nothing was approved.
func (db *DB) accrued(tx *gorm.DB, r *claimRow) (decimal.Decimal, error) {
	if !znb.Line(r.Line).Accrues() {
		return decimal.Zero, nil
	}
	var rows []accrualRow
	err := tx.Where("agreement_id = ? AND line = ? AND subject = ?", r.AgreementID, r.Line, r.Subject).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return decimal.Zero, err
	}
	return rows[0].Accumulated, nil
}

// accrue adds what an approved claim of a household line brought to the
// cumulative amount (after − before of its assessment).
func (db *DB) accrue(tx *gorm.DB, r *claimRow, c *claim.Claim) error {
	before, after, ok := c.Accrual()
	if !znb.Line(r.Line).Accrues() || !ok {
		return nil
	}
	row := accrualRow{AgreementID: r.AgreementID, Line: r.Line, Subject: r.Subject, Accumulated: decimal.Zero, UpdatedAt: db.nowMS()}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return err
	}
	return tx.Exec("UPDATE claim_accruals SET accumulated = accumulated + ?, updated_at = ? WHERE agreement_id = ? AND line = ? AND subject = ?",
		after.Sub(before), db.nowMS(), r.AgreementID, r.Line, r.Subject).Error
}
