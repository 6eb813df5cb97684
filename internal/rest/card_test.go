package rest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/skip2/go-qrcode"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// maskedID is the mask cards print (first 6, eight '*', last 4), written
// here apart from the code under test.
func maskedID(id string) string { return id[:6] + "********" + id[14:] }

// pagesText extracts a PDF's text with pdftotext in the given mode, one
// string a page, whitespace removed.
func pagesText(t *testing.T, pdf []byte, mode string) []string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", mode, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	pages = pages[:len(pages)-1] // the text ends with a form feed
	for i, p := range pages {
		pages[i] = strings.Join(strings.Fields(p), "")
	}
	return pages
}

// assertNoFullID fails when a full ID number is in the PDF's bytes (as
// text or as the UTF-16 of Identity-H fonts) or in its text.
func assertNoFullID(t *testing.T, pdf []byte, text string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		var u16 []byte
		for _, c := range id {
			u16 = append(u16, 0, byte(c))
		}
		if bytes.Contains(pdf, []byte(id)) || bytes.Contains(pdf, u16) || strings.Contains(text, id) {
			t.Errorf("full ID number %s is in the PDF", id)
		}
	}
}

func assertHas(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, strings.Join(strings.Fields(w), "")) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// The four lines of znb-standard and their sums insured as cards print
// them (configs/products/znb-standard.yaml).
var standardLines = []string{"农业生产保险", "10,000.00", "意外伤害保险", "30,000.00", "意外住院医疗保险", "10,000.00", "家庭财产保险", "20,000.00"}

// verifyURL finds a printed verify link; the signature is 16 bytes in
// unpadded base64url, 22 characters, and the text runs on after it.
var verifyURL = regexp.MustCompile(`http://znb\.test/verify/[A-Za-z0-9-]+\?sig=[A-Za-z0-9_-]{22}`)

func TestCardsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		h1, h2, h4 := w.cert["H1"], w.cert["H2"], w.cert["H4"]

		// One certificate's card: H1 with the child added by endorsement.
		code, pdf := h.call("GET", "/api/v1/certificates/"+h1+"/card.pdf", w.clerk, nil)
		if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("card.pdf: %d %.200s", code, pdf)
		}
		keepCardPNG(t, pdf, "card-h1")
		text := pagesText(t, pdf, "-layout")
		if len(text) != 2 {
			t.Fatalf("H1's card has %d pages, want 2 (front and back)", len(text))
		}
		assertHas(t, "H1 card", text[0], "“助农保”保险服务明白卡", "中国人民财产保险股份有限公司镇远支公司", "理赔服务电话：95518",
			h1, "2024-01-01 至 2024-12-31", "青山村", "户主", "张三丰", "有效", "签发日期")
		assertHas(t, "H1 card", text[0], standardLines...)
		for _, p := range []struct {
			name string
			seq  int
		}{{"张三丰", pHead1}, {"李四", pSpouse}, {"张小丰", pChild1}} {
			assertHas(t, "H1 card", text[0], p.name, maskedID(w.person(p.seq)))
		}
		assertNoFullID(t, pdf, text[0], w.person(pHead1), w.person(pSpouse), w.person(pChild1))
		if strings.Contains(text[0], "已注销") {
			t.Error("an active card says 已注销")
		}

		// The QR code: the URL printed under it is the one it encodes, and
		// it carries the signature of the number and the agreement's term.
		raw := strings.Join(pagesText(t, pdf, "-raw"), "")
		link := verifyURL.FindString(raw)
		wantSig := card.Signer{Key: []byte("test-secret")}.Sign(h1, znb.MustDate("2024-01-01"), znb.MustDate("2024-12-31"))
		if link != "http://znb.test/verify/"+h1+"?sig="+wantSig {
			t.Fatalf("printed verify link %q, want the signed link of %s", link, h1)
		}
		assertQR(t, pdf, link)

		// Scope and roles.
		if code, _ := h.call("GET", "/api/v1/certificates/"+h1+"/card.pdf", w.otherClerk, nil); code != 404 {
			t.Errorf("other insurer's card: %d, want 404", code)
		}
		if code, _ := h.call("GET", "/api/v1/certificates/"+h1+"/card.pdf", w.office, nil); code != 200 {
			t.Errorf("office reads the card: %d", code)
		}
		if code, _ := h.call("GET", "/api/v1/certificates/"+h1+"/card.pdf", "", nil); code != 401 {
			t.Errorf("card without a key: %d", code)
		}
		if code, _ := h.call("GET", "/api/v1/certificates/NOPE/card.pdf", w.clerk, nil); code != 404 {
			t.Errorf("unknown certificate: %d", code)
		}

		// H4 left the list on 2024-04-01: its card says so across the page.
		code, pdf = h.call("GET", "/api/v1/certificates/"+h4+"/card.pdf", w.clerk, nil)
		if code != 200 {
			t.Fatalf("cancelled card: %d %s", code, pdf)
		}
		keepCardPNG(t, pdf, "card-h4")
		assertHas(t, "H4 card", strings.Join(pagesText(t, pdf, "-raw"), ""), "赵六", "已注销", "CANCELLED", maskedID(w.person(pHead4)))
		assertNoFullID(t, pdf, "", w.person(pHead4))

		// The village file: 青山村 holds H1 and H2, one card a page in
		// household order; the font is embedded once.
		path := fmt.Sprintf("/api/v1/agreements/%d/cards.pdf?village=522625101001", w.agreementID)
		code, pdf = h.call("GET", path, w.clerk, nil)
		if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("village file: %d %.200s", code, pdf)
		}
		pages := pagesText(t, pdf, "-layout")
		if len(pages) != 4 {
			t.Fatalf("青山村 file has %d pages, want 4: a front and a back a card", len(pages))
		}
		assertHas(t, "page 1", pages[0], h1, "张三丰", maskedID(w.person(pHead1)), maskedID(w.person(pSpouse)), maskedID(w.person(pChild1)))
		assertHas(t, "page 3", pages[2], h2, "王五", "王小五", maskedID(w.person(pHead2)), maskedID(w.person(pSon2)))
		for i, p := range pages {
			assertHas(t, fmt.Sprintf("page %d", i+1), p, "“助农保”保险服务明白卡")
			if i%2 == 0 {
				assertHas(t, fmt.Sprintf("page %d", i+1), p, standardLines...)
			} else {
				assertHas(t, fmt.Sprintf("page %d", i+1), p, "理赔所需材料", []string{h1, h2}[i/2])
			}
		}
		assertNoFullID(t, pdf, strings.Join(pages, ""), w.person(pHead1), w.person(pSpouse), w.person(pChild1), w.person(pHead2), w.person(pSon2))
		// What the household paid itself: H2, marginal, its self share of
		// the premium (30% under this agreement, the remainder of the
		// rounded subsidies); H1, lifted, nothing.
		var c2 struct {
			Premium string            `json:"premium"`
			Shares  map[string]string `json:"shares"`
		}
		_, b2 := h.call("GET", "/api/v1/certificates/"+h2, w.clerk, nil)
		decodeJSON(t, b2, &c2)
		self, premium := money.MustParse(c2.Shares["self"]), money.MustParse(c2.Premium)
		if want := premium.Mul(decimal.NewFromFloat(0.3)); !self.IsPositive() || self.Sub(want).Abs().GreaterThan(decimal.NewFromFloat(0.01)) {
			t.Errorf("H2 pays itself %s of %s, want 30%%", self, premium)
		}
		assertHas(t, "page 1", pages[0], "个人缴费0.00元")
		assertHas(t, "page 3", pages[2], "个人缴费"+self.StringFixed(2)+"元（本户保费"+premium.StringFixed(2)+"元，其余由财政补贴）")
		if n := bytes.Count(pdf, []byte("/FontFile2")); n != 1 {
			t.Errorf("font embedded %d times, want once", n)
		}
		if code, _ := h.call("GET", path, w.otherClerk, nil); code != 404 {
			t.Errorf("other insurer's village file: %d, want 404", code)
		}
		code, b := h.call("GET", fmt.Sprintf("/api/v1/agreements/%d/cards.pdf?village=522625999999", w.agreementID), w.clerk, nil)
		if code != 422 || errorCode(t, b) != "no_cards" {
			t.Errorf("village without certificates: %d %s", code, b)
		}

		// Without village: a zip of one file per village.
		code, zb := h.call("GET", fmt.Sprintf("/api/v1/agreements/%d/cards.pdf", w.agreementID), w.office, nil)
		if code != 200 {
			t.Fatalf("zip: %d %.200s", code, zb)
		}
		zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
		if err != nil {
			t.Fatalf("zip: %v", err)
		}
		want := map[string][]string{"522625101001-青山村.pdf": {h1, h2}, "522625101002-白水村.pdf": {h4}}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
			rc, _ := f.Open()
			var buf bytes.Buffer
			buf.ReadFrom(rc)
			rc.Close()
			pages := pagesText(t, buf.Bytes(), "-layout")
			if len(pages) != 2*len(want[f.Name]) {
				t.Errorf("%s: %d pages, want %d", f.Name, len(pages), 2*len(want[f.Name]))
				continue
			}
			for i, no := range want[f.Name] {
				assertHas(t, f.Name, pages[2*i], no)
			}
		}
		sort.Strings(names)
		if strings.Join(names, ",") != "522625101001-青山村.pdf,522625101002-白水村.pdf" {
			t.Errorf("zip holds %v", names)
		}
	})
}

