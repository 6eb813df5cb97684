package card

import (
	"fmt"
	"io"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Notice is a claim notice (公示) posted in a village: the paid claims of a
// period, with names and ID numbers masked.
type Notice struct {
	Title     string // e.g. "镇远县“助农保”理赔公示"
	Period    string // e.g. "2024年3月"
	Insurer   string
	Hotline   string // for objections
	IssueDate znb.Date
	// ObjectionEnd is the last day of the objection period the notice
	// opens; FormURL, when set, the address of the public objection form.
	ObjectionEnd znb.Date
	FormURL      string
	Rows         []NoticeRow
}

// NoticeRow is one paid claim on a notice.
type NoticeRow struct {
	ClaimNo    string
	MaskedName string // e.g. 张*丰
	MaskedID   string
	Village    string
	Line       znb.Line
	Incident   znb.Date
	Amount     decimal.Decimal
}

// WriteNotice draws a notice as an A4 document; rows continue on further
// pages under a repeated header, and the total closes the table.
func (r *Renderer) WriteNotice(w io.Writer, n Notice) error {
	for _, row := range n.Rows {
		if !Masked(row.MaskedID) {
			return errNotMasked("理赔 " + row.ClaimNo + " 的出险人")
		}
	}
	d := r.newDoc(n.Title)
	d.f.AddPage()
	y := d.title(margin, n.Title, 18)
	y = d.para(margin, y+1, contentW, fmt.Sprintf("公示期间：%s    承保机构：%s", n.Period, n.Insurer), 10.5) + 2

	cols := []column{
		{"序号", 12, center}, {"姓名", 22, center}, {"身份证号", 42, center}, {"村", 38, center},
		{"险种", 30, center}, {"出险日期", 22, center}, {"赔款（元）", 20, right},
	}
	total := decimal.Zero
	rows := make([][]string, 0, len(n.Rows)+1)
	for i, row := range n.Rows {
		rows = append(rows, []string{fmt.Sprint(i + 1), row.MaskedName, row.MaskedID, row.Village,
			row.Line.Name(), row.Incident.String(), yuan(row.Amount)})
		total = total.Add(row.Amount)
	}
	rows = append(rows, []string{"合计", fmt.Sprintf("%d 件", len(n.Rows)), "", "", "", "", yuan(total)})
	page := 1
	next := func() float64 {
		d.f.AddPage()
		page++
		d.textIn(margin, margin, contentW, 7, fmt.Sprintf("%s（续 第 %d 页）", n.Title, page), 10, left)
		return margin + 9
	}
	y = d.table(y, cols, rows, 9, 6.5, next) + 4
	if y+20 > pageH-margin {
		y = next()
	}
	y = d.para(margin, y, contentW, objectionText(n), 10)
	d.textIn(margin, y+2, contentW, 6, "公示日期："+n.IssueDate.String(), 10, right)
	return d.finish(w)
}

// objectionText tells readers of a notice until when and how to object.
func objectionText(n Notice) string {
	s := "异议期：自公示之日起7日，至" + n.ObjectionEnd.String() + "（含当日）止。如对以上公示内容有异议，请在异议期内" +
		"向村委会反映，或拨打乡村振兴部门热线12317、承保机构理赔服务电话" + n.Hotline
	if n.FormURL != "" {
		s += "，或在网上提交（" + n.FormURL + "）"
	}
	return s + "。请说明您的姓名、手机号、所在村、所指的公示序号和异议内容；收到后3个工作日内确认受理，15个工作日内答复。"
}

// DecisionLetter is a claim decision letter (理赔决定通知书) to a household:
// the steps of the adjustment with their amounts, and what is paid or why
// nothing is.
type DecisionLetter struct {
	ClaimNo        string
	CertificateNo  string
	HeadName       string
	MemberName     string // for accident and hospitalization; empty for a household line
	MemberMaskedID string
	Line           znb.Line
	Incident       znb.Date
	Cause          string
	Steps          []Step
	Payable        decimal.Decimal
	Rejected       bool
	RejectReason   string // in Chinese, for a rejection
	Insurer        string
	Hotline        string
	Date           znb.Date
}

// Step is one line of a claim's breakdown.
type Step struct {
	Name   string
	Amount decimal.Decimal
}

// WriteDecisionLetter draws a decision letter as a one-page A4 document.
func (r *Renderer) WriteDecisionLetter(w io.Writer, l DecisionLetter) error {
	if l.MemberMaskedID != "" && !Masked(l.MemberMaskedID) {
		return errNotMasked("出险人" + l.MemberName)
	}
	d := r.newDoc("理赔决定通知书")
	d.f.AddPage()
	y := d.title(margin, "“助农保”理赔决定通知书", 18) + 3
	y = d.para(margin, y, contentW, l.HeadName+"户：", 11) + 1
	info := [][2]string{
		{"理赔编号", l.ClaimNo},
		{"分户凭证号", l.CertificateNo},
		{"险种", l.Line.Name()},
		{"出险日期", l.Incident.String()},
		{"出险原因", l.Cause},
	}
	if l.MemberName != "" {
		info = append(info, [2]string{"出险人", l.MemberName + "（" + l.MemberMaskedID + "）"})
	}
	for _, kv := range info {
		d.f.Rect(margin, y, 32, 7, "D")
		d.f.Rect(margin+32, y, contentW-32, 7, "D")
		d.textIn(margin, y, 32, 7, kv[0], 10.5, center)
		d.textIn(margin+32, y, contentW-32, 7, kv[1], 10.5, left)
		y += 7
	}
	y += 4
	if len(l.Steps) > 0 {
		y = d.heading(y, "理算过程")
		rows := make([][]string, len(l.Steps))
		for i, s := range l.Steps {
			rows[i] = []string{fmt.Sprint(i + 1), s.Name, yuan(s.Amount)}
		}
		cols := []column{{"步骤", 16, center}, {"项目", contentW - 16 - 40, left}, {"金额（元）", 40, right}}
		y = d.table(y, cols, rows, 10, 7, func() float64 { d.f.AddPage(); return margin }) + 4
	}
	d.f.SetLineWidth(0.5)
	d.f.Rect(margin, y, contentW, 12, "D")
	d.f.SetLineWidth(0.25)
	decision := "赔付决定：应付赔款 " + yuan(l.Payable) + " 元"
	if l.Rejected {
		decision = "赔付决定：不予赔付。原因：" + l.RejectReason
	}
	d.bold(func() { d.textIn(margin+1, y, contentW-2, 12, decision, 13, left) })
	y += 16
	y = d.para(margin, y, contentW, "如对本决定有异议，请自收到本通知书之日起60日内联系承保机构。理赔服务电话："+l.Hotline, 10) + 6
	d.textIn(margin, y, contentW, 6, l.Insurer, 10.5, right)
	d.textIn(margin, y+7, contentW, 6, l.Date.String(), 10.5, right)
	return d.finish(w)
}
