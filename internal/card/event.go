package card

import (
	"fmt"
	"io"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// WriteEventSummary draws a disaster event's summary on A4: the event,
// its figures, the claims by status and by line, and a bar chart of the
// payable and paid amounts by village, with the table beneath it.
func (r *Renderer) WriteEventSummary(w io.Writer, s *disaster.Dashboard, date znb.Date) error {
	e := s.Event
	title := "灾害事件“" + e.Name + "”理赔进度"
	d := r.newDoc(title)
	d.f.AddPage()
	y := d.title(margin, title, 16) + 2
	next := func() float64 { d.f.AddPage(); return margin }
	rows := [][]string{
		{"灾害原因", e.Cause, "灾害期间", e.First.String() + " 至 " + e.Last.String()},
		{"宣布日期", e.DeclaredOn.String(), "受灾户（有理赔）", fmt.Sprint(s.Households)},
		{"理赔案件", fmt.Sprint(s.Claims), "应赔金额", yuan(s.Payable)},
		{"已付案件", fmt.Sprint(s.PaidClaims), "已付金额", yuan(s.Paid)},
		{"宣布至付款平均天数", s.DaysAvg.String(), "宣布至付款最长天数", fmt.Sprint(s.DaysMax)},
	}
	cols := []column{{"项目", 40, center}, {"数值", 53, right}, {"项目", 40, center}, {"数值", 53, right}}
	y = d.table(y, cols, rows, 10, 7, next) + 4

	y = d.heading(y, "按村应赔与已付（单位：元）")
	y = r.villageChart(d, y, s.Villages) + 3
	rows = rows[:0]
	for _, v := range s.Villages {
		rows = append(rows, []string{v.RegionCode + " " + v.Name, fmt.Sprint(v.Households), fmt.Sprint(v.Claims), yuan(v.Payable), yuan(v.Paid)})
	}
	cols = []column{{"村", 66, left}, {"户数", 24, right}, {"案件数", 24, right}, {"应赔金额", 36, right}, {"已付金额", 36, right}}
	y = d.table(y, cols, rows, 9, 6.5, next) + 4

	if y+40 > pageH-margin {
		y = next()
	}
	y = d.heading(y, "按状态与险种")
	rows = rows[:0]
	for _, c := range s.ByStatus {
		rows = append(rows, []string{"状态", c.Name, fmt.Sprint(c.Claims), yuan(c.Payable)})
	}
	for _, c := range s.ByLine {
		rows = append(rows, []string{"险种", c.Name, fmt.Sprint(c.Claims), yuan(c.Payable)})
	}
	cols = []column{{"分类", 30, center}, {"名称", 66, center}, {"案件数", 40, right}, {"应赔金额", 50, right}}
	y = d.table(y, cols, rows, 10, 7, next) + 4
	if y+10 > pageH-margin {
		y = next()
	}
	d.textIn(margin, y, contentW, 6, "制表日期："+date.String(), 10, right)
	return d.finish(w)
}

// villageChart draws two bars per village (payable dark, paid light) on a
// common scale and returns the y below the chart; the first 20 villages in
// region-code order are drawn, the table beneath lists them all.
func (r *Renderer) villageChart(d *doc, y float64, vs []disaster.Village) float64 {
	if len(vs) > 20 {
		vs = vs[:20]
	}
	top := decimal.Zero
	for _, v := range vs {
		top = decimal.Max(top, v.Payable, v.Paid)
	}
	const label, bar = 50.0, 3.2
	width := contentW - label - 30
	for _, v := range vs {
		if y+2*bar+2 > pageH-margin {
			d.f.AddPage()
			y = margin
		}
		d.textIn(margin, y, label, 2*bar, v.Name, 8, left)
		for i, amt := range []decimal.Decimal{v.Payable, v.Paid} {
			w := 0.0
			if top.IsPositive() {
				w, _ = amt.Div(top).Mul(decimal.NewFromFloat(width)).Float64()
			}
			shade := []int{70, 170}[i]
			d.f.SetFillColor(shade, shade, shade)
			d.f.Rect(margin+label, y+float64(i)*bar, max(w, 0.2), bar-0.4, "F")
			d.textIn(margin+label+w+1, y+float64(i)*bar-0.6, 30, bar, yuan(amt), 7, left)
		}
		y += 2*bar + 1.5
	}
	d.f.SetFillColor(255, 255, 255)
	d.textIn(margin, y, contentW, 5, "深色：应赔金额；浅色：已付金额", 8, right)
	return y + 5
}
