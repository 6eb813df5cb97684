package claim

import (
	"os"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// household reads the shipped fpb-household product, whose household lines
// the marginal rule pays on.
func household(t *testing.T) *policy.Product {
	t.Helper()
	data, err := os.ReadFile("../../configs/products/fpb-household.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.ParseProduct(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMarginal runs a year of claims of one household in order: each claim
// adds its amount to the cumulative amount and pays the tiered amount it
// adds, within what the cap has left; the year's payables always add up to
// tiered(total) capped.
func TestMarginal(t *testing.T) {
	p := household(t)
	illness, disaster, education := terms(p, znb.Illness), terms(p, znb.Disaster), terms(p, znb.Education)
	tiered := terms(fpb(), znb.Hospitalization) // fpb-tiered: the same tiers and cap per person
	tests := []struct {
		name    string
		terms   *policy.LineTerms
		amounts []string
		pays    []string
	}{
		// 4,000 → 0; 12,000 → 2,500 + 1,200; 37,000 → 19,400 − 3,700.
		{"illness example", illness, []string{"4000", "8000", "25000"}, []string{"0.00", "3700.00", "15700.00"}},
		{"hospitalization tiers example", tiered, []string{"4000", "8000", "25000"}, []string{"0.00", "3700.00", "15700.00"}},
		// 37,000 pays 19,400; 97,000 tiers at 61,400 but the cap of 50,000
		// leaves 30,600; nothing after.
		{"illness crosses the cap", illness, []string{"37000", "60000", "1000"}, []string{"19400.00", "30600.00", "0.00"}},
		{"hospitalization crosses the cap", tiered, []string{"37000", "60000", "1000"}, []string{"19400.00", "30600.00", "0.00"}},
		// one claim far above: tiered(200,000) = 133,400, capped at 50,000.
		{"one claim above the cap", illness, []string{"200000"}, []string{"50000.00"}},
		// 50,000 → 8,500 + 18,000; 60,000 tiers at 32,500, cap 30,000 leaves 3,500.
		{"disaster crosses the cap", disaster, []string{"50000", "10000"}, []string{"26500.00", "3500.00"}},
		// two settlements of one day: each pays what it adds, in either order.
		{"two claims on one day", illness, []string{"3000", "3000"}, []string{"0.00", "500.00"}},
		{"two claims on one day swapped", illness, []string{"2999.99", "3000.01"}, []string{"0.00", "500.00"}},
		{"two claims on one day across a tier", illness, []string{"9000", "2000"}, []string{"2000.00", "1100.00"}},
		// on the trigger line nothing is paid; a cent above pays half of it, rounded half-up.
		{"illness exactly on the trigger line", illness, []string{"5000", "0.01"}, []string{"0.00", "0.01"}},
		{"hospitalization exactly on the trigger line", tiered, []string{"5000.00"}, []string{"0.00"}},
		{"disaster exactly on the trigger line", disaster, []string{"1000", "2000", "2"}, []string{"0.00", "0.00", "1.00"}},
		{"education exactly on the trigger line", education, []string{"3000"}, []string{"0.00"}},
		// 4,000 → 500; 24,000 tiers at 10,500, cap 10,000 leaves 9,500.
		{"education crosses the cap", education, []string{"2000", "2000", "20000"}, []string{"0.00", "500.00", "9500.00"}},
		{"a zero claim pays nothing", illness, []string{"12000", "0"}, []string{"3700.00", "0.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, used := decimal.Zero, decimal.Zero
			for i, a := range tt.amounts {
				got := Marginal(tt.terms, before, dec(a), used)
				if !got.Equal(dec(tt.pays[i])) {
					t.Errorf("claim %d of %s after %s: pays %s, want %s", i+1, a, before, got, tt.pays[i])
				}
				before, used = before.Add(dec(a)), used.Add(got)
			}
			if capped := decimal.Min(Tiered(tt.terms, before), tt.terms.Limit).Round(2); !used.Equal(capped) {
				t.Errorf("the year pays %s, want tiered(%s) capped = %s", used, before, capped)
			}
		})
	}
}

func TestHouseholdProduct(t *testing.T) {
	p := household(t)
	for _, tt := range []struct {
		line           znb.Line
		trigger, limit string
		tiers          int
	}{
		{znb.Illness, "5000", "50000", 3},
		{znb.Disaster, "3000", "30000", 2},
		{znb.Education, "3000", "10000", 1},
	} {
		l := p.Line(tt.line)
		if l == nil || !l.TriggerLine.Equal(dec(tt.trigger)) || !l.Limit.Equal(dec(tt.limit)) || len(l.Tiers) != tt.tiers || l.LimitPer != policy.PerHousehold {
			t.Errorf("%s: %+v", tt.line, l)
		}
	}
	for _, l := range znb.Lines {
		if p.Line(l) == nil {
			t.Errorf("fpb-household lacks %s", l)
		}
	}
}

// TestAdjustMarginal follows a settlement through the breakdown: the
// out-of-pocket of each settlement, the cumulative amount before and after,
// the tiers, the cap and the payable.
func TestAdjustMarginal(t *testing.T) {
	p := household(t)
	illness := terms(p, znb.Illness)
	a := IllnessAssessment{Settlements: []Settlement{
		{No: "JS-1", Total: dec("12000"), BasicInsurancePaid: dec("5000"), CriticalIllnessPaid: dec("1000"), MedicalAssistancePaid: dec("500"), NonReimbursable: dec("500")},
		{No: "JS-2", Total: dec("100"), BasicInsurancePaid: dec("300")}, // floors at zero
		{No: "JS-3", Total: dec("3000.00")},
	}}
	// out-of-pocket 5,000 + 0 + 3,000 = 8,000 after 4,000 before: pays 3,700.
	r, err := AdjustMarginal(illness, dec("50000"), dec("4000"), a)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Payable.Equal(dec("3700")) || !r.Remaining.Equal(dec("46300")) {
		t.Errorf("payable %s remaining %s", r.Payable, r.Remaining)
	}
	want := []string{"settlement", "settlement", "settlement", "out_of_pocket", "cumulative_before", "cumulative_after",
		"trigger_line", "tier", "tier", "tiered_after", "tiered_before", "marginal", "cap_remaining_limit", "payable"}
	if got := codes(r.Breakdown); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("steps %v\nwant  %v", got, want)
	}
	c := &Claim{Line: znb.Illness, Assessed: true, Breakdown: r.Breakdown}
	if b, af, ok := c.Accrual(); !ok || !b.Equal(dec("4000")) || !af.Equal(dec("12000")) {
		t.Errorf("accrual %s → %s %v", b, af, ok)
	}

	disaster := terms(p, znb.Disaster)
	r, err = AdjustMarginal(disaster, dec("30000"), decimal.Zero, DisasterAssessment{Loss: dec("10000"), InsurancePaid: dec("2000")})
	if err != nil || !r.Payable.Equal(dec("2500")) { // 8,000 − 3,000 = 5,000 × 50%
		t.Errorf("disaster %s %v", r.Payable, err)
	}
	r, err = AdjustMarginal(terms(p, znb.Education), dec("10000"), decimal.Zero, EducationAssessment{Costs: dec("8000"), Grants: dec("1000")})
	if err != nil || !r.Payable.Equal(dec("2000")) { // 7,000 − 3,000 = 4,000 × 50%
		t.Errorf("education %s %v", r.Payable, err)
	}

	for _, tt := range []struct {
		name string
		t    *policy.LineTerms
		in   Assessment
		code string
	}{
		{"no settlement", illness, IllnessAssessment{}, "settlements_required"},
		{"negative total", illness, IllnessAssessment{Settlements: []Settlement{{Total: dec("-1")}}}, "negative_amount"},
		{"negative grant", terms(p, znb.Education), EducationAssessment{Costs: dec("1"), Grants: dec("-1")}, "negative_amount"},
		{"another line", disaster, EducationAssessment{Costs: dec("1")}, "line_not_offered"},
		{"not a household line", terms(p, znb.Property), PropertyAssessment{StructureLoss: dec("1")}, "line_not_cumulative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := AdjustMarginal(tt.t, dec("1000"), decimal.Zero, tt.in); znb.CodeOf(err) != tt.code {
				t.Errorf("code %q, want %q (%v)", znb.CodeOf(err), tt.code, err)
			}
		})
	}
	if _, err := Adjust(illness, dec("1000"), a); znb.CodeOf(err) != "line_cumulative" {
		t.Errorf("Adjust on a household line: %v", err)
	}
}

// TestApproveChecksAccrual: a household-line claim assessed on one
// cumulative amount is approved only while the household's approved claims
// still add up to it.
func TestApproveChecksAccrual(t *testing.T) {
	illness := terms(household(t), znb.Illness)
	form := &Form{Settlements: []FormSettlement{{No: "JS-9", Total: "8000.00"}}}
	for _, tt := range []struct {
		name, atApproval, code string
	}{
		{"unchanged", "4000", ""},
		{"another claim approved in between", "6000", "cumulative_changed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &Claim{No: "LP-9", Insurer: "PICC-ZY", Line: znb.Illness, HouseholdNo: "H1", Status: Reported, Accumulated: dec("4000")}
			if _, err := c.Assess(adjuster, now, illness, decimal.Zero, form, ""); err != nil {
				t.Fatal(err)
			}
			if !c.Payable.Equal(dec("3700")) {
				t.Fatalf("payable %s", c.Payable)
			}
			c.Accumulated = dec(tt.atApproval)
			_, err := c.Approve(approver, now, illness, decimal.Zero, "")
			if znb.CodeOf(err) != tt.code {
				t.Errorf("code %q, want %q", znb.CodeOf(err), tt.code)
			}
		})
	}
}
