package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// reconciled insures a county (insured) and imports a second list version
// that adds 张小丰 to H1 and drops H2: reconciled over it, the
// certificates bill 王五, who is no longer listed, and miss 张小丰. It
// returns the second version's ID and the agreement's.
func reconciled(t *testing.T, db *store.DB) (listID, agreementID int64) {
	t.Helper()
	insured(t, db)
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
	second := storetest.WriteFile(t, "l2.csv", "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期\n"+
		"H1,522625101001,青山村,已脱贫户,张三丰,"+idn(1)+",户主,正常,\n"+
		"H1,522625101001,青山村,已脱贫户,李四,"+idn(2)+",配偶,正常,\n"+
		"H1,522625101001,青山村,已脱贫户,张小丰,"+idn(4)+",子,正常,\n")
	l2, err := db.ImportList(context.Background(), office, storetest.File(t, second),
		store.ImportOptions{County: county, Effective: znb.MustDate("2024-04-01")})
	if err != nil {
		t.Fatal(err)
	}
	as, err := db.Agreements(context.Background(), office)
	if err != nil || len(as) != 1 {
		t.Fatalf("agreements: %v %v", as, err)
	}
	return l2.List.ID, as[0].ID
}

// addUser adds a signed-in-able account to the site's database.
func addUser(t *testing.T, db *store.DB, name string, role znb.Role, scope string) {
	t.Helper()
	if _, err := db.CreateUser(context.Background(), znb.System, name, role, scope); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(context.Background(), znb.System, name, password); err != nil {
		t.Fatal(err)
	}
}

var reconPath = regexp.MustCompile(`^/office/reconciliations/(\d+)$`)

// runRecon posts the run form as a browser does (multipart, no statement)
// and returns the status and the page it leads to.
func (c *client) runRecon(form map[string]string) (int, string) {
	c.t.Helper()
	_, _, token := c.get("/office/reconciliations")
	form["csrf"] = token
	resp := c.multipart("/office/reconciliations", form, "statement", "", nil)
	return resp.code, resp.location + resp.body
}

