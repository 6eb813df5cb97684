package policy

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Cover is the period a member is insured, both days included. A cover
// whose End is before its Start insures nobody: it is what is left of a
// member removed before their cover began.
type Cover = Term

// Presence is what the household lists say about one member, which is all
// that decides their cover.
type Presence struct {
	// Since is the effective date of the list version that first brought
	// the member in under this agreement.
	Since znb.Date
	// Left is the status_date of a member who died or moved out; zero for a
	// member living in the household.
	Left znb.Date
	// Dropped is the effective date of a newer list version that no longer
	// holds the member or their household; zero while they are listed.
	Dropped znb.Date
}

// CoverOf returns the cover of a member under term, and false when the
// member is not insured at all (their cover would end before it starts, e.g.
// a status_date before the term or before the list brought them in).
// The cover starts on the later of the term start and Since, and ends on the
// earliest of the term end, Left (the day of death is covered) and the day
// before Dropped.
func CoverOf(term Term, p Presence) (Cover, bool) {
	c := Cover{Start: znb.MaxDate(term.Start, p.Since), End: term.End}
	if !p.Left.IsZero() {
		c.End = znb.MinDate(c.End, p.Left)
	}
	if !p.Dropped.IsZero() {
		c.End = znb.MinDate(c.End, p.Dropped.AddDays(-1))
	}
	return c, c.Days() > 0
}

// Premium is the premium of one cover: the yearly premium per person × days
// covered ÷ days in the term, half-up to the cent. An empty cover
// costs nothing.
func Premium(perPerson decimal.Decimal, term Term, c Cover) decimal.Decimal {
	return money.ProRate(perPerson, c.Days(), term.Days())
}

// Premium is the premium the agreement charges for cover c.
func (a *Agreement) Premium(c Cover) decimal.Decimal {
	return Premium(a.PremiumPerPerson, a.Term, c)
}
