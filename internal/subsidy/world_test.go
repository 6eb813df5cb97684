package subsidy

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Test fixtures: a leap-year term (366 days) at 60.00 a person, the default
// splits of the example agreement, and ID numbers built with their check digit.

var (
	termStart = znb.MustDate("2024-01-01")
	termEnd   = znb.MustDate("2024-12-31")
)

const termDays = 366

var (
	poorPct     = [5]int64{50, 20, 15, 15, 0}
	marginalPct = [5]int64{0, 30, 20, 20, 30}
)

func splitOf(p [5]int64) policy.Split {
	var s policy.Split
	for i, v := range p {
		s[i] = decimal.NewFromInt(v)
	}
	return s
}

func testTerms() Terms {
	return Terms{
		AgreementID:      1,
		Start:            termStart,
		End:              termEnd,
		PremiumPerPerson: decimal.RequireFromString("60.00"),
		Splits: map[znb.Category]policy.Split{
			znb.Lifted:    splitOf(poorPct),
			znb.NotLifted: splitOf(poorPct),
			znb.Marginal:  splitOf(marginalPct),
		},
	}
}

// makeID returns a distinct valid ID number for each n < 10,000,000.
func makeID(n int) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	body := fmt.Sprintf("522625%s%03d", birth.Format("20060102"), n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// wantProRate is the pro-rated premium in cents, half-up, by integer
// arithmetic: 6000 × days ÷ 366.
func wantProRate(days int64) int64 {
	if days <= 0 {
		return 0
	}
	return (6000*days*2 + termDays) / (2 * termDays)
}

// wantSplit splits cents by whole percentages by integer arithmetic: each
// share rounded half-up, the last non-zero source takes the remainder.
func wantSplit(c int64, pct [5]int64) [5]int64 {
	var out [5]int64
	last := -1
	for i, p := range pct {
		if p != 0 {
			last = i
		}
	}
	sum := int64(0)
	for i, p := range pct {
		switch {
		case i == last:
			out[i] = c - sum
		case p != 0:
			n := c * p
			if n >= 0 {
				out[i] = (n + 50) / 100
			} else {
				out[i] = -((-n + 50) / 100)
			}
			sum += out[i]
		}
	}
	return out
}

func pctOf(c znb.Category) [5]int64 {
	if c == znb.Marginal {
		return marginalPct
	}
	return poorPct
}

func yuan(c int64) decimal.Decimal { return decimal.New(c, -2) }