// assertQR checks that the one image of a card's PDF is the QR code of
// link, module for module: pdfimages extracts it, go-qrcode encodes link
// anew, and the two must agree.
func assertQR(t *testing.T, pdf []byte, link string) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "card.pdf")
	os.WriteFile(in, pdf, 0o600)
	if out, err := exec.Command("pdfimages", "-png", in, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v %s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "img-*.png"))
	if len(files) != 1 {
		t.Fatalf("card has %d images, want the QR code only", len(files))
	}
	f, _ := os.Open(files[0])
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	bm := q.Bitmap()
	if b := img.Bounds(); b.Dx() != len(bm) || b.Dy() != len(bm) {
		t.Fatalf("QR image is %dx%d, the code of the link %dx%d", b.Dx(), b.Dy(), len(bm), len(bm))
	}
	for y, row := range bm {
		for x, dark := range row {
			r, _, _, _ := img.At(x, y).RGBA()
			if (r < 0x8000) != dark {
				t.Fatalf("QR module (%d,%d) differs from the code of %s", x, y, link)
			}
		}
	}
}

// keepCardPNG writes a PDF and its first page as PNG to ZNB_CARD_PNG, to
// look at; nothing when unset.
func keepCardPNG(t *testing.T, pdf []byte, name string) {
	dir := os.Getenv("ZNB_CARD_PNG")
	if dir == "" {
		return
	}
	p := filepath.Join(dir, name)
	os.WriteFile(p+".pdf", pdf, 0o644)
	exec.Command("pdftoppm", "-png", "-r", "80", p+".pdf", p).Run()
}

type verifyAnswer struct {
	Valid       bool    `json:"valid"`
	Status      *string `json:"status"`
	PeriodStart *string `json:"period_start"`
	PeriodEnd   *string `json:"period_end"`
	HeadName    *string `json:"head_name"`
	Insurer     *string `json:"insurer"`
}

// verifyJSON follows a verify link as a program does.
func (h *harness) verifyJSON(link string) (verifyAnswer, map[string]any) {
	h.t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		h.t.Fatal(err)
	}
	req := httptest.NewRequest("GET", u.RequestURI(), nil)
	req.Header.Set("Accept", "application/json")
	code, b := h.send(req, "")
	if code != 200 {
		h.t.Fatalf("verify %s: %d %s", link, code, b)
	}
	var v verifyAnswer
	var m map[string]any
	decodeJSON(h.t, b, &v)
	decodeJSON(h.t, b, &m)
	return v, m
}

func TestVerifyHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		h1, h2, h4 := w.cert["H1"], w.cert["H2"], w.cert["H4"]
		link := func(no string) string {
			_, pdf := h.call("GET", "/api/v1/certificates/"+no+"/card.pdf", w.clerk, nil)
			return verifyURL.FindString(strings.Join(pagesText(t, pdf, "-raw"), ""))
		}
		good := link(h1)
		v, m := h.verifyJSON(good)
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != "head_name,insurer,period_end,period_start,status,valid" {
			t.Errorf("verify answers fields %v", keys)
		}
		if !v.Valid || str(v.Status) != "active" || str(v.PeriodStart) != "2024-01-01" || str(v.PeriodEnd) != "2024-12-31" ||
			str(v.HeadName) != "张*丰" || str(v.Insurer) != "中国人民财产保险股份有限公司镇远支公司" {
			t.Errorf("genuine card: %+v", v)
		}

		// The cancelled household's card is genuine and says cancelled;
		// its period ended the day before it left the list.
		if v, _ := h.verifyJSON(link(h4)); !v.Valid || str(v.Status) != "cancelled" || str(v.HeadName) != "赵*" || str(v.PeriodEnd) != "2024-03-31" {
			t.Errorf("cancelled card: %+v", v)
		}

		// Not genuine: a changed signature, another certificate's number
		// under H1's signature, no signature, an unknown number.
		sigAt := strings.Index(good, "sig=") + 4
		flipped := []byte(good)
		if flipped[sigAt] == 'A' {
			flipped[sigAt] = 'B'
		} else {
			flipped[sigAt] = 'A'
		}
		forged := []string{
			string(flipped),
			strings.Replace(good, h1, h2, 1),
			good[:sigAt-5],
			strings.Replace(good, h1, h1+"9", 1),
			good + "A",
		}
		for _, f := range forged {
			v, m := h.verifyJSON(f)
			if v.Valid || v.Status != nil || v.HeadName != nil || v.Insurer != nil || v.PeriodStart != nil || len(m) != 6 {
				t.Errorf("%s: %+v, want valid false and nothing else", f, v)
			}
		}

		// The HTML page for people; nothing on it reveals an ID number.
		u, _ := url.Parse(good)
		code, page := h.call("GET", u.RequestURI(), "", nil)
		if code != 200 || !strings.Contains(string(page), "此明白卡真实有效") || !strings.Contains(string(page), "张*丰") {
			t.Errorf("verify page: %d %s", code, page)
		}
		u, _ = url.Parse(string(flipped))
		code, page = h.call("GET", u.RequestURI(), "", nil)
		if code != 200 || !strings.Contains(string(page), "不是平台签发的真实明白卡") || strings.Contains(string(page), "张") {
			t.Errorf("forged card page: %d %s", code, page)
		}
		for _, seq := range []int{pHead1, pSpouse, pChild1} {
			id := w.person(seq)
			if strings.Contains(string(page), id) || strings.Contains(string(page), id[:6]+"*") {
				t.Errorf("verify page shows an ID number")
			}
		}
	})
}

func TestPublicHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		h1 := w.cert["H1"]
		ctx := context.Background()

		// Any insured member of H1 gets H1's card.
		code, pdf := h.call("POST", "/api/v1/public/card", "", map[string]string{"name": "李四", "id_number": w.person(pSpouse)})
		if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("public card: %d %.300s", code, pdf)
		}
		text := pagesText(t, pdf, "-layout")
		assertHas(t, "public card", strings.Join(text, ""), h1, "张三丰", "李四", maskedID(w.person(pSpouse)))
		assertNoFullID(t, pdf, strings.Join(text, ""), w.person(pHead1), w.person(pSpouse), w.person(pChild1))

		// Unknown person and wrong name: one and the same answer.
		_, unknown := h.call("POST", "/api/v1/public/card", "", map[string]string{"name": "李四", "id_number": w.person(77)})
		code, wrongName := h.call("POST", "/api/v1/public/card", "", map[string]string{"name": "李五", "id_number": w.person(pSpouse)})
		if code != 404 || !bytes.Equal(unknown, wrongName) {
			t.Errorf("unknown person %s and wrong name %d %s differ", unknown, code, wrongName)
		}
		_, otherHousehold := h.call("POST", "/api/v1/public/card", "", map[string]string{"name": "王五", "id_number": w.person(pSpouse)})
		if !bytes.Equal(otherHousehold, unknown) {
			t.Errorf("another member's name: %s", otherHousehold)
		}

		// Claims: H1 reports a fire; the household sees it, masked; H2 sees none.
		code, rep, b := h.report(w.clerk, map[string]any{"certificate_no": h1, "line": "accident",
			"member_id_number": w.person(pSpouse), "incident_date": "2024-06-10", "cause": "意外伤害", "description": "摔伤"})
		if code != 201 {
			t.Fatalf("report: %d %s", code, b)
		}
		code, b = h.call("POST", "/api/v1/public/claims", "", map[string]string{"name": "张三丰", "id_number": w.person(pHead1)})
		var claims struct {
			Items []struct {
				ClaimNo        string `json:"claim_no"`
				Status         string `json:"status"`
				MemberName     string `json:"member_name"`
				MemberIDNumber string `json:"member_id_number"`
			}
		}
		json.Unmarshal(b, &claims)
		if code != 200 || len(claims.Items) != 1 || claims.Items[0].ClaimNo != rep.ClaimNo || claims.Items[0].Status != "reported" ||
			claims.Items[0].MemberName != "李*" || claims.Items[0].MemberIDNumber != maskedID(w.person(pSpouse)) {
			t.Errorf("public claims: %d %s", code, b)
		}
		if strings.Contains(string(b), w.person(pSpouse)) {
			t.Errorf("public claims show a full ID number: %s", b)
		}
		code, b = h.call("POST", "/api/v1/public/claims", "", map[string]string{"name": "王五", "id_number": w.person(pHead2)})
		if code != 200 || string(b) != `{"items":[]}` {
			t.Errorf("H2's claims: %d %s", code, b)
		}
		if code, b2 := h.call("POST", "/api/v1/public/claims", "", map[string]string{"name": "王六", "id_number": w.person(pHead2)}); code != 404 || !bytes.Equal(b2, unknown) {
			t.Errorf("claims with a wrong name: %d %s", code, b2)
		}

		// Every request is audited, with the ID number masked.
		es, err := db.AuditTrail(ctx, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var public []store.AuditEntry
		for _, e := range es {
			if strings.HasPrefix(e.Action, "public.") {
				public = append(public, e)
			}
			if strings.Contains(e.Detail, w.person(pSpouse)) || strings.Contains(e.Detail, w.person(77)) {
				t.Errorf("audit entry %d holds a full ID number: %s", e.Seq, e.Detail)
			}
		}
		if len(public) != 7 {
			t.Errorf("%d public requests audited, want 7", len(public))
		}
		if len(public) > 0 && !strings.Contains(public[len(public)-1].Detail, maskedID(w.person(pSpouse))) {
			t.Errorf("first public audit entry: %+v", public[len(public)-1])
		}
	})
}

func TestPublicRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db) // 10 a minute; the clock stands still
		body := map[string]string{"name": "李四", "id_number": "522625198001010011"}
		for i := 1; i <= 10; i++ {
			path := "/api/v1/public/card"
			if i%2 == 0 {
				path = "/api/v1/public/claims" // one budget for both
			}
			if code, b := h.call("POST", path, "", body); code != 404 {
				t.Fatalf("request %d: %d %s", i, code, b)
			}
		}
		req := httptest.NewRequest("POST", "/api/v1/public/card", strings.NewReader(`{"name":"李四","id_number":"522625198001010011"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := h.srv.App().Test(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Error struct{ Code string } }
		json.NewDecoder(resp.Body).Decode(&e)
		if resp.StatusCode != 429 || e.Error.Code != "rate_limited" || resp.Header.Get("Retry-After") != "6" {
			t.Errorf("11th request: %d %q Retry-After %q, want 429 rate_limited 6", resp.StatusCode, e.Error.Code, resp.Header.Get("Retry-After"))
		}
		// Another client address has its own budget.
		req = httptest.NewRequest("POST", "/api/v1/public/card", strings.NewReader(`{"name":"李四","id_number":"522625198001010011"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "10.1.2.3")
		if code, _ := h.send(req, ""); code != 404 {
			t.Errorf("another address: %d, want 404", code)
		}
		// The limit does not reach the verify page or the API.
		if code, _ := h.call("GET", "/verify/X?sig=Y", "", nil); code != 200 {
			t.Errorf("verify after the limit: %d", code)
		}
	})
}
