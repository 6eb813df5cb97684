package fpb

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func pd(s string) *decimal.Decimal {
	v := d(s)
	return &v
}
func pb(b bool) *bool { return &b }

// TestRules: each rule raised at its threshold and not by its near miss.
func TestRules(t *testing.T) {
	th := DefaultThresholds
	birth := znb.MustDate("1964-06-02")
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"medical burden at 2,500.00", th.Burdened(d("2500.00")), true},
		{"medical burden near miss", th.Burdened(d("2499.99")), false},
		{"large loss at 5,000.00", th.LostLarge(d("5000.00")), true},
		{"large loss near miss", th.LostLarge(d("4999.99")), false},
		{"labour: death at 60", th.LostLabour(true, 0, birth, znb.MustDate("2024-06-01")), true},
		{"labour: death at 60 the day before 61", th.LostLabour(true, 0, birth, znb.MustDate("2025-06-01")), true},
		{"labour: death at 61", th.LostLabour(true, 0, birth, znb.MustDate("2025-06-02")), false},
		{"labour: grade 4", th.LostLabour(false, 4, znb.MustDate("1990-01-01"), znb.MustDate("2024-06-01")), true},
		{"labour: grade 5", th.LostLabour(false, 5, znb.MustDate("1990-01-01"), znb.MustDate("2024-06-01")), false},
		{"labour: aged 15", th.LostLabour(true, 0, znb.MustDate("2008-06-02"), znb.MustDate("2024-06-01")), false},
		{"labour: aged 16", th.LostLabour(true, 0, znb.MustDate("2008-06-01"), znb.MustDate("2024-06-01")), true},
		{"low income", th.Poor(pd("5999.99"), pb(false)), true},
		{"low income at the line", th.Poor(pd("6000.00"), pb(false)), false},
		{"low income, risk eliminated", th.Poor(pd("3000"), pb(true)), false},
		{"low income, not given", th.Poor(nil, pb(false)), false},
		{"income drop of 30%", th.Dropped(pd("10000"), pd("7000")), true},
		{"income drop of 29.99%", th.Dropped(pd("10000"), pd("7000.01")), false},
		{"income drop from nothing", th.Dropped(pd("0"), pd("0")), false},
		{"income drop, not given", th.Dropped(nil, pd("100")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if got := AssessedLoss(claim.PropertyAssessment{StructureLoss: d("3000"), ApplianceLoss: d("500")}); !got.Equal(d("3500")) {
		t.Errorf("property loss %s", got)
	}
}

func TestMove(t *testing.T) {
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: "522625"}
	other := znb.Actor{Username: "office2", Role: znb.Office, Scope: "522626"}
	auditor := znb.Actor{Username: "aud", Role: znb.Auditor, Scope: "522625"}
	now := time.Date(2024, 6, 1, 9, 0, 0, 0, znb.CST)
	w := &Warning{RegionCode: "522625101001", Status: New}
	for _, tt := range []struct {
		name string
		by   znb.Actor
		to   Status
		note string
		code string
	}{
		{"other county", other, Visiting, "", "not_found"},
		{"auditor", auditor, Visiting, "", "forbidden"},
		{"straight to assisted", office, Assisted, "x", "invalid_transition"},
		{"visiting", office, Visiting, "", ""},
		{"close without note", office, Dismissed, "", "note_required"},
		{"assisted", office, Assisted, "落实临时救助 3000 元", ""},
		{"reopen", office, Visiting, "", "invalid_transition"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := w.Move(tt.by, now, tt.to, tt.note); znb.CodeOf(err) != tt.code {
				t.Errorf("code %q, want %q", znb.CodeOf(err), tt.code)
			}
		})
	}
	if w.Status != Assisted || len(w.History) != 2 {
		t.Errorf("status %s history %d", w.Status, len(w.History))
	}
}
