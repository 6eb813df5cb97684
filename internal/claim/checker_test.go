package claim

import (
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestMayDecide(t *testing.T) {
	adjuster := znb.Actor{ID: 2, Username: "adj", Role: znb.Adjuster, Scope: "PICC"}
	approver := znb.Actor{ID: 3, Username: "appr", Role: znb.Approver, Scope: "PICC"}
	assessorAsApprover := znb.Actor{ID: 2, Username: "adj", Role: znb.Approver, Scope: "PICC"}
	other := znb.Actor{ID: 4, Username: "other", Role: znb.Approver, Scope: "CPIC"}
	admin := znb.Actor{ID: 5, Username: "root", Role: znb.Admin}
	for _, tc := range []struct {
		name   string
		status Status
		by     znb.Actor
		want   bool
	}{
		{"approver on an assessed claim", Assessed, approver, true},
		{"approver on a reported claim (reject)", Reported, approver, true},
		{"the assessor given approver rights", Assessed, assessorAsApprover, false},
		{"the adjuster", Assessed, adjuster, false},
		{"another insurer's approver", Assessed, other, false},
		{"admin, who does not take the named roles' work", Assessed, admin, false},
		{"an approved claim", Approved, approver, false},
		{"a paid claim", Paid, approver, false},
	} {
		c := &Claim{Insurer: "PICC", Status: tc.status, AssessorID: 2, Assessor: "adj"}
		if got := c.MayDecide(tc.by); got != tc.want {
			t.Errorf("%s: MayDecide = %v, want %v", tc.name, got, tc.want)
		}
	}
}
