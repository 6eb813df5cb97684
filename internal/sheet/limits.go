package sheet

import (
	"strconv"
	"unicode/utf8"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The bounds of a sheet are Excel's own, so that no file Excel can save is
// refused, while a file made to exhaust memory is.
const (
	// MaxCellChars is the most characters a cell may hold.
	MaxCellChars = 32767
	// MaxColumns is the most columns a row may have (A to XFD).
	MaxColumns = 16384
	// MaxRows is the most rows an XLSX sheet may have.
	MaxRows = 1 << 20
)

// colName returns the spreadsheet name of the 0-based column i: A, B, …, AA.
func colName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// checkCell refuses a cell longer than Excel allows (cell_too_long), naming
// its row and column.
func checkCell(s string, row, col int) error {
	if len(s) <= MaxCellChars || utf8.RuneCountInString(s) <= MaxCellChars {
		return nil
	}
	return cellTooLong(rowName(row), col)
}

func cellTooLong(row string, col int) *znb.Error {
	where := row
	if col >= 0 {
		where += " " + colName(col) + " 列"
	}
	return znb.Errorf(znb.Invalid, "cell_too_long", "%s的单元格超过 %d 个字符（Excel 的上限），请检查文件是否正确", where, MaxCellChars)
}

// rowName says where a row is: "第 21 行", or "某一行" when the row is not
// known.
func rowName(row int) string {
	if row <= 0 {
		return "某一行"
	}
	return "第 " + strconv.Itoa(row) + " 行"
}

func tooManyColumns(row int) *znb.Error {
	return znb.Errorf(znb.Invalid, "too_many_columns", "%s超过 %d 列（Excel 的上限），请检查文件是否正确", rowName(row), MaxColumns)
}

func tooManyRows() *znb.Error {
	return znb.Errorf(znb.Invalid, "too_many_rows", "工作表超过 %d 行（Excel 的上限），请检查文件是否正确", MaxRows)
}
