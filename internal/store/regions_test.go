package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// regionRows reads the whole regions table, code → name@updated_at.
func regionRows(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	rs, err := db.Regions(context.Background(), znb.System, "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rs {
		out[r.Code] = r.Name + "@" + time.UnixMilli(r.UpdatedAt).UTC().Format(time.DateOnly)
	}
	return out
}

func loadRegions(t *testing.T, db *store.DB, by znb.Actor, body string) (*store.RegionLoad, error) {
	t.Helper()
	return db.LoadRegions(context.Background(), by, storetest.File(t, storetest.WriteFile(t, "regions.csv", body)))
}

func TestLoadRegions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, err := loadRegions(t, db, office, "区划代码,名称\n522625,镇远县\n522625101,青山镇\n522625101001,青山村\n")
		if err != nil {
			t.Fatal(err)
		}
		if res.Regions != 3 || res.Inserted != 3 || res.Updated != 0 || res.Unchanged != 0 || len(res.Rejected) != 0 {
			t.Errorf("first load %+v", res)
		}
		first := map[string]string{"522625": "镇远县@2024-06-15", "522625101": "青山镇@2024-06-15", "522625101001": "青山村@2024-06-15"}
		if got := regionRows(t, db); !reflect.DeepEqual(got, first) {
			t.Fatalf("table %v, want %v", got, first)
		}

		// A file with several kinds of bad rows changes nothing.
		bad := "code,name\n" +
			"522625,镇远县改\n" + // 2: good on its own
			"52262510,某乡\n" + // 3: 8 digits
			"52262A101,某乡\n" + // 4: not digits
			"522625102,\n" + // 5: empty name
			"522625103," + strings.Repeat("镇", 101) + "\n" + // 6: 101 characters
			"522625101,青山镇\n" + // 7: twice
			"522625101,青山乡\n" + // 8
			"522624,三穗县\n" // 9: another county
		res, err = loadRegions(t, db, office, bad)
		if znb.CodeOf(err) != "regions_rejected" || res == nil {
			t.Fatalf("bad file: %v, want regions_rejected", err)
		}
		type fault struct {
			row          int
			column, code string
		}
		var got []fault
		for _, r := range res.Rejected {
			got = append(got, fault{r.Row, r.Column, r.Code})
		}
		wantRej := []fault{{3, "code", "region_format"}, {4, "code", "region_format"}, {5, "name", "missing_value"},
			{6, "name", "name_length"}, {7, "code", "duplicate_region"}, {8, "code", "duplicate_region"},
			{9, "code", "region_out_of_scope"}}
		if !reflect.DeepEqual(got, wantRej) {
			t.Errorf("rejected %v, want %v", got, wantRej)
		}
		if got := regionRows(t, db); !reflect.DeepEqual(got, first) {
			t.Errorf("after a refused file the table is %v, want %v", got, first)
		}

		// The second load renames one, adds one and leaves one as it was,
		// a day later.
		db.Now = func() time.Time { return storetest.Now.AddDate(0, 0, 1) }
		res, err = loadRegions(t, db, znb.System, "code,name\n522625,镇远县\n522625101,青山乡\n522624,三穗县\n")
		if err != nil {
			t.Fatal(err)
		}
		if res.Regions != 3 || res.Inserted != 1 || res.Updated != 1 || res.Unchanged != 1 {
			t.Errorf("second load %+v, want 1 inserted, 1 updated, 1 unchanged", res)
		}
		second := map[string]string{"522625": "镇远县@2024-06-15", "522625101": "青山乡@2024-06-16",
			"522625101001": "青山村@2024-06-15", "522624": "三穗县@2024-06-16"}
		if got := regionRows(t, db); !reflect.DeepEqual(got, second) {
			t.Errorf("table %v, want %v", got, second)
		}
		names, err := db.RegionNames(ctx, []string{"522625", "522625101", "522626"})
		if err != nil || !reflect.DeepEqual(names, map[string]string{"522625": "镇远县", "522625101": "青山乡"}) {
			t.Errorf("names %v, %v", names, err)
		}

		// Each load that stored something is in the audit trail.
		trail, err := db.AuditTrail(ctx, "regions", 10)
		if err != nil || len(trail) != 2 || trail[0].Action != "region.load" || trail[0].Actor != "system" || trail[1].Actor != office.Username {
			t.Fatalf("trail %+v, %v", trail, err)
		}
		var detail map[string]any
		json.Unmarshal([]byte(trail[0].Detail), &detail)
		if detail["updated"] != 1.0 || detail["inserted"] != 1.0 || detail["file"] != "regions.csv" {
			t.Errorf("audit detail %v", detail)
		}

		// Only admin and office name regions.
		for _, by := range []znb.Actor{clerk, {Username: "aud", Role: znb.Auditor, Scope: "522625"}} {
			if _, err := loadRegions(t, db, by, "code,name\n522625,镇远县\n"); znb.CodeOf(err) != "forbidden" {
				t.Errorf("load by %s: %v, want forbidden", by.Role, err)
			}
		}
	})
}

