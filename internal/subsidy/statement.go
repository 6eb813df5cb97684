package subsidy

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Column is a column of the statement file: its identifier, the
// Chinese header the platform writes, and other headers insurers use.
type Column struct {
	ID      string
	Header  string
	Aliases []string
}

// Columns are the statement's columns in file order.
var Columns = []Column{
	{"household_no", "户编号", nil},
	{"id_number", "身份证号", []string{"身份证号码", "居民身份证号码"}},
	{"name", "姓名", nil},
	{"category", "户类型", nil},
	{"coverage_start", "保障起期", []string{"起保日期", "保险起期"}},
	{"coverage_end", "保障止期", []string{"终保日期", "保险止期"}},
	{"premium", "保费", []string{"保费(元)", "保费（元）", "应缴保费"}},
}

// ColumnOf maps a header cell, Chinese or identifier, to a column identifier.
func ColumnOf(header string) (string, bool) {
	h := strings.TrimSpace(header)
	for _, c := range Columns {
		if h == c.ID || h == c.Header {
			return c.ID, true
		}
		for _, a := range c.Aliases {
			if h == a {
				return c.ID, true
			}
		}
	}
	return "", false
}

// RawRow is one statement row as read from the file, before parsing.
type RawRow struct {
	Row           int // as a spreadsheet shows it: the header is row 1
	HouseholdNo   string
	IDNumber      string
	Name          string
	Category      string // identifier or Chinese name
	CoverageStart string
	CoverageEnd   string
	Premium       string
}

// Rejection is one refused cell of an uploaded statement, reported as a list
// import reports a refused row. Messages are Chinese and mask ID numbers.
type Rejection struct {
	Row     int
	Column  string
	Code    string
	Message string
}

// ParseRow reads one uploaded statement row for the agreement, reporting
// every refused cell: a missing household number, a bad ID number (GB 11643
// check digit and date of birth), a missing or over-long name, a category
// unknown or not covered by the agreement, a bad or reversed date or a cover
// outside the term, a premium that is negative, unparseable or finer than a
// cent. The row is usable only when no rejection is returned.
func ParseRow(t Terms, raw RawRow) (Row, []Rejection) { return parseRow(t, raw, nil) }

