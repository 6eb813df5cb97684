package subsidy

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestAppendDecimal: the inputs hash writes every amount exactly as
// Decimal.String does, whatever its coefficient and exponent, parsed or
// built; the hash of stored reconciliations depends on it.
func TestAppendDecimal(t *testing.T) {
	var ds []decimal.Decimal
	for _, s := range []string{"0", "0.00", "60", "60.00", "60.5", "60.50", "0.01", "-0.01", "-60.00", "0.001",
		"123456789012345678.5", "1e3", "-1e-20", "999999999999999999", "1000000000000000000", "0.000000000000000001",
		"-9223372036854775808", "9223372036854775807", "-922337203685477580.8", "1e-18", "12.3400"} {
		ds = append(ds, decimal.RequireFromString(s))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		c := r.Int64N(math.MaxInt64) >> r.IntN(63)
		if r.IntN(2) == 0 {
			c = -c
		}
		ds = append(ds, decimal.New(c, int32(r.IntN(24)-21)))
	}
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	ds = append(ds, decimal.NewFromBigInt(huge, -5), decimal.NewFromBigInt(huge, 0))
	for _, d := range ds {
		if got, want := string(appendDecimal(nil, d)), d.String(); got != want {
			t.Errorf("appendDecimal(%v × 10^%d) = %s, want %s", d.Coefficient(), d.Exponent(), got, want)
		}
	}
}
