package disaster

import (
	"sort"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Fact is what the dashboard needs of one claim of the event.
type Fact struct {
	RegionCode  string
	Village     string
	HouseholdNo string
	Line        znb.Line
	Status      claim.Status
	Payable     decimal.Decimal // zero before assessment
	PaidOn      znb.Date        // zero until paid
}

// Dashboard is the state of an event's claims: households with a claim,
// claims by status and by line, payable and paid by village, and the days
// from declaration to payment of the paid claims.
type Dashboard struct {
	Event      *Event
	Households int
	Claims     int
	ByStatus   []Count
	ByLine     []Count
	Villages   []Village
	Payable    decimal.Decimal // of the claims not rejected
	Paid       decimal.Decimal
	// Days from the declaration to each paid claim's payment: the
	// number paid, the average (one decimal) and the longest.
	PaidClaims int
	DaysAvg    decimal.Decimal
	DaysMax    int
}

// Count is a number of claims and their payable under one key.
type Count struct {
	Key     string
	Name    string
	Claims  int
	Payable decimal.Decimal
}

// Village is one village's households, claims, payable and paid.
type Village struct {
	RegionCode string
	Name       string
	Households int
	Claims     int
	Payable    decimal.Decimal
	Paid       decimal.Decimal
}

// Summarize adds up the event's claims. Rejected claims count among the
// claims and by status, never in payable or paid.
func Summarize(e *Event, facts []Fact) *Dashboard {
	d := &Dashboard{Event: e, Payable: decimal.Zero, Paid: decimal.Zero, DaysAvg: decimal.Zero}
	status := map[claim.Status]*Count{}
	line := map[znb.Line]*Count{}
	villages := map[string]*Village{}
	households := map[string]bool{}
	perVillage := map[string]map[string]bool{}
	days := 0
	for _, f := range facts {
		d.Claims++
		households[f.HouseholdNo] = true
		pay := f.Payable
		if f.Status == claim.Rejected {
			pay = decimal.Zero
		}
		s := status[f.Status]
		if s == nil {
			s = &Count{Key: string(f.Status), Name: f.Status.Name(), Payable: decimal.Zero}
			status[f.Status] = s
		}
		s.Claims++
		s.Payable = s.Payable.Add(pay)
		l := line[f.Line]
		if l == nil {
			l = &Count{Key: string(f.Line), Name: f.Line.Name(), Payable: decimal.Zero}
			line[f.Line] = l
		}
		l.Claims++
		l.Payable = l.Payable.Add(pay)
		v := villages[f.RegionCode]
		if v == nil {
			v = &Village{RegionCode: f.RegionCode, Name: f.Village, Payable: decimal.Zero, Paid: decimal.Zero}
			villages[f.RegionCode], perVillage[f.RegionCode] = v, map[string]bool{}
		}
		v.Claims++
		v.Payable = v.Payable.Add(pay)
		if !perVillage[f.RegionCode][f.HouseholdNo] {
			perVillage[f.RegionCode][f.HouseholdNo] = true
			v.Households++
		}
		d.Payable = d.Payable.Add(pay)
		if f.Status == claim.Paid {
			v.Paid = v.Paid.Add(f.Payable)
			d.Paid = d.Paid.Add(f.Payable)
			n := f.PaidOn.DaysSince(e.DeclaredOn)
			d.PaidClaims++
			days += n
			if n > d.DaysMax {
				d.DaysMax = n
			}
		}
	}
	d.Households = len(households)
	if d.PaidClaims > 0 {
		d.DaysAvg = decimal.NewFromInt(int64(days)).Div(decimal.NewFromInt(int64(d.PaidClaims))).Round(1)
	}
	for _, s := range []claim.Status{claim.Reported, claim.Assessed, claim.Approved, claim.Rejected, claim.Paid} {
		if c := status[s]; c != nil {
			d.ByStatus = append(d.ByStatus, *c)
		}
	}
	for _, l := range znb.AllLines {
		if c := line[l]; c != nil {
			d.ByLine = append(d.ByLine, *c)
		}
	}
	for _, v := range villages {
		d.Villages = append(d.Villages, *v)
	}
	sort.Slice(d.Villages, func(i, j int) bool { return d.Villages[i].RegionCode < d.Villages[j].RegionCode })
	return d
}

// WriteDashboard writes the dashboard as a workbook: a summary sheet, and
// sheets by village, by status and by line.
func WriteDashboard(w registry.Writer, d *Dashboard) error {
	e := d.Event
	if err := w.Sheet("汇总", []string{"项目", "数值"}); err != nil {
		return err
	}
	for _, r := range [][]any{
		{"灾害事件", e.Name}, {"灾害原因", e.Cause}, {"灾害期间", e.First.String() + " 至 " + e.Last.String()},
		{"宣布日期", e.DeclaredOn}, {"受灾户数（有理赔的户）", d.Households}, {"理赔案件数", d.Claims},
		{"应赔金额", money.String(d.Payable)}, {"已付金额", money.String(d.Paid)}, {"已付案件数", d.PaidClaims},
		{"宣布至付款平均天数", d.DaysAvg.String()}, {"宣布至付款最长天数", d.DaysMax},
	} {
		if err := w.Row(r...); err != nil {
			return err
		}
	}
	if err := w.Sheet("按村", []string{"行政区划代码", "村", "户数", "案件数", "应赔金额", "已付金额"}); err != nil {
		return err
	}
	for _, v := range d.Villages {
		if err := w.Row(v.RegionCode, v.Name, v.Households, v.Claims, money.String(v.Payable), money.String(v.Paid)); err != nil {
			return err
		}
	}
	for _, part := range []struct {
		name string
		rows []Count
	}{{"按状态", d.ByStatus}, {"按险种", d.ByLine}} {
		if err := w.Sheet(part.name, []string{"代码", "名称", "案件数", "应赔金额"}); err != nil {
			return err
		}
		for _, c := range part.rows {
			if err := w.Row(c.Key, c.Name, c.Claims, money.String(c.Payable)); err != nil {
				return err
			}
		}
	}
	return w.Close()
}
