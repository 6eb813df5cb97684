package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The report world: county 522625 with village 青山村 (township 101) and
// 白云村 (township 102), one list of 2024-01-01 issued under an agreement
// over 2024 at 60.00 a person, and five claims over March and April.
const (
	rv1 = claimCounty + "101001" // 青山村
	rv2 = claimCounty + "102001" // 白云村
)

// People of the report world by idn sequence.
const (
	rHead1   = 11 // 张三丰, H1 head (v1, lifted)
	rSpouse1 = 12 // 李四, H1
	rHead2   = 13 // 王五, H2 head (v1, marginal)
	rSon2    = 14 // 王小五, H2, died 2024-03-01
	rHead3   = 15 // 赵六, H3 head (v2, lifted)
	rHead5   = 16 // 钱七, H5 (v2, stable_lifted: not covered)
)

func reportList() string {
	c := claimCounty
	return strings.Join([]string{
		fmt.Sprintf("H1,%s,青山村,已脱贫户,张三丰,%s,户主,正常,", rv1, idn(c, rHead1)),
		fmt.Sprintf("H1,%s,青山村,已脱贫户,李四,%s,配偶,正常,", rv1, idn(c, rSpouse1)),
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王五,%s,户主,正常,", rv1, idn(c, rHead2)),
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王小五,%s,子,死亡,2024-03-01", rv1, idn(c, rSon2)),
		fmt.Sprintf("H3,%s,白云村,已脱贫户,赵六,%s,户主,正常,", rv2, idn(c, rHead3)),
		fmt.Sprintf("H5,%s,白云村,稳定脱贫户,钱七,%s,户主,正常,", rv2, idn(c, rHead5)),
	}, "\n") + "\n"
}

type reportWorld struct {
	agreementID, listID int64
	cert                map[string]string
	claims              map[string]string // C1..C5 → claim number
}

// at sets the database clock to 10:00 CST of day.
func at(db *store.DB, day string) {
	t := znb.MustDate(day).Time().Add(2 * time.Hour) // 10:00 CST
	db.Now = func() time.Time { return t }
}

// newReportWorld builds the world and runs the claims:
//
//	C1 property H1 (v1)        reported 03-03, payable 4,800.00, paid 03-10
//	C2 hospitalization 李四 (v1) reported 03-20, payable 900.00, paid 04-05
//	C3 agriculture H3 (v2)      reported 03-28, rejected 04-10
//	C4 accident 赵六 (v2)        reported 04-02, payable 3,000.00, paid 04-20
//	C5 property H2 (v1)         reported 04-25, still open
//
// and leaves the clock at storetest.Now (2024-06-15).
func newReportWorld(t *testing.T, db *store.DB) *reportWorld {
	t.Helper()
	ctx := context.Background()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
	a := storetest.ActiveAgreement(t, db, office, claimAgreement("znb-standard"))
	p := storetest.WriteFile(t, "list.csv", header+reportList())
	listID := storetest.ImportAndIssue(t, db, office, a.ID, p, store.ImportOptions{County: claimCounty, Effective: znb.MustDate("2024-01-01")})
	w := &reportWorld{agreementID: a.ID, listID: listID, cert: map[string]string{}, claims: map[string]string{}}
	for _, h := range []string{"H1", "H2", "H3"} {
		cs, err := db.FindCertificates(ctx, znb.System, h, "")
		if err != nil || len(cs) != 1 {
			t.Fatalf("certificate of %s: %v, %v", h, cs, err)
		}
		w.cert[h] = cs[0].No
	}
	report := func(name, day string, line znb.Line, h string, person int, cause string) {
		t.Helper()
		at(db, day)
		r := store.ClaimReport{CertificateNo: w.cert[h], Line: line, IncidentDate: znb.MustDate(day),
			ReportedOn: znb.MustDate(day), Cause: cause, Description: "报表测试"}
		if person > 0 {
			r.MemberIDNumber = idn(claimCounty, person)
		}
		c := mustReport(t, db, r)
		w.claims[name] = c.No
	}
	assess := func(name, day string, a claim.Assessment, want string) {
		t.Helper()
		at(db, day)
		c, err := db.AssessClaim(ctx, adjuster, w.claims[name], a, "")
		if err != nil {
			t.Fatalf("assess %s: %v", name, err)
		}
		if !c.Payable.Equal(amt(want)) {
			t.Fatalf("%s payable %s, want %s", name, c.Payable, want)
		}
		if _, err := db.ApproveClaim(ctx, approver, w.claims[name], ""); err != nil {
			t.Fatalf("approve %s: %v", name, err)
		}
	}
	pay := func(name, day string) {
		t.Helper()
		at(db, day)
		if _, err := db.PayClaim(ctx, clerk, w.claims[name], "PAY-"+name, ""); err != nil {
			t.Fatalf("pay %s: %v", name, err)
		}
	}
	report("C1", "2024-03-03", znb.Property, "H1", 0, "火灾")
	assess("C1", "2024-03-05", property("5000", "0", "0"), "4800") // 5,000 − 200
	pay("C1", "2024-03-10")
	report("C2", "2024-03-20", znb.Hospitalization, "H1", rSpouse1, "意外伤害")
	// (1,100 − 100) × 90% = 900
	assess("C2", "2024-03-25", claim.HospitalizationAssessment{MedicalExpense: amt("1100"), BasicInsurancePaid: amt("0"),
		CriticalIllnessPaid: amt("0"), MedicalAssistancePaid: amt("0"), NonReimbursable: amt("0")}, "900")
	report("C3", "2024-03-28", znb.Agriculture, "H3", 0, "疫病")
	report("C4", "2024-04-02", znb.Accident, "H3", rHead3, "意外伤害")
	pay("C2", "2024-04-05")
	at(db, "2024-04-10")
	if _, err := db.RejectClaim(ctx, approver, w.claims["C3"], claim.OtherReason, "非保险责任"); err != nil {
		t.Fatal(err)
	}
	// Grade 10 disability: 30,000 × (110 − 100)% = 3,000.
	assess("C4", "2024-04-12", claim.AccidentAssessment{Outcome: "disability", Injuries: []claim.Injury{{Grade: 10}}}, "3000")
	pay("C4", "2024-04-20")
	report("C5", "2024-04-25", znb.Property, "H2", 0, "自然灾害")
	db.Now = func() time.Time { return storetest.Now }
	return w
}

