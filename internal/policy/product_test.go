package policy

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func readProduct(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../configs/products/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustProduct(t *testing.T, name string) *Product {
	t.Helper()
	p, err := ParseProduct(readProduct(t, name))
	if err != nil {
		t.Fatalf("ParseProduct(%s): %v", name, err)
	}
	return p
}

func amt(s string) decimal.Decimal { return money.MustParse(s) }

func eq(a, b decimal.Decimal) bool { return a.Equal(b) }

// TestStandardProduct checks the shipped file against the scheme's figures.
func TestStandardProduct(t *testing.T) {
	p := mustProduct(t, "znb-standard")
	if p.Code != "znb-standard" || p.Version != 1 || !eq(p.PremiumPerPerson, amt("60")) {
		t.Errorf("header = %s v%d %s", p.Code, p.Version, p.PremiumPerPerson)
	}
	want := []struct {
		line       znb.Line
		limit      string
		per        Per
		deductible string
		ratio      string
		causes     []string
		days       int
	}{
		{znb.Agriculture, "10000", PerHousehold, "200", "100", []string{"火灾", "爆炸", "疾病", "疫病", "自然灾害"}, 3},
		{znb.Accident, "30000", PerPerson, "0", "100", []string{"意外伤害"}, 10},
		{znb.Hospitalization, "10000", PerPerson, "100", "90", []string{"意外伤害"}, 10},
		{znb.Property, "20000", PerHousehold, "200", "100", []string{"火灾", "爆炸", "地震", "自然灾害"}, 3},
	}
	if len(p.Lines) != len(want) {
		t.Fatalf("lines = %d, want %d", len(p.Lines), len(want))
	}
	for i, w := range want {
		l := p.Lines[i]
		if l.Line != w.line || !eq(l.Limit, amt(w.limit)) || l.LimitPer != w.per || !eq(l.Deductible, amt(w.deductible)) ||
			!eq(l.Ratio, amt(w.ratio)) || !reflect.DeepEqual(l.Causes, w.causes) || l.ReportWithinDays != w.days {
			t.Errorf("%s = limit %s/%s deductible %s ratio %s causes %v days %d; want %+v",
				l.Line, l.Limit, l.LimitPer, l.Deductible, l.Ratio, l.Causes, l.ReportWithinDays, w)
		}
		if l.Covers == "" || len(l.Documents) < 4 || !contains(l.Documents, "报案登记表") {
			t.Errorf("%s: covers %q, documents %v", l.Line, l.Covers, l.Documents)
		}
		if len(l.Tiers) != 0 {
			t.Errorf("%s: unexpected tiers %v", l.Line, l.Tiers)
		}
	}
	acc := p.Line(znb.Accident)
	for g := 1; g <= 10; g++ {
		if w := decimal.NewFromInt(int64(110 - 10*g)); !eq(acc.DisabilityPct[g], w) {
			t.Errorf("disability grade %d = %s%%, want %s%%", g, acc.DisabilityPct[g], w)
		}
	}
	burns := []BurnRule{
		{HeadNeck, amt("8"), 2}, {HeadNeck, amt("5"), 5}, {HeadNeck, amt("2"), 8},
		{TrunkLimbs, amt("60"), 1}, {TrunkLimbs, amt("40"), 3}, {TrunkLimbs, amt("20"), 5}, {TrunkLimbs, amt("10"), 7},
	}
	if len(acc.BurnTable) != len(burns) {
		t.Fatalf("burn table = %v", acc.BurnTable)
	}
	for i, b := range burns {
		g := acc.BurnTable[i]
		if g.Site != b.Site || !eq(g.MinPct, b.MinPct) || g.Grade != b.Grade {
			t.Errorf("burn rule %d = %+v, want %+v", i, g, b)
		}
	}
	sub := p.Line(znb.Property).SubLimits
	for k, v := range map[string]string{Structure: "15000", Decoration: "3000", Appliances: "2000"} {
		if !eq(sub[k], amt(v)) {
			t.Errorf("property sub-limit %s = %s, want %s", k, sub[k], v)
		}
	}
	standard := Split{amt("50"), amt("20"), amt("15"), amt("15"), amt("0")}
	marginal := Split{amt("0"), amt("30"), amt("20"), amt("20"), amt("30")}
	for _, c := range znb.Categories {
		s, ok := p.DefaultSplit[c]
		switch {
		case !c.CoveredByDefault():
			if ok {
				t.Errorf("default split covers %s", c)
			}
		case c == znb.Marginal:
			if !splitEqual(s, marginal) {
				t.Errorf("split %s = %v, want %v", c, s, marginal)
			}
		default:
			if !splitEqual(s, standard) {
				t.Errorf("split %s = %v, want %v", c, s, standard)
			}
		}
	}
}

func splitEqual(a, b Split) bool {
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// TestTieredProduct checks that fpb-tiered differs from the standard product
// only in hospitalization, as the scheme says.
func TestTieredProduct(t *testing.T) {
	std, fpb := mustProduct(t, "znb-standard"), mustProduct(t, "fpb-tiered")
	if fpb.Code != "fpb-tiered" {
		t.Errorf("code = %s", fpb.Code)
	}
	for _, l := range []znb.Line{znb.Agriculture, znb.Accident, znb.Property} {
		if !reflect.DeepEqual(std.Line(l), fpb.Line(l)) {
			t.Errorf("%s differs between the products", l)
		}
	}
	if !reflect.DeepEqual(std.DefaultSplit, fpb.DefaultSplit) || !std.PremiumPerPerson.Equal(fpb.PremiumPerPerson) {
		t.Errorf("premium or split differ")
	}
	h := fpb.Line(znb.Hospitalization)
	if !eq(h.TriggerLine, amt("5000")) || !eq(h.Limit, amt("50000")) || h.LimitPer != PerPerson || !h.Deductible.IsZero() {
		t.Errorf("hospitalization = trigger %s limit %s/%s deductible %s", h.TriggerLine, h.Limit, h.LimitPer, h.Deductible)
	}
	want := []Tier{{amt("5000"), amt("10000"), amt("50")}, {amt("10000"), amt("30000"), amt("60")}, {amt("30000"), decimal.Zero, amt("70")}}
	if len(h.Tiers) != len(want) {
		t.Fatalf("tiers = %v", h.Tiers)
	}
	for i, w := range want {
		g := h.Tiers[i]
		if !eq(g.From, w.From) || !eq(g.To, w.To) || !eq(g.Ratio, w.Ratio) {
			t.Errorf("tier %d = %v, want %v", i+1, g, w)
		}
	}
}

// TestParseProductInvalid breaks the shipped fpb-tiered file one way per
// row and expects product_invalid naming the field at fault.
func TestParseProductInvalid(t *testing.T) {
	base := string(readProduct(t, "fpb-tiered"))
	tests := []struct {
		name      string
		old, new  string
		field     string
		inMessage string
	}{
		{"tier gap", `{from: "10000.00", to: "30000.00"`, `{from: "12000.00", to: "30000.00"`, "lines.hospitalization.tiers[2].from", "空档"},
		{"tier overlap", `{from: "10000.00", to: "30000.00"`, `{from: "9000.00", to: "30000.00"`, "lines.hospitalization.tiers[2].from", "重叠"},
		{"tiers not at trigger line", `trigger_line: "5000.00"`, `trigger_line: "4000.00"`, "lines.hospitalization.tiers[1].from", "赔付启动线"},
		{"open tier not last", `to: "30000.00", `, ``, "lines.hospitalization.tiers[2].to", "最后一档"},
		{"tier ratio over 100", `ratio: "70"}`, `ratio: "170"}`, "lines.hospitalization.tiers[3].ratio", "0% 到 100%"},
		{"ratio over 100", `deductible: "200.00"
    report_within_days: 3
    documents:
      - 报案登记表
      - 户主身份证复印件
      - 查勘照片`, `deductible: "200.00"
    ratio: "101%"
    report_within_days: 3
    documents:
      - 报案登记表
      - 户主身份证复印件
      - 查勘照片`, "lines.property.ratio", "0% 到 100%"},
		{"zero ratio", `report_within_days: 3
    documents:
      - 报案登记表
      - 户主身份证复印件
      - 损失清单`, `ratio: "0"
    report_within_days: 3
    documents:
      - 报案登记表
      - 户主身份证复印件
      - 损失清单`, "lines.agriculture.ratio", "不能为 0"},
		{"negative ratio", `1: "100"`, `1: "-5"`, "lines.accident.disability_pct.1", "0% 到 100%"},
		{"unknown line", "\n  property:\n", "\n  livestock:\n", "lines.livestock", "未知的险种"},
		{"unknown cause", `causes: [火灾, 爆炸, 地震, 自然灾害]`, `causes: [火灾, 爆炸, 地震, 疫病]`, "lines.property.causes", "疫病"},
		{"negative deductible", `deductible: "200.00"`, `deductible: "-200.00"`, "lines.agriculture.deductible", "负数"},
		{"negative sub-limit", `decoration: "3000.00"`, `decoration: "-3000.00"`, "lines.property.sub_limits.decoration", "负数"},
		{"missing limit", `limit: "30000.00"`, ``, "lines.accident.limit", "未填写限额"},
		{"missing sub-limit", `appliances: "2000.00"`, ``, "lines.property.sub_limits.appliances", "appliances"},
		{"disability grade missing", `10: "10"`, ``, "lines.accident.disability_pct.10", "第 10 级"},
		{"disability grade 11", `10: "10"`, "10: \"10\"\n      11: \"5\"", "lines.accident.disability_pct.11", "1 至 10"},
		{"burn site unknown", `{site: head_neck, min_pct: "8"`, `{site: face, min_pct: "8"`, "lines.accident.burn_table[1].site", "face"},
		{"burn grade out of range", `min_pct: "60", grade: 1}`, `min_pct: "60", grade: 0}`, "lines.accident.burn_table[4].grade", "1 至 10"},
		{"split not 100", `lifted:          {central: "50", provincial: "20", municipal: "15", county: "15"`, `lifted:          {central: "50", provincial: "20", municipal: "15", county: "10"`, "default_split.lifted", "合计为 95%"},
		{"split unknown source", `self: "30"}`, `personal: "30"}`, "default_split.marginal.personal", "资金来源"},
		{"split unknown category", `returned:        {`, `returnee:        {`, "default_split.returnee", "户类型"},
		{"bad amount", `limit: "20000.00"`, `limit: "2万"`, "lines.property.limit", "不是有效金额"},
		{"no report deadline", `report_within_days: 3`, `report_within_days: 0`, "lines.agriculture.report_within_days", "报案时限"},
		{"deductible with tiers", `trigger_line: "5000.00"`, "trigger_line: \"5000.00\"\n    deductible: \"100\"", "lines.hospitalization.deductible", "阶梯"},
		{"tiers on another line", `    sub_limits:`, "    trigger_line: \"100\"\n    tiers: [{from: \"100\", ratio: \"50\"}]\n    sub_limits:", "lines.property.tiers", "只有意外住院医疗保险"},
		{"no premium", `premium_per_person: "60.00"`, ``, "premium_per_person", "保费"},
	}
	for _, tt := range tests {
		if !strings.Contains(base, tt.old) {
			t.Fatalf("%s: fixture text %q not in fpb-tiered.yaml", tt.name, tt.old)
		}
		_, err := ParseProduct([]byte(strings.Replace(base, tt.old, tt.new, 1)))
		e, ok := err.(*znb.Error)
		if !ok || e.Code != "product_invalid" {
			t.Errorf("%s: err = %v, want product_invalid", tt.name, err)
			continue
		}
		found := false
		for _, p := range e.Details.([]Problem) {
			found = found || (p.Field == tt.field && strings.Contains(p.Message, tt.inMessage))
		}
		if !found {
			t.Errorf("%s: problems %v, want field %s with %q", tt.name, e.Details, tt.field, tt.inMessage)
		}
		if !strings.Contains(e.Message, tt.field) {
			t.Errorf("%s: message %q does not name %s", tt.name, e.Message, tt.field)
		}
	}
}

func TestParseProductSyntax(t *testing.T) {
	base := string(readProduct(t, "znb-standard"))
	for name, data := range map[string]string{
		"misspelt key": strings.Replace(base, "deductible: \"200.00\"", "deductable: \"200.00\"", 1),
		"not yaml":     "code: [",
		"empty":        "",
	} {
		_, err := ParseProduct([]byte(data))
		if znb.CodeOf(err) != "product_invalid" {
			t.Errorf("%s: err = %v, want product_invalid", name, err)
		}
	}
}
