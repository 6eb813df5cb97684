package card

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Renderer draws the platform's PDFs (service cards, notices, decision
// letters) in one style with one Chinese font. The font file is read and
// checked once; each document embeds a subset of it holding only the
// characters that document uses. A Renderer is safe for concurrent use.
type Renderer struct {
	// Now dates the documents (their creation date); nil is the current time.
	Now func() time.Time

	face *face

	chunkCards int // cards per gofpdf document in Write; 0 = defaultChunkCards

	mu     sync.Mutex
	ruler  *gofpdf.Fpdf     // measures text; never output
	widths map[rune]float64 // advance in mm at 1 pt, per rune

	fontMu sync.Mutex
	work   cardFont // the card files' working font, see cardFont
}

// NewRenderer loads the Chinese TrueType font at fontPath (see FindFont).
func NewRenderer(fontPath string) (*Renderer, error) {
	fc, err := loadFace(fontPath)
	if err != nil {
		return nil, err
	}
	ruler := gofpdf.New("P", "mm", "A4", "")
	ruler.AddUTF8FontFromBytes(cjkFont, "", fc.bytes)
	if ruler.Err() {
		return nil, fontMissing(fontPath + "：" + ruler.Error().Error())
	}
	return &Renderer{face: fc, ruler: ruler, widths: map[rune]float64{}}, nil
}

const (
	cjkFont   = "cjk"
	latinFont = "Helvetica" // a PDF core font: no file needed, always present
	pageW     = 210.0
	pageH     = 297.0
	margin    = 12.0
	contentW  = pageW - 2*margin
	ptMM      = 25.4 / 72 // one point in millimetres
)

// latin reports whether r is drawn with the Latin core font: Droid Sans
// Fallback, the usual Chinese font, has no Latin letters or digits at all.
// The set is what Windows-1252, the core font's encoding, can hold.
func latin(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xFF:
		return true
	}
	switch r {
	case '‘', '’', '“', '”', '–', '—', '…', '•', '€', '‰':
		return true
	}
	return false
}

// width returns the advance of r in mm at 1 pt, or a negative number when
// neither font can draw r.
func (r *Renderer) width(c rune) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.widths[c]; ok {
		return w
	}
	w := -1.0
	switch {
	case latin(c):
		r.ruler.SetFont(latinFont, "", 1)
		w = r.ruler.GetStringWidth(cp1252(string(c)))
	case r.face.cover.has(c):
		r.ruler.SetFont(cjkFont, "", 1)
		w = r.ruler.GetStringWidth(string(c))
	}
	r.widths[c] = w
	return w
}

// translators hold gofpdf's translators to Windows-1252 (the core font's
// encoding). Each writes into a buffer of its own, so one translator
// shared by documents drawn at once printed one document's numbers on
// another, or panicked.
var translators = sync.Pool{New: func() any {
	return gofpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
}}

// cp1252 is s in Windows-1252.
func cp1252(s string) string {
	tr := translators.Get().(func(string) string)
	defer translators.Put(tr)
	return tr(s)
}

// glyphMissing is the error for text no font can show: printing it would
// give empty boxes, which on an insurance card is worse than no card.
func glyphMissing(c rune, in string) *znb.Error {
	return znb.Errorf(znb.Invalid, "glyph_missing",
		"字体中没有字符“%c”(U+%04X)，无法打印“%s”；请在 pdf.font 中配置包含该字的字体", c, c, in)
}

// doc is one PDF being written: gofpdf plus the renderer's fonts, with text
// split into runs of the Latin and the Chinese font. Errors stick: after the
// first one, drawing does nothing and finish reports it.
type doc struct {
	r      *Renderer
	f      *gofpdf.Fpdf
	font   string
	size   float64
	err    error
	local  map[rune]float64
	used   runeSet // characters drawn in the Chinese font, see fontPDF
	images int     // images registered, to name the next one
	blocks map[string]block
	// heights of shared blocks by key, measured once (see termsHeight)
	heights map[string]float64
	// smallest is the smallest text size in pt drawn on each page (1, 2, …;
	// 0 inside a form), so a test can hold a document to a readable size
	// whatever textIn had to shrink.
	smallest map[int]float64
	inForm   bool // drawing a form (see block), not a page
}