func TestListRegions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := loadRegions(t, db, znb.System, "code,name\n522625,镇远县\n522625101,青山镇\n522625102,白云乡\n522624,三穗县\n"); err != nil {
			t.Fatal(err)
		}
		codes := func(rs []store.RegionName) []string {
			var out []string
			for _, r := range rs {
				out = append(out, r.Code)
			}
			return out
		}
		town := znb.Actor{Username: "aud", Role: znb.Auditor, Scope: "522625101"}
		for _, c := range []struct {
			by            znb.Actor
			prefix, after string
			want          []string
			code          string
		}{
			{znb.System, "", "", []string{"522624", "522625", "522625101", "522625102"}, ""},
			{znb.System, "", "522625", []string{"522625101", "522625102"}, ""},
			{clerk, "522625", "", []string{"522625", "522625101", "522625102"}, ""},
			{office, "", "", []string{"522625", "522625101", "522625102"}, ""},
			{office, "52", "", []string{"522625", "522625101", "522625102"}, ""},
			{office, "522625102", "", []string{"522625102"}, ""},
			{town, "522625", "", []string{"522625101"}, ""},
			{office, "522624", "", nil, "not_found"},
			{town, "522625102", "", nil, "not_found"},
			{office, "5226251", "", nil, "invalid_region"},
		} {
			rs, err := db.Regions(ctx, c.by, c.prefix, c.after, 100)
			if znb.CodeOf(err) != c.code || !reflect.DeepEqual(codes(rs), c.want) {
				t.Errorf("%s %s prefix %q after %q: %v %v, want %v %s", c.by.Role, c.by.Scope, c.prefix, c.after, codes(rs), err, c.want, c.code)
			}
		}
		if rs, _ := db.Regions(ctx, znb.System, "", "", 2); len(rs) != 2 {
			t.Errorf("limit 2 gave %d", len(rs))
		}
	})
}

// TestReportNames loads names for the report world's county, one of its
// townships and both villages: county and township rows take them, a
// village keeps the name its list gives, and the annual evaluation and the
// notices name the county.
func TestReportNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newReportWorld(t, db)
		if _, err := loadRegions(t, db, office, "code,name\n"+claimCounty+",镇远县\n"+claimCounty+"101,青山镇\n"+
			rv1+",青山村民委员会\n"+rv2+",白云村民委员会\n"); err != nil {
			t.Fatal(err)
		}
		mar, _ := report.ParseMonth("2024-03")
		r, err := db.MonthlyReport(ctx, office, "", mar)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, row := range r.Rows {
			got = append(got, row.Region+" "+row.Name)
		}
		want := []string{claimCounty + " 镇远县", claimCounty + "101 青山镇", rv1 + " 青山村", claimCounty + "102 ", rv2 + " 白云村"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("monthly rows %q, want %q", got, want)
		}

		a, err := db.AnnualReport(ctx, office, w.agreementID)
		if err != nil {
			t.Fatal(err)
		}
		if a.CountyName != "镇远县" || a.County != claimCounty || a.Rows[0].Name != "镇远县" || a.Rows[1].Name != "青山镇" {
			t.Errorf("annual county %s %q, rows %q %q", a.County, a.CountyName, a.Rows[0].Name, a.Rows[1].Name)
		}

		for _, c := range []struct {
			village string
			month   string
			place   string
		}{
			{rv1, "2024-03", "镇远县青山镇青山村"},  // the list's village name
			{rv2, "2024-03", "镇远县白云村民委员会"}, // no claim: the loaded name; township unnamed
		} {
			m, _ := report.ParseMonth(c.month)
			n, err := db.NoticeClaims(ctx, office, w.agreementID, c.village, m)
			if err != nil || n.Place != c.place {
				t.Errorf("notice of %s: place %q, %v; want %q", c.village, n.Place, err, c.place)
			}
		}
	})
}
