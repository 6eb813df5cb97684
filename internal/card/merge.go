package card

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
)

// gofpdf keeps every page of a document in memory until Output, so a
// village file of ten thousand cards would hold them all at once. Write
// therefore draws a long file as a run of small gofpdf documents ("chunks")
// and the merger below streams their pages into one PDF as each chunk is
// done. Text in gofpdf's Unicode fonts is written as CIDs equal to the
// characters' code points (Identity-H with a CIDToGIDMap), so a page's
// content does not depend on which subset of the font is embedded: the
// chunks' own font subsets are dropped and one subset holding every
// character of the whole file is embedded once at the end.
//
// The merger reads only what gofpdf writes — a classic xref table, objects
// one after another, no object streams — and is not a general PDF parser.

// merger writes one PDF from the pages of chunk documents. Memory is the
// xref (8 bytes an object) and the page list; object bodies pass through.
type merger struct {
	w        *bufio.Writer
	pos      int64
	offsets  []int64 // by object number; 0 is the free head
	kids     []int
	mediaBox string
	info     []byte // the Info dictionary of the first chunk
	err      error

	// Chunks are drawn uncompressed — gofpdf makes a new compressor, a
	// megabyte of memory to clear, for every page — and the merger
	// compresses their streams with one compressor it reuses.
	zbuf bytes.Buffer
	zw   *zlib.Writer
}

// Objects the merger reserves: the page tree and the one Chinese font.
const (
	pagesObj = 1
	fontObj  = 2
)