// block is a form already in the document: its name, height and smallest
// text size.
type block struct {
	id       string
	h        float64
	smallest float64
}

func (r *Renderer) newDoc(title string) *doc {
	return r.newDocUsing(title, make(runeSet, 0x10000/64), r.face.bytes)
}

// newDocUsing starts a document drawn with the TrueType font ttf that
// records the characters it draws in used, which the chunks of one file
// share.
func (r *Renderer) newDocUsing(title string, used runeSet, ttf []byte) *doc {
	f := gofpdf.New("P", "mm", "A4", "")
	f.SetCompression(true)
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(margin, margin, margin)
	f.SetCreator("zhunongbao", false)
	f.SetTitle(title, true)
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	at := now().In(znb.CST)
	f.SetCreationDate(at)
	f.SetModificationDate(at)
	f.SetCatalogSort(true)
	// gofpdf pads the font's tables in place when it subsets them, so a
	// font shared by documents drawn at once is written by each: every
	// document gets its own copy.
	f.AddUTF8FontFromBytes(cjkFont, "", bytes.Clone(ttf))
	f.SetLineWidth(0.25)
	d := &doc{r: r, f: f, local: map[rune]float64{}, used: used, blocks: map[string]block{}, heights: map[string]float64{},
		smallest: map[int]float64{}}
	if f.Err() {
		d.err = f.Error()
	}
	return d
}

// block draws, at y on the current page, a full-width block of height h
// that many pages share. The first time a key is seen, draw renders it into
// a form (a PDF template); later pages only refer to the form, so the
// document holds the block once and each page costs a few bytes for it.
func (d *doc) block(key string, y, h float64, draw func(d *doc, y float64)) {
	if d.err != nil {
		return
	}
	b, ok := d.blocks[key]
	if !ok {
		var smallest float64
		t := d.f.CreateTemplateCustom(gofpdf.PointType{}, gofpdf.SizeType{Wd: pageW, Ht: h}, func(tpl *gofpdf.Tpl) {
			sub := &doc{r: d.r, f: &tpl.Fpdf, local: d.local, used: d.used, smallest: map[int]float64{}, inForm: true}
			// The form starts without a font: make gofpdf emit one.
			sub.f.SetFont(latinFont, "", 1)
			sub.f.SetFont(cjkFont, "", 1)
			sub.font, sub.size = cjkFont, 1
			draw(sub, 0)
			d.fail(sub.err)
			smallest = sub.smallest[0]
		})
		if d.err != nil {
			return
		}
		// The first use registers the form with the document.
		d.f.UseTemplateScaled(t, gofpdf.PointType{X: 0, Y: y}, gofpdf.SizeType{Wd: pageW, Ht: h})
		b = block{id: t.ID(), h: h, smallest: smallest}
		d.blocks[key] = b
		d.noteSize(b.smallest)
		return
	}
	d.noteSize(b.smallest)
	// Later uses write what UseTemplateScaled writes, without its walk over
	// every image of the document (one QR code a card), which made a 10,000-
	// card file quadratic.
	d.f.RawWriteStr(fmt.Sprintf("q 1 0 0 1 0 %.4f cm /TPL%s Do Q", (pageH-y-b.h)*72/25.4, b.id))
}

// finish writes the document to w.
func (d *doc) finish(w io.Writer) error {
	if d.err != nil {
		return d.err
	}
	if err := d.f.Output(w); err != nil {
		return znb.Wrap(err, "生成 PDF 失败")
	}
	return nil
}

func (d *doc) fail(err error) {
	if d.err == nil && err != nil {
		d.err = err
	}
}

// noteSize records that text of size pt was drawn on the current page.
func (d *doc) noteSize(size float64) {
	if size <= 0 {
		return
	}
	page := 0
	if !d.inForm {
		page = d.f.PageNo()
	}
	if s, ok := d.smallest[page]; !ok || size < s {
		d.smallest[page] = size
	}
}

