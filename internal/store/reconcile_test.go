package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const reconCounty = "522625"

// person is one member of the test list, as the test itself knows it.
type person struct {
	hh, id, name string
	cat          znb.Category
	status       string // 正常 死亡 迁出
	date         string
	from         znb.Date // cover from (list version effective date), zero = term start
}

var catCycle = []znb.Category{znb.Lifted, znb.Marginal, znb.NotLifted, znb.UnstableLifted, znb.Returned, znb.SuddenHardship}

// reconList is 40 regular households of three plus planted ones: HS1
// (stable_lifted, not covered), HD1 (a spouse died 2024-03-01, a child moved
// out before the term).
func reconList() []person {
	var ps []person
	names := []string{"张", "李", "王", "赵", "刘", "陈"}
	for h := 1; h <= 40; h++ {
		for m := 0; m < 3; m++ {
			seq := (h-1)*3 + m + 1
			ps = append(ps, person{hh: fmt.Sprintf("H%03d", h), id: idn(reconCounty, seq),
				name: names[h%6] + []string{"大", "二", "三"}[m] + fmt.Sprint(h), cat: catCycle[(h-1)%6], status: "正常"})
		}
	}
	ps = append(ps,
		person{hh: "HS1", id: idn(reconCounty, 201), name: "钱一", cat: znb.StableLifted, status: "正常"},
		person{hh: "HS1", id: idn(reconCounty, 202), name: "钱二", cat: znb.StableLifted, status: "正常"},
		person{hh: "HD1", id: idn(reconCounty, 203), name: "孙一", cat: znb.Lifted, status: "正常"},
		person{hh: "HD1", id: idn(reconCounty, 204), name: "孙二", cat: znb.Lifted, status: "死亡", date: "2024-03-01"},
		person{hh: "HD1", id: idn(reconCounty, 205), name: "孙三", cat: znb.Lifted, status: "迁出", date: "2023-11-30"},
	)
	return ps
}

func listCSV(t testing.TB, ps []person) string {
	var b strings.Builder
	b.WriteString(header)
	seen := map[string]bool{}
	for _, p := range ps {
		rel := "子"
		if !seen[p.hh] {
			rel, seen[p.hh] = "户主", true
		}
		fmt.Fprintf(&b, "%s,%s101001,青山村,%s,%s,%s,%s,%s,%s\n", p.hh, reconCounty, p.cat.Name(), p.name, p.id, rel, p.status, p.date)
	}
	return storetest.WriteFile(t, "list.csv", b.String())
}

var (
	termStart = znb.MustDate("2024-01-01")
	termEnd   = znb.MustDate("2024-12-31")
)

// premiumFor is 60.00 × days ÷ 366, rounded half-up to the cent, computed
// here without the money package.
func premiumFor(start, end znb.Date) decimal.Decimal {
	days := znb.DaysInclusive(start, end)
	if days <= 0 {
		return decimal.Zero
	}
	return decimal.NewFromInt(int64(6000 * days)).Div(decimal.NewFromInt(366)).Round(0).Div(decimal.NewFromInt(100)).Round(2)
}

// splitOf splits by percentages with half-up rounding, the last non-zero
// source taking the remainder, computed here by hand.
func splitOf(c znb.Category, amount decimal.Decimal) [5]decimal.Decimal {
	pcts := [5]int64{50, 20, 15, 15, 0}
	if c == znb.Marginal {
		pcts = [5]int64{0, 30, 20, 20, 30}
	}
	var out [5]decimal.Decimal
	last := 0
	for i, p := range pcts {
		if p != 0 {
			last = i
		}
	}
	sum := decimal.Zero
	for i, p := range pcts {
		out[i] = amount.Mul(decimal.NewFromInt(p)).Div(decimal.NewFromInt(100)).Round(2)
		if i != last {
			sum = sum.Add(out[i])
		}
	}
	out[last] = amount.Sub(sum)
	return out
}

type billLine struct {
	hh, id, name string
	cat          znb.Category
	start, end   znb.Date
	premium      decimal.Decimal
}

