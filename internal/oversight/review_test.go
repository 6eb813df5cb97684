package oversight

import (
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var (
	assessor  = znb.Actor{ID: 2, Username: "adjuster", Role: znb.Adjuster, Scope: "PICC"}
	approver1 = znb.Actor{ID: 3, Username: "approver", Role: znb.Approver, Scope: "PICC"}
	approver2 = znb.Actor{ID: 4, Username: "approver2", Role: znb.Approver, Scope: "PICC"}
	t0        = time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
)

func signalled() Assessment {
	return Assessment{Signals: []Signal{{EarlyClaim, "x"}}, SignalsAt: t0, AssessorID: assessor.ID, Assessor: assessor.Username}
}

func TestNewReview(t *testing.T) {
	// the assessor holding approver rights elsewhere: same account ID
	assessorAsApprover := znb.Actor{ID: assessor.ID, Username: assessor.Username, Role: znb.Approver, Scope: "PICC"}
	cases := []struct {
		name string
		by   znb.Actor
		on   Assessment
		note string
		want string
	}{
		{"OK", approver1, signalled(), "已电话核实村委会", ""},
		{"理算人不能复核", assessorAsApprover, signalled(), "自己看过了", "reviewer_is_assessor"},
		{"理算员角色", assessor, signalled(), "x", "role_not_allowed"},
		{"管理员不代替核赔人员", znb.Actor{ID: 9, Username: "root", Role: znb.Admin}, signalled(), "x", "role_not_allowed"},
		{"无信号", approver1, Assessment{AssessorID: 2}, "x", "not_signalled"},
		{"空意见", approver1, signalled(), "  ", "review_note_required"},
		{"意见过长", approver1, signalled(), string(make([]rune, ReviewNoteMax+1)), "review_note_too_long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReview(tc.by, tc.on, t0.Add(time.Hour), tc.note)
			if got := code(err); got != tc.want {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.want)
			}
			if err == nil && (r.ReviewerID != tc.by.ID || r.Note == "") {
				t.Fatalf("review = %+v", r)
			}
		})
	}
}

func TestCheckApproval(t *testing.T) {
	later := t0.Add(time.Hour)
	cases := []struct {
		name    string
		on      Assessment
		reviews []Review
		want    string
	}{
		{"无信号不需复核", Assessment{AssessorID: 2}, nil, ""},
		{"有信号无复核", signalled(), nil, "review_required"},
		{"他人复核", signalled(), []Review{{ReviewerID: 4, Reviewer: "approver2", At: later, Note: "ok"}}, ""},
		{"理算人的复核不算", signalled(), []Review{{ReviewerID: 2, Reviewer: "adjuster", At: later, Note: "ok"}}, "review_required"},
		{"复核早于重新理算", signalled(), []Review{{ReviewerID: 4, Reviewer: "approver2", At: t0.Add(-time.Minute), Note: "ok"}}, "review_required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := code(CheckApproval(tc.on, tc.reviews)); got != tc.want {
				t.Fatalf("code = %q, want %q", got, tc.want)
			}
		})
	}
}
