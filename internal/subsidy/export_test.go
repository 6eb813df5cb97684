package subsidy

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

// textBook is a Writer that renders every cell as text, one line a row,
// with the type of each non-text cell, so that a golden file shows what
// a spreadsheet would receive.
type textBook struct {
	b      strings.Builder
	closed bool
}

func (w *textBook) Sheet(name string, header []string) error {
	fmt.Fprintf(&w.b, "== %s\n%s\n", name, strings.Join(header, " | "))
	return nil
}

func (w *textBook) Row(cells ...any) error {
	out := make([]string, len(cells))
	for i, v := range cells {
		switch v := v.(type) {
		case nil:
			out[i] = "·"
		case string:
			out[i] = v
		case decimal.Decimal:
			out[i] = "¥" + v.StringFixed(2)
		case int:
			out[i] = "#" + fmt.Sprint(v)
		case znb.Date:
			out[i] = "@" + v.String()
		default:
			out[i] = fmt.Sprintf("?%T", v)
		}
	}
	fmt.Fprintln(&w.b, strings.Join(out, " | "))
	return nil
}

func (w *textBook) Close() error { w.closed = true; return nil }

// TestExport reconciles a small bill with a case of several findings and
// compares the export, cell by cell, with testdata/export.golden; run with
// -update to accept a change.
func TestExport(t *testing.T) {
	terms := testTerms()
	list := []Entry{
		{IDNumber: makeID(1), Name: "张一", HouseholdNo: "H1", Category: znb.Lifted, Status: Normal},
		{IDNumber: makeID(2), Name: "张二", HouseholdNo: "H1", Category: znb.Lifted, Status: Normal},
		{IDNumber: makeID(3), Name: "李三", HouseholdNo: "H2", Category: znb.Marginal, Status: Normal},
		{IDNumber: makeID(4), Name: "王四", HouseholdNo: "H3", Category: znb.Lifted, Status: Deceased,
			StatusDate: znb.MustDate("2024-03-01")},
	}
	row := func(n int, id, name string, c znb.Category, start, premium string) Row {
		return Row{Row: n, HouseholdNo: "H", IDNumber: id, Name: name, Category: c,
			CoverageStart: znb.MustDate(start), CoverageEnd: termEnd, Premium: decimal.RequireFromString(premium)}
	}
	bill := []Row{
		row(2, makeID(1), "张一", znb.Lifted, "2024-01-01", "60.00"),
		row(3, makeID(3), "=李三", znb.Lifted, "2024-01-01", "60.00"),
		row(4, makeID(4), "王四", znb.Lifted, "2024-04-01", "45.08"),
		row(5, makeID(9), "无名", znb.Lifted, "2024-01-01", "72.00"),
		row(6, makeID(1), "张一", znb.Lifted, "2024-01-01", "60.00"),
	}
	var details []Detail
	res, err := Reconcile(Input{Terms: terms, List: list, Bill: Rows(bill)}, func(d Detail) error {
		details = append(details, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &Reconciliation{ID: 1, Terms: terms, Result: *res}
	items := func(f Finding, fn func(*Detail) error) error {
		for i := range details {
			if details[i].Finding == f {
				if err := fn(&details[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, c := range []struct {
		name   string
		fullID bool
	}{{"masked", false}, {"full", true}} {
		t.Run(c.name, func(t *testing.T) {
			var w textBook
			if err := Export(&w, rec, items, c.fullID); err != nil {
				t.Fatal(err)
			}
			if !w.closed {
				t.Error("Export did not close the writer")
			}
			golden(t, filepath.Join("testdata", "export_"+c.name+".golden"), w.b.String())
		})
	}
}

// golden compares got with the file at path, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run with -update to accept)", path, i+1, g, w)
			}
		}
	}
}
