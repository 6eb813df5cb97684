package claim

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// dec reads a decimal constant of a test; unlike money.MustParse it accepts
// more than two decimals, to feed the calculators odd inputs.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// standard returns the terms of znb-standard, the scheme's figures, written out here so
// the tests do not depend on the product loader.
func standard() *policy.Product {
	pcts := map[int]decimal.Decimal{}
	for g := 1; g <= 10; g++ {
		pcts[g] = decimal.NewFromInt(int64(110 - 10*g))
	}
	return &policy.Product{
		Code:             "znb-standard",
		Version:          1,
		PremiumPerPerson: dec("60.00"),
		Lines: []policy.LineTerms{
			{
				Line: znb.Agriculture, Limit: dec("10000.00"), LimitPer: policy.PerHousehold,
				Deductible: dec("200.00"), Ratio: dec("100"), ReportWithinDays: 3,
				Causes: []string{"火灾", "爆炸", "疾病", "疫病", "自然灾害"},
			},
			{
				Line: znb.Accident, Limit: dec("30000.00"), LimitPer: policy.PerPerson,
				Ratio: dec("100"), ReportWithinDays: 10, Causes: []string{"意外伤害"},
				DisabilityPct: pcts,
				BurnTable: []policy.BurnRule{
					{Site: HeadNeck, MinPct: dec("8"), Grade: 2},
					{Site: HeadNeck, MinPct: dec("5"), Grade: 5},
					{Site: HeadNeck, MinPct: dec("2"), Grade: 8},
					{Site: TrunkLimbs, MinPct: dec("60"), Grade: 1},
					{Site: TrunkLimbs, MinPct: dec("40"), Grade: 3},
					{Site: TrunkLimbs, MinPct: dec("20"), Grade: 5},
					{Site: TrunkLimbs, MinPct: dec("10"), Grade: 7},
				},
			},
			{
				Line: znb.Hospitalization, Limit: dec("10000.00"), LimitPer: policy.PerPerson,
				Deductible: dec("100.00"), Ratio: dec("90"), ReportWithinDays: 10,
				Causes: []string{"意外伤害"},
			},
			{
				Line: znb.Property, Limit: dec("20000.00"), LimitPer: policy.PerHousehold,
				Deductible: dec("200.00"), Ratio: dec("100"), ReportWithinDays: 3,
				Causes: []string{"火灾", "爆炸", "地震", "自然灾害"},
				SubLimits: map[string]decimal.Decimal{
					policy.Structure:  dec("15000.00"),
					policy.Decoration: dec("3000.00"),
					policy.Appliances: dec("2000.00"),
				},
			},
		},
	}
}

// fpb returns fpb-tiered: znb-standard with the 防贫保 hospitalization line.
func fpb() *policy.Product {
	p := standard()
	p.Code = "fpb-tiered"
	h := p.Line(znb.Hospitalization)
	h.Limit = dec("50000.00")
	h.Deductible = decimal.Zero
	h.Ratio = decimal.Zero
	h.TriggerLine = dec("5000.00")
	h.Tiers = []policy.Tier{
		{From: dec("5000.00"), To: dec("10000.00"), Ratio: dec("50")},
		{From: dec("10000.00"), To: dec("30000.00"), Ratio: dec("60")},
		{From: dec("30000.00"), Ratio: dec("70")},
	}
	return p
}

func terms(p *policy.Product, l znb.Line) *policy.LineTerms { return p.Line(l) }

// payCase is one row of a calculator table: the assessment under terms with
// remaining left of the limit should pay payable and leave left.
type payCase struct {
	name      string
	terms     *policy.LineTerms
	remaining string
	in        Assessment
	payable   string
	left      string
}

func runPayCases(t *testing.T, cases []payCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Adjust(tc.terms, dec(tc.remaining), tc.in)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !r.Payable.Equal(dec(tc.payable)) {
				t.Errorf("payable = %s, want %s", r.Payable, tc.payable)
			}
			if !r.Remaining.Equal(dec(tc.left)) {
				t.Errorf("remaining = %s, want %s", r.Remaining, tc.left)
			}
			last := r.Breakdown[len(r.Breakdown)-1]
			if last.Code != "payable" || !last.Amount.Equal(r.Payable) {
				t.Errorf("last step = %+v, want payable %s", last, r.Payable)
			}
			for _, s := range r.Breakdown {
				if s.Code == "" || s.Label == "" {
					t.Errorf("step without code or label: %+v", s)
				}
			}
		})
	}
}

// errCase is one row of a validation table.
type errCase struct {
	name  string
	terms *policy.LineTerms
	in    Assessment
	code  string
}

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Adjust(tc.terms, dec("10000"), tc.in)
			if got := znb.CodeOf(err); got != tc.code {
				t.Errorf("error code = %q, want %q (err %v)", got, tc.code, err)
			}
			if err != nil && znb.ErrorOf(err).Kind != znb.Invalid {
				t.Errorf("kind = %v, want Invalid", znb.ErrorOf(err).Kind)
			}
		})
	}
}

// codes lists the step codes of a breakdown.
func codes(steps []Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.Code
	}
	return out
}
