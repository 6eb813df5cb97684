package claim

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestProposal: the platform's proposal is an assessment an approver cannot
// approve until an adjuster has confirmed it.
func TestProposal(t *testing.T) {
	illness := terms(household(t), znb.Illness)
	in := IllnessAssessment{Settlements: []Settlement{{No: "JS-1", Total: dec("2000")}, {No: "JS-2", Total: dec("2000")}, {No: "JS-3", Total: dec("3000")}}}
	c := &Claim{No: "LP-1", Insurer: "PICC-ZY", Line: znb.Illness, HouseholdNo: "H1", Status: Reported, Flags: []string{FlagAuto}}
	if _, err := c.Propose(now, illness, decimal.Zero, in, ""); err != nil {
		t.Fatal(err)
	}
	if !c.Proposed() || !c.Auto() || c.Status != Assessed || !c.Payable.Equal(dec("1000")) {
		t.Fatalf("proposal: %v %v %s %s", c.Proposed(), c.Auto(), c.Status, c.Payable)
	}
	if _, err := c.Approve(approver, now, illness, decimal.Zero, ""); znb.CodeOf(err) != "proposal_unconfirmed" {
		t.Errorf("approve a proposal: %v", err)
	}
	if _, err := c.Assess(adjuster, now, illness, decimal.Zero, in, "确认"); err != nil || c.Proposed() {
		t.Fatalf("confirm: %v", err)
	}
	if _, err := c.Approve(approver, now, illness, decimal.Zero, ""); err != nil || c.Status != Approved {
		t.Errorf("approve the confirmed: %v", err)
	}
	if _, err := c.Propose(now, illness, decimal.Zero, in, ""); znb.CodeOf(err) != "invalid_transition" {
		t.Errorf("propose on an approved claim: %v", err)
	}
}

func TestOpensIllnessClaim(t *testing.T) {
	illness := terms(household(t), znb.Illness)
	for _, tt := range []struct {
		name              string
		acc, used, amount string
		want              bool
	}{
		{"below the trigger", "0", "0", "4999.99", false},
		{"on the trigger", "0", "0", "5000", false},
		{"crosses the trigger", "4000", "0", "1000.02", true},
		{"above already", "12000", "3700", "0.02", true},
		{"nothing new", "12000", "3700", "0", false},
		{"cap used up", "97000", "50000", "1000", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := OpensIllnessClaim(illness, dec(tt.acc), dec(tt.used), dec(tt.amount)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
