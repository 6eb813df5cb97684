package sheet

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Writer writes an export one sheet and one row at a time, so an export of
// any size streams.
//
// Sheet starts a new sheet with a header row; it must come before the first
// Row. CSV has no sheets: a second Sheet on a CSV writer leaves a blank line
// and starts a new header. Row writes one row; cells may be string,
// decimal.Decimal or decimal.NullDecimal (an amount: a number shown with two
// decimals), int, int64, znb.Date, bool (是/否) or nil (empty). Strings that
// a spreadsheet would run as a formula are written with a leading quote.
// Close finishes the file; it does not close the underlying io.Writer.
type Writer interface {
	Sheet(name string, header []string) error
	Row(cells ...any) error
	Close() error
}

// NewWriter returns a Writer of format "csv" (UTF-8 with a BOM, which Excel
// needs to show Chinese) or "xlsx".
func NewWriter(w io.Writer, format string) (Writer, error) {
	switch format {
	case "csv":
		bw := bufio.NewWriterSize(w, 64<<10)
		if _, err := bw.Write(utf8BOM); err != nil {
			return nil, err
		}
		return &csvWriter{buf: bw, w: csv.NewWriter(bw)}, nil
	case "xlsx":
		return newXLSXWriter(w)
	}
	return nil, znb.Errorf(znb.Invalid, "bad_format", "不支持的导出格式 %q，可选 csv 或 xlsx", format)
}

// Neutralize prefixes text that Excel or LibreOffice would read as a
// formula (starting with = + - @, a tab or a carriage return) with a single
// quote, so that a name typed as "=HYPERLINK(...)" stays text.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// text renders a cell for CSV, and the text of a non-numeric cell for XLSX.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return Neutralize(v)
	case decimal.Decimal:
		return v.StringFixed(2)
	case decimal.NullDecimal:
		if !v.Valid {
			return ""
		}
		return v.Decimal.StringFixed(2)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case znb.Date:
		return v.String()
	case bool:
		if v {
			return "是"
		}
		return "否"
	}
	return Neutralize(fmt.Sprint(v))
}

type csvWriter struct {
	buf    *bufio.Writer
	w      *csv.Writer
	sheets int
	rec    []string
}

func (c *csvWriter) Sheet(name string, header []string) error {
	if c.sheets++; c.sheets > 1 {
		if err := c.w.Write(nil); err != nil {
			return err
		}
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = h
	}
	return c.Row(cells...)
}

func (c *csvWriter) Row(cells ...any) error {
	c.rec = c.rec[:0]
	for _, v := range cells {
		c.rec = append(c.rec, text(v))
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.buf.Flush()
}

type xlsxWriter struct {
	out    io.Writer
	book   *excelize.File
	sw     *excelize.StreamWriter
	row    int
	amount int // style of amount cells
	bold   int // style of header cells
	cells  []any
}

func newXLSXWriter(w io.Writer) (*xlsxWriter, error) {
	book := excelize.NewFile()
	amount, err := book.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return nil, err
	}
	bold, err := book.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	return &xlsxWriter{out: w, book: book, amount: amount, bold: bold}, nil
}

func (x *xlsxWriter) Sheet(name string, header []string) error {
	if x.sw == nil {
		if err := x.book.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else {
		if err := x.sw.Flush(); err != nil {
			return err
		}
		if _, err := x.book.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := x.book.NewStreamWriter(name)
	if err != nil {
		return err
	}
	x.sw, x.row = sw, 0
	if err := sw.SetColWidth(1, max(1, len(header)), 16); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: x.bold, Value: Neutralize(h)}
	}
	return x.set(cells)
}

func (x *xlsxWriter) Row(cells ...any) error {
	if x.sw == nil {
		return fmt.Errorf("sheet: Row before Sheet")
	}
	x.cells = x.cells[:0]
	for _, v := range cells {
		switch v := v.(type) {
		case nil:
			x.cells = append(x.cells, nil)
		case decimal.Decimal:
			x.cells = append(x.cells, excelize.Cell{StyleID: x.amount, Value: v.InexactFloat64()})
		case decimal.NullDecimal:
			if v.Valid {
				x.cells = append(x.cells, excelize.Cell{StyleID: x.amount, Value: v.Decimal.InexactFloat64()})
			} else {
				x.cells = append(x.cells, nil)
			}
		case int, int64:
			x.cells = append(x.cells, v)
		default:
			x.cells = append(x.cells, text(v))
		}
	}
	return x.set(x.cells)
}

func (x *xlsxWriter) set(cells []any) error {
	x.row++
	ref, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(ref, cells)
}

func (x *xlsxWriter) Close() error {
	defer x.book.Close()
	if x.sw != nil {
		if err := x.sw.Flush(); err != nil {
			return err
		}
	}
	_, err := x.book.WriteTo(x.out)
	return err
}
