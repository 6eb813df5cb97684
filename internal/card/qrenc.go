package card

import (
	"math/bits"
	"strings"
	"sync"

	"github.com/skip2/go-qrcode"
)

// go-qrcode spent two thirds of a card file's CPU on the card's QR code:
// its Reed-Solomon code multiplies polynomials of freshly allocated slices,
// and it builds eight symbols of [][]bool to score the masks. qrBitmap
// draws the same symbol — bit for bit, TestQRBitmap holds it to go-qrcode —
// for the versions a verify link takes (1 to 9 at level M, up to 180
// bytes), with tables made once and the masks scored on one flat grid.
// Longer content goes to go-qrcode itself.

// qrBitmap returns the QR code of s at level M as go-qrcode's Bitmap does:
// rows of modules, true dark, with a quiet zone of 4 modules.
func qrBitmap(s string) ([][]bool, error) {
	if bm, ok := fastQR(s); ok {
		return bm, nil
	}
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	return q.Bitmap(), nil
}

// qrBlocks are the error correction blocks of versions 1 to 9 at level M:
// groups of {blocks, codewords a block, data codewords a block}.
var qrBlocks = [10][][3]int{
	1: {{1, 26, 16}}, 2: {{1, 44, 28}}, 3: {{1, 70, 44}}, 4: {{2, 50, 32}}, 5: {{2, 67, 43}},
	6: {{4, 43, 27}}, 7: {{4, 49, 31}}, 8: {{2, 60, 38}, {2, 61, 39}}, 9: {{3, 58, 36}, {2, 59, 37}},
}

// qrRemainder are the bits after the last codeword, by version.
var qrRemainder = [10]int{0, 0, 7, 7, 7, 7, 7, 0, 0, 0}

var qrAlign = [10][]int{2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}}

// qrFormat are the format bits of level M with masks 0 to 7; qrVersionBits
// the version bits of versions 7 to 9.
var (
	qrFormat      = [8]uint32{0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0}
	qrVersionBits = [10]uint32{7: 0x07c94, 8: 0x085bc, 9: 0x09a99}
)

func qrDataBytes(v int) int {
	n := 0
	for _, g := range qrBlocks[v] {
		n += g[0] * g[2]
	}
	return n
}

// bitWriter appends bits most significant first, as QR codes are written.
type bitWriter struct {
	b []byte
	n int
}