func newMerger(w io.Writer) *merger {
	m := &merger{w: bufio.NewWriterSize(w, 256<<10), offsets: make([]int64, 3)}
	m.zw, _ = zlib.NewWriterLevel(&m.zbuf, zlib.BestSpeed)
	// The comment of high bytes marks the file as binary for transfer tools.
	m.write([]byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"))
	return m
}

func (m *merger) write(b []byte) {
	if m.err != nil {
		return
	}
	n, err := m.w.Write(b)
	m.pos += int64(n)
	m.err = err
}

func (m *merger) alloc() int {
	m.offsets = append(m.offsets, 0)
	return len(m.offsets) - 1
}

// object writes object n: dict with its references renumbered by ref, then
// the rest of the body (a stream) unchanged.
func (m *merger) object(n int, body []byte, ref func(int) int) {
	m.offsets[n] = m.pos
	m.write([]byte(strconv.Itoa(n) + " 0 obj\n"))
	dict, rest := splitStream(body)
	dict = renumber(dict, ref)
	if rest != nil && !bytes.Contains(dict, []byte("/Filter")) {
		dict, rest = m.compress(dict, rest)
	}
	m.write(dict)
	m.write(rest)
	m.write([]byte("endobj\n"))
}

var lengthKey = regexp.MustCompile(`/Length \d+`)

// compress deflates an uncompressed stream and fixes its dictionary.
func (m *merger) compress(dict, stream []byte) ([]byte, []byte) {
	data, ok := bytes.CutPrefix(stream, []byte("stream\n"))
	if ok {
		data, ok = bytes.CutSuffix(data, []byte("\nendstream\n"))
	}
	loc := lengthKey.FindIndex(dict)
	if !ok || loc == nil {
		return dict, stream // not the shape gofpdf writes: leave it be
	}
	m.zbuf.Reset()
	m.zbuf.WriteString("stream\n")
	m.zw.Reset(&m.zbuf)
	m.zw.Write(data)
	m.zw.Close()
	n := m.zbuf.Len() - len("stream\n")
	m.zbuf.WriteString("\nendstream\n")
	var d []byte
	d = append(d, dict[:loc[0]]...)
	d = append(d, "/Filter /FlateDecode /Length "...)
	d = strconv.AppendInt(d, int64(n), 10)
	d = append(d, dict[loc[1]:]...)
	return d, m.zbuf.Bytes()
}

// add copies the pages of one chunk, and everything they use, except the
// chunk's Chinese font, which becomes a reference to the file's one font.
// With keepFont the chunk's font is that font: the chunk is the whole file.
func (m *merger) add(pdf []byte, keepFont bool) error {
	p, err := parsePDF(pdf)
	if err != nil {
		return err
	}
	if m.info == nil {
		m.info = bytes.Clone(p.objs[p.info])
	}
	kids, box := p.pages()
	if m.mediaBox == "" {
		m.mediaBox = box
	}
	cp := m.copier(p)
	cp.newNo[pagesObj] = pagesObj
	for n, body := range p.objs {
		if isType0(body) {
			cp.newNo[n] = fontObj
			if keepFont {
				cp.queue = append(cp.queue, n)
			}
		}
	}
	for _, k := range kids {
		m.kids = append(m.kids, cp.ref(k))
	}
	return cp.drain()
}

// mergeQueue adds chunks to a merger on another goroutine, so that the next
// chunk is drawn while one is parsed, compressed and written — a quarter
// of a card's work.
type mergeQueue struct {
	chunks chan []byte
	done   chan struct{} // closed when every chunk handed over is added
	failed chan struct{} // closed when err is set
	err    error
}

func (m *merger) behind() *mergeQueue {
	chunks := make(chan []byte)
	q := &mergeQueue{chunks: chunks, done: make(chan struct{}), failed: make(chan struct{})}
	go func() {
		defer close(q.done)
		for pdf := range chunks {
			if q.err == nil {
				if q.err = m.add(pdf, false); q.err != nil {
					close(q.failed)
				}
			}
		}
	}()
	return q
}

// add hands a chunk that is not the whole file over; it returns the error
// of an earlier chunk instead once one failed.
func (q *mergeQueue) add(pdf []byte) error {
	select {
	case q.chunks <- pdf:
		return nil
	case <-q.failed:
		return q.err
	}
}

// wait returns once every chunk handed over is added, with the first error.
func (q *mergeQueue) wait() error {
	if q.chunks != nil {
		close(q.chunks)
		q.chunks = nil
	}
	<-q.done
	return q.err
}

// copier renumbers the objects of one parsed document into the merged
// file: ref gives an object its new number when first seen and queues it;
// drain copies the queued objects, whose references go through ref in turn.
type copier struct {
	m     *merger
	p     *parsedPDF
	newNo map[int]int // object number in p → number in the merged file
	queue []int
}

func (m *merger) copier(p *parsedPDF) *copier {
	return &copier{m: m, p: p, newNo: map[int]int{}}
}

func (c *copier) ref(old int) int {
	n, ok := c.newNo[old]
	if !ok {
		n = c.m.alloc()
		c.newNo[old] = n
		c.queue = append(c.queue, old)
	}
	return n
}

func (c *copier) drain() error {
	for len(c.queue) > 0 {
		old := c.queue[0]
		c.queue = c.queue[1:]
		body, ok := c.p.objs[old]
		if !ok {
			return fmt.Errorf("merge PDF: object %d is referenced but missing", old)
		}
		c.m.object(c.newNo[old], body, c.ref)
	}
	return c.m.err
}

// finish embeds the font from fontPDF, a document whose one Type0 font
// holds every character the pages use (nil when a chunk added with keepFont
// brought it), and writes the page tree, the catalog and the
// cross-reference table.
func (m *merger) finish(fontPDF []byte) error {
	if fontPDF != nil {
		if err := m.font(fontPDF); err != nil {
			return err
		}
	}
	if m.offsets[fontObj] == 0 {
		return fmt.Errorf("merge PDF: no font embedded")
	}

	var kids bytes.Buffer
	for _, k := range m.kids {
		kids.WriteString(strconv.Itoa(k) + " 0 R ")
	}
	m.offsets[pagesObj] = m.pos
	m.write([]byte(fmt.Sprintf("%d 0 obj\n<</Type /Pages\n/Kids [%s]\n/Count %d\n%s\n>>\nendobj\n",
		pagesObj, kids.String(), len(m.kids), m.mediaBox)))
	// The Info dictionary holds no references, only strings (UTF-16 among
	// them), so it is copied as it is.
	info := m.alloc()
	m.offsets[info] = m.pos
	m.write([]byte(strconv.Itoa(info) + " 0 obj\n"))
	m.write(m.info)
	m.write([]byte("endobj\n"))
	catalog := m.alloc()
	m.offsets[catalog] = m.pos
	m.write([]byte(fmt.Sprintf("%d 0 obj\n<<\n/Type /Catalog\n/Pages %d 0 R\n>>\nendobj\n", catalog, pagesObj)))

	xref := m.pos
	var b bytes.Buffer
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(m.offsets))
	for _, o := range m.offsets[1:] {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<<\n/Size %d\n/Root %d 0 R\n/Info %d 0 R\n>>\nstartxref\n%d\n%%%%EOF\n",
		len(m.offsets), catalog, info, xref)
	m.write(b.Bytes())
	if m.err == nil {
		m.err = m.w.Flush()
	}
	return m.err
}

// font copies the one Type0 font of fontPDF, and what it uses, as the
// file's font.
func (m *merger) font(fontPDF []byte) error {
	p, err := parsePDF(fontPDF)
	if err != nil {
		return err
	}
	cp := m.copier(p)
	for n, body := range p.objs {
		if isType0(body) {
			cp.newNo[n] = fontObj
			cp.queue = append(cp.queue, n)
		}
	}
	if len(cp.queue) != 1 {
		return fmt.Errorf("merge PDF: font document has %d Type0 fonts, want 1", len(cp.queue))
	}
	return cp.drain()
}

// fontPDF returns a one-page document whose Chinese font subset holds every
// character in used that the face has, cut from the working font.
func (r *Renderer) fontPDF(used runeSet) ([]byte, error) {
	f, err := r.fontFor(used)
	if err != nil {
		return nil, err
	}
	has := make(runeSet, len(used))
	for i := range has {
		has[i] = used[i] & r.face.cover[i]
	}
	return fontDoc(f.bytes, has)
}

// parsedPDF is one gofpdf document split into its objects.
type parsedPDF struct {
	objs map[int][]byte // body of each object: between "n 0 obj\n" and "endobj"
	root int
	info int
}