// parseRow is ParseRow with premiums, when not nil, keeping the amounts
// read so far by their text: a statement repeats a few hundred amounts,
// and parsing one costs more than the rest of its row.
func parseRow(t Terms, raw RawRow, premiums map[string]decimal.Decimal) (Row, []Rejection) {
	var rej []Rejection
	bad := func(column, code, format string, args ...any) {
		rej = append(rej, Rejection{Row: raw.Row, Column: column, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	r := Row{
		Row:         raw.Row,
		HouseholdNo: strings.TrimSpace(raw.HouseholdNo),
		IDNumber:    strings.ToUpper(strings.TrimSpace(raw.IDNumber)),
		Name:        strings.TrimSpace(raw.Name),
	}
	if r.HouseholdNo == "" {
		bad("household_no", "statement_missing_household_no", "户编号不能为空")
	}
	if !validIDNumber(r.IDNumber) {
		bad("id_number", "statement_bad_id_number", "身份证号无效：%s", maskID(r.IDNumber))
	}
	if n := utf8.RuneCountInString(r.Name); n == 0 || n > 30 {
		bad("name", "statement_bad_name", "姓名应为 1 至 30 个字")
	}

	category, ok := znb.ParseCategory(strings.TrimSpace(raw.Category))
	if !ok {
		bad("category", "statement_bad_category", "户类型无法识别：%s", raw.Category)
	} else if rj := checkCategory(t, raw.Row, category); rj != nil {
		rej = append(rej, *rj)
	}
	r.Category = category

	var err error
	datesOK := true
	if r.CoverageStart, err = znb.ParseDate(strings.TrimSpace(raw.CoverageStart)); err != nil {
		bad("coverage_start", "statement_bad_date", "保障起期不是有效日期：%s", raw.CoverageStart)
		datesOK = false
	}
	if r.CoverageEnd, err = znb.ParseDate(strings.TrimSpace(raw.CoverageEnd)); err != nil {
		bad("coverage_end", "statement_bad_date", "保障止期不是有效日期：%s", raw.CoverageEnd)
		datesOK = false
	}
	if datesOK {
		if rj := checkDates(t, &r); rj != nil {
			rej = append(rej, *rj)
		}
	}

	if r.Premium, err = parsePremium(strings.TrimSpace(raw.Premium), premiums); err != nil {
		bad("premium", "statement_bad_premium", "保费不是有效金额（最多两位小数）：%s", raw.Premium)
	} else if rj := checkPremium(&r); rj != nil {
		rej = append(rej, *rj)
	}
	return r, rej
}

func parsePremium(s string, seen map[string]decimal.Decimal) (decimal.Decimal, error) {
	if d, ok := seen[s]; ok {
		return d, nil
	}
	d, err := money.Parse("premium", s)
	if err == nil && seen != nil && len(seen) < 4096 {
		seen[strings.Clone(s)] = d
	}
	return d, err
}

// checkRow applies the rules a reconciliation needs of any bill row, uploaded
// or computed: a covered category, a cover inside the term and a premium in
// whole cents, not negative.
func checkRow(t Terms, r *Row) *Rejection {
	if rj := checkCategory(t, r.Row, r.Category); rj != nil {
		return rj
	}
	if rj := checkDates(t, r); rj != nil {
		return rj
	}
	return checkPremium(r)
}

func checkCategory(t Terms, row int, c znb.Category) *Rejection {
	if t.Covers(c) {
		return nil
	}
	return &Rejection{Row: row, Column: "category", Code: "statement_bad_category",
		Message: "协议不保障该户类型：" + categoryName(c)}
}

func checkDates(t Terms, r *Row) *Rejection {
	switch {
	case r.CoverageStart.IsZero():
		return &Rejection{r.Row, "coverage_start", "statement_bad_date", "保障起期不能为空"}
	case r.CoverageEnd.IsZero():
		return &Rejection{r.Row, "coverage_end", "statement_bad_date", "保障止期不能为空"}
	case r.CoverageEnd.Before(r.CoverageStart):
		return &Rejection{r.Row, "coverage_end", "statement_start_after_end",
			fmt.Sprintf("保障止期 %s 早于起期 %s", r.CoverageEnd, r.CoverageStart)}
	case r.CoverageStart.Before(t.Start) || r.CoverageEnd.After(t.End):
		return &Rejection{r.Row, "coverage_start", "statement_outside_term",
			fmt.Sprintf("保障期间 %s 至 %s 超出协议期间 %s 至 %s", r.CoverageStart, r.CoverageEnd, t.Start, t.End)}
	}
	return nil
}

func checkPremium(r *Row) *Rejection {
	c, ok := toCents(r.Premium)
	switch {
	case !ok:
		return &Rejection{r.Row, "premium", "statement_bad_premium", "保费应为不超过一亿元、最多两位小数的金额"}
	case c < 0:
		return &Rejection{r.Row, "premium", "statement_bad_premium", "保费不能为负数：" + money.String(r.Premium)}
	}
	return nil
}

// validIDNumber checks an 18-character ID number: 17 digits, a date of birth
// that exists, and the GB 11643 check character.
func validIDNumber(id string) bool {
	if _, ok := idKey(id); !ok {
		return false
	}
	num := func(s string) int { // digits, as idKey checked
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y := num(id[6:10])
	if _, ok := znb.DayOf(y, time.Month(num(id[10:12])), num(id[12:14])); !ok || y < 1900 {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(id[i]-'0') * w
	}
	return "10X98765432"[sum%11] == id[17]
}

// maskID shows the first six and last four characters of an ID number.
func maskID(id string) string {
	if len(id) != 18 {
		return strings.Repeat("*", utf8.RuneCountInString(id))
	}
	return id[:6] + "********" + id[14:]
}
