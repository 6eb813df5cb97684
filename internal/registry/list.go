package registry

import (
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Household is a household as a list version holds it. Its fields are
// repeated on every member's row of the list file and must agree.
type Household struct {
	No             string
	Region         string // 12-digit village code
	Village        string
	Category       znb.Category
	Income         decimal.NullDecimal // per capita, yuan
	RiskEliminated *bool
	// Account is the household's bank account when the list gives one
	// (the optional 银行账号, 开户行 and 账户户名 columns); zero otherwise.
	Account BankAccount
}

// BankAccount is the account a household's payouts go to, as checked by
// CheckAccount.
type BankAccount struct{ Number, Bank, Holder string }

// Member is one person of a household. Row is the spreadsheet row the person
// was read from (0 when not read from a file).
type Member struct {
	HouseholdNo string
	IDNumber    string
	Name        string
	Relation    string
	Phone       string
	Status      Status
	StatusDate  znb.Date
	Row         int
}

// Status is a member's 成员状态.
type Status string

const (
	Normal   Status = "normal"    // 正常
	Deceased Status = "deceased"  // 死亡
	MovedOut Status = "moved_out" // 迁出
)

var statusNames = map[Status]string{Normal: "正常", Deceased: "死亡", MovedOut: "迁出"}

// Name returns the Chinese name of s as the list file spells it.
func (s Status) Name() string { return statusNames[s] }

// Gone reports whether the member has left the household (death or moving
// out), which ends their cover on the status date.
func (s Status) Gone() bool { return s == Deceased || s == MovedOut }

// ParseStatus accepts the Chinese name or the identifier; empty means 正常.
func ParseStatus(s string) (Status, bool) {
	if s == "" {
		return Normal, true
	}
	if _, ok := statusNames[Status(s)]; ok {
		return Status(s), true
	}
	for st, n := range statusNames {
		if n == s {
			return st, true
		}
	}
	return "", false
}

// Head is the relation of the head of household.
const Head = "户主"

// Relations lists the accepted values of 与户主关系.
var Relations = []string{Head, "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女", "儿媳", "女婿", "兄弟姐妹", "其他"}

func knownRelation(s string) bool {
	for _, r := range Relations {
		if r == s {
			return true
		}
	}
	return false
}

// column is a column of the list file.
type column int

const (
	colHousehold column = iota
	colRegion
	colVillage
	colCategory
	colName
	colID
	colRelation
	colIncome
	colRisk
	colStatus
	colStatusDate
	colPhone
	colAccount
	colBank
	colHolder
	numCols
)

// columnSpec describes a column: its identifier (also used in reports), its
// Chinese header and other headers exported lists are known to use.
type columnSpec struct {
	id       string
	header   string
	aliases  []string
	required bool
}

var columns = [numCols]columnSpec{
	colHousehold:  {"household_no", "户编号", []string{"户编码", "户号"}, true},
	colRegion:     {"region_code", "行政区划代码", []string{"区划代码", "村行政区划代码"}, true},
	colVillage:    {"village_name", "村名", []string{"行政村", "村名称", "所在村"}, false},
	colCategory:   {"category", "户类型", []string{"户类别", "户属性"}, true},
	colName:       {"name", "姓名", nil, true},
	colID:         {"id_number", "身份证号", []string{"身份证号码", "证件号码", "公民身份号码"}, true},
	colRelation:   {"relation", "与户主关系", nil, true},
	colIncome:     {"income_per_capita", "人均纯收入", []string{"人均纯收入（元）", "人均纯收入(元)", "家庭人均纯收入"}, false},
	colRisk:       {"risk_eliminated", "风险是否消除", []string{"是否风险消除"}, false},
	colStatus:     {"member_status", "成员状态", nil, false},
	colStatusDate: {"status_date", "状态变更日期", []string{"变更日期"}, false},
	colPhone:      {"phone", "联系电话", []string{"电话", "手机号码", "手机号"}, false},
	// The household's bank account, as the account file names its columns.
	colAccount: {"account_no", "银行账号", []string{"账号", "银行卡号"}, false},
	colBank:    {"bank", "开户行", []string{"开户银行"}, false},
	colHolder:  {"holder", "账户户名", []string{"户名", "开户人"}, false},
}

// accountColumn is the column of an account's field, by the field's name.
var accountColumn = map[string]column{"account_no": colAccount, "bank": colBank, "holder": colHolder}

// Header returns the Chinese header row of a list file, in the order
// Generate writes it: the list's own columns, without the optional bank
// account ones.
func Header() []string {
	h := make([]string, colAccount)
	for i, c := range columns[:colAccount] {
		h[i] = c.header
	}
	return h
}

func matchColumn(cell string) (column, bool) {
	cell = strings.TrimSpace(cell)
	for i, c := range columns {
		if strings.EqualFold(cell, c.id) || cell == c.header {
			return column(i), true
		}
		for _, a := range c.aliases {
			if cell == a {
				return column(i), true
			}
		}
	}
	return 0, false
}

// layout maps each column to its index in a row, -1 when absent.
type layout [numCols]int

// headerScan is how many leading non-blank rows may be titles above the
// header, as national exports print one.
const headerScan = 5

// readHeader finds the header row: the first non-blank row among the first
// few that names at least three known columns, else the first non-blank row.
// It returns the layout and the spreadsheet row number of the header.
func readHeader(rows Rows) (layout, int, error) {
	var first []string
	row, firstRow, seen := 0, 0, 0
	for seen < headerScan && rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		seen++
		if first == nil {
			first, firstRow = append([]string(nil), cells...), row
		}
		if n := knownColumns(cells); n >= 3 {
			l, err := makeLayout(cells)
			return l, row, err
		}
	}
	if err := rows.Err(); err != nil {
		return layout{}, 0, err
	}
	if first == nil {
		return layout{}, 0, znb.Errorf(znb.Invalid, "empty_file", "文件中没有任何数据")
	}
	l, err := makeLayout(first)
	return l, firstRow, err
}

