package subsidy

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// randomSplit returns percentages adding to 100, with cents of a percent now
// and then so that rounding has work to do.
func randomSplit(rng *rand.Rand) policy.Split {
	var s policy.Split
	left := int64(10000) // hundredths of a percent
	for i := 0; i < 4; i++ {
		var v int64
		if rng.IntN(3) > 0 {
			v = rng.Int64N(left + 1)
			if rng.IntN(2) == 0 {
				v -= v % 100
			}
		}
		s[i] = decimal.New(v, -2)
		left -= v
	}
	s[4] = decimal.New(left, -2)
	return s
}

// randomInput builds a list and a bill that mixes every finding: strangers,
// uncovered categories, deaths, copies, wrong premiums, categories and names.
// A zero start picks a random term; otherwise the term is the year from start.
func randomInput(rng *rand.Rand, n int, start znb.Date) (Input, []Row) {
	end := start.AddDays(-1).Time().AddDate(1, 0, 0)
	if start.IsZero() {
		start = znb.NewDate(2023+rng.IntN(3), time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
		end = start.AddDays(300 + rng.IntN(100)).Time()
	}
	terms := Terms{
		AgreementID: 1, Start: start, End: znb.DateOf(end),
		PremiumPerPerson: decimal.New(rng.Int64N(20000), -2),
		Splits:           map[znb.Category]policy.Split{},
	}
	for _, c := range znb.Categories {
		if rng.IntN(4) > 0 {
			terms.Splits[c] = randomSplit(rng)
		}
	}
	terms.Splits[znb.Lifted] = randomSplit(rng)
	covered := make([]znb.Category, 0, len(terms.Splits))
	for _, c := range znb.Categories {
		if terms.Covers(c) {
			covered = append(covered, c)
		}
	}
	day := func() znb.Date { return terms.Start.AddDays(rng.IntN(terms.Days()+60) - 30) }

	list := make([]Entry, n)
	for i := range list {
		e := Entry{IDNumber: makeID(i), Name: fmt.Sprintf("人%d", i), HouseholdNo: fmt.Sprintf("H%d", i/4),
			Category: znb.Categories[rng.IntN(len(znb.Categories))], Status: Normal}
		switch rng.IntN(8) {
		case 0:
			e.Status, e.StatusDate = Deceased, day()
		case 1:
			e.Status, e.StatusDate = MovedOut, day()
		case 2:
			e.CoverFrom = day()
		}
		list[i] = e
	}

	var rows []Row
	for i := 0; i < n+n/3; i++ {
		id := makeID(rng.IntN(n + n/5)) // some beyond the list
		e := Entry{IDNumber: id, Name: "外人"}
		if rng.IntN(3) > 0 {
			e = list[rng.IntN(n)]
		}
		s := terms.Start.AddDays(rng.IntN(terms.Days()))
		en := s.AddDays(rng.IntN(terms.End.DaysSince(s) + 1))
		r := Row{Row: i + 2, HouseholdNo: e.HouseholdNo, IDNumber: e.IDNumber, Name: e.Name,
			Category: e.Category, CoverageStart: s, CoverageEnd: en}
		if rng.IntN(3) == 0 {
			r.CoverageStart, r.CoverageEnd = terms.Start, terms.End
		}
		if !terms.Covers(r.Category) || rng.IntN(10) == 0 {
			r.Category = covered[rng.IntN(len(covered))]
		}
		if rng.IntN(10) == 0 {
			r.Name += "X"
		}
		days := znb.DaysInclusive(r.CoverageStart, r.CoverageEnd)
		r.Premium = moneyProRate(terms, days)
		if rng.IntN(4) == 0 {
			r.Premium = decimal.New(rng.Int64N(30000), -2)
		}
		rows = append(rows, r)
		if rng.IntN(15) == 0 {
			rows = append(rows, r) // a copy; row numbers need not be unique for the engine
		}
	}
	others := map[string]bool{}
	for i := 0; i < n/10; i++ {
		others[makeID(rng.IntN(n))] = true
	}
	in := Input{Terms: terms, List: list, Bill: Rows(rows), OtherCover: func(id string) (string, int64, bool) {
		return "OTHER-" + id[14:], 2, others[id]
	}}
	return in, rows
}

func moneyProRate(t Terms, days int) decimal.Decimal {
	p := newProrater(t)
	return centsDecimal(p.of(days))
}

// checkBalances runs the reconciliation and checks what must hold for any
// input: each row's billed = allowed + disallowed per source to the cent, the
// totals are the sums of the rows and balance too, every bill row comes out
// once in order, and exactly the eligible listed persons nobody billed come
// out as not_insured.
func checkBalances(t *testing.T, in Input, rows []Row) map[Finding]int {
	t.Helper()
	var details []Detail
	res, err := Reconcile(in, func(d Detail) error { details = append(details, d); return nil })
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	var sum [3]Money
	add := func(m *Money, o Money) {
		m.Premium = m.Premium.Add(o.Premium)
		for i := range m.Sources {
			m.Sources[i] = m.Sources[i].Add(o.Sources[i])
		}
	}
	billedIDs := map[string]bool{}
	count := map[Finding]int{}
	for i, d := range details {
		count[d.Finding]++
		if i < len(rows) {
			if d.Row != rows[i].Row || d.IDNumber != rows[i].IDNumber || d.Finding == NotInsured {
				t.Fatalf("detail %d is %s row %d %s, want row %d %s", i, d.Finding, d.Row, d.IDNumber, rows[i].Row, rows[i].IDNumber)
			}
			billedIDs[d.IDNumber] = true
			if !d.Billed.Premium.Equal(rows[i].Premium) {
				t.Errorf("row %d billed %s, want %s", d.Row, d.Billed.Premium, rows[i].Premium)
			}
		} else if d.Finding != NotInsured || billedIDs[d.IDNumber] {
			t.Errorf("after the bill: %s for %s (billed %v)", d.Finding, d.IDNumber, billedIDs[d.IDNumber])
		}
		if !d.Difference.Equal(d.Billed.Premium.Sub(d.Expected)) {
			t.Errorf("row %d: difference %s ≠ billed %s − expected %s", d.Row, d.Difference, d.Billed.Premium, d.Expected)
		}
		balance(t, fmt.Sprintf("row %d %s", d.Row, d.Finding), d.Billed, d.Allowed, d.Disallowed)
		add(&sum[0], d.Billed)
		add(&sum[1], d.Allowed)
		add(&sum[2], d.Disallowed)
	}
	if len(details) < len(rows) {
		t.Fatalf("%d details for %d rows", len(details), len(rows))
	}
	eligibleUnbilled := 0
	for i := range in.List {
		if in.Terms.Eligible(&in.List[i]) && !billedIDs[in.List[i].IDNumber] {
			eligibleUnbilled++
		}
	}
	if count[NotInsured] != eligibleUnbilled {
		t.Errorf("not_insured %d, want %d eligible listed persons not billed", count[NotInsured], eligibleUnbilled)
	}
	balance(t, "totals", res.Billed, res.Allowed, res.Disallowed)
	for i, want := range sum {
		got := []Money{res.Billed, res.Allowed, res.Disallowed}[i]
		if !got.Premium.Equal(want.Premium) || got.Sources != roundTrip(want.Sources, got.Sources) {
			t.Errorf("total %d = %+v, want the sum of rows %+v", i, got, want)
		}
	}
	for _, tl := range res.Findings {
		if tl.Count != count[tl.Finding] {
			t.Errorf("tally %s: %d, want %d", tl.Finding, tl.Count, count[tl.Finding])
		}
	}
	return count
}

// roundTrip returns got when every element equals want's in value, so that
// arrays of decimals can be compared with ==.
func roundTrip(want, got [5]decimal.Decimal) [5]decimal.Decimal {
	for i := range want {
		if !want[i].Equal(got[i]) {
			return want
		}
	}
	return got
}

func balance(t *testing.T, what string, billed, allowed, disallowed Money) {
	t.Helper()
	if !billed.Premium.Equal(allowed.Premium.Add(disallowed.Premium)) {
		t.Errorf("%s: premium billed %s ≠ allowed %s + disallowed %s", what, billed.Premium, allowed.Premium, disallowed.Premium)
	}
	for i, s := range znb.Sources {
		if !billed.Sources[i].Equal(allowed.Sources[i].Add(disallowed.Sources[i])) {
			t.Errorf("%s: %s billed %s ≠ allowed %s + disallowed %s", what, s, billed.Sources[i], allowed.Sources[i], disallowed.Sources[i])
		}
	}
}

func TestReconcileBalancesRandomBills(t *testing.T) {
	seen := map[Finding]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		in, rows := randomInput(rng, 1+rng.IntN(120), znb.Date{})
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			for f, n := range checkBalances(t, in, rows) {
				seen[f] += n
			}
		})
	}
	for _, f := range Findings {
		if seen[f] == 0 {
			t.Errorf("no random bill produced %s: the generator misses a case", f)
		}
	}
}

// FuzzReconcile adds one fuzzed statement row, parsed as an upload would, to a
// random bill: whenever the row is accepted, the reconciliation must balance.
func FuzzReconcile(f *testing.F) {
	f.Add(uint64(1), "60.00", "脱贫户", "2024-01-01", "2024-12-31", 3)
	f.Add(uint64(2), "0.01", "marginal", "2024-02-29", "2024-03-01", 0)
	f.Add(uint64(3), "99999.99", "边缘户", "2024/06/01", "20241231", 17)
	f.Fuzz(func(t *testing.T, seed uint64, premium, category, start, end string, who int) {
		rng := rand.New(rand.NewPCG(seed, 11))
		in, rows := randomInput(rng, 1+rng.IntN(40), termStart)
		e := in.List[uint(who)%uint(len(in.List))]
		row, rej := ParseRow(in.Terms, RawRow{Row: len(rows) + 2, HouseholdNo: "H", IDNumber: e.IDNumber,
			Name: e.Name, Category: category, CoverageStart: start, CoverageEnd: end, Premium: premium})
		if len(rej) == 0 {
			rows = append(rows, row)
		}
		in.Bill = Rows(rows)
		checkBalances(t, in, rows)
	})
}
