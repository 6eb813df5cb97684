package claim

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// PropertyAssessment is the assessed loss of a household's property by
// category.
type PropertyAssessment struct {
	StructureLoss  decimal.Decimal
	DecorationLoss decimal.Decimal
	ApplianceLoss  decimal.Decimal
}

// Line is property.
func (PropertyAssessment) Line() znb.Line { return znb.Property }

// adjust caps each category by its sub-limit (a category without one is
// capped only by the line's limit), sums them and takes the deductible off.
func (a PropertyAssessment) adjust(t *policy.LineTerms, b *breakdown) error {
	parts := []struct {
		key, name string
		loss      decimal.Decimal
	}{
		{policy.Structure, "房屋主体及附属设施", a.StructureLoss},
		{policy.Decoration, "室内装潢", a.DecorationLoss},
		{policy.Appliances, "家用电器", a.ApplianceLoss},
	}
	for _, p := range parts {
		if err := checkAmounts(amountField{p.name + "损失", p.loss}); err != nil {
			return err
		}
	}
	total := decimal.Zero
	for _, p := range parts {
		counted, label := p.loss, p.name+"损失 "+money.String(p.loss)
		if limit, ok := t.SubLimits[p.key]; ok {
			counted = money.Min(p.loss, limit)
			label += "，分项限额 " + money.String(limit)
		}
		b.note(p.key, label, counted)
		total = total.Add(counted)
	}
	b.set("loss_total", "核定损失合计", total)
	b.lessDeductible(t)
	return nil
}
