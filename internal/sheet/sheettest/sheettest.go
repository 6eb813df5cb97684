// Package sheettest records what a workbook writer is handed, as text, and
// compares it with golden files, for the tests of the packages that lay out
// workbooks (report, subsidy) without opening an XLSX; and it builds XLSX
// decompression bombs (bomb.go).
package sheettest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Recorder is a workbook writer that keeps every sheet, header and cell as
// one line a row, marking each cell's type: "text", ¥money, #int, @date, ·
// for an empty cell.
type Recorder struct {
	b      strings.Builder
	Closed bool
}

func (r *Recorder) Sheet(name string, header []string) error {
	fmt.Fprintf(&r.b, "== %s\n%s\n", name, strings.Join(header, " | "))
	return nil
}

func (r *Recorder) Row(cells ...any) error {
	out := make([]string, len(cells))
	for i, v := range cells {
		switch v := v.(type) {
		case nil:
			out[i] = "·"
		case string:
			out[i] = fmt.Sprintf("%q", v)
		case decimal.Decimal:
			out[i] = "¥" + v.StringFixed(2)
		case int:
			out[i] = "#" + fmt.Sprint(v)
		case znb.Date:
			out[i] = "@" + v.String()
		default:
			out[i] = fmt.Sprintf("%T:%v", v, v)
		}
	}
	r.b.WriteString(strings.Join(out, " | ") + "\n")
	return nil
}

func (r *Recorder) Close() error { r.Closed = true; return nil }

// String is everything recorded.
func (r *Recorder) String() string { return r.b.String() }

// Golden compares got with testdata/name, or rewrites the file when the test
// runs with -update.
func Golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -run '%s' -update to accept):\n%s", name, t.Name(), got)
	}
}
