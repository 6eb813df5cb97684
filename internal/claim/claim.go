// Package claim holds the life of a claim: the checks made when it
// is reported, the states it moves through with the maker–checker rule, and
// the four payout calculators with a breakdown a household can follow. It
// knows nothing of storage or HTTP.
package claim

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Status is where a claim stands.
type Status string

const (
	Reported Status = "reported"
	Assessed Status = "assessed"
	Approved Status = "approved"
	Rejected Status = "rejected"
	Paid     Status = "paid"
)

var statusNames = map[Status]string{
	Reported: "已报案",
	Assessed: "已理算",
	Approved: "已核赔",
	Rejected: "已拒赔",
	Paid:     "已支付",
}

// Name returns the Chinese name of s.
func (s Status) Name() string { return statusNames[s] }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := statusNames[s]; return ok }

// Reason is why a claim is rejected; a rejection must name one.
type Reason string

const (
	OutsidePeriod         Reason = "outside_period"
	NotInsured            Reason = "not_insured"
	CauseNotCovered       Reason = "cause_not_covered"
	LateReport            Reason = "late_report"
	Duplicate             Reason = "duplicate"
	FraudSuspected        Reason = "fraud_suspected"
	InsufficientDocuments Reason = "insufficient_documents"
	OtherReason           Reason = "other"
)

// Reasons lists the rejection reasons in the order they are offered.
var Reasons = []Reason{OutsidePeriod, NotInsured, CauseNotCovered, LateReport, Duplicate,
	FraudSuspected, InsufficientDocuments, OtherReason}

var reasonNames = map[Reason]string{
	OutsidePeriod:         "出险时间不在保险期间内",
	NotInsured:            "出险人不是被保险人",
	CauseNotCovered:       "出险原因不属于保险责任",
	LateReport:            "未在规定时限内报案",
	Duplicate:             "重复报案",
	FraudSuspected:        "涉嫌欺诈",
	InsufficientDocuments: "理赔材料不全",
	OtherReason:           "其他",
}

// Name returns the Chinese name of r.
func (r Reason) Name() string { return reasonNames[r] }

// Valid reports whether r is one of the rejection reasons.
func (r Reason) Valid() bool { _, ok := reasonNames[r]; return ok }

// FlagLateReport marks a claim reported after the product's deadline; it is
// accepted, and the approver decides.
const FlagLateReport = "late_report"

// Claim is one reported loss of a certificate on one line, with where it
// belongs: the agreement, the household and its village (whose office and
// auditor see it) and the insurer (whose staff work it). Member is the
// insured person's ID number for accident and hospitalization, empty for the
// household lines.
type Claim struct {
	No            string
	CertificateNo string
	AgreementID   int64
	HouseholdNo   string
	HeadName      string
	RegionCode    string // the village's region code
	Village       string
	Insurer       string // insurer code; only its staff act on the claim
	Line          znb.Line
	Member        string
	MemberName    string
	Subject       string // whose limit the claim consumes (Report.Subject)
	IncidentDate  znb.Date
	ReportedOn    znb.Date
	Cause         string
	Description   string
	Flags         []string
	ReportedBy    string
	ReportedAt    time.Time
	UpdatedAt     time.Time

	Status          Status
	Assessed        bool            // an assessment exists: Payable, Breakdown and the remainders hold
	Payable         decimal.Decimal // set by the last assessment
	RemainingBefore decimal.Decimal // what the limit had left before this payable, at assessment or approval
	Remaining       decimal.Decimal // what the limit had left after this payable, at assessment or approval
	Breakdown       []Step
	Input           Assessment // the facts of an assessment made now, as read for the line; kept for the record
	// Accumulated is, on a household line, what the household's approved
	// claims of the line add up to in the cover year; the caller reads it
	// (under the limit's lock for an approval) before Assess and Approve.
	Accumulated decimal.Decimal
	AssessorID  int64 // who made the last assessment, for the maker–checker rule
	Assessor    string
	Reason      Reason // set on rejection
	PaymentRef  string // set on payment
	History     []Event

	// Signals are the fraud signals as last computed (on report, again on
	// assessment, at SignalsAt); a signalled claim needs a review note
	// (Reviews) before approval, see oversight.CheckApproval.
	Signals   []oversight.Signal
	SignalsAt time.Time
	Reviews   []oversight.Review
}

// Oversight is what the review rule checks of the claim.
func (c *Claim) Oversight() oversight.Assessment {
	return oversight.Assessment{Signals: c.Signals, SignalsAt: c.SignalsAt, AssessorID: c.AssessorID, Assessor: c.Assessor}
}

// Review checks an approver's review note on the claim: only an open claim
// (reported or assessed) is reviewed, under oversight.NewReview's rules.
func (c *Claim) Review(a znb.Actor, now time.Time, note string) (oversight.Review, error) {
	if c.Status != Reported && c.Status != Assessed {
		return oversight.Review{}, znb.Errorf(znb.Conflict, "claim_closed", "案件状态为“%s”，不再复核", c.Status.Name())
	}
	return oversight.NewReview(a, c.Oversight(), now, note)
}

