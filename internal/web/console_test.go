package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/web"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const (
	county   = "522625"
	countyB  = "522626"
	password = "正确的密码abc123"
)

// site is a console served on a real listener over a fresh database, with
// an office of county A, an office of county B and an insurer clerk.
type site struct {
	t    *testing.T
	db   *store.DB
	base string
}

func newSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	ctx := context.Background()
	for _, u := range []struct {
		name  string
		role  znb.Role
		scope string
	}{{"office", znb.Office, county}, {"officeb", znb.Office, countyB}, {"clerk", znb.InsurerClerk, "PICC-ZY"}} {
		if _, err := db.CreateUser(ctx, znb.System, u.name, u.role, u.scope); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPassword(ctx, znb.System, u.name, password); err != nil {
			t.Fatal(err)
		}
	}
	srv := rest.New(rest.Deps{
		DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:  func() time.Time { return storetest.Now },
		Secret: []byte("test-secret"), BaseURL: "http://znb.test",
		DocumentsDir: t.TempDir(), MaxUploadBytes: 1 << 20, PublicPerMinute: 100,
		Console: web.Mount(web.Config{}),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return &site{t: t, db: db, base: "http://" + ln.Addr().String()}
}

// chromium starts a headless Chromium of the viewport's size with a fresh
// profile and returns its context.
func chromium(t *testing.T, width, height int) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the browser tests need Debian's chromium (apt-get install chromium): ", err)
	}
	// A profile of its own, removed after the browser has gone: Chromium's
	// helpers may still write to it for a moment after it exits, which
	// t.TempDir's cleanup would fail on.
	profile, err := os.MkdirTemp("", "znb-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "zh-CN"), chromedp.WindowSize(width, height),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// run runs browser actions or fails the test, naming the step.
func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action) {
	t.Helper()
	start := time.Now()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v (after %v)", step, err, time.Since(start))
	}
}

// shot writes a screenshot of the whole page to artifacts/console at the
// top of the repository, named by the engine and the page.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(&png, 100))
	engine := "sqlite"
	if strings.Contains(t.Name(), "mysql") {
		engine = "mysql"
	}
	dir := filepath.Join("..", "..", "artifacts", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, engine+"-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s *site) signIn(t *testing.T, ctx context.Context, user string) {
	t.Helper()
	run(t, ctx, "sign in as "+user,
		chromedp.Navigate(s.base+"/login"),
		chromedp.SendKeys("#username", user, chromedp.ByID),
		chromedp.SendKeys("#password", password, chromedp.ByID),
	)
	shot(t, ctx, "login")
	// The login page has a heading too: wait until its form is gone, so the
	// next navigation does not abort the redirect still under way.
	run(t, ctx, "submit sign-in", chromedp.Click(`form[action="/login"] button`, chromedp.ByQuery),
		chromedp.WaitNotPresent("#password", chromedp.ByID), chromedp.WaitVisible("main h1", chromedp.ByQuery))
}

