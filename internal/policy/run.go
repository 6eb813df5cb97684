package policy

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// RunKind is what an issue run does with its list version.
type RunKind string

const (
	RunIssue   RunKind = "issue"   // the agreement's first list: one certificate per eligible household
	RunEndorse RunKind = "endorse" // a newer list: its differences as endorsements
)

// RunStatus is where an issue run stands: running until its last chunk
// commits (done); failed when an attempt stopped on an error, interrupted
// when it was told to stop (a shutting-down server, Ctrl-C) after its last
// whole chunk; running again once it is resumed.
type RunStatus string

const (
	RunRunning     RunStatus = "running"
	RunDone        RunStatus = "done"
	RunFailed      RunStatus = "failed"
	RunInterrupted RunStatus = "interrupted"
)

// ErrRunning refuses to start a run that another process (or request) is
// working on: one runner at a time; the caller follows job id instead,
// which the details name ({"job_id": id}).
func ErrRunning(id int64) error {
	e := znb.Errorf(znb.Conflict, "issue_running", "出单任务 %d 正在运行，请查看其进度（GET /api/v1/jobs/%d）；若运行它的进程已退出，半分钟后可重新运行以继续", id, id)
	e.Details = map[string]int64{"job_id": id}
	return e
}

// IssueJob is an issue run as a progress report; counters total every
// attempt of the run.
type IssueJob struct {
	ID, AgreementID, ListID int64
	Kind                    RunKind
	Status                  RunStatus
	HouseholdsTotal         int
	HouseholdsDone          int
	Certificates            int
	Persons                 int
	Premium                 decimal.Decimal
	Endorsements            int
	Excluded                int
	Error                   string
	StartedBy               string
	StartedAt, UpdatedAt    int64 // Unix ms
	FinishedAt              int64 // Unix ms; 0 while not done
}

// RunList is what ordering issue runs needs of a list version.
type RunList struct {
	ID        int64
	County    string
	Effective znb.Date
}

// PriorRun is a run already started for the agreement.
type PriorRun struct {
	ID     int64
	List   RunList
	Kind   RunKind
	Status RunStatus
}

// newer reports whether list l comes after m: a later effective day, or the
// same day and a later import.
func (l RunList) newer(m RunList) bool {
	return l.Effective.After(m.Effective) || (l.Effective == m.Effective && l.ID > m.ID)
}

// NextRun decides how the agreement is issued with list l, given its runs
// so far in the order they started: the run of l when there is one (to
// resume; ID set), else a new run (ID 0) that issues when it is the
// agreement's first list and endorses otherwise. The list must be of the
// agreement's county (list_county_mismatch); every run of another list must
// be done first (issue_incomplete); and a new run's list may not be older
// than one already issued (list_outdated).
func (a *Agreement) NextRun(l RunList, prior []PriorRun) (PriorRun, error) {
	if l.County != a.County {
		return PriorRun{}, znb.Errorf(znb.Invalid, "list_county_mismatch", "名单版本 %d 属于 %s，协议 %s 属于 %s", l.ID, l.County, a.No, a.County)
	}
	next := PriorRun{List: l, Kind: RunIssue, Status: RunRunning}
	for _, x := range prior {
		if x.List.ID == l.ID {
			next.ID, next.Kind, next.Status = x.ID, x.Kind, x.Status
			continue
		}
		if x.Status != RunDone {
			return PriorRun{}, znb.Errorf(znb.Conflict, "issue_incomplete", "名单版本 %d 的出单尚未完成，请先重新运行它", x.List.ID)
		}
		next.Kind = RunEndorse
		if next.ID == 0 && x.List.newer(l) {
			return PriorRun{}, znb.Errorf(znb.Conflict, "list_outdated", "名单版本 %d（生效日 %s）早于已出单的版本 %d（生效日 %s）",
				l.ID, l.Effective, x.List.ID, x.List.Effective)
		}
	}
	return next, nil
}
