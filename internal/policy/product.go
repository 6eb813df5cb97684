// Package policy holds products, agreements and the rules of issuing policies:
// who is covered, from when to when, at what premium, and how the premium is
// split among funding sources. It knows nothing of storage or HTTP.
package policy

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Product is a versioned insurance product: data, not code.
type Product struct {
	Code             string
	Version          int
	Name             string
	PremiumPerPerson decimal.Decimal // default; an agreement may set another
	Lines            []LineTerms     // in the order of znb.Lines; a line absent here is not offered
	DefaultSplit     map[znb.Category]Split
}

// Line returns the terms of line l, or nil when the product does not offer it.
func (p *Product) Line(l znb.Line) *LineTerms {
	for i := range p.Lines {
		if p.Lines[i].Line == l {
			return &p.Lines[i]
		}
	}
	return nil
}

// Per says whose limit a line's claims consume.
type Per string

const (
	PerHousehold Per = "household"
	PerPerson    Per = "person"
)

// LineTerms are the terms of one coverage line. Percentages are in percent
// (90 means 90%).
type LineTerms struct {
	Line             znb.Line
	Covers           string   // what it covers, printed on the card
	Causes           []string // covered causes, e.g. 火灾, 自然灾害
	Limit            decimal.Decimal
	LimitPer         Per
	Deductible       decimal.Decimal // per claim
	Ratio            decimal.Decimal // payout ratio in percent; 100 when unset
	ReportWithinDays int
	Documents        []string // claim documents required

	// Hospitalization, 防贫保 style: nothing at or below TriggerLine, then each
	// tier's ratio on the part of the out-of-pocket amount inside the tier.
	// When Tiers is empty the deductible × ratio rule applies.
	TriggerLine decimal.Decimal
	Tiers       []Tier

	// Property: sub-limit per loss category (structure, decoration, appliances).
	SubLimits map[string]decimal.Decimal

	// Accident: percent of the sum insured paid per disability grade 1–10,
	// and the table mapping third-degree burns to a grade.
	DisabilityPct map[int]decimal.Decimal
	BurnTable     []BurnRule
}

// CoversCause reports whether cause is covered by the line.
func (t *LineTerms) CoversCause(cause string) bool {
	for _, c := range t.Causes {
		if c == cause {
			return true
		}
	}
	return false
}

// Tier is one band of a tiered payout: From < amount ≤ To pays Ratio percent
// of the part inside the band. A zero To means no upper bound.
type Tier struct {
	From, To decimal.Decimal
	Ratio    decimal.Decimal
}

// BurnRule maps a third-degree burn of at least MinPct percent of body
// surface on Site to a disability grade. Rules of a site are tried from the
// largest MinPct down.
type BurnRule struct {
	Site   string // head_neck or trunk_limbs
	MinPct decimal.Decimal
	Grade  int
}

// Property loss categories.
const (
	Structure  = "structure"
	Decoration = "decoration"
	Appliances = "appliances"
)

// Split is the percentage of the premium each funding source pays, in the
// order of znb.Sources; it must add up to 100.
type Split [5]decimal.Decimal

// Of returns the percentage of source s.
func (s Split) Of(src znb.Source) decimal.Decimal {
	for i, x := range znb.Sources {
		if x == src {
			return s[i]
		}
	}
	return decimal.Zero
}

// Total adds the percentages.
func (s Split) Total() decimal.Decimal {
	t := decimal.Zero
	for _, p := range s {
		t = t.Add(p)
	}
	return t
}
