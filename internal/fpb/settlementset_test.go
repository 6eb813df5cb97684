package fpb

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestSettlementLines(t *testing.T) {
	d := decimal.RequireFromString
	rows := []SettlementRow{
		{IDNumber: "522625199001010011", Name: "王小二", Provider: "县人民医院", AdmittedOn: znb.MustDate("2024-03-01"),
			DischargedOn: znb.MustDate("2024-03-09"), SettledOn: znb.MustDate("2024-03-09"),
			Settlement: claim.Settlement{No: "JS0001", Total: d("12000.5"), BasicInsurancePaid: d("6000"), CriticalIllnessPaid: d("0.01"),
				MedicalAssistancePaid: d("0"), NonReimbursable: d("300.00")}},
		{IDNumber: "52262519900101002X", Name: `杨 "阿妹"`, Provider: "镇卫生院,门诊\n二楼", SettledOn: znb.MustDate("2024-04-02"),
			Settlement: claim.Settlement{No: `JS,"2"`, Total: d("80")}},
		{IDNumber: "522625199001010011", Name: "王小二", SettledOn: znb.MustDate("2024-04-03"),
			Settlement: claim.Settlement{No: "JS0003", Total: d("1.5"), NonReimbursable: d("1.5")}},
	}
	var b []byte
	for _, r := range rows {
		b = AppendSettlement(b, r)
	}
	got, err := ParseSettlements(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d settlements, want %d:\n%s", len(got), len(rows), b)
	}
	for i, w := range rows {
		g := got[i]
		if g.Row != i+1 || g.No != w.No || g.IDNumber != w.IDNumber || g.Name != w.Name || g.Provider != w.Provider ||
			g.AdmittedOn != w.AdmittedOn || g.DischargedOn != w.DischargedOn || g.SettledOn != w.SettledOn {
			t.Errorf("settlement %d: got %+v, want %+v", i, g, w)
		}
		for _, p := range [][2]decimal.Decimal{{g.Total, w.Total}, {g.BasicInsurancePaid, w.BasicInsurancePaid},
			{g.CriticalIllnessPaid, w.CriticalIllnessPaid}, {g.MedicalAssistancePaid, w.MedicalAssistancePaid},
			{g.NonReimbursable, w.NonReimbursable}} {
			if !p[0].Equal(p[1]) {
				t.Errorf("settlement %d: amount %s, want %s", i, p[0], p[1])
			}
		}
	}
	// Appended after other settlements, into a slice reused, the lines
	// read the same, numbered from 1 again.
	scratch := append(make([]SettlementRow, 0, 8), got[2], got[0])
	again, err := AppendSettlements(scratch[:1], string(b))
	if err != nil || len(again) != 1+len(rows) || again[0].No != "JS0003" {
		t.Fatalf("appended: %d rows (%v)", len(again), err)
	}
	for i := range rows {
		if g, w := again[1+i], got[i]; g.Row != w.Row || g.No != w.No || g.Provider != w.Provider || !g.Total.Equal(w.Total) {
			t.Errorf("appended settlement %d: got %+v, want %+v", i, g, w)
		}
	}
	if got, err := ParseSettlements(""); err != nil || len(got) != 0 {
		t.Errorf("no lines: %v, %v", got, err)
	}
	for _, bad := range []string{"JS1,1,2\n", "JS1,522625199001010011,王,,,,2024-13-01,1.00,0,0,0,0\n",
		"JS1,522625199001010011,王,,,,2024-01-01,abc,0,0,0,0\n",
		"JS1,522625199001010011,王,,,,2024-01-01,1.00,0,0,0,0,9\n"} {
		if _, err := ParseSettlements(bad); err == nil {
			t.Errorf("%q read without an error", bad)
		}
	}
}
