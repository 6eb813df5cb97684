package sheet

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// An XLSX is a zip of XML parts that may inflate a thousandfold, and the
// XLSX library holds some parts, and any one cell, whole in memory. These
// bounds keep what a file can make the reader hold or spill to disk small,
// well above what a real list needs: a million-person list inflates to about
// 700 MB, in rows of a few hundred bytes.
const (
	// maxInflated bounds all parts together, inflated; large sheets are
	// copied inflated to a temporary file.
	maxInflated = 1 << 30
	// streamAbove is the size above which a sheet or the shared strings
	// are read from a temporary file instead of memory.
	streamAbove = 4 << 20
	// maxInMemory bounds the parts read into memory whole.
	maxInMemory = 16 << 20
	// maxCellBytes bounds the XML of one cell or shared string, and any run
	// of text: 32767 characters of escaped text fit in it.
	maxCellBytes = 1 << 20
	// maxRowBytes bounds the XML of one row.
	maxRowBytes = 16 << 20
	// maxTagBytes bounds one tag with its attributes, or one comment.
	maxTagBytes = 64 << 10
	// maxSharedStrings bounds the shared string table, which the library
	// indexes in memory: a million-person list has about three strings a
	// person.
	maxSharedStrings = 1 << 22
)

func xlsxTooLarge(format string, args ...any) *znb.Error {
	return znb.Errorf(znb.Invalid, "xlsx_too_large", "XLSX 文件解压后过大或结构异常（"+format+"），请检查文件，或另存为 CSV 后上传", args...)
}

// streamed reports whether the XLSX library reads the part from a temporary
// file rather than memory.
func streamed(name string, size int64) bool {
	return (isSheet(name) || isSharedStrings(name)) && size > streamAbove
}

func isSheet(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "xl/worksheets/sheet")
}

func isSharedStrings(name string) bool {
	return strings.EqualFold(name, "xl/sharedStrings.xml")
}

// checkXLSX refuses a workbook that would inflate beyond the bounds above,
// before the XLSX library opens it: first by the sizes the zip declares
// (which the zip reader enforces while inflating), without inflating
// anything; then by reading the sheets and the shared strings as a stream,
// stopping at the first bound crossed.
func checkXLSX(file string) error {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return badXLSX(err)
	}
	defer zr.Close()
	var total, inMemory uint64
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		size := f.UncompressedSize64
		total += size
		if size > maxInflated || total > maxInflated {
			return xlsxTooLarge("解压后超过 %d MB", maxInflated>>20)
		}
		if !streamed(name, int64(size)) {
			if inMemory += size; inMemory > maxInMemory {
				return xlsxTooLarge("%s 解压后过大", name)
			}
		}
	}
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		if !isSheet(name) && !isSharedStrings(name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return badXLSX(err)
		}
		s := &xmlScan{sheet: isSheet(name), part: strings.TrimSuffix(path.Base(name), path.Ext(name))}
		err = s.scan(rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// xmlScan walks the XML of a sheet or of the shared strings byte by byte,
// keeping nothing but counters, to find what would make the XML decoder hold
// too much: a long run of text, a long tag, a large cell or row, too many
// rows, cells or strings. It does not check that the XML is well formed; the
// XLSX library does that afterwards.
type xmlScan struct {
	sheet bool   // a worksheet, else the shared strings
	part  string // the part's name for messages: sheet1
	pos   int64  // offset of the current byte

	state    int
	quote    byte  // the quote an attribute value is open with
	tagStart int64 // offset of the '<' of the current tag
	runStart int64 // offset where the current text, CDATA or comment began
	tag      []byte
	tail     [2]byte // the two bytes before the current one, for ]]> and -->

	rows, cells, strings int
	row                  int   // the sheet's row number of the current row
	rowStart, cellStart  int64 // -1 outside a row or a cell (or shared string)
	cellRef              string
}

const (
	inText = iota
	inTag
	inCDATA
	inComment
)

func (s *xmlScan) scan(r io.Reader) error {
	s.rowStart, s.cellStart = -1, -1
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			if s.state == inText {
				// Skip to the next tag at once: most bytes are text.
				j := bytes.IndexByte(buf[i:n], '<')
				if j < 0 {
					s.pos += int64(n - i)
					break
				}
				i += j
				s.pos += int64(j)
			}
			if err := s.step(buf[i]); err != nil {
				return err
			}
			s.tail = [2]byte{s.tail[1], buf[i]}
			s.pos++
		}
		if err := s.bounds(); err != nil {
			return err
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return badXLSX(err)
		}
	}
}

