package registry

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const county = "522625"

var today = znb.MustDate("2024-06-30")

var chineseHeader = []string{"户编号", "行政区划代码", "村名", "户类型", "姓名", "身份证号", "与户主关系", "人均纯收入", "风险是否消除", "成员状态", "状态变更日期", "联系电话"}

// fixture is a clean list of two households: H1 (rows 2 and 3), H2 (row 4).
func fixture() [][]string {
	return [][]string{
		append([]string(nil), chineseHeader...),
		{"H1", "522625101201", "石坪村", "已脱贫户", "张三丰", makeID("19700101", "011"), "户主", "8000.00", "是", "正常", "", "13800138000"},
		{"H1", "522625101201", "石坪村", "已脱贫户", "李梅", makeID("19720315", "022"), "配偶", "8000", "是", "", "", ""},
		{"H2", "522625101202", "龙溪村", "marginal", "王五", makeID("19550505", "031"), "户主", "", "", "正常", "", ""},
	}
}

// at returns the index of a Chinese header in the fixture.
func at(header string) int {
	for i, h := range chineseHeader {
		if h == header {
			return i
		}
	}
	panic(header)
}

func csvOf(rows [][]string) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		b.WriteString(strings.Join(r, ","))
		b.WriteString("\n")
	}
	return b.Bytes()
}

func tempFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkFile(t *testing.T, path string) (*Verdict, error) {
	t.Helper()
	rows, err := sheet.Open(path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return Check(rows, county, today)
}

// fault is what a test expects of a Reject, leaving the message aside.
type want struct {
	row          int
	column, code string
}

func faultsOf(v *Verdict) []want {
	var got []want
	for _, r := range v.Rejected {
		got = append(got, want{r.Row, r.Column, r.Code})
	}
	return got
}

func TestCheck(t *testing.T) {
	id, st, sd := at("身份证号"), at("成员状态"), at("状态变更日期")
	tests := []struct {
		name  string
		edit  func(r [][]string) [][]string
		want  []want
		clean []string // households Verdict.OK accepts
	}{
		{"clean list", func(r [][]string) [][]string { return r }, nil, []string{"H1", "H2"}},
		{"wrong check digit", func(r [][]string) [][]string {
			v := r[2][id]
			r[2][id] = v[:17] + map[bool]string{true: "1", false: "0"}[v[17] == '0']
			return r
		}, []want{{3, "id_number", "id_check_digit"}}, []string{"H2"}},
		{"15-digit id", func(r [][]string) [][]string { r[3][id] = "522625550505031"; return r },
			[]want{{4, "id_number", "id_length"}}, []string{"H1"}},
		{"future birth", func(r [][]string) [][]string { r[3][id] = makeID("20240701", "031"); return r },
			[]want{{4, "id_number", "id_future_birth"}}, []string{"H1"}},
		{"two heads", func(r [][]string) [][]string { r[2][at("与户主关系")] = "户主"; return r },
			[]want{{2, "relation", "multiple_heads"}, {3, "relation", "multiple_heads"}}, []string{"H2"}},
		{"no head", func(r [][]string) [][]string { r[1][at("与户主关系")] = "子"; return r },
			[]want{{2, "relation", "no_head"}, {3, "relation", "no_head"}}, []string{"H2"}},
		{"id in two households", func(r [][]string) [][]string { r[3][id] = r[2][id]; return r },
			[]want{{3, "id_number", "duplicate_id"}, {4, "id_number", "duplicate_id"}}, nil},
		{"id twice, lower-case x", func(r [][]string) [][]string {
			x := makeID("19720315", "023")
			for x[17] != 'X' { // find a sequence whose check digit is X
				x = makeID("19720315", fmt.Sprintf("%03d", (int(x[14]-'0')*100+int(x[15]-'0')*10+int(x[16]-'0')+1)%1000))
			}
			r[2][id], r[3][id] = x, strings.ToLower(x)
			return r
		}, []want{{3, "id_number", "duplicate_id"}, {4, "id_number", "duplicate_id"}}, nil},
		{"household fields disagree", func(r [][]string) [][]string {
			r[2][at("户类型")] = "边缘易致贫户"
			r[2][at("村名")] = "石坪"
			return r
		}, []want{{2, "village_name", "household_mismatch"}, {2, "category", "household_mismatch"},
			{3, "village_name", "household_mismatch"}, {3, "category", "household_mismatch"}}, []string{"H2"}},
		{"unknown category", func(r [][]string) [][]string { r[3][at("户类型")] = "贫困户"; return r },
			[]want{{4, "category", "unknown_category"}}, []string{"H1"}},
		{"region outside county", func(r [][]string) [][]string { r[3][at("行政区划代码")] = "522626101202"; return r },
			[]want{{4, "region_code", "region_outside_county"}}, []string{"H1"}},
		{"region too short", func(r [][]string) [][]string { r[3][at("行政区划代码")] = "522625"; return r },
			[]want{{4, "region_code", "region_format"}}, []string{"H1"}},
		{"deceased without date", func(r [][]string) [][]string { r[2][st] = "死亡"; return r },
			[]want{{3, "status_date", "status_date_missing"}}, []string{"H2"}},
		{"moved out in the future", func(r [][]string) [][]string { r[2][st], r[2][sd] = "迁出", "2024-07-01"; return r },
			[]want{{3, "status_date", "status_date_future"}}, []string{"H2"}},
		{"deceased with date", func(r [][]string) [][]string { r[2][st], r[2][sd] = "死亡", "2024/6/30"; return r },
			nil, []string{"H1", "H2"}},
		{"unknown status", func(r [][]string) [][]string { r[2][st] = "失踪"; return r },
			[]want{{3, "member_status", "unknown_status"}}, []string{"H2"}},
		{"bad row cells", func(r [][]string) [][]string {
			r[3][at("联系电话")] = "0851-1234567"
			r[3][at("人均纯收入")] = "-1"
			r[3][at("风险是否消除")] = "Y"
			r[3][at("姓名")] = strings.Repeat("名", 31)
			return r
		}, []want{{4, "name", "name_length"}, {4, "income_per_capita", "income_negative"},
			{4, "risk_eliminated", "bad_yes_no"}, {4, "phone", "bad_phone"}}, []string{"H1"}},
		{"income 1e309", func(r [][]string) [][]string { r[3][at("人均纯收入")] = "1e309"; return r },
			[]want{{4, "income_per_capita", "income_format"}}, []string{"H1"}},
		{"income 20 nines", func(r [][]string) [][]string { r[3][at("人均纯收入")] = "99999999999999999999"; return r },
			[]want{{4, "income_per_capita", "income_format"}}, []string{"H1"}},
		{"income three decimals", func(r [][]string) [][]string { r[3][at("人均纯收入")] = "1.234"; return r },
			[]want{{4, "income_per_capita", "income_format"}}, []string{"H1"}},
		{"income with trailing zero", func(r [][]string) [][]string { r[3][at("人均纯收入")] = "12345.600"; return r },
			nil, []string{"H1", "H2"}},
		{"unknown relation, empty name", func(r [][]string) [][]string {
			r[2][at("与户主关系")], r[2][at("姓名")] = "表哥", ""
			return r
		}, []want{{3, "name", "missing_value"}, {3, "relation", "unknown_relation"}}, []string{"H2"}},
		{"row without household number", func(r [][]string) [][]string { r[3][0] = ""; return r },
			[]want{{4, "household_no", "missing_value"}}, []string{"H1"}},
		{"blank and title rows keep spreadsheet numbers", func(r [][]string) [][]string {
			out := [][]string{{"某某县监测对象名单"}, r[0], r[1], {}, r[2], r[3]}
			out[5][at("户类型")] = "??"
			return out
		}, []want{{6, "category", "unknown_category"}}, []string{"H1"}},
	}
	for _, tt := range tests {
		v, err := checkFile(t, tempFile(t, "list.csv", csvOf(tt.edit(fixture()))))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := faultsOf(v); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: rejects %v, want %v", tt.name, got, tt.want)
		}
		var clean []string
		for _, h := range []string{"H1", "H2"} {
			if v.OK(h) {
				clean = append(clean, h)
			}
		}
		if !reflect.DeepEqual(clean, tt.clean) {
			t.Errorf("%s: clean households %v, want %v", tt.name, clean, tt.clean)
		}
		members := map[string]int{"H1": 2, "H2": 1}
		wantMembers := 0
		for _, h := range tt.clean {
			wantMembers += members[h]
		}
		if v.Households != len(tt.clean) || v.Members != wantMembers {
			t.Errorf("%s: counted %d households %d members clean, want %d and %d", tt.name, v.Households, v.Members, len(tt.clean), wantMembers)
		}
		for _, r := range v.Rejected {
			if r.Message == "" || strings.Contains(r.Message, makeID("19720315", "022")[:14]) {
				t.Errorf("%s: row %d message %q empty or shows an ID number", tt.name, r.Row, r.Message)
			}
		}
	}
}

