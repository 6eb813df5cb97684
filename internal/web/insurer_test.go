package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// staff adds the insurer's adjuster and approver, and a clerk of another
// insurer, each with the test password.
func (s *site) staff(t *testing.T) {
	t.Helper()
	for _, u := range []struct {
		name  string
		role  znb.Role
		scope string
	}{{"adjuster", znb.Adjuster, "PICC-ZY"}, {"approver", znb.Approver, "PICC-ZY"}, {"otherclerk", znb.InsurerClerk, "CPIC-ZY"}} {
		if _, err := s.db.CreateUser(context.Background(), znb.System, u.name, u.role, u.scope); err != nil {
			t.Fatal(err)
		}
		if err := s.db.SetPassword(context.Background(), znb.System, u.name, password); err != nil {
			t.Fatal(err)
		}
	}
}

// certificateOf is the certificate number of a household.
func certificateOf(t *testing.T, db *store.DB, household string) string {
	t.Helper()
	cs, err := db.FindCertificates(context.Background(), znb.System, household, "")
	if err != nil || len(cs) != 1 {
		t.Fatalf("certificate of %s: %v %v", household, cs, err)
	}
	return cs[0].No
}

// present reports whether the page has an element matching sel.
func present(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	var ok bool
	run(t, ctx, "look for "+sel, chromedp.Evaluate(fmt.Sprintf("document.querySelector(%q) !== null", sel), &ok))
	return ok
}

