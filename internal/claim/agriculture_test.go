package claim

import (
	"reflect"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func item(kind, loss, paid string) AgricultureItem {
	return AgricultureItem{Kind: kind, Subject: "能繁母猪", Quantity: dec("3"), AssessedLoss: dec(loss), PolicyInsurancePaid: dec(paid)}
}

func agri(items ...AgricultureItem) AgricultureAssessment { return AgricultureAssessment{Items: items} }

func TestAgriculturePayable(t *testing.T) {
	std := terms(standard(), znb.Agriculture) // limit 10000 per household, deductible 200
	runPayCases(t, []payCase{
		// 4500 − 1500 = 3000; − 200 = 2800; 10000 − 2800 = 7200 left.
		{"one item", std, "10000", agri(item(ItemLivestock, "4500.00", "1500.00")), "2800.00", "7200.00"},
		// policy paid 1500 > loss 1000 counts 0; 2000 − 0 = 2000; 2000 − 200 = 1800.
		{"policy insurance above loss", std, "10000", agri(item(ItemCrop, "1000.00", "1500.00"), item(ItemCrop, "2000.00", "0")), "1800.00", "8200.00"},
		// only item is paid in full by policy insurance: 0 − 200 → 0.
		{"policy insurance covers all", std, "10000", agri(item(ItemTree, "800.00", "800.00")), "0.00", "10000.00"},
		// 150 − 200 → never below 0.
		{"deductible above loss", std, "10000", agri(item(ItemLivestock, "150.00", "0")), "0.00", "10000.00"},
		// 200 − 200 = 0.
		{"deductible equals loss", std, "10000", agri(item(ItemLivestock, "200.00", "0")), "0.00", "10000.00"},
		// 12000 − 1000 = 11000; − 200 = 10800; capped by 10000.
		{"cap reached", std, "10000", agri(item(ItemLivestock, "12000.00", "1000.00")), "10000.00", "0.00"},
		// an earlier claim paid 7500: 2500 left; 5000 − 200 = 4800 capped by 2500.
		{"second claim uses the remainder", std, "2500.00", agri(item(ItemCrop, "5000.00", "0")), "2500.00", "0.00"},
		// second claim that fits: 1200 − 200 = 1000 ≤ 2500; 2500 − 1000 = 1500.
		{"second claim fits", std, "2500.00", agri(item(ItemCrop, "1200.00", "0")), "1000.00", "1500.00"},
		// limit used up.
		{"nothing left", std, "0", agri(item(ItemCrop, "5000.00", "0")), "0.00", "0.00"},
		// a negative remainder counts as nothing left.
		{"negative remaining", std, "-10", agri(item(ItemCrop, "5000.00", "0")), "0.00", "0.00"},
		// 3000 + (2000.50 − 500.25 = 1500.25) + 800 + max(0, 3000 − 3500) = 5300.25; − 200 = 5100.25.
		{"four kinds", std, "10000", agri(
			item(ItemLivestock, "4500.00", "1500.00"),
			item(ItemCrop, "2000.50", "500.25"),
			item(ItemTree, "800.00", "0"),
			item(ItemStructure, "3000.00", "3500.00"),
		), "5100.25", "4899.75"},
		// 1000.005 − 200 = 800.005, rounded half-up only at the end → 800.01.
		{"half-up at the end", std, "10000", agri(item(ItemCrop, "1000.005", "0")), "800.01", "9199.99"},
		// 0.004 + 0.004 = 0.008; − 200 → 0.
		{"tiny items", std, "10000", agri(item(ItemCrop, "0.004", "0"), item(ItemCrop, "0.004", "0")), "0.00", "10000.00"},
	})
}

func TestAgricultureBreakdown(t *testing.T) {
	r, err := Adjust(terms(standard(), znb.Agriculture), dec("10000"), agri(
		item(ItemLivestock, "4500.00", "1500.00"),
		item(ItemCrop, "1000.00", "1500.00"),
	))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"item", "item", "loss_total", "less_policy_insurance", "less_deductible", "cap_remaining_limit", "payable"}
	if got := codes(r.Breakdown); !reflect.DeepEqual(got, want) {
		t.Fatalf("steps = %v, want %v", got, want)
	}
	// items: 3000 and 0; loss total 5500; after policy insurance 3000; after
	// deductible 2800; cap 10000 leaves 2800; payable 2800.
	amounts := []string{"3000", "0", "5500", "3000", "2800", "2800", "2800"}
	for i, s := range r.Breakdown {
		if !s.Amount.Equal(dec(amounts[i])) {
			t.Errorf("step %d %s = %s, want %s", i, s.Code, s.Amount, amounts[i])
		}
	}
}

func TestAgricultureInvalid(t *testing.T) {
	std := terms(standard(), znb.Agriculture)
	bad := item(ItemCrop, "100", "0")
	bad.Quantity = dec("-1")
	runErrCases(t, []errCase{
		{"no items", std, agri(), "items_required"},
		{"unknown kind", std, agri(item("fish", "100", "0")), "invalid_item_kind"},
		{"negative loss", std, agri(item(ItemCrop, "-100", "0")), "negative_amount"},
		{"negative policy paid", std, agri(item(ItemCrop, "100", "-1")), "negative_amount"},
		{"negative quantity", std, agri(bad), "negative_amount"},
		{"terms of another line", terms(standard(), znb.Property), agri(item(ItemCrop, "100", "0")), "line_not_offered"},
		{"line not offered", nil, agri(item(ItemCrop, "100", "0")), "line_not_offered"},
	})
}
