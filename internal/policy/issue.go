package policy

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// ListedMember is a member as one list version holds them: what issuing
// needs of the registry. IDNumber identifies the person across versions.
type ListedMember struct {
	IDNumber string
	Name     string
	// Left is the status_date of a member who died or moved out; zero while
	// they live in the household.
	Left znb.Date
}

// ListedHousehold is a household as one list version holds it.
type ListedHousehold struct {
	No       string
	Category znb.Category
	Members  []ListedMember
}

// Insured is one cover written on a certificate: who, for which days, at
// what premium. A member removed and later listed again has two. Name and
// relation are as the list held them when the cover was written.
type Insured struct {
	IDNumber string
	Name     string
	Relation string
	Cover    Cover
	Premium  decimal.Decimal
}

// Exclusion reasons, stable codes shown in issue reports.
const (
	ReasonCategoryNotCovered = "category_not_covered"
	ReasonNoLivingMember     = "no_living_member"
	ReasonAlreadyCovered     = "already_covered"
)

// Exclusion says why a household, or one member of it (IDNumber set), is
// not insured. OtherCertificate names the certificate of another agreement
// that already covers the member.
type Exclusion struct {
	HouseholdNo      string
	IDNumber         string
	Reason           string
	Message          string
	OtherCertificate string
}

// CoverLookup finds a certificate of another active agreement that covers
// the person on some day of c, so a person is never insured twice. The
// caller decides how it searches (a preloaded map for bulk issue, a query
// otherwise); it must not report the certificate being planned.
type CoverLookup func(idNumber string, c Cover) (certificateNo string, found bool, err error)

// Decision is what an agreement does with one listed household: the members
// it insures, and every exclusion of the household or of a member. A
// household is eligible when at least one member is insured.
type Decision struct {
	Members  []Insured
	Excluded []Exclusion
}

// Eligible reports whether the household gets a certificate.
func (d Decision) Eligible() bool { return len(d.Members) > 0 }

// Premium is the certificate premium: the sum of its members' premiums.
func (d Decision) Premium() decimal.Decimal { return sumPremiums(d.Members) }

// Decide applies the eligibility rules to a household of a list
// version effective on the given day: its category must be covered, some
// member must be insured by the cover rules (CoverOf), and a member already
// covered by another agreement is left out, naming that certificate.
func Decide(a *Agreement, h ListedHousehold, effective znb.Date, lookup CoverLookup) (Decision, error) {
	var d Decision
	if !a.Covers(h.Category) {
		d.Excluded = append(d.Excluded, Exclusion{HouseholdNo: h.No, Reason: ReasonCategoryNotCovered,
			Message: "协议不承保“" + h.Category.Name() + "”"})
		return d, nil
	}
	living := 0
	for _, m := range h.Members {
		c, ok := CoverOf(a.Term, Presence{Since: effective, Left: m.Left})
		if !ok {
			continue
		}
		living++
		ins, ex, err := admit(a, h.No, m.IDNumber, c, lookup)
		if err != nil {
			return Decision{}, err
		}
		if ex != nil {
			d.Excluded = append(d.Excluded, *ex)
			continue
		}
		d.Members = append(d.Members, ins)
	}
	if living == 0 {
		d.Excluded = append(d.Excluded, Exclusion{HouseholdNo: h.No, Reason: ReasonNoLivingMember,
			Message: "该户在保险期间内没有在世且在册的成员"})
	}
	return d, nil
}

// admit insures one person for cover c unless another agreement covers them.
func admit(a *Agreement, household, id string, c Cover, lookup CoverLookup) (Insured, *Exclusion, error) {
	if lookup != nil {
		other, found, err := lookup(id, c)
		if err != nil {
			return Insured{}, nil, znb.Wrap(err, "查询重复承保")
		}
		if found {
			return Insured{}, &Exclusion{HouseholdNo: household, IDNumber: id, Reason: ReasonAlreadyCovered,
				OtherCertificate: other, Message: "该成员已由其他协议的分户凭证 " + other + " 承保"}, nil
		}
	}
	return Insured{IDNumber: id, Cover: c, Premium: a.Premium(c)}, nil, nil
}

func sumPremiums(ms []Insured) decimal.Decimal {
	s := decimal.Zero
	for _, m := range ms {
		s = s.Add(m.Premium)
	}
	return s
}
