package claim

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/policy"
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
		{"previously rejected", func(r *Report) {
			r.Rejected = []Key{{Subject: "522625001001", Line: znb.Property, IncidentDate: date("2024-05-10"), Cause: "火灾"}}
		}, "", []string{FlagPreviouslyRejected}},
		{"late and previously rejected", func(r *Report) {
			r.ReportedOn = date("2024-05-14")
			r.Rejected = []Key{{Subject: "522625001001", Line: znb.Property, IncidentDate: date("2024-05-10"), Cause: "火灾"}}
		}, "", []string{FlagLateReport, FlagPreviouslyRejected}},
		{"another loss rejected", func(r *Report) {
			r.Rejected = []Key{{Subject: "522625001001", Line: znb.Property, IncidentDate: date("2024-05-09"), Cause: "火灾"}}
		}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := report()
			r.Terms = terms(standard(), znb.Property) // a fresh copy the row may edit
			tt.edit(&r)
			flags, err := CheckReport(r)
			if got := znb.CodeOf(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if !reflect.DeepEqual(flags, tt.flags) {
				t.Errorf("flags = %v, want %v", flags, tt.flags)
			}
		})
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
		t.Run(tt.name, func(t *testing.T) {
			flags, err := CheckReport(tt.r)
			if got := znb.CodeOf(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if !reflect.DeepEqual(flags, tt.flags) {
				t.Errorf("flags = %v, want %v", flags, tt.flags)
			}
		})
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

func TestCheckFiling(t *testing.T) {
	clerk := znb.Actor{Username: "c", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	tests := []struct {
		name string
		by   znb.Actor
		edit func(r *Report)
		code string
	}{
		{"clerk", clerk, func(r *Report) {}, ""},
		{"office", znb.Actor{Role: znb.Office, Scope: "522625"}, func(r *Report) {}, ""},
		{"admin", znb.Actor{Role: znb.Admin}, func(r *Report) {}, ""},
		{"auditor", znb.Actor{Role: znb.Auditor, Scope: "522625"}, func(r *Report) {}, "role_not_allowed"},
		{"description of 2000 characters", clerk, func(r *Report) { r.Description = strings.Repeat("火", 2000) }, ""},
		{"description too long", clerk, func(r *Report) { r.Description = strings.Repeat("火", 2001) }, "description_too_long"},
		{"unknown line", clerk, func(r *Report) { r.Line = "pets" }, "invalid_line"},
		{"member on a household line", clerk, func(r *Report) { r.Member = "52262519800101001X" }, "member_not_expected"},
		{"member on a per-person line", clerk, func(r *Report) { r.Line, r.Member = znb.Accident, "52262519800101001X" }, ""},
		// who reports is checked first
		{"auditor with a bad line", znb.Actor{Role: znb.Auditor}, func(r *Report) { r.Line = "pets" }, "role_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := report()
			tt.edit(&r)
			if got := znb.CodeOf(CheckFiling(tt.by, r)); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
		})
	}
}

func TestReportSubject(t *testing.T) {
	member := "52262519800101001X"
	perHousehold := *terms(standard(), znb.Accident)
	perHousehold.LimitPer = policy.PerHousehold
	unsaid := *terms(standard(), znb.Hospitalization)
	unsaid.LimitPer = ""
	tests := []struct {
		name  string
		r     Report
		terms *policy.LineTerms
		want  string
	}{
		{"household line", report(), terms(standard(), znb.Property), "522625001001"},
		{"per-person limit", personal(member), terms(standard(), znb.Hospitalization), member},
		{"per-household limit on a per-person line", personal(member), &perHousehold, "522625001001"},
		{"unsaid on a per-person line", personal(member), &unsaid, member},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Terms = tt.terms
			if got := tt.r.Subject(); got != tt.want {
				t.Errorf("subject = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCoverFor(t *testing.T) {
	date := znb.MustDate
	period := Cover{Start: date("2024-01-01"), End: date("2024-12-31")}
	spells := []MemberCover{
		{IDNumber: "A", Name: "甲", Cover: Cover{Start: date("2024-01-01"), End: date("2024-03-31")}},
		{IDNumber: "B", Name: "乙", Cover: Cover{Start: date("2024-01-01"), End: date("2024-12-31")}},
		{IDNumber: "A", Name: "甲", Cover: Cover{Start: date("2024-07-01"), End: date("2024-12-31")}},
	}
	tests := []struct {
		name     string
		line     znb.Line
		member   string
		incident string
		want     Cover
		who      string
	}{
		{"household line takes the period", znb.Property, "", "2024-05-01", period, ""},
		{"the cover that includes the day", znb.Accident, "A", "2024-08-01", spells[2].Cover, "甲"},
		{"between covers: the one that started before", znb.Accident, "A", "2024-05-01", spells[0].Cover, "甲"},
		{"before every cover: the earliest", znb.Hospitalization, "B", "2023-12-01", spells[1].Cover, "乙"},
		{"not on the certificate", znb.Accident, "C", "2024-05-01", Cover{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, who := CoverFor(tt.line, tt.member, date(tt.incident), period, spells)
			if got != tt.want || who != tt.who {
				t.Errorf("cover %v of %q, want %v of %q", got, who, tt.want, tt.who)
			}
		})
	}
}