// Key is what makes two claims the same loss: one subject (the member's ID
// number on per-person lines, the household number otherwise), one line, one
// incident date and one cause.
type Key struct {
	Subject      string
	Line         znb.Line
	IncidentDate znb.Date
	Cause        string
}

// Key returns the duplicate key of c.
func (c *Claim) Key() Key {
	return keyOf(c.Line, c.HouseholdNo, c.Member, c.IncidentDate, c.Cause)
}

func keyOf(l znb.Line, household, member string, incident znb.Date, cause string) Key {
	subject := household
	if l.PerPerson() {
		subject = member
	}
	return Key{Subject: subject, Line: l, IncidentDate: incident, Cause: cause}
}

// Event is one recorded transition: who moved the claim from where to where,
// when, and why. From is empty for the report itself.
type Event struct {
	ActorID int64
	Actor   string
	Role    znb.Role
	At      time.Time
	From    Status
	To      Status
	Note    string
}

// Open records the report of a new claim: its first event, to reported. The
// checks of CheckReport come first.
func (c *Claim) Open(a znb.Actor, now time.Time, note string) Event {
	c.Status = Reported
	return c.record(a, now, "", Reported, note)
}

// Assess reads the adjuster's facts for the claim's line, computes the
// payable under the line's terms, capped by what the limit has left (limit
// less used, nothing when negative), and records the assessment. A claim may
// be assessed again while it is reported or assessed, e.g. after an approval
// found the limit used up; the last assessor is the one the approver must
// differ from. A figure that cannot be read or adjusted is refused before
// who assesses and when are looked at.
func (c *Claim) Assess(a znb.Actor, now time.Time, t *policy.LineTerms, used decimal.Decimal, f Facts, note string) (Event, error) {
	in, err := f.ForLine(c.Line)
	if err != nil {
		return Event{}, err
	}
	if err := Offered(t, c.Line); err != nil {
		return Event{}, err
	}
	before := money.Max(t.Limit.Sub(used), decimal.Zero)
	r, err := c.adjust(t, before, in)
	if err != nil {
		return Event{}, err
	}
	if err := c.allow(a, znb.AssessClaim); err != nil {
		return Event{}, err
	}
	if err := c.from(Assessed, Reported, Assessed); err != nil {
		return Event{}, err
	}
	c.keep(in, before, r, a.ID, a.Username)
	return c.move(a, now, Assessed, note), nil
}

// adjust computes the payable of the claim's line: the marginal tiered
// amount on a household line, the line's calculator otherwise.
func (c *Claim) adjust(t *policy.LineTerms, before decimal.Decimal, in Assessment) (Result, error) {
	if c.Line.Accrues() {
		return AdjustMarginal(t, before, c.Accumulated, in)
	}
	return Adjust(t, before, in)
}

// record_ keeps an assessment's outcome and who made it.
func (c *Claim) keep(in Assessment, before decimal.Decimal, r Result, assessorID int64, assessor string) {
	c.Assessed, c.Input = true, in
	c.Payable, c.RemainingBefore, c.Remaining, c.Breakdown = r.Payable, before, r.Remaining, r.Breakdown
	c.AssessorID, c.Assessor = assessorID, assessor
}

// Approve records the checker's approval. used is what approved claims have
// consumed of the claim's limit, read under the caller's lock: a payable
// that no longer fits what the limit has left is refused with limit_exceeded
// and the claim stays assessed for re-assessment, so two racing approvals
// never together exceed a limit. A signalled claim needs a review note by an
// approver other than its assessor made since its signals were last
// computed (review_required). On approval the remainders are those of the
// limit now.
func (c *Claim) Approve(a znb.Actor, now time.Time, t *policy.LineTerms, used decimal.Decimal, note string) (Event, error) {
	if err := Offered(t, c.Line); err != nil {
		return Event{}, err
	}
	if err := c.allow(a, znb.DecideClaim); err != nil {
		return Event{}, err
	}
	if err := c.from(Approved, Assessed); err != nil {
		return Event{}, err
	}
	if c.sameAssessor(a) {
		return Event{}, znb.Errorf(znb.Forbidden, "same_assessor", "核赔人不能是理算人本人")
	}
	if err := oversight.CheckApproval(c.Oversight(), c.Reviews); err != nil {
		return Event{}, err
	}
	if c.Proposed() {
		return Event{}, znb.Errorf(znb.Conflict, "proposal_unconfirmed", "平台自动理算的赔付金额只是建议，须由理算人员确认后才能核赔")
	}
	if err := c.checkAccrual(); err != nil {
		return Event{}, err
	}
	remaining := t.Limit.Sub(used)
	if c.Payable.GreaterThan(remaining) {
		return Event{}, znb.Errorf(znb.Conflict, "limit_exceeded",
			"赔付金额 %s 超过当前剩余限额 %s，请重新理算", c.Payable.StringFixed(2), remaining.StringFixed(2))
	}
	c.RemainingBefore, c.Remaining = remaining, remaining.Sub(c.Payable)
	return c.move(a, now, Approved, note), nil
}

