package report

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func d(s string) znb.Date        { return znb.MustDate(s) }
func m(s string) decimal.Decimal { return money.MustParse(s) }
func per(a, b string) Period     { return Period{d(a), d(b)} }
func month(t *testing.T, s string) Period {
	t.Helper()
	p, err := ParseMonth(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseMonth(t *testing.T) {
	for _, c := range []struct{ in, start, end, code string }{
		{"2024-02", "2024-02-01", "2024-02-29", ""},
		{"2023-02", "2023-02-01", "2023-02-28", ""},
		{" 2024-12 ", "2024-12-01", "2024-12-31", ""},
		{"2024-13", "", "", "invalid_month"},
		{"2024-3", "", "", "invalid_month"},
		{"", "", "", "invalid_month"},
	} {
		p, err := ParseMonth(c.in)
		if c.code != "" {
			if znb.CodeOf(err) != c.code {
				t.Errorf("ParseMonth(%q) = %v, %v; want %s", c.in, p, err, c.code)
			}
			continue
		}
		if err != nil || p.Start != d(c.start) || p.End != d(c.end) {
			t.Errorf("ParseMonth(%q) = %v–%v, %v; want %s–%s", c.in, p.Start, p.End, err, c.start, c.end)
		}
	}
}

func TestWindows(t *testing.T) {
	mar := month(t, "2024-03")
	w, err := MonthlyWindow(mar, d("2024-06-15"))
	if err != nil || w.Cover != mar || w.Claims != mar || w.AsOf != d("2024-03-31") {
		t.Errorf("past month window %+v, %v", w, err)
	}
	w, err = MonthlyWindow(month(t, "2024-06"), d("2024-06-15"))
	if err != nil || w.Cover != per("2024-06-01", "2024-06-15") || w.AsOf != d("2024-06-15") {
		t.Errorf("running month window %+v, %v; want cut at 06-15", w, err)
	}
	if _, err := MonthlyWindow(month(t, "2024-07"), d("2024-06-15")); znb.CodeOf(err) != "month_in_future" {
		t.Errorf("future month: %v", err)
	}
	term := per("2024-01-01", "2024-12-31")
	w, err = AnnualWindow(term, d("2025-02-01"))
	if err != nil || w.Cover != term || w.Claims != per("2024-01-01", "2025-02-01") || w.AsOf != d("2025-02-01") {
		t.Errorf("annual after term %+v, %v", w, err)
	}
	w, _ = AnnualWindow(term, d("2024-06-15"))
	if w.Cover != per("2024-01-01", "2024-06-15") {
		t.Errorf("annual mid-term cover %v–%v, want to 06-15", w.Cover.Start, w.Cover.End)
	}
	if _, err := AnnualWindow(term, d("2023-12-31")); znb.CodeOf(err) != "term_not_started" {
		t.Errorf("annual before term: %v", err)
	}
}

func TestAgeBucket(t *testing.T) {
	for _, c := range []struct{ days, want int }{
		{0, Age0to7}, {7, Age0to7}, {8, Age8to30}, {30, Age8to30}, {31, Age31to90}, {90, Age31to90}, {91, AgeOver90}, {400, AgeOver90},
	} {
		if got := AgeBucket(c.days); got != c.want {
			t.Errorf("AgeBucket(%d) = %d, want %d", c.days, got, c.want)
		}
	}
}

func TestEarned(t *testing.T) {
	// Hand-checked values.
	for _, c := range []struct {
		premium, start, end string
		period              Period
		want                string
	}{
		{"60.00", "2024-01-01", "2024-12-31", per("2024-03-01", "2024-03-31"), "5.08"},
		{"60.00", "2024-01-01", "2024-12-31", per("2024-02-01", "2024-02-29"), "4.75"},  // 60×29/366 = 4.754…
		{"29.84", "2024-07-05", "2024-12-31", per("2024-01-01", "2024-09-30"), "14.59"}, // 29.84×88/180 = 14.588…
		{"30.00", "2024-03-17", "2024-12-31", per("2024-03-01", "2024-03-31"), "1.55"},  // 30×15/290 = 1.5517…
		{"0.10", "2024-01-01", "2024-12-31", per("2024-01-01", "2024-01-01"), "0.00"},   // 0.1/366
		{"45.00", "2024-01-01", "2024-01-04", per("2024-01-02", "2024-01-02"), "11.25"}, // exactly a quarter
		{"45.02", "2024-01-01", "2024-01-08", per("2024-01-01", "2024-01-01"), "5.63"},  // 5.6275 half-up
	} {
		if got := Earned(m(c.premium), d(c.start), d(c.end), c.period); !got.Equal(m(c.want)) {
			t.Errorf("Earned(%s, %s–%s, %v–%v) = %s, want %s", c.premium, c.start, c.end, c.period.Start, c.period.End, got, c.want)
		}
	}
}

func TestRatios(t *testing.T) {
	for _, c := range []struct {
		paid, earned string
		want         string
		ok           bool
	}{
		{"0.00", "100.00", "0", true},
		{"50.00", "200.00", "25", true},
		{"16300.00", "5.08", "320866.14", true}, // 1630000/5.08 = 320866.141…
		{"1.00", "3.00", "33.33", true},
		{"2.00", "3.00", "66.67", true},
		{"10.00", "0.00", "0", false},
	} {
		got, ok := LossRatio(m(c.paid), m(c.earned))
		if ok != c.ok || !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("LossRatio(%s, %s) = %s, %v; want %s, %v", c.paid, c.earned, got, ok, c.want, c.ok)
		}
	}
	for _, c := range []struct {
		insured, eligible int
		want              string
		ok                bool
	}{{9, 10, "90", true}, {2, 3, "66.67", true}, {1, 3, "33.33", true}, {5, 5, "100", true}, {0, 0, "0", false}} {
		got, ok := CoverageRate(c.insured, c.eligible)
		if ok != c.ok || !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("CoverageRate(%d, %d) = %s, %v; want %s", c.insured, c.eligible, got, ok, c.want)
		}
	}
}