type want struct {
	finding  subsidy.Finding
	billed   decimal.Decimal
	expected decimal.Decimal
	allowed  decimal.Decimal
	listCat  znb.Category
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// plantedBill builds the statement of an honest insurer for list ps and
// plants one or more cases of each finding in it. It returns the lines and
// what each must give: by file row for billed rows, by ID for not-insured
// people.
func plantedBill(ps []person) ([]billLine, map[int]want, map[string]want) {
	var lines []billLine
	rows := map[int]want{}
	gaps := map[string]want{}
	byID := map[string]person{}
	add := func(l billLine, w want) {
		lines = append(lines, l)
		rows[len(lines)+1] = w
	}
	for _, p := range ps {
		byID[p.id] = p
		if p.cat == znb.StableLifted {
			continue
		}
		start, end := termStart, termEnd
		if !p.from.IsZero() {
			start = p.from
		}
		if p.status != "正常" {
			end = znb.MustDate(p.date)
		}
		if end.Before(start) {
			continue // gone before the term: not eligible, not billed
		}
		exp := premiumFor(start, end)
		honest := billLine{p.hh, p.id, p.name, p.cat, start, end, exp}
		switch p.id {
		case idn(reconCounty, 10), idn(reconCounty, 212): // not billed at all
			gaps[p.id] = want{finding: subsidy.NotInsured, billed: decimal.Zero, expected: exp, allowed: decimal.Zero, listCat: p.cat}
			continue
		case idn(reconCounty, 2): // overbilled
			honest.premium = dec("72.00")
			add(honest, want{subsidy.PremiumMismatch, dec("72.00"), dec("60.00"), dec("60.00"), p.cat})
			continue
		case idn(reconCounty, 211): // joined on 2024-07-01, billed for the whole year
			honest.start, honest.premium = termStart, dec("60.00")
			add(honest, want{subsidy.PremiumMismatch, dec("60.00"), dec("30.16"), dec("30.16"), p.cat})
			continue
		case idn(reconCounty, 204): // died 2024-03-01, billed from April
			honest.start, honest.end, honest.premium = znb.MustDate("2024-04-01"), termEnd, dec("45.08")
			add(honest, want{subsidy.DeceasedBeforeStart, dec("45.08"), decimal.Zero, decimal.Zero, p.cat})
			continue
		case idn(reconCounty, 5): // a marginal household billed as lifted
			honest.cat = znb.Lifted
			add(honest, want{subsidy.CategoryMismatch, exp, exp, exp, p.cat})
			continue
		case idn(reconCounty, 7): // another name under the same ID number
			honest.name = "冒名顶替"
			add(honest, want{subsidy.NameMismatch, exp, exp, exp, p.cat})
			continue
		}
		add(honest, want{subsidy.Matched, exp, exp, exp, p.cat})
	}
	// People not on the list at all.
	for _, seq := range []int{301, 302} {
		add(billLine{"HX1", idn(reconCounty, seq), "无名氏", znb.Lifted, termStart, termEnd, dec("60.00")},
			want{finding: subsidy.NotOnList, billed: dec("60.00"), expected: decimal.Zero, allowed: decimal.Zero})
	}
	// A stable_lifted person, not covered, billed as lifted.
	p := byID[idn(reconCounty, 201)]
	add(billLine{p.hh, p.id, p.name, znb.Lifted, termStart, termEnd, dec("60.00")},
		want{subsidy.IneligibleCategory, dec("60.00"), decimal.Zero, decimal.Zero, znb.StableLifted})
	// The first person billed a second time.
	p = byID[idn(reconCounty, 1)]
	add(billLine{p.hh, p.id, p.name, p.cat, termStart, termEnd, dec("60.00")},
		want{subsidy.DuplicateBilling, dec("60.00"), dec("60.00"), decimal.Zero, p.cat})
	return lines, rows, gaps
}

func statementCSV(t testing.TB, lines []billLine, chinese bool) string {
	var b strings.Builder
	if chinese {
		b.WriteString("户编号,身份证号,姓名,户类型,起保日期,终保日期,保费\n")
	} else {
		b.WriteString("household_no,id_number,name,category,coverage_start,coverage_end,premium\n")
	}
	for _, l := range lines {
		cat := string(l.cat)
		if chinese {
			cat = l.cat.Name()
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s\n", l.hh, l.id, l.name, cat, l.start, l.end, l.premium.StringFixed(2))
	}
	path := filepath.Join(t.TempDir(), "statement.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// importPlantedLists imports version 1 (effective at the term start) and
// version 2 (2024-07-01, adding household HN1), returning both ids and the
// people of version 2.
func importPlantedLists(t *testing.T, db *store.DB) (int64, int64, []person) {
	ctx := context.Background()
	ps := reconList()
	v1, err := db.ImportList(ctx, office, storetest.File(t, listCSV(t, ps)), store.ImportOptions{County: reconCounty, Effective: termStart})
	if err != nil {
		t.Fatal(err)
	}
	joined := znb.MustDate("2024-07-01")
	ps = append(ps,
		person{hh: "HN1", id: idn(reconCounty, 211), name: "周一", cat: znb.Marginal, status: "正常", from: joined},
		person{hh: "HN1", id: idn(reconCounty, 212), name: "周二", cat: znb.Marginal, status: "正常", from: joined})
	v2, err := db.ImportList(ctx, office, storetest.File(t, listCSV(t, ps)), store.ImportOptions{County: reconCounty, Effective: joined})
	if err != nil {
		t.Fatal(err)
	}
	return v1.List.ID, v2.List.ID, ps
}

// checkPlanted compares every detail row of rec with what the test planted.
func checkPlanted(t *testing.T, db *store.DB, rec *subsidy.Reconciliation, rows map[int]want, gaps map[string]want) {
	t.Helper()
	ctx := context.Background()
	seenRows, seenGaps := 0, 0
	counts := map[subsidy.Finding]int{}
	var billed, allowed, disallowed [6]decimal.Decimal
	for i := range billed {
		billed[i], allowed[i], disallowed[i] = decimal.Zero, decimal.Zero, decimal.Zero
	}
	err := db.EachReconciliationItem(ctx, rec, "", func(d *subsidy.Detail) error {
		counts[d.Finding]++
		var w want
		var ok bool
		if d.Row > 0 {
			w, ok = rows[d.Row]
			seenRows++
		} else {
			w, ok = gaps[d.IDNumber]
			seenGaps++
		}
		if !ok {
			t.Errorf("unplanted detail: row %d %s %s", d.Row, d.IDNumber, d.Finding)
			return nil
		}
		if d.Finding != w.finding || !d.Billed.Premium.Equal(w.billed) || !d.Expected.Equal(w.expected) ||
			!d.Allowed.Premium.Equal(w.allowed) || d.ListCategory != w.listCat {
			t.Errorf("row %d %s: got %s billed %s expected %s allowed %s list %s; want %s %s %s %s %s", d.Row, d.IDNumber,
				d.Finding, d.Billed.Premium, d.Expected, d.Allowed.Premium, d.ListCategory,
				w.finding, w.billed, w.expected, w.allowed, w.listCat)
		}
		wb := [5]decimal.Decimal{}
		if d.Row > 0 {
			wb = splitOf(d.BilledCategory, w.billed)
		}
		wa := splitOf(w.listCat, w.allowed)
		for s := 0; s < 5; s++ {
			if wb[s].IsZero() && d.Row == 0 {
				wb[s] = decimal.Zero
			}
			if !d.Billed.Sources[s].Equal(wb[s]) || !d.Allowed.Sources[s].Equal(wa[s]) ||
				!d.Disallowed.Sources[s].Equal(wb[s].Sub(wa[s])) {
				t.Errorf("row %d %s source %s: billed %s allowed %s disallowed %s; want %s %s %s", d.Row, d.IDNumber,
					znb.Sources[s], d.Billed.Sources[s], d.Allowed.Sources[s], d.Disallowed.Sources[s], wb[s], wa[s], wb[s].Sub(wa[s]))
			}
			billed[s+1] = billed[s+1].Add(wb[s])
			allowed[s+1] = allowed[s+1].Add(wa[s])
			disallowed[s+1] = disallowed[s+1].Add(wb[s].Sub(wa[s]))
		}
		billed[0] = billed[0].Add(w.billed)
		allowed[0] = allowed[0].Add(w.allowed)
		disallowed[0] = disallowed[0].Add(w.billed.Sub(w.allowed))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seenRows != len(rows) || seenGaps != len(gaps) {
		t.Errorf("details: %d bill rows and %d gaps, want %d and %d", seenRows, seenGaps, len(rows), len(gaps))
	}
	want := map[subsidy.Finding]int{}
	for _, w := range rows {
		want[w.finding]++
	}
	for _, w := range gaps {
		want[w.finding]++
	}
	for _, f := range subsidy.Findings {
		if got := rec.Result.Tally(f).Count; got != want[f] || counts[f] != want[f] {
			t.Errorf("%s: tally %d, details %d, want %d", f, got, counts[f], want[f])
		}
	}
	res := rec.Result
	for i, pair := range [][2]subsidy.Money{{res.Billed, {}}, {res.Allowed, {}}, {res.Disallowed, {}}} {
		exp := [][6]decimal.Decimal{billed, allowed, disallowed}[i]
		m := pair[0]
		if !m.Premium.Equal(exp[0]) {
			t.Errorf("total %d premium %s, want %s", i, m.Premium, exp[0])
		}
		for s := 0; s < 5; s++ {
			if !m.Sources[s].Equal(exp[s+1]) {
				t.Errorf("total %d source %s = %s, want %s", i, znb.Sources[s], m.Sources[s], exp[s+1])
			}
		}
	}
	for s := 0; s < 5; s++ {
		if !res.Billed.Sources[s].Equal(res.Allowed.Sources[s].Add(res.Disallowed.Sources[s])) {
			t.Errorf("source %s does not balance", znb.Sources[s])
		}
	}
}

func TestReconcilePlantedStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-001", County: reconCounty})
		_, v2, ps := importPlantedLists(t, db)
		lines, rows, gaps := plantedBill(ps)
		path := statementCSV(t, lines, true)

		var rec, again *subsidy.Reconciliation
		t.Run("Draft", func(t *testing.T) {
			var err error
			rec, err = db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: v2, Statement: path, OpenStatement: openSheet})
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != subsidy.Draft || rec.BillSource != subsidy.BillStatement || rec.Result.Rows != len(lines) {
				t.Fatalf("reconciliation = %+v", rec)
			}
			got, err := db.GetReconciliation(ctx, office, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkPlanted(t, db, got, rows, gaps)
		})
		if rec == nil {
			return
		}
		t.Run("RerunSameHash", func(t *testing.T) {
			// The list in force on a date, and identifiers as headers: same
			// inputs, same hash and result.
			var err error
			again, err = db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID,
				AsOf: znb.MustDate("2024-08-01"), Statement: statementCSV(t, lines, false), OpenStatement: openSheet})
			if err != nil {
				t.Fatal(err)
			}
			if again.ListID != v2 || again.Result.InputsHash != rec.Result.InputsHash ||
				!again.Result.Allowed.Premium.Equal(rec.Result.Allowed.Premium) ||
				!again.Result.Disallowed.Sources[0].Equal(rec.Result.Disallowed.Sources[0]) {
				t.Errorf("re-run: list %d hash %s allowed %s; first: list %d hash %s allowed %s", again.ListID,
					again.Result.InputsHash, again.Result.Allowed.Premium, v2, rec.Result.InputsHash, rec.Result.Allowed.Premium)
			}
		})
		t.Run("Scope", func(t *testing.T) {
			// Scope: another county's office and another insurer see nothing;
			// the insurer and the auditor read; only the office confirms.
			for _, by := range []znb.Actor{{Username: "o2", Role: znb.Office, Scope: "522626"},
				{Username: "i2", Role: znb.InsurerClerk, Scope: "CPIC-ZY"}, {Username: "a2", Role: znb.Auditor, Scope: "5227"}} {
				if _, err := db.GetReconciliation(ctx, by, rec.ID); znb.CodeOf(err) != "not_found" {
					t.Errorf("%s reads: %v, want not_found", by.Username, err)
				}
			}
			insurer := znb.Actor{Username: "i1", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
			if _, err := db.GetReconciliation(ctx, insurer, rec.ID); err != nil {
				t.Errorf("insurer reads: %v", err)
			}
			if _, err := db.ConfirmReconciliation(ctx, insurer, rec.ID); znb.CodeOf(err) != "forbidden" {
				t.Errorf("insurer confirms: %v, want forbidden", err)
			}
			if _, err := db.Reconcile(ctx, insurer, store.ReconcileOptions{AgreementID: a.ID, ListID: v2, Statement: path, OpenStatement: openSheet}); znb.CodeOf(err) != "not_found" {
				t.Errorf("insurer runs: %v, want not_found", err)
			}
			if _, err := db.SettleReconciliation(ctx, office, rec.ID); znb.CodeOf(err) != "reconciliation_not_confirmed" {
				t.Errorf("settle a draft: %v", err)
			}
		})
		t.Run("ConfirmSettle", func(t *testing.T) {
			c, err := db.ConfirmReconciliation(ctx, office, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != subsidy.Confirmed || c.ConfirmedBy != office.Username {
				t.Errorf("confirmed = %s by %q", c.Status, c.ConfirmedBy)
			}
			if _, err := db.ConfirmReconciliation(ctx, office, rec.ID); znb.CodeOf(err) != "reconciliation_not_draft" {
				t.Errorf("confirm twice: %v", err)
			}
			s, err := db.SettleReconciliation(ctx, office, rec.ID)
			if err != nil || s.Status != subsidy.Settled {
				t.Fatalf("settle: %v, %v", s, err)
			}
			frozen, _ := db.GetReconciliation(ctx, office, rec.ID)
			checkPlanted(t, db, frozen, rows, gaps)
			trail, err := db.AuditTrail(ctx, "reconciliation:"+fmt.Sprint(rec.ID), 10)
			if err != nil || len(trail) != 3 || trail[0].Action != "reconciliation.settle" ||
				trail[1].Action != "reconciliation.confirm" || trail[2].Action != "reconciliation.create" {
				t.Errorf("audit trail = %+v, %v", trail, err)
			}
		})
		t.Run("Stale", func(t *testing.T) {
			if again == nil {
				t.Fatal("the re-run failed: nothing to confirm")
			}
			// An earlier version imported afterwards changes when the people of
			// HD1 came in: the second draft's inputs are stale.
			var early []person
			for _, p := range ps {
				if p.hh != "HD1" && p.hh != "HN1" {
					early = append(early, p)
				}
			}
			if _, err := db.ImportList(ctx, office, storetest.File(t, listCSV(t, early)), store.ImportOptions{County: reconCounty,
				Effective: znb.MustDate("2024-03-01")}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ConfirmReconciliation(ctx, office, again.ID); znb.CodeOf(err) != "reconciliation_stale" {
				t.Errorf("confirm after the inputs changed: %v, want reconciliation_stale", err)
			}
		})
	})
}

func TestReconcileRejectsStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-002", County: reconCounty})
		_, v2, ps := importPlantedLists(t, db)
		lines, _, _ := plantedBill(ps)
		good := statementCSV(t, lines, true)
		body, _ := os.ReadFile(good)
		text := strings.Split(string(body), "\n")
		bad := strings.Split(text[3], ",")
		bad[1] = bad[1][:17] + "0" // wrong check digit, unless it was 0
		if bad[1] == strings.Split(text[3], ",")[1] {
			bad[1] = bad[1][:17] + "1"
		}
		text[3] = strings.Join(bad, ",")
		text[5] = strings.Replace(text[5], "已脱贫户", "稳定脱贫户", 1)
		text[6] = strings.Replace(text[6], ",60.00", ",6O.00", 1)
		path := filepath.Join(t.TempDir(), "bad.csv")
		os.WriteFile(path, []byte(strings.Join(text, "\n")), 0o644)

		_, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: v2, Statement: path, OpenStatement: openSheet})
		if znb.CodeOf(err) != "statement_rejected" {
			t.Fatalf("bad statement: %v, want statement_rejected", err)
		}
		got := map[int]string{}
		for _, r := range subsidy.Rejections(err) {
			got[r.Row] = r.Column + "/" + r.Code
		}
		if got[4] != "id_number/statement_bad_id_number" || got[6] != "category/statement_bad_category" ||
			got[7] != "premium/statement_bad_premium" || len(got) != 3 {
			t.Errorf("rejections = %v", got)
		}
		var n [4]int64
		for i, tbl := range []string{"reconciliations", "reconciliation_items", "reconciliation_findings", "reconciliation_blocks"} {
			db.Gorm(ctx).Raw("SELECT COUNT(*) FROM " + tbl).Scan(&n[i])
		}
		if n != [4]int64{} {
			t.Errorf("a refused statement stored %v rows", n)
		}
		missing := filepath.Join(t.TempDir(), "missing.csv")
		os.WriteFile(missing, []byte("户编号,身份证号,姓名,户类型,起保日期,保费\nH001,"+idn(reconCounty, 1)+",张,已脱贫户,2024-01-01,60\n"), 0o644)
		_, err = db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: v2, Statement: missing, OpenStatement: openSheet})
		if rj := subsidy.Rejections(err); znb.CodeOf(err) != "statement_rejected" || len(rj) != 1 || rj[0].Column != "coverage_end" {
			t.Errorf("missing column: %v %v", err, rj)
		}
	})
}

// openSheet opens a statement file as the routes and the command line do.
func openSheet(path string) (subsidy.RowReader, error) { return sheet.Open(path) }
