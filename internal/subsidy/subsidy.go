// Package subsidy reconciles an insurer's premium-subsidy bill against the
// office's household list. Every billed row and every eligible
// listed person ends in exactly one finding, and each row's subsidy is split
// into what the funding sources allow and what they refuse. The package is
// pure: the store feeds it the agreement, the list and a stream of bill rows,
// and takes the detail rows back through a callback so that a million-row
// bill never sits in memory twice.
package subsidy

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Finding is the outcome of one billed row or one listed person.
type Finding string

const (
	Matched             Finding = "matched"
	NotOnList           Finding = "not_on_list"
	IneligibleCategory  Finding = "ineligible_category"
	DeceasedBeforeStart Finding = "deceased_before_start"
	DuplicateBilling    Finding = "duplicate_billing"
	PremiumMismatch     Finding = "premium_mismatch"
	CategoryMismatch    Finding = "category_mismatch"
	NameMismatch        Finding = "name_mismatch"
	NotInsured          Finding = "not_insured"
)

// Findings lists every finding in the order of the findings table, which is also
// the order results are reported in.
var Findings = []Finding{Matched, NotOnList, IneligibleCategory, DeceasedBeforeStart,
	DuplicateBilling, PremiumMismatch, CategoryMismatch, NameMismatch, NotInsured}

var findingNames = map[Finding]string{
	Matched:             "核对一致",
	NotOnList:           "名单外人员",
	IneligibleCategory:  "户类型不在保障范围",
	DeceasedBeforeStart: "起保前已死亡或迁出",
	DuplicateBilling:    "重复申报",
	PremiumMismatch:     "保费不符",
	CategoryMismatch:    "户类型不符",
	NameMismatch:        "姓名不符",
	NotInsured:          "应保未保",
}

// Name returns the Chinese name of f, as printed on the statement.
func (f Finding) Name() string { return findingNames[f] }

// Valid reports whether f is one of Findings.
func (f Finding) Valid() bool { _, ok := findingNames[f]; return ok }

// CheckFilter refuses a finding asked for as a filter that is none of
// Findings (invalid_finding); empty, meaning every finding, passes.
func (f Finding) CheckFilter() error {
	if f != "" && !f.Valid() {
		return znb.Errorf(znb.Invalid, "invalid_finding", "未知的核对结果：%q", f)
	}
	return nil
}

func (f Finding) index() int {
	for i, g := range Findings {
		if g == f {
			return i
		}
	}
	return -1
}

// Terms are the parts of an agreement a reconciliation needs. The covered
// categories are the keys of Splits.
type Terms struct {
	AgreementID      int64
	Start, End       znb.Date // inclusive
	PremiumPerPerson decimal.Decimal
	Splits           map[znb.Category]policy.Split
}

// Covers reports whether the agreement insures category c.
func (t Terms) Covers(c znb.Category) bool { _, ok := t.Splits[c]; return ok }

// Days counts the days of the term, both ends included.
func (t Terms) Days() int { return znb.DaysInclusive(t.Start, t.End) }

func (t Terms) validate() error {
	if t.Start.IsZero() || t.End.IsZero() || t.End.Before(t.Start) {
		return znb.Errorf(znb.Invalid, "agreement_bad_term", "协议保险期间无效：%s 至 %s", t.Start, t.End)
	}
	if t.PremiumPerPerson.IsNegative() || !t.PremiumPerPerson.Equal(t.PremiumPerPerson.Round(2)) {
		return znb.Errorf(znb.Invalid, "agreement_bad_premium", "协议人均保费无效：%s", t.PremiumPerPerson)
	}
	if len(t.Splits) == 0 {
		return znb.Errorf(znb.Invalid, "agreement_no_category", "协议未约定保障的户类型")
	}
	return nil
}

// MemberStatus is a listed person's 成员状态.
type MemberStatus string

const (
	Normal   MemberStatus = "normal"
	Deceased MemberStatus = "deceased"
	MovedOut MemberStatus = "moved_out"
)

// Gone reports whether the person died or moved out, so that StatusDate ends
// their cover.
func (s MemberStatus) Gone() bool { return s == Deceased || s == MovedOut }

