package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Reports (报表): the monthly report with its chart, the annual evaluation
// and the claims notice. Figures come from the store's report calls and are
// shown as the API's JSON has them (rest.MonthlyOut, rest.AnnualOut); the
// files are the API's handlers.

func (w *console) reportRoutes(r fiber.Router) {
	read := w.allow(znb.ReadReports)
	r.Get("/reports", read, w.monthly)
	r.Get("/reports/monthly.xlsx", read, w.apiFile(w.api.MonthlyXLSX()))
	r.Get("/reports/annual", read, w.annual)
	r.Get("/reports/annual.xlsx", read, w.apiFile(w.api.AnnualFile("xlsx")))
	r.Get("/reports/annual.pdf", read, w.apiFile(w.api.AnnualFile("pdf")))
	r.Get("/reports/notice.pdf", read, w.notice)
}

type monthlyData struct {
	R        rest.ReportJSON
	Label    string
	Rows     []reportLine
	Chart    *chart
	Lines    []lineFigures    // claims by line: the four, and the 防贫保 lines when the month has any
	Warnings []warningFigures // the office's and auditors' only
	Statuses []fpb.Status
}

// lineFigures are the claims of one line in the month.
type lineFigures struct {
	Name           string
	Reported, Paid rest.AmountJSON
}

// warningFigures are the warnings of one rule by status.
type warningFigures struct {
	Name   string
	Counts []int
	Total  int
}

// reportLine is a row of the table: a region and its figures.
type reportLine struct {
	Level, LevelName, Name, Region string
	F                              rest.FiguresJSON
}

var levelNames = map[string]string{report.LevelCounty: "县", report.LevelTownship: "乡镇", report.LevelVillage: "村"}

func (w *console) today() znb.Date { return znb.Clock(w.api.Clock).Today() }

func (w *console) monthly(c *fiber.Ctx) error {
	v := w.newView(c, "月度报表")
	month := strings.TrimSpace(c.Query("month"))
	if month == "" {
		month = w.today().String()[:7]
	}
	v.Form["month"], v.Form["region"] = month, strings.TrimSpace(c.Query("region"))
	m, err := report.ParseMonth(month)
	if err != nil {
		return w.fail(c, "monthly", v, err, "month")
	}
	a := actor(c)
	r, err := w.db.MonthlyReport(c.UserContext(), a, v.Form["region"], m)
	if err != nil {
		field := "region"
		if strings.Contains(znb.CodeOf(err), "month") {
			field = "month"
		}
		return w.fail(c, "monthly", v, err, field)
	}
	region := v.Form["region"]
	if region == "" {
		region = a.Scope
	}
	out := rest.MonthlyOut(r, region, m)
	d := &monthlyData{R: out, Label: report.MonthLabel(m)}
	for _, row := range out.Rows {
		d.Rows = append(d.Rows, reportLine{row.Level, levelNames[row.Level], row.Name, row.RegionCode, row.FiguresJSON})
	}
	d.Chart = premiumPaidChart(r.Rows)
	for _, l := range r.Lines() {
		d.Lines = append(d.Lines, lineFigures{l.Name(), out.Total.Reported[string(l)], out.Total.Paid[string(l)]})
	}
	if r.Warnings != nil {
		d.Statuses = fpb.Statuses
		for _, rule := range fpb.Rules {
			wf := warningFigures{Name: rule.Name()}
			for _, st := range fpb.Statuses {
				n := r.Warnings[string(rule)][string(st)]
				wf.Counts, wf.Total = append(wf.Counts, n), wf.Total+n
			}
			d.Warnings = append(d.Warnings, wf)
		}
	}
	v.Data = d
	return w.render(c, fiber.StatusOK, "monthly", v)
}

// chart is a horizontal bar chart drawn as inline SVG by the template:
// premium and paid claims of each township (each village when the report
// covers one township), so no script draws it. Lengths are percentages of
// the width and the SVG has no viewBox, so its text keeps its size on a
// phone while the bars fit the screen.
type chart struct {
	Height int
	Bars   []chartBar
}

type chartBar struct {
	Name                  string
	TextY, Y, PaidY       int
	Premium, Paid         string // bar lengths, "42.5%"
	PremiumText, PaidText string
}

const (
	chartRow  = 60
	chartBars = 40
)

