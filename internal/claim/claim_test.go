package claim

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var (
	now      = time.Date(2024, 6, 1, 9, 30, 0, 0, znb.CST)
	adjuster = znb.Actor{ID: 11, Username: "li.adjuster", Role: znb.Adjuster, Scope: "PICC-ZY"}
	approver = znb.Actor{ID: 12, Username: "wang.approver", Role: znb.Approver, Scope: "PICC-ZY"}
	clerk    = znb.Actor{ID: 13, Username: "zhao.clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	outsider = znb.Actor{ID: 21, Username: "other.approver", Role: znb.Approver, Scope: "CPIC-ZY"}
	office   = znb.Actor{ID: 31, Username: "office", Role: znb.Office, Scope: "522625"}
	admin    = znb.Actor{ID: 1, Username: "root", Role: znb.Admin}
)

// newClaim returns a property claim of PICC-ZY in status s, assessed by the
// adjuster at 1800.00 when s is past reported.
func newClaim(s Status) *Claim {
	c := &Claim{No: "LP-1", Insurer: "PICC-ZY", Line: znb.Property, HouseholdNo: "H1", Status: s}
	if s != Reported {
		c.Payable, c.AssessorID, c.Assessor = dec("1800.00"), adjuster.ID, adjuster.Username
	}
	return c
}

// property is the terms of the property line: limit 20000, deductible 200.
func property() *policy.LineTerms { return terms(standard(), znb.Property) }

// left is what the property limit has used when left remains of it.
func left(remaining string) decimal.Decimal { return dec("20000").Sub(dec(remaining)) }

func TestTransitions(t *testing.T) {
	// 2000 − 200 = 1800.
	assess := func(a znb.Actor) func(*Claim) (Event, error) {
		return func(c *Claim) (Event, error) {
			return c.Assess(a, now, property(), decimal.Zero, losses("2000.00", "0", "0"), "查勘完毕")
		}
	}
	approve := func(a znb.Actor) func(*Claim) (Event, error) {
		return func(c *Claim) (Event, error) { return c.Approve(a, now, property(), decimal.Zero, "") }
	}
	reject := func(a znb.Actor, r Reason) func(*Claim) (Event, error) {
		return func(c *Claim) (Event, error) { return c.Reject(a, now, r, "") }
	}
	pay := func(a znb.Actor, ref string) func(*Claim) (Event, error) {
		return func(c *Claim) (Event, error) { return c.Pay(a, now, ref, "") }
	}
	tests := []struct {
		name string
		from Status
		do   func(*Claim) (Event, error)
		to   Status // the status after; when code is set, the status must not change
		code string
	}{
		{"assess a reported claim", Reported, assess(adjuster), Assessed, ""},
		{"re-assess", Assessed, assess(adjuster), Assessed, ""},
		{"assess an approved claim", Approved, assess(adjuster), Approved, "invalid_transition"},
		{"assess a rejected claim", Rejected, assess(adjuster), Rejected, "invalid_transition"},
		{"assess a paid claim", Paid, assess(adjuster), Paid, "invalid_transition"},
		{"approver cannot assess", Reported, assess(approver), Reported, "role_not_allowed"},
		{"admin cannot assess", Reported, assess(admin), Reported, "role_not_allowed"},
		{"approve", Assessed, approve(approver), Approved, ""},
		{"approve a reported claim", Reported, approve(approver), Reported, "invalid_transition"},
		{"approve twice", Approved, approve(approver), Approved, "invalid_transition"},
		{"adjuster cannot approve", Assessed, approve(adjuster), Assessed, "role_not_allowed"},
		{"clerk cannot approve", Assessed, approve(clerk), Assessed, "role_not_allowed"},
		{"admin cannot approve", Assessed, approve(admin), Assessed, "role_not_allowed"},
		{"other insurer", Assessed, approve(outsider), Assessed, "not_found"},
		{"office", Assessed, approve(office), Assessed, "not_found"},
		{"reject a reported claim", Reported, reject(approver, LateReport), Rejected, ""},
		{"reject an assessed claim", Assessed, reject(approver, FraudSuspected), Rejected, ""},
		{"reject an approved claim", Approved, reject(approver, OtherReason), Approved, "invalid_transition"},
		{"reject a paid claim", Paid, reject(approver, OtherReason), Paid, "invalid_transition"},
		{"reject without reason", Assessed, reject(approver, ""), Assessed, "invalid_reason"},
		{"reject with unknown reason", Assessed, reject(approver, "too_expensive"), Assessed, "invalid_reason"},
		{"adjuster cannot reject", Assessed, reject(adjuster, OtherReason), Assessed, "role_not_allowed"},
		{"clerk pays", Approved, pay(clerk, "BANK-001"), Paid, ""},
		{"approver pays", Approved, pay(approver, "BANK-001"), Paid, ""},
		{"pay without reference", Approved, pay(clerk, ""), Approved, "payment_ref_required"},
		{"pay an assessed claim", Assessed, pay(clerk, "BANK-001"), Assessed, "invalid_transition"},
		{"pay a rejected claim", Rejected, pay(clerk, "BANK-001"), Rejected, "invalid_transition"},
		{"pay twice", Paid, pay(clerk, "BANK-002"), Paid, "invalid_transition"},
		{"adjuster cannot pay", Approved, pay(adjuster, "BANK-001"), Approved, "role_not_allowed"},
		{"admin cannot pay", Approved, pay(admin, "BANK-001"), Approved, "role_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClaim(tt.from)
			e, err := tt.do(c)
			if got := znb.CodeOf(err); got != tt.code {
				t.Fatalf("code = %q, want %q", got, tt.code)
			}
			if c.Status != tt.to {
				t.Errorf("status = %s, want %s", c.Status, tt.to)
			}
			if tt.code != "" {
				if len(c.History) != 0 {
					t.Errorf("refused move recorded %d events", len(c.History))
				}
				return
			}
			if e.From != tt.from || e.To != tt.to || !e.At.Equal(now) || e.Actor == "" || e.ActorID == 0 {
				t.Errorf("event = %+v, want %s → %s at %v by someone", e, tt.from, tt.to, now)
			}
			if len(c.History) != 1 || c.History[0] != e {
				t.Errorf("history = %+v, want the one event", c.History)
			}
		})
	}
}