func (w *bitWriter) put(v uint32, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v&(1<<uint(i)) != 0 {
			w.b[w.n/8] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// QR data modes, ordered as go-qrcode orders them.
const (
	qrNumeric = iota + 1
	qrAlnum
	qrByte
)

func qrMode(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return qrNumeric
	case c >= 'A' && c <= 'Z', c == ' ', c == '$', c == '%', c == '*', c == '+', c == '-', c == '.', c == '/', c == ':':
		return qrAlnum
	}
	return qrByte
}

// qrLength is the length in bits of a segment of n characters in mode, for
// versions 1 to 9.
func qrLength(mode, n int) int {
	switch mode {
	case qrNumeric:
		l := 4 + 10 + 10*(n/3)
		if n%3 != 0 {
			l += 1 + 3*(n%3)
		}
		return l
	case qrAlnum:
		return 4 + 9 + 11*(n/2) + 6*(n%2)
	}
	return 4 + 8 + 8*n
}

type qrSegment struct {
	mode       int
	start, end int // bytes of the content
}

// qrSegments splits s into runs of one mode and joins a run with the
// following ones of a lower or equal mode where that is shorter, then takes
// one segment of the highest mode instead if that is no longer — as
// go-qrcode's dataEncoder does. ok is false when a segment is too long for
// versions 1 to 9.
func qrSegments(s string) (segs []qrSegment, ok bool) {
	var runs []qrSegment
	highest := 0
	for i := 0; i < len(s); {
		m, j := qrMode(s[i]), i+1
		for j < len(s) && qrMode(s[j]) == m {
			j++
		}
		runs = append(runs, qrSegment{m, i, j})
		highest = max(highest, m)
		i = j
	}
	fits := func(mode, n int) bool { return n <= [4]int{0, 1023, 511, 255}[mode] }
	total := 0
	for i := 0; i < len(runs); {
		mode, n := runs[i].mode, runs[i].end-runs[i].start
		if !fits(mode, n) {
			return nil, false
		}
		j := i + 1
		for ; j < len(runs) && runs[j].mode <= mode; j++ {
			m := runs[j].end - runs[j].start
			if !fits(mode, n+m) || !fits(runs[j].mode, m) {
				return nil, false
			}
			if qrLength(mode, n+m) >= qrLength(mode, n)+qrLength(runs[j].mode, m) {
				break
			}
			n += m
		}
		segs = append(segs, qrSegment{mode, runs[i].start, runs[i].start + n})
		total += qrLength(mode, n)
		i = j
	}
	if !fits(highest, len(s)) {
		return nil, false
	}
	if qrLength(highest, len(s)) <= total {
		return []qrSegment{{highest, 0, len(s)}}, true
	}
	return segs, true
}

const qrAlnumChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// qrCodewords encodes s into the data codewords of the smallest version
// from 1 to 9 that holds it, padded; ok is false when none does.
func qrCodewords(s string) (data []byte, version int, ok bool) {
	if s == "" {
		return nil, 0, false
	}
	segs, ok := qrSegments(s)
	if !ok {
		return nil, 0, false
	}
	var w bitWriter
	for _, g := range segs {
		d := s[g.start:g.end]
		w.put(1<<uint(g.mode-1), 4)
		switch g.mode {
		case qrNumeric:
			w.put(uint32(len(d)), 10)
			for i := 0; i < len(d); i += 3 {
				v, bits := uint32(0), 1
				for j := i; j < len(d) && j < i+3; j++ {
					v = v*10 + uint32(d[j]-'0')
					bits += 3
				}
				w.put(v, bits)
			}
		case qrAlnum:
			w.put(uint32(len(d)), 9)
			for i := 0; i < len(d); i += 2 {
				v, bits := uint32(strings.IndexByte(qrAlnumChars, d[i])), 6
				if i+1 < len(d) {
					v, bits = v*45+uint32(strings.IndexByte(qrAlnumChars, d[i+1])), 11
				}
				w.put(v, bits)
			}
		default:
			w.put(uint32(len(d)), 8)
			for i := 0; i < len(d); i++ {
				w.put(uint32(d[i]), 8)
			}
		}
	}
	for version = 1; version <= 9 && 8*qrDataBytes(version) < w.n; version++ {
	}
	if version > 9 {
		return nil, 0, false
	}
	capacity := 8 * qrDataBytes(version)
	w.put(0, min(4, capacity-w.n)) // terminator
	w.put(0, (8-w.n%8)%8)
	for pad := uint32(0xEC); w.n < capacity; pad ^= 0xEC ^ 0x11 {
		w.put(pad, 8)
	}
	return w.b, version, true
}

// gf256 holds the exponent and log tables of GF(2⁸) over x⁸+x⁴+x³+x²+1.
var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := 0; i < 255; i++ {
		exp[i], exp[i+255] = byte(x), byte(x)
		log[x] = byte(i)
		if x <<= 1; x >= 256 {
			x ^= 0x11d
		}
	}
	return
}()

// rsGenerators are the Reed-Solomon generator polynomials by degree,
// highest coefficient (1) left out.
var rsGenerators sync.Map

func rsGenerator(n int) []byte {
	if g, ok := rsGenerators.Load(n); ok {
		return g.([]byte)
	}
	g := []byte{1}
	for i := 0; i < n; i++ { // multiply by (x - αⁱ)
		next := make([]byte, len(g)+1)
		for j, c := range g {
			next[j] ^= c
			if c != 0 {
				next[j+1] ^= gfExp[int(gfLog[c])+i]
			}
		}
		g = next
	}
	rsGenerators.Store(n, g[1:])
	return g[1:]
}

// rsECC returns the n error correction codewords of data.
func rsECC(data []byte, n int) []byte {
	g := rsGenerator(n)
	r := make([]byte, n)
	for _, d := range data {
		f := d ^ r[0]
		copy(r, r[1:])
		r[n-1] = 0
		if f != 0 {
			lf := int(gfLog[f])
			for i, c := range g {
				if c != 0 {
					r[i] ^= gfExp[lf+int(gfLog[c])]
				}
			}
		}
	}
	return r
}

// qrLayout is what every symbol of a version shares, as bitboards — a
// uint64 a row or column, bit x for column x (or bit y for row y): the
// function patterns with each mask's format bits, where each data bit goes,
// and each mask over the data modules.
type qrLayout struct {
	size           int
	rows, cols     [8][]uint64 // function patterns and format bits of mask m
	dx, dy         []uint8     // column and row of each data bit, in order
	maskR, maskC   [8][]uint64 // mask m over the data modules
	dataR0, dataC0 []uint64    // scratch shapes: make(…, size)
}

var qrLayouts [10]struct {
	once sync.Once
	l    *qrLayout
}

func layoutOf(v int) *qrLayout {
	e := &qrLayouts[v]
	e.once.Do(func() { e.l = newLayout(v) })
	return e.l
}

