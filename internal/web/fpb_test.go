package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// fpbWorld is county A under fpb-household: 25 one-person households
// (F01 to F25) whose 人均纯收入 of 3,000 is under the monitoring line, so
// each has a low_income warning, and F01's head whose three settlements
// (9,000 out of pocket) opened an automatic illness claim with the
// platform's proposal. It returns the claim's number.
func fpbWorld(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
	a := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{County: county, Product: "fpb-household",
		Categories: []znb.Category{znb.Lifted, znb.NotLifted, znb.Returned, znb.UnstableLifted, znb.Marginal, znb.SuddenHardship}})
	var b strings.Builder
	b.WriteString("户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期,人均纯收入,风险是否消除\n")
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "F%02d,522625101001,青山村,已脱贫户,农户%02d,%s,户主,正常,,3000.00,否\n", i, i, idn(100+i))
	}
	storetest.ImportAndIssue(t, db, office, a.ID, storetest.WriteFile(t, "fpb.csv", b.String()),
		store.ImportOptions{County: county, Effective: znb.MustDate("2024-01-01")})
	var s strings.Builder
	s.WriteString("结算单号,身份证号,姓名,医疗机构,入院日期,出院日期,结算日期,总费用,基本医保支付,大病保险支付,医疗救助支付,目录外费用\n")
	for i, day := range []string{"2024-03-01", "2024-04-01", "2024-05-01"} {
		fmt.Fprintf(&s, "JS-%d,%s,农户01,县人民医院,%s,%s,%s,5000.00,2000.00,0,0,0\n", i+1, idn(101), day, day, day)
	}
	res, err := db.ImportSettlements(ctx, office, storetest.File(t, storetest.WriteFile(t, "settlements.csv", s.String())))
	if err != nil || len(res.Opened) != 1 {
		t.Fatalf("feed: %+v %v", res, err)
	}
	return res.Opened[0]
}

var warningRowRe = regexp.MustCompile(`<tr id="warning-(\d+)">`)

