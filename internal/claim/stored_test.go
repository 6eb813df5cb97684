package claim

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestDecodeAssessment: every line's assessment reads back as stored, of
// its own type; an unknown line is refused.
func TestDecodeAssessment(t *testing.T) {
	d := decimal.RequireFromString
	stored := map[znb.Line]Assessment{
		znb.Agriculture:     AgricultureAssessment{},
		znb.Accident:        AccidentAssessment{},
		znb.Hospitalization: HospitalizationAssessment{},
		znb.Property:        PropertyAssessment{},
		znb.Illness:         IllnessAssessment{Settlements: []Settlement{{No: "JS1", Total: d("1200.5")}}},
		znb.Disaster:        DisasterAssessment{Loss: d("9000"), InsurancePaid: d("1000")},
		znb.Education:       EducationAssessment{Costs: d("8000"), Grants: d("2000")},
	}
	for _, l := range znb.AllLines {
		t.Run(string(l), func(t *testing.T) {
			want, ok := stored[l]
			if !ok {
				t.Fatalf("no fixture for line %s", l)
			}
			body, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeAssessment(l, string(body))
			if err != nil {
				t.Fatal(err)
			}
			if got.Line() != l || reflect.TypeOf(got) != reflect.TypeOf(want) {
				t.Fatalf("decoded %T of line %s", got, got.Line())
			}
			again, _ := json.Marshal(got)
			if string(again) != string(body) {
				t.Fatalf("read back %s, stored %s", again, body)
			}
		})
	}
	t.Run("unknown line", func(t *testing.T) {
		if _, err := DecodeAssessment("flood", "{}"); znb.CodeOf(err) != "invalid_line" {
			t.Fatalf("err %v", err)
		}
	})
}

func TestCheckConfirmable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		line  znb.Line
		flags []string
		want  string
	}{
		{"automatic illness claim", znb.Illness, []string{FlagAuto}, ""},
		{"automatic among other flags", znb.Illness, []string{"late_report", FlagAuto}, ""},
		{"illness claim reported by hand", znb.Illness, nil, "not_auto_claim"},
		{"another line flagged auto", znb.Disaster, []string{FlagAuto}, "not_auto_claim"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Claim{Line: tc.line, Flags: tc.flags}
			err := c.CheckConfirmable()
			if got := znb.CodeOf(err); got != tc.want {
				t.Fatalf("code %q, want %q", got, tc.want)
			}
		})
	}
}

// TestReviewOpenClaimsOnly: a review note is taken on a reported or
// assessed claim, never on a closed one, before any other check.
func TestReviewOpenClaimsOnly(t *testing.T) {
	approver := znb.Actor{ID: 7, Username: "appr", Role: znb.Approver, Scope: "PICC"}
	signals := []oversight.Signal{{Code: "frequent", Reason: "本年第三件"}}
	for _, tc := range []struct {
		status Status
		want   string
	}{
		{Reported, ""}, {Assessed, ""}, {Approved, "claim_closed"}, {Rejected, "claim_closed"}, {Paid, "claim_closed"},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			c := &Claim{Status: tc.status, Signals: signals, Assessor: "adj", AssessorID: 3}
			rv, err := c.Review(approver, time.Unix(0, 0), "已电话核实")
			if got := znb.CodeOf(err); got != tc.want {
				t.Fatalf("code %q, want %q", got, tc.want)
			}
			if err == nil && rv.Reviewer != "appr" {
				t.Fatalf("review by %q", rv.Reviewer)
			}
		})
	}
}
