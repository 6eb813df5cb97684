package rest_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type regionLoadAnswer struct {
	Regions, Inserted, Updated, Unchanged int
	Rejected                              []struct {
		Row          int
		Column, Code string
		Message      string
	}
}

type regionsAnswer struct {
	Items []struct {
		Code, Name string
		UpdatedAt  string `json:"updated_at"`
	}
	Next string
}

func TestRegionsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		const county = "522625"
		w := newClaimWorld(t, h, county, "PICC-ZY", "znb-standard")
		admin := h.user("admin", znb.Admin, "")
		otherOffice := h.user("office-522626", znb.Office, "522626")
		put := func(key, body string) (int, []byte) {
			t.Helper()
			return h.uploadAs("PUT", "/api/v1/regions", key, "file", "regions.csv", []byte(body), nil)
		}
		list := func(key, query string) (int, []string) {
			t.Helper()
			code, b := h.call("GET", "/api/v1/regions"+query, key, nil)
			var a regionsAnswer
			if code == 200 {
				decodeJSON(t, b, &a)
			}
			var out []string
			for _, it := range a.Items {
				out = append(out, it.Code+" "+it.Name)
			}
			return code, out
		}

		// A file with bad rows is refused row by row; nothing is stored.
		code, b := put(w.office, "区划代码,名称\n522625,镇远县\n52262510,某乡\n522625101,\n522625102,甲乡\n522625102,乙乡\n522626,岑巩县\n")
		var rej regionLoadAnswer
		decodeJSON(t, b, &rej)
		var got []string
		for _, r := range rej.Rejected {
			got = append(got, fmt.Sprintf("%d %s %s", r.Row, r.Column, r.Code))
			if r.Message == "" {
				t.Errorf("row %d: no message", r.Row)
			}
		}
		want := []string{"3 code region_format", "4 name missing_value", "5 code duplicate_region", "6 code duplicate_region", "7 code region_out_of_scope"}
		if code != 422 || errorCode(t, b) != "regions_rejected" || !reflect.DeepEqual(got, want) {
			t.Errorf("bad file: %d %s; rows %q, want %q", code, errorCode(t, b), got, want)
		}
		if code, items := list(admin, ""); code != 200 || len(items) != 0 {
			t.Errorf("after a refused file: %d %v", code, items)
		}

		// Roles that may not name regions, and a request without a file.
		for _, key := range []string{w.clerk, w.auditor} {
			if code, b := put(key, "code,name\n522625,镇远县\n"); code != 403 || errorCode(t, b) != "forbidden" {
				t.Errorf("put by another role: %d %s", code, b)
			}
		}
		if code, b := h.call("PUT", "/api/v1/regions", w.office, nil); code != 422 || errorCode(t, b) != "file_required" {
			t.Errorf("no file: %d %s", code, b)
		}

		// Another county's office cannot name this county.
		if code, b := put(otherOffice, "code,name\n522626,岑巩县\n522625,镇远县\n"); code != 422 || !strings.Contains(string(b), `"row":3,"column":"code","code":"region_out_of_scope"`) {
			t.Errorf("other office: %d %s", code, b)
		}

		// Load, then load again with a township renamed.
		var res regionLoadAnswer
		code, b = put(w.office, "code,name\n522625,镇远县\n522625101,青山乡\n")
		if decodeJSON(t, b, &res); code != 200 || res.Regions != 2 || res.Inserted != 2 || len(res.Rejected) != 0 {
			t.Fatalf("load: %d %s", code, b)
		}
		code, b = put(admin, "code,name\n522625,镇远县\n522625101,青山镇\n522626,岑巩县\n")
		if decodeJSON(t, b, &res); code != 200 || res.Inserted != 1 || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("second load: %d %s", code, b)
		}

		// Each role lists what it may see.
		for _, c := range []struct {
			key, query string
			status     int
			items      []string
		}{
			{w.office, "", 200, []string{"522625 镇远县", "522625101 青山镇"}},
			{w.auditor, "?prefix=522625101", 200, []string{"522625101 青山镇"}},
			{w.clerk, "?prefix=5226", 200, []string{"522625 镇远县", "522625101 青山镇", "522626 岑巩县"}},
			{admin, "?prefix=522626", 200, []string{"522626 岑巩县"}},
			{admin, "?after=522625", 200, []string{"522625101 青山镇", "522626 岑巩县"}},
			{otherOffice, "?prefix=522625", 404, nil},
			{w.office, "?prefix=52262x", 422, nil},
		} {
			if code, items := list(c.key, c.query); code != c.status || !reflect.DeepEqual(items, c.items) {
				t.Errorf("GET regions%s: %d %v, want %d %v", c.query, code, items, c.status, c.items)
			}
		}

		// Reports name the county and the township.
		reportClaims(t, db, w, "PICC-ZY")
		code, b = h.call("GET", "/api/v1/reports/monthly?month=2024-03", w.office, nil)
		var r reportAnswer
		decodeJSON(t, b, &r)
		got = got[:0]
		for _, row := range r.Rows {
			got = append(got, row.RegionCode+" "+row.Name)
		}
		want = []string{"522625 镇远县", "522625101 青山镇", "522625101001 青山村", "522625101002 白水村"}
		if code != 200 || !reflect.DeepEqual(got, want) {
			t.Errorf("monthly: %d rows %q, want %q", code, got, want)
		}
		code, b = h.call("GET", "/api/v1/reports/monthly.xlsx?month=2024-03", w.office, nil)
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if code != 200 || err != nil {
			t.Fatalf("monthly.xlsx: %d %v", code, err)
		}
		rows, _ := f.GetRows("分区域统计")
		f.Close()
		got = got[:0]
		for _, row := range rows[1 : len(rows)-1] {
			got = append(got, row[1]+" "+row[2])
		}
		if rows[0][2] != "名称" || !reflect.DeepEqual(got, want) {
			t.Errorf("monthly.xlsx: header %q, rows %q, want %q", rows[0][2], got, want)
		}

		code, b = h.call("GET", fmt.Sprintf("/api/v1/reports/annual.pdf?agreement_id=%d", w.agreementID), w.office, nil)
		if code != 200 {
			t.Fatalf("annual.pdf: %d %s", code, b)
		}
		assertHas(t, "evaluation", strings.Join(pagesText(t, b, "-layout"), ""), "镇远县“助农保”年度运行情况评估", "镇远县522625", "青山镇522625101")
		code, b = h.call("GET", fmt.Sprintf("/api/v1/reports/notice.pdf?agreement_id=%d&village=%s101001&month=2024-03", w.agreementID, county), w.office, nil)
		if code != 200 {
			t.Fatalf("notice: %d %s", code, b)
		}
		assertHas(t, "notice", strings.Join(pagesText(t, b, "-layout"), ""), "镇远县青山镇青山村“助农保”理赔公示", "张*丰")
	})
}
