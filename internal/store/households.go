package store

import (
	"context"
	"maps"
	"slices"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// GetList returns a list version the actor may see; another county's is
// not found.
func (db *DB) GetList(ctx context.Context, by znb.Actor, id int64) (*registry.ListVersion, error) {
	l, err := db.list(db.Gorm(ctx), id)
	if err != nil {
		return nil, err
	}
	if !by.SeesRegion(l.County) {
		return nil, znb.ErrNotFound("名单版本")
	}
	return l, nil
}

// list reads a list version whoever asks; callers decide who sees it.
func (db *DB) list(g *gorm.DB, id int64) (*registry.ListVersion, error) {
	var row listRow
	if err := g.Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, notFound(err, "名单版本")
	}
	return row.version(), nil
}

// ListVersions returns the versions of a county the actor may see, newest first.
func (db *DB) ListVersions(ctx context.Context, by znb.Actor, county string) ([]registry.ListVersion, error) {
	var rows []listRow
	q := db.Gorm(ctx).Order("id DESC").Limit(200)
	if county != "" {
		q = q.Where("county = ?", county)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取名单")
	}
	out := []registry.ListVersion{}
	for i := range rows {
		if by.SeesRegion(rows[i].County) {
			out = append(out, *rows[i].version())
		}
	}
	return out, nil
}

// HouseholdQuery selects households by number, by any member's ID number
// or by any member's whole name, in one list version or, when ListID is 0,
// in the current list of every county the actor sees; at most 100.
type HouseholdQuery struct {
	ListID      int64
	HouseholdNo string
	IDNumber    string
	Name        string
}

// HouseholdRecord is a household of a list version with its members.
type HouseholdRecord struct {
	ListID  int64
	County  string
	H       registry.Household
	Members []registry.Member
}

type householdRow struct {
	ListID          int64
	HouseholdNo     string
	RegionCode      string
	VillageName     string
	Category        string
	IncomePerCapita decimal.NullDecimal
	RiskEliminated  *int
}

type memberRow struct {
	ListID      int64
	HouseholdNo string
	IDNumber    string `gorm:"column:id_number"`
	Name        string
	Relation    string
	Status      string
	StatusDate  znb.Date
	Phone       string
	RowNo       int
}

func (r *memberRow) member() registry.Member {
	return registry.Member{HouseholdNo: r.HouseholdNo, IDNumber: r.IDNumber, Name: r.Name, Relation: r.Relation,
		Phone: r.Phone, Status: registry.Status(r.Status), StatusDate: r.StatusDate, Row: r.RowNo}
}

func (r *householdRow) household() registry.Household {
	h := registry.Household{No: r.HouseholdNo, Region: r.RegionCode, Village: r.VillageName,
		Category: znb.Category(r.Category), Income: r.IncomePerCapita}
	if r.RiskEliminated != nil {
		b := *r.RiskEliminated != 0
		h.RiskEliminated = &b
	}
	return h
}

// currentLists returns the latest list version of each county the actor sees.
func (db *DB) currentLists(ctx context.Context, by znb.Actor) ([]listRow, error) {
	var rows []listRow
	err := db.Gorm(ctx).Where("id IN (SELECT MAX(id) FROM list_versions GROUP BY county)").Find(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "读取名单")
	}
	out := rows[:0]
	for _, r := range rows {
		if by.SeesRegion(r.County) {
			out = append(out, r)
		}
	}
	return out, nil
}

// householdKey names a household of a list version.
type householdKey struct {
	ListID      int64
	HouseholdNo string
}

// maxMatches bounds the members a search by ID number or name reads: a
// common name may be shared by many.
const maxMatches = 1000

