package sheet

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// readFuzz writes data to a file and reads every row of it, checking what
// holds whatever the input: no panic, any error is a *znb.Error with a code,
// and no cell breaks the bounds.
func readFuzz(t *testing.T, data []byte) {
	// A hang is a finding too: crash with every stack, so that the fuzzer
	// keeps the input.
	watchdog := time.AfterFunc(60*time.Second, func() {
		debug.SetTraceback("all")
		panic("reading took over 60 s")
	})
	defer watchdog.Stop()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := Open(path)
	if err != nil {
		if znb.CodeOf(err) == "" || znb.ErrorOf(err).Kind != znb.Invalid {
			t.Fatalf("Open: %v is not a refusal with a code", err)
		}
		return
	}
	defer rows.Close()
	// A sparse sheet may number a row a million: the empty rows before it
	// are right, and slow to walk under the fuzzer.
	for n := 0; n < 100000 && rows.Next(); n++ {
		cells := rows.Row()
		if len(cells) > MaxColumns {
			t.Fatalf("%d columns", len(cells))
		}
		for _, c := range cells {
			if len([]rune(c)) > MaxCellChars || bytes.IndexByte([]byte(c), 0) >= 0 {
				t.Fatalf("cell of %d bytes or with NUL passed", len(c))
			}
		}
	}
	if err := rows.Err(); err != nil && (znb.CodeOf(err) == "" || znb.ErrorOf(err).Kind != znb.Invalid) {
		t.Fatalf("Err: %v is not a refusal with a code", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"姓名,村名\n张三,石坪村\n",
		"a,\"b\nc\",d\n\n\ne\n",
		"a,\"见附件\n1,2\n",
		"a\tb\n1\t2\n",
		"\xEF\xBB\xBFa,b\r\n1,2\r\n",
		"\xFF\xFEa\x00,\x00b\x00\n\x00",
		"a,b\n1,x\"y\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return // FuzzReadXLSX
		}
		readFuzz(t, data)
	})
}

// FuzzReadXLSX fuzzes the XML of the sheet and of the shared strings, which
// it puts into an otherwise valid workbook: mutating the zip itself would
// mostly break its checksums.
func FuzzReadXLSX(f *testing.F) {
	book := excelize.NewFile()
	book.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "村名", 12})
	book.SetSheetRow("Sheet1", "B3", &[]any{"张三"})
	var buf bytes.Buffer
	if _, err := book.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		f.Fatal(err)
	}
	base := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			f.Fatal(err)
		}
		base[zf.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	const sheetPart, sstPart = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
	f.Add(base[sheetPart], base[sstPart])
	f.Add([]byte(sheetHead+`<row r="2"><c r="C2" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c></row>`+sheetTail), base[sstPart])
	f.Add([]byte(sheetHead+`<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>`+sheetTail), []byte(sstHead+`<si><t><![CDATA[x>]]></t></si></sst>`))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		var out bytes.Buffer
		zw := zip.NewWriter(&out)
		for _, zf := range zr.File {
			data := base[zf.Name]
			switch zf.Name {
			case sheetPart:
				data = sheet
			case sstPart:
				data = sst
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		readFuzz(t, out.Bytes())
	})
}
