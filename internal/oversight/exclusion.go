package oversight

import (
	"strings"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// DefaultExclusionYears is how long a person stays on the exclusion list
// when the entry names no end.
const DefaultExclusionYears = 3

// Source is how the fraud behind an exclusion was established.
type Source string

const (
	FromSampling Source = "sampling" // a post-payment sampling outcome (recovered)
	FromCourt    Source = "court"    // a court decision
	FromOther    Source = "other"    // another authority's finding (纪检, 审计, 公安)
)

var sourceNames = map[Source]string{FromSampling: "抽查结果", FromCourt: "法院判决", FromOther: "其他机关认定"}

// Name returns the Chinese name of s.
func (s Source) Name() string { return sourceNames[s] }

// Valid reports whether s is a known source.
func (s Source) Valid() bool { _, ok := sourceNames[s]; return ok }

// ExclusionStatus is where an entry stands on a day.
type ExclusionStatus string

const (
	Scheduled ExclusionStatus = "scheduled" // starts later
	Active    ExclusionStatus = "active"
	Expired   ExclusionStatus = "expired"
	Removed   ExclusionStatus = "removed"
)

// Exclusion is one entry of the exclusion list (失信名单): a person found to
// have obtained a payment by fraud, barred from claims from From to Until,
// both days included, unless removed earlier.
type Exclusion struct {
	ID         int64
	IDNumber   string
	Name       string
	Reason     string
	Source     Source
	SourceRef  string // the sampled claim's number, or the decision's number
	RegionCode string // the county (or finer) whose office keeps the entry
	From       znb.Date
	Until      znb.Date
	AddedBy    string
	AddedAt    time.Time

	RemovedBy   string
	RemovedAt   time.Time
	RemovalNote string
	ExpiryNoted bool // the expiry has been recorded in the audit trail
}

// ExclusionInput is an entry as an office enters it. Zero From means
// today; zero Until means DefaultExclusionYears from From.
type ExclusionInput struct {
	IDNumber, Name, Reason string
	Source                 Source
	SourceRef              string
	RegionCode             string
	From, Until            znb.Date
}

// NewExclusion checks an entry and returns it: a valid ID number, a name, a
// reason (at most 500 characters), a known source with its reference (the
// sampled claim or the decision), a region the actor sees, and a period
// that ends on or after today and not before it starts.
func NewExclusion(a znb.Actor, in ExclusionInput, today znb.Date, now time.Time) (Exclusion, error) {
	if !znb.Can(a, znb.ManageExclusions) {
		return Exclusion{}, znb.Errorf(znb.Forbidden, "role_not_allowed", "当前角色无权维护失信名单")
	}
	id, _, err := registry.ValidateID(strings.TrimSpace(in.IDNumber), today)
	if err != nil {
		return Exclusion{}, znb.Errorf(znb.Invalid, "invalid_id_number", "身份证号无效")
	}
	e := Exclusion{IDNumber: id, Name: strings.TrimSpace(in.Name), Reason: strings.TrimSpace(in.Reason),
		Source: in.Source, SourceRef: strings.TrimSpace(in.SourceRef), From: in.From, Until: in.Until,
		AddedBy: a.Username, AddedAt: now}
	if in.RegionCode == "" && a.Regional() {
		in.RegionCode = a.Scope
	}
	if e.RegionCode, err = znb.ParseRegion(in.RegionCode); err != nil {
		return Exclusion{}, err
	}
	if !a.SeesRegion(e.RegionCode) {
		return Exclusion{}, znb.ErrNotFound("行政区划")
	}
	switch n := len([]rune(e.Name)); {
	case n == 0 || n > 30:
		return Exclusion{}, znb.Errorf(znb.Invalid, "invalid_name", "姓名须为 1–30 个字")
	}
	switch n := len([]rune(e.Reason)); {
	case n == 0:
		return Exclusion{}, znb.Errorf(znb.Invalid, "reason_required", "须写明列入失信名单的原因")
	case n > 500:
		return Exclusion{}, znb.Errorf(znb.Invalid, "reason_too_long", "原因不能超过 500 字")
	}
	if !e.Source.Valid() {
		return Exclusion{}, znb.Errorf(znb.Invalid, "invalid_source", "来源须为 sampling（抽查结果）、court（法院判决）或 other（其他机关认定）：%q", string(in.Source))
	}
	if e.SourceRef == "" || len([]rune(e.SourceRef)) > 100 {
		return Exclusion{}, znb.Errorf(znb.Invalid, "source_ref_required", "须填写来源编号（抽查的理赔案件号或判决书文号），最多 100 字")
	}
	if e.From.IsZero() {
		e.From = today
	}
	if e.Until.IsZero() {
		f := e.From.Time()
		e.Until = znb.DateOf(f.AddDate(DefaultExclusionYears, 0, 0)).AddDays(-1)
	}
	if e.Until.Before(e.From) || e.Until.Before(today) {
		return Exclusion{}, znb.Errorf(znb.Invalid, "invalid_period", "期限止日 %s 不能早于起日 %s 或今天", e.Until, e.From)
	}
	return e, nil
}

// Status is where the entry stands on day.
func (e *Exclusion) Status(day znb.Date) ExclusionStatus {
	switch {
	case !e.RemovedAt.IsZero():
		return Removed
	case day.After(e.Until):
		return Expired
	case day.Before(e.From):
		return Scheduled
	}
	return Active
}

// Remove takes the entry off the list before its end, with a note saying
// why (an appeal upheld, a decision overturned).
func (e *Exclusion) Remove(a znb.Actor, now time.Time, note string) error {
	if !znb.Can(a, znb.ManageExclusions) {
		return znb.Errorf(znb.Forbidden, "role_not_allowed", "当前角色无权维护失信名单")
	}
	note = strings.TrimSpace(note)
	if note == "" || len([]rune(note)) > ReviewNoteMax {
		return znb.Errorf(znb.Invalid, "removal_note_required", "移出失信名单须说明原因（最多 %d 字）", ReviewNoteMax)
	}
	switch e.Status(znb.DateOf(now.In(znb.CST))) {
	case Removed:
		return znb.Errorf(znb.Conflict, "already_removed", "该条目已移出失信名单")
	case Expired:
		return znb.Errorf(znb.Conflict, "already_expired", "该条目已于 %s 到期", e.Until)
	}
	e.RemovedBy, e.RemovedAt, e.RemovalNote = a.Username, now, note
	return nil
}

// Refuse is the refusal of a report for a person on the list.
func (e *Exclusion) Refuse() error {
	err := znb.Errorf(znb.Conflict, "excluded_person", "出险人（%s）在失信名单中（%s 至 %s），不予受理报案",
		registry.MaskName(e.Name), e.From, e.Until)
	return err
}

// CheckReport refuses a report when any of the entries of the person is
// active on day (the report's entry day).
func CheckReport(entries []Exclusion, day znb.Date) error {
	for i := range entries {
		if entries[i].Status(day) == Active {
			return entries[i].Refuse()
		}
	}
	return nil
}
