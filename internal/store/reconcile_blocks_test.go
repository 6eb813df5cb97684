package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestReconcileItemsAcrossBlocks runs a bill of 3,000 rows, so that the
// matched rows fill several stored blocks, and checks that every detail row
// comes back once, in order, with its amounts; that pages of any size, of
// one finding or of all, cut the same sequence; and that the run confirms,
// which re-reads the bill from the stored rows of every finding.
func TestReconcileItemsAcrossBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-BLK", County: reconCounty})
		var ps []person
		for h := 1; h <= 1000; h++ {
			for m := 0; m < 3; m++ {
				seq := (h-1)*3 + m + 1
				ps = append(ps, person{hh: fmt.Sprintf("B%04d", h), id: blockID(seq),
					name: fmt.Sprintf("人%d", seq), cat: catCycle[h%len(catCycle)], status: "正常"})
			}
		}
		l, err := db.ImportList(ctx, office, storetest.File(t, listCSV(t, ps)), store.ImportOptions{County: reconCounty, Effective: termStart})
		if err != nil {
			t.Fatal(err)
		}
		full := premiumFor(termStart, termEnd)
		var lines []billLine
		want := map[int]want{} // by file row
		wantGap := map[string]bool{}
		counts := map[subsidy.Finding]int{}
		for i, p := range ps {
			switch {
			case i%400 == 399:
				wantGap[p.id] = true
				counts[subsidy.NotInsured]++
				continue
			case i%10 == 3:
				lines = append(lines, billLine{p.hh, p.id, p.name, p.cat, termStart, termEnd, full.Add(dec("0.01"))})
				want[len(lines)+1] = want_(subsidy.PremiumMismatch, full.Add(dec("0.01")), full)
			default:
				lines = append(lines, billLine{p.hh, p.id, p.name, p.cat, termStart, termEnd, full})
				want[len(lines)+1] = want_(subsidy.Matched, full, full)
			}
			counts[want[len(lines)+1].finding]++
		}
		rec, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: l.List.ID,
			Statement: statementCSV(t, lines, true), OpenStatement: openSheet})
		if err != nil {
			t.Fatal(err)
		}
		if counts[subsidy.Matched] <= 2*1024 {
			t.Fatalf("only %d matched rows: the test needs three blocks", counts[subsidy.Matched])
		}
		for _, f := range subsidy.Findings {
			if got := rec.Result.Tally(f).Count; got != counts[f] {
				t.Errorf("%s: %d rows, want %d", f, got, counts[f])
			}
		}

		var all []string
		byFinding := map[subsidy.Finding][]string{}
		lastRow, lastFinding := 0, -1
		err = db.EachReconciliationItem(ctx, rec, "", func(d *subsidy.Detail) error {
			fi := findingIndex(d.Finding)
			if fi < lastFinding {
				t.Errorf("row %d: finding %s after a later one", d.Row, d.Finding)
			}
			if fi != lastFinding {
				lastFinding, lastRow = fi, 0
			}
			if d.Finding == subsidy.NotInsured {
				if !wantGap[d.IDNumber] {
					t.Errorf("%s reported not insured", d.IDNumber)
				}
				delete(wantGap, d.IDNumber)
			} else {
				w, ok := want[d.Row]
				if !ok || d.Row <= lastRow || d.IDNumber != lines[d.Row-2].id {
					t.Errorf("row %d (%s) unexpected or out of order after row %d", d.Row, d.IDNumber, lastRow)
				} else if d.Finding != w.finding || !d.Billed.Premium.Equal(w.billed) || !d.Expected.Equal(w.expected) ||
					!d.Allowed.Premium.Equal(w.allowed) || !sameSources(d.Allowed.Sources, splitOf(d.ListCategory, w.allowed)) {
					t.Errorf("row %d: %s billed %s expected %s allowed %v, want %+v", d.Row, d.Finding,
						d.Billed.Premium, d.Expected, d.Allowed, w)
				}
				delete(want, d.Row)
				lastRow = d.Row
			}
			s := detailKey(d)
			all = append(all, s)
			byFinding[d.Finding] = append(byFinding[d.Finding], s)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) != 0 || len(wantGap) != 0 {
			t.Errorf("%d bill rows and %d not-insured people missing", len(want), len(wantGap))
		}

		pages := func(f subsidy.Finding, size int) []string {
			var got []string
			for page := 1; ; page++ {
				_, items, total, err := db.ReconciliationItems(ctx, office, rec.ID, store.ItemQuery{Finding: f, Page: znb.Page{Number: page, Size: size}})
				if err != nil {
					t.Fatal(err)
				}
				if f == "" && total != int64(len(all)) {
					t.Fatalf("total %d, want %d", total, len(all))
				}
				if len(items) == 0 {
					return got
				}
				for i := range items {
					got = append(got, detailKey(&items[i]))
				}
			}
		}
		for _, size := range []int{1000, 333, 97} {
			if got := pages("", size); strings.Join(got, "\n") != strings.Join(all, "\n") {
				t.Errorf("pages of %d: %d rows differ from the %d streamed", size, len(got), len(all))
			}
		}
		for _, f := range []subsidy.Finding{subsidy.Matched, subsidy.PremiumMismatch, subsidy.NotInsured} {
			if got := pages(f, 1000); strings.Join(got, "\n") != strings.Join(byFinding[f], "\n") {
				t.Errorf("pages of %s: %d rows differ from the %d streamed", f, len(got), len(byFinding[f]))
			}
		}
		_, items, _, err := db.ReconciliationItems(ctx, office, rec.ID, store.ItemQuery{Finding: subsidy.Matched, Page: znb.Page{Number: 3, Size: 1000}})
		if err != nil || len(items) != counts[subsidy.Matched]-2000 || detailKey(&items[0]) != byFinding[subsidy.Matched][2000] {
			t.Errorf("matched page 3: %d rows, %v", len(items), err)
		}

		if c, err := db.ConfirmReconciliation(ctx, office, rec.ID); err != nil || c.Status != subsidy.Confirmed {
			t.Errorf("confirm: %v", err)
		}
	})
}