// TestInsurerClaimInBrowser: an insurer clerk prints a village's cards,
// finds a certificate and reports a property claim on it, uploads a
// document; the adjuster previews the payout and saves the assessment and
// is offered no approval; the approver approves; the clerk pays and
// downloads the decision letter.
func TestInsurerClaimInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		s.staff(t)
		insured(t, db)
		cert := certificateOf(t, db, "H2")
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "clerk")

		run(t, ctx, "the cards page", chromedp.Navigate(s.base+"/insurer/cards"), chromedp.WaitVisible("main select", chromedp.ByQuery))
		shot(t, ctx, "insurer-cards")
		pdf := download(t, ctx, "print the village's cards", chromedp.Click(`button[id^="print-village-"]`, chromedp.ByQuery))
		if !strings.HasPrefix(string(pdf), "%PDF-") || len(pdf) < 1000 {
			t.Fatalf("village cards are no PDF (%d bytes)", len(pdf))
		}

		var text string
		run(t, ctx, "find the certificate", chromedp.Navigate(s.base+"/insurer/certificates"),
			chromedp.SendKeys("#household_no", "H2", chromedp.ByID),
			chromedp.Click(`form[action="/insurer/certificates"] button`, chromedp.ByQuery),
			chromedp.WaitVisible(".certificate", chromedp.ByQuery), chromedp.Text("main", &text, chromedp.ByQuery))
		for _, w := range []string{cert, "王五", idn(3), "个人自缴", "保费"} {
			if !strings.Contains(text, w) {
				t.Fatalf("certificate page does not show %q:\n%s", w, text)
			}
		}
		shot(t, ctx, "insurer-certificate")

		run(t, ctx, "report a claim with a cause the product does not cover",
			chromedp.Click(`a[href^="/insurer/claims/new"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#incident_date", chromedp.ByID),
			chromedp.SetValue("#line", "property", chromedp.ByID),
			chromedp.SetValue("#incident_date", "2024-06-14", chromedp.ByID),
			chromedp.SendKeys("#cause", "被盗", chromedp.ByID),
			chromedp.SendKeys("#description", "灶房起火，屋顶和家电烧毁", chromedp.ByID),
			chromedp.Click("#report", chromedp.ByID),
			chromedp.WaitVisible("#cause-error", chromedp.ByID), chromedp.Text("#cause-error", &text, chromedp.ByID))
		if !strings.Contains(text, "不属于家庭财产保险的保险责任") {
			t.Fatalf("the cause's error beside it is %q", text)
		}
		shot(t, ctx, "insurer-report-error")
		run(t, ctx, "report it with a covered cause",
			chromedp.SetValue("#cause", "火灾", chromedp.ByID),
			chromedp.Click("#report", chromedp.ByID),
			chromedp.WaitVisible("#done", chromedp.ByID))
		var claimURL string
		run(t, ctx, "the claim's address", chromedp.Location(&claimURL))
		claimURL = strings.TrimSuffix(claimURL, "?reported=1")
		no := claimURL[strings.LastIndex(claimURL, "/")+1:]

		photo := filepath.Join(t.TempDir(), "现场.png")
		if err := os.WriteFile(photo, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "upload a photo", chromedp.SetValue("#kind", "查勘照片", chromedp.ByID),
			chromedp.SetUploadFiles("#file", []string{photo}, chromedp.ByID),
			chromedp.Click("#upload", chromedp.ByID), chromedp.WaitVisible("#documents", chromedp.ByID),
			chromedp.Text("#documents", &text, chromedp.ByID))
		if !strings.Contains(text, "查勘照片") || !strings.Contains(text, "现场.png") {
			t.Fatalf("documents table after upload:\n%s", text)
		}
		if present(t, ctx, "#approve") || present(t, ctx, "#structure_loss") {
			t.Fatal("the clerk is offered to assess or approve")
		}
		shot(t, ctx, "insurer-claim-reported")

		s.signIn(t, ctx, "adjuster")
		run(t, ctx, "the adjuster previews", chromedp.Navigate(claimURL),
			chromedp.SendKeys("#structure_loss", "8000", chromedp.ByID),
			chromedp.SendKeys("#decoration_loss", "1000", chromedp.ByID),
			chromedp.SendKeys("#appliance_loss", "500", chromedp.ByID),
			chromedp.Click("#preview-button", chromedp.ByID),
			chromedp.WaitVisible("#preview", chromedp.ByID),
			chromedp.Text("#preview-payable", &text, chromedp.ByID))
		if text != "9300.00" {
			t.Fatalf("preview pays %q, want 9300.00 (9500 less the 200 deductible)", text)
		}
		if c, err := db.GetClaim(context.Background(), znb.System, no); err != nil || c.Status != claim.Reported || c.Assessed {
			t.Fatalf("a preview wrote the claim: %v %+v", err, c)
		}
		shot(t, ctx, "insurer-assess-preview")
		run(t, ctx, "save the assessment", chromedp.Click("#save-assessment", chromedp.ByID),
			chromedp.WaitVisible("#payable", chromedp.ByID), chromedp.Text("#payable", &text, chromedp.ByID))
		if text != "9300.00" {
			t.Fatalf("saved payable %q, want the previewed 9300.00", text)
		}
		if present(t, ctx, "#approve") || present(t, ctx, "#reject") {
			t.Fatal("the assessor is offered the decision")
		}
		shot(t, ctx, "insurer-claim-assessed")

		s.signIn(t, ctx, "approver")
		run(t, ctx, "the approver approves", chromedp.Navigate(claimURL), chromedp.WaitVisible("#approve", chromedp.ByID))
		shot(t, ctx, "insurer-approve")
		run(t, ctx, "approve", chromedp.Click("#approve", chromedp.ByID), chromedp.WaitVisible("#done", chromedp.ByID),
			chromedp.Text("#status", &text, chromedp.ByID))
		if text != "已核赔" {
			t.Fatalf("status after approval %q", text)
		}

		s.signIn(t, ctx, "clerk")
		run(t, ctx, "the clerk pays without a reference", chromedp.Navigate(claimURL),
			chromedp.Click("#pay", chromedp.ByID), chromedp.WaitVisible("#payment_ref-error", chromedp.ByID),
			chromedp.Text("#payment_ref-error", &text, chromedp.ByID))
		if text != "支付须填写支付凭证号" {
			t.Fatalf("pay without a reference: %q", text)
		}
		run(t, ctx, "pay", chromedp.SendKeys("#payment_ref", "BANK-20240615-001", chromedp.ByID),
			chromedp.Click("#pay", chromedp.ByID), chromedp.WaitVisible("#payment-ref", chromedp.ByID),
			chromedp.Text("#status", &text, chromedp.ByID))
		if text != "已支付" {
			t.Fatalf("status after payment %q", text)
		}
		shot(t, ctx, "insurer-claim-paid")
		letter := download(t, ctx, "the decision letter", chromedp.Click("#letter", chromedp.ByID))
		if !strings.HasPrefix(string(letter), "%PDF-") {
			t.Fatalf("decision letter is no PDF (%d bytes)", len(letter))
		}

		run(t, ctx, "the queue", chromedp.Navigate(s.base+"/insurer/claims?status=paid"), chromedp.WaitVisible("#queue", chromedp.ByID),
			chromedp.Text("#queue", &text, chromedp.ByID))
		if !strings.Contains(text, no) {
			t.Fatalf("paid queue lacks %s:\n%s", no, text)
		}
		shot(t, ctx, "insurer-queue")
		run(t, ctx, "the queue on a phone", chromedp.EmulateViewport(360, 740), chromedp.Navigate(s.base+"/insurer/claims"),
			chromedp.WaitVisible("#queue", chromedp.ByID))
		shot(t, ctx, "insurer-queue-phone")
		run(t, ctx, "the claim on a phone", chromedp.Navigate(claimURL), chromedp.WaitVisible("#status", chromedp.ByID))
		shot(t, ctx, "insurer-claim-phone")
		run(t, ctx, "the certificate on a phone", chromedp.Navigate(s.base+"/insurer/certificates?no="+cert),
			chromedp.WaitVisible(".certificate", chromedp.ByQuery))
		shot(t, ctx, "insurer-certificate-phone")
	})
}

// TestInsurerPages: the queue's filters and paging, the forms' errors
// beside their fields with the API's messages, and who reaches what: an
// office gets 403 on the insurer's pages, another insurer's staff 404 on
// this insurer's claim and certificate, an assessor may not approve.
func TestInsurerPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		s.staff(t)
		no := insured(t, db)
		cert := certificateOf(t, db, "H1")
		certs, err := db.FindCertificates(context.Background(), znb.System, "H1", "")
		if err != nil {
			t.Fatal(err)
		}
		cards := fmt.Sprintf("/insurer/agreements/%d/cards", certs[0].AgreementID)
		clerk := s.client(t)
		clerk.signIn("clerk", password)
		adj := s.client(t)
		adj.signIn("adjuster", password)
		for _, p := range []struct{ query, prefix string }{{"?village=522625101001", "%PDF-"}, {"?village=青山村", "%PDF-"}, {"?township=522625101", "PK"}} {
			code, body, _ := clerk.get(cards + p.query)
			if code != 200 || !strings.HasPrefix(body, p.prefix) {
				t.Errorf("cards%s: %d, want a file starting %q", p.query, code, p.prefix)
			}
		}
		for _, p := range []struct {
			query, want string
			code        int
		}{{"?township=5226", "行政区划代码须为 9 位（乡镇）", 422}, {"?township=522625102", "乡镇 522625102 没有已出单的分户凭证", 422},
			{"", "请选择要打印的村或乡镇", 422}} {
			if code, body, _ := clerk.get(cards + p.query); code != p.code || !strings.Contains(body, p.want) {
				t.Errorf("cards%s: %d, want %d with %q", p.query, code, p.code, p.want)
			}
		}

		for _, p := range []struct {
			path   string
			status int
			want   []string
		}{
			{"/insurer/claims?line=property&village=青山村&age=30", 200, []string{no, "家庭财产保险", "36"}},
			{"/insurer/claims?age=60", 200, []string{"共 0 件"}},
			{"/insurer/claims?village=522625101", 200, []string{no}},
			{"/insurer/claims?line=fire", 422, []string{"险种无效", `id="line-error"`}},
			{"/insurer/claims?age=x", 422, []string{"报案天数须为非负整数", `id="age-error"`}},
			{"/insurer/claims?page=2", 200, []string{"共 1 件"}},
			{"/insurer/certificates?no=" + cert, 200, []string{"张三丰", "李四", idn(2), "个人自缴"}},
			{"/insurer/certificates?id_number=" + idn(2), 200, []string{cert}},
			{"/insurer/certificates?household_no=H9", 200, []string{"没有找到"}},
			{"/insurer/certificates?no=NOPE", 404, []string{"分户凭证不存在", `id="no-error"`}},
			{"/insurer/cards", 200, []string{"青山村", "522625101"}},
			{"/insurer/claims/" + no, 200, []string{"火灾", "报案登记表", "✘ 缺"}},
		} {
			code, body, _ := clerk.get(p.path)
			if code != p.status {
				t.Errorf("%s: status %d, want %d", p.path, code, p.status)
			}
			if len(body) > maxPage {
				t.Errorf("%s weighs %d bytes", p.path, len(body))
			}
			for _, w := range p.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s does not show %q", p.path, w)
				}
			}
		}

		t.Run("Paging", func(t *testing.T) {
			h2 := certificateOf(t, db, "H2")
			for day := 1; day <= 21; day++ {
				if _, err := db.ReportClaim(context.Background(), znb.Actor{ID: 9, Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"},
					store.ClaimReport{CertificateNo: h2, Line: znb.Property, IncidentDate: znb.MustDate("2024-05-01").AddDays(day),
						ReportedOn: znb.MustDate("2024-06-14"), Cause: "火灾", Description: "失火"}); err != nil {
					t.Fatal(err)
				}
			}
			_, body, _ := clerk.get("/insurer/claims")
			if !strings.Contains(body, "共 22 件，第 1 / 2 页") || !strings.Contains(body, `rel="next"`) || strings.Contains(body, no) {
				t.Fatalf("first page of 22:\n%s", body)
			}
			_, body, _ = clerk.get("/insurer/claims?page=2")
			if !strings.Contains(body, "第 2 / 2 页") || !strings.Contains(body, no) || !strings.Contains(body, `rel="prev"`) {
				t.Fatalf("second page lacks the oldest claim:\n%s", body)
			}
		})

		t.Run("Forms", func(t *testing.T) {
			_, page, token := clerk.get("/insurer/claims/new")
			if !strings.Contains(page, `name="member_id_number"`) {
				t.Fatal("report form lacks the member field")
			}
			code, body := clerk.post("/insurer/claims", url.Values{"csrf": {token}, "certificate_no": {cert},
				"line": {"accident"}, "incident_date": {"2024-06-01"}, "cause": {"交通事故"}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="member_id_number-error"`) || !strings.Contains(body, "意外伤害保险须指明出险的家庭成员") {
				t.Fatalf("accident without a member: %d", code)
			}
			_, _, token = adj.get("/insurer/claims/" + no)
			code, body = adj.post("/insurer/claims/"+no+"/assess", url.Values{"csrf": {token}, "action": {"preview"},
				"structure_loss": {"12.345"}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="structure_loss-error"`) || !strings.Contains(body, "structure_loss 须为不超过") {
				t.Fatalf("a bad amount: %d\n%s", code, body)
			}
			code, body = adj.post("/insurer/claims/"+no+"/assess", url.Values{"csrf": {token}, "action": {"save"},
				"structure_loss": {"20000"}})
			if code != http.StatusSeeOther {
				t.Fatalf("save the assessment: %d\n%s", code, body)
			}
			_, body, _ = adj.get("/insurer/claims/" + no)
			if !strings.Contains(body, "15000.00") || strings.Contains(body, `id="approve"`) {
				t.Fatalf("assessed claim page (sub-limit 15000, no approve for the assessor):\n%s", body)
			}
			if code, _ := adj.post("/insurer/claims/"+no+"/approve", url.Values{"csrf": {token}}); code != http.StatusForbidden {
				t.Fatalf("the assessor approves: %d, want 403", code)
			}
			// The assessor's account is given approver rights: the page still
			// offers no decision, and a decision posted anyway is refused with
			// the domain's maker–checker message on top of the page.
			if err := db.Gorm(context.Background()).Exec("UPDATE users SET role = ? WHERE username = ?", znb.Approver, "adjuster").Error; err != nil {
				t.Fatal(err)
			}
			promoted := s.client(t)
			promoted.signIn("adjuster", password)
			_, body, token = promoted.get("/insurer/claims/" + no)
			if strings.Contains(body, `id="approve"`) || strings.Contains(body, `id="reject"`) || !strings.Contains(body, `id="self-assessed"`) {
				t.Fatalf("the assessor with approver rights is offered the decision:\n%s", body)
			}
			if code, body := promoted.post("/insurer/claims/"+no+"/approve", url.Values{"csrf": {token}}); code != http.StatusForbidden ||
				!strings.Contains(body, "核赔人不能是理算人本人") || !strings.Contains(body, `id="page-error"`) {
				t.Fatalf("the assessor approves with approver rights: %d", code)
			}
			ap := s.client(t)
			ap.signIn("approver", password)
			_, body, token = ap.get("/insurer/claims/" + no)
			if !strings.Contains(body, `id="approve"`) || !strings.Contains(body, `id="reject"`) {
				t.Fatal("the approver is not offered the decision")
			}
			code, body = ap.post("/insurer/claims/"+no+"/reject", url.Values{"csrf": {token}, "reason_code": {""}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="reason_code-error"`) || !strings.Contains(body, "拒赔原因代码无效") {
				t.Fatalf("reject without a reason: %d", code)
			}
			if code, _ := ap.post("/insurer/claims/"+no+"/approve", url.Values{}); code != http.StatusForbidden {
				t.Fatalf("approve without the form token: %d, want 403", code)
			}
		})

		t.Run("Desks", func(t *testing.T) {
			o := s.client(t)
			o.signIn("office", password)
			for _, p := range []string{"/insurer/claims/" + no, "/insurer/claims/new", "/insurer/certificates?no=" + cert,
				"/insurer/cards", "/insurer/claims/" + no + "/letter.pdf", cards + "?village=522625101001"} {
				if code, _, _ := o.get(p); code != http.StatusForbidden {
					t.Errorf("office on %s: %d, want 403", p, code)
				}
			}
		})

		t.Run("OtherInsurer", func(t *testing.T) {
			other := s.client(t)
			other.signIn("otherclerk", password)
			for _, p := range []string{"/insurer/claims/" + no, "/insurer/claims/" + no + "/letter.pdf",
				"/insurer/claims/" + no + "/documents/1", "/insurer/certificates?no=" + cert,
				cards + "?village=522625101001"} {
				if code, body, _ := other.get(p); code != http.StatusNotFound || strings.Contains(body, "张三丰") {
					t.Errorf("another insurer on %s: %d, want 404", p, code)
				}
			}
			_, body, _ := other.get("/insurer/claims")
			if strings.Contains(body, no) || !strings.Contains(body, "共 0 件") {
				t.Error("another insurer's queue shows the claim")
			}
			_, _, token := other.get("/insurer/claims/new")
			if code, body := other.post("/insurer/claims/"+no+"/pay", url.Values{"csrf": {token}, "payment_ref": {"X"}}); code != http.StatusNotFound || strings.Contains(body, "张三丰") {
				t.Errorf("another insurer pays: %d, want 404", code)
			}
		})
	})
}