// TestOfficeInBrowser: an office signs in, uploads a list with errors and
// sees row 5's error with the message the API gives, uploads a good list
// and sees its summary, creates an agreement from the form and activates it.
func TestOfficeInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "office")

		bad, _ := filepath.Abs(filepath.Join("..", "..", "docs", "examples", "有错的名单.csv"))
		want := apiRejects(t, db, bad)
		var row5 string
		run(t, ctx, "upload the bad list",
			chromedp.WaitVisible("#file", chromedp.ByID),
			chromedp.SetValue("#effective_date", "2024-01-01", chromedp.ByID),
			chromedp.SetUploadFiles("#file", []string{bad}, chromedp.ByID),
			chromedp.Click(`form[action="/office/lists"] button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#rejects tr[data-row="5"]`, chromedp.ByQuery),
			chromedp.Text(`#rejects tr[data-row="5"]`, &row5, chromedp.ByQuery),
		)
		if !strings.Contains(row5, want[5]) || want[5] == "" {
			t.Fatalf("row 5 shows %q, want the API's message %q", row5, want[5])
		}
		shot(t, ctx, "office-rejects")
		xlsx := download(t, ctx, "download the reject report", chromedp.Click(`form[action="/office/rejects.xlsx"] button`, chromedp.ByQuery))
		if !strings.HasPrefix(string(xlsx), "PK") || len(xlsx) < 1000 {
			t.Fatalf("reject report download is no workbook (%d bytes)", len(xlsx))
		}

		good := filepath.Join(t.TempDir(), "名单.csv")
		f, err := os.Create(good)
		if err != nil {
			t.Fatal(err)
		}
		members := storetest.Generate(t, f, county, 30, 7, znb.MustDate("2024-01-01"))
		f.Close()
		var hh, mm string
		run(t, ctx, "upload the good list",
			chromedp.SetValue("#effective_date", "2024-01-01", chromedp.ByID),
			chromedp.SetUploadFiles("#file", []string{good}, chromedp.ByID),
			chromedp.Click(`form[action="/office/lists"] button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible("#households", chromedp.ByID),
			chromedp.Text("#households", &hh, chromedp.ByID),
			chromedp.Text("#members", &mm, chromedp.ByID),
		)
		if hh != "30" || mm != fmt.Sprint(members) {
			t.Fatalf("summary shows %s households, %s members; want 30, %d", hh, mm, members)
		}
		shot(t, ctx, "office-list")

		body, err := os.ReadFile(storetest.ProductFile("znb-standard"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.LoadProduct(context.Background(), znb.System, body); err != nil {
			t.Fatal(err)
		}
		var status string
		run(t, ctx, "create an agreement",
			chromedp.Navigate(s.base+"/office/agreements"),
			chromedp.SendKeys("#agreement_no", "ZY-2024-009", chromedp.ByID),
			chromedp.SendKeys("#insurer_code", "PICC-ZY", chromedp.ByID),
			chromedp.SendKeys("#insurer_name", "中国人民财产保险股份有限公司镇远支公司", chromedp.ByID),
			chromedp.SendKeys("#insurer_hotline", "95518", chromedp.ByID),
			chromedp.SendKeys("#premium_per_person", "60.00", chromedp.ByID),
			chromedp.SetValue("#term_start", "2024-01-01", chromedp.ByID),
			chromedp.SetValue("#term_end", "2024-12-31", chromedp.ByID),
		)
		shot(t, ctx, "office-agreements")
		run(t, ctx, "save and activate",
			chromedp.Click(`form[action="/office/agreements"] button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible("#activate", chromedp.ByID),
		)
		shot(t, ctx, "office-agreement-draft")
		run(t, ctx, "activate",
			chromedp.Click("#activate", chromedp.ByID),
			chromedp.WaitNotPresent("#activate", chromedp.ByID),
			chromedp.Text("#status", &status, chromedp.ByID),
		)
		if status != "已生效" {
			t.Fatalf("agreement status %q after activation, want 已生效", status)
		}
		shot(t, ctx, "office-agreement-active")

		run(t, ctx, "the office on a phone", chromedp.EmulateViewport(360, 740), chromedp.Navigate(s.base+"/office/lists"),
			chromedp.WaitVisible("#file", chromedp.ByID))
		shot(t, ctx, "office-lists-phone")
		run(t, ctx, "agreements on a phone", chromedp.Navigate(s.base+"/office/agreements"), chromedp.WaitVisible("#agreement_no", chromedp.ByID))
		shot(t, ctx, "office-agreements-phone")
	})
}

// apiRejects is the reject report the store gives for the file, by row.
func apiRejects(t *testing.T, db *store.DB, path string) map[int]string {
	t.Helper()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
	res, err := db.ImportList(context.Background(), office, storetest.File(t, path),
		store.ImportOptions{County: county, Effective: znb.MustDate("2024-01-01")})
	if znb.CodeOf(err) != "list_rejected" || res == nil {
		t.Fatalf("the example list was not refused: %v", err)
	}
	out := map[int]string{}
	for _, r := range rest.RejectsOut(res.Rejected) {
		out[r.Row] = r.Message
	}
	return out
}