// TestReconciliationPages: the office runs a reconciliation over a list
// version from the form, reads its findings with the amounts by funding
// source and the rows of a finding (the API's figures), confirms and
// settles it, downloads the API's XLSX and PDF; a refused run shows the
// API's message beside its field; county B's office gets 404.
func TestReconciliationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		listID, agreementID := reconciled(t, db)
		o := s.client(t)
		o.signIn("office", password)

		code, body := o.runRecon(map[string]string{"agreement_id": fmt.Sprint(agreementID), "as_of": "2023-01-01"})
		if code != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="as_of-error"[^>]*>[^<]*没有生效的名单`).MatchString(body) {
			t.Fatalf("a day before the first list: %d, want 422 with the message beside the date\n%s", code, body)
		}

		code, loc := o.runRecon(map[string]string{"agreement_id": fmt.Sprint(agreementID), "list_id": fmt.Sprint(listID)})
		m := reconPath.FindStringSubmatch(loc)
		if code != http.StatusSeeOther || m == nil {
			t.Fatalf("run: %d %q", code, loc)
		}
		page := m[0]
		api, err := db.GetReconciliation(context.Background(), znb.System, mustInt(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		code, body, token := o.get(page)
		if code != 200 {
			t.Fatalf("%s: %d", page, code)
		}
		notOnList := api.Result.Findings[1]
		for _, w := range []string{"名单外人员", "应保未保", `data-finding="not_on_list"`, "王五", idn(3), "<th scope=\"col\" class=\"num\">中央</th>",
			"下载明细（XLSX）", "确认对账结果", api.Result.Billed.Premium.StringFixed(2), notOnList.Billed.StringFixed(2)} {
			if !strings.Contains(body, w) {
				t.Errorf("reconciliation page lacks %q", w)
			}
		}
		if notOnList.Count != 1 || string(notOnList.Finding) != "not_on_list" {
			t.Fatalf("fixture: not_on_list tally %+v", notOnList)
		}
		if code, body, _ := o.get(page + "?finding=not_insured"); code != 200 || !strings.Contains(body, "张小丰") || !strings.Contains(body, "应保未保：共 1 人") {
			t.Fatalf("not_insured rows: %d", code)
		}

		for _, f := range []struct{ path, ctype, magic string }{
			{page + "/export.xlsx", "spreadsheetml", "PK"},
			{page + "/statement.pdf", "application/pdf", "%PDF-"},
		} {
			resp, err := o.http.Get(s.base + f.path)
			if err != nil {
				t.Fatal(err)
			}
			b := readAll(t, resp)
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), f.ctype) || !strings.HasPrefix(b, f.magic) {
				t.Fatalf("%s: %d %s", f.path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}

		if code, _ := o.post(page+"/confirm", url.Values{}); code != http.StatusForbidden {
			t.Fatalf("confirm without the form token: %d, want 403", code)
		}
		if code, body := o.post(page+"/settle", url.Values{"csrf": {token}}); code != http.StatusConflict || !strings.Contains(body, `id="advance-error"`) {
			t.Fatalf("settle a draft: %d, want 409 with the message beside the button\n%s", code, body)
		}
		if code, _ := o.post(page+"/confirm", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
			t.Fatalf("confirm: %d", code)
		}
		if _, body, _ := o.get(page + "?done=confirmed"); !strings.Contains(body, "对账已确认") || !strings.Contains(body, "已确认") || !strings.Contains(body, ">结算<") {
			t.Fatal("confirmed page does not say so or offer to settle")
		}
		if code, _ := o.post(page+"/settle", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
			t.Fatalf("settle: %d", code)
		}
		if rec, _ := db.GetReconciliation(context.Background(), znb.System, api.ID); string(rec.Status) != "settled" {
			t.Fatalf("status after settle: %s", rec.Status)
		}
		if _, body, _ := o.get("/office/reconciliations"); !strings.Contains(body, "第 "+m[1]+" 号") || !strings.Contains(body, "结算") {
			t.Fatal("the list of reconciliations does not show the run")
		}

		b := s.client(t)
		b.signIn("officeb", password)
		for _, p := range []string{page, page + "/export.xlsx", page + "/statement.pdf"} {
			if code, body, _ := b.get(p); code != http.StatusNotFound || strings.Contains(body, "王五") {
				t.Fatalf("county B reads %s: %d", p, code)
			}
		}
		if code, body, _ := b.get("/office/reconciliations"); code != 200 || strings.Contains(body, "第 "+m[1]+" 号") {
			t.Fatalf("county B's list of reconciliations shows county A's: %d", code)
		}
	})
}

func mustInt(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

type answer struct {
	code           int
	location, body string
}

// multipart posts a form with a file field (empty content when file is nil,
// as a browser sends a file input left empty).
func (c *client) multipart(path string, form map[string]string, field, name string, file []byte) answer {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range form {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(file)
	mw.Close()
	resp, err := c.http.Post(c.s.base+path, mw.FormDataContentType(), &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header.Get("Location"), readAll(c.t, resp)}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReportPages: the monthly report shows the store's figures as a
// table and an SVG chart with its XLSX; the annual evaluation its figures
// with XLSX and PDF; the claims notice downloads, and a wrong village or
// month comes back beside its field with the API's message.
func TestReportPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		insured(t, db)
		o := s.client(t)
		o.signIn("office", password)
		as, _ := db.Agreements(context.Background(), znb.System)
		id := fmt.Sprint(as[0].ID)

		m, _ := report.ParseMonth("2024-05")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
		want, err := db.MonthlyReport(context.Background(), office, "", m)
		if err != nil {
			t.Fatal(err)
		}
		village := want.Rows[len(want.Rows)-1]
		code, body, _ := o.get("/office/reports?month=2024-05")
		for _, w := range []string{"2024年5月", `<svg id="chart"`, "<rect", "青山村", "monthly.xlsx?month=2024-05",
			fmt.Sprintf(`id="total-persons">%d 户 %d 人<`, want.Total.Households, want.Total.Persons),
			fmt.Sprintf("<title>青山村 保费 %s 元</title>", village.Premium[0].StringFixed(2))} {
			if code != 200 || !strings.Contains(body, w) {
				t.Errorf("monthly report: %d, lacks %q", code, w)
			}
		}
		if len(body) > maxPage {
			t.Errorf("monthly report weighs %d bytes", len(body))
		}
		if code, body, _ := o.get("/office/reports?month=2024-13"); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="month-error"`) || !strings.Contains(body, "月份须为 YYYY-MM") {
			t.Errorf("bad month: %d", code)
		}
		if code, body, _ := o.get("/office/reports?month=2024-05&region=522626"); code != http.StatusNotFound || !strings.Contains(body, `id="region-error"`) {
			t.Errorf("another county's report: %d, want 404 beside the region", code)
		}
		year, err := db.AnnualReport(context.Background(), office, as[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if code, body, _ := o.get("/office/reports/annual?agreement_id=" + id); code != 200 || !strings.Contains(body, fmt.Sprintf(`id="annual-persons">%d 户 %d 人<`, year.Total.Households, year.Total.Persons)) || !strings.Contains(body, "火灾") {
			t.Errorf("annual evaluation: %d\n%s", code, body)
		}
		for _, f := range []struct{ path, magic string }{
			{"/office/reports/monthly.xlsx?month=2024-05", "PK"},
			{"/office/reports/annual.xlsx?agreement_id=" + id, "PK"},
			{"/office/reports/annual.pdf?agreement_id=" + id, "%PDF-"},
			{"/office/reports/notice.pdf?agreement_id=" + id + "&village=522625101001&month=2024-05", "%PDF-"},
		} {
			resp, err := o.http.Get(s.base + f.path)
			if err != nil {
				t.Fatal(err)
			}
			if b := readAll(t, resp); resp.StatusCode != 200 || !strings.HasPrefix(b, f.magic) {
				t.Errorf("%s: %d %.80q", f.path, resp.StatusCode, b)
			}
		}
		if code, body, _ := o.get("/office/reports/notice.pdf?agreement_id=" + id + "&village=5226&month=2024-05"); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="village-error"`) {
			t.Errorf("notice of a bad village: %d\n%s", code, body)
		}
		b := s.client(t)
		b.signIn("officeb", password)
		if code, _, _ := b.get("/office/reports/annual.pdf?agreement_id=" + id); code != http.StatusNotFound {
			t.Errorf("county B reads county A's evaluation: %d", code)
		}
	})
}

// TestAuditPage: an auditor reads the trail of its region a page at a
// time, newest first, and nothing of another county; an office clerk is
// refused as GET /audit refuses it.
func TestAuditPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		addUser(t, db, "auditor", znb.Auditor, county)
		ctx := context.Background()
		a := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
		b := znb.Actor{Username: "officeb", Role: znb.Office, Scope: countyB}
		for i := range 60 {
			if err := db.Audit(ctx, a, "test.a", fmt.Sprintf("thing:%d", i), nil); err != nil {
				t.Fatal(err)
			}
			if err := db.Audit(ctx, b, "test.b", fmt.Sprintf("other:%d", i), nil); err != nil {
				t.Fatal(err)
			}
		}
		o := s.client(t)
		o.signIn("office", password)
		if code, _, _ := o.get("/office/audit"); code != http.StatusForbidden {
			t.Fatalf("office clerk on the audit trail: %d, want 403 like the API", code)
		}
		au := s.client(t)
		au.signIn("auditor", password)
		seen := map[string]bool{}
		path, pages := "/office/audit", 0
		older := regexp.MustCompile(`id="older" href="([^"]+)"`)
		for path != "" {
			code, body, _ := au.get(path)
			if code != 200 || strings.Contains(body, "test.b") || strings.Contains(body, "522626") {
				t.Fatalf("%s: %d, or another county's entry shown", path, code)
			}
			if n := strings.Count(body, "<tr data-seq="); n > 50 {
				t.Fatalf("a page of %d entries", n)
			}
			for _, m := range regexp.MustCompile(`thing:\d+`).FindAllString(body, -1) {
				seen[m] = true
			}
			path = ""
			if m := older.FindStringSubmatch(body); m != nil {
				path = strings.ReplaceAll(m[1], "&amp;", "&")
			}
			pages++
		}
		if len(seen) != 60 || pages < 2 {
			t.Fatalf("paged through %d pages and saw %d of 60 entries", pages, len(seen))
		}
		if _, body, _ := au.get("/office/audit?object=thing:7"); strings.Count(body, "<tr data-seq=") != 1 {
			t.Fatal("filter by object")
		}
	})
}

