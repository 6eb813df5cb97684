package oversight

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// DefaultRate is the share of a month's paid claims sampled, in percent,
// when the draw names none.
var DefaultRate = decimal.NewFromInt(5)

// Month is a calendar month, the unit a sample is drawn for.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return Month{}, znb.Errorf(znb.Invalid, "invalid_month", "月份须为 YYYY-MM：%q", s)
	}
	return Month{t.Year(), t.Month()}, nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// First and Last are the month's first and last days.
func (m Month) First() znb.Date { return znb.NewDate(m.Year, m.Month, 1) }
func (m Month) Last() znb.Date  { return znb.NewDate(m.Year, m.Month+1, 1).AddDays(-1) }

// Span is the month in China Standard Time, start included, end excluded:
// a claim belongs to the month it was paid in there.
func (m Month) Span() (start, end time.Time) {
	start = time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, znb.CST)
	return start, start.AddDate(0, 1, 0)
}

// CheckDrawable refuses a month that has not ended by today: its paid
// claims may still grow, and a sample must be drawn from all of them.
func (m Month) CheckDrawable(today znb.Date) error {
	if !today.After(m.Last()) {
		return znb.Errorf(znb.Conflict, "month_not_over", "%s 尚未结束，月末之后才能抽查该月已支付的案件", m)
	}
	return nil
}

// CheckRate checks a sampling rate in percent: above 0, at most 100, at
// most two decimals.
func CheckRate(rate decimal.Decimal) error {
	if !rate.IsPositive() || rate.GreaterThan(decimal.NewFromInt(100)) || !rate.Equal(rate.Round(2)) {
		return znb.Errorf(znb.Invalid, "invalid_rate", "抽查比例须大于 0、不超过 100（百分比，最多两位小数）：%s", rate)
	}
	return nil
}

// SampleSize is how many of n paid claims a sample at rate percent holds:
// rate × n rounded up, so a sample is never smaller than the rate says, and
// at least one when there is any paid claim; never more than n.
func SampleSize(n int, rate decimal.Decimal) int {
	if n <= 0 {
		return 0
	}
	k := int(decimal.NewFromInt(int64(n)).Mul(rate).Div(decimal.NewFromInt(100)).Ceil().IntPart())
	return min(max(k, 1), n)
}

// Rank is a claim's place in the draw under seed: the SHA-256 of the seed in
// decimal, a colon and the claim number, in hexadecimal. Anyone can
// recompute it (echo -n "SEED:CLAIMNO" | sha256sum).
func Rank(seed uint64, claimNo string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d:%s", seed, claimNo)))
	return fmt.Sprintf("%x", h)
}

// Draw picks size of the claims: those with the lowest Rank under seed.
// The pick depends only on the seed and the set of claim numbers, not on
// their order, so the same seed over the same month gives the same sample.
// The result is in claim-number order.
func Draw(seed uint64, claimNos []string, size int) []string {
	type ranked struct{ no, rank string }
	rs := make([]ranked, len(claimNos))
	for i, no := range claimNos {
		rs[i] = ranked{no, Rank(seed, no)}
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].rank != rs[j].rank {
			return rs[i].rank < rs[j].rank
		}
		return rs[i].no < rs[j].no
	})
	size = min(max(size, 0), len(rs))
	out := make([]string, size)
	for i := range out {
		out[i] = rs[i].no
	}
	sort.Strings(out)
	return out
}

// Outcome is a reviewer's finding on a sampled claim.
type Outcome string

const (
	Pending   Outcome = ""          // not yet reviewed
	Confirmed Outcome = "confirmed" // the payment was right
	Recovered Outcome = "recovered" // (part of) the payment was wrong and is recovered
)

// Valid reports whether o is a finding a reviewer may record.
func (o Outcome) Valid() bool { return o == Confirmed || o == Recovered }

