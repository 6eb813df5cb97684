package policy

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// EndorsementType names what an endorsement (批改) does.
type EndorsementType string

const (
	MemberAdded          EndorsementType = "member_added"
	MemberRemoved        EndorsementType = "member_removed"
	HouseholdAdded       EndorsementType = "household_added"
	CertificateCancelled EndorsementType = "certificate_cancelled"
)

// Endorsement is one change to a certificate. PremiumDelta is the sum of
// its changes' new premiums less their old ones, so a certificate's premium
// always equals its issued premium plus its endorsements' deltas (for a
// certificate created by household_added, the deltas alone).
//
// Effective is the first day the change holds: the new cover's start for an
// addition, the status_date for a death or move (the day of death is still
// covered, so the cover ends on Effective), and the newer list version's
// effective date for a member or household the list no longer holds (the
// cover ends the day before).
type Endorsement struct {
	Type         EndorsementType
	Effective    znb.Date
	PremiumDelta decimal.Decimal
	Changes      []Change
}

// Change is one member's cover before and after an endorsement. Old is the
// zero Insured for an addition; an emptied cover (End before Start) has a
// zero premium.
type Change struct {
	Old, New Insured
}

// Plan is what applying a newer list version to one household does.
type Plan struct {
	Endorsements []Endorsement
	Excluded     []Exclusion
}

// PlanEndorsements compares a certificate (nil when the household has none)
// with the household as a newer list version effective on the given day
// holds it (nil when that version no longer lists it), and returns the
// endorsements to write:
//   - household_added: a listed, eligible household without a live
//     certificate gets one;
//   - certificate_cancelled: a household no longer listed, or whose category
//     the agreement no longer covers, loses its cover from the effective day;
//   - member_removed: a member who died or moved out loses cover after
//     their status_date, a member no longer listed from the effective day;
//   - member_added: a living listed member without cover gets it from the
//     effective day (or the term start).
//
// Planning again after applying the plan (Apply) yields nothing, so a
// resumed run writes no duplicates.
func PlanEndorsements(a *Agreement, cert *Certificate, h *ListedHousehold, effective znb.Date, lookup CoverLookup) (Plan, error) {
	var plan Plan
	if cert == nil || cert.Cancelled() {
		if h == nil {
			return plan, nil
		}
		d, err := Decide(a, *h, effective, lookup)
		if err != nil || !d.Eligible() {
			return Plan{Excluded: d.Excluded}, err
		}
		e := Endorsement{Type: HouseholdAdded, Effective: effective}
		for _, m := range d.Members {
			e.Changes = append(e.Changes, Change{New: m})
		}
		plan.add(e)
		plan.Excluded = d.Excluded
		return plan, nil
	}

	if h == nil || !a.Covers(h.Category) {
		e := Endorsement{Type: CertificateCancelled, Effective: effective}
		for _, m := range cert.Members {
			if ch, ok := shorten(a, m, effective.AddDays(-1)); ok {
				e.Changes = append(e.Changes, ch)
			}
		}
		plan.add(e)
		return plan, nil
	}

	listed := make(map[string]ListedMember, len(h.Members))
	for _, m := range h.Members {
		listed[m.IDNumber] = m
	}
	for _, m := range cert.Members {
		lm, ok := listed[m.IDNumber]
		e := Endorsement{Type: MemberRemoved, Effective: effective}
		end := effective.AddDays(-1)
		if ok {
			if lm.Left.IsZero() {
				continue
			}
			e.Effective, end = lm.Left, lm.Left
		}
		if ch, ok := shorten(a, m, end); ok {
			e.Changes = append(e.Changes, ch)
			plan.add(e)
		}
	}

	for _, lm := range h.Members {
		if !wantsCover(a, cert, lm) {
			continue
		}
		c, ok := CoverOf(a.Term, Presence{Since: effective, Left: lm.Left})
		if !ok {
			continue
		}
		ins, ex, err := admit(a, h.No, lm.IDNumber, c, lookup)
		if err != nil {
			return Plan{}, err
		}
		if ex != nil {
			plan.Excluded = append(plan.Excluded, *ex)
			continue
		}
		plan.add(Endorsement{Type: MemberAdded, Effective: c.Start, Changes: []Change{{New: ins}}})
	}
	return plan, nil
}

// wantsCover reports whether a listed member of a live certificate should be
// added: a newcomer, or a living member whose every cover has ended early
// (dropped by an earlier version and listed again). A member who died or
// moved out is never added back once they were on the certificate.
func wantsCover(a *Agreement, cert *Certificate, lm ListedMember) bool {
	seen := false
	for _, m := range cert.Members {
		if m.IDNumber != lm.IDNumber {
			continue
		}
		seen = true
		if m.Cover.End == a.Term.End && m.Cover.Days() > 0 {
			return false
		}
	}
	return !seen || lm.Left.IsZero()
}

// shorten ends cover m on end at the latest, emptying it when end comes
// before its start; false when the cover already ends by then.
func shorten(a *Agreement, m Insured, end znb.Date) (Change, bool) {
	if m.Cover.Days() == 0 || !end.Before(m.Cover.End) {
		return Change{}, false
	}
	n := m
	n.Cover.End = znb.MaxDate(end, m.Cover.Start.AddDays(-1))
	n.Premium = a.Premium(n.Cover)
	return Change{Old: m, New: n}, true
}

func (p *Plan) add(e Endorsement) {
	e.PremiumDelta = decimal.Zero
	for _, c := range e.Changes {
		e.PremiumDelta = e.PremiumDelta.Add(c.New.Premium.Sub(c.Old.Premium))
	}
	p.Endorsements = append(p.Endorsements, e)
}

// Apply returns the certificate as it stands after the endorsements: the
// reference for what a store writes. A household_added on a nil certificate
// makes a new one (numbered by the caller); a cancelled certificate listed
// again is revived with the new covers. With no certificate and nothing
// creating one, the answer is nil.
func Apply(cert *Certificate, es []Endorsement) *Certificate {
	if cert == nil && len(es) == 0 {
		return nil
	}
	out := &Certificate{}
	if cert != nil {
		*out = *cert
		out.Members = append([]Insured(nil), cert.Members...)
	}
	for _, e := range es {
		switch e.Type {
		case CertificateCancelled:
			out.Status = CertCancelled
		case HouseholdAdded:
			out.Status = CertActive
		}
		for _, c := range e.Changes {
			if c.Old.IDNumber == "" {
				out.Members = append(out.Members, c.New)
				continue
			}
			for i, m := range out.Members {
				if m.IDNumber == c.Old.IDNumber && m.Cover == c.Old.Cover {
					out.Members[i] = c.New
					break
				}
			}
		}
	}
	return out
}
