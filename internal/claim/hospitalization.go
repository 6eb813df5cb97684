package claim

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// HospitalizationAssessment is the hospital bill of an accident and what
// other schemes already paid of it.
type HospitalizationAssessment struct {
	MedicalExpense        decimal.Decimal
	BasicInsurancePaid    decimal.Decimal
	CriticalIllnessPaid   decimal.Decimal
	MedicalAssistancePaid decimal.Decimal
	NonReimbursable       decimal.Decimal
	// The hospital stay, both days included; zero when the adjuster gave
	// none. Two stays of one person that overlap are a fraud signal.
	AdmittedOn   znb.Date `json:",omitempty"`
	DischargedOn znb.Date `json:",omitempty"`
}

// Line is hospitalization.
func (HospitalizationAssessment) Line() znb.Line { return znb.Hospitalization }

// adjust reduces the expense to what the household paid itself (never below
// zero), then applies either the standard rule (less the deductible, times the
// ratio) or, when the product has tiers (防贫保 style), the tiers above the
// trigger line. The tiered rule has no deductible: the trigger line is its
// threshold.
func (a HospitalizationAssessment) adjust(t *policy.LineTerms, b *breakdown) error {
	if err := checkAmounts(
		amountField{"医疗费用", a.MedicalExpense},
		amountField{"基本医疗保险已报销金额", a.BasicInsurancePaid},
		amountField{"大病保险已报销金额", a.CriticalIllnessPaid},
		amountField{"医疗救助已支付金额", a.MedicalAssistancePaid},
		amountField{"医保目录外自费金额", a.NonReimbursable},
	); err != nil {
		return err
	}
	b.set("medical_expense", "医疗费用合计", a.MedicalExpense)
	b.less("less_basic_insurance", "减基本医疗保险已报销", a.BasicInsurancePaid)
	b.less("less_critical_illness", "减大病保险已报销", a.CriticalIllnessPaid)
	b.less("less_medical_assistance", "减医疗救助已支付", a.MedicalAssistancePaid)
	b.less("less_non_reimbursable", "减医保目录外费用", a.NonReimbursable)
	if len(t.Tiers) > 0 {
		tiered(t, b)
		return nil
	}
	b.lessDeductible(t)
	ratio := t.Ratio
	if ratio.IsZero() {
		ratio = decimal.NewFromInt(100)
	}
	b.set("ratio", "乘以赔付比例 "+pct(ratio), money.Percent(b.amount, ratio))
	return nil
}

// tiered pays nothing up to the trigger line and each tier's ratio on the
// part of the out-of-pocket amount inside the tier (From < amount ≤ To).
func tiered(t *policy.LineTerms, b *breakdown) {
	oop := b.amount
	b.note("trigger_line", "赔付启动线 "+money.String(t.TriggerLine)+"，以下部分不赔；超出部分", money.Max(oop.Sub(t.TriggerLine), decimal.Zero))
	total := decimal.Zero
	for _, p := range tierParts(t, oop) {
		b.note("tier", p.band+" 部分 "+money.String(p.part)+" × "+pct(p.tier.Ratio), p.pay)
		total = total.Add(p.pay)
	}
	b.set("tier_total", "阶梯赔付合计", total)
}
