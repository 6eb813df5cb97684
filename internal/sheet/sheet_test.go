package sheet

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll returns every row Open yields, copied.
func readAll(t *testing.T, path string) ([][]string, error) {
	t.Helper()
	rows, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		out = append(out, append([]string{}, rows.Row()...))
	}
	return out, rows.Err()
}

func encode(t *testing.T, s string, gb bool) []byte {
	t.Helper()
	if !gb {
		return []byte(s)
	}
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenCSV(t *testing.T) {
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("姓名\t村名\n张三\t石坪村\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want [][]string
	}{
		{"utf8", []byte("姓名,村名\n张三,石坪村\n"), [][]string{{"姓名", "村名"}, {"张三", "石坪村"}}},
		{"bom", append([]byte{0xEF, 0xBB, 0xBF}, "姓名,村名\r\n张三,石坪村\r\n"...), [][]string{{"姓名", "村名"}, {"张三", "石坪村"}}},
		{"gb18030", encode(t, "姓名,村名\n张三,石坪村\n", true), [][]string{{"姓名", "村名"}, {"张三", "石坪村"}}},
		{"utf16 tab", utf16, [][]string{{"姓名", "村名"}, {"张三", "石坪村"}}},
		{"trim and ragged", []byte("a, b ,c\n 1 \n\u3000x\u3000,y\n"), [][]string{{"a", "b", "c"}, {"1"}, {"x", "y"}}},
		{"blank lines keep numbers", []byte("h\n\n\nr4\n\"multi\nline\"\nr7\n"), [][]string{{"h"}, {}, {}, {"r4"}, {"multi\nline"}, {"r7"}}},
	}
	for _, tt := range tests {
		got, err := readAll(t, writeFile(t, "x.txt", tt.data))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if len(got[i]) == 0 && len(tt.want[i]) == 0 {
				continue
			}
			if !reflect.DeepEqual(got[i], tt.want[i]) {
				t.Errorf("%s: row %d got %q, want %q", tt.name, i+1, got[i], tt.want[i])
			}
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	book := excelize.NewFile()
	book.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "村名"})
	var buf bytes.Buffer
	if _, err := book.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code string
		data       []byte
	}{
		{"empty", "empty_file", nil},
		{"bom only", "empty_file", []byte{0xEF, 0xBB, 0xBF, '\n'}},
		{"nul bytes", "unreadable_file", []byte("姓名,村名\n\x00\x01\x02\x03binary")},
		{"control bytes", "unreadable_file", bytes.Repeat([]byte{0x01, 0x02, 0x03, 'a'}, 100)},
		{"old xls", "unreadable_file", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}},
		{"truncated xlsx", "bad_xlsx", buf.Bytes()[:buf.Len()/2]},
		{"zip not xlsx", "bad_xlsx", []byte("PK\x03\x04garbage")},
	}
	for _, tt := range tests {
		_, err := readAll(t, writeFile(t, "x.csv", tt.data))
		if got := znb.CodeOf(err); got != tt.code {
			t.Errorf("%s: code %q (%v), want %q", tt.name, got, err, tt.code)
		}
	}
}

func TestOpenXLSX(t *testing.T) {
	book := excelize.NewFile()
	book.SetSheetRow("Sheet1", "A1", &[]any{"姓名", " 村名 "})
	book.SetSheetRow("Sheet1", "A2", &[]any{"张三", "石坪村", 12})
	book.SetSheetRow("Sheet1", "B4", &[]any{"后"}) // row 3 left empty, A4 empty
	book.NewSheet("Other")
	book.SetSheetRow("Other", "A1", &[]any{"not read"})
	var buf bytes.Buffer
	if _, err := book.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, writeFile(t, "list.dat", buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"姓名", "村名"}, {"张三", "石坪村", "12"}, nil, {"", "后"}}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if len(want[i]) == 0 && len(got[i]) == 0 {
			continue
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d: got %q, want %q", i+1, got[i], want[i])
		}
	}
}

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"张三", "张三"},
		{"", ""},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "csv")
	if err != nil {
		t.Fatal(err)
	}
	w.Sheet("a", []string{"姓名", "金额", "日期", "是否"})
	w.Row("=cmd|' /C calc'!A0", decimal.RequireFromString("-1234.5"), znb.MustDate("2024-03-05"), true)
	w.Row(nil, decimal.NullDecimal{}, 7, false)
	w.Sheet("b", []string{"x"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFF姓名,金额,日期,是否\n'=cmd|' /C calc'!A0,-1234.50,2024-03-05,是\n,,7,否\n\nx\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestXLSXWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Sheet("汇总", []string{"姓名", "保费"}); err != nil {
		t.Fatal(err)
	}
	w.Row("@evil", decimal.RequireFromString("60"))
	w.Row("李四", decimal.RequireFromString("1234.5"))
	if err := w.Sheet("明细", []string{"序号"}); err != nil {
		t.Fatal(err)
	}
	w.Row(1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	if got := book.GetSheetList(); !reflect.DeepEqual(got, []string{"汇总", "明细"}) {
		t.Errorf("sheets %q", got)
	}
	checks := []struct{ sheet, cell, want string }{
		{"汇总", "A1", "姓名"},
		{"汇总", "A2", "'@evil"},
		{"汇总", "B2", "60.00"},
		{"汇总", "B3", "1234.50"},
		{"明细", "A2", "1"},
	}
	for _, c := range checks {
		if got, _ := book.GetCellValue(c.sheet, c.cell); got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, got, c.want)
		}
	}
	if typ, _ := book.GetCellType("汇总", "B3"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("amount cell type %v, want a number", typ)
	}
	if raw, _ := book.GetCellValue("汇总", "B3", excelize.Options{RawCellValue: true}); raw != "1234.5" {
		t.Errorf("amount raw value %q, want the number 1234.5", raw)
	}
}
