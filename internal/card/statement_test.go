package card

import (
	"bytes"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestStatement(t *testing.T) {
	r := newRenderer(t)
	d := decimal.RequireFromString
	s := Statement{Title: "镇远县“助农保”保险费补贴对账单", ReconciliationID: 7, AgreementNo: "ZY-2024-001",
		Insurer: "中国人民财产保险股份有限公司镇远支公司", Term: "2024-01-01 至 2024-12-31",
		List: "名单版本 3（2024-07-01 生效）", Bill: "承保机构上传 statement.csv", Status: "已确认",
		InputsHash: "9f2c", Date: znb.MustDate("2024-06-15"),
		Billed:     [6]decimal.Decimal{d("123456.78"), d("50000.00"), d("30000.00"), d("20000.00"), d("20000.00"), d("3456.78")},
		Allowed:    [6]decimal.Decimal{d("120000.00"), d("49000.00"), d("29000.00"), d("19000.00"), d("19000.00"), d("4000.00")},
		Disallowed: [6]decimal.Decimal{d("3456.78"), d("1000.00"), d("1000.00"), d("1000.00"), d("1000.00"), d("-543.22")},
		Findings: []StatementFinding{
			{Name: "核对一致", Count: 1998, Billed: d("119880.00"), Expected: d("119880.00"), Allowed: d("119880.00"), Disallowed: d("0")},
			{Name: "名单外人员", Count: 2, Billed: d("120.00"), Expected: d("0"), Allowed: d("0"), Disallowed: d("120.00")},
			{Name: "应保未保", Count: 1, Expected: d("30.16"), Billed: d("0"), Allowed: d("0"), Disallowed: d("0")},
		},
	}
	var buf bytes.Buffer
	if err := r.WriteStatement(&buf, s); err != nil {
		t.Fatal(err)
	}
	keepPNG(buf.Bytes(), "statement")
	text := pdfText(t, buf.Bytes())
	assertContains(t, text, s.Title, "ZY-2024-001", s.Insurer, "已确认", "中央补贴", "个人补贴", "123,456.78",
		"120,000.00", "3,456.78", "-543.22", "核对一致", "1998", "119,880.00", "名单外人员", "应保未保", "30.16",
		"县扶贫办（盖章）", "承保机构（盖章）", "经办人签字", "制表日期：2024-06-15", "9f2c")
}