// Reject records a rejection with one of Reasons. A claim can be rejected
// before or after assessment, not once approved.
func (c *Claim) Reject(a znb.Actor, now time.Time, reason Reason, note string) (Event, error) {
	if err := c.allow(a, znb.DecideClaim); err != nil {
		return Event{}, err
	}
	if !reason.Valid() {
		return Event{}, znb.Errorf(znb.Invalid, "invalid_reason", "拒赔原因代码无效：%q", string(reason))
	}
	if err := c.from(Rejected, Reported, Assessed); err != nil {
		return Event{}, err
	}
	c.Reason = reason
	if note == "" {
		note = reason.Name()
	}
	return c.move(a, now, Rejected, note), nil
}

// PaymentRef checks the form of a payment reference, before the claim is
// read: surrounding spaces go, more than 64 characters is invalid.
func PaymentRef(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if len(ref) > 64 {
		return "", znb.Errorf(znb.Invalid, "invalid_payment_ref", "支付凭证号不能超过 64 个字符")
	}
	return ref, nil
}

// Pay records the payment of an approved claim; ref is the bank's or the
// insurer's payment reference, without which a payment cannot be traced.
func (c *Claim) Pay(a znb.Actor, now time.Time, ref, note string) (Event, error) {
	if err := c.allow(a, znb.PayClaim); err != nil {
		return Event{}, err
	}
	if ref == "" {
		return Event{}, znb.Errorf(znb.Invalid, "payment_ref_required", "支付须填写支付凭证号")
	}
	if err := c.from(Paid, Approved); err != nil {
		return Event{}, err
	}
	c.PaymentRef = ref
	return c.move(a, now, Paid, note), nil
}

// allow checks that the actor works for the claim's insurer (others are told
// the claim does not exist, so scope cannot be probed) and that the action
// is granted to the actor's role by name: assessing, deciding and paying are
// the work of the insurer's named roles, which the maker–checker rule tells
// apart, so admin's right to every action does not reach them.
func (c *Claim) allow(a znb.Actor, act znb.Action) error {
	if !a.SeesInsurer(c.Insurer) {
		return znb.ErrNotFound("理赔案件")
	}
	if !znb.Granted(a, act) {
		return errRole("当前角色无权进行此操作")
	}
	return nil
}

// Permit checks that the actor's role may take an action on claims that
// admin takes too: report a claim or attach a document (an auditor only
// reads).
func Permit(a znb.Actor, act znb.Action) error {
	if znb.Can(a, act) {
		return nil
	}
	if msg, ok := refusals[act]; ok {
		return errRole(msg)
	}
	return errRole("当前角色无权进行此操作")
}

var refusals = map[znb.Action]string{
	znb.ReportClaim:   "当前角色无权报案",
	znb.AttachToClaim: "当前角色无权上传理赔材料",
}

func errRole(msg string) error { return znb.Errorf(znb.Forbidden, "role_not_allowed", "%s", msg) }

// Offered checks that a product offers line l; t is the product's terms of
// l, nil when it has none.
func Offered(t *policy.LineTerms, l znb.Line) error {
	if t == nil || t.Line != l {
		return errLineNotOffered(l)
	}
	return nil
}

func errLineNotOffered(l znb.Line) error {
	return znb.Errorf(znb.Invalid, "line_not_offered", "该保险产品不提供此险种：%s", l)
}

// CheckListFilter checks the status and line a list of claims is filtered
// by; empty means any.
func CheckListFilter(s Status, l znb.Line) error {
	if s != "" && !s.Valid() {
		return znb.Errorf(znb.Invalid, "invalid_status", "案件状态无效：%q", string(s))
	}
	if l != "" && !l.Valid() {
		return znb.Errorf(znb.Invalid, "invalid_line", "险种无效：%q", string(l))
	}
	return nil
}

// from checks that the claim stands in one of states, for a move to to.
func (c *Claim) from(to Status, states ...Status) error {
	for _, s := range states {
		if c.Status == s {
			return nil
		}
	}
	return znb.Errorf(znb.Conflict, "invalid_transition", "案件状态为“%s”，不能变为“%s”", c.Status.Name(), to.Name())
}

func (c *Claim) sameAssessor(a znb.Actor) bool {
	if a.ID != 0 && c.AssessorID != 0 {
		return a.ID == c.AssessorID
	}
	return a.Username == c.Assessor
}

func (c *Claim) move(a znb.Actor, now time.Time, to Status, note string) Event {
	from := c.Status
	c.Status = to
	return c.record(a, now, from, to, note)
}

func (c *Claim) record(a znb.Actor, now time.Time, from, to Status, note string) Event {
	e := Event{ActorID: a.ID, Actor: a.Username, Role: a.Role, At: now, From: from, To: to, Note: note}
	c.History = append(c.History, e)
	return e
}
