package card

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var pngDir = flag.String("png", "", "directory to keep the test documents in, as PDF and PNG, to look at them")

// keepPNG saves pdf and its pages as PNG (pdftoppm -r 80) under -png.
func keepPNG(pdf []byte, name string) {
	if *pngDir == "" {
		return
	}
	path := filepath.Join(*pngDir, name)
	os.WriteFile(path+".pdf", pdf, 0o644)
	exec.Command("pdftoppm", "-png", "-r", "80", path+".pdf", path).Run()
}

// productLines are the lines of a product shipped in configs/products, so
// the cards tested are the cards households get; read once per product.
func productLines(code string) []policy.LineTerms {
	products.Lock()
	defer products.Unlock()
	if lines, ok := products.lines[code]; ok {
		return lines
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "configs", "products", code+".yaml"))
	if err != nil {
		panic(err)
	}
	p, err := policy.ParseProduct(data)
	if err != nil {
		panic(err)
	}
	products.lines[code] = p.Lines
	return p.Lines
}

var products = struct {
	sync.Mutex
	lines map[string][]policy.LineTerms
}{lines: map[string][]policy.LineTerms{}}

// standardLines are the four lines of the znb-standard product.
func standardLines() []policy.LineTerms { return productLines("znb-standard") }

// testID returns a valid 18-character ID number (GB 11643 check digit) for
// a person born in Zhenyuan county; seq makes it unique.
func testID(seq int) string {
	base := fmt.Sprintf("522625%04d%02d%02d%03d", 1950+seq%60, 1+seq%12, 1+seq%28, seq%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}

// mask is written here independently of the code under test.
func mask(id string) string { return id[:6] + "********" + id[14:] }

type person struct{ name, relation, id string }

// testCard builds a card of n members and returns it with the full ID
// numbers its masked ones came from.
func testCard(no, status string, members []person) Card {
	c := Card{
		CertificateNo: "ZNB5226252024000001-" + no, MasterPolicyNo: "ZNB5226252024000001", Status: status,
		PeriodStart: znb.MustDate("2024-01-01"), PeriodEnd: znb.MustDate("2024-12-31"),
		Insurer: "中国人民财产保险股份有限公司镇远支公司", Hotline: "95518",
		Village: "羊场镇高坡村", RegionCode: "522625104203", HeadName: members[0].name,
		Lines: standardLines(), IssueDate: znb.MustDate("2024-01-05"),
		Service: policy.ServiceContact{Name: "羊场镇农业服务中心", Phone: "0855-5721234"},
		Premium: money.MustParse(fmt.Sprintf("%d.00", 60*len(members))),
	}
	for _, p := range members {
		c.Members = append(c.Members, Member{Name: p.name, Relation: p.relation, MaskedID: mask(p.id),
			CoverStart: c.PeriodStart, CoverEnd: c.PeriodEnd})
	}
	c.VerifyURL = Signer{Key: []byte("test-secret")}.URL("https://znb.example.cn", c.CertificateNo, c.PeriodStart, c.PeriodEnd)
	return c
}

func family(first int, names ...string) []person {
	relations := []string{"户主", "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女", "儿媳", "女婿", "兄弟姐妹", "其他"}
	out := make([]person, len(names))
	for i, n := range names {
		out[i] = person{n, relations[i%len(relations)], testID(first + i)}
	}
	return out
}

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	path, err := FindFont(os.Getenv("ZNB_PDF_FONT"))
	if err != nil {
		t.Fatalf("FindFont: %v", err)
	}
	r, err := NewRenderer(path)
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	return r
}

// pdfText extracts the text of a PDF with poppler's pdftotext, in layout
// mode (which leaves out rotated text) unless args say otherwise.
func pdfText(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	if len(args) == 0 {
		args = []string{"-layout"}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", append(args, "-enc", "UTF-8", in, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext (apt-get install poppler-utils): %v", err)
	}
	return string(out)
}

// squash removes the spaces pdftotext puts between runs of text.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func assertContains(t *testing.T, text string, want ...string) {
	t.Helper()
	flat := squash(text)
	for _, w := range want {
		if !strings.Contains(flat, squash(w)) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
}

func assertNoFullIDs(t *testing.T, pdf []byte, text string, people []person) {
	t.Helper()
	for _, p := range people {
		if bytes.Contains(pdf, []byte(p.id)) || strings.Contains(squash(text), p.id) {
			t.Errorf("full ID %s of %s is in the PDF", p.id, p.name)
		}
		// Identity-H text is UTF-16: look for that spelling too.
		var u16 []byte
		for _, c := range p.id {
			u16 = append(u16, 0, byte(c))
		}
		if bytes.Contains(pdf, u16) {
			t.Errorf("full ID %s of %s is in the PDF as UTF-16", p.id, p.name)
		}
	}
}

