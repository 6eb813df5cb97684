package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// part is the content of a zip entry: head, then fill repeated n times, then
// tail. A bomb's fill is repeated far more than memory could hold.
type part struct {
	head, fill, tail string
	n                int64
}

// deflated compresses s as a run of non-final deflate blocks, which can be
// concatenated.
func deflated(t *testing.T, s []byte) []byte {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(s)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeRaw adds p to zw compressed, without ever holding or compressing the
// whole inflated content: the fill is compressed once in chunks of 1 MiB
// and the compressed chunk repeated.
func writeRaw(t *testing.T, zw *zip.Writer, name string, p part) {
	t.Helper()
	const chunk = 1 << 20
	per := int64(chunk)
	if len(p.fill) > 0 {
		per = max(1, chunk/int64(len(p.fill)))
	}
	crc := crc32.NewIEEE()
	var data bytes.Buffer
	data.Write(deflated(t, []byte(p.head)))
	crc.Write([]byte(p.head))
	block := bytes.Repeat([]byte(p.fill), int(min(per, p.n)))
	z := deflated(t, block)
	for left := p.n; left > 0; left -= per {
		if left < per {
			block = bytes.Repeat([]byte(p.fill), int(left))
			z = deflated(t, block)
		}
		data.Write(z)
		crc.Write(block)
	}
	data.Write(deflated(t, []byte(p.tail)))
	crc.Write([]byte(p.tail))
	data.Write([]byte{0x03, 0x00}) // the final, empty block
	size := uint64(len(p.head)+len(p.tail)) + uint64(p.n)*uint64(len(p.fill))
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(data.Len()), UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// workbook writes an XLSX made by excelize with the given parts replaced or
// added, and returns its path.
func workbook(t *testing.T, parts map[string]part) string {
	t.Helper()
	book := excelize.NewFile()
	book.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "村名"})
	var base bytes.Buffer
	if _, err := book.WriteTo(&base); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(base.Bytes()), int64(base.Len()))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bomb.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		if _, ok := parts[f.Name]; !ok {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, p := range parts {
		writeRaw(t, zw, name, p)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail = `</sheetData></worksheet>`
	sstHead   = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
)

func sheet1(p part) map[string]part { return map[string]part{"xl/worksheets/sheet1.xml": p} }

// TestXLSXBombs opens workbooks that inflate to far more than memory and
// checks that each is refused with its code, without inflating: little is
// allocated, nothing is left in the temporary directory and it is quick.
func TestXLSXBombs(t *testing.T) {
	const MiB = 1 << 20
	tests := []struct {
		name, code, where string
		parts             map[string]part
	}{
		{"one cell of 512 MiB", "cell_too_long", "第 2 行 B 列", sheet1(part{
			head: sheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="2"><c r="A2"/><c r="B2" t="inlineStr"><is><t>`,
			fill: "A", n: 512 * MiB, tail: `</t></is></c></row>` + sheetTail})},
		{"2 GiB of whitespace", "xlsx_too_large", "1024 MB", sheet1(part{
			head: sheetHead, fill: " ", n: 2048 * MiB, tail: sheetTail})},
		{"900 MiB of whitespace", "xlsx_too_large", "sheet1", sheet1(part{
			head: sheetHead, fill: " ", n: 900 * MiB, tail: sheetTail})},
		{"a cell of many small runs", "cell_too_long", "第 7 行 A 列", sheet1(part{
			head: sheetHead + `<row r="7"><c r="A7" t="inlineStr"><is>`,
			fill: `<r><t>AAAAAAAAAA</t></r>`, n: 20 * MiB, tail: `</is></c></row>` + sheetTail})},
		{"a row of many cells", "too_many_columns", "第 3 行", sheet1(part{
			head: sheetHead + `<row r="3">`, fill: `<c/>`, n: 100 * MiB, tail: `</row>` + sheetTail})},
		{"many rows", "too_many_rows", "", sheet1(part{
			head: sheetHead, fill: `<row/>`, n: 100 * MiB, tail: sheetTail})},
		{"a row number beyond Excel", "too_many_rows", "", sheet1(part{
			head: sheetHead, fill: ``, n: 0, tail: `<row r="1048577"><c r="A1048577"><v>1</v></c></row>` + sheetTail})},
		{"a tag of 512 MiB", "xlsx_too_large", "sheet1", sheet1(part{
			head: sheetHead + `<row r="1" x="`, fill: "A", n: 512 * MiB, tail: `"></row>` + sheetTail})},
		{"a comment of 512 MiB", "xlsx_too_large", "sheet1", sheet1(part{
			head: sheetHead + `<!--`, fill: "A", n: 512 * MiB, tail: `-->` + sheetTail})},
		{"a shared string of 512 MiB", "cell_too_long", "共享字符串", map[string]part{"xl/sharedStrings.xml": {
			head: sstHead + `<si><t>`, fill: "A", n: 512 * MiB, tail: `</t></si></sst>`}}},
		{"many shared strings", "xlsx_too_large", "共享字符串", map[string]part{"xl/sharedStrings.xml": {
			head: sstHead, fill: `<si/>`, n: 100 * MiB, tail: `</sst>`}}},
		{"a large part held in memory", "xlsx_too_large", "docProps/custom.xml", map[string]part{"docProps/custom.xml": {
			head: `<x>`, fill: " ", n: 64 * MiB, tail: `</x>`}}},
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
	file := workbook(t, map[string]part{
		"xl/worksheets/sheet1.xml": {
			head: sheetHead + `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>` + longest + `</t></is></c></row>`,
			fill: `<row><c t="s"><v>1</v></c><c><v>7</v></c>` + strings.Repeat(" ", 200) + `</row>`, n: 20000, tail: sheetTail},
		"xl/sharedStrings.xml": {
			head: sstHead + `<si><t>姓名</t></si><si><t>张三</t></si>`, fill: `<si><t>未用</t></si>`, n: 300000, tail: `</sst>`},
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
