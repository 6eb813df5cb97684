package registry

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Region is the name of an administrative division: a county (6-digit
// GB/T 2260 code), a township (9) or a village (12, 统计用区划代码).
type Region struct {
	Code string
	Name string
}

// MaxRegionName is the longest region name in characters.
const MaxRegionName = 100

// regionHeaders maps the accepted headers of a region file to its two
// columns: 0 the code, 1 the name.
var regionHeaders = map[string]int{
	"code": 0, "区划代码": 0, "行政区划代码": 0,
	"name": 1, "名称": 1, "区划名称": 1,
}

var regionColumns = [2]string{"code", "name"}

// ValidRegionCode reports whether s is a county, township or village code.
func ValidRegionCode(s string) bool {
	_, err := znb.ParseRegion(s, znb.CountyDigits, znb.TownshipDigits, znb.VillageDigits)
	return err == nil
}

// CheckRegions reads a region file: a header row naming the code and name
// columns (code,name or 区划代码,名称; other columns are ignored), then one
// region a row. It returns the regions in file order and every fault of
// every bad row: a malformed code, an empty name or one over MaxRegionName
// characters, a code given twice (reported on each of its rows), and a code
// that inScope refuses. A fault of the file itself (unreadable, no data,
// missing column) is returned as a *znb.Error. The caller stores the regions
// only when no row is rejected.
func CheckRegions(rows Rows, inScope func(code string) bool) ([]Region, []Reject, error) {
	cols, row, err := regionHeader(rows)
	if err != nil {
		return nil, nil, err
	}
	var (
		out   []Region
		rej   []Reject
		where = map[string][]int{} // code → rows
		data  int
	)
	bad := func(row, col int, code, msg string) {
		rej = append(rej, Reject{Row: row, Column: regionColumns[col], Code: code, Message: msg})
	}
	for rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		data++
		r := Region{Code: cellAt(cells, cols[0]), Name: cellAt(cells, cols[1])}
		n := len(rej)
		switch {
		case r.Code == "":
			bad(row, 0, "missing_value", "“区划代码”不能为空")
		case !ValidRegionCode(r.Code):
			bad(row, 0, "region_format", "区划代码“"+r.Code+"”应为 6 位（县）、9 位（乡镇）或 12 位（村）数字")
		case !inScope(r.Code):
			bad(row, 0, "region_out_of_scope", "区划代码 "+r.Code+" 不在本账号的管辖范围内")
		}
		switch {
		case r.Name == "":
			bad(row, 1, "missing_value", "“名称”不能为空")
		case utf8.RuneCountInString(r.Name) > MaxRegionName:
			bad(row, 1, "name_length", "名称超过 "+strconv.Itoa(MaxRegionName)+" 个字")
		}
		if r.Code != "" {
			where[r.Code] = append(where[r.Code], row)
		}
		if len(rej) == n {
			out = append(out, Region{strings.Clone(r.Code), strings.Clone(r.Name)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if data == 0 {
		return nil, nil, znb.Errorf(znb.Invalid, "empty_file", "文件中没有区划")
	}
	for code, at := range where {
		if len(at) < 2 {
			continue
		}
		nums := make([]string, len(at))
		for i, r := range at {
			nums[i] = strconv.Itoa(r)
		}
		msg := "区划代码 " + code + " 出现了 " + strconv.Itoa(len(at)) + " 次（第 " + strings.Join(nums, "、") + " 行）"
		for _, r := range at {
			bad(r, 0, "duplicate_region", msg)
		}
	}
	sort.SliceStable(rej, func(i, j int) bool {
		if rej[i].Row != rej[j].Row {
			return rej[i].Row < rej[j].Row
		}
		return rej[i].Column < rej[j].Column
	})
	return out, rej, nil
}

// regionHeader reads the first non-blank row as the header and returns the
// index of the code and name columns and the header's row number.
func regionHeader(rows Rows) ([2]int, int, error) {
	cols := [2]int{-1, -1}
	row := 0
	for rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		for i, c := range cells {
			col, ok := regionHeaders[strings.ToLower(strings.TrimPrefix(c, "\ufeff"))]
			if !ok {
				continue
			}
			if cols[col] >= 0 {
				return cols, row, znb.Errorf(znb.Invalid, "duplicate_column", "表头中“%s”列出现了两次", regionColumns[col])
			}
			cols[col] = i
		}
		if cols[0] < 0 || cols[1] < 0 {
			return cols, row, znb.Errorf(znb.Invalid, "missing_column", "表头须有“区划代码”（code）和“名称”（name）两列")
		}
		return cols, row, nil
	}
	if err := rows.Err(); err != nil {
		return cols, row, err
	}
	return cols, row, znb.Errorf(znb.Invalid, "empty_file", "文件中没有任何数据")
}

func cellAt(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}
