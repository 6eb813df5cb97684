// Package report holds the aggregation rules of the monthly statistics and
// the annual evaluation: who was covered, what premium was in
// force and earned, which claims were reported, paid and still open, and the
// ratios drawn from them. It is pure: the store feeds it certificates and
// claims one at a time, and it hands back rows by county → township →
// village with exact decimal sums.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Period is a run of days, both ends included.
type Period struct{ Start, End znb.Date }

// Contains reports whether d falls in p.
func (p Period) Contains(d znb.Date) bool {
	return !d.IsZero() && !d.Before(p.Start) && !d.After(p.End)
}

// Days counts p's days.
func (p Period) Days() int { return znb.DaysInclusive(p.Start, p.End) }

// Overlap returns the days of [start, end] that fall in p.
func (p Period) Overlap(start, end znb.Date) int {
	return znb.DaysInclusive(znb.MaxDate(p.Start, start), znb.MinDate(p.End, end))
}

// ParseMonth reads "YYYY-MM" as the period of that calendar month.
func ParseMonth(s string) (Period, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return Period{}, znb.Errorf(znb.Invalid, "invalid_month", "月份须为 YYYY-MM：%q", s)
	}
	start := znb.DateOf(t)
	return Period{start, znb.DateOf(t.AddDate(0, 1, -1))}, nil
}

// Window says what a report counts. Covers are counted and premium earned
// within Cover; claims are counted as reported or paid when their report or
// payment date falls in Claims; claims still open on AsOf are aged on AsOf.
// A monthly report uses the month for all three (cut at today for the
// current month); the annual evaluation counts covers over the term and
// claims from the term start to the day it is drawn up, because claims of
// the term are often paid after it ends.
type Window struct {
	Cover  Period
	Claims Period
	AsOf   znb.Date
}

// MonthlyWindow returns the window of month m drawn up on today: the month, cut at
// today while the month is running. A month that has not begun is refused.
func MonthlyWindow(m Period, today znb.Date) (Window, error) {
	if today.Before(m.Start) {
		return Window{}, znb.Errorf(znb.Invalid, "month_in_future", "%s 尚未开始，无法统计", m.Start.String()[:7])
	}
	m.End = znb.MinDate(m.End, today)
	return Window{Cover: m, Claims: m, AsOf: m.End}, nil
}

// AnnualWindow returns the window of an agreement's term drawn up on today: covers
// and earned premium up to the term end or today, whichever is first; claims
// from the term start up to today.
func AnnualWindow(term Period, today znb.Date) (Window, error) {
	if today.Before(term.Start) {
		return Window{}, znb.Errorf(znb.Invalid, "term_not_started", "协议保险期间 %s 起，尚未开始", term.Start)
	}
	return Window{
		Cover:  Period{term.Start, znb.MinDate(term.End, today)},
		Claims: Period{term.Start, today},
		AsOf:   today,
	}, nil
}

// Age buckets of open claims: days from report to the as-of day.
const (
	Age0to7 = iota
	Age8to30
	Age31to90
	AgeOver90
	ageBuckets
)

// AgeBucketNames are the buckets' labels, in order.
var AgeBucketNames = [ageBuckets]string{"0-7天", "8-30天", "31-90天", "90天以上"}

// AgeBucket returns the bucket of an open claim days old.
func AgeBucket(days int) int {
	switch {
	case days <= 7:
		return Age0to7
	case days <= 30:
		return Age8to30
	case days <= 90:
		return Age31to90
	}
	return AgeOver90
}

// Earned returns the part of a cover's premium earned within p: the premium
// × the cover's days in p ÷ the cover's days, rounded half-up to the cent
// (the pro-rating by days, so a full cover earns exactly its premium).
func Earned(premium decimal.Decimal, start, end znb.Date, p Period) decimal.Decimal {
	return money.ProRate(premium, p.Overlap(start, end), znb.DaysInclusive(start, end))
}

// LossRatio returns paid ÷ earned as a percentage rounded half-up to two
// decimals; false when nothing was earned.
func LossRatio(paid, earned decimal.Decimal) (decimal.Decimal, bool) {
	if !earned.IsPositive() {
		return decimal.Zero, false
	}
	return paid.Mul(decimal.NewFromInt(100)).Div(earned).Round(2), true
}

// CoverageRate returns insured ÷ eligible as a percentage rounded half-up to
// two decimals; false when nobody is eligible.
func CoverageRate(insured, eligible int) (decimal.Decimal, bool) {
	if eligible <= 0 {
		return decimal.Zero, false
	}
	return decimal.NewFromInt(int64(insured)).Mul(decimal.NewFromInt(100)).Div(decimal.NewFromInt(int64(eligible))).Round(2), true
}

// Amount is a count of claims and their money.
type Amount struct {
	Count  int
	Amount decimal.Decimal
}

