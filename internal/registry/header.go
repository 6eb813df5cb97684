package registry

import (
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Column is a column of a file format, read under its Chinese or its
// English header.
type Column struct{ Zh, En string }

// ReadHeader reads the first non-blank row of a file as its header and
// returns the index of each of cols in it (-1 for a column left out) and
// the header's row number. A column given twice is duplicate_column; a
// required one (by its index in cols) left out is missing_column, all of
// them named; a file with nothing in it is empty_file.
func ReadHeader(rows Rows, cols []Column, required ...int) ([]int, int, error) {
	at := make([]int, len(cols))
	for i := range at {
		at[i] = -1
	}
	row := 0
	for rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		for i, c := range cells {
			h := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))
			for col, sc := range cols {
				if h != sc.Zh && h != strings.ToLower(sc.En) {
					continue
				}
				if at[col] >= 0 {
					return at, row, znb.Errorf(znb.Invalid, "duplicate_column", "表头中“%s”列出现了两次", sc.Zh)
				}
				at[col] = i
			}
		}
		var missing []string
		for _, col := range required {
			if at[col] < 0 {
				missing = append(missing, "“"+cols[col].Zh+"”（"+cols[col].En+"）")
			}
		}
		if len(missing) > 0 {
			return at, row, znb.Errorf(znb.Invalid, "missing_column", "表头缺少 %s 列", strings.Join(missing, "、"))
		}
		return at, row, nil
	}
	if err := rows.Err(); err != nil {
		return at, row, err
	}
	return at, row, znb.Errorf(znb.Invalid, "empty_file", "文件中没有任何数据")
}
