package registry

import (
	"fmt"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Stream yields the members of one list version with their household,
// sorted by household number and then ID number (byte order, as ORDER BY
// household_no, id_number gives in SQLite and in MySQL with a binary
// collation). It has the shape of database/sql's Rows, so that the store can
// feed Diff straight from a query: Next moves to the next member, Current
// returns it, Err tells why Next returned false.
type Stream interface {
	Next() bool
	Current() (Household, Member)
	Err() error
}

// ChangeKind says what happened to a household or member between versions.
type ChangeKind string

const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
)

// HouseholdChange is a household added, removed or changed. Old is zero for
// an added household, New for a removed one. Fields names the identifiers
// of the changed fields (category, region_code, village_name,
// income_per_capita, risk_eliminated).
type HouseholdChange struct {
	Kind     ChangeKind
	Old, New Household
	Fields   []string
}

// MemberChange is a member added, removed or changed, including the members
// of added and removed households. Fields names the identifiers of the
// changed fields (name, relation, member_status, status_date).
type MemberChange struct {
	Kind     ChangeKind
	Old, New Member
	Fields   []string
}

// Changes is what differs between two list versions, in household order.
type Changes struct {
	Households []HouseholdChange
	Members    []MemberChange
}

// group is one household with its members, as read from a Stream.
type group struct {
	h       Household
	members []Member
}

// reader pulls whole households from a Stream, holding the first member of
// the next household as a lookahead, and checks the sort order that the
// merge relies on.
type reader struct {
	s     Stream
	h     Household
	m     Member
	have  bool // h and m hold a member not yet grouped
	begun bool // a member was pulled, so last is set
	start bool // read has been called
	last  [2]string
}

// pull reads the next member into h and m.
func (r *reader) pull() (bool, error) {
	if !r.s.Next() {
		return false, r.s.Err()
	}
	r.h, r.m = r.s.Current()
	key := [2]string{r.h.No, r.m.IDNumber}
	if r.begun && (key[0] < r.last[0] || key[0] == r.last[0] && key[1] <= r.last[1]) {
		return false, znb.Wrap(fmt.Errorf("list stream not sorted at household %s", r.h.No), "名单比对")
	}
	r.last, r.begun = key, true
	return true, nil
}

// read returns the next household with all its members, nil at the end.
func (r *reader) read() (*group, error) {
	if !r.start {
		r.start = true
		ok, err := r.pull()
		if err != nil {
			return nil, err
		}
		r.have = ok
	}
	if !r.have {
		return nil, nil
	}
	g := &group{h: r.h, members: []Member{r.m}}
	for {
		ok, err := r.pull()
		if err != nil {
			return nil, err
		}
		if !ok {
			r.have = false
			return g, nil
		}
		if r.h.No != g.h.No {
			return g, nil
		}
		g.members = append(g.members, r.m)
	}
}

// Diff compares two list versions, old and new, by merging their sorted
// streams; it holds one household of each at a time, whatever the lists'
// sizes. A member who moves to another household is removed from one and
// added to the other.
func Diff(old, new Stream) (*Changes, error) {
	a, b := &reader{s: old}, &reader{s: new}
	ch := &Changes{}
	ga, err := a.read()
	if err != nil {
		return nil, err
	}
	gb, err := b.read()
	if err != nil {
		return nil, err
	}
	for ga != nil || gb != nil {
		switch {
		case gb == nil || ga != nil && ga.h.No < gb.h.No:
			ch.Households = append(ch.Households, HouseholdChange{Kind: Removed, Old: ga.h})
			for _, m := range ga.members {
				ch.Members = append(ch.Members, MemberChange{Kind: Removed, Old: m})
			}
			if ga, err = a.read(); err != nil {
				return nil, err
			}
		case ga == nil || gb.h.No < ga.h.No:
			ch.Households = append(ch.Households, HouseholdChange{Kind: Added, New: gb.h})
			for _, m := range gb.members {
				ch.Members = append(ch.Members, MemberChange{Kind: Added, New: m})
			}
			if gb, err = b.read(); err != nil {
				return nil, err
			}
		default:
			if f := householdFields(ga.h, gb.h); len(f) > 0 {
				ch.Households = append(ch.Households, HouseholdChange{Kind: Changed, Old: ga.h, New: gb.h, Fields: f})
			}
			ch.Members = mergeMembers(ch.Members, ga.members, gb.members)
			if ga, err = a.read(); err != nil {
				return nil, err
			}
			if gb, err = b.read(); err != nil {
				return nil, err
			}
		}
	}
	return ch, nil
}

func mergeMembers(out []MemberChange, old, new []Member) []MemberChange {
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || i < len(old) && old[i].IDNumber < new[j].IDNumber:
			out = append(out, MemberChange{Kind: Removed, Old: old[i]})
			i++
		case i == len(old) || new[j].IDNumber < old[i].IDNumber:
			out = append(out, MemberChange{Kind: Added, New: new[j]})
			j++
		default:
			if f := memberFields(old[i], new[j]); len(f) > 0 {
				out = append(out, MemberChange{Kind: Changed, Old: old[i], New: new[j], Fields: f})
			}
			i++
			j++
		}
	}
	return out
}

func householdFields(a, b Household) []string {
	var f []string
	if a.Category != b.Category {
		f = append(f, "category")
	}
	if a.Region != b.Region {
		f = append(f, "region_code")
	}
	if a.Village != b.Village {
		f = append(f, "village_name")
	}
	if a.Income.Valid != b.Income.Valid || !a.Income.Decimal.Equal(b.Income.Decimal) {
		f = append(f, "income_per_capita")
	}
	if (a.RiskEliminated == nil) != (b.RiskEliminated == nil) || a.RiskEliminated != nil && *a.RiskEliminated != *b.RiskEliminated {
		f = append(f, "risk_eliminated")
	}
	return f
}

func memberFields(a, b Member) []string {
	var f []string
	if a.Name != b.Name {
		f = append(f, "name")
	}
	if a.Relation != b.Relation {
		f = append(f, "relation")
	}
	if a.Status != b.Status {
		f = append(f, "member_status")
	}
	if a.StatusDate != b.StatusDate {
		f = append(f, "status_date")
	}
	return f
}