func (a *Amount) add(b Amount) { a.Count += b.Count; a.Amount = a.Amount.Add(b.Amount) }

// Figures are the numbers of one row.
type Figures struct {
	Households int // certificates with at least one day of cover in the window
	Persons    int // their members with at least one day of cover
	// Premium is the premium of those certificates (index 0) and its split
	// by funding source in the order of znb.Sources (1 to 5).
	Premium [6]decimal.Decimal
	Earned  decimal.Decimal
	// Reported and Paid are by line in the order of znb.AllLines: the four
	// lines of the standard scheme, then the 防贫保 household lines. A
	// reported claim's amount is its assessed payable (nothing until
	// assessed, nothing once rejected); a paid claim's is what was paid.
	Reported, Paid [7]Amount
	DaysToPay      int // the sum over paid claims of the days from report to payment
	Open           [ageBuckets]int
}

// Add adds g to f.
func (f *Figures) Add(g *Figures) {
	f.Households += g.Households
	f.Persons += g.Persons
	for i := range f.Premium {
		f.Premium[i] = f.Premium[i].Add(g.Premium[i])
	}
	f.Earned = f.Earned.Add(g.Earned)
	for i := range f.Reported {
		f.Reported[i].add(g.Reported[i])
		f.Paid[i].add(g.Paid[i])
	}
	f.DaysToPay += g.DaysToPay
	for i := range f.Open {
		f.Open[i] += g.Open[i]
	}
}

func total(xs [7]Amount) Amount {
	var t Amount
	for _, x := range xs {
		t.add(x)
	}
	return t
}

// ReportedTotal and PaidTotal sum the lines.
func (f *Figures) ReportedTotal() Amount { return total(f.Reported) }
func (f *Figures) PaidTotal() Amount     { return total(f.Paid) }

// OpenTotal counts the open claims of every age.
func (f *Figures) OpenTotal() int {
	n := 0
	for _, x := range f.Open {
		n += x
	}
	return n
}

// LossRatio is paid ÷ earned premium in percent (see LossRatio).
func (f *Figures) LossRatio() (decimal.Decimal, bool) {
	return LossRatio(f.PaidTotal().Amount, f.Earned)
}

// AvgDaysToPay is the mean of the days from report to payment of the claims
// paid, rounded half-up to one decimal; false when none was paid.
func (f *Figures) AvgDaysToPay() (decimal.Decimal, bool) {
	n := f.PaidTotal().Count
	if n == 0 {
		return decimal.Zero, false
	}
	return decimal.NewFromInt(int64(f.DaysToPay)).Div(decimal.NewFromInt(int64(n))).Round(1), true
}

// Levels of a row.
const (
	LevelCounty   = "county"
	LevelTownship = "township"
	LevelVillage  = "village"
)

// Row is the figures of one county, township or village.
type Row struct {
	Level  string
	Region string // 6, 9 or 12 digits
	Name   string // the village name as listed, else the region's name when known
	Figures
}

// Certificate is one household's certificate with its member covers, as a
// report reads it.
type Certificate struct {
	No      string
	Region  string // the household's 12-digit region code
	Village string
	Premium decimal.Decimal
	Shares  [5]decimal.Decimal // by znb.Sources
	Covers  []Cover
}

// Cover is one cover period of a member. A cover whose end is before its
// start insured nobody and counts for nothing.
type Cover struct {
	Person     string // ID number
	Start, End znb.Date
	Premium    decimal.Decimal
}

// Claim is a claim as a report reads it.
type Claim struct {
	No         string
	Region     string
	Village    string
	Line       znb.Line
	Cause      string
	ReportedOn znb.Date
	Assessed   bool
	Payable    decimal.Decimal
	PaidOn     znb.Date // zero unless paid
	RejectedOn znb.Date // zero unless rejected
}

// closedOn is the day the claim left the open states, or zero.
func (c *Claim) closedOn() znb.Date {
	if !c.PaidOn.IsZero() {
		return c.PaidOn
	}
	return c.RejectedOn
}

// Cause is how often a cause of loss was reported in the window and what its
// claims were paid in it.
type Cause struct {
	Cause    string
	Reported int
	Paid     Amount
}

// Builder gathers certificates and claims into village figures.
type Builder struct {
	w        Window
	villages map[string]*Row
	causes   map[string]*Cause
	persons  map[string]struct{}
}

// NewBuilder starts a report over window w.
func NewBuilder(w Window) *Builder {
	return &Builder{w: w, villages: map[string]*Row{}, causes: map[string]*Cause{}, persons: map[string]struct{}{}}
}

func (b *Builder) village(region, name string) *Row {
	r := b.villages[region]
	if r == nil {
		r = &Row{Level: LevelVillage, Region: region, Name: name}
		b.villages[region] = r
	}
	if r.Name == "" {
		r.Name = name
	}
	return r
}