// marchReport is the report of March 2024 of a small world: two villages of
// one township and one of another, with claims in and around the month.
func marchReport(t *testing.T) *Report {
	const (
		v1 = "522625101001"
		v2 = "522625101002"
		v3 = "522625102001"
	)
	mar := month(t, "2024-03")
	w, _ := MonthlyWindow(mar, d("2024-06-15"))
	b := NewBuilder(w)
	year := func(p string, premium string) Cover {
		return Cover{Person: p, Start: d("2024-01-01"), End: d("2024-12-31"), Premium: m(premium)}
	}
	shares := [5]decimal.Decimal{m("60.00"), m("24.00"), m("18.00"), m("18.00"), m("0.00")}
	b.AddCertificate(&Certificate{No: "C1", Region: v1, Village: "青山村", Premium: m("120.00"), Shares: shares,
		Covers: []Cover{year("A", "60.00"), year("B", "60.00")}})
	// A member removed and listed again has two covers: one person; one cover
	// ended in February (not in March), the other from March 20.
	b.AddCertificate(&Certificate{No: "C2", Region: v1, Village: "青山村", Premium: m("50.00"),
		Shares: [5]decimal.Decimal{m("0"), m("15.00"), m("10.00"), m("10.00"), m("15.00")},
		Covers: []Cover{
			{Person: "C", Start: d("2024-01-01"), End: d("2024-02-10"), Premium: m("6.72")},
			{Person: "C", Start: d("2024-03-20"), End: d("2024-12-31"), Premium: m("46.89")},
			{Person: "D", Start: d("2024-03-01"), End: d("2024-02-29"), Premium: m("0")}, // empty cover
		}})
	// Ended before March: counts for nothing.
	b.AddCertificate(&Certificate{No: "C3", Region: v2, Village: "绿水村", Premium: m("10.00"),
		Covers: []Cover{{Person: "E", Start: d("2024-01-01"), End: d("2024-02-29"), Premium: m("10.00")}}})
	b.AddCertificate(&Certificate{No: "C4", Region: v3, Village: "白云村", Premium: m("60.00"),
		Covers: []Cover{year("F", "60.00")}})

	claims := []Claim{
		// Reported and paid in March, 9 days apart.
		{No: "K1", Region: v1, Line: znb.Property, Cause: "火灾", ReportedOn: d("2024-03-02"), Assessed: true,
			Payable: m("1000.50"), PaidOn: d("2024-03-11")},
		// Reported in February, paid in March: paid only; 40 days.
		{No: "K2", Region: v1, Line: znb.Hospitalization, Cause: "意外伤害", ReportedOn: d("2024-02-01"), Assessed: true,
			Payable: m("900.00"), PaidOn: d("2024-03-12")},
		// Reported in March, rejected in March: reported, amount 0, not open.
		{No: "K3", Region: v1, Line: znb.Property, Cause: "火灾", ReportedOn: d("2024-03-05"), Assessed: true,
			Payable: m("300.00"), RejectedOn: d("2024-03-20")},
		// Reported in March, assessed, paid in April: reported 200, open 0–7 at 03-31.
		{No: "K4", Region: v2, Village: "绿水村", Line: znb.Agriculture, Cause: "疫病", ReportedOn: d("2024-03-25"),
			Assessed: true, Payable: m("200.00"), PaidOn: d("2024-04-02")},
		// Reported in January, never closed: open 31–90 (70 days at 03-31).
		{No: "K5", Region: v3, Line: znb.Accident, Cause: "意外伤害", ReportedOn: d("2024-01-21")},
		// Reported in 2023, open >90 days.
		{No: "K6", Region: v3, Line: znb.Accident, Cause: "意外伤害", ReportedOn: d("2023-11-01")},
		// Reported 2024-03-10, not assessed: reported count, amount 0, open 8–30 (21 days).
		{No: "K7", Region: v3, Line: znb.Accident, Cause: "意外伤害", ReportedOn: d("2024-03-10")},
		// Paid in February: outside the month entirely.
		{No: "K8", Region: v3, Line: znb.Accident, Cause: "意外伤害", ReportedOn: d("2024-01-05"), Assessed: true,
			Payable: m("5000.00"), PaidOn: d("2024-02-01")},
		// Reported in April: not counted.
		{No: "K9", Region: v3, Line: znb.Accident, Cause: "意外伤害", ReportedOn: d("2024-04-01")},
	}
	for i := range claims {
		b.AddClaim(&claims[i])
	}
	return b.Report()
}