func TestCardText(t *testing.T) {
	r := newRenderer(t)
	people := family(1, "张三丰", "李秀英", "张小明", "张小红")
	c := testCard("00012", Active, people)
	var buf bytes.Buffer
	if err := r.WriteCard(&buf, c); err != nil {
		t.Fatalf("WriteCard: %v", err)
	}
	keepPNG(buf.Bytes(), "card")
	text := pdfText(t, buf.Bytes())
	assertContains(t, text, "“助农保”保险服务明白卡", "中国人民财产保险股份有限公司镇远支公司", "理赔服务电话：95518",
		c.CertificateNo, c.MasterPolicyNo, "2024-01-01 至 2024-12-31", "羊场镇高坡村", "签发日期：2024-01-05")
	for _, p := range people {
		assertContains(t, text, p.name, p.relation, mask(p.id))
	}
	// Each line's name and its sum insured, formatted with thousands separators.
	for _, l := range []struct{ name, sum string }{
		{"农业生产保险", "10,000.00"}, {"意外伤害保险", "30,000.00"}, {"意外住院医疗保险", "10,000.00"}, {"家庭财产保险", "20,000.00"},
	} {
		assertContains(t, text, l.name, l.sum)
	}
	assertContains(t, text, "每次事故免赔200.00元", "赔付比例90%", "房屋主体15,000.00", "3天内", "10天内", "查勘", "理算", "支付")
	assertNoFullIDs(t, buf.Bytes(), text, people)
	if strings.Contains(text, "已注销") {
		t.Error("an active card shows 已注销")
	}
	if n := strings.Count(text, "\f"); n != 2 {
		t.Errorf("a 4-member card has %d pages, want 2 (front and back)", n)
	}
}

func TestCardPages(t *testing.T) {
	r := newRenderer(t)
	names := []string{"王大山", "刘桂兰", "王小军", "王小芳", "王德福", "陈秀珍", "王浩宇", "王欣怡", "赵丽娟", "李建国", "王梓涵", "王子轩"}
	for _, tc := range []struct {
		members, maxPages int
	}{
		{1, 2}, {6, 2}, {7, 2}, {8, 2}, {10, 2}, {12, 2},
	} {
		people := family(100, names[:tc.members]...)
		c := testCard("00001", Active, people)
		var buf bytes.Buffer
		if err := r.WriteCard(&buf, c); err != nil {
			t.Fatalf("%d members: %v", tc.members, err)
		}
		text := pdfText(t, buf.Bytes())
		if n := strings.Count(text, "\f"); n > tc.maxPages {
			t.Errorf("%d members: %d pages, want at most %d", tc.members, n, tc.maxPages)
		}
		for _, p := range people {
			assertContains(t, text, p.name, mask(p.id))
		}
		assertContains(t, text, "理赔流程", "签发日期")
		keepPNG(buf.Bytes(), fmt.Sprintf("card-%d", tc.members))
	}
}

func TestCancelledCard(t *testing.T) {
	r := newRenderer(t)
	people := family(200, "杨光荣", "吴玉梅")
	var buf bytes.Buffer
	if err := r.WriteCard(&buf, testCard("00003", Cancelled, people)); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes(), "-raw")
	assertContains(t, text, "已注销", "CANCELLED")
	// The stamp is drawn on top as well as the status line: two 已注销.
	if n := strings.Count(squash(text), "已注销"); n < 2 {
		t.Errorf("已注销 appears %d times, want the status and the stamp", n)
	}
}

func TestVillageFile(t *testing.T) {
	r := newRenderer(t)
	households := [][]person{
		family(300, "罗正华", "张美兰", "罗小龙"),
		family(310, "潘永福"),
		family(320, "龙文军", "石秀芝", "龙海", "龙燕", "龙婷"),
	}
	cards := func(yield func(Card) error) error {
		for i, h := range households {
			if err := yield(testCard(fmt.Sprintf("%05d", i+1), Active, h)); err != nil {
				return err
			}
		}
		return nil
	}
	var buf bytes.Buffer
	if err := r.Write(&buf, cards); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	pages := strings.Split(text, "\f")
	if len(pages) != 2*len(households)+1 { // text ends with a form feed
		t.Fatalf("%d pages, want %d: a front and a back a card", len(pages)-1, 2*len(households))
	}
	for i, h := range households {
		page := pages[2*i]
		assertContains(t, page, "“助农保”保险服务明白卡", "理赔服务电话：95518", "户主", h[0].name,
			fmt.Sprintf("ZNB5226252024000001-%05d", i+1), "农业生产保险", "意外伤害保险", "意外住院医疗保险", "家庭财产保险",
			"10,000.00", "30,000.00", "20,000.00")
		for _, p := range h {
			assertContains(t, page, p.name, mask(p.id))
		}
		assertNoFullIDs(t, buf.Bytes(), text, h)
	}
	// The font is embedded once, as a subset, not once per page.
	if n := bytes.Count(buf.Bytes(), []byte("/FontFile2")); n != 1 {
		t.Errorf("font embedded %d times, want 1", n)
	}
	if buf.Len() > 400<<10 {
		t.Errorf("3-card file is %d KB; the font is not subset", buf.Len()>>10)
	}
}