// AddCertificate counts a certificate: the household and each person with a
// day of cover in the window, the certificate's premium and shares once, and
// the premium each cover earned in the window. A certificate with no cover
// in the window counts for nothing.
func (b *Builder) AddCertificate(c *Certificate) {
	persons := 0
	earned := decimal.Zero
	clear(b.persons)
	for i := range c.Covers {
		cv := &c.Covers[i]
		if cv.End.Before(cv.Start) || b.w.Cover.Overlap(cv.Start, cv.End) == 0 {
			continue
		}
		if _, seen := b.persons[cv.Person]; !seen {
			b.persons[cv.Person] = struct{}{}
			persons++
		}
		earned = earned.Add(Earned(cv.Premium, cv.Start, cv.End, b.w.Cover))
	}
	if persons == 0 {
		return
	}
	r := b.village(c.Region, c.Village)
	r.Households++
	r.Persons += persons
	r.Premium[0] = r.Premium[0].Add(c.Premium)
	for i, s := range c.Shares {
		r.Premium[i+1] = r.Premium[i+1].Add(s)
	}
	r.Earned = r.Earned.Add(earned)
}

func lineIndex(l znb.Line) int {
	for i, x := range znb.AllLines {
		if x == l {
			return i
		}
	}
	return -1
}

// AddClaim counts a claim as reported when its report date is in the window,
// as paid when its payment date is, and as open when it was reported by the
// as-of day and neither paid nor rejected by then.
func (b *Builder) AddClaim(c *Claim) {
	li := lineIndex(c.Line)
	if li < 0 {
		return
	}
	var f Figures
	counted := false
	cause := b.causes[c.Cause]
	if cause == nil {
		cause = &Cause{Cause: c.Cause}
	}
	if b.w.Claims.Contains(c.ReportedOn) {
		f.Reported[li].Count = 1
		if c.Assessed && c.RejectedOn.IsZero() {
			f.Reported[li].Amount = c.Payable
		}
		cause.Reported++
		counted = true
	}
	if b.w.Claims.Contains(c.PaidOn) {
		f.Paid[li] = Amount{1, c.Payable}
		f.DaysToPay = c.PaidOn.DaysSince(c.ReportedOn)
		cause.Paid.add(f.Paid[li])
		counted = true
	}
	if closed := c.closedOn(); !c.ReportedOn.After(b.w.AsOf) && (closed.IsZero() || closed.After(b.w.AsOf)) {
		f.Open[AgeBucket(b.w.AsOf.DaysSince(c.ReportedOn))] = 1
		counted = true
	}
	if !counted {
		return
	}
	if cause.Reported > 0 || cause.Paid.Count > 0 {
		b.causes[c.Cause] = cause
	}
	b.village(c.Region, c.Village).Add(&f)
}

// Report is a finished report.
type Report struct {
	Window Window
	Rows   []Row // each county, then each of its townships followed by its villages
	Total  Figures
	Causes []Cause // every cause, most reported first
	// Warnings counts the region's warnings raised by the end of the
	// window, by rule and then status, as they stand now; nil for a reader
	// who may not see warnings (the insurer's staff).
	Warnings map[string]map[string]int
}

// Lines are the lines a report shows: the four of the standard scheme, and
// the 防贫保 household lines too when any claim of theirs is counted.
func (r *Report) Lines() []znb.Line {
	for i := len(znb.Lines); i < len(znb.AllLines); i++ {
		if r.Total.Reported[i].Count > 0 || r.Total.Paid[i].Count > 0 {
			return znb.AllLines
		}
	}
	return znb.Lines
}