func knownColumns(cells []string) int {
	n := 0
	for _, c := range cells {
		if _, ok := matchColumn(c); ok {
			n++
		}
	}
	return n
}

func makeLayout(cells []string) (layout, error) {
	var l layout
	for i := range l {
		l[i] = -1
	}
	for i, c := range cells {
		col, ok := matchColumn(c)
		if !ok {
			continue
		}
		if l[col] >= 0 {
			return l, znb.Errorf(znb.Invalid, "duplicate_column", "表头中“%s”列出现了两次", columns[col].header)
		}
		l[col] = i
	}
	var missing []string
	for i, c := range columns {
		if c.required && l[i] < 0 {
			missing = append(missing, c.header+"（"+c.id+"）")
		}
	}
	if len(missing) > 0 {
		e := znb.Errorf(znb.Invalid, "missing_column", "缺少必填列：%s", strings.Join(missing, "、"))
		e.Details = missing
		return l, e
	}
	return l, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

func (l *layout) cell(cells []string, c column) string {
	if i := l[c]; i >= 0 && i < len(cells) {
		return cells[i]
	}
	return ""
}

// fault is a rule a cell breaks.
type fault struct {
	col  column
	code string
	msg  string
}

// parsed is one row read and checked on its own, without the rest of the list.
type parsed struct {
	h      Household
	m      Member
	birth  znb.Date
	faults []fault
	raw    [numCols]string // trimmed cells, for comparing household fields
}

// parseRow reads one data row into p, reusing p's storage. county is the
// 6-digit county code; today bounds dates of birth and status dates.
func parseRow(p *parsed, l *layout, cells []string, row int, county string, today znb.Date) {
	p.faults = p.faults[:0]
	for c := column(0); c < numCols; c++ {
		p.raw[c] = l.cell(cells, c)
	}
	bad := func(c column, code, msg string) { p.faults = append(p.faults, fault{c, code, msg}) }
	need := func(c column) bool {
		if p.raw[c] == "" {
			bad(c, "missing_value", "“"+columns[c].header+"”不能为空")
			return false
		}
		return true
	}
	h := Household{No: p.raw[colHousehold], Region: p.raw[colRegion], Village: p.raw[colVillage]}
	m := Member{HouseholdNo: h.No, Name: p.raw[colName], Relation: p.raw[colRelation], Phone: p.raw[colPhone], Row: row}
	p.birth = znb.Date{}

	need(colHousehold)
	if need(colRegion) {
		switch {
		case len(h.Region) != 12 || !digits(h.Region):
			bad(colRegion, "region_format", "行政区划代码应为 12 位数字（到村）")
		case h.Region[:6] != county:
			bad(colRegion, "region_outside_county", "行政区划代码 "+h.Region+" 不属于本县（"+county+"）")
		}
	}
	if need(colCategory) {
		if c, ok := znb.ParseCategory(p.raw[colCategory]); ok {
			h.Category = c
		} else {
			bad(colCategory, "unknown_category", "未知的户类型“"+p.raw[colCategory]+"”")
		}
	}
	if need(colName) {
		if utf8.RuneCountInString(m.Name) > 30 {
			bad(colName, "name_length", "姓名超过 30 个字")
		}
	}
	if need(colID) {
		id, birth, err := ValidateID(p.raw[colID], today)
		if err != nil {
			e := znb.ErrorOf(err)
			bad(colID, e.Code, e.Message)
		} else {
			m.IDNumber, p.birth = id, birth
		}
	}
	if need(colRelation) && !knownRelation(m.Relation) {
		bad(colRelation, "unknown_relation", "与户主关系“"+m.Relation+"”不在规定取值中（"+strings.Join(Relations, "、")+"）")
	}
	if s := p.raw[colIncome]; s != "" {
		d, err := money.Parse("income_per_capita", strings.ReplaceAll(s, ",", ""))
		switch {
		case err != nil:
			bad(colIncome, "income_format", "人均纯收入“"+s+"”不是金额（元，最多两位小数）")
		case d.IsNegative():
			bad(colIncome, "income_negative", "人均纯收入不能为负数")
		default:
			h.Income = decimal.NullDecimal{Decimal: d, Valid: true}
		}
	}
	if s := p.raw[colRisk]; s != "" {
		switch s {
		case "是", "否":
			v := s == "是"
			h.RiskEliminated = &v
		default:
			bad(colRisk, "bad_yes_no", "风险是否消除应填“是”或“否”")
		}
	}
	if st, ok := ParseStatus(p.raw[colStatus]); ok {
		m.Status = st
	} else {
		bad(colStatus, "unknown_status", "成员状态“"+p.raw[colStatus]+"”应为 正常、死亡 或 迁出")
	}
	if s := p.raw[colStatusDate]; s != "" {
		d, err := znb.ParseDate(s)
		switch {
		case err != nil:
			bad(colStatusDate, "status_date_format", "状态变更日期“"+s+"”不是日期（格式 YYYY-MM-DD）")
		case d.After(today):
			bad(colStatusDate, "status_date_future", "状态变更日期 "+d.String()+" 晚于今天")
		case !p.birth.IsZero() && d.Before(p.birth):
			bad(colStatusDate, "status_date_before_birth", "状态变更日期 "+d.String()+" 早于出生日期")
		default:
			m.StatusDate = d
		}
	} else if m.Status.Gone() {
		bad(colStatusDate, "status_date_missing", "成员状态为“"+m.Status.Name()+"”时必须填写状态变更日期")
	}
	if s := m.Phone; s != "" && (len(s) != 11 || s[0] != '1' || !digits(s)) {
		bad(colPhone, "bad_phone", "联系电话应为 1 开头的 11 位手机号")
	}
	if p.raw[colAccount] != "" || p.raw[colBank] != "" || p.raw[colHolder] != "" {
		var faults []AccountFault
		a := &h.Account
		a.Number, a.Bank, a.Holder, faults = CheckAccount(p.raw[colAccount], p.raw[colBank], p.raw[colHolder])
		for _, f := range faults {
			bad(accountColumn[f.Field], f.Code, f.Message)
		}
	}
	p.h, p.m = h, m
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
