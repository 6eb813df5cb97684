package report

import (
	"fmt"

	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Writer is where a report workbook goes, one sheet and one row at a time:
// Sheet starts a sheet with its header, Row writes a row of cells (string,
// int, decimal.Decimal as an amount, znb.Date or nil), Close finishes the
// file. The sheet package's XLSX writer satisfies it; report itself knows
// no file format.
type Writer interface {
	Sheet(name string, header []string) error
	Row(cells ...any) error
	Close() error
}

var levelNames = map[string]string{LevelCounty: "县", LevelTownship: "乡镇", LevelVillage: "村", "total": "合计"}

// figuresHeader is the header of the sheet of figures by region: one column
// per figure, lines spelled out, so that a clerk can sort and sum.
func figuresHeader(lines []znb.Line) []string {
	h := []string{"级别", "行政区划代码", "名称", "参保户数", "参保人数", "保费"}
	for _, s := range znb.Sources {
		h = append(h, s.Name()+"补贴")
	}
	h = append(h, "已赚保费")
	for _, what := range []string{"报案", "赔付"} {
		for _, l := range lines {
			h = append(h, l.Name()+what+"件数", l.Name()+what+"金额")
		}
		h = append(h, what+"合计件数", what+"合计金额")
	}
	h = append(h, "赔付率(%)", "报案至支付平均天数")
	for _, n := range AgeBucketNames {
		h = append(h, "未结案件"+n)
	}
	return append(h, "未结案件合计")
}

func figuresRow(level, region, name string, f *Figures, lines []znb.Line) []any {
	row := []any{levelNames[level], region, name, f.Households, f.Persons}
	for _, p := range f.Premium {
		row = append(row, p)
	}
	row = append(row, f.Earned)
	for _, xs := range [][7]Amount{f.Reported, f.Paid} {
		var t Amount
		for i, x := range xs {
			if i < len(lines) {
				row = append(row, x.Count, x.Amount)
			}
			t.Count, t.Amount = t.Count+x.Count, t.Amount.Add(x.Amount)
		}
		row = append(row, t.Count, t.Amount)
	}
	if v, ok := f.LossRatio(); ok {
		row = append(row, v)
	} else {
		row = append(row, nil)
	}
	if v, ok := f.AvgDaysToPay(); ok {
		row = append(row, v.StringFixed(1))
	} else {
		row = append(row, nil)
	}
	for _, n := range f.Open {
		row = append(row, n)
	}
	return append(row, f.OpenTotal())
}

func writeFigures(w Writer, r *Report) error {
	lines := r.Lines()
	if err := w.Sheet("分区域统计", figuresHeader(lines)); err != nil {
		return err
	}
	for i := range r.Rows {
		row := &r.Rows[i]
		if err := w.Row(figuresRow(row.Level, row.Region, row.Name, &row.Figures, lines)...); err != nil {
			return err
		}
	}
	if err := w.Row(figuresRow("total", "", "", &r.Total, lines)...); err != nil {
		return err
	}
	return writeWarnings(w, r)
}

// writeWarnings writes the sheet of warnings by rule and status when the
// report has them (the office's and auditors' reports only).
func writeWarnings(w Writer, r *Report) error {
	if r.Warnings == nil {
		return nil
	}
	h := []string{"预警规则"}
	for _, st := range fpb.Statuses {
		h = append(h, st.Name())
	}
	if err := w.Sheet("预警统计", append(h, "合计")); err != nil {
		return err
	}
	sum := make([]int, len(fpb.Statuses)+1)
	for _, rule := range fpb.Rules {
		row := []any{rule.Name()}
		n := 0
		for i, st := range fpb.Statuses {
			c := r.Warnings[string(rule)][string(st)]
			row, n, sum[i] = append(row, c), n+c, sum[i]+c
		}
		sum[len(fpb.Statuses)] += n
		if err := w.Row(append(row, n)...); err != nil {
			return err
		}
	}
	row := []any{"合计"}
	for _, n := range sum {
		row = append(row, n)
	}
	return w.Row(row...)
}

func windowRows(w Writer, win Window) error {
	for _, kv := range [][2]any{
		{"参保与已赚保费统计期间", win.Cover.Start.String() + " 至 " + win.Cover.End.String()},
		{"报案与赔付统计期间", win.Claims.Start.String() + " 至 " + win.Claims.End.String()},
		{"未结案件统计截至", win.AsOf},
	} {
		if err := w.Row(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// WriteMonthly writes a monthly report as a workbook to w and closes it:
// what it covers, then the figures by county, township and village with a
// total row.
func WriteMonthly(w Writer, r *Report, region string, month Period) error {
	if err := w.Sheet("说明", []string{"项目", "内容"}); err != nil {
		return err
	}
	if err := w.Row("报表", "“助农保”每月统计（"+MonthLabel(month)+"）"); err != nil {
		return err
	}
	if err := w.Row("统计区域", region); err != nil {
		return err
	}
	if err := windowRows(w, r.Window); err != nil {
		return err
	}
	if err := writeFigures(w, r); err != nil {
		return err
	}
	return w.Close()
}

// WriteAnnual writes the annual evaluation as a workbook to w and closes
// it: the agreement and coverage, the figures by region, the causes of loss
// and the reconciliation outcome.
func WriteAnnual(w Writer, a *Annual) error {
	if err := w.Sheet("说明", []string{"项目", "内容"}); err != nil {
		return err
	}
	rate := "—"
	if v, ok := a.Coverage.Rate(); ok {
		rate = v.StringFixed(2) + "%"
	}
	for _, kv := range [][2]any{
		{"报表", "“助农保”年度运行情况评估"},
		{"项目协议", a.AgreementNo},
		{"承保机构", a.Insurer},
		{"保险期间", a.Term.Start.String() + " 至 " + a.Term.End.String()},
		{"名单版本", a.Coverage.ListID},
		{"名单应保人数", a.Coverage.Eligible},
		{"其中已参保人数", a.Coverage.Insured},
		{"参保率", rate},
	} {
		if err := w.Row(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if err := windowRows(w, a.Window); err != nil {
		return err
	}
	if err := writeFigures(w, &a.Report); err != nil {
		return err
	}
	if err := w.Sheet("出险原因", []string{"序号", "出险原因", "报案件数", "赔付件数", "已付赔款"}); err != nil {
		return err
	}
	for i, c := range a.Causes {
		if err := w.Row(i+1, c.Cause, c.Reported, c.Paid.Count, c.Paid.Amount); err != nil {
			return err
		}
	}
	if err := w.Sheet("对账结果", []string{"项目", "人数", "核减保费"}); err != nil {
		return err
	}
	if o := a.Reconciliation; o == nil {
		if err := w.Row("尚无已确认或已结算的对账", nil, nil); err != nil {
			return err
		}
	} else {
		status := map[string]string{"confirmed": "已确认", "settled": "已结算"}[o.Status]
		if err := w.Row(fmt.Sprintf("对账编号 %d（%s，名单版本 %d）", o.ID, status, o.ListID), nil, nil); err != nil {
			return err
		}
		for _, f := range o.Findings {
			if err := w.Row(f.Name, f.Count, f.Disallowed); err != nil {
				return err
			}
		}
		if err := w.Sheet("对账金额", []string{"资金", "申报", "核定", "核减"}); err != nil {
			return err
		}
		names := []string{"保费"}
		for _, s := range znb.Sources {
			names = append(names, s.Name()+"补贴")
		}
		for i, n := range names {
			if err := w.Row(n, o.Billed[i], o.Allowed[i], o.Disallowed[i]); err != nil {
				return err
			}
		}
	}
	return w.Close()
}
