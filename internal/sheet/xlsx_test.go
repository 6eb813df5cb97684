package sheet

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/sheet/sheettest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const (
	sheetHead = sheettest.SheetHead
	sheetTail = sheettest.SheetTail
	sstHead   = sheettest.SSTHead
)

// workbook writes an XLSX made by excelize with the given parts replaced or
// added (sheettest.Workbook), and returns its path.
func workbook(t *testing.T, parts map[string]sheettest.Part) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bomb.xlsx")
	if err := sheettest.Workbook(path, parts); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestXLSXBombs opens workbooks that inflate to far more than memory and
// checks that each is refused with its code, without inflating: little is
// allocated, nothing is left in the temporary directory and it is quick.
func TestXLSXBombs(t *testing.T) {
	const MiB = 1 << 20
	tests := []struct {
		name, code, where string
		parts             map[string]sheettest.Part
	}{
		{"one cell of 512 MiB", "cell_too_long", "第 2 行 B 列", sheettest.CellBomb()},
		{"2 GiB of whitespace", "xlsx_too_large", "1024 MB", sheettest.WhitespaceBomb()},
		{"900 MiB of whitespace", "xlsx_too_large", "sheet1", sheettest.Sheet1(sheettest.Part{
			Head: sheetHead, Fill: " ", N: 900 * MiB, Tail: sheetTail})},
		{"a cell of many small runs", "cell_too_long", "第 7 行 A 列", sheettest.Sheet1(sheettest.Part{
			Head: sheetHead + `<row r="7"><c r="A7" t="inlineStr"><is>`,
			Fill: `<r><t>AAAAAAAAAA</t></r>`, N: 20 * MiB, Tail: `</is></c></row>` + sheetTail})},
		{"a row of many cells", "too_many_columns", "第 3 行", sheettest.Sheet1(sheettest.Part{
			Head: sheetHead + `<row r="3">`, Fill: `<c/>`, N: 100 * MiB, Tail: `</row>` + sheetTail})},
		{"many rows", "too_many_rows", "", sheettest.Sheet1(sheettest.Part{
			Head: sheetHead, Fill: `<row/>`, N: 100 * MiB, Tail: sheetTail})},
		{"a row number beyond Excel", "too_many_rows", "", sheettest.Sheet1(sheettest.Part{
			Head: sheetHead, Fill: ``, N: 0, Tail: `<row r="1048577"><c r="A1048577"><v>1</v></c></row>` + sheetTail})},
		{"a tag of 512 MiB", "xlsx_too_large", "sheet1", sheettest.Sheet1(sheettest.Part{
			Head: sheetHead + `<row r="1" x="`, Fill: "A", N: 512 * MiB, Tail: `"></row>` + sheetTail})},
		{"a comment of 512 MiB", "xlsx_too_large", "sheet1", sheettest.Sheet1(sheettest.Part{
			Head: sheetHead + `<!--`, Fill: "A", N: 512 * MiB, Tail: `-->` + sheetTail})},
		{"a shared string of 512 MiB", "cell_too_long", "共享字符串", map[string]sheettest.Part{"xl/sharedStrings.xml": {
			Head: sstHead + `<si><t>`, Fill: "A", N: 512 * MiB, Tail: `</t></si></sst>`}}},
		{"many shared strings", "xlsx_too_large", "共享字符串", map[string]sheettest.Part{"xl/sharedStrings.xml": {
			Head: sstHead, Fill: `<si/>`, N: 100 * MiB, Tail: `</sst>`}}},
		{"a large part held in memory", "xlsx_too_large", "docProps/custom.xml", map[string]sheettest.Part{"docProps/custom.xml": {
			Head: `<x>`, Fill: " ", N: 64 * MiB, Tail: `</x>`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := workbook(t, tt.parts)
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rows, err := readAll(t, file)
			runtime.ReadMemStats(&after)
			if got := znb.CodeOf(err); got != tt.code {
				t.Fatalf("code %q (%v) after %d rows, want %q", got, err, len(rows), tt.code)
			}
			if msg := znb.ErrorOf(err).Message; !strings.Contains(msg, tt.where) {
				t.Errorf("message %q does not say %q", msg, tt.where)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32*MiB {
				t.Errorf("allocated %d MiB before refusing", alloc/MiB)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("left %d temporary files", len(left))
			}
		})
	}
}

// TestXLSXWithinBounds reads a workbook whose sheet and shared strings are
// large enough to be read from temporary files (over streamAbove), with a
// cell of exactly the longest length Excel allows.
func TestXLSXWithinBounds(t *testing.T) {
	longest := strings.Repeat("长", MaxCellChars)
	file := workbook(t, map[string]sheettest.Part{
		"xl/worksheets/sheet1.xml": {
			Head: sheetHead + `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>` + longest + `</t></is></c></row>`,
			Fill: `<row><c t="s"><v>1</v></c><c><v>7</v></c>` + strings.Repeat(" ", 200) + `</row>`, N: 20000, Tail: sheetTail},
		"xl/sharedStrings.xml": {
			Head: sstHead + `<si><t>姓名</t></si><si><t>张三</t></si>`, Fill: `<si><t>未用</t></si>`, N: 300000, Tail: `</sst>`},
	})
	rows, err := Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		got := rows.Row()
		switch {
		case n == 1 && (len(got) != 2 || got[0] != "姓名" || got[1] != longest):
			t.Fatalf("row 1 = %d cells, want 姓名 and a cell of %d characters", len(got), MaxCellChars)
		case n > 1 && (len(got) != 2 || got[0] != "张三" || got[1] != "7"):
			t.Fatalf("row %d = %q", n, got)
		}
	}
	if err := rows.Err(); err != nil || n != 20001 {
		t.Fatalf("read %d rows, %v; want 20001", n, err)
	}
}