// newLayout places the function patterns and walks the data bits as
// go-qrcode's regularSymbol does.
func newLayout(v int) *qrLayout {
	size := 21 + 4*(v-1)
	base := make([]bool, size*size)
	used := make([]bool, size*size)
	at := func(x, y int) int { return y*size + x }
	set := func(x, y int, dark bool) {
		base[at(x, y)] = dark
		used[at(x, y)] = true
	}
	finder := func(x0, y0 int) {
		for y := 0; y < 7; y++ {
			for x := 0; x < 7; x++ {
				set(x0+x, y0+y, max(abs(x-3), abs(y-3)) != 2)
			}
		}
	}
	finder(0, 0)
	finder(size-7, 0)
	finder(0, size-7)
	for i := 0; i < 8; i++ { // separators
		set(i, 7, false)
		set(7, i, false)
		set(size-8+i, 7, false)
		set(size-8, i, false)
		set(i, size-8, false)
		set(7, size-8+i, false)
	}
	for _, cx := range qrAlign[v] {
		for _, cy := range qrAlign[v] {
			if used[at(cx, cy)] {
				continue
			}
			for y := -2; y <= 2; y++ {
				for x := -2; x <= 2; x++ {
					set(cx+x, cy+y, max(abs(x), abs(y)) != 1)
				}
			}
		}
	}
	for i, dark := 8, true; i < size-7; i, dark = i+1, !dark {
		set(i, 6, dark)
		set(6, i, dark)
	}
	// Where bit i of the format goes, twice; set per mask below.
	var format, format2 [15]int
	for i := 0; i <= 7; i++ {
		format[i] = at(size-i-1, 8)
	}
	for i := 0; i <= 5; i++ {
		format2[i] = at(8, i)
	}
	format2[6], format2[7], format2[8] = at(8, 7), at(8, 8), at(7, 8)
	for i := 9; i <= 14; i++ {
		format2[i] = at(14-i, 8)
	}
	for i := 8; i <= 14; i++ {
		format[i] = at(8, size-7+i-8)
	}
	for i := 0; i < 15; i++ {
		used[format[i]], used[format2[i]] = true, true
	}
	set(8, size-8, true)
	if bits := qrVersionBits[v]; bits != 0 {
		for i := 0; i < 18; i++ {
			dark := bits&(1<<uint(i)) != 0
			set(i/3, size-11+i%3, dark)
			set(size-11+i%3, i/3, dark)
		}
	}
	l := &qrLayout{size: size}
	n := qrRemainder[v]
	for _, g := range qrBlocks[v] {
		n += 8 * g[0] * g[1]
	}
	x, y, xOff, up := size-2, size-1, 1, true
	for i := 0; i < n; i++ {
		l.dx, l.dy = append(l.dx, uint8(x+xOff)), append(l.dy, uint8(y))
		used[at(x+xOff, y)] = true
		if i == n-1 {
			break
		}
		for {
			if xOff == 1 {
				xOff = 0
			} else {
				xOff = 1
				switch {
				case up && y > 0:
					y--
				case up:
					up, x = false, x-2
				case y < size-1:
					y++
				default:
					up, x = true, x-2
				}
			}
			if x == 5 {
				x--
			}
			if !used[at(x+xOff, y)] {
				break
			}
		}
	}
	for m := 0; m < 8; m++ {
		for i := 0; i < 15; i++ {
			dark := qrFormat[m]&(1<<uint(i)) != 0
			base[format[i]], base[format2[i]] = dark, dark
		}
		l.rows[m], l.cols[m] = make([]uint64, size), make([]uint64, size)
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				if base[at(x, y)] {
					l.rows[m][y] |= 1 << uint(x)
					l.cols[m][x] |= 1 << uint(y)
				}
			}
		}
		l.maskR[m], l.maskC[m] = make([]uint64, size), make([]uint64, size)
		for i := range l.dx {
			if x, y := int(l.dx[i]), int(l.dy[i]); qrMask(m, x, y) {
				l.maskR[m][y] |= 1 << uint(x)
				l.maskC[m][x] |= 1 << uint(y)
			}
		}
	}
	return l
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// qrMask reports whether mask m inverts the module in column x, row y.
func qrMask(m, x, y int) bool {
	switch m {
	case 0:
		return (y+x)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (y+x)%3 == 0
	case 4:
		return (y/2+x/3)%2 == 0
	case 5:
		return (y*x)%2+(y*x)%3 == 0
	case 6:
		return ((y*x)%2+(y*x)%3)%2 == 0
	}
	return ((y+x)%2+(y*x)%3)%2 == 0
}