func premiumPaidChart(rows []report.Row) *chart {
	level := report.LevelTownship
	n := 0
	for _, r := range rows {
		if r.Level == level {
			n++
		}
	}
	if n <= 1 {
		level = report.LevelVillage
	}
	var pick []report.Row
	top := decimal.Zero
	for _, r := range rows {
		if r.Level != level || len(pick) == chartBars {
			continue
		}
		pick = append(pick, r)
		top = decimal.Max(top, r.Premium[0], r.PaidTotal().Amount)
	}
	if len(pick) == 0 {
		return nil
	}
	length := func(d decimal.Decimal) string {
		if top.IsZero() || d.IsZero() {
			return "2px" // a stub shows that the figure is nought
		}
		return d.Mul(decimal.NewFromInt(100)).Div(top).StringFixed(1) + "%"
	}
	ch := &chart{Height: len(pick)*chartRow + 4}
	for i, r := range pick {
		name := r.Name
		if name == "" {
			name = r.Region
		}
		y := i * chartRow
		paid := r.PaidTotal().Amount
		ch.Bars = append(ch.Bars, chartBar{Name: name, TextY: y + 16, Y: y + 22, PaidY: y + 40,
			Premium: length(r.Premium[0]), Paid: length(paid),
			PremiumText: money.String(r.Premium[0]), PaidText: money.String(paid)})
	}
	return ch
}

type annualData struct {
	Agreements []rest.AgreementJSON
	A          *rest.AnnualJSON
	Recon      *rest.ReconOutcomeJSON
	Findings   []findingLine
	Sources    []string
	Money      []moneyLine
}

func (w *console) annualView(c *fiber.Ctx) (*view, *annualData, error) {
	v := w.newView(c, "年度评估与理赔公示")
	as, err := w.api.Agreements(c, actor(c))
	if err != nil {
		return v, nil, err
	}
	d := &annualData{Agreements: as}
	v.Data = d
	if v.Form["month"] = strings.TrimSpace(c.Query("month")); v.Form["month"] == "" {
		v.Form["month"] = w.today().String()[:7]
	}
	v.Form["village"] = strings.TrimSpace(c.Query("village"))
	v.Form["agreement_id"] = strings.TrimSpace(c.Query("agreement_id"))
	if v.Form["agreement_id"] == "" && len(as) > 0 {
		v.Form["agreement_id"] = strconv.FormatInt(as[0].ID, 10)
	}
	return v, d, nil
}

func (w *console) annual(c *fiber.Ctx) error {
	v, d, err := w.annualView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	if v.Form["agreement_id"] == "" {
		return w.render(c, fiber.StatusOK, "annual", v)
	}
	id, err := strconv.ParseInt(v.Form["agreement_id"], 10, 64)
	if err != nil || id <= 0 {
		return w.fail(c, "annual", v, znb.ErrNotFound("协议"), "agreement_id")
	}
	a, err := w.db.AnnualReport(c.UserContext(), actor(c), id)
	if err != nil {
		return w.fail(c, "annual", v, err, "agreement_id")
	}
	out := rest.AnnualOut(a)
	d.A = &out
	if rec, ok := out.Reconciliation.(rest.ReconOutcomeJSON); ok {
		d.Recon = &rec
		for _, f := range a.Reconciliation.Findings {
			d.Findings = append(d.Findings, findingLine{Code: f.Code, Name: f.Name, Count: f.Count, Disallow: moneyText(f.Disallowed)})
		}
		d.Sources = append([]string{"保费合计"}, sourceNames()...)
		keys := append([]string{"premium"}, sourceKeys()...)
		for _, m := range []struct {
			name string
			v    map[string]string
		}{{"申报", rec.Billed}, {"准予补贴", rec.Allowed}, {"不予补贴", rec.Disallowed}} {
			l := moneyLine{Name: m.name}
			for _, k := range keys {
				l.Values = append(l.Values, m.v[k])
			}
			d.Money = append(d.Money, l)
		}
	}
	return w.render(c, fiber.StatusOK, "annual", v)
}

// notice answers the claims notice of a village and month as GET
// /reports/notice.pdf does; a refusal comes back beside its field.
func (w *console) notice(c *fiber.Ctx) error {
	err := w.api.As(c, actor(c), w.api.ClaimNoticePDF())
	if err == nil {
		return nil
	}
	c.Response().Header.Del(fiber.HeaderContentDisposition)
	v, _, verr := w.annualView(c)
	if verr != nil {
		return w.errorPage(c, verr)
	}
	field := "agreement_id"
	switch code := znb.CodeOf(err); {
	case strings.Contains(code, "month"):
		field = "month"
	case strings.Contains(code, "village") || code == "invalid_region" || strings.Contains(znb.ErrorOf(err).Message, "村"):
		field = "village"
	}
	v.Form["notice"] = "1"
	return w.fail(c, "annual", v, err, field)
}

func moneyText(d decimal.Decimal) string { return money.String(d) }

// msWhen shows a stored millisecond time in China Standard Time, to the minute.
func msWhen(ms int64) string { return time.UnixMilli(ms).In(znb.CST).Format("2006-01-02 15:04") }

func sourceKeys() []string {
	out := make([]string, len(znb.Sources))
	for i, s := range znb.Sources {
		out[i] = string(s)
	}
	return out
}

func sourceNames() []string {
	out := make([]string, len(znb.Sources))
	for i, s := range znb.Sources {
		out[i] = s.Name()
	}
	return out
}
