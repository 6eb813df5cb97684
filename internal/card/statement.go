package card

import (
	"fmt"
	"io"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Statement is the settlement statement (对账单) of a premium-subsidy
// reconciliation: what the insurer billed, what the list allows
// and what is refused, per funding source and per finding, for the office
// and the insurer to sign. It names no person, so it holds no ID number.
type Statement struct {
	Title            string // e.g. "镇远县“助农保”保险费补贴对账单"
	ReconciliationID int64
	AgreementNo      string
	Insurer          string
	Term             string // e.g. "2024-01-01 至 2024-12-31"
	List             string // e.g. "名单版本 12（2024-07-01 生效）"
	Bill             string // where the bill came from
	Status           string // 草稿 / 已确认 / 已结算
	InputsHash       string
	Date             znb.Date
	// Billed, Allowed and Disallowed are the premium (index 0) and the
	// subsidy of each source in the order of znb.Sources (1 to 5).
	Billed, Allowed, Disallowed [6]decimal.Decimal
	Findings                    []StatementFinding
}

// StatementFinding is one line of the findings table.
type StatementFinding struct {
	Name                                  string // Chinese name of the finding
	Count                                 int
	Billed, Expected, Allowed, Disallowed decimal.Decimal
}

// WriteStatement draws the statement on A4 pages: the inputs, the summary
// per funding source, the findings and the signature lines of both parties.
func (r *Renderer) WriteStatement(w io.Writer, s Statement) error {
	d := r.newDoc(s.Title)
	d.f.AddPage()
	y := d.title(margin, s.Title, 17) + 2
	info := [][2]string{
		{"对账编号", fmt.Sprint(s.ReconciliationID)},
		{"项目协议", s.AgreementNo},
		{"承保机构", s.Insurer},
		{"保险期间", s.Term},
		{"名单", s.List},
		{"申报数据", s.Bill},
		{"状态", s.Status},
	}
	for _, kv := range info {
		d.f.Rect(margin, y, 30, 6.5, "D")
		d.f.Rect(margin+30, y, contentW-30, 6.5, "D")
		d.textIn(margin, y, 30, 6.5, kv[0], 10, center)
		d.textIn(margin+30, y, contentW-30, 6.5, kv[1], 10, left)
		y += 6.5
	}
	next := func() float64 { d.f.AddPage(); return margin }

	y = d.heading(y+4, "一、按资金来源汇总（单位：元）")
	names := []string{"保费合计"}
	for _, src := range znb.Sources {
		names = append(names, src.Name()+"补贴")
	}
	rows := make([][]string, len(names))
	for i, n := range names {
		rows[i] = []string{n, yuan(s.Billed[i]), yuan(s.Allowed[i]), yuan(s.Disallowed[i])}
	}
	cols := []column{{"项目", 46, center}, {"申报金额", 44, right}, {"核定金额", 48, right}, {"核减金额", 48, right}}
	y = d.table(y, cols, rows, 10, 7, next) + 4

	y = d.heading(y, "二、核对结果（单位：元）")
	rows = rows[:0]
	count := 0
	for _, f := range s.Findings {
		rows = append(rows, []string{f.Name, fmt.Sprint(f.Count), yuan(f.Billed), yuan(f.Expected), yuan(f.Allowed), yuan(f.Disallowed)})
		count += f.Count
	}
	rows = append(rows, []string{"合计", fmt.Sprint(count), yuan(s.Billed[0]), "", yuan(s.Allowed[0]), yuan(s.Disallowed[0])})
	cols = []column{{"核对结果", 40, center}, {"人数", 18, right}, {"申报保费", 32, right}, {"应核保费", 32, right},
		{"核定保费", 32, right}, {"核减保费", 32, right}}
	y = d.table(y, cols, rows, 9.5, 7, next) + 3
	y = d.para(margin, y, contentW, "说明：核定金额按名单户类型的补贴比例计算，核减金额 = 申报金额 - 核定金额；“应保未保”为名单内应保人员未申报的保费，不计入申报与核定金额。", 9) + 1
	y = d.para(margin, y, contentW, "输入摘要（SHA-256）："+s.InputsHash, 8) + 6

	if y+40 > pageH-margin {
		y = next()
	}
	half := contentW / 2
	for i, party := range []string{"县扶贫办（盖章）", "承保机构（盖章）"} {
		x := margin + float64(i)*half
		d.textIn(x, y, half, 7, party, 11, left)
		d.textIn(x, y+12, half, 7, "经办人签字：________________", 10.5, left)
		d.textIn(x, y+22, half, 7, "日期：______年____月____日", 10.5, left)
	}
	d.textIn(margin, y+34, contentW, 6, "制表日期："+s.Date.String(), 10, right)
	return d.finish(w)
}
