package claim

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func disabled(grades ...int) AccidentAssessment {
	a := AccidentAssessment{Outcome: Disability}
	for _, g := range grades {
		a.Injuries = append(a.Injuries, Injury{Grade: g})
	}
	return a
}

// burned takes site, area pairs.
func burned(pairs ...string) AccidentAssessment {
	a := AccidentAssessment{Outcome: Burn}
	for i := 0; i < len(pairs); i += 2 {
		a.Burns = append(a.Burns, BurnArea{Site: pairs[i], AreaPct: dec(pairs[i+1])})
	}
	return a
}

func TestAccidentPayable(t *testing.T) {
	std := terms(standard(), znb.Accident) // sum insured 30000; grade g pays (110 − 10g)%
	death := AccidentAssessment{Outcome: Death}

	custom := *std // a product that pays grade 3 at 75% and leaves the other grades to the formula
	custom.DisabilityPct = map[int]decimal.Decimal{3: dec("75")}
	odd := *std // an odd sum insured, to see rounding
	odd.Limit = dec("10000.05")

	runPayCases(t, []payCase{
		{"death", std, "30000", death, "30000.00", "0.00"},
		// an earlier disability paid 9000: 30000 − 9000 = 21000 left, all of it for death.
		{"death after disability", std, "21000.00", death, "21000.00", "0.00"},
		{"death after full payment", std, "0", death, "0.00", "0.00"},
		// grade 3: 30000 × (110 − 30)% = 24000.
		{"grade 3", std, "30000", disabled(3), "24000.00", "6000.00"},
		// grade 10: 30000 × 10% = 3000.
		{"grade 10", std, "30000", disabled(10), "3000.00", "27000.00"},
		// grade 1: 30000 × 100%.
		{"grade 1", std, "30000", disabled(1), "30000.00", "0.00"},
		// grades 3 and 5: the most severe, 3, counts: 24000.
		{"grades 3 and 5", std, "30000", disabled(5, 3), "24000.00", "6000.00"},
		// two injuries at grade 3 rise to grade 2: 30000 × 90% = 27000.
		{"two at grade 3", std, "30000", disabled(3, 3), "27000.00", "3000.00"},
		// two at grade 1 stay at grade 1: 30000.
		{"two at grade 1", std, "30000", disabled(1, 1), "30000.00", "0.00"},
		// 2, 2, 4: two at the top grade 2 → grade 1: 30000.
		{"two at grade 2 and one lower", std, "30000", disabled(4, 2, 2), "30000.00", "0.00"},
		// 4, 4, 3: only one at the top grade 3 → 3: 24000.
		{"lower grades shared do not raise", std, "30000", disabled(4, 4, 3), "24000.00", "6000.00"},
		// earlier payment 27000 leaves 3000; grade 5 = 30000 × 60% = 18000, capped by 3000.
		{"disability after earlier payment", std, "3000.00", disabled(5), "3000.00", "0.00"},
		// head and neck 9% ≥ 8 → grade 2: 27000.
		{"burn head 9%", std, "30000", burned(HeadNeck, "9"), "27000.00", "3000.00"},
		// head 8% exactly → grade 2.
		{"burn head 8%", std, "30000", burned(HeadNeck, "8"), "27000.00", "3000.00"},
		// head 7.99% → grade 5: 30000 × 60% = 18000.
		{"burn head 7.99%", std, "30000", burned(HeadNeck, "7.99"), "18000.00", "12000.00"},
		// head 2% → grade 8: 30000 × 30% = 9000.
		{"burn head 2%", std, "30000", burned(HeadNeck, "2"), "9000.00", "21000.00"},
		// head 1.99% pays nothing.
		{"burn head too small", std, "30000", burned(HeadNeck, "1.99"), "0.00", "30000.00"},
		// trunk 60% → grade 1: 30000.
		{"burn trunk 60%", std, "30000", burned(TrunkLimbs, "60"), "30000.00", "0.00"},
		// trunk 59.99% → grade 3: 24000.
		{"burn trunk 59.99%", std, "30000", burned(TrunkLimbs, "59.99"), "24000.00", "6000.00"},
		// trunk 20% → grade 5: 18000.
		{"burn trunk 20%", std, "30000", burned(TrunkLimbs, "20"), "18000.00", "12000.00"},
		// trunk 10% → grade 7: 30000 × 40% = 12000.
		{"burn trunk 10%", std, "30000", burned(TrunkLimbs, "10"), "12000.00", "18000.00"},
		// trunk 9.99% pays nothing.
		{"burn trunk too small", std, "30000", burned(TrunkLimbs, "9.99"), "0.00", "30000.00"},
		// both sites: head 6% → 5, trunk 25% → 5; two at grade 5 → grade 4: 30000 × 70% = 21000.
		{"burns on both sites at one grade", std, "30000", burned(HeadNeck, "6", TrunkLimbs, "25"), "21000.00", "9000.00"},
		// both sites: head 3% → 8, trunk 45% → 3; grade 3: 24000.
		{"burns on both sites", std, "30000", burned(HeadNeck, "3", TrunkLimbs, "45"), "24000.00", "6000.00"},
		// head 1% pays nothing, trunk 12% → 7: 12000.
		{"one burn too small", std, "30000", burned(HeadNeck, "1", TrunkLimbs, "12"), "12000.00", "18000.00"},
		// an injury at grade 5 and a trunk burn of 20% (grade 5): two at 5 → 4: 21000.
		{"injury and burn together", std, "30000", AccidentAssessment{Outcome: Disability,
			Injuries: []Injury{{Grade: 5}}, Burns: []BurnArea{{Site: TrunkLimbs, AreaPct: dec("20")}}}, "21000.00", "9000.00"},
		// the product's own table: grade 3 at 75%: 30000 × 75% = 22500.
		{"product percentage", &custom, "30000", disabled(3), "22500.00", "7500.00"},
		// a grade the product leaves out falls back to (110 − 10g)%: grade 4 → 70% = 21000.
		{"formula for unlisted grade", &custom, "30000", disabled(4), "21000.00", "9000.00"},
		// 10000.05 × 10% = 1000.005 → half-up 1000.01; 10000.05 − 1000.01 = 9000.04.
		{"half-up at the end", &odd, "10000.05", disabled(10), "1000.01", "9000.04"},
	})
}

