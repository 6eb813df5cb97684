package disaster

import (
	"sort"
	"strconv"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// SheetLines are the lines a field worksheet carries: the household lines
// whose loss a field team can assess at the door. Per-person lines
// (accident, hospitalization) need a member and medical papers and are
// reported one by one.
var SheetLines = []znb.Line{znb.Property, znb.Agriculture, znb.Disaster}

// column is one column of the worksheet: its Chinese header, the English
// header also accepted, and the line whose loss it holds ("" for the
// household's own columns).
type column struct {
	zh, en string
	line   znb.Line
}

// The worksheet's columns, in order. The first six describe the household
// and are filled by the platform; the rest are left for the field team.
var columns = []column{
	{"户编号", "household_no", ""},
	{"户主", "head", ""},
	{"分户凭证号", "certificate_no", ""},
	{"村", "village", ""},
	{"在保险种", "lines", ""},
	{"出险日期", "incident_date", ""},
	{"房屋主体损失", "structure_loss", znb.Property},
	{"室内装潢损失", "decoration_loss", znb.Property},
	{"家用电器损失", "appliance_loss", znb.Property},
	{"农业标的类别", "item_kind", znb.Agriculture},
	{"农业标的名称", "item_subject", znb.Agriculture},
	{"农业标的数量", "quantity", znb.Agriculture},
	{"农业定损金额", "assessed_loss", znb.Agriculture},
	{"政策性农业保险已赔", "policy_insurance_paid", znb.Agriculture},
	{"灾害损失", "disaster_loss", znb.Disaster},
	{"其他保险已赔", "insurance_paid", znb.Disaster},
}

const (
	colHousehold = iota
	colHead
	colCertificate
	colVillage
	colLines
	colIncident
	colStructure
	colDecoration
	colAppliance
	colItemKind
	colItemSubject
	colQuantity
	colAssessed
	colPolicyPaid
	colDisasterLoss
	colInsurancePaid
	numColumns
)

// Header is the worksheet's header row.
func Header() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.zh
	}
	return out
}

// Household is one insured household in force during an event, as its
// worksheet row shows it.
type Household struct {
	HouseholdNo   string
	Head          string
	CertificateNo string
	Village       string
	RegionCode    string
	Lines         []znb.Line // the worksheet lines its product offers
}

// LineNames is the 在保险种 cell: the Chinese names of the lines, joined.
func LineNames(ls []znb.Line) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name()
	}
	return strings.Join(names, "、")
}

// WriteWorksheet writes the worksheet of the households (one sheet, one
// row each, in the order given) with the loss columns left empty.
func WriteWorksheet(w registry.Writer, e *Event, hs []Household) error {
	if err := w.Sheet(sheetName(e), Header()); err != nil {
		return err
	}
	for i := range hs {
		if err := w.Row(WorksheetRow(&hs[i])...); err != nil {
			return err
		}
	}
	return w.Close()
}

// WorksheetRow is the household's row as the worksheet writes it.
func WorksheetRow(h *Household) []any {
	cells := make([]any, numColumns)
	cells[colHousehold], cells[colHead], cells[colCertificate] = h.HouseholdNo, h.Head, h.CertificateNo
	cells[colVillage], cells[colLines], cells[colIncident] = h.Village, LineNames(h.Lines), ""
	for i := colStructure; i < numColumns; i++ {
		cells[i] = ""
	}
	return cells
}

func sheetName(e *Event) string {
	name := []rune("定损表")
	if e != nil && e.ID > 0 {
		name = append(name, []rune(strconv.FormatInt(e.ID, 10))...)
	}
	return string(name)
}

// Entry is one loss of a filled worksheet as read: the row, the household
// and certificate it names, the line, the incident date (the event's first
// day when the row leaves it empty) and the adjuster's figures. A row with
// losses on two lines gives two entries.
type Entry struct {
	Row           int
	HouseholdNo   string
	CertificateNo string
	Line          znb.Line
	IncidentDate  znb.Date
	Form          claim.Form
}

// Column is the Chinese header of the line's first loss column, where a
// fault of the whole line (not in force, a duplicate claim) is reported.
func Column(l znb.Line) string {
	for _, c := range columns {
		if c.line == l {
			return c.zh
		}
	}
	return columns[colHousehold].zh
}

// ReadWorksheet reads a filled worksheet of the event: every row with a
// loss becomes an entry per line. It returns every fault of every bad row
// — no household or certificate number, a certificate given on two rows,
// an incident date outside the event, an amount that is not a figure, is
// negative or absurd (above the bound an adjuster may enter), an
// agriculture item without its kind or loss — and the number of data
// rows. Rows left blank after the household columns are no claim. A fault
// of the file itself (no data, a missing column) is the error.
func ReadWorksheet(rows registry.Rows, e *Event) ([]Entry, []registry.Reject, int, error) {
	cols, row, err := header(rows)
	if err != nil {
		return nil, nil, 0, err
	}
	var (
		out  []Entry
		rej  []registry.Reject
		seen = map[string]int{}
		data int
	)
	for rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		data++
		es, bad := readRow(row, cells, cols, e)
		if cert := cellOf(cells, cols, colCertificate); cert != "" {
			if at, dup := seen[cert]; dup {
				bad = append(bad, registry.Reject{Row: row, Column: columns[colCertificate].zh, Code: "duplicate_row",
					Message: "分户凭证 " + cert + " 已在第 " + strconv.Itoa(at) + " 行出现"})
			} else {
				seen[cert] = row
			}
		}
		if len(bad) > 0 {
			rej = append(rej, bad...)
			continue
		}
		out = append(out, es...)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, data, err
	}
	if data == 0 {
		return nil, nil, 0, znb.Errorf(znb.Invalid, "empty_file", "定损表中没有任何户")
	}
	SortRejects(rej)
	return out, rej, data, nil
}

