package rest

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// reportRoutes serve the monthly, annual and notice reports. Each report answers JSON, or
// the file named by ?format= or by the path's extension.
func (s *Server) reportRoutes(r fiber.Router) {
	readers := allow(znb.ReadReports)
	r.Get("/reports/monthly", readers, s.monthlyReport(""))
	r.Get("/reports/monthly.xlsx", readers, s.monthlyReport("xlsx"))
	r.Get("/reports/annual", readers, s.annualReport(""))
	r.Get("/reports/annual.xlsx", readers, s.annualReport("xlsx"))
	r.Get("/reports/annual.pdf", readers, s.annualReport("pdf"))
	r.Get("/reports/notice.pdf", readers, s.claimNotice)
}

// ReportJSON is a monthly report, and the common part of the annual one.
type ReportJSON struct {
	Region     string      `json:"region,omitempty"`
	Month      string      `json:"month,omitempty"`
	CoverFrom  znb.Date    `json:"cover_from"`
	CoverTo    znb.Date    `json:"cover_to"`
	ClaimsFrom znb.Date    `json:"claims_from"`
	ClaimsTo   znb.Date    `json:"claims_to"`
	AsOf       znb.Date    `json:"as_of"`
	Total      FiguresJSON `json:"total"`
	Rows       []RowJSON   `json:"rows"`
	// Warnings counts the region's warnings by rule, then status; only in
	// the office's and auditors' reports.
	Warnings map[string]map[string]int `json:"warnings,omitempty"`
}

// FiguresJSON is the figures of a row (see report.Figures). Premium holds
// "premium" and one entry per funding source; reported and paid one entry
// per line and "total"; loss_ratio is a percentage and avg_days_to_pay a
// number of days, both null when there is nothing to divide by.
type FiguresJSON struct {
	Households    int                   `json:"households"`
	Persons       int                   `json:"persons"`
	Premium       map[string]string     `json:"premium"`
	EarnedPremium string                `json:"earned_premium"`
	Reported      map[string]AmountJSON `json:"reported"`
	Paid          map[string]AmountJSON `json:"paid"`
	LossRatio     *string               `json:"loss_ratio"`
	AvgDaysToPay  *string               `json:"avg_days_to_pay"`
	OpenClaims    map[string]int        `json:"open_claims"`
}

// AmountJSON is a count of claims and their money.
type AmountJSON struct {
	Count  int    `json:"count"`
	Amount string `json:"amount"`
}

// RowJSON is one county, township or village.
type RowJSON struct {
	Level      string `json:"level"`
	RegionCode string `json:"region_code"`
	Name       string `json:"name"`
	FiguresJSON
}

// openKeys name the age buckets of open claims in JSON.
var openKeys = []string{"days_0_7", "days_8_30", "days_31_90", "days_over_90"}

func figuresOut(f *report.Figures) FiguresJSON {
	out := FiguresJSON{Households: f.Households, Persons: f.Persons, Premium: map[string]string{"premium": amount(f.Premium[0])},
		EarnedPremium: amount(f.Earned), Reported: map[string]AmountJSON{}, Paid: map[string]AmountJSON{},
		OpenClaims: map[string]int{"total": f.OpenTotal()}}
	for i, s := range znb.Sources {
		out.Premium[string(s)] = amount(f.Premium[i+1])
	}
	for i, l := range znb.AllLines {
		out.Reported[string(l)] = AmountJSON{f.Reported[i].Count, amount(f.Reported[i].Amount)}
		out.Paid[string(l)] = AmountJSON{f.Paid[i].Count, amount(f.Paid[i].Amount)}
	}
	rt, pt := f.ReportedTotal(), f.PaidTotal()
	out.Reported["total"], out.Paid["total"] = AmountJSON{rt.Count, amount(rt.Amount)}, AmountJSON{pt.Count, amount(pt.Amount)}
	if v, ok := f.LossRatio(); ok {
		s := v.StringFixed(2)
		out.LossRatio = &s
	}
	if v, ok := f.AvgDaysToPay(); ok {
		s := v.StringFixed(1)
		out.AvgDaysToPay = &s
	}
	for i, k := range openKeys {
		out.OpenClaims[k] = f.Open[i]
	}
	return out
}

// ReportOut converts a report to its JSON; cmd prints the same document.
func ReportOut(r *report.Report, region string) ReportJSON {
	w := r.Window
	out := ReportJSON{Region: region, CoverFrom: w.Cover.Start, CoverTo: w.Cover.End, ClaimsFrom: w.Claims.Start,
		ClaimsTo: w.Claims.End, AsOf: w.AsOf, Total: figuresOut(&r.Total), Rows: make([]RowJSON, len(r.Rows)), Warnings: r.Warnings}
	for i := range r.Rows {
		row := &r.Rows[i]
		out.Rows[i] = RowJSON{Level: row.Level, RegionCode: row.Region, Name: row.Name, FiguresJSON: figuresOut(&row.Figures)}
	}
	return out
}