func (d *doc) setFont(name string, size float64) {
	if d.font != name || d.size != size {
		d.f.SetFont(name, "", size)
		d.font, d.size = name, size
	}
}

// runeWidth is the advance of c in mm at size pt; missing glyphs fail the doc.
func (d *doc) runeWidth(c rune, size float64, in string) float64 {
	w, ok := d.local[c]
	if !ok {
		w = d.r.width(c)
		d.local[c] = w
	}
	if w < 0 {
		d.fail(glyphMissing(c, in))
		return 0
	}
	return w * size
}

// width is the advance of s in mm at size pt.
func (d *doc) width(s string, size float64) float64 {
	w := 0.0
	for _, c := range s {
		w += d.runeWidth(c, size, s)
	}
	return w
}

// text draws s with its baseline at (x, y) in runs of the Latin and the
// Chinese font. The runs of the font already set are drawn first, then the
// others, so a line switches font at most once: gofpdf names fonts by a
// 40-character hash, and every switch costs page bytes held until output.
func (d *doc) text(x, y float64, s string, size float64) {
	if d.err != nil || s == "" {
		return
	}
	type run struct {
		x     float64
		s     string
		latin bool
	}
	var runs []run
	rs := []rune(s)
	for i := 0; i < len(rs); {
		isLatin := latin(rs[i])
		j := i
		for j < len(rs) && latin(rs[j]) == isLatin {
			j++
		}
		r := run{x, string(rs[i:j]), isLatin}
		runs = append(runs, r)
		x += d.width(r.s, size)
		i = j
	}
	if d.err != nil {
		return
	}
	d.noteSize(size)
	firstLatin := d.font == latinFont
	for pass := 0; pass < 2; pass++ {
		wantLatin := firstLatin == (pass == 0)
		for _, r := range runs {
			if r.latin != wantLatin {
				continue
			}
			if r.latin {
				d.setFont(latinFont, size)
				d.f.Text(r.x, y, cp1252(r.s))
			} else {
				d.setFont(cjkFont, size)
				for _, c := range r.s {
					d.used.add(c)
				}
				d.f.Text(r.x, y, r.s)
			}
		}
	}
}

// Alignment of text in a box.
const (
	left = iota
	center
	right
)

// textIn draws one line of s vertically centred in the box (x, y, w, h),
// shrinking the size until it fits the width, so nothing is ever clipped.
func (d *doc) textIn(x, y, w, h float64, s string, size float64, align int) {
	const pad = 1.2
	for size > 5 && d.width(s, size) > w-2*pad {
		size -= 0.5
	}
	tw := d.width(s, size)
	switch align {
	case center:
		x += (w - tw) / 2
	case right:
		x += w - pad - tw
	default:
		x += pad
	}
	d.text(x, y+h/2+0.35*size*ptMM, s, size)
}

// noBreakBefore holds punctuation that must not begin a line.
const noBreakBefore = "，。、；：！？）」』”’%,.;:!?)"

// wrap breaks s into lines no wider than w mm at size pt: between Chinese
// characters, at spaces, and after '/', '?' or '&' in URLs; a '\n' always
// breaks. A word wider than w is cut.
func (d *doc) wrap(s string, w, size float64) []string {
	var lines []string
	for _, para := range splitLines(s) {
		rs := []rune(para)
		start, brk, lw := 0, -1, 0.0
		for i := 0; i < len(rs); i++ {
			c := rs[i]
			cw := d.runeWidth(c, size, s)
			if i > start && canBreakBefore(rs, i) {
				brk = i
			}
			if lw+cw > w && i > start {
				cut := i
				if brk > start {
					cut = brk
				}
				lines = append(lines, trimSpace(rs[start:cut]))
				start, brk = cut, -1
				for start < len(rs) && rs[start] == ' ' {
					start++
				}
				lw = 0
				for _, c := range rs[start : i+1] {
					lw += d.runeWidth(c, size, s)
				}
				continue
			}
			lw += cw
		}
		lines = append(lines, trimSpace(rs[start:]))
	}
	return lines
}