func TestCardRefusals(t *testing.T) {
	r := newRenderer(t)
	full := testID(400)
	for _, tc := range []struct {
		name   string
		change func(*Card)
		code   string
	}{
		{"full ID", func(c *Card) { c.Members[1].MaskedID = full }, "id_not_masked"},
		{"partly masked", func(c *Card) { c.Members[0].MaskedID = full[:6] + "****" + full[10:] }, "id_not_masked"},
		{"stars elsewhere", func(c *Card) { c.Members[0].MaskedID = "********" + full[8:] }, "id_not_masked"},
		{"empty ID", func(c *Card) { c.Members[0].MaskedID = "" }, "id_not_masked"},
		{"no members", func(c *Card) { c.Members = nil }, "card_incomplete"},
		{"unknown status", func(c *Card) { c.Status = "lapsed" }, "card_incomplete"},
		{"glyph no font has", func(c *Card) { c.HeadName = "王\U0002A6A5" }, "glyph_missing"},
	} {
		c := testCard("00009", Active, family(400, "韦国强", "蒙小花"))
		tc.change(&c)
		var buf bytes.Buffer
		err := r.WriteCard(&buf, c)
		if got := znb.CodeOf(err); got != tc.code {
			t.Errorf("%s: code %q (%v), want %q", tc.name, got, err, tc.code)
		}
		if bytes.Contains(buf.Bytes(), []byte(full)) {
			t.Errorf("%s: full ID written before the refusal", tc.name)
		}
	}
}

