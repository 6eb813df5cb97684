package report

import (
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/sheet/sheettest"
)

func TestWorkbooks(t *testing.T) {
	r := marchReport(t)
	t.Run("Monthly", func(t *testing.T) {
		var w sheettest.Recorder
		if err := WriteMonthly(&w, r, "522625", month(t, "2024-03")); err != nil || !w.Closed {
			t.Fatalf("WriteMonthly: %v, closed %v", err, w.Closed)
		}
		sheettest.Golden(t, "monthly.golden", w.String())
	})
	annual := &Annual{Report: *r, AgreementID: 7, AgreementNo: "ZY-2024-001", County: "522625", Insurer: "人保财险镇远支公司",
		Term: per("2024-01-01", "2024-12-31"), Coverage: Coverage{ListID: 3, Eligible: 8, Insured: 6}}
	t.Run("AnnualWithoutReconciliation", func(t *testing.T) {
		var w sheettest.Recorder
		if err := WriteAnnual(&w, annual); err != nil || !w.Closed {
			t.Fatalf("WriteAnnual: %v, closed %v", err, w.Closed)
		}
		sheettest.Golden(t, "annual-none.golden", w.String())
	})
	t.Run("AnnualConfirmed", func(t *testing.T) {
		a := *annual
		rec := &Reconciliation{ID: 4, Status: "confirmed", ListID: 3,
			Findings: []Finding{{Code: "matched", Name: "相符", Count: 6, Disallowed: m("0")}, {Code: "not_listed", Name: "名单外", Count: 1, Disallowed: m("60.00")}}}
		for i := range rec.Billed {
			rec.Billed[i], rec.Allowed[i], rec.Disallowed[i] = m("420.00"), m("360.00"), m("60.00")
		}
		a.Reconciliation = rec
		var w sheettest.Recorder
		if err := WriteAnnual(&w, &a); err != nil || !w.Closed {
			t.Fatalf("WriteAnnual: %v, closed %v", err, w.Closed)
		}
		sheettest.Golden(t, "annual-confirmed.golden", w.String())
	})
}
