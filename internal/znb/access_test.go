package znb

import "testing"

func TestCan(t *testing.T) {
	cases := []struct {
		role Role
		act  Action
		want bool
	}{
		{Admin, ManageUsers, true},
		{Office, ManageUsers, false},
		{Office, ImportList, true},
		{InsurerClerk, ImportList, false},
		{Auditor, ReadList, true},
		{Adjuster, ReadList, false},
		{InsurerClerk, IssueAgreement, true},
		{Office, IssueAgreement, false},
		{Office, ActivateAgreement, true},
		{Adjuster, AssessClaim, true},
		{Approver, AssessClaim, false},
		{Approver, DecideClaim, true},
		{Adjuster, DecideClaim, false},
		{InsurerClerk, PayClaim, true},
		{Approver, PayClaim, true},
		{Adjuster, PayClaim, false},
		{Office, ReportClaim, true},
		{Auditor, ReportClaim, false},
		{Auditor, ReadClaims, true},
		{Office, RunReconciliation, true},
		{Auditor, RunReconciliation, false},
		{Auditor, ReadAudit, true},
		{Office, ReadAudit, false},
		{Approver, ReviewClaim, true},
		{Adjuster, ReviewClaim, false},
		{Office, SampleClaims, true},
		{Auditor, SampleClaims, false},
		{Office, ManageExclusions, true},
		{Approver, ManageExclusions, false},
		{Auditor, ReadExclusions, true},
		{Approver, ReadExclusions, false},
		{Office, Action("no.such"), false},
		{Admin, Action("no.such"), true},
	}
	for _, c := range cases {
		t.Run(string(c.role)+"/"+string(c.act), func(t *testing.T) {
			a := Actor{Role: c.role}
			if got := Can(a, c.act); got != c.want {
				t.Fatalf("Can(%s, %s) = %v, want %v", c.role, c.act, got, c.want)
			}
			if err := Allow(a, c.act); (err == nil) != c.want || (err != nil && CodeOf(err) != "forbidden") {
				t.Fatalf("Allow(%s, %s) = %v", c.role, c.act, err)
			}
		})
	}
}

func TestGranted(t *testing.T) {
	cases := []struct {
		role Role
		act  Action
		want bool
	}{
		{Adjuster, AssessClaim, true},
		{Admin, AssessClaim, false}, // admin's right to every action is Can's, not the table's
		{Admin, DecideClaim, false},
		{Admin, PayClaim, false},
		{Approver, DecideClaim, true},
		{InsurerClerk, PayClaim, true},
	}
	for _, c := range cases {
		t.Run(string(c.role)+"/"+string(c.act), func(t *testing.T) {
			if got := Granted(Actor{Role: c.role}, c.act); got != c.want {
				t.Fatalf("Granted(%s, %s) = %v, want %v", c.role, c.act, got, c.want)
			}
		})
	}
}

func TestSees(t *testing.T) {
	cases := []struct {
		name            string
		a               Actor
		region, insurer string
		want            bool
	}{
		{"admin", Actor{Role: Admin}, "110101", "X", true},
		{"office own county", Actor{Role: Office, Scope: "522625"}, "522625100001", "PICC", true},
		{"office other county", Actor{Role: Office, Scope: "522625"}, "522626100001", "PICC", false},
		{"city auditor", Actor{Role: Auditor, Scope: "5226"}, "522626", "PICC", true},
		{"insurer own", Actor{Role: Adjuster, Scope: "PICC"}, "110101", "PICC", true},
		{"insurer other", Actor{Role: Adjuster, Scope: "PICC"}, "522625", "CPIC", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.a.Sees(c.region, c.insurer); got != c.want {
				t.Fatalf("Sees = %v, want %v", got, c.want)
			}
		})
	}
}

func TestNewActor(t *testing.T) {
	cases := []struct {
		name     string
		username string
		role     Role
		scope    string
		want     string // code, "" when accepted
	}{
		{"admin", "root", Admin, "", ""},
		{"admin with scope", "root", Admin, "522625", "invalid_scope"},
		{"office county", "zy-office", Office, "522625", ""},
		{"auditor city", "aud", Auditor, "5226", ""},
		{"office bad region", "zy-office", Office, "52262", "invalid_region"},
		{"clerk insurer code", "picc.clerk", InsurerClerk, "PICC-ZY", ""},
		{"clerk no insurer", "picc.clerk", InsurerClerk, "", "invalid_scope"},
		{"clerk insurer with space", "picc.clerk", InsurerClerk, "PICC ZY", "invalid_scope"},
		{"unknown role", "x1", Role("boss"), "", "invalid_role"},
		{"username too short", "x", Admin, "", "invalid_username"},
		{"username with space", "a b", Admin, "", "invalid_username"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := NewActor(c.username, c.role, c.scope)
			if CodeOf(err) != c.want {
				t.Fatalf("NewActor(%q, %s, %q) = %v, want code %q", c.username, c.role, c.scope, err, c.want)
			}
			if err == nil && (a.Username != c.username || a.Role != c.role || a.Scope != c.scope) {
				t.Fatalf("NewActor = %+v", a)
			}
		})
	}
}