func TestAccidentInvalid(t *testing.T) {
	std := terms(standard(), znb.Accident)
	runErrCases(t, []errCase{
		{"no outcome", std, AccidentAssessment{}, "invalid_outcome"},
		{"unknown outcome", std, AccidentAssessment{Outcome: "injury"}, "invalid_outcome"},
		{"disability without injuries", std, AccidentAssessment{Outcome: Disability}, "injuries_required"},
		{"burn without burns", std, AccidentAssessment{Outcome: Burn}, "injuries_required"},
		{"grade 0", std, disabled(0), "invalid_grade"},
		{"grade 11", std, disabled(3, 11), "invalid_grade"},
		{"unknown site", std, burned("hands", "5"), "invalid_burn_site"},
		{"negative area", std, burned(HeadNeck, "-1"), "invalid_burn_area"},
		{"area above 100", std, burned(TrunkLimbs, "100.01"), "invalid_burn_area"},
		{"hospital terms", terms(standard(), znb.Hospitalization), disabled(3), "line_not_offered"},
	})
}

func TestCombineGrades(t *testing.T) {
	tests := []struct {
		grades           []int
		grade, top, same int
	}{
		{[]int{7}, 7, 7, 1},
		{[]int{3, 5}, 3, 3, 1},
		{[]int{5, 3, 3}, 2, 3, 2},
		{[]int{1, 1}, 1, 1, 2},
		{[]int{2, 2, 2}, 1, 2, 3},
		{[]int{10, 10}, 9, 10, 2},
		{[]int{6, 6, 4}, 4, 4, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.grades), func(t *testing.T) {
			g, top, same := combineGrades(tt.grades)
			if g != tt.grade || top != tt.top || same != tt.same {
				t.Errorf("combineGrades(%v) = %d, %d, %d; want %d, %d, %d", tt.grades, g, top, same, tt.grade, tt.top, tt.same)
			}
		})
	}
}
