package oversight

import (
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// validID is a valid ID number born 1970-01-01 in county 522625.
func validID() string {
	s := "52262519700101001"
	return s + string(registry.CheckDigit(s))
}

func TestNewExclusion(t *testing.T) {
	office := znb.Actor{ID: 7, Username: "office", Role: znb.Office, Scope: "522625"}
	today := d("2024-06-15")
	ok := ExclusionInput{IDNumber: validID(), Name: "王五", Reason: "虚构火灾骗取赔款", Source: FromSampling, SourceRef: "CLM20240501000001"}
	cases := []struct {
		name   string
		by     znb.Actor
		change func(in *ExclusionInput)
		want   string
	}{
		{"OK", office, func(in *ExclusionInput) {}, ""},
		{"法院判决", office, func(in *ExclusionInput) { in.Source, in.SourceRef = FromCourt, "(2024)黔2625刑初12号" }, ""},
		{"身份证号错", office, func(in *ExclusionInput) { in.IDNumber = "522625197001010010" + "1" }, "invalid_id_number"},
		{"无原因", office, func(in *ExclusionInput) { in.Reason = "" }, "reason_required"},
		{"来源未知", office, func(in *ExclusionInput) { in.Source = "rumour" }, "invalid_source"},
		{"无来源编号", office, func(in *ExclusionInput) { in.SourceRef = "" }, "source_ref_required"},
		{"止日早于起日", office, func(in *ExclusionInput) { in.From, in.Until = d("2024-07-01"), d("2024-06-30") }, "invalid_period"},
		{"已过期", office, func(in *ExclusionInput) { in.From, in.Until = d("2023-01-01"), d("2024-06-14") }, "invalid_period"},
		{"他县", office, func(in *ExclusionInput) { in.RegionCode = "522626" }, "not_found"},
		{"承保机构无权", approver1, func(in *ExclusionInput) { in.RegionCode = "522625" }, "role_not_allowed"},
		{"管理员须指明区划", znb.Actor{Username: "root", Role: znb.Admin}, func(in *ExclusionInput) {}, "invalid_region"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			tc.change(&in)
			e, err := NewExclusion(tc.by, in, today, t0)
			if got := code(err); got != tc.want {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.want)
			}
			if err == nil && e.RegionCode != "522625" {
				t.Fatalf("region = %q", e.RegionCode)
			}
		})
	}
	t.Run("默认期限三年", func(t *testing.T) {
		e, err := NewExclusion(office, ok, today, t0)
		if err != nil || e.From != today || e.Until != d("2027-06-14") {
			t.Fatalf("period %s – %s, %v", e.From, e.Until, err)
		}
	})
}

func TestExclusionStatus(t *testing.T) {
	e := Exclusion{Name: "王五", From: d("2024-06-15"), Until: d("2025-06-14")}
	for day, want := range map[string]ExclusionStatus{"2024-06-14": Scheduled, "2024-06-15": Active,
		"2025-06-14": Active, "2025-06-15": Expired} {
		if got := e.Status(d(day)); got != want {
			t.Errorf("%s: %s, want %s", day, got, want)
		}
	}
	if err := CheckReport([]Exclusion{e}, d("2024-07-01")); code(err) != "excluded_person" {
		t.Errorf("report while active: %v", err)
	}
	if err := CheckReport([]Exclusion{e}, d("2025-06-15")); err != nil {
		t.Errorf("report after expiry: %v", err)
	}
}

func TestExclusionRemove(t *testing.T) {
	office := znb.Actor{ID: 7, Username: "office", Role: znb.Office, Scope: "522625"}
	now := time.Date(2024, 7, 1, 2, 0, 0, 0, time.UTC)
	e := Exclusion{Name: "王五", From: d("2024-06-15"), Until: d("2025-06-14")}
	if err := e.Remove(office, now, ""); code(err) != "removal_note_required" {
		t.Fatalf("no note: %v", err)
	}
	if err := e.Remove(office, now, "二审改判无罪"); err != nil || e.Status(d("2024-07-02")) != Removed {
		t.Fatalf("remove: %v, %s", err, e.Status(d("2024-07-02")))
	}
	if err := CheckReport([]Exclusion{e}, d("2024-07-02")); err != nil {
		t.Fatalf("report after removal: %v", err)
	}
	if err := e.Remove(office, now, "again"); code(err) != "already_removed" {
		t.Fatalf("second removal: %v", err)
	}
	old := Exclusion{From: d("2023-01-01"), Until: d("2024-01-01")}
	if err := old.Remove(office, now, "x"); code(err) != "already_expired" {
		t.Fatalf("removal of an expired entry: %v", err)
	}
}