// MonthlyOut is ReportOut for a month.
func MonthlyOut(r *report.Report, region string, month report.Period) ReportJSON {
	out := ReportOut(r, region)
	out.Month = month.Start.String()[:7]
	return out
}

// AnnualJSON is the annual evaluation of an agreement.
type AnnualJSON struct {
	AgreementID int64    `json:"agreement_id"`
	AgreementNo string   `json:"agreement_no"`
	County      string   `json:"county"`
	Insurer     string   `json:"insurer"`
	TermStart   znb.Date `json:"term_start"`
	TermEnd     znb.Date `json:"term_end"`
	ReportJSON
	Coverage       CoverageJSON `json:"coverage"`
	TopCauses      []CauseJSON  `json:"top_causes"`
	Reconciliation any          `json:"reconciliation"`
}

// CoverageJSON is insured ÷ eligible people of the list last issued from;
// rate is a percentage, null when nobody is eligible.
type CoverageJSON struct {
	ListID   int64   `json:"list_id"`
	Eligible int     `json:"eligible"`
	Insured  int     `json:"insured"`
	Rate     *string `json:"rate"`
}

// CauseJSON is a cause of loss with its claims reported and paid.
type CauseJSON struct {
	Cause     string `json:"cause"`
	Reported  int    `json:"reported"`
	PaidCount int    `json:"paid_count"`
	Paid      string `json:"paid"`
}

// ReconOutcomeJSON is the latest confirmed or settled reconciliation: per
// finding the count and the premium refused, and the billed, allowed and
// disallowed money by source.
type ReconOutcomeJSON struct {
	ID         int64                     `json:"id"`
	Status     string                    `json:"status"`
	ListID     int64                     `json:"list_id"`
	Findings   map[string]FindingOutcome `json:"findings"`
	Billed     map[string]string         `json:"billed"`
	Allowed    map[string]string         `json:"allowed"`
	Disallowed map[string]string         `json:"disallowed"`
}

// FindingOutcome is one finding of a reconciliation outcome.
type FindingOutcome struct {
	Count      int    `json:"count"`
	Disallowed string `json:"disallowed"`
}

// topCauses is how many causes the annual evaluation lists.
const topCauses = 10

func sixOut(m [6]decimal.Decimal) map[string]string {
	out := map[string]string{"premium": amount(m[0])}
	for i, s := range znb.Sources {
		out[string(s)] = amount(m[i+1])
	}
	return out
}

// AnnualOut converts an annual evaluation to its JSON.
func AnnualOut(a *report.Annual) AnnualJSON {
	out := AnnualJSON{AgreementID: a.AgreementID, AgreementNo: a.AgreementNo, County: a.County, Insurer: a.Insurer,
		TermStart: a.Term.Start, TermEnd: a.Term.End, ReportJSON: ReportOut(&a.Report, a.County),
		Coverage:  CoverageJSON{ListID: a.Coverage.ListID, Eligible: a.Coverage.Eligible, Insured: a.Coverage.Insured},
		TopCauses: []CauseJSON{}, Reconciliation: map[string]string{"status": "none"}}
	if v, ok := a.Coverage.Rate(); ok {
		s := v.StringFixed(2)
		out.Coverage.Rate = &s
	}
	for _, c := range a.TopCauses(topCauses) {
		out.TopCauses = append(out.TopCauses, CauseJSON{c.Cause, c.Reported, c.Paid.Count, amount(c.Paid.Amount)})
	}
	if o := a.Reconciliation; o != nil {
		r := ReconOutcomeJSON{ID: o.ID, Status: o.Status, ListID: o.ListID, Findings: map[string]FindingOutcome{},
			Billed: sixOut(o.Billed), Allowed: sixOut(o.Allowed), Disallowed: sixOut(o.Disallowed)}
		for _, f := range o.Findings {
			r.Findings[f.Code] = FindingOutcome{f.Count, amount(f.Disallowed)}
		}
		out.Reconciliation = r
	}
	return out
}

// formatOf is the file format asked for: the route's, else ?format=.
func formatOf(c *fiber.Ctx, route string, allowed ...string) (string, error) {
	f := route
	if f == "" {
		f = strings.ToLower(strings.TrimSpace(c.Query("format")))
	}
	if f == "" || f == "json" {
		return "", nil
	}
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	return "", znb.Errorf(znb.Invalid, "bad_format", "不支持的格式 %q，可选 json 或 %s", f, strings.Join(allowed, "、"))
}

var contentTypes = map[string]string{
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pdf":  "application/pdf",
}

func sendFile(c *fiber.Ctx, format, name string, body []byte) error {
	c.Set(fiber.HeaderContentType, contentTypes[format])
	disp := "attachment"
	if format == "pdf" {
		disp = "inline"
	}
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`%s; filename="%s.%s"`, disp, name, format))
	return c.Send(body)
}

func (s *Server) monthlyReport(route string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		format, err := formatOf(c, route, "xlsx")
		if err != nil {
			return err
		}
		if c.Query("month") == "" {
			return znb.Errorf(znb.Invalid, "month_required", "请给出月份（month=YYYY-MM）")
		}
		month, err := report.ParseMonth(c.Query("month"))
		if err != nil {
			return err
		}
		a := actor(c)
		region := strings.TrimSpace(c.Query("region"))
		r, err := s.DB.MonthlyReport(c.UserContext(), a, region, month)
		if err != nil {
			return err
		}
		if region == "" {
			region = a.Scope
		}
		if format == "" {
			return c.JSON(MonthlyOut(r, region, month))
		}
		var buf bytes.Buffer
		if err := workbook(&buf, func(w report.Writer) error { return report.WriteMonthly(w, r, region, month) }); err != nil {
			return err
		}
		return sendFile(c, format, fmt.Sprintf("monthly-%s-%s", region, month.Start.String()[:7]), buf.Bytes())
	}
}

// workbook writes an XLSX workbook to out through write.
func workbook(out io.Writer, write func(report.Writer) error) error {
	w, err := sheet.NewWriter(out, "xlsx")
	if err != nil {
		return err
	}
	return write(w)
}

func queryID(c *fiber.Ctx, name, what string) (int64, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return 0, znb.Errorf(znb.Invalid, name+"_required", "请给出%s（%s）", what, name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, znb.Errorf(znb.Invalid, "invalid_"+name, "%s 须为正整数：%q", name, v)
	}
	return n, nil
}

func (s *Server) annualReport(route string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		format, err := formatOf(c, route, "xlsx", "pdf")
		if err != nil {
			return err
		}
		id, err := queryID(c, "agreement_id", "协议")
		if err != nil {
			return err
		}
		a, err := s.DB.AnnualReport(c.UserContext(), actor(c), id)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		switch format {
		case "":
			return c.JSON(AnnualOut(a))
		case "xlsx":
			err = workbook(&buf, func(w report.Writer) error { return report.WriteAnnual(w, a) })
		case "pdf":
			var r *card.Renderer
			if r, err = s.letterRenderer(); err == nil {
				err = r.WriteEvaluation(&buf, EvaluationOf(a, znb.Clock(s.Clock).Today()))
			}
		}
		if err != nil {
			return err
		}
		return sendFile(c, format, fmt.Sprintf("annual-%d", id), buf.Bytes())
	}
}

// EvaluationOf lays an annual report out for the evaluation PDF; the title
// names the county when its name is known.
func EvaluationOf(a *report.Annual, today znb.Date) card.Evaluation {
	return card.Evaluation{Title: a.CountyName + "“助农保”年度运行情况评估", Annual: a, Date: today}
}

// claimNotice answers the claim notice (公示) of a village for a month: the
// claims paid in it, names and ID numbers masked.
func (s *Server) claimNotice(c *fiber.Ctx) error {
	id, err := queryID(c, "agreement_id", "协议")
	if err != nil {
		return err
	}
	if c.Query("month") == "" {
		return znb.Errorf(znb.Invalid, "month_required", "请给出月份（month=YYYY-MM）")
	}
	month, err := report.ParseMonth(c.Query("month"))
	if err != nil {
		return err
	}
	village := strings.TrimSpace(c.Query("village"))
	n, err := s.DB.NoticeClaims(c.UserContext(), actor(c), id, village, month)
	if err != nil {
		return err
	}
	r, err := s.letterRenderer()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	nt := NoticeOf(n, month, znb.Clock(s.Clock).Today(), s.DB.Holidays)
	if s.Console != nil && s.BaseURL != "" {
		nt.FormURL = s.BaseURL + "/objection" // the console's public objection form
	}
	if err := r.WriteNotice(&buf, nt); err != nil {
		return err
	}
	return sendFile(c, "pdf", fmt.Sprintf("notice-%s-%s", village, month.Start.String()[:7]), buf.Bytes())
}

// NoticeOf lays paid claims out for the notice, masking every name and ID
// number; the title names the place as far as it is known, e.g.
// 镇远县羊场镇山堡村“助农保”理赔公示.
func NoticeOf(n *store.Notice, month report.Period, today znb.Date, cal objection.Calendar) card.Notice {
	a := n.Agreement
	out := card.Notice{Title: n.Place + "“助农保”理赔公示", Period: report.MonthLabel(month), Insurer: a.Insurer.Name,
		Hotline: a.Insurer.Hotline, IssueDate: today, ObjectionEnd: cal.PeriodEnd(today),
		Rows: make([]card.NoticeRow, len(n.Claims))}
	for i, cl := range n.Claims {
		out.Rows[i] = card.NoticeRow{ClaimNo: cl.ClaimNo, MaskedName: registry.MaskName(cl.Name), MaskedID: registry.MaskID(cl.IDNumber),
			Village: cl.Village, Line: cl.Line, Incident: cl.Incident, Amount: cl.Amount}
	}
	return out
}