// blockID makes a valid ID number for seq up to 28,000.
func blockID(seq int) string {
	s := fmt.Sprintf("%s198001%02d%03d", reconCounty, 1+seq/1000, seq%1000)
	return s + string(registry.CheckDigit(s))
}

func want_(f subsidy.Finding, billed, expected decimal.Decimal) want {
	return want{finding: f, billed: billed, expected: expected, allowed: expected}
}

func sameSources(a, b [5]decimal.Decimal) bool {
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

func findingIndex(f subsidy.Finding) int {
	for i, g := range subsidy.Findings {
		if g == f {
			return i
		}
	}
	return -1
}

// detailKey prints every field of a detail row.
func detailKey(d *subsidy.Detail) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", d.Row, d.CertificateNo, d.HouseholdNo, d.IDNumber,
		d.Name, d.ListCategory, d.BilledCategory, d.CoverageStart, d.CoverageEnd, d.Finding,
		d.Expected.StringFixed(2), d.Difference.StringFixed(2), d.Note)
	for _, m := range []subsidy.Money{d.Billed, d.Allowed, d.Disallowed} {
		fmt.Fprintf(&b, "|%s", m.Premium.StringFixed(2))
		for _, s := range m.Sources {
			fmt.Fprintf(&b, ",%s", s.StringFixed(2))
		}
	}
	return b.String()
}

// TestReconcileListWithCommas: household numbers and names may hold commas;
// the list is read back exactly on each engine (SQLite packs each member
// into one column).
func TestReconcileListWithCommas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-CMA", County: reconCounty})
		list := `"H,1",522625101001,青山村,已脱贫户,"张,三",` + idn(reconCounty, 1) + ",户主,正常,\n" +
			`"H,1",522625101001,青山村,已脱贫户,李四,` + idn(reconCounty, 2) + ",子,正常,\n" +
			`"1,2",522625101001,青山村,边缘易致贫户,"王,五,",` + idn(reconCounty, 3) + ",户主,死亡,2024-05-31\n"
		l, err := db.ImportList(ctx, office, storetest.File(t, writeList(t, list)), store.ImportOptions{County: reconCounty, Effective: termStart})
		if err != nil {
			t.Fatal(err)
		}
		statement := storetest.WriteFile(t, "statement.csv", "户编号,身份证号,姓名,户类型,起保日期,终保日期,保费\n"+
			`"H,1",`+idn(reconCounty, 1)+`,"张,三",已脱贫户,2024-01-01,2024-12-31,60.00`+"\n"+
			`"1,2",`+idn(reconCounty, 3)+`,"王,五,",边缘易致贫户,2024-01-01,2024-05-31,`+premiumFor(termStart, znb.MustDate("2024-05-31")).StringFixed(2)+"\n")
		rec, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: l.List.ID, Statement: statement, OpenStatement: openSheet})
		if err != nil {
			t.Fatal(err)
		}
		_, items, _, err := db.ReconciliationItems(ctx, office, rec.ID, store.ItemQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range items {
			got = append(got, fmt.Sprintf("%s %s %s %s %s", d.Finding, d.HouseholdNo, d.IDNumber, d.Name, d.ListCategory))
		}
		want := []string{
			"matched H,1 " + idn(reconCounty, 1) + " 张,三 lifted",
			"matched 1,2 " + idn(reconCounty, 3) + " 王,五, marginal",
			"not_insured H,1 " + idn(reconCounty, 2) + " 李四 lifted",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