// TestBuilder runs a small world through the builder: two villages of one
// township and one of another, in March 2024, and checks every figure.
func TestBuilder(t *testing.T) {
	const (
		v1 = "522625101001"
		v2 = "522625101002"
		v3 = "522625102001"
	)
	r := marchReport(t)

	wantOrder := []struct{ level, region, name string }{
		{LevelCounty, "522625", ""}, {LevelTownship, "522625101", ""}, {LevelVillage, v1, "青山村"},
		{LevelVillage, v2, "绿水村"}, {LevelTownship, "522625102", ""}, {LevelVillage, v3, "白云村"},
	}
	if len(r.Rows) != len(wantOrder) {
		t.Fatalf("rows %d, want %d: %+v", len(r.Rows), len(wantOrder), r.Rows)
	}
	for i, w := range wantOrder {
		if g := r.Rows[i]; g.Level != w.level || g.Region != w.region || g.Name != w.name {
			t.Errorf("row %d = %s %s %s, want %s %s %s", i, g.Level, g.Region, g.Name, w.level, w.region, w.name)
		}
	}
	earnedYear := m("60.00").Mul(decimal.NewFromInt(31)).Div(decimal.NewFromInt(366)).Round(2) // 5.08
	earnedC := m("46.89").Mul(decimal.NewFromInt(12)).Div(decimal.NewFromInt(287)).Round(2)    // 03-20..03-31 of 287 days
	type want struct {
		households, persons int
		premium             string
		central             string
		earned              decimal.Decimal
		reported, paid      [4]Amount
		daysToPay           int
		open                [4]int
	}
	A := func(n int, s string) Amount { return Amount{n, m(s)} }
	z := Amount{Amount: decimal.Zero}
	v1Want := want{2, 3, "170.00", "60.00", earnedYear.Mul(decimal.NewFromInt(2)).Add(earnedC),
		[4]Amount{z, z, z, A(2, "1000.50")}, [4]Amount{z, z, A(1, "900.00"), A(1, "1000.50")}, 9 + 40, [4]int{}}
	v2Want := want{0, 0, "0.00", "0.00", decimal.Zero,
		[4]Amount{A(1, "200.00"), z, z, z}, [4]Amount{z, z, z, z}, 0, [4]int{1, 0, 0, 0}}
	v3Want := want{1, 1, "60.00", "0.00", earnedYear,
		[4]Amount{z, A(1, "0"), z, z}, [4]Amount{z, z, z, z}, 0, [4]int{0, 1, 1, 1}}
	sum := func(ws ...want) want {
		var s want
		s.premium, s.central, s.earned = "0", "0", decimal.Zero
		for _, w := range ws {
			s.households += w.households
			s.persons += w.persons
			s.premium = m(s.premium).Add(m(w.premium)).String()
			s.central = m(s.central).Add(m(w.central)).String()
			s.earned = s.earned.Add(w.earned)
			for i := range s.reported {
				s.reported[i].add(w.reported[i])
				s.paid[i].add(w.paid[i])
				s.open[i] += w.open[i]
			}
			s.daysToPay += w.daysToPay
		}
		return s
	}
	wants := []want{sum(v1Want, v2Want, v3Want), sum(v1Want, v2Want), v1Want, v2Want, v3Want, v3Want}
	for i, w := range wants {
		g := r.Rows[i]
		if g.Households != w.households || g.Persons != w.persons || !g.Premium[0].Equal(m(w.premium)) ||
			!g.Premium[1].Equal(m(w.central)) || !g.Earned.Equal(w.earned) || g.DaysToPay != w.daysToPay || g.Open != w.open {
			t.Errorf("row %d (%s): households %d persons %d premium %s central %s earned %s days %d open %v;\n want %d %d %s %s %s %d %v",
				i, g.Region, g.Households, g.Persons, g.Premium[0], g.Premium[1], g.Earned, g.DaysToPay, g.Open,
				w.households, w.persons, w.premium, w.central, w.earned, w.daysToPay, w.open)
		}
		for l := range znb.Lines {
			if g.Reported[l].Count != w.reported[l].Count || !g.Reported[l].Amount.Equal(w.reported[l].Amount) ||
				g.Paid[l].Count != w.paid[l].Count || !g.Paid[l].Amount.Equal(w.paid[l].Amount) {
				t.Errorf("row %d (%s) %s: reported %v paid %v, want %v %v", i, g.Region, znb.Lines[l],
					g.Reported[l], g.Paid[l], w.reported[l], w.paid[l])
			}
		}
	}
	if r.Total.Persons != 4 || !r.Total.Earned.Equal(r.Rows[0].Earned) {
		t.Errorf("total %+v", r.Total)
	}
	// Loss ratio and average days of the first village: paid 1,900.50 over
	// its earned premium; (9 + 40) / 2 = 24.5 days.
	lr, ok := r.Rows[2].LossRatio()
	wantLR := m("1900.50").Mul(decimal.NewFromInt(100)).Div(v1Want.earned).Round(2)
	if !ok || !lr.Equal(wantLR) {
		t.Errorf("loss ratio %s, %v; want %s", lr, ok, wantLR)
	}
	if avg, ok := r.Rows[2].AvgDaysToPay(); !ok || !avg.Equal(decimal.RequireFromString("24.5")) {
		t.Errorf("average days %s, %v; want 24.5", avg, ok)
	}
	if _, ok := r.Rows[3].LossRatio(); ok {
		t.Error("a village with no earned premium has a loss ratio")
	}
	if _, ok := r.Rows[5].AvgDaysToPay(); ok {
		t.Error("a village with no paid claim has an average")
	}
	// Causes: 火灾 reported twice (K1, K3) and paid once; 意外伤害 reported
	// once (K7) and paid once (K2); 疫病 reported once (K4). Claims only
	// open (K5, K6) name no cause.
	wantCauses := []Cause{{"火灾", 2, A(1, "1000.50")}, {"意外伤害", 1, A(1, "900.00")}, {"疫病", 1, z}}
	if len(r.Causes) != len(wantCauses) {
		t.Fatalf("causes %+v, want %+v", r.Causes, wantCauses)
	}
	for i, c := range wantCauses {
		g := r.Causes[i]
		if g.Cause != c.Cause || g.Reported != c.Reported || g.Paid.Count != c.Paid.Count || !g.Paid.Amount.Equal(c.Paid.Amount) {
			t.Errorf("cause %d = %+v, want %+v", i, g, c)
		}
	}
	if top := r.TopCauses(2); len(top) != 2 || top[1].Cause != "意外伤害" {
		t.Errorf("top 2 causes %+v", top)
	}
}

