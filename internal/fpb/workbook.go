package fpb

import (
	"sort"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/registry"
)

// WriteWarnings writes the monthly 预警排查结果 workbook of a region: a
// summary sheet with, for the region, each township (9-digit code) and each
// village (12-digit code), the number of warnings by rule and by status;
// then one row per warning with its household, figures and follow-up.
// month is "YYYY-MM"; ws are the warnings raised up to the month's end.
func WriteWarnings(w registry.Writer, region, month string, ws []Warning) error {
	header := []string{"层级", "区划代码", "村名", "预警总数"}
	for _, r := range Rules {
		header = append(header, r.Name())
	}
	for _, s := range Statuses {
		header = append(header, s.Name())
	}
	if err := w.Sheet("预警排查结果汇总 "+month, header); err != nil {
		return err
	}
	type tally struct {
		village string
		rules   map[Rule]int
		status  map[Status]int
		total   int
	}
	groups := map[string]*tally{}
	add := func(code, village string, x Warning) {
		t := groups[code]
		if t == nil {
			t = &tally{village: village, rules: map[Rule]int{}, status: map[Status]int{}}
			groups[code] = t
		}
		t.rules[x.Rule]++
		t.status[x.Status]++
		t.total++
	}
	for _, x := range ws {
		add(region, "", x)
		if len(x.RegionCode) >= 9 && len(region) < 9 {
			add(x.RegionCode[:9], "", x)
		}
		if len(region) < 12 {
			add(x.RegionCode, x.Village, x)
		}
	}
	if groups[region] == nil {
		groups[region] = &tally{rules: map[Rule]int{}, status: map[Status]int{}}
	}
	codes := make([]string, 0, len(groups))
	for c := range groups {
		codes = append(codes, c)
	}
	sort.Strings(codes) // a township sorts before its villages, the region first
	for _, c := range codes {
		t := groups[c]
		level := map[int]string{6: "县", 9: "乡镇", 12: "村"}[len(c)]
		if c == region {
			level = "合计"
		}
		row := []any{level, c, t.village, t.total}
		for _, r := range Rules {
			row = append(row, t.rules[r])
		}
		for _, s := range Statuses {
			row = append(row, t.status[s])
		}
		if err := w.Row(row...); err != nil {
			return err
		}
	}
	if err := w.Sheet("预警户明细", []string{"区划代码", "村名", "户编号", "户主", "预警规则", "年度", "预警日期", "数据", "状态"}); err != nil {
		return err
	}
	for _, x := range ws {
		if err := w.Row(x.RegionCode, x.Village, x.HouseholdNo, x.HeadName, x.Rule.Name(), x.Year, x.RaisedOn,
			figures(x.Figures), x.Status.Name()); err != nil {
			return err
		}
	}
	return w.Close()
}

// figureNames are the Chinese names of a warning's figures.
var figureNames = map[string]string{
	"out_of_pocket": "个人自付医疗费用", "threshold": "预警线", "losses": "损失合计", "claim_no": "案件号",
	"outcome": "事故结果", "age": "年龄", "incident_date": "出险日期", "income_per_capita": "人均纯收入",
	"monitoring_line": "监测线", "income_before": "原人均纯收入", "income_after": "现人均纯收入",
	"list_before": "原名单版本", "list_after": "新名单版本", "open_claims": "未结案件",
}

// figures writes a warning's figures as text, in a fixed order.
func figures(f map[string]string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := figureNames[k]
		if name == "" {
			name = k
		}
		parts[i] = name + "：" + f[k]
	}
	return strings.Join(parts, "；")
}

// FiguresText writes a warning's figures as one line of Chinese text.
func (w Warning) FiguresText() string { return figures(w.Figures) }
