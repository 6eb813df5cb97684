package subsidy

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/sheet/sheettest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

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
			var w sheettest.Recorder
			if err := Export(&w, rec, items, c.fullID); err != nil {
				t.Fatal(err)
			}
			if !w.Closed {
				t.Error("Export did not close the writer")
			}
			sheettest.Golden(t, "export_"+c.name+".golden", w.String())
		})
	}
}
