package card

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// evaluationOf builds an annual report of villages from a builder, so that
// the figures printed are the report package's own.
func evaluationOf(villages int, recon bool) *report.Annual {
	term := report.Period{Start: znb.MustDate("2024-01-01"), End: znb.MustDate("2024-12-31")}
	w, _ := report.AnnualWindow(term, znb.MustDate("2025-01-20"))
	b := report.NewBuilder(w)
	sixty := money.MustParse("60.00")
	for v := 0; v < villages; v++ {
		region := fmt.Sprintf("522625%03d%03d", 101+v/3, 1+v%3)
		b.AddCertificate(oneCert(region, fmt.Sprintf("第%d村", v+1), sixty))
		b.AddClaim(&report.Claim{No: fmt.Sprint(v), Region: region, Line: znb.Property, Cause: "火灾",
			ReportedOn: znb.MustDate("2024-05-01"), Assessed: true, Payable: money.MustParse("1234.50"),
			PaidOn: znb.MustDate("2024-05-11")})
	}
	b.AddClaim(&report.Claim{No: "open", Region: "522625101001", Line: znb.Accident, Cause: "意外伤害",
		ReportedOn: znb.MustDate("2024-12-01")})
	a := &report.Annual{Report: *b.Report(), AgreementID: 7, AgreementNo: "ZY-2024-001",
		Insurer: "中国人民财产保险股份有限公司镇远支公司", Term: term,
		Coverage: report.Coverage{ListID: 3, Eligible: villages + 1, Insured: villages}}
	if recon {
		o := &report.Reconciliation{ID: 9, Status: "confirmed", ListID: 3}
		o.Billed[0], o.Allowed[0], o.Disallowed[0] = money.MustParse("1260.00"), money.MustParse("1200.00"), money.MustParse("60.00")
		o.Billed[1], o.Allowed[1], o.Disallowed[1] = money.MustParse("630.00"), money.MustParse("600.00"), money.MustParse("30.00")
		o.Findings = []report.Finding{{Code: "matched", Name: "核对一致", Count: 20, Disallowed: decimal.Zero},
			{Code: "not_on_list", Name: "名单外人员", Count: 1, Disallowed: money.MustParse("60.00")}}
		a.Reconciliation = o
	}
	return a
}

// oneCert is a one-person certificate for the year 2024.
func oneCert(region, village string, premium decimal.Decimal) *report.Certificate {
	half := premium.Div(decimal.NewFromInt(2))
	return &report.Certificate{No: region, Region: region, Village: village, Premium: premium,
		Shares: [5]decimal.Decimal{half, half.Sub(decimal.NewFromInt(6)), decimal.NewFromInt(6)},
		Covers: []report.Cover{{Person: region, Start: znb.MustDate("2024-01-01"), End: znb.MustDate("2024-12-31"), Premium: premium}}}
}

func TestEvaluation(t *testing.T) {
	r := newRenderer(t)
	a := evaluationOf(4, true)
	var buf bytes.Buffer
	e := Evaluation{Title: "镇远县“助农保”年度运行情况评估", Annual: a, Date: znb.MustDate("2025-01-20")}
	if err := r.WriteEvaluation(&buf, e); err != nil {
		t.Fatal(err)
	}
	keepPNG(buf.Bytes(), "evaluation")
	text := pdfText(t, buf.Bytes())
	// Four villages at 60.00, all earned over the whole term; four fires of
	// 1,234.50 paid 10 days after report: 4,938.00, loss ratio 4,938 / 240 =
	// 2057.50%; one open accident claim 50 days old on 2025-01-20.
	assertContains(t, text, e.Title, "ZY-2024-001", "中国人民财产保险股份有限公司镇远支公司", "2024-01-01至2024-12-31",
		"参保户数", "名单应保人数", "参保率80.00%", "240.00", "中央补贴", "120.00",
		"县522625", "乡镇522625101", "乡镇522625102", "第1村", "第4村522625102001",
		"家庭财产保险", "4,938.00", "2057.50%", "10.0天",
		"31-90天", "火灾", "意外伤害", "对账编号9（已确认，名单版本3）", "名单外人员", "核减", "1,260.00", "制表日期：2025-01-20")
	for _, l := range znb.Lines {
		assertContains(t, text, l.Name())
	}

	// Without a reconciliation, with many villages: the tables run on.
	a = evaluationOf(90, false)
	buf.Reset()
	if err := r.WriteEvaluation(&buf, Evaluation{Title: "评估", Annual: a, Date: znb.MustDate("2025-01-20")}); err != nil {
		t.Fatal(err)
	}
	text = pdfText(t, buf.Bytes())
	assertContains(t, text, "尚无已确认或已结算的对账", "第90村", "111,105.00") // 90 × 1,234.50
	if pages := strings.Count(text, "\f"); pages < 3 {
		t.Errorf("90 villages on %d pages, want 3 or more", pages)
	}
}