var previewRe = regexp.MustCompile(`id="preview-payable">([0-9.]+)<`)

// TestAssessEachLine: the assessment form of each of the four lines shows
// the payout breakdown of the domain's calculation before anything is
// saved, and saving pays what the preview showed.
func TestAssessEachLine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		s.staff(t)
		property := insured(t, db)
		cert := certificateOf(t, db, "H1")
		clerk := znb.Actor{ID: 9, Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
		report := func(line znb.Line, member, cause string) string {
			c, err := db.ReportClaim(context.Background(), clerk, store.ClaimReport{CertificateNo: cert, Line: line,
				MemberIDNumber: member, IncidentDate: znb.MustDate("2024-06-10"), ReportedOn: znb.MustDate("2024-06-11"),
				Cause: cause, Description: "测试"})
			if err != nil {
				t.Fatal(err)
			}
			return c.No
		}
		adj := s.client(t)
		adj.signIn("adjuster", password)
		var shots []string
		for _, tc := range []struct {
			no     string
			form   url.Values
			fields []string // the line's fields the form must offer
			want   string
		}{
			{report(znb.Agriculture, "", "疫病"), url.Values{"items[0].kind": {"livestock"}, "items[0].subject": {"能繁母猪"},
				"items[0].quantity": {"3"}, "items[0].assessed_loss": {"4500"}, "items[0].policy_insurance_paid": {"1500"}},
				[]string{"items[2].assessed_loss", "items[0].policy_insurance_paid"}, "2800.00"},
			{report(znb.Accident, idn(1), "意外伤害"), url.Values{"outcome": {"death"}},
				[]string{"outcome", "injuries[0].grade", "burns[1].area_pct"}, "30000.00"},
			{report(znb.Hospitalization, idn(2), "意外伤害"), url.Values{"medical_expense": {"5000"}, "basic_insurance_paid": {"2000"}},
				[]string{"medical_expense", "critical_illness_paid", "non_reimbursable"}, "2610.00"},
			{property, url.Values{"structure_loss": {"16000"}, "appliance_loss": {"2500"}},
				[]string{"structure_loss", "decoration_loss"}, "16800.00"},
		} {
			path := "/insurer/claims/" + tc.no
			_, page, token := adj.get(path)
			for _, f := range tc.fields {
				if !strings.Contains(page, `name="`+f+`"`) {
					t.Errorf("%s: the form lacks %s", path, f)
				}
			}
			tc.form.Set("csrf", token)
			tc.form.Set("action", "preview")
			code, body := adj.post(path+"/assess", tc.form)
			m := previewRe.FindStringSubmatch(body)
			if code != http.StatusOK || m == nil || m[1] != tc.want || !strings.Contains(body, "save-assessment") {
				t.Fatalf("%s: preview %d %v, want %s", path, code, m, tc.want)
			}
			if c, err := db.GetClaim(context.Background(), znb.System, tc.no); err != nil || c.Assessed {
				t.Fatalf("%s: the preview was saved: %v", path, err)
			}
			tc.form.Set("action", "save")
			if code, _ := adj.post(path+"/assess", tc.form); code != http.StatusSeeOther {
				t.Fatalf("%s: save %d", path, code)
			}
			c, err := db.GetClaim(context.Background(), znb.System, tc.no)
			if err != nil || c.Status != claim.Assessed || c.Payable.StringFixed(2) != tc.want {
				t.Fatalf("%s: saved %v %s, want the previewed %s", path, err, c.Payable, tc.want)
			}
			shots = append(shots, tc.no)
		}
		// The forms of the lines with lists (items, injuries and burns) on a phone.
		ctx := chromium(t, 360, 740)
		s.signIn(t, ctx, "adjuster")
		for i, name := range []string{"agriculture", "accident"} {
			run(t, ctx, "the "+name+" form", chromedp.Navigate(s.base+"/insurer/claims/"+shots[i]),
				chromedp.WaitVisible("#preview-button", chromedp.ByID))
			shot(t, ctx, "insurer-assess-"+name+"-phone")
		}
	})
}
