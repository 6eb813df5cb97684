package claim

import (
	"encoding/json"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The household lines of 防贫保 (illness, disaster, education) pay on what
// a household bears over the cover year: the amounts of its claims add up,
// nothing is paid up to the trigger line, each tier's ratio applies to the
// part of the cumulative amount inside the tier, and the year's total is
// capped. Each claim pays the tiered amount it adds — tiered(cumulative
// after it) − tiered(cumulative before it) — capped by what remains of the
// cap, rounded half-up to the cent; so all claims of a year together pay
// tiered(total), whatever their number and order.

// tierPart is the part of an amount inside one tier and what it pays.
type tierPart struct {
	band string
	tier policy.Tier
	part decimal.Decimal
	pay  decimal.Decimal
}

// tierParts splits amount over the tiers of t (From < amount ≤ To), leaving
// out what lies at or below the trigger line and tiers the amount does not
// reach.
func tierParts(t *policy.LineTerms, amount decimal.Decimal) []tierPart {
	var out []tierPart
	for _, tier := range t.Tiers {
		from := money.Max(tier.From, t.TriggerLine)
		upper := amount
		band := money.String(tier.From) + " 以上"
		if !tier.To.IsZero() {
			upper = money.Min(amount, tier.To)
			band = money.String(tier.From) + "–" + money.String(tier.To)
		}
		part := upper.Sub(from)
		if !part.IsPositive() {
			continue
		}
		out = append(out, tierPart{band: band, tier: tier, part: part, pay: money.Percent(part, tier.Ratio)})
	}
	return out
}

// Tiered is what the tiers of t pay on a cumulative amount, exact (not
// rounded).
func Tiered(t *policy.LineTerms, amount decimal.Decimal) decimal.Decimal {
	total := decimal.Zero
	for _, p := range tierParts(t, amount) {
		total = total.Add(p.pay)
	}
	return total
}

// Marginal is what one claim of amount pays on a household line when the
// household's earlier claims of the cover year add up to before and have
// used that much of the cap: tiered(before + amount) − tiered(before),
// capped by the cap's remainder (never below zero), rounded half-up to the
// cent.
func Marginal(t *policy.LineTerms, before, amount, used decimal.Decimal) decimal.Decimal {
	after := before.Add(amount)
	left := money.Max(t.Limit.Sub(used), decimal.Zero)
	return money.Round(money.Min(Tiered(t, after).Sub(Tiered(t, before)), left))
}

// AdjustMarginal computes the payable of a claim on a household line: the
// assessment gives the claim's amount (a settlement's out-of-pocket, a net
// disaster loss, net education costs), before is what the household's
// earlier approved claims of the line added up to in the cover year and
// remaining what the cap has left. The breakdown shows the cumulative
// amount before and after the claim, the tiers, the cap and the payable.
func AdjustMarginal(t *policy.LineTerms, remaining, before decimal.Decimal, a Assessment) (Result, error) {
	if err := Offered(t, a.Line()); err != nil {
		return Result{}, err
	}
	if !t.Line.Accrues() || len(t.Tiers) == 0 {
		return Result{}, znb.Errorf(znb.Invalid, "line_not_cumulative", "%s不按年累计赔付", t.Line.Name())
	}
	if before.IsNegative() {
		return Result{}, znb.Errorf(znb.Invalid, "negative_amount", "本年度此前累计金额不能为负数：%s", before)
	}
	b := &breakdown{}
	if err := a.adjust(t, b); err != nil {
		return Result{}, err
	}
	after := before.Add(b.amount)
	b.note(StepCumulativeBefore, "本保险年度此前已核赔累计", before)
	b.note(StepCumulativeAfter, "加本次后累计", after)
	b.note("trigger_line", "赔付启动线 "+money.String(t.TriggerLine)+"，累计金额在此以下部分不赔", t.TriggerLine)
	for _, p := range tierParts(t, after) {
		b.note("tier", "累计 "+p.band+" 部分 "+money.String(p.part)+" × "+pct(p.tier.Ratio), p.pay)
	}
	ta, tb := Tiered(t, after), Tiered(t, before)
	b.note("tiered_after", "按本次后累计计算的阶梯赔款", ta)
	b.note("tiered_before", "按此前累计计算的阶梯赔款", tb)
	b.set("marginal", "本次赔款 = 本次后阶梯赔款 − 此前阶梯赔款", ta.Sub(tb))
	remaining = money.Max(remaining, decimal.Zero)
	b.set("cap_remaining_limit", "以每户每年封顶 "+money.String(t.Limit)+" 的剩余额度 "+money.String(remaining)+" 为限", money.Min(b.amount, remaining))
	payable := money.Round(b.amount)
	b.set("payable", "赔付金额（四舍五入到分）", payable)
	return Result{Line: t.Line, Payable: payable, Remaining: remaining.Sub(payable), Breakdown: b.steps}, nil
}

// Breakdown steps of a household-line claim that approval reads back: the
// cumulative amount the payable was computed on, before and after the claim.
const (
	StepCumulativeBefore = "cumulative_before"
	StepCumulativeAfter  = "cumulative_after"
)

// Accrual returns, for an assessed claim of a household line, the
// cumulative amounts its payable was computed on: before it and after it.
// ok is false when the claim has no such assessment.
func (c *Claim) Accrual() (before, after decimal.Decimal, ok bool) {
	var hasBefore, hasAfter bool
	for _, s := range c.Breakdown {
		switch s.Code {
		case StepCumulativeBefore:
			before, hasBefore = s.Amount, true
		case StepCumulativeAfter:
			after, hasAfter = s.Amount, true
		}
	}
	return before, after, c.Assessed && hasBefore && hasAfter
}

// checkAccrual refuses the approval of a household-line claim whose
// assessment was computed on another cumulative amount than the household's
// approved claims now add up to (another claim of the year was approved in
// between): its marginal payable is no longer right, and the claim goes back
// for re-assessment.
func (c *Claim) checkAccrual() error {
	if !c.Line.Accrues() {
		return nil
	}
	before, _, ok := c.Accrual()
	if !ok || !before.Equal(c.Accumulated) {
		return znb.Errorf(znb.Conflict, "cumulative_changed",
			"理算时本年度累计金额为 %s，现为 %s（期间有其他案件核赔），请重新理算", money.String(before), money.String(c.Accumulated))
	}
	return nil
}

// Settlement is one medical settlement of a member: the total bill and what
// basic medical insurance, critical illness insurance and medical
// assistance paid of it, and the items outside the reimbursable list.
type Settlement struct {
	No                    string
	Total                 decimal.Decimal
	BasicInsurancePaid    decimal.Decimal
	CriticalIllnessPaid   decimal.Decimal
	MedicalAssistancePaid decimal.Decimal
	NonReimbursable       decimal.Decimal
}

// OutOfPocket is what the household bore of the settlement: the total less
// what the three schemes paid and the items outside the list, never below
// zero.
func (s Settlement) OutOfPocket() decimal.Decimal {
	if d := money.Diff(s.Total, s.BasicInsurancePaid, s.CriticalIllnessPaid, s.MedicalAssistancePaid, s.NonReimbursable); d.Sign() > 0 {
		return d
	}
	return decimal.Zero
}

// check refuses negative figures.
func (s Settlement) check() error {
	return checkAmounts(
		amountField{"总费用", s.Total},
		amountField{"基本医保支付", s.BasicInsurancePaid},
		amountField{"大病保险支付", s.CriticalIllnessPaid},
		amountField{"医疗救助支付", s.MedicalAssistancePaid},
		amountField{"目录外费用", s.NonReimbursable},
	)
}

// IllnessAssessment is the medical settlements of a household's members that
// an illness claim carries.
type IllnessAssessment struct {
	Settlements []Settlement
}

// Line is illness.
func (IllnessAssessment) Line() znb.Line { return znb.Illness }

// ForLine returns the assessment itself; Adjust refuses it for another line.
func (a IllnessAssessment) ForLine(znb.Line) (Assessment, error) { return a, nil }

// adjust adds the out-of-pocket of each settlement.
func (a IllnessAssessment) adjust(_ *policy.LineTerms, b *breakdown) error {
	if len(a.Settlements) == 0 {
		return znb.Errorf(znb.Invalid, "settlements_required", "因病理算须至少有一张医保结算单")
	}
	total := decimal.Zero
	for _, s := range a.Settlements {
		if err := s.check(); err != nil {
			return err
		}
		oop := s.OutOfPocket()
		label := "结算单"
		if s.No != "" {
			label += " " + s.No
		}
		b.note("settlement", label+"：总费用 "+money.String(s.Total)+"，个人自付", oop)
		total = total.Add(oop)
	}
	b.set("out_of_pocket", "本次个人自付医疗费用合计", total)
	return nil
}

// DisasterAssessment is a household's direct loss from a disaster and what
// any insurance (this platform's property and agriculture lines included)
// paid for it.
type DisasterAssessment struct {
	Loss          decimal.Decimal
	InsurancePaid decimal.Decimal
}

// Line is disaster.
func (DisasterAssessment) Line() znb.Line { return znb.Disaster }

// ForLine returns the assessment itself; Adjust refuses it for another line.
func (a DisasterAssessment) ForLine(znb.Line) (Assessment, error) { return a, nil }

func (a DisasterAssessment) adjust(_ *policy.LineTerms, b *breakdown) error {
	if err := checkAmounts(amountField{"直接损失", a.Loss}, amountField{"保险已赔付金额", a.InsurancePaid}); err != nil {
		return err
	}
	b.set("disaster_loss", "灾害直接损失", a.Loss)
	b.less("less_insurance_paid", "减各类保险已赔付", a.InsurancePaid)
	return nil
}

// EducationAssessment is the costs of members in non-compulsory schooling
// and the grants they received.
type EducationAssessment struct {
	Costs  decimal.Decimal
	Grants decimal.Decimal
}

// Line is education.
func (EducationAssessment) Line() znb.Line { return znb.Education }

// ForLine returns the assessment itself; Adjust refuses it for another line.
func (a EducationAssessment) ForLine(znb.Line) (Assessment, error) { return a, nil }

func (a EducationAssessment) adjust(_ *policy.LineTerms, b *breakdown) error {
	if err := checkAmounts(amountField{"教育支出", a.Costs}, amountField{"资助金额", a.Grants}); err != nil {
		return err
	}
	b.set("education_cost", "非义务教育阶段教育支出", a.Costs)
	b.less("less_grants", "减各类资助", a.Grants)
	return nil
}

// MarshalJSON writes the assessment as encoding/json would, without its
// reflection: a county's feed proposes tens of thousands of illness claims,
// each listing every settlement of its household.
func (a IllnessAssessment) MarshalJSON() ([]byte, error) {
	if a.Settlements == nil {
		return []byte(`{"Settlements":null}`), nil
	}
	b := make([]byte, 0, 32+160*len(a.Settlements))
	b = append(b, `{"Settlements":[`...)
	for i, s := range a.Settlements {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"No":`...)
		if plainJSON(s.No) {
			b = append(append(append(b, '"'), s.No...), '"')
		} else {
			no, err := json.Marshal(s.No)
			if err != nil {
				return nil, err
			}
			b = append(b, no...)
		}
		b = append(b, `,"Total":"`...)
		b = append(append(b, s.Total.String()...), `","BasicInsurancePaid":"`...)
		b = append(append(b, s.BasicInsurancePaid.String()...), `","CriticalIllnessPaid":"`...)
		b = append(append(b, s.CriticalIllnessPaid.String()...), `","MedicalAssistancePaid":"`...)
		b = append(append(b, s.MedicalAssistancePaid.String()...), `","NonReimbursable":"`...)
		b = append(append(b, s.NonReimbursable.String()...), `"}`...)
	}
	return append(b, "]}"...), nil
}

// plainJSON reports whether encoding/json writes s between quotes as it is.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
