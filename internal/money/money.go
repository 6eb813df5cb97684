// Package money holds the few rules for amounts of money: rounding half-up to
// the cent, splitting an amount by percentages so the parts add up exactly,
// and the two-decimal text form used in JSON and files.
package money

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var hundred = decimal.NewFromInt(100)

// Zero is 0.00.
var Zero = decimal.Zero

// Round rounds half-up (away from zero on .5) to the cent.
func Round(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// String formats d with exactly two decimals, e.g. "1234.50", rounding
// half-up. An amount of at most two decimals whose cents fit an int64 is
// written from its coefficient: StringFixed works through big.Int and its
// division, and a 医保 feed formats millions of amounts.
func String(d decimal.Decimal) string {
	e := d.Exponent()
	if e < -2 || e > 0 || d.NumDigits()+int(e)+2 > 18 { // cents < 10^18
		return d.StringFixed(2)
	}
	cents := d.CoefficientInt64()
	for ; e > -2; e-- {
		cents *= 10
	}
	var buf [24]byte
	b := buf[:0]
	if cents < 0 {
		b, cents = append(b, '-'), -cents
	}
	b = strconv.AppendInt(b, cents/100, 10)
	return string(append(b, '.', byte('0'+cents/10%10), byte('0'+cents%10)))
}

// maxDigits is how many digits an amount may have before the point: the
// database holds amounts as DECIMAL(18,2).
const maxDigits = 16

// Parse reads an amount of yuan in plain decimal notation: an optional minus
// sign, digits, and optionally a point followed by digits, of which at most
// two may be non-zero ("1.230" is 1.23). It refuses exponents, "Inf", "NaN",
// hexadecimal, a plus sign, spaces, thousands separators and anything that
// does not fit DECIMAL(18,2) (at least 10^16). The error is a *znb.Error with
// code invalid_amount naming field.
func Parse(field, s string) (decimal.Decimal, error) {
	d, ok := Decimal(s, 2)
	if !ok {
		return decimal.Zero, invalid(field, s)
	}
	return d, nil
}

// Decimal reads a number in the plain notation Parse takes, with at most
// places non-zero decimals; ok is false for anything else. Quantities and
// percentages are read with it, each caller bounding the value and naming
// its field and code.
func Decimal(s string, places int32) (d decimal.Decimal, ok bool) {
	if !plain(s) {
		return decimal.Zero, false
	}
	if d, ok, done := small(s, places); done {
		return d, ok
	}
	d, err := decimal.NewFromString(s)
	if err != nil || !d.Equal(d.Round(places)) {
		return decimal.Zero, false
	}
	return d, true
}

// small reads a plain number of at most 18 digits from its digits, as
// NewFromString would (the exponent is minus the count of decimals), without
// big.Int's parsing: a 医保 feed has five amounts a row. done is false for
// a longer number.
func small(s string, places int32) (d decimal.Decimal, ok, done bool) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(whole)+len(frac) > 18 {
		return decimal.Zero, false, false
	}
	if int(places) < len(frac) && strings.Trim(frac[places:], "0") != "" {
		return decimal.Zero, false, true
	}
	var c int64
	for _, digits := range [2]string{whole, frac} {
		for i := 0; i < len(digits); i++ {
			c = c*10 + int64(digits[i]-'0')
		}
	}
	if neg {
		c = -c
	}
	return decimal.New(c, -int32(len(frac))), true, true
}

// plain reports whether s is -?[0-9]+(\.[0-9]+)? with at most maxDigits
// significant digits before the point.
func plain(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	if !digits(whole) || dot && !digits(frac) || len(frac) > 40 {
		return false
	}
	return len(strings.TrimLeft(whole, "0")) <= maxDigits
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func invalid(field, s string) *znb.Error {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return znb.Errorf(znb.Invalid, "invalid_amount", "%s 须为金额（元，最多两位小数，整数部分不超过 %d 位）：%q", field, maxDigits, s)
}

// Amount is a sum of money in JSON: written as a string with two decimals
// ("4500.00"); read from a string or a number by Parse, so that 1e309 or
// 0.001 is refused while decoding.
type Amount struct{ decimal.Decimal }

func (a Amount) MarshalJSON() ([]byte, error) {
	return []byte(`"` + String(a.Decimal) + `"`), nil
}

func (a *Amount) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	d, err := Parse("金额", s)
	if err != nil {
		return err
	}
	a.Decimal = d
	return nil
}

// MustParse is Parse for constants.
func MustParse(s string) decimal.Decimal {
	d, err := Parse("amount", s)
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
// exactly. All-zero percentages give all-zero shares.
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

// Diff returns a less the bs, with the value and exponent that
// a.Sub(b1).Sub(b2)… gives. When every amount has at most two decimals and
// at most 16 digits it is worked out in int64: each Sub makes big.Ints, and
// a 医保 feed works out a million settlements' out-of-pocket, three times.
func Diff(a decimal.Decimal, bs ...decimal.Decimal) decimal.Decimal {
	exp := a.Exponent()
	for _, b := range bs {
		exp = min(exp, b.Exponent())
	}
	c, ok := scaled(a, exp)
	for _, b := range bs {
		if !ok {
			break
		}
		var bc int64
		bc, ok = scaled(b, exp)
		c -= bc
	}
	if !ok {
		for _, b := range bs {
			a = a.Sub(b)
		}
		return a
	}
	return decimal.New(c, exp)
}

// scaled is d's coefficient at the exponent exp (at most d's), when d has
// at most two decimals and its value there at most 16 digits: five of them
// add up well within an int64.
func scaled(d decimal.Decimal, exp int32) (int64, bool) {
	e := d.Exponent()
	if e > 0 || exp < -2 || d.NumDigits()+int(e-exp) > 16 {
		return 0, false
	}
	c := d.CoefficientInt64()
	for ; e > exp; e-- {
		c *= 10
	}
	return c, true
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
// premium of a member covered for days of a term of termDays.
func ProRate(perYear decimal.Decimal, days, termDays int) decimal.Decimal {
	if days <= 0 || termDays <= 0 {
		return decimal.Zero
	}
	if days >= termDays {
		return Round(perYear)
	}
	return Round(perYear.Mul(decimal.NewFromInt(int64(days))).Div(decimal.NewFromInt(int64(termDays))))
}
