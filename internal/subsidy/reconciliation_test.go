package subsidy

import (
	"cmp"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var (
	admin        = znb.Actor{Username: "root", Role: znb.Admin}
	countyOffice = znb.Actor{Username: "o1", Role: znb.Office, Scope: "522625"}
	cityOffice   = znb.Actor{Username: "o0", Role: znb.Office, Scope: "5226"}
	otherOffice  = znb.Actor{Username: "o2", Role: znb.Office, Scope: "522626"}
	auditor      = znb.Actor{Username: "a1", Role: znb.Auditor, Scope: "5226"}
	clerk        = znb.Actor{Username: "i1", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
)

func TestStart(t *testing.T) {
	active := &policy.Agreement{ID: 7, No: "ZY-2024-001", County: "522625", Insurer: policy.Insurer{Code: "PICC-ZY"},
		Term: policy.Term{Start: termStart, End: termEnd}, Status: policy.Active}
	draft := *active
	draft.Status = policy.Draft
	tests := []struct {
		name string
		by   znb.Actor
		a    *policy.Agreement
		code string // "" when the run may start
	}{
		{"county office", countyOffice, active, ""},
		{"office above the county", cityOffice, active, ""},
		{"admin", admin, active, ""},
		{"another county's office", otherOffice, active, "not_found"},
		{"auditor", auditor, active, "not_found"},
		{"insurer clerk", clerk, active, "not_found"},
		{"draft agreement", countyOffice, &draft, "agreement_not_active"},
		{"draft agreement out of scope", otherOffice, &draft, "not_found"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			r, err := Start(c.by, c.a, 1000)
			if got := znb.CodeOf(err); got != c.code {
				t.Fatalf("Start = %v; want code %q", err, c.code)
			}
			if c.code != "" {
				return
			}
			if r.Status != Draft || r.AgreementID != 7 || r.County != "522625" || r.InsurerCode != "PICC-ZY" ||
				r.CreatedBy != c.by.Username || r.CreatedAt != 1000 || r.Terms.AgreementID != 7 || r.Terms.End != termEnd {
				t.Errorf("Start = %+v", r)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	const hash = "abc"
	at := func(s Status) *Reconciliation {
		return &Reconciliation{ID: 9, County: "522625", InsurerCode: "PICC-ZY", Status: s, Result: Result{InputsHash: hash}}
	}
	tests := []struct {
		name   string
		from   Status
		by     znb.Actor
		step   func(r *Reconciliation, by znb.Actor) error
		code   string // "" when the step is taken
		wantTo Status
	}{
		{"confirm a draft", Draft, countyOffice, confirm(hash), "", Confirmed},
		{"admin confirms", Draft, admin, confirm(hash), "", Confirmed},
		{"confirm twice", Confirmed, countyOffice, confirm(hash), "reconciliation_not_draft", Confirmed},
		{"confirm a settled one", Settled, countyOffice, confirm(hash), "reconciliation_not_draft", Settled},
		{"confirm with changed inputs", Draft, countyOffice, confirm("other"), "reconciliation_stale", Draft},
		{"insurer confirms", Draft, clerk, confirm(hash), "forbidden", Draft},
		{"auditor confirms", Draft, auditor, confirm(hash), "forbidden", Draft},
		{"another county confirms", Draft, otherOffice, confirm(hash), "forbidden", Draft},
		{"forbidden before not draft", Confirmed, clerk, confirm(hash), "forbidden", Confirmed},
		{"settle a confirmed one", Confirmed, countyOffice, settle, "", Settled},
		{"admin settles", Confirmed, admin, settle, "", Settled},
		{"settle a draft", Draft, countyOffice, settle, "reconciliation_not_confirmed", Draft},
		{"settle twice", Settled, countyOffice, settle, "reconciliation_not_confirmed", Settled},
		{"insurer settles", Confirmed, clerk, settle, "forbidden", Confirmed},
		{"another county settles", Confirmed, otherOffice, settle, "forbidden", Confirmed},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			r := at(c.from)
			err := c.step(r, c.by)
			if got := znb.CodeOf(err); got != c.code {
				t.Fatalf("got %v; want code %q", err, c.code)
			}
			if r.Status != c.wantTo {
				t.Errorf("status %s, want %s", r.Status, c.wantTo)
			}
			switch {
			case c.code != "":
				if r.ConfirmedBy != "" || r.SettledBy != "" {
					t.Errorf("a refused step left %q/%q", r.ConfirmedBy, r.SettledBy)
				}
			case c.wantTo == Confirmed:
				if r.ConfirmedBy != c.by.Username || r.ConfirmedAt != 5 {
					t.Errorf("confirmed by %q at %d", r.ConfirmedBy, r.ConfirmedAt)
				}
			case c.wantTo == Settled:
				if r.SettledBy != c.by.Username || r.SettledAt != 5 {
					t.Errorf("settled by %q at %d", r.SettledBy, r.SettledAt)
				}
			}
		})
	}
}

func confirm(hash string) func(*Reconciliation, znb.Actor) error {
	return func(r *Reconciliation, by znb.Actor) error { return r.Confirm(by, hash, 5) }
}

func settle(r *Reconciliation, by znb.Actor) error { return r.Settle(by, 5) }

func TestListChoice(t *testing.T) {
	office := znb.Actor{Username: "o", Role: znb.Office, Scope: "522625"}
	city := znb.Actor{Username: "c", Role: znb.Office, Scope: "5226"}
	tests := []struct {
		name   string
		by     znb.Actor
		id     int64
		asOf   znb.Date
		county string
		code   string
	}{
		{"by id", office, 4, znb.Date{}, "522625", ""},
		{"by day", office, 0, termStart, "522625", ""},
		{"neither", office, 0, znb.Date{}, "522625", "list_required"},
		{"another county's list unseen", office, 4, znb.Date{}, "522626", "not_found"},
		{"another county's list seen", city, 4, znb.Date{}, "522626", "list_other_county"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			r := &Reconciliation{County: "522625"}
			err := CheckListChoice(c.id, c.asOf)
			if err == nil {
				err = r.UseList(c.by, &registry.ListVersion{ID: max(c.id, 1), County: c.county})
			}
			if got := znb.CodeOf(err); got != c.code {
				t.Fatalf("got %v; want code %q", err, c.code)
			}
			if c.code == "" && r.ListID != max(c.id, 1) {
				t.Errorf("list %d", r.ListID)
			}
		})
	}
}

func TestFindingFilter(t *testing.T) {
	for _, c := range []struct {
		f    Finding
		code string
	}{{"", ""}, {Matched, ""}, {NotInsured, ""}, {"bogus", "invalid_finding"}} {
		t.Run(cmp.Or(string(c.f), "all"), func(t *testing.T) {
			if got := znb.CodeOf(c.f.CheckFilter()); got != c.code {
				t.Errorf("CheckFilter(%q) = %q, want %q", c.f, got, c.code)
			}
		})
	}
}
