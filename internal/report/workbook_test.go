package report

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// cells records what a workbook writer is handed, one line a row, so that a
// golden file shows every sheet, header and cell with its type.
type cells struct {
	b      strings.Builder
	closed bool
}

func (c *cells) Sheet(name string, header []string) error {
	fmt.Fprintf(&c.b, "== %s\n%s\n", name, strings.Join(header, " | "))
	return nil
}

func (c *cells) Row(vs ...any) error {
	out := make([]string, len(vs))
	for i, v := range vs {
		switch v := v.(type) {
		case nil:
			out[i] = "·"
		case string:
			out[i] = fmt.Sprintf("%q", v)
		case decimal.Decimal:
			out[i] = "¥" + v.StringFixed(2)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	c.b.WriteString(strings.Join(out, " | ") + "\n")
	return nil
}

func (c *cells) Close() error { c.closed = true; return nil }

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
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
		t.Errorf("%s differs from the golden file (go test -run %s -update to accept):\n%s", name, t.Name(), got)
	}
}

func TestWorkbooks(t *testing.T) {
	r := marchReport(t)
	t.Run("Monthly", func(t *testing.T) {
		var w cells
		if err := WriteMonthly(&w, r, "522625", month(t, "2024-03")); err != nil || !w.closed {
			t.Fatalf("WriteMonthly: %v, closed %v", err, w.closed)
		}
		golden(t, "monthly.golden", w.b.String())
	})
	annual := &Annual{Report: *r, AgreementID: 7, AgreementNo: "ZY-2024-001", County: "522625", Insurer: "人保财险镇远支公司",
		Term: per("2024-01-01", "2024-12-31"), Coverage: Coverage{ListID: 3, Eligible: 8, Insured: 6}}
	t.Run("AnnualWithoutReconciliation", func(t *testing.T) {
		var w cells
		if err := WriteAnnual(&w, annual); err != nil || !w.closed {
			t.Fatalf("WriteAnnual: %v, closed %v", err, w.closed)
		}
		golden(t, "annual-none.golden", w.b.String())
	})
	t.Run("AnnualConfirmed", func(t *testing.T) {
		a := *annual
		rec := &Reconciliation{ID: 4, Status: "confirmed", ListID: 3,
			Findings: []Finding{{Code: "matched", Name: "相符", Count: 6, Disallowed: m("0")}, {Code: "not_listed", Name: "名单外", Count: 1, Disallowed: m("60.00")}}}
		for i := range rec.Billed {
			rec.Billed[i], rec.Allowed[i], rec.Disallowed[i] = m("420.00"), m("360.00"), m("60.00")
		}
		a.Reconciliation = rec
		var w cells
		if err := WriteAnnual(&w, &a); err != nil || !w.closed {
			t.Fatalf("WriteAnnual: %v, closed %v", err, w.closed)
		}
		golden(t, "annual-confirmed.golden", w.b.String())
	})
}
