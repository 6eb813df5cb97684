// Package money holds the few rules for amounts of money: rounding half-up to
// the cent, splitting an amount by percentages so the parts add up exactly,
// and the two-decimal text form used in JSON and files.
package money

import (
	"fmt"

	"github.com/shopspring/decimal"
)

var hundred = decimal.NewFromInt(100)

// Zero is 0.00.
var Zero = decimal.Zero

// Round rounds half-up (away from zero on .5) to the cent.
func Round(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// String formats d with exactly two decimals, e.g. "1234.50".
func String(d decimal.Decimal) string { return d.StringFixed(2) }

// Parse reads a decimal amount of yuan; it refuses more than two decimals
// and anything that is not a plain number.
func Parse(s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, fmt.Errorf("not an amount: %q", s)
	}
	if d.Exponent() < -2 && !d.Equal(d.Round(2)) {
		return decimal.Zero, fmt.Errorf("more than two decimals: %q", s)
	}
	return d, nil
}

// MustParse is Parse for constants.
func MustParse(s string) decimal.Decimal {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Percent returns amount × pct%, unrounded.
func Percent(amount, pct decimal.Decimal) decimal.Decimal { return amount.Mul(pct).Div(hundred) }

// Split divides amount by the percentages pcts (in the fixed order of funding
// sources). Each share is rounded half-up to the cent; the last share with a
// non-zero percentage takes the remainder, so the shares add up to amount
// exactly (SPEC §5). All-zero percentages give all-zero shares.
func Split(amount decimal.Decimal, pcts []decimal.Decimal) []decimal.Decimal {
	out := make([]decimal.Decimal, len(pcts))
	last := -1
	for i, p := range pcts {
		if !p.IsZero() {
			last = i
		}
	}
	sum := decimal.Zero
	for i, p := range pcts {
		switch {
		case i == last:
			out[i] = amount.Sub(sum)
		case p.IsZero():
			out[i] = decimal.Zero
		default:
			out[i] = Round(Percent(amount, p))
			sum = sum.Add(out[i])
		}
	}
	return out
}

// Sum adds amounts.
func Sum(ds ...decimal.Decimal) decimal.Decimal {
	s := decimal.Zero
	for _, d := range ds {
		s = s.Add(d)
	}
	return s
}

// Max returns the larger of a and b.
func Max(a, b decimal.Decimal) decimal.Decimal {
	if a.GreaterThan(b) {
		return a
	}
	return b
}

// Min returns the smaller of a and b.
func Min(a, b decimal.Decimal) decimal.Decimal {
	if a.LessThan(b) {
		return a
	}
	return b
}

// ProRate returns perYear × days ÷ termDays rounded half-up to the cent: the
// premium of a member covered for days of a term of termDays (SPEC §5).
func ProRate(perYear decimal.Decimal, days, termDays int) decimal.Decimal {
	if days <= 0 || termDays <= 0 {
		return decimal.Zero
	}
	if days >= termDays {
		return Round(perYear)
	}
	return Round(perYear.Mul(decimal.NewFromInt(int64(days))).Div(decimal.NewFromInt(int64(termDays))))
}