func TestCheckFileFaults(t *testing.T) {
	noID := fixture()
	for i := range noID {
		noID[i] = append(noID[i][:at("身份证号")], noID[i][at("身份证号")+1:]...)
	}
	var xlsx bytes.Buffer
	writeXLSX(t, &xlsx, fixture())
	tests := []struct {
		name, code string
		data       []byte
		inMessage  string
	}{
		{"missing column", "missing_column", csvOf(noID), "身份证号"},
		{"empty file", "empty_file", nil, ""},
		{"only blank lines", "empty_file", []byte("\n\n,,,\n"), ""},
		{"binary", "unreadable_file", append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...), ""},
		{"truncated xlsx", "bad_xlsx", xlsx.Bytes()[:xlsx.Len()*2/3], ""},
		{"column twice", "duplicate_column", []byte("户编号,户编号,行政区划代码,户类型,姓名,身份证号,与户主关系\n"), ""},
	}
	for _, tt := range tests {
		_, err := checkFile(t, tempFile(t, "up.csv", tt.data))
		e := znb.ErrorOf(err)
		if e.Code != tt.code || e.Kind != znb.Invalid {
			t.Errorf("%s: got %v, want %s of kind Invalid", tt.name, err, tt.code)
		}
		if !strings.Contains(e.Message, tt.inMessage) {
			t.Errorf("%s: message %q does not name %q", tt.name, e.Message, tt.inMessage)
		}
	}
}

func writeXLSX(t *testing.T, w *bytes.Buffer, rows [][]string) {
	t.Helper()
	book := excelize.NewFile()
	defer book.Close()
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		if err := book.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &cells); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := book.WriteTo(w); err != nil {
		t.Fatal(err)
	}
}

// TestCheckEncodingsAndFormats reads the same list, with one bad row, in
// every form an office may upload, and expects the same verdict and the same
// members from each.
func TestCheckEncodingsAndFormats(t *testing.T) {
	list := fixture()
	list[3][at("户类型")] = "未知类"
	english := fixture()
	english[0] = []string{"household_no", "region_code", "village_name", "category", "name", "id_number", "relation", "income_per_capita", "risk_eliminated", "member_status", "status_date", "phone"}
	english[3][at("户类型")] = "未知类"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(csvOf(list))
	if err != nil {
		t.Fatal(err)
	}
	var xlsx bytes.Buffer
	writeXLSX(t, &xlsx, list)
	forms := []struct {
		name string
		data []byte
	}{
		{"utf-8", csvOf(list)},
		{"utf-8 with BOM", append([]byte("\uFEFF"), csvOf(list)...)},
		{"gb18030", gb},
		{"english headers", csvOf(english)},
		{"xlsx", xlsx.Bytes()},
	}
	wantFaults := []want{{4, "category", "unknown_category"}}
	for _, f := range forms {
		path := tempFile(t, "upload", f.data)
		v, err := checkFile(t, path)
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		if got := faultsOf(v); !reflect.DeepEqual(got, wantFaults) {
			t.Errorf("%s: rejects %v, want %v", f.name, got, wantFaults)
		}
		var names []string
		rows, err := sheet.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = Each(rows, county, func(h Household, m Member) error {
			names = append(names, fmt.Sprintf("%s/%s/%s/%d", h.No, h.Category, m.Name, m.Row))
			return nil
		})
		rows.Close()
		if err != nil {
			t.Errorf("%s: Each: %v", f.name, err)
		}
		want := []string{"H1/lifted/张三丰/2", "H1/lifted/李梅/3"}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("%s: Each gave %v, want %v", f.name, names, want)
		}
	}
}