// insured issues a county of one household (张三丰 and 李四) and reports a
// property claim on it; it returns the claim number.
func insured(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
	a := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{County: county})
	list := storetest.WriteFile(t, "list.csv", "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期\n"+
		"H1,522625101001,青山村,已脱贫户,张三丰,"+idn(1)+",户主,正常,\n"+
		"H1,522625101001,青山村,已脱贫户,李四,"+idn(2)+",配偶,正常,\n"+
		"H2,522625101001,青山村,已脱贫户,王五,"+idn(3)+",户主,正常,\n")
	storetest.ImportAndIssue(t, db, office, a.ID, list, store.ImportOptions{County: county, Effective: znb.MustDate("2024-01-01")})
	cs, err := db.FindCertificates(ctx, znb.System, "H1", "")
	if err != nil || len(cs) != 1 {
		t.Fatalf("certificate of H1: %v %v", cs, err)
	}
	clerk := znb.Actor{ID: 9, Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	c, err := db.ReportClaim(ctx, clerk, store.ClaimReport{CertificateNo: cs[0].No, Line: znb.Property,
		IncidentDate: znb.MustDate("2024-05-10"), ReportedOn: znb.MustDate("2024-05-10"), Cause: "火灾", Description: "厨房失火"})
	if err != nil {
		t.Fatal(err)
	}
	return c.No
}

// idn is a valid ID number of county, numbered seq.
func idn(seq int) string {
	s := fmt.Sprintf("%s19800101%03d", county, seq)
	return s + string(checkDigit(s))
}

func checkDigit(s string) byte {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11]
}

// TestHouseholdOnPhone: a household on a 360×740 screen sees its claim and
// downloads its card as a PDF.
func TestHouseholdOnPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		claimNo := insured(t, db)
		ctx := chromium(t, 360, 740)
		fill := chromedp.Tasks{
			chromedp.Navigate(s.base + "/household"),
			chromedp.SendKeys("#name", "张三丰", chromedp.ByID),
			chromedp.SendKeys("#id_number", idn(1), chromedp.ByID),
		}
		run(t, ctx, "open the household page", fill)
		shot(t, ctx, "household")
		var text string
		run(t, ctx, "see my claims", chromedp.Click("#my-claims", chromedp.ByID),
			chromedp.WaitVisible(".claim", chromedp.ByQuery), chromedp.Text("main", &text, chromedp.ByQuery))
		if !strings.Contains(text, claimNo) || !strings.Contains(text, "财产") && !strings.Contains(text, "已报案") {
			t.Fatalf("claims page does not show claim %s:\n%s", claimNo, text)
		}
		shot(t, ctx, "household-claims")

		no, sig := signedCard(t, db)
		run(t, ctx, "scan the card's QR code", chromedp.Navigate(s.base+"/verify/"+no+"?sig="+sig),
			chromedp.WaitVisible(".ok", chromedp.ByQuery))
		shot(t, ctx, "verify")

		run(t, ctx, "a stranger's name", chromedp.Navigate(s.base+"/household"),
			chromedp.SendKeys("#name", "王五", chromedp.ByID), chromedp.SendKeys("#id_number", idn(1), chromedp.ByID),
			chromedp.Click("#my-claims", chromedp.ByID), chromedp.WaitVisible("#id-error", chromedp.ByID),
			chromedp.Text("main", &text, chromedp.ByQuery))
		if strings.Contains(text, claimNo) || !strings.Contains(text, "参保人") {
			t.Fatalf("a wrong name must show no claim but the not-found message:\n%s", text)
		}
		shot(t, ctx, "household-error")

		pdf := download(t, ctx, "get my card", fill, chromedp.Click("#get-card", chromedp.ByID))
		if !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Fatalf("downloaded card is not a PDF (%d bytes)", len(pdf))
		}
	})
}

