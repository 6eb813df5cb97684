package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// idn makes a valid ID number of a person born in 1980 in county, seq 1–999.
func idn(county string, seq int) string {
	s := fmt.Sprintf("%s19800101%03d", county, seq)
	return s + string(registry.CheckDigit(s))
}

const header = "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期\n"

func writeList(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(p, []byte(header+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// countyList is three households of county c, the second with a dead member.
func countyList(c string) string {
	v := c + "101001"
	return strings.Join([]string{
		fmt.Sprintf("H1,%s,青山村,已脱贫户,张三丰,%s,户主,正常,", v, idn(c, 1)),
		fmt.Sprintf("H1,%s,青山村,已脱贫户,李四,%s,配偶,正常,", v, idn(c, 2)),
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王五,%s,户主,正常,", v, idn(c, 3)),
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王小五,%s,子,死亡,2024-03-01", v, idn(c, 4)),
		fmt.Sprintf("H3,%s,青山村,稳定脱贫户,赵六,%s,户主,正常,", v, idn(c, 5)),
	}, "\n") + "\n"
}

func tableCounts(t *testing.T, db *store.DB) [3]int64 {
	var n [3]int64
	for i, tbl := range []string{"list_versions", "households", "members"} {
		if err := db.Gorm(context.Background()).Raw("SELECT COUNT(*) FROM " + tbl).Scan(&n[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	return n
}

var office = znb.Actor{Username: "office-522625", Role: znb.Office, Scope: "522625"}

func TestImportList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, err := db.ImportList(ctx, office, storetest.File(t, writeList(t, countyList("522625"))),
			store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")})
		if err != nil {
			t.Fatal(err)
		}
		if res.List == nil || res.List.Households != 3 || res.List.Members != 5 || len(res.Rejected) != 0 {
			t.Fatalf("import = %+v, want 3 households, 5 members", res)
		}
		got, err := db.FindHouseholds(ctx, office, store.HouseholdQuery{IDNumber: idn("522625", 4)})
		if err != nil || len(got) != 1 {
			t.Fatalf("FindHouseholds by id = %v, %v", got, err)
		}
		h := got[0]
		if h.H.No != "H2" || h.H.Category != znb.Marginal || len(h.Members) != 2 ||
			h.Members[1].Status != registry.Deceased || h.Members[1].StatusDate != znb.MustDate("2024-03-01") {
			t.Errorf("household H2 = %+v", h)
		}
		other := znb.Actor{Username: "office-b", Role: znb.Office, Scope: "522626"}
		if _, err := db.GetList(ctx, other, res.List.ID); znb.CodeOf(err) != "not_found" {
			t.Errorf("other county GetList: %v, want not_found", err)
		}
		if got, _ := db.FindHouseholds(ctx, other, store.HouseholdQuery{HouseholdNo: "H2"}); len(got) != 0 {
			t.Errorf("other county sees %d households", len(got))
		}
		if _, err := db.ImportList(ctx, other, storetest.File(t, writeList(t, countyList("522625"))),
			store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")}); znb.CodeOf(err) != "out_of_scope" {
			t.Errorf("import into another county: %v, want out_of_scope", err)
		}
	})
}

func TestImportRejectsAndStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := "522625"
		v := c + "101001"
		bad := countyList(c) + fmt.Sprintf("H4,%s,青山村,已脱贫户,钱七,%s,户主,正常,\nH4,%s,青山村,已脱贫户,孙八,%s,户主,正常,\n",
			v, idn(c, 6), v, idn(c, 7))
		before := tableCounts(t, db)
		res, err := db.ImportList(ctx, office, storetest.File(t, writeList(t, bad)), store.ImportOptions{County: c, Effective: znb.MustDate("2024-01-01")})
		if znb.CodeOf(err) != "list_rejected" {
			t.Fatalf("two heads: err = %v, want list_rejected", err)
		}
		if after := tableCounts(t, db); after != before {
			t.Errorf("rejected import changed the tables: %v → %v", before, after)
		}
		rows := map[int]string{}
		for _, r := range res.Rejected {
			rows[r.Row] = r.Code
		}
		if len(rows) != 2 || rows[7] == "" || rows[8] == "" {
			t.Errorf("rejected rows = %v, want rows 7 and 8", res.Rejected)
		}

		res, err = db.ImportList(ctx, office, storetest.File(t, writeList(t, bad)), store.ImportOptions{County: c, Effective: znb.MustDate("2024-01-01"), Partial: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.List.Households != 3 || res.List.Members != 5 || len(res.Rejected) != 2 {
			t.Errorf("partial import = %+v, want 3 households, 5 members, 2 rejected rows", res.List)
		}
		if got, _ := db.FindHouseholds(ctx, office, store.HouseholdQuery{HouseholdNo: "H4"}); len(got) != 0 {
			t.Errorf("partial import stored the bad household H4")
		}
	})
}

func TestCrossCountyDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		admin := znb.Actor{Username: "admin", Role: znb.Admin}
		if _, err := db.ImportList(ctx, admin, storetest.File(t, writeList(t, countyList("522625"))), store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")}); err != nil {
			t.Fatal(err)
		}
		moved := fmt.Sprintf("K1,522626102003,石桥村,已脱贫户,李四,%s,户主,正常,\n", idn("522625", 2))
		res, err := db.ImportList(ctx, admin, storetest.File(t, writeList(t, moved)), store.ImportOptions{County: "522626", Effective: znb.MustDate("2024-02-01")})
		if err != nil {
			t.Fatal(err)
		}
		want := registry.CrossCounty{RowNo: 2, IDNumber: idn("522625", 2), Name: "李四", County: "522625"}
		if len(res.CrossCounty) != 1 || res.CrossCounty[0] != want {
			t.Errorf("cross-county = %+v, want %+v (row 2 of this list, the other county only)", res.CrossCounty, want)
		}
	})
}

