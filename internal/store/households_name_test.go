package store_test

import (
	"context"
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
		for _, c := range []string{"522625", "522626"} {
			by := znb.Actor{Username: "office-" + c, Role: znb.Office, Scope: c}
			if _, err := db.ImportList(ctx, by, storetest.File(t, writeList(t, countyList(c))),
				store.ImportOptions{County: c, Effective: znb.MustDate("2024-01-01")}); err != nil {
				t.Fatal(err)
			}
		}
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