// download runs the actions, the last of which starts a download, and
// returns the file downloaded.
func download(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action) []byte {
	t.Helper()
	dir := t.TempDir()
	done := make(chan string, 1)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chromedp.ListenTarget(lctx, func(ev any) {
		if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
			select {
			case done <- e.GUID:
			default:
			}
		}
	})
	allow := browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true)
	run(t, ctx, step, append([]chromedp.Action{allow}, actions...)...)
	select {
	case guid := <-done:
		b, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			t.Fatal(err)
		}
		return b
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: nothing was downloaded", step)
	}
	return nil
}

// client is a browser without a browser: cookies and the form token.
type client struct {
	t    *testing.T
	s    *site
	http *http.Client
}

func (s *site) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, s: s, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// get answers the status, the body and the page's form token.
func (c *client) get(path string) (int, string, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.s.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	token := ""
	if m := csrfRe.FindSubmatch(b); m != nil {
		token = string(m[1])
	}
	return resp.StatusCode, string(b), token
}

func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	resp, err := c.http.PostForm(c.s.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) signIn(user, pass string) (int, string) {
	c.t.Helper()
	_, _, token := c.get("/login")
	return c.post("/login", url.Values{"csrf": {token}, "username": {user}, "password": {pass}})
}

// TestConsoleSecurity: forms need their token, a county's session sees
// nothing of another county, office and insurer pages are apart, the CSP
// allows scripts only from the platform, and repeated failures lock.
func TestConsoleSecurity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
		a := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{County: county})
		lists := storetest.WriteFile(t, "l.csv", "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期\n"+
			"H1,522625101001,青山村,已脱贫户,张三丰,"+idn(1)+",户主,正常,\n")
		listID := storetest.ImportAndIssue(t, db, office, a.ID, lists, store.ImportOptions{County: county, Effective: znb.MustDate("2024-01-01")})

		t.Run("CSP", func(t *testing.T) {
			resp, err := http.Get(s.base + "/login")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") {
				t.Fatalf("CSP %q", csp)
			}
		})

		t.Run("SignInForm", func(t *testing.T) {
			c := s.client(t)
			if code, _ := c.post("/login", url.Values{"username": {"office"}, "password": {password}}); code != http.StatusForbidden {
				t.Fatalf("sign-in without a token: %d, want 403", code)
			}
			code, _ := c.signIn("office", password)
			if code != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", code)
			}
			var session *http.Cookie
			u, _ := url.Parse(s.base)
			for _, ck := range c.http.Jar.Cookies(u) {
				if ck.Name == "znb_session" {
					session = ck
				}
			}
			if session == nil {
				t.Fatal("no session cookie")
			}
		})

		t.Run("CSRF", func(t *testing.T) {
			c := s.client(t)
			c.signIn("office", password)
			_, _, token := c.get("/office/agreements/" + fmt.Sprint(a.ID))
			for name, form := range map[string]url.Values{"none": {}, "wrong": {"csrf": {strings.Repeat("0", 64)}}} {
				code, body := c.post(fmt.Sprintf("/office/agreements/%d/activate", a.ID), form)
				if code != http.StatusForbidden || !strings.Contains(body, "表单已失效") {
					t.Fatalf("%s token: %d, want 403 with the message", name, code)
				}
			}
			if code, _ := c.post("/logout", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
				t.Fatalf("sign-out with the token: %d", code)
			}
			if code, _, _ := c.get("/office/lists"); code != http.StatusSeeOther {
				t.Fatalf("after sign-out the office page answers %d, want a redirect to sign in", code)
			}
		})

		t.Run("OtherCounty", func(t *testing.T) {
			c := s.client(t)
			c.signIn("officeb", password)
			for _, p := range []string{fmt.Sprintf("/office/lists/%d", listID), fmt.Sprintf("/office/agreements/%d", a.ID)} {
				if code, body, _ := c.get(p); code != http.StatusNotFound || strings.Contains(body, "ZY-2024-001") {
					t.Fatalf("county B reads %s: %d", p, code)
				}
			}
			if code, _, _ := c.get(fmt.Sprintf("/office/lists/%d", listID)); code != http.StatusNotFound {
				t.Fatal("not 404")
			}
			own := s.client(t)
			own.signIn("office", password)
			if code, _, _ := own.get(fmt.Sprintf("/office/lists/%d", listID)); code != http.StatusOK {
				t.Fatalf("county A reads its own list: %d", code)
			}
		})

		t.Run("Desks", func(t *testing.T) {
			o := s.client(t)
			o.signIn("office", password)
			if code, _, _ := o.get("/insurer/claims"); code != http.StatusForbidden {
				t.Fatalf("office on the insurer's claims queue: %d, want 403", code)
			}
			i := s.client(t)
			i.signIn("clerk", password)
			for _, p := range []string{"/office/lists", "/office/agreements"} {
				if code, _, _ := i.get(p); code != http.StatusForbidden {
					t.Fatalf("insurer on %s: %d, want 403", p, code)
				}
			}
			if code, body, _ := i.get("/insurer/claims"); code != http.StatusOK || !strings.Contains(body, "理赔案件") {
				t.Fatalf("insurer on its claims queue: %d", code)
			}
		})

		t.Run("Lockout", func(t *testing.T) {
			c := s.client(t)
			for i := range znb.LockAfter {
				if code, body := c.signIn("clerk", "wrong-password"); code != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
					t.Fatalf("failure %d: %d", i+1, code)
				}
			}
			if code, body := c.signIn("clerk", password); code != http.StatusTooManyRequests || !strings.Contains(body, "已锁定") {
				t.Fatalf("right password while locked: %d", code)
			}
		})
	})
}