func (s *xmlScan) step(b byte) error {
	switch s.state {
	case inText:
		if b == '<' {
			if err := s.bounds(); err != nil {
				return err
			}
			s.state, s.tagStart, s.tag = inTag, s.pos, s.tag[:0]
		}
	case inTag:
		if len(s.tag) >= maxTagBytes {
			return xlsxTooLarge("%s 中有一个标记超过 %d KB", s.part, maxTagBytes>>10)
		}
		switch {
		case s.quote != 0:
			if b == s.quote {
				s.quote = 0
			}
		case b == '"' || b == '\'':
			s.quote = b
		case b == '>':
			s.state, s.runStart = inText, s.pos+1
			return s.endTag()
		}
		s.tag = append(s.tag, b)
		switch {
		case string(s.tag) == "![CDATA[":
			s.state, s.runStart = inCDATA, s.pos+1
		case string(s.tag) == "!--":
			s.state, s.runStart = inComment, s.pos+1
		}
	case inCDATA:
		if b == '>' && s.tail == [2]byte{']', ']'} {
			s.state, s.runStart = inText, s.pos+1
		}
	case inComment:
		if b == '>' && s.tail == [2]byte{'-', '-'} {
			s.state, s.runStart = inText, s.pos+1
		}
	}
	return nil
}

// bounds checks the element and the run of text the scan is in.
func (s *xmlScan) bounds() error {
	switch {
	case s.cellStart >= 0 && s.pos-s.cellStart > maxCellBytes:
		if s.sheet {
			return cellTooLong(s.where(), -1)
		}
		return cellTooLong("共享字符串表中有一项", -1)
	case s.rowStart >= 0 && s.pos-s.rowStart > maxRowBytes:
		return xlsxTooLarge("%s超过 %d MB", s.where(), maxRowBytes>>20)
	case s.state == inComment && s.pos-s.runStart > maxTagBytes:
		return xlsxTooLarge("%s 中有一段注释超过 %d KB", s.part, maxTagBytes>>10)
	case (s.state == inText || s.state == inCDATA) && s.pos-s.runStart > maxCellBytes:
		return xlsxTooLarge("%s 中有一段文字超过 %d MB", s.part, maxCellBytes>>20)
	}
	return nil
}

// where names the current row and cell: "工作表 sheet1 第 21 行 B 列".
func (s *xmlScan) where() string {
	w := "工作表 " + s.part + " " + rowName(s.row)
	if col := strings.TrimRight(s.cellRef, "0123456789"); s.cellStart >= 0 && col != "" {
		w += " " + col + " 列"
	}
	return w
}

// endTag counts the rows, cells and shared strings the tag opens or closes.
func (s *xmlScan) endTag() error {
	t := s.tag
	closing := bytes.HasPrefix(t, []byte("/"))
	selfClosing := bytes.HasSuffix(t, []byte("/"))
	name := bytes.TrimPrefix(t, []byte("/"))
	if i := bytes.IndexAny(name, " \t\r\n/"); i >= 0 {
		name = name[:i]
	}
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case s.sheet && string(name) == "row":
		if closing {
			s.rowStart = -1
			return nil
		}
		s.rows++
		s.row++
		if r := attr(t, "r"); r != "" {
			if n, err := strconv.Atoi(r); err == nil {
				s.row = n
			}
		}
		if s.rows > MaxRows || s.row > MaxRows {
			return tooManyRows()
		}
		s.cells, s.rowStart = 0, s.tagStart
	case s.sheet && string(name) == "c":
		if closing {
			s.cellStart = -1
			return nil
		}
		if s.cells++; s.cells > MaxColumns {
			return tooManyColumns(s.row)
		}
		s.cellRef, s.cellStart = attr(t, "r"), s.tagStart
	case !s.sheet && string(name) == "si":
		if closing {
			s.cellStart = -1
			return nil
		}
		if s.strings++; s.strings > maxSharedStrings {
			return xlsxTooLarge("共享字符串超过 %d 项", maxSharedStrings)
		}
		s.cellStart = s.tagStart
	default:
		return nil
	}
	if selfClosing {
		if string(name) == "row" {
			s.rowStart = -1
		} else {
			s.cellStart = -1
		}
	}
	return nil
}

// attr returns the value of the attribute name in a tag, or "".
func attr(tag []byte, name string) string {
	for i := bytes.IndexByte(tag, ' '); i >= 0 && i < len(tag); i++ {
		rest := tag[i:]
		if len(rest) < len(name)+3 || string(rest[:len(name)]) != name || rest[len(name)] != '=' ||
			!isSpace(tag[i-1]) {
			continue
		}
		v := rest[len(name)+1:]
		if q := v[0]; q == '"' || q == '\'' {
			if k := bytes.IndexByte(v[1:], q); k >= 0 {
				return string(v[1 : 1+k])
			}
		}
		return ""
	}
	return ""
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }
