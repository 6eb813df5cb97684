// Package card draws the platform's printed documents — the household's
// service card (保险服务明白卡), claim notices (公示) and claim decision
// letters (理赔决定通知书) — and signs the cards' verify links. It reads
// plain values and writes PDF; it knows nothing of storage or HTTP.
package card

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Certificate statuses as printed on a card.
const (
	Active    = "active"
	Cancelled = "cancelled"
)

// Card is what one household's service card shows. Member IDs arrive masked;
// the renderer refuses any that is not, so no full ID number can reach paper.
type Card struct {
	CertificateNo  string
	MasterPolicyNo string
	Status         string // Active or Cancelled
	PeriodStart    znb.Date
	PeriodEnd      znb.Date
	Insurer        string                // insurer's full name
	Hotline        string                // claims hotline
	Service        policy.ServiceContact // local service contact; zero when none
	Village        string
	RegionCode     string
	HeadName       string
	Members        []Member
	Lines          []policy.LineTerms
	IssueDate      znb.Date
	VerifyURL      string          // signed, see Signer.URL
	Premium        decimal.Decimal // the certificate's premium
	SelfPaid       decimal.Decimal // what the household paid of it, see policy.Certificate.SelfPaid
}

// Member is one insured person on a card.
type Member struct {
	Name       string
	Relation   string
	MaskedID   string // e.g. 522625********1234
	CoverStart znb.Date
	CoverEnd   znb.Date
}

// Cards yields the cards of one document in print order; it stops and
// returns the error when yield returns one. A store query or a channel
// adapts to it without holding every card in memory.
type Cards func(yield func(Card) error) error