// fastQR is qrBitmap for content that fits versions 1 to 9; ok is false
// for other content.
func fastQR(s string) ([][]bool, bool) {
	data, v, ok := qrCodewords(s)
	if !ok {
		return nil, false
	}
	// Split into blocks, add error correction, interleave.
	type blk struct{ data, ecc []byte }
	var blocks []blk
	off := 0
	for _, g := range qrBlocks[v] {
		for i := 0; i < g[0]; i++ {
			d := data[off : off+g[2]]
			blocks = append(blocks, blk{d, rsECC(d, g[1]-g[2])})
			off += g[2]
		}
	}
	var words []byte
	for i := 0; ; i++ {
		added := false
		for _, b := range blocks {
			if i < len(b.data) {
				words, added = append(words, b.data[i]), true
			}
		}
		if !added {
			break
		}
	}
	for i := 0; i < len(blocks[0].ecc); i++ {
		for _, b := range blocks {
			words = append(words, b.ecc[i])
		}
	}
	// The data modules before masking (remainder bits are light).
	l := layoutOf(v)
	size := l.size
	dataR, dataC := make([]uint64, size), make([]uint64, size)
	for i := 0; i < 8*len(words); i++ {
		if words[i/8]&(0x80>>uint(i%8)) != 0 {
			x, y := l.dx[i], l.dy[i]
			dataR[y] |= 1 << x
			dataC[x] |= 1 << y
		}
	}
	// Score the eight masks; the first lowest wins.
	rows, cols := make([]uint64, size), make([]uint64, size)
	best, bestScore := make([]uint64, size), -1
	for m := 0; m < 8; m++ {
		for i := 0; i < size; i++ {
			rows[i] = l.rows[m][i] | dataR[i] ^ l.maskR[m][i]
			cols[i] = l.cols[m][i] | dataC[i] ^ l.maskC[m][i]
		}
		if score := qrPenalty(rows, cols, size); bestScore < 0 || score < bestScore {
			bestScore = score
			copy(best, rows)
		}
	}
	const quiet = 4
	n := size + 2*quiet
	cells := make([]bool, n*n)
	out := make([][]bool, n)
	for y := range out {
		out[y] = cells[y*n : (y+1)*n]
		if y >= quiet && y < quiet+size {
			for x := 0; x < size; x++ {
				out[y][quiet+x] = best[y-quiet]&(1<<uint(x)) != 0
			}
		}
	}
	return out, true
}

// qrPenalty scores a symbol of rows and columns as go-qrcode's
// symbol.penaltyScore does, its departures from the standard's rules
// included: runs of one colour in a row or column, 2×2 blocks of one
// colour, finder-like patterns and the balance of dark and light.
func qrPenalty(rows, cols []uint64, size int) int {
	full := uint64(1)<<uint(size) - 1
	p, blocks, dark := 0, 0, 0
	for i := 0; i < size; i++ {
		r, c := rows[i], cols[i]
		p += qrRuns(r, full) + qrRuns(c, full) + qrFinders(r, size) + qrFinders(c, size)
		dark += bits.OnesCount64(r)
		if i > 0 {
			above := rows[i-1]
			v := ^(above ^ r) // bit x: the module above is the same
			h := ^(r ^ r>>1)  // bit x: the module right of it is the same
			blocks += bits.OnesCount64(v & (v >> 1) & h & (full >> 1))
		}
	}
	modules := size * size
	dev := modules/2 - dark
	if dev < 0 {
		dev = -dev
	}
	return p + 3*blocks + 10*(dev/(modules/20))
}

// qrRuns scores the runs of one colour in a line of modules: go-qrcode
// counts a run of n ≥ 6 as n-2 (the standard, n ≥ 5 as n-2). w marks where
// six equal modules start; a run of n has n-5 of them, the first of which
// starts it.
func qrRuns(line, full uint64) int {
	e := ^(line ^ line>>1) & (full >> 1)
	w := e & (e >> 1) & (e >> 2) & (e >> 3) & (e >> 4)
	return bits.OnesCount64(w) + 3*bits.OnesCount64(w&^(w<<1))
}

// qrFinders scores the finder-like patterns of a line of modules as
// go-qrcode does, with its buffer of the last eleven modules, reset after a
// match. Both patterns hold dark-light-dark-dark-dark-light-dark, so a line
// without one scores nothing and is not walked.
func qrFinders(line uint64, size int) int {
	if line&^(line>>1)&(line>>2)&(line>>3)&(line>>4)&^(line>>5)&(line>>6)&(uint64(1)<<uint(size-6)-1) == 0 {
		return 0
	}
	p := 0
	var buf int16
	for b := 0; b < size; b++ {
		buf = buf<<1 | int16((line>>uint(b))&1)
		if k := buf & 0x7ff; k == 0x05d || k == 0x5d0 || b == size-1 && buf&0x7f == 0x5d {
			p += 40
			buf = 0xFF
		}
	}
	return p
}
