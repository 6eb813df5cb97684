// Package oversight watches the claims side of the scheme: the seven fraud
// signals a claim is checked for when it is reported and again when it is
// assessed, the review note a signalled claim needs before approval, the
// monthly post-payment sample (抽查) and the exclusion list (失信名单). A
// signal is evidence for a person to weigh, never a decision: nothing here
// rejects a claim. It knows nothing of storage or HTTP.
package oversight

import (
	"fmt"
	"sort"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Code names a fraud signal.
type Code string

const (
	EarlyClaim     Code = "early_claim"     // incident within 30 days of the cover start
	Frequent       Code = "frequent"        // third or later claim of a household in a cover year
	AfterDeath     Code = "after_death"     // incident after the recorded death, or after the household left the list
	SharedDocument Code = "shared_document" // a document also on another household's claim
	SharedAccount  Code = "shared_account"  // one bank account for two households
	Cluster        Code = "cluster"         // 5 or more claims of a line in a village within 3 days, no event
	Overlap        Code = "overlap"         // two hospital stays of one person overlap
)

// Codes lists the signals in the order they are shown.
var Codes = []Code{EarlyClaim, Frequent, AfterDeath, SharedDocument, SharedAccount, Cluster, Overlap}

var codeNames = map[Code]string{
	EarlyClaim:     "保障起期后30日内出险",
	Frequent:       "同一保险年度第三次及以上报案",
	AfterDeath:     "死亡或出列后出险",
	SharedDocument: "与他户案件材料相同",
	SharedAccount:  "与他户共用银行账户",
	Cluster:        "同村同险种短期集中报案",
	Overlap:        "住院日期重叠",
}

// Name returns the Chinese name of c.
func (c Code) Name() string { return codeNames[c] }

// Valid reports whether c is one of Codes.
func (c Code) Valid() bool { _, ok := codeNames[c]; return ok }

// CheckCode checks a signal code a list is filtered by; empty means any.
func CheckCode(c Code) error {
	if c != "" && !c.Valid() {
		return znb.Errorf(znb.Invalid, "invalid_signal", "风险信号代码无效：%q", string(c))
	}
	return nil
}

// Signal is one signal raised on a claim with the reason a reviewer reads.
type Signal struct {
	Code   Code
	Reason string
}

// The thresholds of the rules.
const (
	EarlyDays      = 30 // days from the cover start, the start day being day 1
	FrequentFrom   = 3  // the household's third claim of the cover year
	ClusterClaims  = 5  // claims of one line in one village ...
	ClusterDays    = 3  // ... within this many days
	reasonMaxRunes = 500
)

// Stay is a hospital stay, both days included.
type Stay struct{ From, To znb.Date }

func (s Stay) overlaps(o Stay) bool { return !s.To.Before(o.From) && !o.To.Before(s.From) }

func (s Stay) String() string { return s.From.String() + " 至 " + s.To.String() }

// Event is a declared disaster event: claims of its cause in its regions
// within its days are expected to come together, so they make no cluster.
type Event struct {
	Name        string
	Cause       string
	Regions     []string // region-code prefixes: village, township or county
	First, Last znb.Date
}

// Covers reports whether the event covers a claim of cause in village on
// day.
func (e Event) Covers(village, cause string, day znb.Date) bool {
	if e.Cause != cause || day.Before(e.First) || day.After(e.Last) {
		return false
	}
	for _, r := range e.Regions {
		if r != "" && len(village) >= len(r) && village[:len(r)] == r {
			return true
		}
	}
	return false
}

// Neighbour is how many other claims of the same line in the same village
// fell on one day with one cause (Count 0 counts as one).
type Neighbour struct {
	Incident znb.Date
	Cause    string
	Count    int
}

func (n Neighbour) count() int { return max(n.Count, 1) }

// SharedDoc is a document of the claim found on another household's claim.
type SharedDoc struct {
	SHA256      string
	ClaimNo     string // the other claim
	HouseholdNo string // its household
	Insurer     string // its insurer: another insurer's claim is not named
}

// OtherStay is another hospitalization claim of the same person.
type OtherStay struct {
	ClaimNo string
	Stay    Stay
}

// Case is a claim under check with what the caller gathered around it.
// Zero values mean "nothing known": a zero Death means no recorded death.
type Case struct {
	ClaimNo     string
	Insurer     string
	HouseholdNo string
	Member      string // ID number on per-person lines
	Line        znb.Line
	Village     string // the village's region code
	Cause       string
	Incident    znb.Date
	CoverStart  znb.Date // the member's cover start on per-person lines, the household's otherwise
	Stay        Stay     // the hospital stay when assessed; the incident day otherwise

	Death    znb.Date // the member's (or, on a household line, the head's) death as the latest list records it
	LeftList znb.Date // effective date of the first list version without the household

	Earlier    int         // the household's claims of the cover year reported before this one
	Documents  []SharedDoc // the claim's documents also on other households' claims
	Accounts   []string    // other households paid into the household's bank account
	Neighbours []Neighbour // other claims of the line and village within ClusterDays-1 days either side, by day and cause
	Events     []Event     // declared events that may cover the village
	Stays      []OtherStay // the person's other hospitalization claims
}

// Signals checks c against the seven rules and returns the signals raised,
// in the order of Codes.
func Signals(c Case) []Signal {
	var out []Signal
	add := func(code Code, format string, args ...any) {
		r := []rune(fmt.Sprintf(format, args...))
		if len(r) > reasonMaxRunes {
			r = r[:reasonMaxRunes]
		}
		out = append(out, Signal{Code: code, Reason: string(r)})
	}
	if !c.CoverStart.IsZero() && !c.Incident.Before(c.CoverStart) && c.Incident.DaysSince(c.CoverStart) < EarlyDays {
		add(EarlyClaim, "出险日期 %s 是保障起期 %s 后的第 %d 天（%d 天内）", c.Incident, c.CoverStart,
			c.Incident.DaysSince(c.CoverStart)+1, EarlyDays)
	}
	if n := c.Earlier + 1; n >= FrequentFrom {
		add(Frequent, "本户本保险年度第 %d 次报案", n)
	}
	switch {
	case !c.Death.IsZero() && c.Incident.After(c.Death):
		add(AfterDeath, "出险日期 %s 晚于名单记载的死亡日期 %s", c.Incident, c.Death)
	case !c.LeftList.IsZero() && !c.Incident.Before(c.LeftList):
		add(AfterDeath, "出险日期 %s 在该户出列（%s 起的名单已无此户）之后", c.Incident, c.LeftList)
	}
	if len(c.Documents) > 0 {
		d := c.Documents[0]
		where := "户 " + d.HouseholdNo + " 的案件 " + d.ClaimNo
		if d.Insurer != c.Insurer {
			where = "其他承保机构的一件案件"
		}
		add(SharedDocument, "材料（SHA-256 %s…）与%s相同，共 %d 处", short(d.SHA256), where, len(c.Documents))
	}
	if len(c.Accounts) > 0 {
		hs := append([]string(nil), c.Accounts...)
		sort.Strings(hs)
		add(SharedAccount, "本户银行账户也是户 %v 的收款账户", hs)
	}
	if n, from := c.cluster(); n >= ClusterClaims {
		add(Cluster, "同村同险种 %s 至 %s 共 %d 起报案，无已登记的灾害事件", from, from.AddDays(ClusterDays-1), n)
	}
	if c.Line == znb.Hospitalization {
		stay := c.stay()
		for _, o := range c.Stays {
			if stay.overlaps(o.Stay) {
				add(Overlap, "住院 %s 与案件 %s 的住院 %s 重叠", stay, o.ClaimNo, o.Stay)
				break
			}
		}
	}
	return out
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (c Case) stay() Stay {
	if c.Stay.From.IsZero() {
		return Stay{c.Incident, c.Incident}
	}
	return c.Stay
}

// cluster returns the most claims (the claim itself included) of any window
// of ClusterDays days that holds the claim's incident day, counting only
// claims no declared event covers, and the window's first day. A claim an
// event covers is in no cluster.
func (c Case) cluster() (int, znb.Date) {
	if c.covered(c.Village, c.Cause, c.Incident) {
		return 0, znb.Date{}
	}
	best, bestFrom := 0, znb.Date{}
	for from := c.Incident.AddDays(1 - ClusterDays); !from.After(c.Incident); from = from.AddDays(1) {
		to := from.AddDays(ClusterDays - 1)
		n := 1
		for _, o := range c.Neighbours {
			if !o.Incident.Before(from) && !o.Incident.After(to) && !c.covered(c.Village, o.Cause, o.Incident) {
				n += o.count()
			}
		}
		if n > best {
			best, bestFrom = n, from
		}
	}
	return best, bestFrom
}

func (c Case) covered(village, cause string, day znb.Date) bool {
	for _, e := range c.Events {
		if e.Covers(village, cause, day) {
			return true
		}
	}
	return false
}

// CodesOf returns the codes of signals in order.
func CodesOf(signals []Signal) []Code {
	out := make([]Code, len(signals))
	for i, s := range signals {
		out[i] = s.Code
	}
	return out
}