// TestHouseholdsByName: the households page finds a household by a
// member's whole name, within the office's county, and shows a refused
// name beside its field.
func TestHouseholdsByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		insured(t, db)
		o := s.client(t)
		o.signIn("office", password)
		if code, body, _ := o.get("/office/households?name=" + url.QueryEscape("李四")); code != 200 || !strings.Contains(body, "户 H1") || !strings.Contains(body, "张三丰") || strings.Contains(body, "户 H2") {
			t.Fatalf("by name: %d", code)
		}
		if code, body, _ := o.get("/office/households?name=" + strings.Repeat("张", 65)); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="name-error"`) || !strings.Contains(body, "姓名过长") {
			t.Fatalf("a long name: %d", code)
		}
		b := s.client(t)
		b.signIn("officeb", password)
		if _, body, _ := b.get("/office/households?name=" + url.QueryEscape("李四")); strings.Contains(body, "张三丰") || !strings.Contains(body, "没有找到") {
			t.Fatal("county B finds county A's household by name")
		}
	})
}

// TestOfficeReconcilesInBrowser: an office runs a reconciliation from the
// form, reads its findings, confirms it, downloads its XLSX and views the
// monthly report with its chart, on a desktop and on a phone.
func TestOfficeReconcilesInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		listID, _ := reconciled(t, db)
		addUser(t, db, "auditor", znb.Auditor, county)
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "office")

		var notOnList, status string
		run(t, ctx, "run a reconciliation",
			chromedp.Navigate(s.base+"/office/reconciliations"),
			chromedp.WaitVisible("#run", chromedp.ByID),
			chromedp.SetValue("#list_id", fmt.Sprint(listID), chromedp.ByID),
		)
		shot(t, ctx, "office-reconciliations")
		run(t, ctx, "read the findings",
			chromedp.Click("#run", chromedp.ByID),
			chromedp.WaitVisible("#findings", chromedp.ByID),
			chromedp.Text(`#findings tr[data-finding="not_on_list"] td`, &notOnList, chromedp.ByQuery),
		)
		if notOnList != "1" {
			t.Fatalf("名单外人员 counts %q, want 1", notOnList)
		}
		shot(t, ctx, "office-reconciliation")
		xlsx := download(t, ctx, "download the XLSX", chromedp.Click("#export-xlsx", chromedp.ByID))
		if !strings.HasPrefix(string(xlsx), "PK") {
			t.Fatalf("reconciliation download is no workbook (%d bytes)", len(xlsx))
		}
		run(t, ctx, "confirm",
			chromedp.Click("#advance", chromedp.ByID),
			chromedp.WaitVisible(".ok", chromedp.ByQuery),
			chromedp.Text("#recon-status", &status, chromedp.ByID),
		)
		if status != "已确认" {
			t.Fatalf("status after confirming: %q", status)
		}
		shot(t, ctx, "office-reconciliation-confirmed")

		var bars int
		run(t, ctx, "the monthly report",
			chromedp.Navigate(s.base+"/office/reports?month=2024-05"),
			chromedp.WaitVisible("#chart", chromedp.ByID),
			chromedp.Evaluate(`document.querySelectorAll("#chart rect").length`, &bars),
		)
		if bars < 2 {
			t.Fatalf("the chart has %d bars", bars)
		}
		shot(t, ctx, "office-monthly")
		run(t, ctx, "the annual evaluation", chromedp.Navigate(s.base+"/office/reports/annual"),
			chromedp.WaitVisible("#annual-persons", chromedp.ByID))
		shot(t, ctx, "office-annual")

		run(t, ctx, "on a phone", chromedp.EmulateViewport(360, 740),
			chromedp.Navigate(s.base+"/office/reconciliations/1"), chromedp.WaitVisible("#findings", chromedp.ByID))
		shot(t, ctx, "office-reconciliation-phone")
		run(t, ctx, "report on a phone", chromedp.Navigate(s.base+"/office/reports?month=2024-05"),
			chromedp.WaitVisible("#chart", chromedp.ByID))
		shot(t, ctx, "office-monthly-phone")

		actx := chromium(t, 1280, 900)
		s.signIn(t, actx, "auditor")
		run(t, actx, "the audit trail", chromedp.Navigate(s.base+"/office/audit"), chromedp.WaitVisible("#audit", chromedp.ByID))
		shot(t, actx, "office-audit")
	})
}

