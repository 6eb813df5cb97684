package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestImportBadInput feeds lists with one planted fault each: every one is
// refused with the right code on the right row, and the database holds
// exactly what it held before.
func TestImportBadInput(t *testing.T) {
	c := "522625"
	v := c + "101001"
	good := func(seq int) string { return idn(c, seq) }
	wrongCheck := good(6)[:17] + map[bool]string{true: "1", false: "2"}[good(6)[17] != '1']
	row := func(hh, cat, name, id, rel string) string {
		return fmt.Sprintf("%s,%s,青山村,%s,%s,%s,%s,正常,\n", hh, v, cat, name, id, rel)
	}
	base := countyList(c) // rows 2–6
	cases := []struct {
		name string
		body string // appended to the base list, first new row is row 7
		raw  []byte // a whole file instead
		code string
		rows []int
	}{
		{name: "wrong check digit", body: row("H9", "已脱贫户", "钱七", wrongCheck, "户主"), code: "id_check_digit", rows: []int{7}},
		{name: "15-digit id", body: row("H9", "已脱贫户", "钱七", "522625800101001", "户主"), code: "id_length", rows: []int{7}},
		{name: "future birth", body: row("H9", "已脱贫户", "钱七", func() string {
			s := c + "20300101001"
			return s + string(registry.CheckDigit(s))
		}(), "户主"), code: "id_future_birth", rows: []int{7}},
		{name: "two heads", body: row("H9", "已脱贫户", "钱七", good(6), "户主") + row("H9", "已脱贫户", "孙八", good(7), "户主"), code: "multiple_heads", rows: []int{7, 8}},
		{name: "no head", body: row("H9", "已脱贫户", "钱七", good(6), "配偶") + row("H9", "已脱贫户", "孙八", good(7), "子"), code: "no_head", rows: []int{7, 8}},
		{name: "id in two households", body: row("H9", "已脱贫户", "钱七", good(1), "户主"), code: "duplicate_id", rows: []int{2, 7}},
		{name: "household fields disagree", body: row("H9", "已脱贫户", "钱七", good(6), "户主") + row("H9", "边缘易致贫户", "孙八", good(7), "配偶"), code: "household_mismatch", rows: []int{7, 8}},
		{name: "unknown category", body: row("H9", "富裕户", "钱七", good(6), "户主"), code: "unknown_category", rows: []int{7}},
		{name: "region outside county", body: strings.Replace(row("H9", "已脱贫户", "钱七", good(6), "户主"), v, "522626101001", 1), code: "region_outside_county", rows: []int{7}},
		{name: "missing column", raw: []byte("户编号,行政区划代码,户类型,姓名,与户主关系\nH1," + v + ",已脱贫户,张三,户主\n"), code: "missing_column"},
		{name: "empty file", raw: []byte{}, code: "empty_file"},
		{name: "binary file", raw: []byte("\x00\x01\x02PNG\x00\x00garbage\x00\xff\xfe"), code: "unreadable_file"},
		{name: "truncated xlsx", raw: truncatedXLSX(t), code: "bad_xlsx"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.ImportList(ctx, office, storetest.File(t, writeList(t, countyList(c))), store.ImportOptions{County: c, Effective: znb.MustDate("2024-01-01")}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			path := writeList(t, base+tc.body)
			if tc.raw != nil {
				path = filepath.Join(t.TempDir(), "bad")
				os.WriteFile(path, tc.raw, 0o644)
			}
			before := tableCounts(t, db)
			res, err := db.ImportList(ctx, office, storetest.File(t, path), store.ImportOptions{County: c, Effective: znb.MustDate("2024-02-01")})
			if after := tableCounts(t, db); after != before {
				t.Errorf("%s: tables changed %v → %v", tc.name, before, after)
			}
			if tc.rows == nil {
				if znb.CodeOf(err) != tc.code {
					t.Errorf("%s: err = %v, want code %s", tc.name, err, tc.code)
				}
				continue
			}
			if znb.CodeOf(err) != "list_rejected" || res == nil {
				t.Errorf("%s: err = %v, want list_rejected", tc.name, err)
				continue
			}
			var got []int
			for _, r := range res.Rejected {
				if r.Code == tc.code {
					got = append(got, r.Row)
				}
				if strings.Contains(r.Message, good(1)) || strings.Contains(r.Message, good(6)) {
					t.Errorf("%s: message shows a full ID: %s", tc.name, r.Message)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.rows) {
				t.Errorf("%s: rows with %s = %v, want %v (report %+v)", tc.name, tc.code, got, tc.rows, res.Rejected)
			}
		}
	})
}

func truncatedXLSX(t *testing.T) []byte {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"户编号", "行政区划代码"})
	p := filepath.Join(t.TempDir(), "x.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	return b[:len(b)/2]
}