// want is a row's expected figures, computed by the test from the world.
type rowWant struct {
	level, region, name string
	households, persons int
	premium             [6]string // premium, central, provincial, municipal, county, self
	earned              decimal.Decimal
	reported, paid      map[znb.Line][2]string // count, amount
	days                int
	open                [4]int
}

// earned is premium × days ÷ cover days, rounded half-up to the cent:
// written out here rather than taken from the report package.
func earned(premium string, days, of int) decimal.Decimal {
	return amt(premium).Mul(decimal.NewFromInt(int64(days))).Div(decimal.NewFromInt(int64(of))).Round(2)
}

func checkRows(t *testing.T, got []report.Row, want []rowWant) {
	t.Helper()
	if len(got) != len(want) {
		for _, r := range got {
			t.Logf("row %s %s %s", r.Level, r.Region, r.Name)
		}
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Level != w.level || g.Region != w.region || g.Name != w.name {
			t.Errorf("row %d = %s %s %q, want %s %s %q", i, g.Level, g.Region, g.Name, w.level, w.region, w.name)
		}
		if g.Households != w.households || g.Persons != w.persons {
			t.Errorf("%s: households %d persons %d, want %d %d", w.region, g.Households, g.Persons, w.households, w.persons)
		}
		for j, p := range w.premium {
			if !g.Premium[j].Equal(amt(p)) {
				t.Errorf("%s: premium[%d] %s, want %s", w.region, j, g.Premium[j], p)
			}
		}
		if !g.Earned.Equal(w.earned) {
			t.Errorf("%s: earned %s, want %s", w.region, g.Earned, w.earned)
		}
		for li, l := range znb.Lines {
			for _, k := range []struct {
				what string
				got  report.Amount
				want [2]string
			}{{"reported", g.Reported[li], w.reported[l]}, {"paid", g.Paid[li], w.paid[l]}} {
				if k.want[0] == "" {
					k.want = [2]string{"0", "0"}
				}
				if fmt.Sprint(k.got.Count) != k.want[0] || !k.got.Amount.Equal(amt(k.want[1])) {
					t.Errorf("%s: %s %s = %d / %s, want %s / %s", w.region, k.what, l, k.got.Count, k.got.Amount, k.want[0], k.want[1])
				}
			}
		}
		if g.DaysToPay != w.days || g.Open != w.open {
			t.Errorf("%s: days to pay %d open %v, want %d %v", w.region, g.DaysToPay, g.Open, w.days, w.open)
		}
	}
}