// Masked reports whether id is an ID number in the masked form cards and
// public pages print: 18 characters, the first 6 digits, eight '*', then 3 digits and a check
// digit or X.
func Masked(id string) bool {
	if len(id) != 18 {
		return false
	}
	for i := 0; i < 18; i++ {
		c := id[i]
		switch {
		case i >= 6 && i < 14:
			if c != '*' {
				return false
			}
		case i == 17 && c == 'X':
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}

func errNotMasked(who string) *znb.Error {
	return znb.Errorf(znb.Invalid, "id_not_masked", "%s的身份证号未脱敏（应为前6位、8个*、后4位），拒绝打印", who)
}

func (c *Card) check() error {
	if c.CertificateNo == "" {
		return znb.Errorf(znb.Invalid, "card_incomplete", "明白卡缺少分户凭证号")
	}
	if len(c.Members) == 0 {
		return znb.Errorf(znb.Invalid, "card_incomplete", "明白卡没有参保成员")
	}
	for _, m := range c.Members {
		if !Masked(m.MaskedID) {
			return errNotMasked("成员" + m.Name)
		}
	}
	if c.Status != Active && c.Status != Cancelled {
		return znb.Errorf(znb.Invalid, "card_incomplete", "明白卡状态无效：%q", c.Status)
	}
	return nil
}

// Write draws every card of cards into one print-ready A4 document, one card
// a page (a card whose members overflow continues on a second page), and
// streams it to w as it goes.
//
// gofpdf holds a whole document in memory until it is written, so a long
// file is drawn as documents of chunkCards cards whose pages are copied to w
// as each is done (see merge.go); the Chinese font is subset once for the
// whole file and embedded once. Memory therefore depends on the chunk, not
// on the number of cards: a 10,000-card file peaked at 70 MB RSS, where one
// gofpdf document took 320–353 MB (docs/cards.md, 性能). A bad card stops
// the file where it is and Write returns the error naming the card; callers
// write to a temporary file and keep it only on success. A chunk is merged
// into the file on another goroutine while the next one is drawn.
func (r *Renderer) Write(w io.Writer, cards Cards) error {
	per := r.chunkCards
	if per <= 0 {
		per = defaultChunkCards
	}
	used := make(runeSet, 0x10000/64)
	font := r.cardFont()
	newDoc := func() *doc {
		d := r.newDocUsing("“助农保”保险服务明白卡", used, font.bytes)
		d.f.SetCompression(false) // the merger compresses, see merger.compress
		return d
	}
	d := newDoc()
	m := newMerger(w)
	q := m.behind()
	defer q.wait()
	var n, inDoc, chunks int
	// output writes the chunk drawn so far as a document of its own.
	output := func() ([]byte, error) {
		var buf bytes.Buffer
		if err := d.finish(&buf); err != nil {
			return nil, err
		}
		chunks++
		return buf.Bytes(), nil
	}
	err := prepare(cards, func(c *Card, qrCode []byte) error {
		if inDoc == per {
			chunk, err := output()
			if err == nil {
				err = q.add(chunk)
			}
			if err != nil {
				return err
			}
			if font.has == nil {
				// The merger drops the font of a chunk that is not the
				// whole file: any working font will do, and the face is
				// slow to parse.
				var err error
				if font, err = r.fontFor(used); err != nil {
					return err
				}
			}
			d, inDoc = newDoc(), 0
		}
		n++
		inDoc++
		d.card(c, qrCode)
		if d.err != nil {
			return fmtErr(d.err, "分户凭证 "+c.CertificateNo)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return znb.Errorf(znb.Invalid, "no_cards", "没有可打印的明白卡")
	}
	// The only chunk of a file keeps its own font when that font has every
	// character of the file.
	only := chunks == 0 && font.covers(used)
	chunk, err := output()
	if err == nil {
		err = q.wait()
	}
	if err == nil {
		err = m.add(chunk, only)
	}
	if err != nil {
		return err
	}
	var fontPDF []byte
	if !only {
		fontPDF, err = r.fontPDF(used)
	} else if font.has == nil {
		_, err = r.fontFor(used) // the next file starts from the working font
	}
	if err != nil {
		return err
	}
	return m.finish(fontPDF)
}

// prepare runs cards on another goroutine, checking each card and encoding
// its QR code there — half the work of a card — and hands them in order to
// draw. The first error of either side stops both; prepare returns once
// cards has returned, so a database cursor behind it is closed.
func prepare(cards Cards, draw func(c *Card, qrCode []byte) error) error {
	type item struct {
		c    Card
		code []byte
		err  error
	}
	items := make(chan item, 32)
	stop := make(chan struct{})
	var produced error
	go func() {
		defer close(items)
		produced = cards(func(c Card) error {
			it := item{c: c}
			if it.err = c.check(); it.err == nil {
				it.code, it.err = qrPNG(c.VerifyURL)
			}
			if it.err != nil {
				it.err = fmtErr(it.err, "分户凭证 "+c.CertificateNo)
			}
			select {
			case items <- it:
				return it.err
			case <-stop:
				return errStopped
			}
		})
	}()
	var drawErr error
	for it := range items { // drained to the end, so the goroutine finishes
		if drawErr != nil {
			continue
		}
		if drawErr = it.err; drawErr == nil {
			drawErr = draw(&it.c, it.code)
		}
		if drawErr != nil {
			close(stop)
		}
	}
	if drawErr != nil {
		return drawErr
	}
	return produced
}

// errStopped ends a card source after the drawing side failed.
var errStopped = errors.New("card: drawing stopped")

// defaultChunkCards is how many cards one gofpdf document holds before its
// pages are written out: large enough that the per-document cost (parsing
// and subsetting the working font, see cardFont) stays a few percent, small
// enough that a chunk takes a few megabytes.
const defaultChunkCards = 400

// WriteCard draws one card as its own document.
func (r *Renderer) WriteCard(w io.Writer, c Card) error {
	return r.Write(w, func(yield func(Card) error) error { return yield(c) })
}

// card draws c from the top of a new page: its front, then its back (see
// back).
//
// Everything on a card is set at 9 pt or larger, so a household reads it
// without a magnifier; the long materials list is on the back. When the
// members or the terms do not fit the front even at 9 pt, they continue on
// a second page, which then takes the back's list too where it fits.
func (d *doc) card(c *Card, qrCode []byte) {
	d.f.AddPage()
	// Left: insurer, hotline and local service contact, the things a
	// household must find at once, then what identifies the cover. Right:
	// the QR code to check it. What every card of an agreement shares —
	// title, insurer box, labels and ruling — is one form; only the values
	// are drawn on each page.
	const qrCol, qr, rowH, titleSize = 40.0, 33.0, 5.5, 20.0
	infoW := contentW - qrCol - 3
	top := margin + titleSize*ptMM*1.6 + 1.5
	qx := margin + contentW - qrCol
	status := "有效"
	if c.Status == Cancelled {
		status = "已注销"
	}
	village := c.Village
	if c.RegionCode != "" {
		village = strings.TrimSpace(village + "（" + c.RegionCode + "）")
	}
	// One label and value a row, or two short ones side by side.
	info := [][]string{
		{"分户凭证号", c.CertificateNo},
		{"统一保单号", c.MasterPolicyNo},
		{"保险期间", c.PeriodStart.String() + " 至 " + c.PeriodEnd.String()},
		{"所在村", village},
		{"户主", c.HeadName, "凭证状态", status},
		{"个人缴费", selfPaid(c)},
	}
	const labelW, pairW = 26.0, 50.0 // a label; the first value of a pair
	cells := func(row []string) (xs, ws []float64) {
		if len(row) == 2 {
			return []float64{margin, margin + labelW}, []float64{labelW, infoW - labelW}
		}
		return []float64{margin, margin + labelW, margin + labelW + pairW, margin + 2*labelW + pairW},
			[]float64{labelW, pairW, labelW, infoW - 2*labelW - pairW}
	}
	boxH := 15.5
	if c.Service.Given() {
		boxH = 22
	}
	infoTop := top + boxH + 2.5
	head := func(d *doc, y0 float64) {
		d.title(y0+margin, "“助农保”保险服务明白卡", titleSize)
		d.f.SetLineWidth(0.5)
		d.f.Rect(margin, y0+top, infoW, boxH, "D")
		d.f.SetLineWidth(0.25)
		d.textIn(margin+1, y0+top+0.8, infoW-2, 6, "承保机构："+c.Insurer, 11, left)
		d.bold(func() { d.textIn(margin+1, y0+top+7, infoW-2, 8, "理赔服务电话："+c.Hotline, 17, left) })
		if c.Service.Given() {
			d.bold(func() {
				d.textIn(margin+1, y0+top+15, infoW-2, 6, "当地服务："+serviceContact(c.Service), 12, left)
			})
		}
		y := y0 + infoTop
		for _, row := range info {
			xs, ws := cells(row)
			for i := range row {
				d.f.Rect(xs[i], y, ws[i], rowH, "D")
				if i%2 == 0 {
					d.textIn(xs[i], y, ws[i], rowH, row[i], 10, center)
				}
			}
			y += rowH
		}
		d.textIn(qx, y0+top+qr+0.5, qrCol, 4.5, "扫码核验保单真伪", 9, center)
	}
	d.block("head\x00"+c.Insurer+"\x00"+c.Hotline+"\x00"+serviceContact(c.Service), 0, infoTop+float64(len(info))*rowH, head)
	y := infoTop
	for _, row := range info {
		xs, ws := cells(row)
		for i := 1; i < len(row); i += 2 {
			d.textIn(xs[i], y, ws[i], rowH, row[i], 10.5, left)
		}
		y += rowH
	}
	d.qr(qx+(qrCol-qr)/2, top, qr, qrCode)
	// The link in the QR code, for a phone that cannot scan it: across the
	// page, where it takes one line at a readable size.
	y = d.para(margin+1.2, max(y, top+qr+5)+0.3, contentW-2.4, "核验网址："+c.VerifyURL, urlSize) + 2

	// Members: smaller text for large households (a row is as high as its
	// text), continue on a new page when even that does not fit.
	size, memberH := 10.0, 5.8
	switch n := len(c.Members); {
	case n > 8:
		size, memberH = 9, 5.2
	case n > 5:
		size = 9.5
	}
	y = d.heading(y, fmt.Sprintf("参保成员（共 %d 人）", len(c.Members)))
	rows := make([][]string, len(c.Members))
	for i, m := range c.Members {
		rows[i] = []string{fmt.Sprint(i + 1), m.Name, m.Relation, m.MaskedID, m.CoverStart.String(), m.CoverEnd.String()}
	}
	cols := []column{
		{"序号", 12, center}, {"姓名", 32, center}, {"与户主关系", 26, center},
		{"身份证号", 48, center}, {"保障起期", 34, center}, {"保障止期", 34, center},
	}
	pages := 1
	next := func() float64 { pages++; return d.continuation(c) }
	y = d.table(y, cols, rows, size, memberH, next) + 3

	// The terms — coverage table and claims process — are the same on every
	// card of an agreement: drawn once per document, placed on each page.
	// Long product texts are set a little smaller, down to 9 pt, before the
	// terms move to a second page.
	const footH = 6.5
	t := terms{lines: lineRows(c.Lines), steps: claimSteps(c)}
	var h float64
	for _, size := range termSizes {
		t.size = size
		if h = d.termsHeight(t); y+h+footH <= pageH-margin {
			break
		}
	}
	if y+h+footH > pageH-margin {
		y = next()
		t.size = termSizes[0]
		h = d.termsHeight(t)
	}
	d.block(t.key(), y, h, t.draw)
	y += h
	d.f.Line(margin, y, margin+contentW, y)
	d.textIn(margin, y+0.3, contentW/2, 6, "签发日期："+c.IssueDate.String(), 10, left)
	d.textIn(margin+contentW/2, y+0.3, contentW/2, 6, "保险责任以统一保险单及保险条款为准", 9, right)
	d.back(c, y+footH+4, pages > 1)
}

// back draws the reverse of c, so that a card printed on both sides is one
// sheet: the materials each line asks for, and whom to call. It takes a page
// of its own, unless the card already continued on a second page and they
// fit below at y. It is the same for every card of an agreement but the
// header.
func (d *doc) back(c *Card, y float64, continued bool) {
	rows := materialRows(c.Lines)
	call := "有疑问或需要报案，请拨打理赔服务电话 " + c.Hotline
	if c.Service.Given() {
		call += "，或联系" + c.Service.Name + "（" + c.Service.Phone + "）"
	}
	call += "。"
	key := "back\x00" + call
	for _, r := range rows {
		key += "\x00" + strings.Join(r, "\x01")
	}
	h := d.heights[key]
	if h == 0 {
		h = 6.5 + d.tableHeight(materialCols, rows, backSize, 8) + 3 + float64(len(d.wrap(call, contentW-2.4, backSize)))*lineH(backSize)
		d.heights[key] = h
	}
	if !continued || y+h > pageH-margin {
		d.stamp(c)
		d.f.AddPage()
		d.textIn(margin, margin, contentW, 7, "“助农保”保险服务明白卡（背面）  分户凭证号："+c.CertificateNo, 10, left)
		y = margin + 9
	}
	d.block(key, y, h, func(d *doc, y float64) {
		y = d.heading(y, "理赔所需材料（出险后请按险种准备）")
		y = d.table(y, materialCols, rows, backSize, 8, nil) + 3
		d.para(margin+1.2, y, contentW-2.4, call, backSize)
	})
	d.stamp(c)
}

// backSize is the text size of the reverse: it has room to be generous.
const backSize = 11

// urlSize is the size of the verify link printed across the front.
const urlSize = 9

// selfPaid says what the household itself paid of its premium.
func selfPaid(c *Card) string {
	if c.SelfPaid.IsZero() {
		return fmt.Sprintf("0.00 元（本户保费 %s 元由财政全额补贴）", yuan(c.Premium))
	}
	return fmt.Sprintf("%s 元（本户保费 %s 元，其余由财政补贴）", yuan(c.SelfPaid), yuan(c.Premium))
}

// serviceContact is the local service contact as printed: name and phone.
func serviceContact(s policy.ServiceContact) string {
	return strings.TrimSpace(s.Name + " " + s.Phone)
}

// terms are the coverage table and the claims process of a card, set in
// size pt.
type terms struct {
	lines [][]string
	steps []string
	size  float64
}

// termSizes are the text sizes the terms may take, largest first: never
// below 9 pt.
var termSizes = []float64{10, 9.5, 9}

// termRowH is the least height of a row of the coverage table.
const termRowH = 6.5

// termCols give the coverage text the most room: it is the longest.
var termCols = []column{
	{"险种", 24, center}, {"保障范围", 92, left}, {"保险金额（元）", 26, center}, {"免赔额 / 赔付比例 / 分项限额", 44, left},
}

// materialCols are the columns of the materials list on the reverse.
var materialCols = []column{{"险种", 44, center}, {"需要提交的材料", contentW - 44, left}}

func (t terms) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.1f\x02", t.size)
	for _, row := range t.lines {
		b.WriteString(strings.Join(row, "\x00") + "\x01")
	}
	b.WriteString(strings.Join(t.steps, "\x00"))
	return b.String()
}

// termsHeight is the height of t, measured once per document and size:
// every card of an agreement shares it.
func (d *doc) termsHeight(t terms) float64 {
	key := t.key()
	if h, ok := d.heights[key]; ok {
		return h
	}
	h := 6.5 + d.tableHeight(termCols, t.lines, t.size, termRowH) + 3 + 6.5 + 2
	for _, s := range t.steps {
		h += float64(len(d.wrap(s, contentW-6, t.size)))*lineH(t.size) + 0.5
	}
	d.heights[key] = h
	return h
}

func (t terms) draw(d *doc, y float64) {
	y = d.heading(y, "保障内容")
	y = d.table(y, termCols, t.lines, t.size, termRowH, nil) + 3
	y = d.heading(y, "理赔流程")
	for i, s := range t.steps {
		d.text(margin+1, y+t.size*ptMM, fmt.Sprintf("%d.", i+1), t.size)
		y = d.para(margin+6, y, contentW-6, s, t.size) + 0.5
	}
}

// stamp finishes a page of c: a cancelled card gets a large diagonal
// 已注销 CANCELLED over everything, light enough to leave the page readable
// and impossible to miss or cut off.
func (d *doc) stamp(c *Card) {
	if c.Status != Cancelled {
		return
	}
	d.f.SetAlpha(0.3, "Normal")
	d.f.TransformBegin()
	d.f.TransformRotate(55, pageW/2, pageH/2)
	d.f.SetTextColor(60, 60, 60)
	d.f.SetDrawColor(60, 60, 60)
	d.bold(func() { d.textIn(pageW/2-pageH/2, pageH/2-20, pageH, 40, "已注销 CANCELLED", 58, center) })
	d.f.SetDrawColor(0, 0, 0)
	d.f.SetTextColor(0, 0, 0)
	d.f.TransformEnd()
	d.f.SetAlpha(1, "Normal")
}

// continuation starts the next page of a card that did not fit on one.
func (d *doc) continuation(c *Card) float64 {
	d.stamp(c)
	d.f.AddPage()
	d.textIn(margin, margin, contentW, 7, "“助农保”保险服务明白卡（续页）  分户凭证号："+c.CertificateNo, 10, left)
	return margin + 9
}

// heading draws a section heading and returns the y below it.
func (d *doc) heading(y float64, s string) float64 {
	d.bold(func() { d.textIn(margin, y, contentW, 6, s, 11.5, left) })
	return y + 6.5
}

// tableHeight is the height table would take, without drawing.
func (d *doc) tableHeight(cols []column, rows [][]string, size, minH float64) float64 {
	h := minH
	for _, row := range rows {
		rh := minH
		for i, c := range cols {
			if ch := float64(len(d.wrap(row[i], c.w-2.4, size)))*lineH(size) + 1.6; ch > rh {
				rh = ch
			}
		}
		h += rh
	}
	return h
}

// lineRows are the cells of the coverage table, one row a line.
func lineRows(lines []policy.LineTerms) [][]string {
	rows := make([][]string, 0, len(lines))
	for _, t := range lines {
		covers := t.Covers
		if covers == "" {
			covers = strings.Join(t.Causes, "、")
		}
		per := "每户每年"
		if t.LimitPer == policy.PerPerson {
			per = "每人每年"
		}
		rows = append(rows, []string{t.Line.Name(), covers, yuan(t.Limit) + "\n" + per, bears(t)})
	}
	return rows
}

var subLimitNames = []struct{ key, name string }{
	{policy.Structure, "房屋主体"}, {policy.Decoration, "室内装潢"}, {policy.Appliances, "家用电器"},
}

// subLimits are the sub-limits one a line, the amount kept with its name.
func subLimits(m map[string]decimal.Decimal) string {
	var parts []string
	for _, s := range subLimitNames {
		if v, ok := m[s.key]; ok {
			parts = append(parts, s.name+" "+yuan(v))
		}
	}
	return strings.Join(parts, "\n")
}

// bears says what part of a loss the household bears — the deductible and
// ratio, the tiers of a 防贫保-style line, the disability scale — and the
// sub-limits within the sum insured; one item a line.
func bears(t policy.LineTerms) string {
	var parts []string
	if len(t.SubLimits) > 0 {
		parts = append(parts, subLimits(t.SubLimits))
	}
	if len(t.Tiers) > 0 {
		if t.TriggerLine.IsPositive() {
			parts = append(parts, "自付费用"+yuan(t.TriggerLine)+"元（起付线）以下不赔")
		}
		for _, tr := range t.Tiers {
			if tr.To.IsZero() {
				parts = append(parts, fmt.Sprintf("%s元以上部分赔付%s%%", yuan(tr.From), tr.Ratio.String()))
			} else {
				parts = append(parts, fmt.Sprintf("%s–%s元部分赔付%s%%", yuan(tr.From), yuan(tr.To), tr.Ratio.String()))
			}
		}
		return strings.Join(parts, "\n")
	}
	if t.Deductible.IsPositive() {
		parts = append(parts, "每次事故免赔"+yuan(t.Deductible)+"元")
	} else {
		parts = append(parts, "无免赔额")
	}
	if !t.Ratio.IsZero() && !t.Ratio.Equal(decimal.NewFromInt(100)) {
		parts = append(parts, "赔付比例"+t.Ratio.String()+"%")
	}
	if len(t.DisabilityPct) > 0 {
		grades := make([]int, 0, len(t.DisabilityPct))
		for g := range t.DisabilityPct {
			grades = append(grades, g)
		}
		sort.Ints(grades)
		hi, lo := t.DisabilityPct[grades[0]], t.DisabilityPct[grades[len(grades)-1]]
		parts = append(parts, fmt.Sprintf("身故按保险金额给付；伤残按%d–%d级给付%s%%–%s%%", grades[0], grades[len(grades)-1], hi.String(), lo.String()))
	}
	return strings.Join(parts, "\n")
}

// claimSteps are the steps of the claims process as printed on the front of
// c; the materials step points to the list on the reverse.
func claimSteps(c *Card) []string {
	// Group lines by reporting deadline: "农业生产保险、家庭财产保险3天内".
	var deadlines []string
	byDays := map[int][]string{}
	var days []int
	for _, t := range c.Lines {
		if _, ok := byDays[t.ReportWithinDays]; !ok {
			days = append(days, t.ReportWithinDays)
		}
		byDays[t.ReportWithinDays] = append(byDays[t.ReportWithinDays], t.Line.Name())
	}
	sort.Ints(days)
	for _, n := range days {
		if n > 0 {
			deadlines = append(deadlines, fmt.Sprintf("%s%d天内", strings.Join(byDays[n], "、"), n))
		}
	}
	report := "报案：出险后请及时拨打理赔服务电话 " + c.Hotline
	if c.Service.Given() {
		report += "，或联系" + c.Service.Name + "（" + c.Service.Phone + "）、通过村委会报案"
	} else {
		report += " 或通过村委会报案"
	}
	if len(deadlines) > 0 {
		report += "（" + strings.Join(deadlines, "；") + "）"
	}
	return []string{
		report + "。",
		"提交材料：按背面所列各险种的材料准备，交承保机构或村委会。",
		"查勘定损：承保机构接到报案后派员到现场查勘，核定损失。",
		"理算：按本卡所列保险金额、免赔额和赔付比例计算赔款，出具理赔决定通知书。",
		"支付：核赔通过后赔款支付至被保险人账户，赔付情况在村内公示。",
	}
}

// materialRows are the documents each line asks for, one row a line.
func materialRows(lines []policy.LineTerms) [][]string {
	rows := make([][]string, len(lines))
	for i, t := range lines {
		list := strings.Join(t.Documents, "、")
		if list == "" {
			list = "按承保机构告知提供"
		}
		rows[i] = []string{t.Line.Name(), list}
	}
	return rows
}

// yuan formats an amount with thousands separators and two decimals, as
// printed documents show money: 10,000.00.
func yuan(d decimal.Decimal) string {
	s := d.StringFixed(2)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + frac
}
