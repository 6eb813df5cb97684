package oversight

import (
	"strings"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Review is an approver's note on a signalled claim: what was checked and
// found. It is evidence beside the signals, for the approval.
type Review struct {
	ReviewerID int64
	Reviewer   string
	At         time.Time
	Note       string
}

// ReviewNoteMax is the most characters a review note holds.
const ReviewNoteMax = 1000

// Assessment is what a review is checked against: the claim's signals as
// last computed (at SignalsAt, when it was reported or last assessed) and
// who made the last assessment.
type Assessment struct {
	Signals    []Signal
	SignalsAt  time.Time
	AssessorID int64
	Assessor   string
}

// NewReview checks a review note and returns it: only an approver (by name
// in the action table, not admin) reviews, the claim carries a signal, the
// note says something within ReviewNoteMax characters, and the reviewer is
// not the claim's assessor (the point of the review is a second pair of
// eyes).
func NewReview(a znb.Actor, on Assessment, now time.Time, note string) (Review, error) {
	if !znb.Granted(a, znb.ReviewClaim) {
		return Review{}, znb.Errorf(znb.Forbidden, "role_not_allowed", "只有核赔人员可以填写复核意见")
	}
	if len(on.Signals) == 0 {
		return Review{}, znb.Errorf(znb.Conflict, "not_signalled", "该案件没有风险信号，无需复核")
	}
	note = strings.TrimSpace(note)
	switch n := len([]rune(note)); {
	case n == 0:
		return Review{}, znb.Errorf(znb.Invalid, "review_note_required", "须填写复核意见")
	case n > ReviewNoteMax:
		return Review{}, znb.Errorf(znb.Invalid, "review_note_too_long", "复核意见不能超过 %d 字", ReviewNoteMax)
	}
	if sameAs(a, on.AssessorID, on.Assessor) {
		return Review{}, znb.Errorf(znb.Forbidden, "reviewer_is_assessor", "复核人不能是该案件的理算人")
	}
	return Review{ReviewerID: a.ID, Reviewer: a.Username, At: now, Note: note}, nil
}

// CheckApproval refuses the approval of a signalled claim that has no
// review note made since its signals were last computed by someone other
// than its assessor (review_required). An unsignalled claim needs none.
func CheckApproval(on Assessment, reviews []Review) error {
	if len(on.Signals) == 0 {
		return nil
	}
	for _, r := range reviews {
		if !r.At.Before(on.SignalsAt) && !sameAs(znb.Actor{ID: r.ReviewerID, Username: r.Reviewer}, on.AssessorID, on.Assessor) {
			return nil
		}
	}
	names := make([]string, len(on.Signals))
	for i, s := range on.Signals {
		names[i] = s.Code.Name()
	}
	return znb.Errorf(znb.Conflict, "review_required",
		"该案件有风险信号（%s），须由理算人以外的核赔人员在最近一次理算后填写复核意见，才能核赔", strings.Join(names, "、"))
}

// sameAs tells whether a is the assessor: by account ID when both are
// known, by username otherwise (as the maker–checker rule does).
func sameAs(a znb.Actor, assessorID int64, assessor string) bool {
	if a.ID != 0 && assessorID != 0 {
		return a.ID == assessorID
	}
	return assessor != "" && a.Username == assessor
}
