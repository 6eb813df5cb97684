package store

import (
	"context"

	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// ReconciliationRun is a reconciliation as a list shows it: its inputs and
// state, without the result.
type ReconciliationRun struct {
	ID          int64
	AgreementID int64
	ListID      int64
	County      string
	BillSource  subsidy.BillSource
	Status      subsidy.Status
	CreatedBy   string
	CreatedAt   int64
}

// RecentReconciliations returns the newest reconciliations the actor sees,
// at most limit, looking through the newest 1,000 run anywhere (a county
// runs a few a year).
func (db *DB) RecentReconciliations(ctx context.Context, by znb.Actor, limit int) ([]ReconciliationRun, error) {
	var rows []reconRow
	err := db.Gorm(ctx).Select("id, agreement_id, list_id, county, insurer_code, bill_source, status, created_by, created_at").
		Order("id DESC").Limit(1000).Find(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "读取对账")
	}
	out := []ReconciliationRun{}
	for _, r := range rows {
		if len(out) == limit {
			break
		}
		if by.Sees(r.County, r.InsurerCode) {
			out = append(out, ReconciliationRun{r.ID, r.AgreementID, r.ListID, r.County,
				subsidy.BillSource(r.BillSource), subsidy.Status(r.Status), r.CreatedBy, r.CreatedAt})
		}
	}
	return out, nil
}