func parsePDF(pdf []byte) (*parsedPDF, error) {
	bad := func(what string) error { return fmt.Errorf("merge PDF: %s", what) }
	i := bytes.LastIndex(pdf, []byte("startxref\n"))
	if i < 0 {
		return nil, bad("no startxref")
	}
	xref, err := strconv.Atoi(string(bytes.TrimSpace(firstLine(pdf[i+len("startxref\n"):]))))
	if err != nil || xref <= 0 || xref >= len(pdf) || !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		return nil, bad("bad startxref")
	}
	rest := pdf[xref+len("xref\n0 "):]
	count, err := strconv.Atoi(string(bytes.TrimSpace(firstLine(rest))))
	if err != nil || count < 2 {
		return nil, bad("bad xref header")
	}
	table := rest[len(firstLine(rest))+1:]
	if len(table) < 20*count {
		return nil, bad("short xref table")
	}
	type extent struct{ n, off int }
	ext := make([]extent, 0, count-1)
	for n := 1; n < count; n++ {
		off, err := strconv.Atoi(string(table[20*n : 20*n+10]))
		if err != nil || off <= 0 || off >= xref {
			return nil, bad("bad xref entry " + strconv.Itoa(n))
		}
		ext = append(ext, extent{n, off})
	}
	sort.Slice(ext, func(a, b int) bool { return ext[a].off < ext[b].off })
	p := &parsedPDF{objs: make(map[int][]byte, len(ext))}
	for k, e := range ext {
		end := xref
		if k+1 < len(ext) {
			end = ext[k+1].off
		}
		obj := pdf[e.off:end]
		head := []byte(strconv.Itoa(e.n) + " 0 obj\n")
		if !bytes.HasPrefix(obj, head) {
			return nil, bad("object " + strconv.Itoa(e.n) + " not at its offset")
		}
		body := bytes.TrimRight(obj[len(head):], "\n")
		body, ok := bytes.CutSuffix(body, []byte("endobj"))
		if !ok {
			return nil, bad("object " + strconv.Itoa(e.n) + " without endobj")
		}
		p.objs[e.n] = body
	}
	trailer := table[20*count:]
	p.root = refAfter(trailer, "/Root ")
	p.info = refAfter(trailer, "/Info ")
	if p.objs[p.root] == nil || p.objs[p.info] == nil {
		return nil, bad("trailer without Root or Info")
	}
	return p, nil
}

// pages returns the page objects of the document in order, and the page
// tree's MediaBox entry.
func (p *parsedPDF) pages() ([]int, string) {
	tree := p.objs[pagesObj]
	var kids []int
	if i := bytes.Index(tree, []byte("/Kids [")); i >= 0 {
		list := tree[i+len("/Kids ["):]
		list = list[:bytes.IndexByte(list, ']')]
		f := bytes.Fields(list)
		for j := 0; j+2 < len(f); j += 3 {
			n, _ := strconv.Atoi(string(f[j]))
			kids = append(kids, n)
		}
	}
	box := "/MediaBox [0 0 595.28 841.89]"
	if i := bytes.Index(tree, []byte("/MediaBox [")); i >= 0 {
		b := tree[i:]
		box = string(b[:bytes.IndexByte(b, ']')+1])
	}
	return kids, box
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

func refAfter(b []byte, key string) int {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+len(key):])
	if len(f) < 3 {
		return 0
	}
	n, _ := strconv.Atoi(string(f[0]))
	return n
}

func isType0(body []byte) bool {
	dict, _ := splitStream(body)
	return bytes.Contains(dict, []byte("/Subtype /Type0"))
}

// splitStream splits an object body into its dictionary and its stream
// (from the "stream" keyword on), so that references are renumbered in the
// dictionary only, never inside binary stream data.
func splitStream(body []byte) (dict, stream []byte) {
	if i := bytes.Index(body, []byte(">>\nstream\n")); i >= 0 {
		return body[:i+3], body[i+3:]
	}
	return body, nil
}

// renumber rewrites every indirect reference "n 0 R" in a dictionary.
func renumber(dict []byte, ref func(int) int) []byte {
	out := make([]byte, 0, len(dict)+16)
	i := 0
	for i < len(dict) {
		c := dict[i]
		if c < '0' || c > '9' || (i > 0 && isNumChar(dict[i-1])) {
			out = append(out, c)
			i++
			continue
		}
		j := i
		for j < len(dict) && dict[j] >= '0' && dict[j] <= '9' {
			j++
		}
		if bytes.HasPrefix(dict[j:], []byte(" 0 R")) && (j+4 == len(dict) || isDelim(dict[j+4])) {
			n, _ := strconv.Atoi(string(dict[i:j]))
			out = strconv.AppendInt(out, int64(ref(n)), 10)
			out = append(out, " 0 R"...)
			i = j + 4
			continue
		}
		out = append(out, dict[i:j]...)
		i = j
	}
	return out
}

func isNumChar(c byte) bool { return c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' }

func isDelim(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', ']', '>', '/', '[', '<':
		return true
	}
	return false
}
