package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestFindHouseholdsByName: a member's whole name finds its household in
// the current list of the actor's county only; with another key it narrows
// the search; a part of a name finds nothing.
func TestFindHouseholdsByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		importTwoCounties(t, db)
		for _, tc := range []struct {
			q    store.HouseholdQuery
			want string
		}{
			{store.HouseholdQuery{Name: "王小五"}, "H2"},
			{store.HouseholdQuery{Name: " 李四 "}, "H1"},
			{store.HouseholdQuery{Name: "李四", HouseholdNo: "H1"}, "H1"},
			{store.HouseholdQuery{Name: "李四", HouseholdNo: "H2"}, ""},
			{store.HouseholdQuery{Name: "王"}, ""},
		} {
			got, err := db.FindHouseholds(ctx, office, tc.q)
			if err != nil {
				t.Fatalf("%+v: %v", tc.q, err)
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("%+v found %d households, want none", tc.q, len(got))
				}
				continue
			}
			if len(got) != 1 || got[0].H.No != tc.want || got[0].County != "522625" {
				t.Errorf("%+v = %+v, want %s of 522625 only", tc.q, got, tc.want)
			}
		}
		if _, err := db.FindHouseholds(ctx, office, store.HouseholdQuery{}); znb.CodeOf(err) != "query_required" {
			t.Errorf("no key: %v, want query_required", err)
		}
	})
}

// TestWholeListReadsSkipNameIndex: a read of a whole list version (the
// reconciliation's, the cross-county check's) goes through the index led by
// the list, in the order members were written, never through the name
// index, which would visit them at random; a name search uses the name
// index.
func TestWholeListReadsSkipNameIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		importTwoCounties(t, db)
		g := db.Gorm(ctx)
		if db.Dialect == store.MySQL {
			if err := g.Exec("ANALYZE TABLE members").Error; err != nil {
				t.Fatal(err)
			}
		}
		plan := func(q string) string { return explain(t, db, q, []any{1}) }
		for _, q := range []string{
			"SELECT id_number, name, household_no, status, status_date, row_no FROM members WHERE list_id = ?",
			"SELECT id_number FROM members WHERE list_id = ?",
		} {
			if p := plan(q); strings.Contains(p, "name") && !strings.Contains(p, "members_list_household") {
				t.Errorf("%s\nplan: %s; want the index led by the list", q, p)
			}
		}
		if p := plan("SELECT household_no FROM members WHERE list_id = ? AND name = '李四'"); !strings.Contains(p, "members_name_list") {
			t.Errorf("name search plan: %s; want members_name_list", p)
		}
	})
}

// importTwoCounties imports a list of two households into each of 522625
// and 522626.
func importTwoCounties(t *testing.T, db *store.DB) {
	t.Helper()
	for _, c := range []string{"522625", "522626"} {
		by := znb.Actor{Username: "office-" + c, Role: znb.Office, Scope: c}
		if _, err := db.ImportList(context.Background(), by, storetest.File(t, writeList(t, countyList(c))),
			store.ImportOptions{County: c, Effective: znb.MustDate("2024-01-01")}); err != nil {
			t.Fatal(err)
		}
	}
}
