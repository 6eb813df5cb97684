// Package sheet reads and writes the spreadsheets that offices and insurers
// exchange: CSV in whatever encoding Excel saved it (UTF-8 with or without
// BOM, GB18030, UTF-16) and XLSX. Reading streams row by row so that a list of
// a million people does not need a million rows in memory; writing neutralises
// text that a spreadsheet would run as a formula.
package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Rows iterates over the rows of a sheet. Each call to Next moves to the next
// row as a spreadsheet numbers them, so the n-th successful Next is row n;
// blank rows come back as empty rows rather than being skipped, which keeps
// the row numbers in reports equal to what the user sees in Excel.
//
// Row returns the trimmed cells of the current row; rows may be ragged. The
// slice is reused by the next call to Next, so copy what you keep.
// Err returns the first error that stopped the iteration, a *znb.Error
// with code unreadable_file, bad_xlsx, csv_quote, nul_byte, cell_too_long,
// too_many_columns or too_many_rows.
type Rows interface {
	Next() bool
	Row() []string
	Err() error
	Close() error
}

// sniffSize is how much of a CSV file decides its encoding and whether it is
// text at all.
const sniffSize = 1 << 20

// Open opens a sheet file, telling XLSX from CSV by its content rather than
// its name, because uploads arrive with arbitrary names. It refuses an empty
// file (empty_file), an XLSX that cannot be opened (bad_xlsx) or would
// inflate beyond bounds (xlsx_too_large, cell_too_long, too_many_rows,
// too_many_columns) and anything that is neither a spreadsheet nor text
// (unreadable_file).
func Open(path string) (Rows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &znb.Error{Kind: znb.Invalid, Code: "unreadable_file", Message: "无法打开文件", Err: err}
	}
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		f.Close()
		return nil, &znb.Error{Kind: znb.Invalid, Code: "unreadable_file", Message: "无法读取文件", Err: err}
	}
	head = head[:n]
	switch {
	case len(bytes.TrimSpace(bytes.TrimPrefix(head, utf8BOM))) == 0:
		f.Close()
		return nil, znb.Errorf(znb.Invalid, "empty_file", "文件为空")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		f.Close()
		return openXLSX(path)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		f.Close()
		return nil, znb.Errorf(znb.Invalid, "unreadable_file", "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, znb.Wrap(err, "读取文件")
	}
	r, err := newCSV(f, head)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func errBinary() *znb.Error {
	return znb.Errorf(znb.Invalid, "unreadable_file", "文件不是 CSV 或 XLSX 表格，无法读取")
}

// csvRows reads CSV. encoding/csv drops blank lines, so csvRows puts them
// back as empty rows to keep row numbers equal to Excel's.
type csvRows struct {
	file      *os.File
	r         *csv.Reader
	checkUTF8 bool
	row       []string
	pending   int // blank rows still to hand out before rec
	rec       []string
	nextLine  int // the line the next record starts on when no blank line intervenes
	inner     int // line breaks inside quoted cells so far: line minus inner is the row
	err       error
	done      bool
}

func newCSV(f *os.File, head []byte) (*csvRows, error) {
	var src io.Reader = bufio.NewReaderSize(f, 64<<10)
	var dec *encoding.Decoder
	checkUTF8 := false
	sample := head
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		dec = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		dec = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(head, utf8BOM):
		if _, err := io.CopyN(io.Discard, src, 3); err != nil {
			return nil, znb.Wrap(err, "读取文件")
		}
		sample, checkUTF8 = head[3:], true
	case validUTF8Prefix(head):
		checkUTF8 = true
	default:
		dec = simplifiedchinese.GB18030.NewDecoder()
	}
	if dec != nil {
		// Decoders replace what they cannot decode, so the error says nothing
		// that binary below does not.
		sample, _ = dec.Bytes(head)
		src = transform.NewReader(src, dec)
	}
	if binary(sample) {
		return nil, errBinary()
	}
	r := csv.NewReader(src)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	if line, _, _ := bytes.Cut(sample, []byte("\n")); bytes.Count(line, []byte("\t")) > 0 && !bytes.ContainsRune(line, ',') {
		r.Comma = '\t'
	}
	return &csvRows{file: f, r: r, checkUTF8: checkUTF8, nextLine: 1}, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut off at the
// end of the sample.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		if len(b) < sniffSize {
			return false
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// binary reports whether decoded text holds what no spreadsheet export
// contains: any NUL, or more than 1% other control characters or characters
// the decoder could not make sense of.
func binary(text []byte) bool {
	ctl := bytes.Count(text, []byte("\uFFFD")) * 3
	for _, c := range text {
		switch {
		case c == 0:
			return true
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f', c == 0x7F:
			ctl++
		}
	}
	return ctl*100 > len(text)
}

func (c *csvRows) Next() bool {
	if c.err != nil {
		return false
	}
	if c.pending > 0 {
		c.pending--
		c.row = c.row[:0]
		return true
	}
	if c.rec != nil {
		c.row, c.rec = c.rec, nil
		return true
	}
	if c.done {
		return false
	}
	rec, err := c.r.Read()
	if err == io.EOF {
		c.done = true
		return false
	}
	if err != nil {
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe) && (errors.Is(err, csv.ErrQuote) || errors.Is(err, csv.ErrBareQuote)):
			// A quote left open swallows every later row into one cell, so
			// the file is refused rather than read as fewer households.
			c.err = &znb.Error{Kind: znb.Invalid, Code: "csv_quote", Err: err,
				Message: fmt.Sprintf("第 %d 行的英文双引号（\"）不成对：含引号的单元格须整格用双引号括起，格内的双引号写成两个（\"\"）", pe.StartLine-c.inner)}
		case errors.As(err, &pe):
			c.err = &znb.Error{Kind: znb.Invalid, Code: "unreadable_file", Message: "CSV 格式错误，无法继续读取", Err: err}
		default:
			c.err = &znb.Error{Kind: znb.Invalid, Code: "unreadable_file", Message: "读取文件出错", Err: err}
		}
		return false
	}
	line, _ := c.r.FieldPos(0)
	row := line - c.inner
	blank := line - c.nextLine
	c.nextLine = line + 1
	if len(rec) > MaxColumns {
		c.err = tooManyColumns(row)
		return false
	}
	for i, s := range rec {
		if c.checkUTF8 && !utf8.ValidString(s) {
			c.err = znb.Errorf(znb.Invalid, "unreadable_file", "文件第 %d 行起编码不是 UTF-8，请整份另存为 UTF-8 或 GB18030 后上传", line)
			return false
		}
		if strings.IndexByte(s, 0) >= 0 {
			c.err = znb.Errorf(znb.Invalid, "nul_byte", "第 %d 行含有空字符（NUL），文件可能已损坏，请重新导出后上传", row)
			return false
		}
		if err := checkCell(s, row, i); err != nil {
			c.err = err
			return false
		}
		n := strings.Count(s, "\n")
		c.nextLine += n
		c.inner += n
		rec[i] = strings.TrimSpace(s)
	}
	if blank > 0 {
		c.pending, c.rec = blank-1, rec
		c.row = c.row[:0]
		return true
	}
	c.row = rec
	return true
}

