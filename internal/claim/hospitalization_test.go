package claim

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// bill takes expense, basic insurance, critical illness, medical assistance
// and non-reimbursable amounts.
func bill(expense, basic, critical, assistance, nonReimb string) HospitalizationAssessment {
	return HospitalizationAssessment{
		MedicalExpense: dec(expense), BasicInsurancePaid: dec(basic), CriticalIllnessPaid: dec(critical),
		MedicalAssistancePaid: dec(assistance), NonReimbursable: dec(nonReimb),
	}
}

// outOfPocket is a bill with nothing paid by others.
func outOfPocket(amount string) HospitalizationAssessment { return bill(amount, "0", "0", "0", "0") }

func TestHospitalizationPayable(t *testing.T) {
	std := terms(standard(), znb.Hospitalization) // limit 10000, deductible 100, ratio 90%
	full := *std                                  // ratio left unset means 100%
	full.Ratio = decimal.Zero

	runPayCases(t, []payCase{
		// 5000 − 2000 − 0 − 500 − 300 = 2200; − 100 = 2100; × 90% = 1890.
		{"typical", std, "10000", bill("5000.00", "2000.00", "0", "500.00", "300.00"), "1890.00", "8110.00"},
		// 1000 − 800 − 300 → below zero, floored at 0.
		{"deductions above expense", std, "10000", bill("1000.00", "800.00", "300.00", "0", "0"), "0.00", "10000.00"},
		// 80 − 100 → 0.
		{"deductible above out-of-pocket", std, "10000", outOfPocket("80.00"), "0.00", "10000.00"},
		// 100 − 100 = 0.
		{"deductible equals out-of-pocket", std, "10000", outOfPocket("100.00"), "0.00", "10000.00"},
		// 20000 − 100 = 19900; × 90% = 17910; capped by 10000.
		{"cap reached", std, "10000", outOfPocket("20000.00"), "10000.00", "0.00"},
		// 8500 paid before: 1500 left; 3000 − 100 = 2900 × 90% = 2610 → 1500.
		{"second claim uses the remainder", std, "1500.00", outOfPocket("3000.00"), "1500.00", "0.00"},
		// 1500 left; 1000 − 100 = 900 × 90% = 810 → fits; 1500 − 810 = 690.
		{"second claim fits", std, "1500.00", outOfPocket("1000.00"), "810.00", "690.00"},
		{"nothing left", std, "0", outOfPocket("1000.00"), "0.00", "0.00"},
		// 200.05 − 100 = 100.05 × 90% = 90.045 → half-up 90.05 (banker's would give 90.04).
		{"half-up at the end", std, "10000", outOfPocket("200.05"), "90.05", "9909.95"},
		// 333.33 − 100 = 233.33 × 90% = 209.997 → 210.00.
		{"rounds up to the yuan", std, "10000", outOfPocket("333.33"), "210.00", "9790.00"},
		// 12000 − 3000 − 2000 − 1000 − 500 = 5500; − 100 = 5400 × 90% = 4860.
		{"every deduction", std, "10000", bill("12000.00", "3000.00", "2000.00", "1000.00", "500.00"), "4860.00", "5140.00"},
		// ratio unset: 600 − 100 = 500 × 100% = 500.
		{"ratio unset pays in full", &full, "10000", outOfPocket("600.00"), "500.00", "9500.00"},
	})
}