func sumRows(level, region string, rs ...rowWant) rowWant {
	s := rowWant{level: level, region: region, earned: decimal.Zero, reported: map[znb.Line][2]string{}, paid: map[znb.Line][2]string{}}
	for j := range s.premium {
		s.premium[j] = "0"
	}
	add := func(m map[znb.Line][2]string, l znb.Line, v [2]string) {
		old := m[l]
		if old[0] == "" {
			old = [2]string{"0", "0"}
		}
		var a, b int
		fmt.Sscan(old[0], &a)
		fmt.Sscan(v[0], &b)
		m[l] = [2]string{fmt.Sprint(a + b), amt(old[1]).Add(amt(v[1])).String()}
	}
	for _, r := range rs {
		s.households += r.households
		s.persons += r.persons
		for j := range s.premium {
			s.premium[j] = amt(s.premium[j]).Add(amt(r.premium[j])).String()
		}
		s.earned = s.earned.Add(r.earned)
		for l, v := range r.reported {
			add(s.reported, l, v)
		}
		for l, v := range r.paid {
			add(s.paid, l, v)
		}
		s.days += r.days
		for j := range s.open {
			s.open[j] += r.open[j]
		}
	}
	return s
}

// Certificates of the world: H1 two people for the year, 120.00 split
// 50/20/15/15/0; H2 王五 for the year and 王小五 from 01-01 to his death on
// 03-01 (61 days: 60 × 61 / 366 = 10.00), 70.00 split 0/30/20/20/30; H3
// 赵六, 60.00 split 50/20/15/15/0.
var (
	premV1 = [6]string{"190.00", "60.00", "45.00", "32.00", "32.00", "21.00"}
	premV2 = [6]string{"60.00", "30.00", "12.00", "9.00", "9.00", "0.00"}
)

func TestMonthlyReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		newReportWorld(t, db)
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}

		// March: four people in 青山村 (王小五 for one day), one in 白云村.
		t.Run("March", func(t *testing.T) {
			mar, _ := report.ParseMonth("2024-03")
			r, err := db.MonthlyReport(ctx, office, "", mar)
			if err != nil {
				t.Fatal(err)
			}
			year := earned("60.00", 31, 366) // 5.08
			v1 := rowWant{level: report.LevelVillage, region: rv1, name: "青山村", households: 2, persons: 4, premium: premV1,
				earned:   year.Mul(decimal.NewFromInt(3)).Add(earned("10.00", 1, 61)),
				reported: map[znb.Line][2]string{znb.Property: {"1", "4800"}, znb.Hospitalization: {"1", "900"}},
				paid:     map[znb.Line][2]string{znb.Property: {"1", "4800"}},
				days:     7, open: [4]int{0, 1, 0, 0}} // C2, 11 days old on 03-31
			v2 := rowWant{level: report.LevelVillage, region: rv2, name: "白云村", households: 1, persons: 1, premium: premV2,
				earned:   year,
				reported: map[znb.Line][2]string{znb.Agriculture: {"1", "0"}}, // C3 not yet assessed
				open:     [4]int{1, 0, 0, 0}}                                  // C3, 3 days old
			checkRows(t, r.Rows, []rowWant{sumRows(report.LevelCounty, claimCounty, v1, v2),
				sumRows(report.LevelTownship, claimCounty+"101", v1), v1, sumRows(report.LevelTownship, claimCounty+"102", v2), v2})
			if !r.Total.Earned.Equal(v1.earned.Add(v2.earned)) {
				t.Errorf("total earned %s", r.Total.Earned)
			}
			lr, ok := r.Rows[0].LossRatio()
			if want := amt("480000").Div(v1.earned.Add(v2.earned)).Round(2); !ok || !lr.Equal(want) {
				t.Errorf("county loss ratio %s, want %s", lr, want)
			}
			if avg, ok := r.Rows[0].AvgDaysToPay(); !ok || !avg.Equal(decimal.RequireFromString("7")) {
				t.Errorf("average days %s, %v; want 7", avg, ok)
			}
		})

		// April: 王小五 is gone; C2 and C4 paid (16 and 18 days), C3
		// rejected, C5 open 5 days.
		apr, _ := report.ParseMonth("2024-04")
		year := earned("60.00", 30, 366) // 4.92
		v1 := rowWant{level: report.LevelVillage, region: rv1, name: "青山村", households: 2, persons: 3, premium: premV1,
			earned:   year.Mul(decimal.NewFromInt(3)),
			reported: map[znb.Line][2]string{znb.Property: {"1", "0"}},
			paid:     map[znb.Line][2]string{znb.Hospitalization: {"1", "900"}},
			days:     16, open: [4]int{1, 0, 0, 0}}
		v2 := rowWant{level: report.LevelVillage, region: rv2, name: "白云村", households: 1, persons: 1, premium: premV2,
			earned:   year,
			reported: map[znb.Line][2]string{znb.Accident: {"1", "3000"}},
			paid:     map[znb.Line][2]string{znb.Accident: {"1", "3000"}},
			days:     18}
		t.Run("April", func(t *testing.T) {
			r, err := db.MonthlyReport(ctx, office, claimCounty, apr)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, r.Rows, []rowWant{sumRows(report.LevelCounty, claimCounty, v1, v2),
				sumRows(report.LevelTownship, claimCounty+"101", v1), v1, sumRows(report.LevelTownship, claimCounty+"102", v2), v2})
			if avg, _ := r.Rows[0].AvgDaysToPay(); !avg.Equal(decimal.RequireFromString("17")) {
				t.Errorf("April average days %s, want 17", avg)
			}
		})

		t.Run("TownshipNarrows", func(t *testing.T) {
			r, err := db.MonthlyReport(ctx, office, claimCounty+"102", apr)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, r.Rows, []rowWant{sumRows(report.LevelCounty, claimCounty, v2), sumRows(report.LevelTownship, claimCounty+"102", v2), v2})
		})

		// An auditor of township 101 sees it by default and nothing else.
		aud := znb.Actor{Username: "aud", Role: znb.Auditor, Scope: claimCounty + "101"}
		t.Run("AuditorDefaultsToScope", func(t *testing.T) {
			r, err := db.MonthlyReport(ctx, aud, "", apr)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, r.Rows, []rowWant{sumRows(report.LevelCounty, claimCounty, v1), sumRows(report.LevelTownship, claimCounty+"101", v1), v1})
		})

		for _, c := range []struct {
			name   string
			by     znb.Actor
			region string
			code   string
		}{
			{"AuditorWiderThanScope", aud, claimCounty, "not_found"},
			{"AuditorOtherTownship", aud, claimCounty + "102", "not_found"},
			{"OtherCountyOffice", znb.Actor{Username: "o2", Role: znb.Office, Scope: "522626"}, claimCounty, "not_found"},
			{"InsurerNamesNoRegion", clerk, "", "region_required"},
			{"EightDigitRegion", office, "52262510", "invalid_region"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if _, err := db.MonthlyReport(ctx, c.by, c.region, apr); znb.CodeOf(err) != c.code {
					t.Errorf("%s %s region %q: %v, want %s", c.by.Role, c.by.Scope, c.region, err, c.code)
				}
			})
		}

		// The insurer sees its own agreement's figures; another insurer an
		// empty report of the same region.
		t.Run("Insurers", func(t *testing.T) {
			r, err := db.MonthlyReport(ctx, clerk, claimCounty, apr)
			if err != nil || len(r.Rows) != 5 || r.Total.PaidTotal().Count != 2 {
				t.Errorf("insurer report: %+v, %v", r, err)
			}
			r, err = db.MonthlyReport(ctx, otherClerk, claimCounty, apr)
			if err != nil || len(r.Rows) != 0 || r.Total.Persons != 0 {
				t.Errorf("other insurer report: %+v, %v", r, err)
			}
		})

		t.Run("FutureMonth", func(t *testing.T) {
			if _, err := db.MonthlyReport(ctx, office, "", report.Period{Start: znb.MustDate("2024-07-01"), End: znb.MustDate("2024-07-31")}); znb.CodeOf(err) != "month_in_future" {
				t.Errorf("future month: %v", err)
			}
		})
	})
}

func TestAnnualReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newReportWorld(t, db)
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}

		a, err := db.AnnualReport(ctx, office, w.agreementID)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("Figures", func(t *testing.T) {
			// Drawn up on 2024-06-15: 167 days of the year's covers earned;
			// 王小五's whole 10.00.
			part := earned("60.00", 167, 366) // 27.38
			v1 := rowWant{level: report.LevelVillage, region: rv1, name: "青山村", households: 2, persons: 4, premium: premV1,
				earned:   part.Mul(decimal.NewFromInt(3)).Add(amt("10.00")),
				reported: map[znb.Line][2]string{znb.Property: {"2", "4800"}, znb.Hospitalization: {"1", "900"}},
				paid:     map[znb.Line][2]string{znb.Property: {"1", "4800"}, znb.Hospitalization: {"1", "900"}},
				days:     7 + 16, open: [4]int{0, 0, 1, 0}} // C5: 51 days on 06-15
			v2 := rowWant{level: report.LevelVillage, region: rv2, name: "白云村", households: 1, persons: 1, premium: premV2,
				earned:   part,
				reported: map[znb.Line][2]string{znb.Agriculture: {"1", "0"}, znb.Accident: {"1", "3000"}},
				paid:     map[znb.Line][2]string{znb.Accident: {"1", "3000"}},
				days:     18}
			checkRows(t, a.Rows, []rowWant{sumRows(report.LevelCounty, claimCounty, v1, v2),
				sumRows(report.LevelTownship, claimCounty+"101", v1), v1, sumRows(report.LevelTownship, claimCounty+"102", v2), v2})
			if avg, _ := a.Total.AvgDaysToPay(); !avg.Equal(decimal.RequireFromString("13.7")) { // 41 / 3
				t.Errorf("average days %s, want 13.7", avg)
			}
			lr, _ := a.Total.LossRatio()
			if want := amt("870000").Div(v1.earned.Add(v2.earned)).Round(2); !lr.Equal(want) {
				t.Errorf("loss ratio %s, want %s", lr, want)
			}
		})

		t.Run("Coverage", func(t *testing.T) {
			// Five eligible people (钱七's category is not covered), all insured.
			if a.Coverage.ListID != w.listID || a.Coverage.Eligible != 5 || a.Coverage.Insured != 5 {
				t.Errorf("coverage %+v, want list %d, 5 of 5", a.Coverage, w.listID)
			}
		})

		t.Run("Causes", func(t *testing.T) {
			wantCauses := []report.Cause{{Cause: "意外伤害", Reported: 2, Paid: report.Amount{Count: 2, Amount: amt("3900")}},
				{Cause: "火灾", Reported: 1, Paid: report.Amount{Count: 1, Amount: amt("4800")}},
				{Cause: "疫病", Reported: 1, Paid: report.Amount{Amount: decimal.Zero}},
				{Cause: "自然灾害", Reported: 1, Paid: report.Amount{Amount: decimal.Zero}}}
			if len(a.Causes) != len(wantCauses) {
				t.Fatalf("causes %+v", a.Causes)
			}
			for i, c := range wantCauses {
				g := a.Causes[i]
				if g.Cause != c.Cause || g.Reported != c.Reported || g.Paid.Count != c.Paid.Count || !g.Paid.Amount.Equal(c.Paid.Amount) {
					t.Errorf("cause %d = %+v, want %+v", i, g, c)
				}
			}
		})

		t.Run("ReconciliationOutcome", func(t *testing.T) {
			if a.Reconciliation != nil || a.AgreementNo != "ZY-2024-001" {
				t.Errorf("reconciliation before any: %+v; agreement %q", a.Reconciliation, a.AgreementNo)
			}

			// A draft reconciliation is not an outcome; a confirmed one is.
			rec, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: w.agreementID, ListID: w.listID})
			if err != nil {
				t.Fatal(err)
			}
			if a, _ := db.AnnualReport(ctx, office, w.agreementID); a.Reconciliation != nil {
				t.Errorf("draft reconciliation reported as outcome")
			}
			if _, err := db.ConfirmReconciliation(ctx, office, rec.ID); err != nil {
				t.Fatal(err)
			}
			a, err := db.AnnualReport(ctx, office, w.agreementID)
			if err != nil || a.Reconciliation == nil {
				t.Fatalf("annual after confirmation: %v", err)
			}
			o := a.Reconciliation
			if o.ID != rec.ID || o.Status != "confirmed" || o.ListID != w.listID || len(o.Findings) != 9 {
				t.Errorf("outcome %+v", o)
			}
			// The bill computed from the certificates matches the list: five
			// people, 250.00 billed and allowed, nothing refused.
			if o.Findings[0].Code != "matched" || o.Findings[0].Count != 5 || !o.Billed[0].Equal(amt("250")) ||
				!o.Allowed[0].Equal(amt("250")) || !o.Disallowed[0].IsZero() {
				t.Errorf("outcome findings %+v billed %v", o.Findings, o.Billed)
			}
		})

		// Scope: another county's office, another insurer: not found.
		t.Run("Scope", func(t *testing.T) {
			for _, by := range []znb.Actor{{Username: "o2", Role: znb.Office, Scope: "522626"}, otherClerk} {
				if _, err := db.AnnualReport(ctx, by, w.agreementID); znb.CodeOf(err) != "not_found" {
					t.Errorf("annual by %s %s: %v, want not_found", by.Role, by.Scope, err)
				}
			}
			if got, err := db.AnnualReport(ctx, clerk, w.agreementID); err != nil || got.Total.Persons != 5 {
				t.Errorf("annual by the insurer: %v", err)
			}
		})
	})
}

func TestNoticeClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newReportWorld(t, db)
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		apr, _ := report.ParseMonth("2024-04")
		mar, _ := report.ParseMonth("2024-03")
		for _, c := range []struct {
			name    string
			village string
			month   report.Period
			want    []store.NoticeClaim
		}{
			// C1 is a household line: the head is named.
			{"HouseholdLineNamesHead", rv1, mar, []store.NoticeClaim{{ClaimNo: w.claims["C1"], Name: "张三丰", IDNumber: idn(claimCounty, rHead1),
				Line: znb.Property, Amount: amt("4800"), PaidOn: znb.MustDate("2024-03-10")}}},
			{"MemberLine", rv1, apr, []store.NoticeClaim{{ClaimNo: w.claims["C2"], Name: "李四", IDNumber: idn(claimCounty, rSpouse1),
				Line: znb.Hospitalization, Amount: amt("900"), PaidOn: znb.MustDate("2024-04-05")}}},
			{"OtherVillage", rv2, apr, []store.NoticeClaim{{ClaimNo: w.claims["C4"], Name: "赵六", IDNumber: idn(claimCounty, rHead3),
				Line: znb.Accident, Amount: amt("3000"), PaidOn: znb.MustDate("2024-04-20")}}},
			{"NothingPaid", rv2, mar, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				n, err := db.NoticeClaims(ctx, office, w.agreementID, c.village, c.month)
				if err != nil {
					t.Fatal(err)
				}
				got := n.Claims
				if len(got) != len(c.want) {
					t.Fatalf("%s %s: %+v, want %+v", c.village, c.month.Start, got, c.want)
				}
				for i, g := range got {
					x := c.want[i]
					if g.ClaimNo != x.ClaimNo || g.Name != x.Name || g.IDNumber != x.IDNumber || g.Line != x.Line ||
						!g.Amount.Equal(x.Amount) || g.PaidOn != x.PaidOn {
						t.Errorf("%s %s: %+v, want %+v", c.village, c.month.Start, g, x)
					}
				}
			})
		}
		for _, c := range []struct {
			name    string
			by      znb.Actor
			village string
			code    string
		}{
			{"OtherInsurer", otherClerk, rv1, "not_found"},
			{"OtherCountyOffice", znb.Actor{Username: "o2", Role: znb.Office, Scope: "522626"}, rv1, "not_found"},
			{"AuditorOfOtherTownship", znb.Actor{Username: "aud", Role: znb.Auditor, Scope: claimCounty + "102"}, rv1, "not_found"},
			{"TownshipIsNoVillage", office, claimCounty + "101", "invalid_village"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if _, err := db.NoticeClaims(ctx, c.by, w.agreementID, c.village, apr); znb.CodeOf(err) != c.code {
					t.Errorf("notice by %s %s of %s: %v, want %s", c.by.Role, c.by.Scope, c.village, err, c.code)
				}
			})
		}
	})
}
