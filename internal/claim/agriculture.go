package claim

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Kinds of agricultural items.
const (
	ItemLivestock = "livestock"
	ItemCrop      = "crop"
	ItemTree      = "tree"
	ItemStructure = "structure"
)

var itemKindNames = map[string]string{ItemLivestock: "牲畜", ItemCrop: "农作物", ItemTree: "林木", ItemStructure: "农业设施"}

// AgricultureAssessment is the assessed loss of an agriculture claim, item by
// item: each item's actual loss and what the government's policy agricultural
// insurance already paid for it.
type AgricultureAssessment struct {
	Items []AgricultureItem
}

// AgricultureItem is one assessed item, e.g. three breeding sows (能繁母猪).
type AgricultureItem struct {
	Kind                string
	Subject             string
	Quantity            decimal.Decimal
	AssessedLoss        decimal.Decimal
	PolicyInsurancePaid decimal.Decimal
}

// Line is agriculture.
func (AgricultureAssessment) Line() znb.Line { return znb.Agriculture }

// adjust pays each item's loss above the policy insurance payout (篇七: the
// scheme tops up the cost-based policy cover), sums the items and takes the
// per-claim deductible off.
func (a AgricultureAssessment) adjust(t *policy.LineTerms, b *breakdown) error {
	if len(a.Items) == 0 {
		return znb.Errorf(znb.Invalid, "items_required", "农业生产保险须至少填写一项定损标的")
	}
	loss, counted := decimal.Zero, decimal.Zero
	for i, it := range a.Items {
		kind, ok := itemKindNames[it.Kind]
		if !ok {
			return znb.Errorf(znb.Invalid, "invalid_item_kind", "第 %d 项标的类别无效：%q", i+1, it.Kind)
		}
		if err := checkAmounts(
			amountField{"数量", it.Quantity},
			amountField{"定损金额", it.AssessedLoss},
			amountField{"政策性农业保险已赔金额", it.PolicyInsurancePaid},
		); err != nil {
			return err
		}
		net := money.Max(it.AssessedLoss.Sub(it.PolicyInsurancePaid), decimal.Zero)
		b.note("item", kind+" "+it.Subject+" × "+it.Quantity.String()+"：定损 "+money.String(it.AssessedLoss)+
			"，政策性农业保险已赔 "+money.String(it.PolicyInsurancePaid), net)
		loss = loss.Add(it.AssessedLoss)
		counted = counted.Add(net)
	}
	b.set("loss_total", "定损合计", loss)
	b.set("less_policy_insurance", "减政策性农业保险已赔（每项以其定损为限） "+money.String(loss.Sub(counted)), counted)
	b.lessDeductible(t)
	return nil
}