// Name returns the Chinese name of o.
func (o Outcome) Name() string {
	switch o {
	case Confirmed:
		return "核实无误"
	case Recovered:
		return "追回"
	}
	return "待抽查"
}

// Item is one sampled claim and its finding.
type Item struct {
	ClaimNo    string
	Paid       decimal.Decimal // the claim's payable as paid
	Outcome    Outcome
	Recovered  decimal.Decimal // on Recovered: the amount recovered
	Note       string
	Reviewer   string
	ReviewedAt time.Time
}

// Record records a reviewer's finding on the item once: confirmed with no
// amount, or recovered with an amount above zero and at most what was paid.
func (it *Item) Record(a znb.Actor, now time.Time, o Outcome, amount decimal.Decimal, note string) error {
	if !znb.Can(a, znb.SampleClaims) {
		return znb.Errorf(znb.Forbidden, "role_not_allowed", "当前角色无权记录抽查结果")
	}
	if it.Outcome != Pending {
		return znb.Errorf(znb.Conflict, "already_reviewed", "案件 %s 的抽查结果已记录为“%s”", it.ClaimNo, it.Outcome.Name())
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > ReviewNoteMax {
		return znb.Errorf(znb.Invalid, "review_note_too_long", "抽查意见不能超过 %d 字", ReviewNoteMax)
	}
	switch o {
	case Confirmed:
		if !amount.IsZero() {
			return znb.Errorf(znb.Invalid, "amount_not_expected", "核实无误时不填追回金额")
		}
	case Recovered:
		if !amount.IsPositive() || !amount.Equal(amount.Round(2)) || amount.GreaterThan(it.Paid) {
			return znb.Errorf(znb.Invalid, "invalid_recovered_amount", "追回金额须大于 0、最多两位小数，且不超过已支付的 %s", it.Paid.StringFixed(2))
		}
		if note == "" {
			return znb.Errorf(znb.Invalid, "review_note_required", "追回须说明原因")
		}
	default:
		return znb.Errorf(znb.Invalid, "invalid_outcome", "抽查结果须为 confirmed 或 recovered：%q", string(o))
	}
	it.Outcome, it.Recovered, it.Note, it.Reviewer, it.ReviewedAt = o, amount, note, a.Username, now
	return nil
}

// Tally is what the samples of an insurer and month came to.
type Tally struct {
	Insurer         string
	Month           string
	Population      int // paid claims the samples were drawn from
	Sampled         int
	Confirmed       int
	Recovered       int
	Pending         int
	Paid            decimal.Decimal // paid on the sampled claims
	RecoveredAmount decimal.Decimal
}

// Add counts one sampled item.
func (t *Tally) Add(it Item) {
	t.Sampled++
	t.Paid = t.Paid.Add(it.Paid)
	switch it.Outcome {
	case Confirmed:
		t.Confirmed++
	case Recovered:
		t.Recovered++
		t.RecoveredAmount = t.RecoveredAmount.Add(it.Recovered)
	default:
		t.Pending++
	}
}

// SampleUnit checks who asks for which sample: insurer staff for their
// insurer, offices within their region (their own by default), admin for
// any; the insurer must be named.
func SampleUnit(by znb.Actor, insurer, region string) (string, string, error) {
	insurer, region = strings.TrimSpace(insurer), strings.TrimSpace(region)
	if by.Role.Insurer() && insurer == "" {
		insurer = by.Scope
	}
	if by.Regional() && region == "" {
		region = by.Scope
	}
	if insurer == "" {
		return "", "", znb.Errorf(znb.Invalid, "insurer_required", "须指明承保机构代码")
	}
	if region != "" {
		if _, err := znb.ParseRegion(region); err != nil {
			return "", "", err
		}
	}
	if by.Role.Insurer() && insurer != by.Scope || by.Regional() && !strings.HasPrefix(region, by.Scope) {
		return "", "", znb.ErrNotFound("抽查范围")
	}
	return insurer, region, nil
}