// FindHouseholds looks households up; nothing found, or found only outside
// the actor's scope, is an empty answer, not an error.
func (db *DB) FindHouseholds(ctx context.Context, by znb.Actor, q HouseholdQuery) ([]HouseholdRecord, error) {
	key, err := registry.HouseholdLookup(q.HouseholdNo, q.IDNumber, q.Name)
	if err != nil {
		return nil, err
	}
	q.HouseholdNo, q.IDNumber, q.Name = key.HouseholdNo, key.IDNumber, key.Name
	counties := map[int64]string{}
	if q.ListID != 0 {
		l, err := db.GetList(ctx, by, q.ListID)
		if err != nil {
			return nil, err
		}
		counties[l.ID] = l.County
	} else {
		ls, err := db.currentLists(ctx, by)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			counties[l.ID] = l.County
		}
	}
	if len(counties) == 0 {
		return []HouseholdRecord{}, nil
	}
	ids := make([]int64, 0, len(counties))
	for id := range counties {
		ids = append(ids, id)
	}
	g := db.Gorm(ctx)
	var hrows []householdRow
	hq := g.Table("households").Where("list_id IN ?", ids)
	if q.HouseholdNo != "" {
		hq = hq.Where("household_no = ?", q.HouseholdNo)
	}
	var pairs map[householdKey]bool
	if q.IDNumber != "" || q.Name != "" {
		// The members first, through their index (members_id_number,
		// members_name_list), then their households by number: a subquery
		// per household, or an order the planner kept, scanned a county's
		// whole list.
		var keys []householdKey
		// No DISTINCT: SQLite would read the whole list in its
		// (list_id, household_no) order to have it.
		mq := g.Table("members").Select("list_id, household_no").Where("list_id IN ?", ids)
		if q.IDNumber != "" {
			mq = mq.Where("id_number = ?", q.IDNumber)
		}
		if q.Name != "" {
			mq = mq.Where("name = ?", q.Name)
		}
		if err := mq.Limit(maxMatches).Scan(&keys).Error; err != nil {
			return nil, znb.Wrap(err, "查询户")
		}
		if len(keys) == 0 {
			return []HouseholdRecord{}, nil
		}
		pairs = map[householdKey]bool{}
		nos := make([]string, 0, len(keys))
		for _, k := range keys {
			if !pairs[k] {
				pairs[k] = true
				nos = append(nos, k.HouseholdNo)
			}
		}
		hq = hq.Where("household_no IN ?", nos)
	} else {
		hq = hq.Limit(100)
	}
	if err := hq.Order("list_id, household_no").Find(&hrows).Error; err != nil {
		return nil, znb.Wrap(err, "查询户")
	}
	if pairs != nil { // a number found in one list may name another household in another
		kept := hrows[:0]
		for _, h := range hrows {
			if pairs[householdKey{h.ListID, h.HouseholdNo}] && len(kept) < 100 {
				kept = append(kept, h)
			}
		}
		hrows = kept
	}
	if len(hrows) == 0 {
		return []HouseholdRecord{}, nil
	}
	// Every member of the households found in one query, not one a household.
	lists, nos := map[int64]bool{}, map[string]bool{}
	for _, h := range hrows {
		lists[h.ListID], nos[h.HouseholdNo] = true, true
	}
	var ms []memberRow
	if err := g.Table("members").Where("list_id IN ? AND household_no IN ?", slices.Collect(maps.Keys(lists)), slices.Collect(maps.Keys(nos))).
		Order("row_no").Find(&ms).Error; err != nil {
		return nil, znb.Wrap(err, "查询户成员")
	}
	members := map[householdKey][]registry.Member{}
	for i := range ms {
		k := householdKey{ms[i].ListID, ms[i].HouseholdNo}
		members[k] = append(members[k], ms[i].member())
	}
	out := make([]HouseholdRecord, 0, len(hrows))
	for _, h := range hrows {
		out = append(out, HouseholdRecord{ListID: h.ListID, County: counties[h.ListID], H: h.household(),
			Members: members[householdKey{h.ListID, h.HouseholdNo}]})
	}
	return out, nil
}