func canBreakBefore(rs []rune, i int) bool {
	c, prev := rs[i], rs[i-1]
	for _, p := range noBreakBefore {
		if c == p {
			return false
		}
	}
	return prev == ' ' || prev == '/' || prev == '?' || prev == '&' || prev == '；' ||
		!latin(c) || !latin(prev)
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func trimSpace(rs []rune) string {
	for len(rs) > 0 && rs[len(rs)-1] == ' ' {
		rs = rs[:len(rs)-1]
	}
	return string(rs)
}

// lineH is the line height in mm for text of size pt.
func lineH(size float64) float64 { return size * ptMM * 1.45 }

// para draws wrapped text from (x, y) in width w and returns the y below it.
func (d *doc) para(x, y, w float64, s string, size float64) float64 {
	for _, l := range d.wrap(s, w, size) {
		d.text(x, y+size*ptMM, l, size)
		y += lineH(size)
	}
	return y
}

// bold draws s in fill-and-stroke mode, the faux bold of a font without a
// bold face; extracted text is unchanged.
func (d *doc) bold(fn func()) {
	d.f.SetTextRenderingMode(2)
	d.f.SetLineWidth(0.18)
	fn()
	d.f.SetTextRenderingMode(0)
	d.f.SetLineWidth(0.25)
}

// column is one column of a table: its header and width in mm.
type column struct {
	head  string
	w     float64
	align int
}

// table draws a header row and rows of cells with wrapped text; rows grow to
// fit their longest cell. Before each row, fits(h) is asked whether a row of
// height h fits from the current y; when it does not, onBreak starts a new
// page and returns the new y, and the header is repeated. It returns the y
// below the table.
func (d *doc) table(y float64, cols []column, rows [][]string, size float64, minH float64, onBreak func() float64) float64 {
	header := func(y float64) float64 {
		h := minH
		x := margin
		d.f.SetFillColor(225, 225, 225)
		for _, c := range cols {
			d.f.Rect(x, y, c.w, h, "FD")
			d.bold(func() { d.textIn(x, y, c.w, h, c.head, size, center) })
			x += c.w
		}
		// Back to black: while fill and text colours differ, gofpdf wraps
		// every piece of text in a colour change.
		d.f.SetFillColor(0, 0, 0)
		return y + h
	}
	y = header(y)
	for _, row := range rows {
		wrapped := make([][]string, len(cols))
		h := minH
		for i, c := range cols {
			wrapped[i] = d.wrap(row[i], c.w-2.4, size)
			if ch := float64(len(wrapped[i]))*lineH(size) + 1.6; ch > h {
				h = ch
			}
		}
		if y+h > pageH-margin && onBreak != nil {
			y = header(onBreak())
		}
		x := margin
		for i, c := range cols {
			d.f.Rect(x, y, c.w, h, "D")
			if len(wrapped[i]) == 1 {
				d.textIn(x, y, c.w, h, wrapped[i][0], size, c.align)
			} else {
				ty := y + (h-float64(len(wrapped[i]))*lineH(size))/2
				for _, l := range wrapped[i] {
					d.textIn(x, ty, c.w, lineH(size), l, size, c.align)
					ty += lineH(size)
				}
			}
			x += c.w
		}
		y += h
	}
	return y
}

// title draws the centred document title and returns the y below it.
func (d *doc) title(y float64, s string, size float64) float64 {
	d.bold(func() { d.textIn(margin, y, contentW, size*ptMM*1.6, s, size, center) })
	return y + size*ptMM*1.6
}

// fmtErr wraps an error of one item of a bulk document with its name.
func fmtErr(err error, what string) error {
	if e, ok := err.(*znb.Error); ok {
		c := *e
		c.Message = what + "：" + e.Message
		return &c
	}
	return fmt.Errorf("%s: %w", what, err)
}
