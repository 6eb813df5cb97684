package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

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
					if phase == "import" && rows >= members/2 {
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

// TestImportListLateFaults puts the faults of a list many batches long at
// its end, after the rows they collide with were written: a second 户主 of
// the first household (whose household row is already written, under a
// unique index), a repeat of an early ID number, and a bad cell. The import
// reads the file once, writing as it checks, and must still refuse it with
// the report a check alone gives and store nothing, not even an audit entry.
func TestImportListLateFaults(t *testing.T) {
	var buf strings.Builder
	storetest.Generate(t, &buf, "522625", 8000, 5, znb.MustDate("2024-06-15"))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	cells := func(row int) []string { return strings.Split(lines[row-1], ",") } // spreadsheet row numbers
	// Ages past any generated person's, so no generated ID repeats them.
	newID := func(seq string) string { s := "52262519100101" + seq; return s + string(registry.CheckDigit(s)) }
	id1, id2 := newID("901"), newID("902")
	if strings.Contains(buf.String(), id1) || strings.Contains(buf.String(), id2) {
		t.Fatal("the generated list holds the IDs meant to be new")
	}
	head := cells(2)
	if head[6] != registry.Head || cells(3)[0] != head[0] {
		t.Fatalf("row 2 is not the head of a household of several rows: %v", head)
	}
	late := len(lines) + 1 // the row number of the first row added
	second := append([]string(nil), head...)
	second[4], second[5] = "钱七", id1
	dup := append([]string(nil), head...)
	dup[0], dup[4], dup[5] = "LATE-DUP", "孙八", cells(3)[5]
	bad := append([]string(nil), head...)
	bad[0], bad[1], bad[4], bad[5] = "LATE-BAD", "522626101001", "周九", id2
	for _, r := range [][]string{second, dup, bad} {
		lines = append(lines, strings.Join(r, ","))
	}
	path := storetest.WriteFile(t, "late.csv", strings.Join(lines, "\n")+"\n")

	// The report a check alone gives of this file.
	rows, err := storetest.File(t, path).Open()
	if err != nil {
		t.Fatal(err)
	}
	want, err := registry.Check(rows, "522625", znb.DateOf(time.Now().In(znb.CST)))
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]map[string]bool{}
	for _, r := range want.Rejected {
		if codes[r.Row] == nil {
			codes[r.Row] = map[string]bool{}
		}
		codes[r.Row][r.Code] = true
	}
	for row, code := range map[int]string{2: "multiple_heads", 3: "duplicate_id", late: "multiple_heads",
		late + 1: "duplicate_id", late + 2: "region_outside_county"} {
		if !codes[row][code] {
			t.Fatalf("the check does not find %s on row %d: %v", code, row, codes)
		}
	}

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, err := db.ImportList(ctx, office, storetest.File(t, path), store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")})
		if znb.CodeOf(err) != "list_rejected" {
			t.Fatalf("err = %v, want list_rejected", err)
		}
		if res == nil || res.List != nil || res.Households != 0 || res.Members != 0 || res.Accounts != 0 {
			t.Fatalf("refused import = %+v, want only the rejected rows", res)
		}
		if !reflect.DeepEqual(res.Rejected, want.Rejected) {
			t.Errorf("rejected %d faults, the check %d; first differing: %v", len(res.Rejected), len(want.Rejected), firstDiff(res.Rejected, want.Rejected))
		}
		var audit int64
		if err := db.Gorm(ctx).Raw("SELECT COUNT(*) FROM audit_log").Scan(&audit).Error; err != nil {
			t.Fatal(err)
		}
		if got := tableCounts(t, db); got != [3]int64{} || audit != 0 {
			t.Errorf("after the refusal: %v rows in list_versions, households, members, %d audit entries; want none", got, audit)
		}
	})
}

func firstDiff(a, b []registry.Reject) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("%+v against %+v", a[i], b[i])
		}
	}
	return "one is longer"
}
