package web_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// village is the one village of the insured county: H1 and H2.
const village = county + "101001"

// accounted gives H1 and H2 their bank accounts.
func accounted(t *testing.T, db *store.DB) {
	t.Helper()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
	f := storetest.File(t, storetest.WriteFile(t, "accounts.csv",
		"户编号,户名,账号,开户行\nH1,张三丰,6222021234567894,镇远农商行\nH2,王五,12345678901234,镇远信用社\n"))
	if _, err := db.LoadAccounts(context.Background(), office, county, f); err != nil {
		t.Fatal(err)
	}
}

// filled is the downloaded worksheet with a house loss on each row and,
// when bad, a negative loss on the last.
func filled(t *testing.T, sheet []byte, bad bool) string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(sheet))
	if err != nil {
		t.Fatal(err)
	}
	name := x.GetSheetList()[0]
	rows, err := x.GetRows(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "户编号" || rows[0][6] != "房屋主体损失" {
		t.Fatalf("worksheet rows %v, want the header, H1 and H2", rows)
	}
	for i := 2; i <= len(rows); i++ {
		x.SetCellValue(name, "G"+itoa(i), "3000")
	}
	if bad {
		x.SetCellValue(name, "H"+itoa(len(rows)), "-5")
	}
	p := filepath.Join(t.TempDir(), map[bool]string{true: "bad", false: "good"}[bad]+".xlsx")
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa(n int) string { return string(rune('0' + n)) }

// TestEventToBankInBrowser: an office declares a flood over the village;
// the adjuster downloads the village's worksheet, uploads it filled with a
// bad row (refused, the row named in Chinese), then filled well; the
// approver approves the village; the clerk builds the event's batch,
// downloads the bank file and loads a return with one failure.
func TestEventToBankInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		s.staff(t)
		insured(t, db)
		accounted(t, db)
		ctx := chromium(t, 1280, 900)

		s.signIn(t, ctx, "office")
		var text string
		run(t, ctx, "declare with the last day before the first",
			chromedp.Navigate(s.base+"/office/events"), chromedp.WaitVisible("#declare", chromedp.ByID),
			chromedp.SendKeys("#name", "6·10 洪灾", chromedp.ByID),
			chromedp.SetValue("#first_day", "2024-06-12", chromedp.ByID), chromedp.SetValue("#last_day", "2024-06-10", chromedp.ByID),
			chromedp.SendKeys("#regions", village, chromedp.ByID),
			chromedp.Click("#declare", chromedp.ByID), chromedp.WaitVisible("#page-error", chromedp.ByID),
			chromedp.Text("#page-error", &text, chromedp.ByID))
		if !strings.Contains(text, "日") {
			t.Fatalf("the refusal is %q", text)
		}
		run(t, ctx, "declare",
			chromedp.SetValue("#first_day", "2024-06-10", chromedp.ByID), chromedp.SetValue("#last_day", "2024-06-12", chromedp.ByID),
			chromedp.Click("#declare", chromedp.ByID), chromedp.WaitVisible("#done", chromedp.ByID))
		var at string
		run(t, ctx, "the event's address", chromedp.Location(&at))
		id := regexp.MustCompile(`/office/events/(\d+)`).FindStringSubmatch(at)[1]
		if present(t, ctx, "#upload") || present(t, ctx, "#approve") {
			t.Error("the office is offered the adjuster's or the approver's forms")
		}

		// The adjuster: the worksheet, a bad sheet, a good one.
		ctx = chromium(t, 1280, 900)
		s.signIn(t, ctx, "adjuster")
		run(t, ctx, "the insurer's events", chromedp.Navigate(s.base+"/insurer/events"), chromedp.WaitVisible("#events", chromedp.ByID))
		shot(t, ctx, "events")
		run(t, ctx, "the event on the insurer's desk",
			chromedp.Click(`a[href="/insurer/events/`+id+`"]`, chromedp.ByQuery), chromedp.WaitVisible("#upload", chromedp.ByID))
		sheet := download(t, ctx, "download the village's worksheet", chromedp.Click("#worksheet-"+village, chromedp.ByID))
		run(t, ctx, "upload a sheet with a bad row",
			chromedp.SetUploadFiles("#file", []string{filled(t, sheet, true)}, chromedp.ByID),
			chromedp.Click("#upload", chromedp.ByID), chromedp.WaitVisible("#file-rejects", chromedp.ByID),
			chromedp.Text("#file-rejects", &text, chromedp.ByID))
		if !strings.Contains(text, "invalid_amount") || !present(t, ctx, `#file-rejects tr[data-row="3"]`) || !strings.Contains(text, "室内装潢损失") {
			t.Fatalf("the refusal's rows:\n%s", text)
		}
		shot(t, ctx, "event-rejected")
		run(t, ctx, "upload the good sheet",
			chromedp.SetUploadFiles("#file", []string{filled(t, sheet, false)}, chromedp.ByID),
			chromedp.Click("#upload", chromedp.ByID), chromedp.WaitVisible("#loaded", chromedp.ByID),
			chromedp.Text("#loaded", &text, chromedp.ByID))
		if !strings.Contains(text, "立案并理算 2 件") {
			t.Fatalf("the load says %q", text)
		}

		// The approver approves the village.
		ctx = chromium(t, 1280, 900)
		s.signIn(t, ctx, "approver")
		run(t, ctx, "approve the village", chromedp.Navigate(s.base+"/insurer/events/"+id),
			chromedp.WaitVisible("#approve", chromedp.ByID), chromedp.SetValue("#region", village, chromedp.ByID),
			chromedp.Click("#approve", chromedp.ByID), chromedp.WaitVisible("#approved-count", chromedp.ByID),
			chromedp.Text("#approved-count", &text, chromedp.ByID))
		if !strings.Contains(text, "核赔通过 2 件") {
			t.Fatalf("the approval says %q", text)
		}
		shot(t, ctx, "event")

		// The clerk builds the batch and loads the bank's answer.
		ctx = chromium(t, 1280, 900)
		s.signIn(t, ctx, "clerk")
		run(t, ctx, "build the event's batch", chromedp.Navigate(s.base+"/insurer/events/"+id),
			chromedp.Click("#to-batch", chromedp.ByID), chromedp.WaitVisible("#build", chromedp.ByID))
		shot(t, ctx, "batches")
		run(t, ctx, "build it", chromedp.Click("#build", chromedp.ByID), chromedp.WaitVisible("#batch-no", chromedp.ByID),
			chromedp.Text("#total", &text, chromedp.ByID))
		if !strings.Contains(text, "2 笔") {
			t.Fatalf("the batch's total is %q", text)
		}
		shot(t, ctx, "batch-open")
		bank := download(t, ctx, "download the bank file", chromedp.Click("#bank-csv", chromedp.ByID))
		if !strings.Contains(string(bank), "6222021234567894") || !strings.Contains(string(bank), "合计") {
			t.Fatalf("bank file:\n%s", bank)
		}
		var claims []string
		for _, l := range strings.Split(string(bank), "\n") {
			if f := strings.Split(l, ","); len(f) == 6 && strings.HasPrefix(f[5], "CLM") {
				claims = append(claims, strings.TrimSpace(f[5]))
			}
		}
		if len(claims) != 2 {
			t.Fatalf("bank file claims %v", claims)
		}
		ret := filepath.Join(t.TempDir(), "return.csv")
		if err := os.WriteFile(ret, []byte("序号,摘要,状态,失败原因\n1,"+claims[0]+",成功,\n2,"+claims[1]+",失败,账户已销户\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "load the return", chromedp.SetUploadFiles("#file", []string{ret}, chromedp.ByID),
			chromedp.Click("#load-return", chromedp.ByID), chromedp.WaitVisible(`tr[data-outcome="failure"]`, chromedp.ByQuery),
			chromedp.Text("main", &text, chromedp.ByQuery))
		for _, w := range []string{"已回盘", "成功1 笔，2800.00 元", "失败1 笔，2800.00 元", "账户已销户"} {
			if !strings.Contains(strings.ReplaceAll(text, "\n", ""), w) {
				t.Errorf("the returned batch does not show %q:\n%s", w, text)
			}
		}
		if present(t, ctx, "#load-return") || present(t, ctx, "#cancel") {
			t.Error("a returned batch still offers the return or the cancel")
		}
		shot(t, ctx, "batch")
	})
}

// TestEventPagesScope: another county's office and another insurer's clerk
// get 404; an auditor reads but is offered no form and is refused the post;
// an open batch is cancelled and its claims go to the next.
func TestEventPagesScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		s.staff(t)
		addUser(t, db, "auditor", znb.Auditor, county)
		insured(t, db)
		accounted(t, db)
		office := s.client(t)
		office.signIn("office", password)
		_, _, token := office.get("/office/events")
		code, _ := office.post("/office/events", url.Values{"csrf": {token}, "name": {"洪灾"}, "cause": {"自然灾害"},
			"first_day": {"2024-06-10"}, "last_day": {"2024-06-12"}, "regions": {village}})
		if code != 303 {
			t.Fatalf("declare: %d", code)
		}
		code, body, _ := office.get("/office/events")
		m := regexp.MustCompile(`/office/events/(\d+)`).FindStringSubmatch(body)
		if code != 200 || m == nil {
			t.Fatalf("the list: %d\n%s", code, body)
		}
		id := m[1]
		for _, p := range []string{"/office/events/" + id, "/office/events/" + id + "/worksheet.xlsx?region=" + village} {
			if code, _, _ := office.get(p); code != 200 {
				t.Errorf("%s: %d", p, code)
			}
		}

		other := s.client(t)
		other.signIn("officeb", password)
		if code, body, _ := other.get("/office/events/" + id); code != 404 {
			t.Errorf("another county's office: %d", code)
		} else if strings.Contains(body, "洪灾") {
			t.Error("the 404 names the event")
		}
		if code, body, _ := other.get("/office/events"); code != 200 || strings.Contains(body, "/office/events/"+id) {
			t.Errorf("another county's list: %d, lists the event", code)
		}

		auditor := s.client(t)
		auditor.signIn("auditor", password)
		code, body, token = auditor.get("/office/events/" + id)
		if code != 200 || strings.Contains(body, `id="upload"`) || strings.Contains(body, `id="approve"`) {
			t.Errorf("the auditor's event page: %d", code)
		}
		if _, body, _ := auditor.get("/office/events"); strings.Contains(body, `id="declare"`) {
			t.Error("the auditor is offered the declaration")
		}
		if code, _ := auditor.post("/office/events", url.Values{"csrf": {token}, "name": {"x"}, "cause": {"自然灾害"},
			"first_day": {"2024-06-10"}, "last_day": {"2024-06-12"}, "regions": {village}}); code != 403 {
			t.Errorf("the auditor declares: %d", code)
		}

		// Claims of the event, assessed and approved, in an open batch.
		e := mustInt(id)
		adjuster := znb.Actor{ID: 2, Username: "adjuster", Role: znb.Adjuster, Scope: "PICC-ZY"}
		approver := znb.Actor{ID: 3, Username: "approver", Role: znb.Approver, Scope: "PICC-ZY"}
		_, hs, err := db.WorksheetHouseholds(context.Background(), adjuster, e, village)
		if err != nil || len(hs) != 2 {
			t.Fatalf("worksheet: %v %v", hs, err)
		}
		csv := "户编号,户主,分户凭证号,村,在保险种,出险日期,房屋主体损失\n"
		for _, h := range hs {
			csv += h.HouseholdNo + ",," + h.CertificateNo + ",,,,2000\n"
		}
		if _, err := db.LoadWorksheet(context.Background(), adjuster, e, storetest.File(t, storetest.WriteFile(t, "s.csv", csv)), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveArea(context.Background(), approver, e, village, ""); err != nil {
			t.Fatal(err)
		}
		clerk := s.client(t)
		clerk.signIn("clerk", password)
		_, _, token = clerk.get("/insurer/batches")
		code, body = clerk.post("/insurer/batches", url.Values{"csrf": {token}, "event_id": {id}})
		b := regexp.MustCompile(`/insurer/batches/(\d+)/cancel`).FindStringSubmatch(body)
		if code != 201 || b == nil {
			t.Fatalf("build: %d\n%s", code, body)
		}
		if code, _, _ := clerk.get("/insurer/batches"); code != 200 {
			t.Errorf("the batch list: %d", code)
		}
		otherClerk := s.client(t)
		otherClerk.signIn("otherclerk", password)
		for _, p := range []string{"/insurer/batches/" + b[1], "/insurer/batches/" + b[1] + "/bank-file.csv"} {
			if code, _, _ := otherClerk.get(p); code != 404 {
				t.Errorf("another insurer's clerk %s: %d", p, code)
			}
		}
		if _, body, _ := otherClerk.get("/insurer/batches"); strings.Contains(body, "/insurer/batches/"+b[1]) {
			t.Error("another insurer's clerk lists the batch")
		}
		adj := s.client(t)
		adj.signIn("adjuster", password)
		if code, body, _ := adj.get("/insurer/batches/" + b[1]); code != 200 || strings.Contains(body, `id="cancel"`) || strings.Contains(body, "6222021234567894") {
			t.Errorf("the adjuster reads the batch: %d, offered the cancel or shown whole accounts", code)
		}
		if code, _, _ := adj.get("/insurer/batches/" + b[1] + "/bank-file.csv"); code != 403 {
			t.Errorf("the adjuster downloads the bank file: %d", code)
		}
		_, _, token = clerk.get("/insurer/batches/" + b[1])
		a := clerk.multipart("/insurer/batches/"+b[1]+"/return", map[string]string{"csrf": token}, "file", "return.csv",
			[]byte("序号,摘要,状态,失败原因\n1,CLM-NOPE,成功,\n"))
		if a.code != 422 && a.code != 400 || !strings.Contains(a.body, `id="file-rejects"`) || !strings.Contains(a.body, "未在回盘文件中") {
			t.Errorf("a bad return: %d\n%s", a.code, a.body)
		}
		if code, _ := clerk.post("/insurer/batches/"+b[1]+"/cancel", url.Values{"csrf": {token}, "note": {"银行退回"}}); code != 303 {
			t.Fatalf("cancel: %d", code)
		}
		if _, body, _ := clerk.get("/insurer/batches/" + b[1]); !strings.Contains(body, "已撤销") || strings.Contains(body, `id="cancel"`) {
			t.Error("the cancelled batch")
		}
		if code, body := clerk.post("/insurer/batches", url.Values{"csrf": {token}, "event_id": {id}}); code != 201 || !strings.Contains(body, "2 笔") {
			t.Errorf("the next batch after the cancel: %d", code)
		}
	})
}