// TestWarningsInBrowser: the office filters its warnings by rule, status
// and region, pages through them, takes one to visiting and closes it as
// assisted (refused without a note, the API's message beside the note);
// an auditor reads them masked with no follow-up offered; county B's office
// sees none of county A's and cannot move one; an insurer never reaches
// the page.
func TestWarningsInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		fpbWorld(t, db)
		addUser(t, db, "auditor", znb.Auditor, county)
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "office")

		var text string
		run(t, ctx, "low income warnings", chromedp.Navigate(s.base+"/office/warnings"),
			chromedp.WaitVisible("#rule", chromedp.ByID),
			chromedp.SetValue("#rule", string(fpb.LowIncome), chromedp.ByID),
			chromedp.Submit("#rule", chromedp.ByID),
			// the page before has the table too: wait for the filtered one
			chromedp.WaitReady(`#rule option[value="low_income"][selected]`, chromedp.ByQuery),
			chromedp.WaitVisible("#warnings", chromedp.ByID), chromedp.Text("#total", &text, chromedp.ByID))
		if text != "共 25 条预警，第 1 / 2 页" {
			t.Fatalf("total %q", text)
		}
		run(t, ctx, "the second page", chromedp.Click("#next-page", chromedp.ByID),
			chromedp.WaitVisible(`a[rel="prev"]`, chromedp.ByQuery), chromedp.Text("#warnings", &text, chromedp.ByID))
		if strings.Count(text, "收入低于监测线") != 5 || !strings.Contains(text, "F25") {
			t.Fatalf("second page:\n%s", text)
		}
		var id string
		run(t, ctx, "the first warning's number", chromedp.Navigate(s.base+"/office/warnings?rule=low_income"),
			chromedp.WaitVisible("#warnings", chromedp.ByID),
			chromedp.AttributeValue("#warnings tbody tr", "id", &id, nil, chromedp.ByQuery))
		id = strings.TrimPrefix(id, "warning-")
		shot(t, ctx, "office-warnings")
		run(t, ctx, "start the visit", chromedp.SendKeys("#note-"+id, "6月16日入户核实", chromedp.ByID),
			chromedp.Click("#note-"+id+"-visiting", chromedp.ByID), chromedp.WaitVisible("#done", chromedp.ByID),
			chromedp.Text("#status-"+id, &text, chromedp.ByID))
		if text != "核实中" {
			t.Fatalf("status after visiting %q", text)
		}
		run(t, ctx, "close it without a note", chromedp.Click("#note-"+id+"-assisted", chromedp.ByID),
			chromedp.WaitVisible("#note-"+id+"-error", chromedp.ByID), chromedp.Text("#note-"+id+"-error", &text, chromedp.ByID))
		if text != "办结预警须填写帮扶措施或排除理由" {
			t.Fatalf("error beside the note %q", text)
		}
		shot(t, ctx, "office-warning-note-required")
		run(t, ctx, "close it as assisted", chromedp.SendKeys("#note-"+id, "已落实产业帮扶", chromedp.ByID),
			chromedp.Click("#note-"+id+"-assisted", chromedp.ByID),
			chromedp.WaitVisible("#done", chromedp.ByID),
			chromedp.Text("#status-"+id, &text, chromedp.ByID))
		if text != "已帮扶" {
			t.Fatalf("status after assisted %q", text)
		}
		if present(t, ctx, "#note-"+id) {
			t.Fatal("a closed warning still offers its follow-up")
		}
		run(t, ctx, "filter by status and region", chromedp.Navigate(s.base+"/office/warnings?status=assisted&region=522625101"),
			chromedp.WaitVisible("#warnings", chromedp.ByID), chromedp.Text("#total", &text, chromedp.ByID))
		if text != "共 1 条预警" {
			t.Fatalf("assisted in the township: %q", text)
		}
		run(t, ctx, "another township", chromedp.Navigate(s.base+"/office/warnings?region=522625102"),
			chromedp.WaitVisible("#total", chromedp.ByID), chromedp.Text("#total", &text, chromedp.ByID))
		if text != "共 0 条预警" {
			t.Fatalf("another township: %q", text)
		}
		run(t, ctx, "a bad rule", chromedp.Navigate(s.base+"/office/warnings?rule=nonsense"),
			chromedp.WaitVisible("#rule-error", chromedp.ByID))
		run(t, ctx, "the list on a phone", chromedp.EmulateViewport(360, 740),
			chromedp.Navigate(s.base+"/office/warnings?status=new"), chromedp.WaitVisible("#warnings", chromedp.ByID))
		shot(t, ctx, "office-warnings-phone")

		ws, _, err := db.ListWarnings(context.Background(), znb.System, store.WarningQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var moved *fpb.Warning
		for i := range ws {
			if fmt.Sprint(ws[i].ID) == id {
				moved = &ws[i]
			}
		}
		if moved == nil || moved.Status != fpb.Assisted {
			t.Fatalf("stored warning %s: %+v", id, moved)
		}

		aud := s.client(t)
		aud.signIn("auditor", password)
		code, page, _ := aud.get("/office/warnings?rule=low_income")
		if code != http.StatusOK || !strings.Contains(page, "共 25 条预警") || strings.Contains(page, "农户01") ||
			strings.Contains(page, `action="/office/warnings/`) {
			t.Fatalf("auditor's page %d: masked %v, forms %v", code, !strings.Contains(page, "农户01"), strings.Contains(page, `action="/office/warnings/`))
		}
		off := s.client(t)
		off.signIn("office", password)
		_, page, token := off.get("/office/warnings?status=new")
		other := warningRowRe.FindStringSubmatch(page)
		if other == nil {
			t.Fatal("no new warning left")
		}
		code, page, _ = off.get("/office/reports?month=2024-06")
		lowIncome := regexp.MustCompile(`<th scope="row">收入低于监测线</th><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>`).FindStringSubmatch(page)
		if code != http.StatusOK || !strings.Contains(page, "因病防贫保险") || lowIncome == nil ||
			lowIncome[1] != "24" || lowIncome[2] != "0" || lowIncome[3] != "1" {
			t.Errorf("monthly page %d: illness line %v, low income new/visiting/assisted %v",
				code, strings.Contains(page, "因病防贫保险"), lowIncome)
		}
		if code, _ := off.post("/office/warnings/"+other[1]+"/status", url.Values{"status": {"visiting"}}); code != http.StatusForbidden {
			t.Errorf("a follow-up without the CSRF token: %d", code)
		}
		if code, _ := aud.post("/office/warnings/"+other[1]+"/status", url.Values{"status": {"visiting"}, "csrf": {token}}); code == http.StatusSeeOther {
			t.Error("an auditor moved a warning")
		}
		b := s.client(t)
		b.signIn("officeb", password)
		code, page, tokenB := b.get("/office/warnings")
		if code != http.StatusOK || !strings.Contains(page, "共 0 条预警") {
			t.Errorf("county B's office sees county A's warnings: %d", code)
		}
		if code, _ := b.post("/office/warnings/"+other[1]+"/status", url.Values{"status": {"visiting"}, "csrf": {tokenB}}); code != http.StatusNotFound {
			t.Errorf("county B moves county A's warning: %d, want 404", code)
		}
		ins := s.client(t)
		ins.signIn("clerk", password)
		if code, _, _ := ins.get("/office/warnings"); code == http.StatusOK {
			t.Error("an insurer reads the warnings")
		}
		ws, _, _ = db.ListWarnings(context.Background(), znb.System, store.WarningQuery{Status: fpb.New})
		if len(ws) != 25 {
			t.Errorf("new warnings %d, want 25 (26 raised, one moved): a refused follow-up moved one", len(ws))
		}
	})
}

