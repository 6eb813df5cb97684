package card

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

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

// standardLines are the four lines of the znb-standard product (SPEC §9).
func standardLines() []policy.LineTerms {
	d := money.MustParse
	return []policy.LineTerms{
		{Line: znb.Agriculture, Covers: "种植业、养殖业、林业及农业生产设施因火灾、爆炸、疾病、疫病、自然灾害造成的损失",
			Causes: []string{"火灾", "爆炸", "疾病", "疫病", "自然灾害"}, Limit: d("10000.00"), LimitPer: policy.PerHousehold,
			Deductible: d("200.00"), ReportWithinDays: 3, Documents: []string{"出险通知书", "损失清单", "现场照片", "政策性农业保险赔付凭证"}},
		{Line: znb.Accident, Covers: "因意外伤害导致身故或伤残", Causes: []string{"意外伤害"}, Limit: d("30000.00"),
			LimitPer: policy.PerPerson, ReportWithinDays: 10, Documents: []string{"身份证明", "伤残鉴定书或死亡证明", "事故证明"}},
		{Line: znb.Hospitalization, Covers: "因意外伤害住院发生的合理医疗费用", Causes: []string{"意外伤害"}, Limit: d("10000.00"),
			LimitPer: policy.PerPerson, Deductible: d("100.00"), Ratio: d("90"), ReportWithinDays: 10,
			Documents: []string{"住院病历", "医疗费用发票及清单", "基本医保结算单"}},
		{Line: znb.Property, Covers: "房屋主体及附属设施、室内装潢、家用电器因火灾、爆炸、地震、自然灾害造成的损失",
			Causes: []string{"火灾", "爆炸", "地震", "自然灾害"}, Limit: d("20000.00"), LimitPer: policy.PerHousehold,
			Deductible: d("200.00"), ReportWithinDays: 3, Documents: []string{"出险通知书", "损失清单", "现场照片"},
			SubLimits: map[string]decimal.Decimal{policy.Structure: d("15000.00"), policy.Decoration: d("3000.00"), policy.Appliances: d("2000.00")}},
	}
}

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
	if n := strings.Count(text, "\f"); n != 1 {
		t.Errorf("a 4-member card has %d pages, want 1", n)
	}
}

func TestCardPages(t *testing.T) {
	r := newRenderer(t)
	names := []string{"王大山", "刘桂兰", "王小军", "王小芳", "王德福", "陈秀珍", "王浩宇", "王欣怡", "赵丽娟", "李建国", "王梓涵", "王子轩"}
	for _, tc := range []struct {
		members, maxPages int
	}{
		{1, 1}, {6, 1}, {8, 1}, {10, 2}, {12, 2},
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
	if len(pages) != len(households)+1 { // text ends with a form feed
		t.Fatalf("%d pages, want %d", len(pages)-1, len(households))
	}
	for i, h := range households {
		page := pages[i]
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
