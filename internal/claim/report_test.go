package claim

import (
	"reflect"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// report is a valid report of a fire on 2024-05-10 for a household covered
// all 2024, reported the next day.
func report() Report {
	return Report{
		CertificateFound: true,
		Cover:            Cover{Start: znb.MustDate("2024-01-01"), End: znb.MustDate("2024-12-31")},
		Terms:            terms(standard(), znb.Property),
		Line:             znb.Property,
		HouseholdNo:      "522625001001",
		Cause:            "火灾",
		IncidentDate:     znb.MustDate("2024-05-10"),
		ReportedOn:       znb.MustDate("2024-05-11"),
		Today:            znb.MustDate("2024-05-20"),
	}
}

// personal is report() turned into a hospitalization of one member.
func personal(member string) Report {
	r := report()
	r.Line, r.Terms, r.Member, r.Cause = znb.Hospitalization, terms(standard(), znb.Hospitalization), member, "意外伤害"
	return r
}

func TestCheckReport(t *testing.T) {
	date := znb.MustDate
	tests := []struct {
		name  string
		edit  func(r *Report)
		code  string
		flags []string
	}{
		{"valid", func(r *Report) {}, "", nil},
		{"certificate not found", func(r *Report) { r.CertificateFound = false }, "certificate_not_found", nil},
		{"line not offered", func(r *Report) { r.Terms = nil }, "line_not_offered", nil},
		{"terms of another line", func(r *Report) { r.Line = znb.Agriculture }, "line_not_offered", nil},
		{"unknown line", func(r *Report) { r.Line = "pets" }, "line_not_offered", nil},
		{"cause not covered", func(r *Report) { r.Cause = "被盗" }, "cause_not_covered", nil},
		{"incident in the future", func(r *Report) { r.IncidentDate, r.ReportedOn = date("2024-05-21"), date("2024-05-20") }, "incident_in_future", nil},
		{"incident today", func(r *Report) { r.IncidentDate, r.ReportedOn = date("2024-05-20"), date("2024-05-20") }, "", nil},
		{"no incident date", func(r *Report) { r.IncidentDate = znb.Date{} }, "incident_date_required", nil},
		{"reported before incident", func(r *Report) { r.ReportedOn = date("2024-05-09") }, "reported_before_incident", nil},
		{"reported in the future", func(r *Report) { r.ReportedOn = date("2024-05-21") }, "reported_in_future", nil},
		{"before cover starts", func(r *Report) { r.Cover.Start = date("2024-05-11") }, "member_not_insured", nil},
		{"on the first day of cover", func(r *Report) { r.Cover.Start = date("2024-05-10") }, "", nil},
		{"on the last day of cover", func(r *Report) { r.Cover.End = date("2024-05-10") }, "", nil},
		{"after cover ends", func(r *Report) { r.Cover.End = date("2024-05-09") }, "member_not_insured", nil},
		{"not on the certificate", func(r *Report) { r.Cover = Cover{} }, "member_not_insured", nil},
		{"certificate cancelled before", func(r *Report) { r.CancelledFrom = date("2024-05-01") }, "member_not_insured", nil},
		{"certificate cancelled that day", func(r *Report) { r.CancelledFrom = date("2024-05-10") }, "member_not_insured", nil},
		{"certificate cancelled after", func(r *Report) { r.CancelledFrom = date("2024-05-11") }, "", nil},
		// property must be reported within 3 days: 05-13 − 05-10 = 3 is on time, 4 is late.
		{"reported on the deadline", func(r *Report) { r.ReportedOn = date("2024-05-13") }, "", nil},
		{"reported late", func(r *Report) { r.ReportedOn = date("2024-05-14") }, "", []string{FlagLateReport}},
		{"no deadline", func(r *Report) { r.Terms.ReportWithinDays = 0; r.ReportedOn = date("2024-05-20") }, "", nil},
		{"duplicate", func(r *Report) {
			r.Existing = []Key{{Subject: "522625001001", Line: znb.Property, IncidentDate: date("2024-05-10"), Cause: "火灾"}}
		}, "duplicate_claim", nil},
		{"other cause same day", func(r *Report) {
			r.Existing = []Key{{Subject: "522625001001", Line: znb.Property, IncidentDate: date("2024-05-10"), Cause: "自然灾害"}}
		}, "", nil},
		{"other day same cause", func(r *Report) {
			r.Existing = []Key{{Subject: "522625001001", Line: znb.Property, IncidentDate: date("2024-05-09"), Cause: "火灾"}}
		}, "", nil},
		{"other line", func(r *Report) {
			r.Existing = []Key{{Subject: "522625001001", Line: znb.Agriculture, IncidentDate: date("2024-05-10"), Cause: "火灾"}}
		}, "", nil},
	}
	for _, tt := range tests {
		r := report()
		r.Terms = terms(standard(), znb.Property) // a fresh copy the row may edit
		tt.edit(&r)
		flags, err := CheckReport(r)
		if got := znb.CodeOf(err); got != tt.code {
			t.Errorf("%s: code = %q, want %q (%v)", tt.name, got, tt.code, err)
			continue
		}
		if !reflect.DeepEqual(flags, tt.flags) {
			t.Errorf("%s: flags = %v, want %v", tt.name, flags, tt.flags)
		}
	}
}

func TestCheckReportPerPerson(t *testing.T) {
	date := znb.MustDate
	member := "52262519800101001X"
	tests := []struct {
		name  string
		r     Report
		code  string
		flags []string
	}{
		{"member given", personal(member), "", nil},
		{"member required", personal(""), "member_required", nil},
		{"accident without member", func() Report {
			r := personal("")
			r.Line, r.Terms = znb.Accident, terms(standard(), znb.Accident)
			return r
		}(), "member_required", nil},
		// the member died on 05-05; cover ended that day.
		{"after the member's removal", func() Report {
			r := personal(member)
			r.Cover.End = date("2024-05-05")
			return r
		}(), "member_not_insured", nil},
		// the member came in with a list version effective 06-01.
		{"before the member joined", func() Report {
			r := personal(member)
			r.Cover.Start = date("2024-06-01")
			return r
		}(), "member_not_insured", nil},
		// hospitalization has 10 days: 05-21 − 05-10 = 11 is late.
		{"late", func() Report {
			r := personal(member)
			r.Today, r.ReportedOn = date("2024-05-25"), date("2024-05-21")
			return r
		}(), "", []string{FlagLateReport}},
		{"same member same day", func() Report {
			r := personal(member)
			r.Existing = []Key{{Subject: member, Line: znb.Hospitalization, IncidentDate: date("2024-05-10"), Cause: "意外伤害"}}
			return r
		}(), "duplicate_claim", nil},
		{"other member same day", func() Report {
			r := personal(member)
			r.Existing = []Key{{Subject: "522625198201010020", Line: znb.Hospitalization, IncidentDate: date("2024-05-10"), Cause: "意外伤害"}}
			return r
		}(), "", nil},
	}
	for _, tt := range tests {
		flags, err := CheckReport(tt.r)
		if got := znb.CodeOf(err); got != tt.code {
			t.Errorf("%s: code = %q, want %q (%v)", tt.name, got, tt.code, err)
			continue
		}
		if !reflect.DeepEqual(flags, tt.flags) {
			t.Errorf("%s: flags = %v, want %v", tt.name, flags, tt.flags)
		}
	}
}

func TestReportKeyMatchesClaimKey(t *testing.T) {
	for _, r := range []Report{report(), personal("52262519800101001X")} {
		c := Claim{Line: r.Line, HouseholdNo: r.HouseholdNo, Member: r.Member, IncidentDate: r.IncidentDate, Cause: r.Cause}
		if c.Key() != r.Key() {
			t.Errorf("%s: claim key %+v ≠ report key %+v", r.Line, c.Key(), r.Key())
		}
	}
	if k := personal("M").Key(); k.Subject != "M" {
		t.Errorf("hospitalization key subject = %q, want the member", k.Subject)
	}
	if k := report().Key(); k.Subject != "522625001001" {
		t.Errorf("property key subject = %q, want the household", k.Subject)
	}
}
