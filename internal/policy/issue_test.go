package policy

import (
	"errors"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// leapAgreement covers lifted and marginal households for 2024 (366 days)
// at 60.00 a person.
func leapAgreement(t *testing.T) *Agreement {
	return mustAgreement(t, specAgreement)
}

func household(no string, c znb.Category, ids ...string) *ListedHousehold {
	h := &ListedHousehold{No: no, Category: c}
	for _, id := range ids {
		h.Members = append(h.Members, ListedMember{IDNumber: id, Name: "成员" + id})
	}
	return h
}

// with returns a copy of h changed by f.
func (h *ListedHousehold) with(f func(h *ListedHousehold)) *ListedHousehold {
	c := *h
	c.Members = append([]ListedMember(nil), h.Members...)
	f(&c)
	return &c
}

func died(id, day string) func(h *ListedHousehold) {
	return func(h *ListedHousehold) {
		for i := range h.Members {
			if h.Members[i].IDNumber == id {
				h.Members[i].Left = d(day)
			}
		}
	}
}

func drop(id string) func(h *ListedHousehold) {
	return func(h *ListedHousehold) {
		var keep []ListedMember
		for _, m := range h.Members {
			if m.IDNumber != id {
				keep = append(keep, m)
			}
		}
		h.Members = keep
	}
}

func add(id, left string) func(h *ListedHousehold) {
	return func(h *ListedHousehold) {
		m := ListedMember{IDNumber: id}
		if left != "" {
			m.Left = d(left)
		}
		h.Members = append(h.Members, m)
	}
}

// coveredElsewhere is a lookup that finds the given people on certificate
// ZNB1101012024001-000007 of another agreement.
func coveredElsewhere(ids ...string) CoverLookup {
	return func(id string, c Cover) (string, bool, error) {
		for _, x := range ids {
			if x == id {
				return "ZNB1101012024001-000007", true, nil
			}
		}
		return "", false, nil
	}
}

func TestDecide(t *testing.T) {
	a := leapAgreement(t)
	h := household("H001", znb.Lifted, "A", "B", "C")
	tests := []struct {
		name      string
		h         *ListedHousehold
		effective string
		lookup    CoverLookup
		members   []string
		premium   string
		reasons   []string // household-level reasons first, then "ID:reason"
	}{
		{"all living, whole year", h, "2024-01-01", nil, []string{"A", "B", "C"}, "180.00", nil},
		{"list effective mid-year", h, "2024-07-01", nil, []string{"A", "B", "C"}, "90.48", nil},
		{"marginal household", h.with(func(h *ListedHousehold) { h.Category = znb.Marginal }), "2024-01-01", nil, []string{"A", "B", "C"}, "180.00", nil},
		{"category not covered", h.with(func(h *ListedHousehold) { h.Category = znb.StableLifted }), "2024-01-01", nil, nil, "0.00", []string{"category_not_covered"}},
		{"default-covered category the agreement leaves out", h.with(func(h *ListedHousehold) { h.Category = znb.Returned }), "2024-01-01", nil, nil, "0.00", []string{"category_not_covered"}},
		{"one died before the start", h.with(died("B", "2023-12-30")), "2024-01-01", nil, []string{"A", "C"}, "120.00", nil},
		{"died on the first day", h.with(died("B", "2024-01-01")), "2024-01-01", nil, []string{"A", "B", "C"}, "120.16", nil},
		{"no living member", h.with(died("A", "2023-05-01")).with(died("B", "2023-06-01")).with(drop("C")), "2024-01-01", nil, nil, "0.00", []string{"no_living_member"}},
		{"status_date before a mid-year start", household("H002", znb.Lifted, "X").with(died("X", "2024-06-20")), "2024-07-01", nil, nil, "0.00", []string{"no_living_member"}},
		{"one covered elsewhere", h, "2024-01-01", coveredElsewhere("B"), []string{"A", "C"}, "120.00", []string{"B:already_covered"}},
		{"all covered elsewhere", h, "2024-01-01", coveredElsewhere("A", "B", "C"), nil, "0.00", []string{"A:already_covered", "B:already_covered", "C:already_covered"}},
	}
	for _, tt := range tests {
		got, err := Decide(a, *tt.h, d(tt.effective), tt.lookup)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var ids []string
		for _, m := range got.Members {
			ids = append(ids, m.IDNumber)
		}
		var reasons []string
		for _, e := range got.Excluded {
			if e.HouseholdNo != tt.h.No {
				t.Errorf("%s: exclusion names household %q, want %q", tt.name, e.HouseholdNo, tt.h.No)
			}
			r := e.Reason
			if e.IDNumber != "" {
				r = e.IDNumber + ":" + r
			}
			if e.Reason == ReasonAlreadyCovered && e.OtherCertificate != "ZNB1101012024001-000007" {
				t.Errorf("%s: other certificate %q", tt.name, e.OtherCertificate)
			}
			reasons = append(reasons, r)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tt.members) || got.Premium().StringFixed(2) != tt.premium || fmt.Sprint(reasons) != fmt.Sprint(tt.reasons) {
			t.Errorf("%s: members %v premium %s excluded %v; want %v %s %v", tt.name, ids, got.Premium().StringFixed(2), reasons, tt.members, tt.premium, tt.reasons)
		}
		if got.Eligible() != (len(tt.members) > 0) {
			t.Errorf("%s: Eligible() = %v", tt.name, got.Eligible())
		}
	}
	boom := func(string, Cover) (string, bool, error) { return "", false, errors.New("database down") }
	if _, err := Decide(a, *h, d("2024-01-01"), boom); znb.CodeOf(err) != "internal" {
		t.Errorf("lookup failure: err = %v, want internal", err)
	}
}

// issued is the certificate a household gets from the first list version.
func issued(t *testing.T, a *Agreement, h *ListedHousehold, effective string) *Certificate {
	t.Helper()
	dec, err := Decide(a, *h, d(effective), nil)
	if err != nil || !dec.Eligible() {
		t.Fatalf("Decide: %v %+v", err, dec)
	}
	return &Certificate{No: CertificateNo(MasterPolicyNo(a.County, 2024, 1), 1), HouseholdNo: h.No, Members: dec.Members}
}

// applied is cert after the plan for a newer version.
func applied(t *testing.T, a *Agreement, cert *Certificate, h *ListedHousehold, effective string) *Certificate {
	t.Helper()
	plan, err := PlanEndorsements(a, cert, h, d(effective), nil)
	if err != nil {
		t.Fatal(err)
	}
	return Apply(cert, plan.Endorsements)
}

func TestPlanEndorsements(t *testing.T) {
	a := leapAgreement(t)
	h := household("H001", znb.Lifted, "A", "B", "C")
	cert := issued(t, a, h, "2024-01-01") // 3 × 60.00
	withD := applied(t, a, cert, h.with(add("D", "")), "2024-07-01")
	droppedC := applied(t, a, cert, h.with(drop("C")), "2024-07-01")
	cancelled := applied(t, a, cert, nil, "2024-07-01")

	type want struct {
		typ       EndorsementType
		effective string
		delta     string
		members   string // IDs of the changes
	}
	tests := []struct {
		name      string
		cert      *Certificate
		h         *ListedHousehold
		effective string
		lookup    CoverLookup
		want      []want
		excluded  []string
	}{
		{"unchanged", cert, h, "2024-07-01", nil, nil, nil},
		// 2024-07-01..12-31 is 184 of 366 days: 60 × 184 / 366 = 30.16.
		{"member added mid-year", cert, h.with(add("D", "")), "2024-07-01", nil, []want{{MemberAdded, "2024-07-01", "30.16", "[D]"}}, nil},
		// 2024-01-01..03-15 is 75 days: 12.30, so 47.70 is refunded.
		{"death", cert, h.with(died("B", "2024-03-15")), "2024-07-01", nil, []want{{MemberRemoved, "2024-03-15", "-47.70", "[B]"}}, nil},
		{"moved out after the version date", cert, h.with(died("B", "2024-09-30")), "2024-07-01", nil, []want{{MemberRemoved, "2024-09-30", "-15.08", "[B]"}}, nil},
		{"death on the first day", cert, h.with(died("B", "2024-01-01")), "2024-07-01", nil, []want{{MemberRemoved, "2024-01-01", "-59.84", "[B]"}}, nil},
		// 2024-01-01..06-30 is 182 days: 29.84.
		{"member dropped from the list", cert, h.with(drop("C")), "2024-07-01", nil, []want{{MemberRemoved, "2024-07-01", "-30.16", "[C]"}}, nil},
		{"household removed by a newer version", cert, nil, "2024-07-01", nil, []want{{CertificateCancelled, "2024-07-01", "-90.48", "[A B C]"}}, nil},
		{"household no longer of a covered category", cert, h.with(func(h *ListedHousehold) { h.Category = znb.StableLifted }), "2024-07-01", nil, []want{{CertificateCancelled, "2024-07-01", "-90.48", "[A B C]"}}, nil},
		{"household removed from the start", cert, nil, "2024-01-01", nil, []want{{CertificateCancelled, "2024-01-01", "-180.00", "[A B C]"}}, nil},
		{"cancelled household gone again", cancelled, nil, "2024-10-01", nil, nil, nil},
		{"new household", nil, household("H009", znb.Marginal, "X", "Y"), "2024-07-01", nil, []want{{HouseholdAdded, "2024-07-01", "60.32", "[X Y]"}}, nil},
		{"new household with status_date before the start", nil, household("H009", znb.Lifted, "X").with(died("X", "2024-06-20")), "2024-07-01", nil, nil, []string{"no_living_member"}},
		{"new household of an uncovered category", nil, household("H009", znb.FiveGuaranteeCentralized, "X"), "2024-07-01", nil, nil, []string{"category_not_covered"}},
		{"gone household without certificate", nil, nil, "2024-07-01", nil, nil, nil},
		{"new member with status_date before the start", cert, h.with(add("D", "2024-06-20")), "2024-07-01", nil, nil, nil},
		{"new member who died after the start", cert, h.with(add("D", "2024-07-10")), "2024-07-01", nil, []want{{MemberAdded, "2024-07-01", "1.64", "[D]"}}, nil},
		{"cover starting on the last day of the term", cert, h.with(add("D", "")), "2024-12-31", nil, []want{{MemberAdded, "2024-12-31", "0.16", "[D]"}}, nil},
		{"version after the term", cert, h.with(add("D", "")).with(drop("A")), "2025-01-01", nil, nil, nil},
		{"new member covered elsewhere", cert, h.with(add("D", "")), "2024-07-01", coveredElsewhere("D"), nil, []string{"D:already_covered"}},
		// 2024-10-01..12-31 is 92 days: 15.08.
		{"dropped member listed again", droppedC, h, "2024-10-01", nil, []want{{MemberAdded, "2024-10-01", "15.08", "[C]"}}, nil},
		{"dropped member still absent", droppedC, h.with(drop("C")), "2024-10-01", nil, nil, nil},
		// 2024-01-01..05-01 is 122 days: 20.00, down from 29.84.
		{"dropped member reported dead earlier", droppedC, h.with(died("C", "2024-05-01")), "2024-10-01", nil, []want{{MemberRemoved, "2024-05-01", "-9.84", "[C]"}}, nil},
		{"cancelled household listed again", cancelled, h, "2024-10-01", nil, []want{{HouseholdAdded, "2024-10-01", "45.24", "[A B C]"}}, nil},
		{"added member dropped on its start day", withD, h, "2024-07-01", nil, []want{{MemberRemoved, "2024-07-01", "-30.16", "[D]"}}, nil},
		{"death and addition together", cert, h.with(died("A", "2024-03-15")).with(add("D", "")), "2024-07-01", nil,
			[]want{{MemberRemoved, "2024-03-15", "-47.70", "[A]"}, {MemberAdded, "2024-07-01", "30.16", "[D]"}}, nil},
	}
	for _, tt := range tests {
		plan, err := PlanEndorsements(a, tt.cert, tt.h, d(tt.effective), tt.lookup)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []want
		for _, e := range plan.Endorsements {
			var ids []string
			for _, c := range e.Changes {
				ids = append(ids, c.New.IDNumber)
			}
			got = append(got, want{e.Type, e.Effective.String(), e.PremiumDelta.StringFixed(2), fmt.Sprint(ids)})
		}
		var excluded []string
		for _, e := range plan.Excluded {
			r := e.Reason
			if e.IDNumber != "" {
				r = e.IDNumber + ":" + r
			}
			excluded = append(excluded, r)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || fmt.Sprint(excluded) != fmt.Sprint(tt.excluded) {
			t.Errorf("%s:\n got %v excluded %v\nwant %v excluded %v", tt.name, got, excluded, tt.want, tt.excluded)
			continue
		}
		checkPlanInvariants(t, tt.name, a, tt.cert, plan, tt.h, d(tt.effective), tt.lookup)
	}
}

// checkPlanInvariants: the deltas move the certificate premium exactly to
// the sum of its covers' premiums recomputed from their dates, and planning
// again after applying yields nothing.
func checkPlanInvariants(t *testing.T, name string, a *Agreement, cert *Certificate, plan Plan, h *ListedHousehold, effective znb.Date, lookup CoverLookup) {
	t.Helper()
	before := cert.Premium()
	after := Apply(cert, plan.Endorsements)
	sum := before
	for _, e := range plan.Endorsements {
		sum = sum.Add(e.PremiumDelta)
	}
	recomputed := decimal.Zero
	if after != nil {
		for _, m := range after.Members {
			recomputed = recomputed.Add(Premium(a.PremiumPerPerson, a.Term, m.Cover))
		}
	}
	if !sum.Equal(after.Premium()) || !recomputed.Equal(after.Premium()) {
		t.Errorf("%s: premium before %s + deltas = %s, after %s, recomputed %s", name, before, sum, after.Premium(), recomputed)
	}
	again, err := PlanEndorsements(a, after, h, effective, lookup)
	if err != nil || len(again.Endorsements) != 0 {
		t.Errorf("%s: re-planning after applying gives %+v, %v", name, again.Endorsements, err)
	}
}

// TestYearOfVersions runs a household through a year of list versions and
// checks that the issued premium plus every delta is the premium of the
// covers the certificate ends with.
func TestYearOfVersions(t *testing.T) {
	a := leapAgreement(t)
	v1 := household("H001", znb.Lifted, "A", "B", "C")
	cert := issued(t, a, v1, "2024-01-01")
	total := cert.Premium()
	versions := []struct {
		effective string
		h         *ListedHousehold
	}{
		{"2024-04-01", v1.with(add("D", ""))},                               // D from 04-01
		{"2024-06-01", v1.with(add("D", "")).with(died("B", "2024-05-20"))}, // B died 05-20
		{"2024-08-01", v1.with(died("B", "2024-05-20"))},                    // D dropped: ends 07-31
		{"2024-09-01", v1.with(died("B", "2024-05-20")).with(add("D", ""))}, // D back from 09-01
		{"2024-11-01", nil}, // household gone: ends 10-31
	}
	for _, v := range versions {
		plan, err := PlanEndorsements(a, cert, v.h, d(v.effective), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range plan.Endorsements {
			total = total.Add(e.PremiumDelta)
		}
		cert = Apply(cert, plan.Endorsements)
	}
	// Covers counted on the calendar: A and C 2024-01-01..10-31 (305 days),
	// B 01-01..05-20 (141), D 04-01..07-31 (122) and 09-01..10-31 (61).
	want := map[string][]int{"A": {305}, "B": {141}, "C": {305}, "D": {122, 61}}
	got := map[string][]int{}
	for _, m := range cert.Members {
		got[m.IDNumber] = append(got[m.IDNumber], m.Cover.Days())
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || !cert.Cancelled() {
		t.Errorf("covers (days) = %v cancelled %v, want %v cancelled", got, cert.Cancelled(), want)
	}
	// 60 × 305/366 = 50.00 (twice), 60 × 141/366 = 23.11, 60 × 122/366 = 20.00, 60 × 61/366 = 10.00.
	if total.StringFixed(2) != "153.11" || !cert.Premium().Equal(total) {
		t.Errorf("premium = %s by deltas, %s by covers; want 153.11", total.StringFixed(2), cert.Premium().StringFixed(2))
	}
}

// BenchmarkPlanEndorsements plans a five-member household against a newer
// version with one death and one newcomer, the common case of a bulk run.
func BenchmarkPlanEndorsements(b *testing.B) {
	a, err := ParseAgreement([]byte(specAgreement))
	if err != nil {
		b.Fatal(err)
	}
	h := household("H001", znb.Lifted, "A", "B", "C", "D", "E")
	dec, _ := Decide(a, *h, d("2024-01-01"), nil)
	cert := &Certificate{Members: dec.Members}
	v2 := h.with(died("B", "2024-03-15")).with(add("F", ""))
	for b.Loop() {
		if _, err := PlanEndorsements(a, cert, v2, d("2024-07-01"), nil); err != nil {
			b.Fatal(err)
		}
	}
}