// Entry is one person of the office's list version.
type Entry struct {
	IDNumber    string
	Name        string
	HouseholdNo string
	Category    znb.Category
	Status      MemberStatus
	StatusDate  znb.Date // the day of death or moving out, which is still covered
	// CoverFrom is the effective date of the list version that first brought
	// the person in; zero means from the term start.
	CoverFrom znb.Date
}

// Cover returns the period the list insures e within the term: from
// the later of the term start and CoverFrom, to the term end or the status
// date of a death or move. End is before start when the list gives no cover.
func (t Terms) Cover(e *Entry) (start, end znb.Date) {
	start, end = znb.MaxDate(t.Start, e.CoverFrom), t.End
	if e.Status.Gone() && !e.StatusDate.IsZero() && e.StatusDate.Before(end) {
		end = e.StatusDate
	}
	return start, end
}

// Eligible reports whether the list entitles e to cover under the agreement:
// a covered category and at least one day of cover.
func (t Terms) Eligible(e *Entry) bool {
	s, en := t.Cover(e)
	return t.Covers(e.Category) && !en.Before(s)
}

// Row is one billed person: a row of an uploaded statement, or one insured
// member of an issued certificate when the bill is computed by the platform.
type Row struct {
	// Row is the file row as a spreadsheet shows it (header is row 1); for a
	// computed bill, the row the member would take in the exported statement.
	Row           int
	CertificateNo string // set when the bill is computed from certificates
	HouseholdNo   string
	IDNumber      string
	Name          string
	Category      znb.Category
	CoverageStart znb.Date
	CoverageEnd   znb.Date
	Premium       decimal.Decimal // the member's premium, at most two decimals
}

// OtherCover reports whether another active agreement over an overlapping
// term already covers the person, naming its certificate.
type OtherCover func(idNumber string) (certificateNo string, agreementID int64, ok bool)

// Money is a premium and its split by funding source, in the order of
// znb.Sources.
type Money struct {
	Premium decimal.Decimal
	Sources [5]decimal.Decimal
}

// Of returns the share of source s.
func (m Money) Of(s znb.Source) decimal.Decimal {
	for i, x := range znb.Sources {
		if x == s {
			return m.Sources[i]
		}
	}
	return decimal.Zero
}

// Detail is the outcome of one billed row or one not-insured listed person.
type Detail struct {
	Row            int // bill row; 0 for not_insured
	CertificateNo  string
	HouseholdNo    string
	IDNumber       string
	Name           string       // as billed; the list's for not_insured
	ListCategory   znb.Category // empty when not on the list
	BilledCategory znb.Category // empty for not_insured
	CoverageStart  znb.Date     // as billed; the list's cover for not_insured
	CoverageEnd    znb.Date
	Finding        Finding
	// Expected is the premium the list gives for the billed period: zero when
	// the person is not on the list, not covered or gone before the start;
	// for not_insured, the premium of the uncovered period.
	Expected   decimal.Decimal
	Difference decimal.Decimal // billed premium − expected
	Billed     Money           // billed premium split by the billed category
	Allowed    Money           // allowed premium split by the list's category
	Disallowed Money           // billed − allowed, per source
	Note       string
}

// Tally sums the rows of one finding.
type Tally struct {
	Finding    Finding
	Count      int
	Billed     decimal.Decimal
	Expected   decimal.Decimal
	Allowed    decimal.Decimal
	Disallowed decimal.Decimal
}

// Premium is the amount reported next to the count: the billed premium, or
// for not_insured the premium of the gap.
func (t Tally) Premium() decimal.Decimal {
	if t.Finding == NotInsured {
		return t.Expected
	}
	return t.Billed
}

// Result is a reconciliation's summary; totals are sums of the rounded rows,
// so Billed = Allowed + Disallowed for the premium and every source.
type Result struct {
	Findings   []Tally // one per finding, in the order of Findings
	Billed     Money
	Allowed    Money
	Disallowed Money
	Rows       int // bill rows read
	Listed     int // list entries
	Eligible   int // list entries the agreement covers
	InputsHash string
}

// Tally returns the tally of finding f.
func (r *Result) Tally(f Finding) Tally {
	if i := f.index(); i >= 0 && i < len(r.Findings) {
		return r.Findings[i]
	}
	return Tally{Finding: f}
}