// TestInsurerIssuesInBrowser: an insurer clerk issues an agreement over a
// list version and watches the progress bar reach 100%.
func TestInsurerIssuesInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
		a := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{County: county})
		path := filepath.Join(t.TempDir(), "list.csv")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		storetest.Generate(t, f, county, 300, 3, znb.MustDate("2024-01-01"))
		f.Close()
		l, err := db.ImportList(context.Background(), office, storetest.File(t, path),
			store.ImportOptions{County: county, Effective: znb.MustDate("2024-01-01")})
		if err != nil {
			t.Fatal(err)
		}
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "clerk")
		field := fmt.Sprintf("#list_id-%d", a.ID)
		run(t, ctx, "open the issue page", chromedp.Navigate(s.base+"/insurer/agreements"),
			chromedp.SendKeys(field, fmt.Sprint(l.List.ID), chromedp.ByQuery))
		shot(t, ctx, "insurer-issue")
		run(t, ctx, "issue", chromedp.Click(fmt.Sprintf(`form[action="/insurer/agreements/%d/issue"] button`, a.ID), chromedp.ByQuery),
			chromedp.WaitVisible("#progress", chromedp.ByID))
		var percent, value string
		for range 60 {
			run(t, ctx, "read the progress", chromedp.WaitVisible("#percent", chromedp.ByID),
				chromedp.Text("#percent", &percent, chromedp.ByID))
			if strings.HasPrefix(percent, "100%") {
				break
			}
			time.Sleep(time.Second) // the page reloads itself every two seconds
		}
		run(t, ctx, "the bar", chromedp.AttributeValue("#progress", "value", &value, nil, chromedp.ByID))
		if !strings.HasPrefix(percent, "100%") || value != "100" {
			t.Fatalf("progress ends at %q (bar %s), want 100%%", percent, value)
		}
		var text string
		run(t, ctx, "the result", chromedp.Text("main", &text, chromedp.ByQuery))
		if !strings.Contains(text, "出单完成") {
			t.Fatalf("job page does not say the issue is done:\n%s", text)
		}
		shot(t, ctx, "insurer-job")
	})
}