func TestInvalidTransitionIsConflict(t *testing.T) {
	_, err := newClaim(Paid).Pay(clerk, now, "X", "")
	if k := znb.ErrorOf(err).Kind; k != znb.Conflict {
		t.Errorf("kind = %v, want Conflict", k)
	}
}

func TestMakerChecker(t *testing.T) {
	// An approver who also holds the assessment (same ID, or same name when
	// IDs are unknown) cannot approve it; another approver can.
	both := znb.Actor{ID: 40, Username: "zhou", Role: znb.Adjuster, Scope: "PICC-ZY"}
	c := newClaim(Reported)
	if _, err := c.Assess(both, now, property(), decimal.Zero, losses("2000.00", "0", "0"), ""); err != nil {
		t.Fatal(err)
	}
	both.Role = znb.Approver
	t.Run("same ID", func(t *testing.T) {
		if _, err := c.Approve(both, now, property(), decimal.Zero, ""); znb.CodeOf(err) != "same_assessor" {
			t.Errorf("err = %v, want same_assessor", err)
		}
	})
	t.Run("same name", func(t *testing.T) {
		byName := znb.Actor{Username: "zhou", Role: znb.Approver, Scope: "PICC-ZY"}
		if _, err := c.Approve(byName, now, property(), decimal.Zero, ""); znb.CodeOf(err) != "same_assessor" {
			t.Errorf("err = %v, want same_assessor", err)
		}
		if c.Status != Assessed {
			t.Errorf("status = %s after refusals, want assessed", c.Status)
		}
	})
	t.Run("other approver", func(t *testing.T) {
		if _, err := c.Approve(approver, now, property(), decimal.Zero, ""); err != nil {
			t.Errorf("err = %v", err)
		}
	})
}

