// Package fpb holds the rules of 防贫保 beyond a single claim: reading the
// county medical-insurance (医保) settlement export, when a household's
// settlements open an illness claim by themselves, and the early warnings
// (预警) handed to the poverty office. It reads files only through the
// registry's Rows interface and knows nothing of storage or HTTP.
package fpb

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// SettlementRow is one settlement of the file as read: the row number a
// spreadsheet shows, who was treated where and when, and the bill.
type SettlementRow struct {
	Row          int
	IDNumber     string
	Name         string
	Provider     string
	AdmittedOn   znb.Date // zero when the file leaves it empty
	DischargedOn znb.Date
	SettledOn    znb.Date
	claim.Settlement
}

// The columns of the settlement file, in order; each is read under its
// Chinese or its English header.
var settlementColumns = []registry.Column{
	{Zh: "结算单号", En: "settlement_no"},
	{Zh: "身份证号", En: "id_number"},
	{Zh: "姓名", En: "name"},
	{Zh: "医疗机构", En: "provider"},
	{Zh: "入院日期", En: "admitted_on"},
	{Zh: "出院日期", En: "discharged_on"},
	{Zh: "结算日期", En: "settled_on"},
	{Zh: "总费用", En: "total"},
	{Zh: "基本医保支付", En: "basic_insurance_paid"},
	{Zh: "大病保险支付", En: "critical_illness_paid"},
	{Zh: "医疗救助支付", En: "medical_assistance_paid"},
	{Zh: "目录外费用", En: "non_reimbursable"},
}

const (
	colNo = iota
	colID
	colName
	colProvider
	colAdmitted
	colDischarged
	colSettled
	colTotal
	colBasic
	colCritical
	colAssistance
	colNonReimb
)

// Bounds of the text fields.
const (
	maxSettlementNo = 64
	maxName         = 30
	maxProvider     = 200
)

