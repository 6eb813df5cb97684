package card

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestNotice(t *testing.T) {
	r := newRenderer(t)
	n := Notice{Title: "镇远县“助农保”理赔公示", Period: "2024年3月", Insurer: "中国人民财产保险股份有限公司镇远支公司",
		Hotline: "95518", IssueDate: znb.MustDate("2024-04-02"), ObjectionEnd: znb.MustDate("2024-04-09"),
		FormURL: "https://znb.example.gov.cn/objection"}
	var ids []string
	amounts := []string{"1250.50", "30000.00", "880.00"}
	for i := 0; i < 45; i++ { // enough rows for a second page
		id := testID(500 + i)
		ids = append(ids, id)
		n.Rows = append(n.Rows, NoticeRow{ClaimNo: fmt.Sprintf("C%04d", i), MaskedName: "张*丰", MaskedID: mask(id),
			Village: "高坡村", Line: znb.Lines[i%4], Incident: znb.MustDate("2024-03-01"), Amount: money.MustParse(amounts[i%3])})
	}
	var buf bytes.Buffer
	if err := r.WriteNotice(&buf, n); err != nil {
		t.Fatal(err)
	}
	keepPNG(buf.Bytes(), "notice")
	text := pdfText(t, buf.Bytes())
	// 15 rows of each amount.
	assertContains(t, text, n.Title, "2024年3月", "张*丰", "高坡村", "1,250.50", "30,000.00", "880.00",
		"合计", "45件", "481,957.50", "95518", "公示日期：2024-04-02", "至2024-04-09（含当日）止", "12317",
		"https://znb.example.gov.cn/objection", "3个工作日内确认受理")
	for _, l := range znb.Lines {
		assertContains(t, text, l.Name())
	}
	for i, id := range ids {
		assertContains(t, text, mask(id))
		if bytes.Contains(buf.Bytes(), []byte(id)) || strings.Contains(text, id) {
			t.Errorf("row %d: full ID in the notice", i)
		}
	}
	if pages := strings.Count(text, "\f"); pages != 2 {
		t.Errorf("45 rows on %d pages, want 2", pages)
	}

	n.Rows[7].MaskedID = ids[7]
	if err := r.WriteNotice(&bytes.Buffer{}, n); znb.CodeOf(err) != "id_not_masked" {
		t.Errorf("notice with a full ID: %v, want id_not_masked", err)
	}
}

func TestDecisionLetter(t *testing.T) {
	r := newRenderer(t)
	id := testID(600)
	l := DecisionLetter{ClaimNo: "CL2024000123", CertificateNo: "ZNB5226252024000001-00012", HeadName: "张三丰",
		MemberName: "张小明", MemberMaskedID: mask(id), Line: znb.Hospitalization, Incident: znb.MustDate("2024-05-06"),
		Cause: "意外伤害", Insurer: "中国人民财产保险股份有限公司镇远支公司", Hotline: "95518", Date: znb.MustDate("2024-06-01"),
		Steps: []Step{
			{"医疗费用", money.MustParse("8000.00")},
			{"减：基本医保已付", money.MustParse("-5000.00")},
			{"减：免赔额", money.MustParse("-100.00")},
			{"乘赔付比例 90%", money.MustParse("2610.00")},
		},
		Payable: money.MustParse("2610.00"),
	}
	var buf bytes.Buffer
	if err := r.WriteDecisionLetter(&buf, l); err != nil {
		t.Fatal(err)
	}
	keepPNG(buf.Bytes(), "letter")
	text := pdfText(t, buf.Bytes())
	assertContains(t, text, "理赔决定通知书", "CL2024000123", "张三丰", "张小明", mask(id), "意外住院医疗保险",
		"8,000.00", "-5,000.00", "减：免赔额", "-100.00", "应付赔款2,610.00元", "2024-06-01")
	if bytes.Contains(buf.Bytes(), []byte(id)) || strings.Contains(text, id) {
		t.Error("full ID in the letter")
	}

	l.Rejected, l.Payable, l.Steps = true, money.Zero, nil
	l.RejectReason = "出险日期不在保险期间内（outside_period）"
	buf.Reset()
	if err := r.WriteDecisionLetter(&buf, l); err != nil {
		t.Fatal(err)
	}
	text = pdfText(t, buf.Bytes())
	assertContains(t, text, "不予赔付", "出险日期不在保险期间内")
	if strings.Contains(squash(text), "应付赔款") {
		t.Error("a rejection letter shows a payable")
	}

	l.MemberMaskedID = id
	if err := r.WriteDecisionLetter(&bytes.Buffer{}, l); znb.CodeOf(err) != "id_not_masked" {
		t.Errorf("letter with a full ID: %v, want id_not_masked", err)
	}
}