func TestNames(t *testing.T) {
	w, _ := MonthlyWindow(month(t, "2024-03"), d("2024-06-15"))
	b := NewBuilder(w)
	for _, c := range []struct{ region, village string }{
		{"522625101001", "青山村"}, {"522625101002", ""}, {"522625102001", ""},
	} {
		b.AddCertificate(&Certificate{No: c.region, Region: c.region, Village: c.village,
			Covers: []Cover{{Person: c.region, Start: d("2024-01-01"), End: d("2024-12-31"), Premium: m("60.00")}}})
	}
	r := b.Report()
	unnamed := r.Unnamed()
	if want := []string{"522625", "522625101", "522625101002", "522625102", "522625102001"}; fmt.Sprint(unnamed) != fmt.Sprint(want) {
		t.Errorf("unnamed %v, want %v", unnamed, want)
	}
	r.SetNames(map[string]string{"522625": "镇远县", "522625101": "青山镇", "522625101001": "另一个名字", "522625101002": "石门村"})
	var got []string
	for _, row := range r.Rows {
		got = append(got, row.Name)
	}
	// The listed 青山村 wins; township 102 and its village stay unnamed.
	if want := []string{"镇远县", "青山镇", "青山村", "石门村", "", ""}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("names %q, want %q", got, want)
	}

	names := map[string]string{"522625": "镇远县", "522625101": "青山镇", "522625101002": "石门村"}
	for _, c := range []struct{ village, listed, want string }{
		{"522625101001", "青山村", "镇远县青山镇青山村"},
		{"522625101002", "", "镇远县青山镇石门村"},
		{"522625102001", "", "镇远县"},
		{"522626101001", "某村", "某村"},
	} {
		if got := PlaceName(c.village, c.listed, names); got != c.want {
			t.Errorf("PlaceName(%s, %q) = %q, want %q", c.village, c.listed, got, c.want)
		}
	}
}
