package policy

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Bounds of the figures of products and agreements. They are far beyond any
// real poverty-relief product (the standard one charges 60.00 a person and
// its largest limit is 30,000.00; the 防贫保 variant's is 50,000.00), so they
// only refuse typing errors and hostile input, and they keep every sum the
// platform makes (premiums of a million people, a year's claims) far inside
// the DECIMAL(18,2) columns that hold them.
var (
	// MaxPremium is the most a person's premium for the term may be.
	MaxPremium = decimal.NewFromInt(10_000)
	// MaxSum bounds limits, sub-limits, deductibles, trigger lines and tier
	// bounds.
	MaxSum = decimal.NewFromInt(10_000_000)
)

const (
	// MaxVersion bounds a product's version number (an INTEGER column).
	MaxVersion = 9999
	// MaxReportDays bounds a line's reporting deadline: a year.
	MaxReportDays = 365
	// FirstYear and LastYear bound the dates of a term.
	FirstYear, LastYear = 2000, 2100
	// MaxTermDays bounds a term: the premium is a premium per person per
	// year and limits run per policy year, so a term may be shorter than a
	// year but never longer (366 days in a leap year).
	MaxTermDays = 366
)

// checkMax reports an amount above max.
func checkMax(ps *problems, field string, d, max decimal.Decimal) {
	if d.GreaterThan(max) {
		ps.add(field, "金额 %s 超过上限 %s 元", money.String(d), money.String(max))
	}
}

// checkYears reports a date of the term outside FirstYear–LastYear.
func (t Term) checkYears(ps *problems) {
	for _, e := range []struct {
		field string
		d     znb.Date
	}{{"term.start", t.Start}, {"term.end", t.End}} {
		if !e.d.IsZero() && (e.d.Year() < FirstYear || e.d.Year() > LastYear) {
			ps.add(e.field, "日期 %s 须在 %d 年至 %d 年之间", e.d, FirstYear, LastYear)
		}
	}
}

// Check says whether the term can carry an agreement (term_invalid): both
// dates set, the end not before the start, both in FirstYear–LastYear, and
// at most MaxTermDays long. The bounds' refusals name the field.
func (t Term) Check() error {
	if t.Start.IsZero() || t.End.IsZero() || t.End.Before(t.Start) {
		return znb.Errorf(znb.Invalid, "term_invalid", "保险期间终止日 %s 早于起始日 %s", t.End, t.Start)
	}
	var ps problems
	t.checkYears(&ps)
	if len(ps) == 0 && t.Days() > MaxTermDays {
		ps.add("term.end", "保险期间 %s 至 %s 共 %d 天，不能超过一年（%d 天）", t.Start, t.End, t.Days(), MaxTermDays)
	}
	return ps.err("term_invalid", "保险期间")
}
