package card

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// wellKnownFonts are the places packages and people put a TrueType font with
// the Chinese characters a card needs, in order of preference. gofpdf reads
// only TrueType outlines in a single .ttf: the .ttc collections of
// fonts-wqy-* and fonts-noto-cjk and CFF-based .otf files do not load.
var wellKnownFonts = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", // fonts-droid-fallback
	"/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",     // older fonts-droid
	"/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",    // fonts-arphic-gbsn00lp
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttf",            // hand-converted WenQuanYi
	"/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",     // Noto Sans SC from Google Fonts
	"/usr/local/share/fonts/NotoSansSC-Regular.ttf",
	"C:\\Windows\\Fonts\\simhei.ttf", // developers' Windows machines
}

// probe is text every usable font must cover: the card's title and the
// words of its headings. A Japanese font that lacks 农 or 险 is not enough.
const probe = "助农保险服务明白卡承保机构理赔电话户主家庭成员身份证号农业生产意外伤害住院医疗家庭财产报案查勘理算支付已注销"

func fontMissing(detail string) *znb.Error {
	return &znb.Error{Kind: znb.Unavailable, Code: "font_missing",
		Message: "找不到可打印中文的字体（" + detail + "）。请安装：apt-get install fonts-droid-fallback，" +
			"或在配置 pdf.font / 环境变量 ZNB_PDF_FONT 中指定一个含简体中文的 .ttf 字体文件"}
}

// FindFont returns the path of the TrueType font that renders Chinese on
// cards: the configured path (config pdf.font or ZNB_PDF_FONT) when given,
// else the first well-known system font that covers the card's words. A
// configured path that does not work is an error, not a silent fallback, so
// that an operator's mistake shows. No usable font is a font_missing error.
func FindFont(configured string) (string, error) {
	if configured != "" {
		if _, err := loadFace(configured); err != nil {
			return "", err
		}
		return configured, nil
	}
	for _, p := range wellKnownFonts {
		if _, err := loadFace(p); err == nil {
			return p, nil
		}
	}
	return "", fontMissing("已查找 " + wellKnownFonts[0] + " 等常用位置")
}

// face is a TrueType font read once: its bytes, handed to every document,
// and the set of characters it has glyphs for, so that text it cannot show
// is refused instead of printed as empty boxes.
type face struct {
	path  string
	bytes []byte
	cover runeSet
}

// loadFace reads and checks a font file.
func loadFace(path string) (*face, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fontMissing("无法读取 " + path)
	}
	cover, err := cmapCoverage(b)
	if err != nil {
		return nil, fontMissing(path + " 不是可用的 TrueType 字体：" + err.Error())
	}
	for _, r := range probe {
		if !cover.has(r) {
			return nil, fontMissing(fmt.Sprintf("%s 缺少汉字“%c”", path, r))
		}
	}
	return &face{path: path, bytes: b, cover: cover}, nil
}

// runeSet is a bitmap over the Basic Multilingual Plane, the only plane
// gofpdf's font subsetting handles.
type runeSet []uint64

func (s runeSet) has(r rune) bool {
	return r >= 0 && r < 0x10000 && s[r>>6]&(1<<(uint(r)&63)) != 0
}

func (s runeSet) add(r rune) {
	if r >= 0 && r < 0x10000 {
		s[r>>6] |= 1 << (uint(r) & 63)
	}
}

var errFont = errors.New("no usable cmap")

// cmapCoverage reads the Unicode cmap subtable (format 4 or 12) of a
// TrueType font and returns the characters that map to a real glyph.
func cmapCoverage(b []byte) (runeSet, error) {
	u16 := func(o int) int {
		if o < 0 || o+2 > len(b) {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[o:]))
	}
	u32 := func(o int) int {
		if o < 0 || o+4 > len(b) {
			return 0
		}
		return int(binary.BigEndian.Uint32(b[o:]))
	}
	if len(b) < 12 {
		return nil, errFont
	}
	if v := string(b[:4]); v != "\x00\x01\x00\x00" && v != "true" {
		return nil, errors.New("not a single TrueType font (.ttc collections and CFF .otf are not supported)")
	}
	cmap, glyf := -1, false
	for i, n := 0, u16(4); i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(b) {
			break
		}
		switch string(b[rec : rec+4]) {
		case "cmap":
			cmap = u32(rec + 8)
		case "glyf":
			glyf = true
		}
	}
	if cmap < 0 || !glyf {
		return nil, errFont
	}
	// Prefer the full-repertoire subtable (3,10) or (0,4), then BMP (3,1) or (0,3).
	best, bestRank := -1, 0
	for i, n := 0, u16(cmap+2); i < n; i++ {
		rec := cmap + 4 + 8*i
		platform, encoding, off := u16(rec), u16(rec+2), u32(rec+4)
		rank := 0
		switch {
		case platform == 3 && encoding == 10, platform == 0 && encoding == 4:
			rank = 2
		case platform == 3 && encoding == 1, platform == 0 && encoding == 3:
			rank = 1
		}
		if rank > bestRank {
			best, bestRank = cmap+off, rank
		}
	}
	if best < 0 {
		return nil, errFont
	}
	set := make(runeSet, 0x10000/64)
	switch u16(best) {
	case 4:
		segs := u16(best+6) / 2
		ends, starts := best+14, best+16+2*segs
		deltas, ranges := starts+2*segs, starts+4*segs
		for i := 0; i < segs; i++ {
			end, start := u16(ends+2*i), u16(starts+2*i)
			delta, ro := u16(deltas+2*i), u16(ranges+2*i)
			for c := start; c <= end && c != 0xFFFF; c++ {
				g := (c + delta) & 0xFFFF
				if ro != 0 {
					g = u16(ranges + 2*i + ro + 2*(c-start))
					if g != 0 {
						g = (g + delta) & 0xFFFF
					}
				}
				if g != 0 {
					set.add(rune(c))
				}
			}
		}
	case 12:
		for i, n := 0, u32(best+12); i < n; i++ {
			g := best + 16 + 12*i
			start, end, glyph := u32(g), u32(g+4), u32(g+8)
			for c := start; c <= end && c < 0x10000; c++ {
				if glyph+(c-start) != 0 {
					set.add(rune(c))
				}
			}
		}
	default:
		return nil, errFont
	}
	return set, nil
}