func (c *csvRows) Row() []string { return c.row }
func (c *csvRows) Err() error    { return c.err }
func (c *csvRows) Close() error  { return c.file.Close() }

// xlsxRows reads the first sheet of a workbook through excelize's streaming
// iterator, which spills large sheets to temporary files instead of memory.
type xlsxRows struct {
	book *excelize.File
	rows *excelize.Rows
	row  []string
	n    int // the row number of row
	err  error
}

func badXLSX(err error) *znb.Error {
	return &znb.Error{Kind: znb.Invalid, Code: "bad_xlsx", Message: "XLSX 文件已损坏或不完整，请重新导出后上传", Err: err}
}

func openXLSX(path string) (Rows, error) {
	if err := checkXLSX(path); err != nil {
		return nil, err
	}
	book, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: maxInflated, UnzipXMLSizeLimit: streamAbove})
	if err != nil {
		return nil, badXLSX(err)
	}
	sheets := book.GetSheetList()
	if len(sheets) == 0 {
		book.Close()
		return nil, badXLSX(errors.New("no sheet"))
	}
	rows, err := book.Rows(sheets[0])
	if err != nil {
		book.Close()
		return nil, badXLSX(err)
	}
	return &xlsxRows{book: book, rows: rows}, nil
}

func (x *xlsxRows) Next() bool {
	if x.err != nil || !x.rows.Next() {
		if x.err == nil && x.rows.Error() != nil {
			x.err = badXLSX(x.rows.Error())
		}
		return false
	}
	x.n++
	if x.n > MaxRows {
		x.err = tooManyRows()
		return false
	}
	cells, err := x.rows.Columns()
	if err != nil {
		x.err = badXLSX(err)
		return false
	}
	if len(cells) > MaxColumns {
		x.err = tooManyColumns(x.n)
		return false
	}
	for i, s := range cells {
		if err := checkCell(s, x.n, i); err != nil {
			x.err = err
			return false
		}
		cells[i] = strings.TrimSpace(s)
	}
	x.row = cells
	return true
}

func (x *xlsxRows) Row() []string { return x.row }
func (x *xlsxRows) Err() error    { return x.err }

func (x *xlsxRows) Close() error {
	err := x.rows.Close()
	if cerr := x.book.Close(); err == nil {
		err = cerr
	}
	return err
}