// TestReconcileStatementUpload: an uploaded statement with a bad row is
// refused row by row with the API's message beside the file field and
// nothing stored; a good one is reconciled and named on its page.
func TestReconcileStatementUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		listID, agreementID := reconciled(t, db)
		o := s.client(t)
		o.signIn("office", password)
		_, _, token := o.get("/office/reconciliations")
		form := map[string]string{"csrf": token, "agreement_id": fmt.Sprint(agreementID), "list_id": fmt.Sprint(listID)}
		head := "户编号,身份证号,姓名,户类型,起保日期,终保日期,保费\n"
		good := head + "H1," + idn(1) + ",张三丰,已脱贫户,2024-01-01,2024-12-31,60.00\n" +
			"H1," + idn(2) + ",李四,已脱贫户,2024-01-01,2024-12-31,60.00\n" +
			"H1," + idn(4) + ",张小丰,已脱贫户,2024-04-01,2024-12-31,60.00\n"
		bad := strings.Replace(good, "李四,已脱贫户,2024-01-01,2024-12-31,60.00", "李四,已脱贫户,2024-01-01,2024-12-31,-60.00", 1)

		ans := o.multipart("/office/reconciliations", form, "statement", "bad.csv", []byte(bad))
		if ans.code != http.StatusUnprocessableEntity || !strings.Contains(ans.body, `id="statement-error"`) ||
			!regexp.MustCompile(`<tr><td>3</td><td>premium</td><td>[^<]+</td></tr>`).MatchString(ans.body) {
			t.Fatalf("bad statement: %d\n%s", ans.code, ans.body)
		}
		if runs, _ := db.RecentReconciliations(context.Background(), znb.System, 10); len(runs) != 0 {
			t.Fatalf("a refused statement stored %d reconciliations", len(runs))
		}
		ans = o.multipart("/office/reconciliations", form, "statement", "对账单.csv", []byte(good))
		if ans.code != http.StatusSeeOther || !reconPath.MatchString(ans.location) {
			t.Fatalf("good statement: %d %q", ans.code, ans.location)
		}
		code, body, _ := o.get(ans.location)
		if code != 200 || !strings.Contains(body, "承保机构对账单（对账单.csv）") {
			t.Fatalf("%s: %d", ans.location, code)
		}
	})
}