func TestMasked(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"522625********1234", true},
		{"522625********123X", true},
		{"522625********123x", false},
		{"522625199001011234", false},
		{"522625*******01234", false},
		{"52262********11234", false},
		{"522625********1234 ", false},
		{"", false},
	} {
		if got := Masked(tc.id); got != tc.want {
			t.Errorf("Masked(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestFindFont(t *testing.T) {
	dir := t.TempDir()
	notFont := filepath.Join(dir, "notes.ttf")
	os.WriteFile(notFont, []byte("not a font at all, just text"), 0o600)
	latinOnly := "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	for _, path := range []string{filepath.Join(dir, "absent.ttf"), notFont, latinOnly} {
		if path == latinOnly {
			if _, err := os.Stat(path); err != nil {
				continue // the Latin-only font is an extra case where installed
			}
		}
		_, err := FindFont(path)
		if znb.CodeOf(err) != "font_missing" {
			t.Errorf("FindFont(%s) = %v, want font_missing", path, err)
			continue
		}
		if msg := znb.ErrorOf(err).Message; !strings.Contains(msg, "apt-get install fonts-droid-fallback") {
			t.Errorf("font_missing message %q does not say what to install", msg)
		}
		if _, err := NewRenderer(path); znb.CodeOf(err) != "font_missing" {
			t.Errorf("NewRenderer(%s) = %v, want font_missing", path, err)
		}
	}
	// With nothing configured, the well-known location of fonts-droid-fallback is found.
	want := "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
	if _, err := os.Stat(want); err == nil {
		if got, err := FindFont(""); got != want || err != nil {
			t.Errorf("FindFont(\"\") = %q, %v; want %q", got, err, want)
		}
	}
}

// TestCardReadable holds every page of a card — the front above all — to
// text of 9 pt or more, whatever the renderer had to shrink to fit: the
// renderer records the smallest size it drew on each page.
func TestCardReadable(t *testing.T) {
	r := newRenderer(t)
	names := []string{"王大山", "刘桂兰", "王小军", "王小芳", "王德福", "陈秀珍", "王浩宇", "王欣怡", "赵丽娟", "李建国", "王梓涵", "王子轩"}
	for _, product := range []string{"znb-standard", "fpb-tiered"} {
		for _, n := range []int{1, 4, 7, 8, 10, 12} {
			for _, status := range []string{Active, Cancelled} {
				for _, service := range []bool{true, false} {
					c := testCard("00001", status, family(500, names[:n]...))
					c.Lines = productLines(product)
					if !service {
						c.Service = policy.ServiceContact{}
					}
					name := fmt.Sprintf("%s/%d members/%s/service %v", product, n, status, service)
					code, err := qrPNG(c.VerifyURL)
					if err != nil {
						t.Fatal(err)
					}
					d := r.newDoc("明白卡")
					d.card(&c, code)
					if d.err != nil {
						t.Fatalf("%s: %v", name, d.err)
					}
					if d.f.PageNo() < 2 {
						t.Errorf("%s: %d pages, want a front and a back", name, d.f.PageNo())
					}
					for page := 1; page <= d.f.PageNo(); page++ {
						if size, ok := d.smallest[page]; !ok || size < 9 {
							t.Errorf("%s: page %d has text of %.1f pt (recorded %v), want 9 pt or more", name, page, size, ok)
						}
					}
				}
			}
		}
	}
}

// TestCardSelfPaidAndContact: the front says what the household paid itself
// (a marginal household its self share, the others 0.00) and names the local
// service contact beside the hotline; the back lists the materials.
func TestCardSelfPaidAndContact(t *testing.T) {
	r := newRenderer(t)
	for _, tc := range []struct {
		name              string
		premium, selfPaid string
		service           bool
		want              []string
	}{
		{"marginal", "120.00", "36.00", true,
			[]string{"个人缴费36.00元（本户保费120.00元，其余由财政补贴）", "当地服务：羊场镇农业服务中心 0855-5721234"}},
		{"lifted", "120.00", "0.00", true,
			[]string{"个人缴费0.00元（本户保费120.00元由财政全额补贴）", "当地服务：羊场镇农业服务中心 0855-5721234"}},
		{"no service contact", "120.00", "0.00", false, []string{"个人缴费0.00元"}},
	} {
		c := testCard("00021", Active, family(600, "杨正友", "吴小妹"))
		c.Premium, c.SelfPaid = money.MustParse(tc.premium), money.MustParse(tc.selfPaid)
		if !tc.service {
			c.Service = policy.ServiceContact{}
		}
		var buf bytes.Buffer
		if err := r.WriteCard(&buf, c); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		keepPNG(buf.Bytes(), "card-"+tc.name)
		pages := strings.Split(pdfText(t, buf.Bytes()), "\f")
		if len(pages) != 3 { // front, back and what follows the last form feed
			t.Fatalf("%s: %d pages, want 2", tc.name, len(pages)-1)
		}
		front, back := squash(pages[0]), squash(pages[1])
		for _, w := range append(tc.want, "理赔服务电话：95518") {
			if !strings.Contains(front, squash(w)) {
				t.Errorf("%s: the front lacks %q", tc.name, w)
			}
		}
		if got := strings.Contains(front, "当地服务"); got != tc.service {
			t.Errorf("%s: the front names a service contact: %v, want %v", tc.name, got, tc.service)
		}
		for _, w := range []string{"理赔所需材料", "农业生产保险", "报案登记表", "银行卡（折）复印件", c.CertificateNo} {
			if !strings.Contains(back, squash(w)) {
				t.Errorf("%s: the back lacks %q", tc.name, w)
			}
		}
		if strings.Contains(front, "报案登记表") {
			t.Errorf("%s: the materials list is still on the front", tc.name)
		}
	}
}

// TestRendererConcurrent: one renderer draws many files at once (a
// county's villages side by side, or two clerks' requests), each with its
// own text. The Latin text went through one translator shared by every
// document, whose buffer two documents overwrote at once: it panicked, or
// printed one card's certificate number on another.
func TestRendererConcurrent(t *testing.T) {
	r := newRenderer(t)
	const files, perFile = 8, 12
	out := make([]bytes.Buffer, files)
	var wg sync.WaitGroup
	errs := make(chan error, files)
	for f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- r.Write(&out[f], func(yield func(Card) error) error {
				for i := range perFile {
					if err := yield(testCard(fmt.Sprintf("%02d%03d", f, i), Active, family(400+f*perFile+i, "罗正华", "张美兰"))); err != nil {
						return err
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for f := range files {
		text := pdfText(t, out[f].Bytes())
		for i := range perFile {
			assertContains(t, text, fmt.Sprintf("ZNB5226252024000001-%02d%03d", f, i))
		}
		for g := range files {
			if other := fmt.Sprintf("ZNB5226252024000001-%02d", g); g != f && strings.Contains(text, other) {
				t.Errorf("file %d shows file %d's certificate numbers", f, g)
			}
		}
	}
}

// TestLatinConcurrent: the translation of Latin text to the core font's
// encoding, which every document does for its numbers and dates, gives each
// caller its own text however many documents are drawn at once.
func TestLatinConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20000 {
				in := fmt.Sprintf("ZNB%02d-%06d é", g, i)
				if got := cp1252(in); got != fmt.Sprintf("ZNB%02d-%06d \xe9", g, i) {
					t.Errorf("cp1252(%q) = %q", in, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