// SortRejects orders faults by row, then by column in the worksheet's
// order.
func SortRejects(rej []registry.Reject) {
	order := map[string]int{}
	for i, c := range columns {
		order[c.zh] = i
	}
	sort.SliceStable(rej, func(i, j int) bool {
		if rej[i].Row != rej[j].Row {
			return rej[i].Row < rej[j].Row
		}
		return order[rej[i].Column] < order[rej[j].Column]
	})
}

// WorksheetRefusal refuses a worksheet with a bad row: nothing of it is
// stored.
func WorksheetRefusal(rej []registry.Reject) error {
	if len(rej) == 0 {
		return nil
	}
	return registry.Refusal("worksheet_rejected", rej, "定损表有 %d 处错误，未保存任何数据；请改正后重新上传", len(rej))
}

func cellOf(cells []string, cols [numColumns]int, col int) string {
	if i := cols[col]; i >= 0 && i < len(cells) {
		return strings.Clone(strings.TrimSpace(cells[i]))
	}
	return ""
}

// readRow reads one data row into its entries and lists its faults.
func readRow(row int, cells []string, cols [numColumns]int, e *Event) ([]Entry, []registry.Reject) {
	var bad []registry.Reject
	fault := func(col int, code, msg string) {
		bad = append(bad, registry.Reject{Row: row, Column: columns[col].zh, Code: code, Message: msg})
	}
	cell := func(col int) string { return cellOf(cells, cols, col) }
	h, cert := cell(colHousehold), cell(colCertificate)
	if h == "" {
		fault(colHousehold, "missing_value", "“户编号”不能为空")
	}
	if cert == "" {
		fault(colCertificate, "missing_value", "“分户凭证号”不能为空")
	}
	incident := e.First
	if v := cell(colIncident); v != "" {
		d, err := znb.ParseDate(v)
		switch {
		case err != nil:
			fault(colIncident, "invalid_date", "“出险日期”应为 YYYY-MM-DD 格式的日期："+clip(v))
		case !e.During(d):
			fault(colIncident, "incident_outside_event", "出险日期 "+d.String()+" 不在灾害期间 "+e.First.String()+" 至 "+e.Last.String()+" 内")
		default:
			incident = d
		}
	}
	amount := func(col int) string {
		v := cell(col)
		if v == "" {
			return ""
		}
		d, ok := money.Decimal(v, 2)
		if !ok || d.IsNegative() || d.GreaterThan(claim.MaxAssessed) {
			fault(col, "invalid_amount", "“"+columns[col].zh+"”应为不小于 0、不超过 "+money.String(claim.MaxAssessed)+" 元、最多两位小数的金额："+clip(v))
			return ""
		}
		return v
	}
	var out []Entry
	entry := func(l znb.Line, f claim.Form) {
		out = append(out, Entry{Row: row, HouseholdNo: h, CertificateNo: cert, Line: l, IncidentDate: incident, Form: f})
	}
	if s, d, a := amount(colStructure), amount(colDecoration), amount(colAppliance); s+d+a != "" {
		entry(znb.Property, claim.Form{StructureLoss: s, DecorationLoss: d, ApplianceLoss: a})
	}
	kind, subject, qty := cell(colItemKind), cell(colItemSubject), cell(colQuantity)
	loss, paid := amount(colAssessed), amount(colPolicyPaid)
	if kind+subject+qty+loss+paid != "" {
		k, ok := itemKinds[kind]
		if !ok {
			fault(colItemKind, "invalid_item_kind", "“农业标的类别”须为 牲畜、农作物、林木 或 农业设施："+clip(kind))
		}
		if loss == "" && cell(colAssessed) == "" {
			fault(colAssessed, "missing_value", "填写了农业标的，须填写“农业定损金额”")
		}
		if qty != "" {
			if q, ok := money.Decimal(qty, 2); !ok || !q.IsPositive() || q.GreaterThan(claim.MaxQuantity) {
				fault(colQuantity, "invalid_quantity", "“农业标的数量”须为大于 0、不超过 "+claim.MaxQuantity.String()+" 的数量："+clip(qty))
			}
		}
		entry(znb.Agriculture, claim.Form{Items: []claim.FormItem{{Kind: k, Subject: subject, Quantity: qty,
			AssessedLoss: loss, PolicyInsurancePaid: paid}}})
	}
	if loss, paid := amount(colDisasterLoss), amount(colInsurancePaid); loss+paid != "" {
		if loss == "" && cell(colDisasterLoss) == "" {
			fault(colDisasterLoss, "missing_value", "填写了其他保险已赔，须填写“灾害损失”")
		}
		entry(znb.Disaster, claim.Form{DisasterLoss: loss, InsurancePaid: paid})
	}
	return out, bad
}

// itemKinds reads an agriculture item's kind by its Chinese or English
// name.
var itemKinds = map[string]string{
	"牲畜": claim.ItemLivestock, "农作物": claim.ItemCrop, "林木": claim.ItemTree, "农业设施": claim.ItemStructure,
	claim.ItemLivestock: claim.ItemLivestock, claim.ItemCrop: claim.ItemCrop, claim.ItemTree: claim.ItemTree,
	claim.ItemStructure: claim.ItemStructure,
}

// header reads the worksheet's header: the household number and
// certificate number are required, every other column may be left out.
func header(rows registry.Rows) ([numColumns]int, int, error) {
	var cols [numColumns]int
	names := make([]registry.Column, len(columns))
	for i, c := range columns {
		names[i] = registry.Column{Zh: c.zh, En: c.en}
	}
	at, row, err := registry.ReadHeader(rows, names, colHousehold, colCertificate)
	copy(cols[:], at)
	return cols, row, err
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