func TestHospitalizationTiers(t *testing.T) {
	h := terms(fpb(), znb.Hospitalization) // trigger 5000; 50% to 10000, 60% to 30000, 70% above; cap 50000
	runPayCases(t, []payCase{
		{"nothing", h, "50000", outOfPocket("0"), "0.00", "50000.00"},
		{"below the trigger line", h, "50000", outOfPocket("4999.99"), "0.00", "50000.00"},
		{"at the trigger line", h, "50000", outOfPocket("5000.00"), "0.00", "50000.00"},
		// 0.01 × 50% = 0.005 → half-up 0.01.
		{"one cent above the trigger line", h, "50000", outOfPocket("5000.01"), "0.01", "49999.99"},
		// 5000 × 50% = 2500.
		{"at 10000", h, "50000", outOfPocket("10000.00"), "2500.00", "47500.00"},
		// 2500 + 0.01 × 60% = 2500.006 → 2500.01.
		{"one cent above 10000", h, "50000", outOfPocket("10000.01"), "2500.01", "47499.99"},
		// 2500 + 20000 × 60% = 2500 + 12000 = 14500.
		{"at 30000", h, "50000", outOfPocket("30000.00"), "14500.00", "35500.00"},
		// 14500 + 0.01 × 70% = 14500.007 → 14500.01.
		{"one cent above 30000", h, "50000", outOfPocket("30000.01"), "14500.01", "35499.99"},
		// 14500 + 50000 × 70% = 14500 + 35000 = 49500, under the cap.
		{"just under the cap", h, "50000", outOfPocket("80000.00"), "49500.00", "500.00"},
		// 14500 + 52000 × 70% = 14500 + 36400 = 50900 → capped at 50000.
		{"above the 50000 cap", h, "50000", outOfPocket("82000.00"), "50000.00", "0.00"},
		// 14500 + 70000 × 70% = 63500 → 50000.
		{"far above the cap", h, "50000", outOfPocket("100000.00"), "50000.00", "0.00"},
		// 40000 − 20000 − 5000 − 2000 − 1000 = 12000: 2500 + 2000 × 60% = 2500 + 1200 = 3700.
		{"deductions first", h, "50000", bill("40000.00", "20000.00", "5000.00", "2000.00", "1000.00"), "3700.00", "46300.00"},
		// an earlier claim left 10000: 20000 → 2500 + 10000 × 60% = 8500 fits; 1500 left.
		{"second claim fits", h, "10000.00", outOfPocket("20000.00"), "8500.00", "1500.00"},
		// 5000 left: 8500 → capped at 5000.
		{"second claim uses the remainder", h, "5000.00", outOfPocket("20000.00"), "5000.00", "0.00"},
	})
}

func TestHospitalizationTierBreakdown(t *testing.T) {
	r, err := Adjust(terms(fpb(), znb.Hospitalization), dec("50000"), outOfPocket("12000.00"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"medical_expense", "less_basic_insurance", "less_critical_illness", "less_medical_assistance",
		"less_non_reimbursable", "trigger_line", "tier", "tier", "tier_total", "cap_remaining_limit", "payable"}
	if got := codes(r.Breakdown); !reflect.DeepEqual(got, want) {
		t.Fatalf("steps = %v, want %v", got, want)
	}
	// above the trigger 12000 − 5000 = 7000; tier 1: 5000 × 50% = 2500; tier 2: 2000 × 60% = 1200.
	for i, a := range map[int]string{5: "7000", 6: "2500", 7: "1200", 8: "3700", 10: "3700"} {
		if !r.Breakdown[i].Amount.Equal(dec(a)) {
			t.Errorf("step %d %s = %s, want %s", i, r.Breakdown[i].Code, r.Breakdown[i].Amount, a)
		}
	}
}

func TestHospitalizationInvalid(t *testing.T) {
	std := terms(standard(), znb.Hospitalization)
	runErrCases(t, []errCase{
		{"negative expense", std, outOfPocket("-1"), "negative_amount"},
		{"negative basic", std, bill("100", "-1", "0", "0", "0"), "negative_amount"},
		{"negative critical", std, bill("100", "0", "-1", "0", "0"), "negative_amount"},
		{"negative assistance", std, bill("100", "0", "0", "-0.01", "0"), "negative_amount"},
		{"negative non-reimbursable", std, bill("100", "0", "0", "0", "-5"), "negative_amount"},
		{"deductions above expense are fine", std, bill("100", "500", "0", "0", "0"), ""},
	})
}