// TestAutoClaimsInBrowser: the insurer's adjuster finds the automatic
// illness claim in the queue of claims awaiting confirmation with the
// platform's proposal, confirms it there; it leaves the queue, assessed by
// the adjuster, and a different approver approves it. A clerk sees the
// queue without the confirm button; the office never reaches it.
func TestAutoClaimsInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		s.staff(t)
		no := fpbWorld(t, db)
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "clerk")
		var text string
		run(t, ctx, "the clerk's queue", chromedp.Navigate(s.base+"/insurer/auto-claims"),
			chromedp.WaitVisible("#auto", chromedp.ByID), chromedp.Text("#auto", &text, chromedp.ByID))
		if !strings.Contains(text, no) || present(t, ctx, "#confirm-"+no) {
			t.Fatalf("clerk's queue (confirm offered: %v):\n%s", present(t, ctx, "#confirm-"+no), text)
		}
		s.signIn(t, ctx, "adjuster")
		run(t, ctx, "the adjuster's queue", chromedp.Navigate(s.base+"/insurer/auto-claims"),
			chromedp.WaitVisible("#confirm-"+no, chromedp.ByID), chromedp.Text("#auto-"+no, &text, chromedp.ByID))
		c, err := db.GetClaim(context.Background(), znb.System, no)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, c.Payable.StringFixed(2)) || !strings.Contains(text, "F01") {
			t.Fatalf("queue row %q lacks the proposal %s", text, c.Payable.StringFixed(2))
		}
		shot(t, ctx, "insurer-auto-claims")
		run(t, ctx, "confirm", chromedp.Click("#confirm-"+no, chromedp.ByID), chromedp.WaitVisible("#done", chromedp.ByID),
			chromedp.Text("#total", &text, chromedp.ByID))
		if text != "共 0 件待确认" {
			t.Fatalf("after confirming: %q", text)
		}
		c, err = db.GetClaim(context.Background(), znb.System, no)
		if err != nil || c.Status != claim.Assessed || c.Proposed() || c.Assessor != "adjuster" {
			t.Fatalf("confirmed claim %v %+v", err, c)
		}
		s.signIn(t, ctx, "approver")
		run(t, ctx, "approve", chromedp.Navigate(s.base+"/insurer/claims/"+no), chromedp.Click("#approve", chromedp.ByID),
			chromedp.WaitVisible("#done", chromedp.ByID), chromedp.Text("#status", &text, chromedp.ByID))
		if text != "已核赔" {
			t.Fatalf("status after approval %q", text)
		}
		off := s.client(t)
		off.signIn("office", password)
		if code, _, _ := off.get("/insurer/auto-claims"); code == http.StatusOK {
			t.Error("the office reaches the insurer's queue")
		}
	})
}

// TestReassessRefills: 重新理算 on an assessed claim starts from the
// figures saved last (the claim's assessment body), so previewing it
// unchanged shows the saved payout.
func TestReassessRefills(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		s.staff(t)
		no := insured(t, db)
		adjuster := znb.Actor{ID: 1, Username: "adjuster", Role: znb.Adjuster, Scope: "PICC-ZY"}
		if _, err := db.AssessClaim(context.Background(), adjuster, no,
			&claim.Form{StructureLoss: "8000", DecorationLoss: "1000", ApplianceLoss: "500.5"}, ""); err != nil {
			t.Fatal(err)
		}
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "adjuster")
		var structure, decoration, appliance, title, text string
		run(t, ctx, "the assessed claim", chromedp.Navigate(s.base+"/insurer/claims/"+no),
			chromedp.WaitVisible("#structure_loss", chromedp.ByID),
			chromedp.Text("#assess-title", &title, chromedp.ByID),
			chromedp.Value("#structure_loss", &structure, chromedp.ByID),
			chromedp.Value("#decoration_loss", &decoration, chromedp.ByID),
			chromedp.Value("#appliance_loss", &appliance, chromedp.ByID))
		if title != "重新理算" || structure != "8000.00" || decoration != "1000.00" || appliance != "500.50" {
			t.Fatalf("%s form: %q %q %q", title, structure, decoration, appliance)
		}
		shot(t, ctx, "insurer-reassess")
		run(t, ctx, "preview it unchanged", chromedp.Click("#preview-button", chromedp.ByID),
			chromedp.WaitVisible("#preview", chromedp.ByID), chromedp.Text("#preview-payable", &text, chromedp.ByID))
		if text != "9300.50" {
			t.Fatalf("preview of the refilled form pays %q, want the saved 9300.50", text)
		}
	})
}