func TestEachFields(t *testing.T) {
	list := fixture()
	list[2][at("成员状态")], list[2][at("状态变更日期")] = "死亡", "2024-05-01"
	list[2][at("身份证号")] = strings.ToLower(list[2][at("身份证号")])
	rows, err := sheet.Open(tempFile(t, "l.csv", csvOf(list)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []Member
	var hs []Household
	err = Each(rows, county, func(h Household, m Member) error {
		got, hs = append(got, m), append(hs, h)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("Each gave %d members, want 3", len(got))
	}
	m := got[1]
	wantM := Member{HouseholdNo: "H1", IDNumber: strings.ToUpper(list[2][at("身份证号")]), Name: "李梅", Relation: "配偶",
		Status: Deceased, StatusDate: znb.MustDate("2024-05-01"), Row: 3}
	if m != wantM {
		t.Errorf("member %+v, want %+v", m, wantM)
	}
	h := hs[0]
	if h.Region != "522625101201" || h.Village != "石坪村" || h.Category != znb.Lifted ||
		!h.Income.Valid || !h.Income.Decimal.Equal(decimal.NewFromInt(8000)) || h.RiskEliminated == nil || !*h.RiskEliminated {
		t.Errorf("household %+v", h)
	}
	if got[0].Phone != "13800138000" || hs[2].Income.Valid || hs[2].RiskEliminated != nil || hs[2].Category != znb.Marginal {
		t.Errorf("optional fields: %+v %+v", got[0], hs[2])
	}
}

// TestCheckEach checks that CheckEach gives the verdict of Check and hands
// on rows only while no rule has been broken: never the row that breaks
// one, nor any after it.
func TestCheckEach(t *testing.T) {
	id, rel := at("身份证号"), at("与户主关系")
	tests := []struct {
		name string
		edit func(r [][]string)
		rows []int // the rows fn gets
	}{
		{"clean", func(r [][]string) {}, []int{2, 3, 4}},
		{"bad cell", func(r [][]string) { r[2][at("户类型")] = "贫困户" }, []int{2}},
		{"second head", func(r [][]string) { r[2][rel] = "户主" }, []int{2}},
		{"id met before", func(r [][]string) { r[3][id] = r[2][id] }, []int{2, 3}},
		{"household field disagrees", func(r [][]string) { r[2][at("村名")] = "石坪" }, []int{2}},
		// A household's want of a 户主 shows only at the end.
		{"no head", func(r [][]string) { r[3][rel] = "子" }, []int{2, 3, 4}},
	}
	for _, tc := range tests {
		list := fixture()
		tc.edit(list)
		path := tempFile(t, "l.csv", csvOf(list))
		want, err := checkFile(t, path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := sheet.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		v, err := CheckEach(rows, county, today, func(h Household, m Member) error {
			got = append(got, m.Row)
			return nil
		})
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.rows) {
			t.Errorf("%s: fn got rows %v, want %v", tc.name, got, tc.rows)
		}
		if !reflect.DeepEqual(faultsOf(v), faultsOf(want)) || v.Households != want.Households || v.Members != want.Members ||
			v.TotalHouseholds != want.TotalHouseholds || v.TotalMembers != want.TotalMembers {
			t.Errorf("%s: verdict %+v, Check's %+v", tc.name, v, want)
		}
	}
}