func TestApproveChecksLimitAgain(t *testing.T) {
	tests := []struct {
		payable, remaining string
		code               string
	}{
		{"1800.00", "1800.00", ""},
		{"1800.00", "1799.99", "limit_exceeded"},
		{"1800.00", "0", "limit_exceeded"},
		{"0.00", "0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.payable+" of "+tt.remaining, func(t *testing.T) {
			c := newClaim(Assessed)
			c.Payable = dec(tt.payable)
			_, err := c.Approve(approver, now, property(), left(tt.remaining), "")
			if got := znb.CodeOf(err); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
			want := Approved
			if tt.code != "" {
				want = Assessed
			}
			if c.Status != want {
				t.Errorf("status = %s, want %s", c.Status, want)
			}
			if tt.code == "" && (!c.RemainingBefore.Equal(dec(tt.remaining)) || !c.Remaining.Equal(dec(tt.remaining).Sub(c.Payable))) {
				t.Errorf("remainders %s → %s, want %s less the payable", c.RemainingBefore, c.Remaining, tt.remaining)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	c := &Claim{No: "LP-2", Insurer: "PICC-ZY", Line: znb.Property, HouseholdNo: "H1"}
	reporter := znb.Actor{ID: 13, Username: "zhao.clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	c.Open(reporter, now, "村委会代报")

	// a first assessment at 4800 from the form, then a re-assessment with
	// another line's facts is refused
	if _, err := c.Assess(adjuster, now.Add(time.Hour), property(), decimal.Zero, &Form{StructureLoss: "5000.00", MedicalExpense: "x"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Assess(adjuster, now, property(), decimal.Zero, disabled(3), ""); znb.CodeOf(err) != "line_not_offered" {
		t.Errorf("assess with another line's facts: err = %v, want line_not_offered", err)
	}
	if !c.Assessed || !c.Payable.Equal(dec("4800")) || !c.RemainingBefore.Equal(dec("20000")) || !c.Remaining.Equal(dec("15200")) ||
		len(c.Breakdown) == 0 || !c.Input.(PropertyAssessment).StructureLoss.Equal(dec("5000")) {
		t.Errorf("after assessment payable %s remaining %s → %s with %d steps from %+v, want 4800 (5000 − 200), 20000 → 15200, steps and the losses",
			c.Payable, c.RemainingBefore, c.Remaining, len(c.Breakdown), c.Input)
	}
	if _, err := c.Approve(approver, now.Add(2*time.Hour), property(), decimal.Zero, "同意"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pay(clerk, now.Add(3*time.Hour), "BANK-42", ""); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		from, to Status
		who      string
	}{
		{"", Reported, "zhao.clerk"},
		{Reported, Assessed, "li.adjuster"},
		{Assessed, Approved, "wang.approver"},
		{Approved, Paid, "zhao.clerk"},
	}
	if len(c.History) != len(want) {
		t.Fatalf("history has %d events, want %d: %+v", len(c.History), len(want), c.History)
	}
	for i, w := range want {
		e := c.History[i]
		if e.From != w.from || e.To != w.to || e.Actor != w.who {
			t.Errorf("event %d = %s → %s by %s, want %s → %s by %s", i, e.From, e.To, e.Actor, w.from, w.to, w.who)
		}
	}
	if c.PaymentRef != "BANK-42" || c.History[0].Note != "村委会代报" || c.History[2].Note != "同意" {
		t.Errorf("payment ref %q, notes %q %q", c.PaymentRef, c.History[0].Note, c.History[2].Note)
	}
}

func TestRejectRecordsReason(t *testing.T) {
	c := newClaim(Assessed)
	e, err := c.Reject(approver, now, InsufficientDocuments, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Reason != InsufficientDocuments || e.Note != InsufficientDocuments.Name() {
		t.Errorf("reason %q, note %q; want %q and its name", c.Reason, e.Note, InsufficientDocuments)
	}
}

func TestReasons(t *testing.T) {
	want := []string{"outside_period", "not_insured", "cause_not_covered", "late_report", "duplicate",
		"fraud_suspected", "insufficient_documents", "other"}
	if len(Reasons) != len(want) {
		t.Fatalf("%d reasons, want %d", len(Reasons), len(want))
	}
	for i, r := range Reasons {
		if string(r) != want[i] || !r.Valid() || r.Name() == "" {
			t.Errorf("reason %d = %q (valid %v, name %q), want %q", i, r, r.Valid(), r.Name(), want[i])
		}
	}
	if Reason("late").Valid() {
		t.Error(`Reason("late") is valid`)
	}
}

func TestCheckListFilter(t *testing.T) {
	tests := []struct {
		name   string
		status Status
		line   znb.Line
		code   string
	}{
		{"any", "", "", ""},
		{"status and line", Approved, znb.Property, ""},
		{"unknown status", "closed", "", "invalid_status"},
		{"unknown line", "", "fire", "invalid_line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := znb.CodeOf(CheckListFilter(tt.status, tt.line)); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
		})
	}
}

func TestReopen(t *testing.T) {
	now := time.Date(2024, 6, 15, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from Status
		code string
	}{{Approved, ""}, {Assessed, "invalid_transition"}, {Paid, "invalid_transition"}, {Reported, "invalid_transition"}} {
		t.Run(string(tc.from), func(t *testing.T) {
			c := &Claim{Status: tc.from}
			ev, err := c.Reopen(office, now, "异议成立")
			if znb.CodeOf(err) != tc.code {
				t.Fatalf("reopen from %s: %v, want %q", tc.from, err, tc.code)
			}
			if err == nil && (c.Status != Assessed || ev.From != Approved || ev.To != Assessed || ev.Note != "异议成立") {
				t.Errorf("claim %s, event %+v", c.Status, ev)
			}
		})
	}
}
