package claim

import (
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func losses(structure, decoration, appliances string) PropertyAssessment {
	return PropertyAssessment{StructureLoss: dec(structure), DecorationLoss: dec(decoration), ApplianceLoss: dec(appliances)}
}

func TestPropertyPayable(t *testing.T) {
	std := terms(standard(), znb.Property) // limit 20000; sub-limits 15000 / 3000 / 2000; deductible 200
	noSub := *std
	noSub.SubLimits = nil

	runPayCases(t, []payCase{
		// 10000 − 200 = 9800.
		{"structure", std, "20000", losses("10000.00", "0", "0"), "9800.00", "10200.00"},
		// 16000 → 15000, 3500 → 3000, 2500 → 2000: 20000 − 200 = 19800.
		{"every sub-limit reached", std, "20000", losses("16000.00", "3500.00", "2500.00"), "19800.00", "200.00"},
		// decoration exactly at its sub-limit: 3000 − 200 = 2800.
		{"at the sub-limit", std, "20000", losses("0", "3000.00", "0"), "2800.00", "17200.00"},
		// 150 − 200 → 0.
		{"deductible above loss", std, "20000", losses("0", "0", "150.00"), "0.00", "20000.00"},
		{"no loss", std, "20000", losses("0", "0", "0"), "0.00", "20000.00"},
		// 1234.56 + 100.10 + 0 = 1334.66; − 200 = 1134.66.
		{"cents", std, "20000", losses("1234.56", "100.10", "0"), "1134.66", "18865.34"},
		// 15000 earlier: 5000 left; 8000 − 200 = 7800 → 5000.
		{"cap reached", std, "5000.00", losses("8000.00", "0", "0"), "5000.00", "0.00"},
		// 19800 earlier leaves 200: 1000 − 200 = 800 → 200.
		{"second claim uses the remainder", std, "200.00", losses("1000.00", "0", "0"), "200.00", "0.00"},
		{"nothing left", std, "0", losses("1000.00", "0", "0"), "0.00", "0.00"},
		// no sub-limits: 18000 − 200 = 17800.
		{"no sub-limits", &noSub, "20000", losses("18000.00", "0", "0"), "17800.00", "2200.00"},
		// appliances 2500 → 2000, structure 1000.005: 3000.005 − 200 = 2800.005 → half-up 2800.01.
		{"half-up at the end", std, "20000", losses("1000.005", "0", "2500.00"), "2800.01", "17199.99"},
	})
}

func TestPropertyInvalid(t *testing.T) {
	std := terms(standard(), znb.Property)
	runErrCases(t, []errCase{
		{"negative structure", std, losses("-1", "0", "0"), "negative_amount"},
		{"negative decoration", std, losses("0", "-1", "0"), "negative_amount"},
		{"negative appliances", std, losses("0", "0", "-1"), "negative_amount"},
		{"agriculture terms", terms(standard(), znb.Agriculture), losses("1", "0", "0"), "line_not_offered"},
	})
}
