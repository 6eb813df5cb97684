package store

import (
	"context"
	"database/sql"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// ListDiff is what changed from list version Old to version New.
type ListDiff struct {
	Old, New *registry.ListVersion
	registry.Changes
}

// DiffLists compares two versions of one county's list by merging two
// sorted queries, so memory holds the changes, not the lists.
func (db *DB) DiffLists(ctx context.Context, by znb.Actor, oldID, newID int64) (*ListDiff, error) {
	a, err := db.GetList(ctx, by, oldID)
	if err != nil {
		return nil, err
	}
	b, err := db.GetList(ctx, by, newID)
	if err != nil {
		return nil, err
	}
	if err := a.Comparable(b); err != nil {
		return nil, err
	}
	sa, err := db.memberStream(ctx, oldID)
	if err != nil {
		return nil, err
	}
	defer sa.rows.Close()
	sb, err := db.memberStream(ctx, newID)
	if err != nil {
		return nil, err
	}
	defer sb.rows.Close()
	ch, err := registry.Diff(sa, sb)
	if err != nil {
		return nil, znb.Wrap(err, "比较名单")
	}
	return &ListDiff{Old: a, New: b, Changes: *ch}, nil
}

// memberStream reads a list version's members with their households in the
// order registry.Diff needs.
func (db *DB) memberStream(ctx context.Context, listID int64) (*memberRows, error) {
	rows, err := db.Gorm(ctx).Raw(`SELECT h.household_no, h.region_code, h.village_name, h.category,
			h.income_per_capita, h.risk_eliminated, m.id_number, m.name, m.relation, m.status, m.status_date, m.phone, m.row_no
		FROM members m JOIN households h ON h.list_id = m.list_id AND h.household_no = m.household_no
		WHERE m.list_id = ? ORDER BY m.household_no, m.id_number`, listID).Rows()
	if err != nil {
		return nil, znb.Wrap(err, "读取名单")
	}
	return &memberRows{rows: rows}, nil
}

type memberRows struct {
	rows *sql.Rows
	h    householdRow
	m    memberRow
	err  error
}

func (r *memberRows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	var income decimal.NullDecimal
	r.err = r.rows.Scan(&r.h.HouseholdNo, &r.h.RegionCode, &r.h.VillageName, &r.h.Category, &income,
		&r.h.RiskEliminated, &r.m.IDNumber, &r.m.Name, &r.m.Relation, &r.m.Status, &r.m.StatusDate, &r.m.Phone, &r.m.RowNo)
	r.h.IncomePerCapita = income
	r.m.HouseholdNo = r.h.HouseholdNo
	return r.err == nil
}

func (r *memberRows) Current() (registry.Household, registry.Member) {
	return r.h.household(), r.m.member()
}

func (r *memberRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}
