package store

import (
	"context"

	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// ExportReconciliation writes reconciliation id through out (an XLSX or CSV
// writer the caller made; format names it in the audit) as subsidy.Export
// lays it out. ID numbers are full for roles that need them — an audited
// read — and masked otherwise.
func (db *DB) ExportReconciliation(ctx context.Context, by znb.Actor, id int64, out subsidy.Writer, format string) (*subsidy.Reconciliation, error) {
	rec, err := db.GetReconciliation(ctx, by, id)
	if err != nil {
		return nil, err
	}
	full := by.NeedsFullID()
	if full {
		if err := db.Audit(ctx, by, "reconciliation.export_full_id", reconObject(id), map[string]any{"format": format}); err != nil {
			return nil, err
		}
	}
	items := func(f subsidy.Finding, fn func(*subsidy.Detail) error) error {
		return db.EachReconciliationItem(ctx, rec, f, fn)
	}
	if err := subsidy.Export(out, rec, items, full); err != nil {
		return nil, err
	}
	return rec, nil
}