// Report returns the rows: per county its sum, then per township its sum
// followed by its villages, all in region-code order; the township of a
// village is the first 9 digits of its code, the county the first 6.
func (b *Builder) Report() *Report {
	codes := make([]string, 0, len(b.villages))
	for c := range b.villages {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	out := &Report{Window: b.w, Rows: []Row{}, Causes: []Cause{}}
	county, township := -1, -1 // indexes in Rows of the current sums
	for _, code := range codes {
		v := b.villages[code]
		if county < 0 || !strings.HasPrefix(code, out.Rows[county].Region) {
			out.Rows = append(out.Rows, Row{Level: LevelCounty, Region: prefix(code, 6)})
			county, township = len(out.Rows)-1, -1
		}
		if township < 0 || !strings.HasPrefix(code, out.Rows[township].Region) {
			out.Rows = append(out.Rows, Row{Level: LevelTownship, Region: prefix(code, 9)})
			township = len(out.Rows) - 1
		}
		out.Rows = append(out.Rows, *v)
		out.Rows[county].Add(&v.Figures)
		out.Rows[township].Add(&v.Figures)
		out.Total.Add(&v.Figures)
	}
	for _, c := range b.causes {
		out.Causes = append(out.Causes, *c)
	}
	sort.Slice(out.Causes, func(i, j int) bool {
		a, c := out.Causes[i], out.Causes[j]
		if a.Reported != c.Reported {
			return a.Reported > c.Reported
		}
		if !a.Paid.Amount.Equal(c.Paid.Amount) {
			return a.Paid.Amount.GreaterThan(c.Paid.Amount)
		}
		return a.Cause < c.Cause
	})
	return out
}

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// Unnamed returns the region codes of the rows without a name.
func (r *Report) Unnamed() []string {
	var codes []string
	for i := range r.Rows {
		if r.Rows[i].Name == "" {
			codes = append(codes, r.Rows[i].Region)
		}
	}
	return codes
}

// SetNames names the rows without a name from names, keyed by region code;
// a village keeps the name its household list gives.
func (r *Report) SetNames(names map[string]string) {
	for i := range r.Rows {
		if row := &r.Rows[i]; row.Name == "" {
			row.Name = names[row.Region]
		}
	}
}

// PlaceCodes are the codes whose names make up the place name of a village:
// its county, its township and itself.
func PlaceCodes(village string) []string {
	return []string{prefix(village, 6), prefix(village, 9), village}
}

// PlaceName is a village's name after its county's and township's, as far
// as names (keyed by code) knows them, e.g. 镇远县羊场镇山堡村; listed is the
// village name of the household list, which wins over names.
func PlaceName(village, listed string, names map[string]string) string {
	codes := PlaceCodes(village)
	if listed == "" {
		listed = names[village]
	}
	return names[codes[0]] + names[codes[1]] + listed
}

// TopCauses returns the first n causes of r.
func (r *Report) TopCauses(n int) []Cause {
	if len(r.Causes) < n {
		return r.Causes
	}
	return r.Causes[:n]
}

// Coverage is the share of the listed eligible people that the agreement
// insures.
type Coverage struct {
	ListID   int64 // the list version the agreement was last issued from
	Eligible int   // people of that list the agreement covers (a covered category, a day of cover in the term)
	Insured  int   // of those, people with a cover under the agreement
}

// Rate is Insured ÷ Eligible in percent.
func (c Coverage) Rate() (decimal.Decimal, bool) { return CoverageRate(c.Insured, c.Eligible) }

// Finding is one line of a reconciliation outcome.
type Finding struct {
	Code       string
	Name       string
	Count      int
	Disallowed decimal.Decimal // premium refused
}

// Reconciliation is the outcome of an agreement's latest confirmed or
// settled reconciliation.
type Reconciliation struct {
	ID         int64
	Status     string
	ListID     int64
	Findings   []Finding
	Billed     [6]decimal.Decimal // premium, then by znb.Sources
	Allowed    [6]decimal.Decimal
	Disallowed [6]decimal.Decimal
}

// Annual is the annual evaluation of an agreement (年度运行情况评估).
type Annual struct {
	Report
	AgreementID    int64
	AgreementNo    string
	County         string
	CountyName     string // "" when the county's name is not known
	Insurer        string
	Hotline        string
	Term           Period
	Coverage       Coverage
	Reconciliation *Reconciliation // nil when none is confirmed
}

// MonthLabel is "2024年3月" for a period starting in March 2024.
func MonthLabel(p Period) string {
	t := p.Start.Time()
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

// RegionFor decides the region a report covers for the actor, and the insurer
// whose agreements alone it counts ("" for all): office and auditor default
// to their scope and may narrow it; insurer staff and admin name it, and
// insurer staff count only their own agreements. A region outside the
// actor's scope is not found, as are reports for roles that read none.
func RegionFor(by znb.Actor, region string) (string, string, error) {
	region = strings.TrimSpace(region)
	if region == "" {
		if !by.Regional() {
			return "", "", znb.Errorf(znb.Invalid, "region_required", "请给出行政区划代码（region）")
		}
		region = by.Scope
	}
	region, err := znb.ParseRegion(region)
	if err != nil {
		return "", "", err
	}
	switch {
	case !znb.Can(by, znb.ReadReports):
		return "", "", znb.ErrNotFound("统计区域")
	case by.Role.Insurer():
		return region, by.Scope, nil
	case !by.SeesRegion(region):
		return "", "", znb.ErrNotFound("统计区域")
	}
	return region, "", nil
}

// ParseVillage reads the village of a claims notice: a 12-digit region code.
func ParseVillage(s string) (string, error) {
	v, err := znb.ParseRegion(s, znb.VillageDigits)
	if err != nil {
		return "", znb.Errorf(znb.Invalid, "invalid_village", "村须为 12 位行政区划代码：%q", strings.TrimSpace(s))
	}
	return v, nil
}
