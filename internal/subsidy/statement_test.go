package subsidy

import (
	"slices"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestParseRow(t *testing.T) {
	id := makeID(42)
	good := RawRow{Row: 2, HouseholdNo: "H001", IDNumber: id, Name: "张三", Category: "脱贫户",
		CoverageStart: "2024-01-01", CoverageEnd: "2024-12-31", Premium: "60.00"}
	badCheck := id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
	tests := []struct {
		name  string
		mod   func(*RawRow)
		codes []string // in the order reported
	}{
		{"good", func(*RawRow) {}, nil},
		{"identifier category, slashed dates", func(r *RawRow) { r.Category, r.CoverageStart = "marginal", "2024/07/01" }, nil},
		{"lower-case x accepted", func(r *RawRow) { r.IDNumber = strings.ToLower(makeID(3)) }, nil},
		{"missing household", func(r *RawRow) { r.HouseholdNo = " " }, []string{"statement_missing_household_no"}},
		{"wrong check digit", func(r *RawRow) { r.IDNumber = badCheck }, []string{"statement_bad_id_number"}},
		{"short id", func(r *RawRow) { r.IDNumber = id[:17] }, []string{"statement_bad_id_number"}},
		{"no name", func(r *RawRow) { r.Name = "" }, []string{"statement_bad_name"}},
		{"name too long", func(r *RawRow) { r.Name = strings.Repeat("张", 31) }, []string{"statement_bad_name"}},
		{"unknown category", func(r *RawRow) { r.Category = "富裕户" }, []string{"statement_bad_category"}},
		{"category not covered", func(r *RawRow) { r.Category = "稳定脱贫户" }, []string{"statement_bad_category"}},
		{"bad start", func(r *RawRow) { r.CoverageStart = "2024-13-01" }, []string{"statement_bad_date"}},
		{"empty end", func(r *RawRow) { r.CoverageEnd = "" }, []string{"statement_bad_date"}},
		{"start after end", func(r *RawRow) { r.CoverageStart = "2024-12-31"; r.CoverageEnd = "2024-06-30" }, []string{"statement_start_after_end"}},
		{"outside term", func(r *RawRow) { r.CoverageStart = "2023-12-31" }, []string{"statement_outside_term"}},
		{"negative premium", func(r *RawRow) { r.Premium = "-1.00" }, []string{"statement_bad_premium"}},
		{"unparseable premium", func(r *RawRow) { r.Premium = "六十" }, []string{"statement_bad_premium"}},
		{"premium finer than a cent", func(r *RawRow) { r.Premium = "60.005" }, []string{"statement_bad_premium"}},
		{"several at once", func(r *RawRow) { r.IDNumber, r.Category, r.Premium = "123", "stable_lifted", "x" },
			[]string{"statement_bad_id_number", "statement_bad_category", "statement_bad_premium"}},
	}
	for _, tt := range tests {
		raw := good
		tt.mod(&raw)
		row, rej := ParseRow(testTerms(), raw)
		var codes []string
		for _, r := range rej {
			codes = append(codes, r.Code)
			if r.Row != 2 || r.Column == "" || r.Message == "" {
				t.Errorf("%s: rejection %+v lacks row, column or message", tt.name, r)
			}
			if strings.Contains(r.Message, raw.IDNumber[:min(len(raw.IDNumber), 17)]) && len(raw.IDNumber) == 18 {
				t.Errorf("%s: message %q shows the ID number", tt.name, r.Message)
			}
		}
		if !slices.Equal(codes, tt.codes) {
			t.Errorf("%s: codes %v, want %v", tt.name, codes, tt.codes)
		}
		if len(tt.codes) == 0 && (row.IDNumber != strings.ToUpper(raw.IDNumber) || !row.Premium.Equal(yuan(6000))) {
			t.Errorf("%s: parsed %+v", tt.name, row)
		}
	}
}

func TestParseRowCategory(t *testing.T) {
	raw := RawRow{Row: 5, HouseholdNo: "H1", IDNumber: makeID(1), Name: "李四", Category: "边缘户",
		CoverageStart: "20240301", CoverageEnd: "2024-12-31", Premium: "50.00"}
	row, rej := ParseRow(testTerms(), raw)
	if len(rej) != 0 || row.Category != znb.Marginal || row.CoverageStart != znb.MustDate("2024-03-01") {
		t.Errorf("got %+v %v, want marginal from 2024-03-01", row, rej)
	}
}

func TestColumnOf(t *testing.T) {
	for h, want := range map[string]string{"身份证号": "id_number", "id_number": "id_number", " 保费（元） ": "premium", "起保日期": "coverage_start"} {
		if got, ok := ColumnOf(h); !ok || got != want {
			t.Errorf("ColumnOf(%q) = %q, %v; want %q", h, got, ok, want)
		}
	}
	if _, ok := ColumnOf("备注"); ok {
		t.Errorf("ColumnOf(备注) accepted")
	}
}