// TestImportListRefuses names who may import which county's list: each
// refusal stores nothing.
func TestImportListRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		file := storetest.File(t, writeList(t, countyList("522625")))
		jan := znb.MustDate("2024-01-01")
		for _, c := range []struct {
			name   string
			by     znb.Actor
			county string
			eff    znb.Date
			code   string
		}{
			{"CountyFiveDigits", office, "52262", jan, "invalid_region"},
			{"CountyLetters", office, "52262X", jan, "invalid_region"},
			{"CountyIsTownship", office, "522625101", jan, "invalid_region"},
			{"OtherCountyOffice", znb.Actor{Username: "office-b", Role: znb.Office, Scope: "522626"}, "522625", jan, "out_of_scope"},
			{"Auditor", znb.Actor{Username: "aud", Role: znb.Auditor, Scope: "522625"}, "522625", jan, "forbidden"},
			{"InsurerClerk", znb.Actor{Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}, "522625", jan, "forbidden"},
			{"NoEffectiveDate", office, "522625", znb.Date{}, "invalid_effective_date"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, err := db.ImportList(ctx, c.by, file, store.ImportOptions{County: c.county, Effective: c.eff})
				if got := znb.CodeOf(err); got != c.code || res != nil {
					t.Errorf("ImportList = %+v, %v; want code %s", res, err, c.code)
				}
			})
		}
		if ls, err := db.ListVersions(ctx, znb.System, ""); err != nil || len(ls) != 0 {
			t.Errorf("versions after refusals: %v, %v", ls, err)
		}
	})
}

// TestImportListManyBatches imports a list of many statements' worth of
// rows, whose batches the database writes while the next are read: every
// member arrives once, and an import stopped halfway leaves nothing behind
// and no statement running after its rollback.
func TestImportListManyBatches(t *testing.T) {
	var buf strings.Builder
	members := storetest.Generate(t, &buf, "522625", 3000, 3, znb.MustDate("2024-06-15"))
	path := storetest.WriteFile(t, "big.csv", buf.String())
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("Stopped", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := db.ImportList(ctx, znb.System, storetest.File(t, path), store.ImportOptions{
				County: "522625", Effective: znb.MustDate("2024-01-01"),
				Progress: func(phase string, rows int) {
					if phase == "write" && rows >= members/2 {
						cancel()
					}
				}})
			if err == nil {
				t.Fatal("import stopped halfway succeeded")
			}
			if got := tableCounts(t, db); got != [3]int64{} {
				t.Errorf("after the stopped import: %v rows in list_versions, households, members; want none", got)
			}
		})
		t.Run("OK", func(t *testing.T) {
			res, err := db.ImportList(context.Background(), znb.System, storetest.File(t, path),
				store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")})
			if err != nil {
				t.Fatal(err)
			}
			var distinct int64
			if err := db.Gorm(context.Background()).Raw("SELECT COUNT(DISTINCT row_no) FROM members WHERE list_id = ?",
				res.List.ID).Scan(&distinct).Error; err != nil {
				t.Fatal(err)
			}
			got, want := tableCounts(t, db), [3]int64{1, int64(res.List.Households), int64(members)}
			if res.List.Members != members || got != want || distinct != int64(members) {
				t.Errorf("stored %v rows (%d distinct members), list says %d members; want %v", got, distinct, res.List.Members, want)
			}
		})
	})
}