// cardFont is a TrueType font the documents of a card file are drawn with
// and its characters. gofpdf parses a whole font into every document and
// cuts its subset from the whole font again when it writes one — ~90 ms for
// a 4 MB CJK font, most of a small village file. The renderer therefore
// keeps a working font: gofpdf's own subset of the face holding every
// character the card files printed so far, which documents parse and cut in
// a few milliseconds. It only grows, and is cut again from the face when a
// file brings characters it lacks; glyphs and widths are the face's, so a
// page looks the same whichever font it was cut from.
type cardFont struct {
	bytes []byte
	has   runeSet // nil: every character of the face
}

// covers reports whether f has a glyph for every character of used.
func (f cardFont) covers(used runeSet) bool {
	if f.has == nil {
		return true
	}
	for i, w := range used {
		if w&^f.has[i] != 0 {
			return false
		}
	}
	return true
}

// cardFont returns the working font; until a card file is done, the face.
func (r *Renderer) cardFont() cardFont {
	r.fontMu.Lock()
	defer r.fontMu.Unlock()
	if r.work.bytes == nil {
		return cardFont{bytes: r.face.bytes}
	}
	return r.work
}

// fontFor returns a working font that covers used, cutting a larger one
// from the face when the current one lacks a character of used.
func (r *Renderer) fontFor(used runeSet) (cardFont, error) {
	r.fontMu.Lock()
	defer r.fontMu.Unlock()
	if r.work.bytes != nil && r.work.covers(used) {
		return r.work, nil
	}
	// The first working font holds the common hanzi; the first file that
	// brings another character adds every hanzi of GB 2312, so that a
	// county's rarer names make it be cut again once, not once a village.
	grown := commonHanzi()
	if r.work.has != nil {
		grown = make(runeSet, len(used))
		for i, all := range allHanzi() {
			grown[i] = r.work.has[i] | all
		}
	}
	has := make(runeSet, len(used))
	for i := range has {
		has[i] = (used[i] | grown[i]) & r.face.cover[i]
	}
	b, err := cutFont(r.face.bytes, has)
	if err != nil {
		return cardFont{}, err
	}
	r.work = cardFont{bytes: b, has: has}
	return r.work, nil
}

// commonHanzi are the characters of GB 2312's symbol rows and its 3,755
// common hanzi, allHanzi the same with its 3,008 others. gofpdf parses and
// cuts a working font of the common ones in ~20 ms a document on a loaded
// 2-core machine, one of a few hundred characters in ~8 ms, the face in
// ~90 ms.
var (
	commonHanzi = sync.OnceValue(func() runeSet { return gb2312(0xD7) })
	allHanzi    = sync.OnceValue(func() runeSet { return gb2312(0xF7) })
)

// gb2312 returns the characters of GB 2312's symbol rows and of its hanzi
// rows up to the row lead byte last.
func gb2312(last int) runeSet {
	var gb []byte
	for hi := 0xA1; hi <= last; hi++ {
		if hi > 0xA9 && hi < 0xB0 {
			continue
		}
		for lo := 0xA1; lo <= 0xFE; lo++ {
			gb = append(gb, byte(hi), byte(lo))
		}
	}
	s, _ := simplifiedchinese.GBK.NewDecoder().Bytes(gb)
	set := make(runeSet, 0x10000/64)
	for _, c := range string(s) {
		if c != utf8.RuneError {
			set.add(c)
		}
	}
	return set
}

// cutFont returns gofpdf's subset of the TrueType font ttf holding the
// characters of has that are not drawn in the Latin font.
func cutFont(ttf []byte, has runeSet) ([]byte, error) {
	pdf, err := fontDoc(ttf, has)
	if err != nil {
		return nil, err
	}
	p, err := parsePDF(pdf)
	if err != nil {
		return nil, err
	}
	for _, body := range p.objs {
		dict, stream := splitStream(body)
		if !bytes.Contains(dict, []byte("/Length1 ")) {
			continue
		}
		data, ok := bytes.CutPrefix(stream, []byte("stream\n"))
		if ok {
			data, ok = bytes.CutSuffix(data, []byte("\nendstream\n"))
		}
		if !ok {
			break
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, znb.Wrap(err, "生成字体子集")
		}
		return io.ReadAll(zr)
	}
	return nil, znb.Wrap(errors.New("no font file in gofpdf's output"), "生成字体子集")
}

// fontDoc returns a one-page document drawn with the TrueType font ttf whose
// subset holds the characters of has that are not drawn in the Latin font.
func fontDoc(ttf []byte, has runeSet) ([]byte, error) {
	var rs []rune
	for c := rune(0); c < 0x10000; c++ {
		if has.has(c) && !latin(c) {
			rs = append(rs, c)
		}
	}
	if len(rs) == 0 {
		rs = []rune("助农保")
	}
	f := gofpdf.New("P", "mm", "A4", "")
	f.SetCompression(true)
	f.AddUTF8FontFromBytes(cjkFont, "", ttf)
	f.AddPage()
	f.SetFont(cjkFont, "", 10)
	f.Text(10, 10, string(rs))
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, znb.Wrap(err, "生成字体子集")
	}
	return buf.Bytes(), nil
}