// ReadSettlements reads the settlement file row by row and calls each (when
// not nil) with every clean row whose settlement number the file has not
// given before, in file order. It returns every fault of every bad row — a
// missing or malformed field, an ID number that fails its check, a
// settlement date in the future or before admission, a settlement number
// given twice in the file (reported on each of its rows) — and the number of
// data rows. A fault of the file itself (unreadable, no data, a missing
// column) is the error. each sees rows before the faults of later rows are
// known: a caller that stores them must do so in a transaction it rolls back
// when any row is rejected.
func ReadSettlements(rows registry.Rows, today znb.Date, each func(SettlementRow) error) ([]registry.Reject, int, error) {
	cols, row, err := settlementHeader(rows)
	if err != nil {
		return nil, 0, err
	}
	var (
		rej   []registry.Reject
		first = map[string]int{} // settlement_no → first row
		dups  = map[string][]int{}
		data  int
	)
	for rows.Next() {
		row++
		cells := rows.Row()
		if blankRow(cells) {
			continue
		}
		data++
		s, bad := readSettlement(row, cells, cols, today)
		again := false
		if s.No != "" {
			if at, seen := first[s.No]; seen {
				if len(dups[s.No]) == 0 {
					dups[s.No] = []int{at}
				}
				dups[s.No] = append(dups[s.No], row)
				again = true
			} else {
				first[strings.Clone(s.No)] = row
			}
		}
		rej = append(rej, bad...)
		if len(bad) == 0 && !again && each != nil {
			if err := each(s); err != nil {
				return nil, data, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, data, err
	}
	if data == 0 {
		return nil, 0, znb.Errorf(znb.Invalid, "empty_file", "文件中没有结算记录")
	}
	for no, at := range dups {
		nums := make([]string, len(at))
		for i, r := range at {
			nums[i] = strconv.Itoa(r)
		}
		msg := "结算单号 " + no + " 在文件中出现了 " + strconv.Itoa(len(at)) + " 次（第 " + strings.Join(nums, "、") + " 行）"
		for _, r := range at {
			rej = append(rej, registry.Reject{Row: r, Column: "结算单号", Code: "duplicate_settlement", Message: msg})
		}
	}
	sortRejects(rej)
	return rej, data, nil
}

// readSettlement reads one data row and lists its faults.
func readSettlement(row int, cells []string, cols [12]int, today znb.Date) (SettlementRow, []registry.Reject) {
	var bad []registry.Reject
	fault := func(col int, code, msg string) {
		bad = append(bad, registry.Reject{Row: row, Column: settlementColumns[col].Zh, Code: code, Message: msg})
	}
	cell := func(col int) string {
		if i := cols[col]; i >= 0 && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	s := SettlementRow{Row: row, Name: cell(colName), Provider: cell(colProvider)}
	s.No = cell(colNo)
	switch {
	case s.No == "":
		fault(colNo, "missing_value", "“结算单号”不能为空")
	case utf8.RuneCountInString(s.No) > maxSettlementNo:
		fault(colNo, "value_too_long", "结算单号超过 "+strconv.Itoa(maxSettlementNo)+" 个字符")
	}
	if id := cell(colID); id == "" {
		fault(colID, "missing_value", "“身份证号”不能为空")
	} else if v, _, err := registry.ValidateID(id, today); err != nil {
		fault(colID, znb.CodeOf(err), znb.ErrorOf(err).Message)
	} else {
		s.IDNumber = v
	}
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		fault(colName, "missing_value", "“姓名”不能为空")
	case n > maxName:
		fault(colName, "name_length", "姓名超过 "+strconv.Itoa(maxName)+" 个字")
	}
	if utf8.RuneCountInString(s.Provider) > maxProvider {
		fault(colProvider, "value_too_long", "医疗机构名称超过 "+strconv.Itoa(maxProvider)+" 个字")
	}
	date := func(col int, required bool) znb.Date {
		v := cell(col)
		if v == "" {
			if required {
				fault(col, "missing_value", "“"+settlementColumns[col].Zh+"”不能为空")
			}
			return znb.Date{}
		}
		d, err := znb.ParseDate(v)
		if err != nil {
			fault(col, "invalid_date", "“"+settlementColumns[col].Zh+"”应为 YYYY-MM-DD 格式的日期："+clip(v))
		}
		return d
	}
	s.AdmittedOn, s.DischargedOn, s.SettledOn = date(colAdmitted, false), date(colDischarged, false), date(colSettled, true)
	switch {
	case !s.SettledOn.IsZero() && s.SettledOn.After(today):
		fault(colSettled, "date_in_future", "结算日期 "+s.SettledOn.String()+" 晚于今天")
	case !s.AdmittedOn.IsZero() && !s.SettledOn.IsZero() && s.SettledOn.Before(s.AdmittedOn):
		fault(colSettled, "settled_before_admission", "结算日期 "+s.SettledOn.String()+" 早于入院日期 "+s.AdmittedOn.String())
	}
	if !s.AdmittedOn.IsZero() && !s.DischargedOn.IsZero() && s.DischargedOn.Before(s.AdmittedOn) {
		fault(colDischarged, "discharged_before_admission", "出院日期 "+s.DischargedOn.String()+" 早于入院日期 "+s.AdmittedOn.String())
	}
	amount := func(col int, required bool) decimal.Decimal {
		v := cell(col)
		if v == "" {
			if required {
				fault(col, "missing_value", "“"+settlementColumns[col].Zh+"”不能为空")
			}
			return decimal.Zero
		}
		d, err := money.Parse(settlementColumns[col].En, v)
		if err != nil || d.IsNegative() || d.GreaterThan(claim.MaxAssessed) {
			fault(col, "invalid_amount", "“"+settlementColumns[col].Zh+"”应为不小于 0、不超过 "+money.String(claim.MaxAssessed)+" 元、最多两位小数的金额："+clip(v))
			return decimal.Zero
		}
		return d
	}
	s.Total = amount(colTotal, true)
	s.BasicInsurancePaid = amount(colBasic, false)
	s.CriticalIllnessPaid = amount(colCritical, false)
	s.MedicalAssistancePaid = amount(colAssistance, false)
	s.NonReimbursable = amount(colNonReimb, false)
	if len(bad) == 0 {
		s.No, s.Name, s.Provider = strings.Clone(s.No), strings.Clone(s.Name), strings.Clone(s.Provider)
	}
	return s, bad
}

// settlementHeader reads the first non-blank row as the header and returns
// the index of each column (-1 for the optional ones left out) and the
// header's row number. Every column but 医疗机构, 入院日期, 出院日期 and the
// three payments is required.
func settlementHeader(rows registry.Rows) ([12]int, int, error) {
	var cols [12]int
	at, row, err := registry.ReadHeader(rows, settlementColumns, colNo, colID, colName, colSettled, colTotal)
	copy(cols[:], at)
	return cols, row, err
}

// SettlementsRefusal refuses a settlement file that has a bad row; nothing
// of it is stored.
func SettlementsRefusal(rej []registry.Reject) error {
	if len(rej) == 0 {
		return nil
	}
	return registry.Refusal("settlements_rejected", rej, "医保结算文件有 %d 处错误，未保存任何数据；请改正后重新上传", len(rej))
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func sortRejects(rej []registry.Reject) {
	order := map[string]int{}
	for i, c := range settlementColumns {
		order[c.Zh] = i
	}
	sort.SliceStable(rej, func(i, j int) bool {
		if rej[i].Row != rej[j].Row {
			return rej[i].Row < rej[j].Row
		}
		return order[rej[i].Column] < order[rej[j].Column]
	})
}

// clip shortens what is quoted back in a message.
func clip(v string) string {
	if r := []rune(v); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return v
}
