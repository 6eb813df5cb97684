package card

import (
	"cmp"
	"fmt"
	"io"

	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Evaluation is the annual evaluation (年度运行情况评估) of an agreement as
// printed for the office: the figures of report.Annual, laid out in
// sections. It names no person.
type Evaluation struct {
	Title  string // e.g. "镇远县“助农保”年度运行情况评估"
	Annual *report.Annual
	Date   znb.Date // the day it is drawn up
}

// WriteEvaluation draws an evaluation on A4 pages: the agreement, coverage
// and premium, figures by region, claims by line, timeliness and open
// claims, the main causes of loss, and the reconciliation outcome.
func (r *Renderer) WriteEvaluation(w io.Writer, e Evaluation) error {
	a := e.Annual
	d := r.newDoc(e.Title)
	d.f.AddPage()
	y := d.title(margin, e.Title, 17) + 2
	t := &a.Total
	win := a.Window
	info := [][2]string{
		{"项目协议", a.AgreementNo},
		{"承保机构", a.Insurer},
		{"保险期间", a.Term.Start.String() + " 至 " + a.Term.End.String()},
		{"统计口径", fmt.Sprintf("参保与已赚保费计至 %s；理赔计至 %s", win.Cover.End, win.Claims.End)},
	}
	for _, kv := range info {
		d.f.Rect(margin, y, 30, 6.5, "D")
		d.f.Rect(margin+30, y, contentW-30, 6.5, "D")
		d.textIn(margin, y, 30, 6.5, kv[0], 10, center)
		d.textIn(margin+30, y, contentW-30, 6.5, kv[1], 10, left)
		y += 6.5
	}
	next := func() float64 { d.f.AddPage(); return margin }
	section := func(y float64, s string, need float64) float64 {
		if y+need > pageH-margin {
			y = next()
		}
		return d.heading(y, s)
	}

	y = section(y+4, "一、参保与保费（单位：元）", 40)
	rate := "—"
	if v, ok := a.Coverage.Rate(); ok {
		rate = v.StringFixed(2) + "%"
	}
	rows := [][]string{
		{"参保户数", fmt.Sprint(t.Households), "参保人数", fmt.Sprint(t.Persons)},
		{"名单应保人数", fmt.Sprint(a.Coverage.Eligible), "其中已参保", fmt.Sprintf("%d（参保率 %s）", a.Coverage.Insured, rate)},
		{"保费合计", yuan(t.Premium[0]), "已赚保费", yuan(t.Earned)},
	}
	for i := 0; i < len(znb.Sources); i += 2 {
		row := []string{znb.Sources[i].Name() + "补贴", yuan(t.Premium[i+1]), "", ""}
		if i+1 < len(znb.Sources) {
			row[2], row[3] = znb.Sources[i+1].Name()+"补贴", yuan(t.Premium[i+2])
		}
		rows = append(rows, row)
	}
	cols := []column{{"项目", 40, center}, {"数值", 53, right}, {"项目", 40, center}, {"数值", 53, right}}
	y = d.table(y, cols, rows, 10, 7, next) + 4

	y = section(y, "二、分区域情况（单位：元）", 30)
	rows = rows[:0]
	for _, row := range a.Rows {
		rows = append(rows, regionRow(&row))
	}
	rows = append(rows, regionRow(&report.Row{Level: "total", Figures: *t}))
	cols = []column{{"区域", 42, left}, {"户数", 12, right}, {"人数", 12, right}, {"保费", 20, right},
		{"已赚保费", 20, right}, {"报案", 12, right}, {"赔付件数", 14, right}, {"赔付金额", 20, right},
		{"赔付率", 18, right}, {"时效(天)", 16, right}}
	y = d.table(y, cols, rows, 8, 6.5, next) + 4

	y = section(y, "三、分险种理赔（单位：元）", 40)
	rows = rows[:0]
	for i, l := range a.Lines() {
		rows = append(rows, []string{l.Name(), fmt.Sprint(t.Reported[i].Count), yuan(t.Reported[i].Amount),
			fmt.Sprint(t.Paid[i].Count), yuan(t.Paid[i].Amount)})
	}
	rt, pt := t.ReportedTotal(), t.PaidTotal()
	rows = append(rows, []string{"合计", fmt.Sprint(rt.Count), yuan(rt.Amount), fmt.Sprint(pt.Count), yuan(pt.Amount)})
	cols = []column{{"险种", 46, center}, {"报案件数", 30, right}, {"核定赔款", 40, right}, {"赔付件数", 30, right}, {"已付赔款", 40, right}}
	y = d.table(y, cols, rows, 10, 7, next) + 2
	lr := "—（无已赚保费）"
	if v, ok := t.LossRatio(); ok {
		lr = v.StringFixed(2) + "%"
	}
	avg := "—（无已付案件）"
	if v, ok := t.AvgDaysToPay(); ok {
		avg = v.StringFixed(1) + " 天"
	}
	y = d.para(margin, y, contentW, "赔付率（已付赔款 ÷ 已赚保费）："+lr+"；报案至支付平均天数："+avg+"。", 10) + 3

	y = section(y, fmt.Sprintf("四、未结案件（截至 %s，按报案后天数）", win.AsOf), 25)
	rows = [][]string{{}}
	for i := range report.AgeBucketNames {
		rows[0] = append(rows[0], fmt.Sprint(t.Open[i]))
	}
	rows[0] = append(rows[0], fmt.Sprint(t.OpenTotal()))
	cols = cols[:0]
	for _, n := range report.AgeBucketNames {
		cols = append(cols, column{n, 31, center})
	}
	cols = append(cols, column{"合计", contentW - 4*31, center})
	y = d.table(y, cols, rows, 10, 7, next) + 4

	y = section(y, "五、主要出险原因", 25)
	rows = rows[:0]
	for i, c := range a.TopCauses(10) {
		rows = append(rows, []string{fmt.Sprint(i + 1), c.Cause, fmt.Sprint(c.Reported), fmt.Sprint(c.Paid.Count), yuan(c.Paid.Amount)})
	}
	if len(rows) == 0 {
		rows = append(rows, []string{"", "无报案", "", "", ""})
	}
	cols = []column{{"序号", 16, center}, {"出险原因", 60, center}, {"报案件数", 34, right}, {"赔付件数", 34, right}, {"已付赔款（元）", 42, right}}
	y = d.table(y, cols, rows, 10, 7, next) + 4

	y = section(y, "六、保费补贴对账结果（单位：元）", 25)
	if o := a.Reconciliation; o == nil {
		y = d.para(margin, y, contentW, "本协议尚无已确认或已结算的对账。", 10) + 2
	} else {
		status := map[string]string{"confirmed": "已确认", "settled": "已结算"}[o.Status]
		y = d.para(margin, y, contentW, fmt.Sprintf("对账编号 %d（%s，名单版本 %d）：申报保费 %s，核定 %s，核减 %s。",
			o.ID, status, o.ListID, yuan(o.Billed[0]), yuan(o.Allowed[0]), yuan(o.Disallowed[0])), 10) + 1
		rows = rows[:0]
		for _, f := range o.Findings {
			rows = append(rows, []string{f.Name, fmt.Sprint(f.Count), yuan(f.Disallowed)})
		}
		cols = []column{{"核对结果", 70, center}, {"人数", 46, right}, {"核减保费", 70, right}}
		y = d.table(y, cols, rows, 10, 7, next) + 2
		rows = rows[:0]
		for i, s := range znb.Sources {
			rows = append(rows, []string{s.Name() + "补贴", yuan(o.Billed[i+1]), yuan(o.Allowed[i+1]), yuan(o.Disallowed[i+1])})
		}
		cols = []column{{"资金来源", 46, center}, {"申报", 46, right}, {"核定", 47, right}, {"核减", 47, right}}
		y = d.table(y, cols, rows, 10, 7, next) + 2
	}
	if y+10 > pageH-margin {
		y = next()
	}
	d.textIn(margin, y+4, contentW, 6, "制表日期："+e.Date.String(), 10, right)
	return d.finish(w)
}

// regionRow is one line of the table by region.
func regionRow(r *report.Row) []string {
	name := "合计"
	switch r.Level {
	case report.LevelCounty:
		name = cmp.Or(r.Name, "县") + " " + r.Region
	case report.LevelTownship:
		name = "　" + cmp.Or(r.Name, "乡镇") + " " + r.Region
	case report.LevelVillage:
		name = "　　" + r.Name + " " + r.Region
	}
	lr, avg := "—", "—"
	if v, ok := r.LossRatio(); ok {
		lr = v.StringFixed(2) + "%"
	}
	if v, ok := r.AvgDaysToPay(); ok {
		avg = v.StringFixed(1)
	}
	pt := r.PaidTotal()
	return []string{name, fmt.Sprint(r.Households), fmt.Sprint(r.Persons), yuan(r.Premium[0]), yuan(r.Earned),
		fmt.Sprint(r.ReportedTotal().Count), fmt.Sprint(pt.Count), yuan(pt.Amount), lr, avg}
}
