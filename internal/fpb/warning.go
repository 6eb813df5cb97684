package fpb

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Rule is one of the six warning rules (预警规则).
type Rule string

const (
	MedicalBurden        Rule = "medical_burden"
	LargeLoss            Rule = "large_loss"
	LabourLoss           Rule = "labour_loss"
	LowIncome            Rule = "low_income"
	IncomeDrop           Rule = "income_drop"
	RemovedWithOpenClaim Rule = "removed_with_open_claim"
)

// Rules lists the rules in the order they are reported.
var Rules = []Rule{MedicalBurden, LargeLoss, LabourLoss, LowIncome, IncomeDrop, RemovedWithOpenClaim}

var ruleNames = map[Rule]string{
	MedicalBurden:        "医疗支出骤增",
	LargeLoss:            "灾害财产损失大",
	LabourLoss:           "劳动力伤亡",
	LowIncome:            "收入低于监测线",
	IncomeDrop:           "收入骤减",
	RemovedWithOpenClaim: "退出名单时有未结理赔",
}

// Name returns the Chinese name of r.
func (r Rule) Name() string { return ruleNames[r] }

// Valid reports whether r is one of the six rules.
func (r Rule) Valid() bool { _, ok := ruleNames[r]; return ok }

// Status is where the office's follow-up of a warning stands.
type Status string

const (
	New       Status = "new"
	Visiting  Status = "visiting"
	Assisted  Status = "assisted"
	Dismissed Status = "dismissed"
)

// Statuses lists the statuses in the order of the follow-up.
var Statuses = []Status{New, Visiting, Assisted, Dismissed}

var statusNames = map[Status]string{New: "新预警", Visiting: "核实中", Assisted: "已帮扶", Dismissed: "已排除"}

// Name returns the Chinese name of s.
func (s Status) Name() string { return statusNames[s] }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := statusNames[s]; return ok }

// next says where each status may go: new → visiting → assisted | dismissed.
var next = map[Status][]Status{New: {Visiting}, Visiting: {Assisted, Dismissed}}

// Next lists the statuses a warning of status s may move to.
func (s Status) Next() []Status { return next[s] }

// Thresholds are the figures the rules compare with.
type Thresholds struct {
	MedicalBurden  decimal.Decimal // out-of-pocket medical cost in the year
	LargeLoss      decimal.Decimal // approved property, agriculture and disaster losses in the year
	LabourMinAge   int             // a member of working age: 16 to 60 on the incident date
	LabourMaxAge   int
	LabourMaxGrade int             // disability grades 1 to this count as loss of labour
	MonitoringLine decimal.Decimal // 人均纯收入 per year
	IncomeDropPct  decimal.Decimal // a fall of at least this percent between two list versions
}

// DefaultThresholds are the scheme's: half the illness trigger line of
// 5,000.00, losses of 5,000.00, ages 16–60 and grades 1–4, the monitoring
// line of 6,000.00 a year, a fall of 30%.
var DefaultThresholds = Thresholds{
	MedicalBurden:  decimal.NewFromInt(2500),
	LargeLoss:      decimal.NewFromInt(5000),
	LabourMinAge:   16,
	LabourMaxAge:   60,
	LabourMaxGrade: 4,
	MonitoringLine: decimal.NewFromInt(6000),
	IncomeDropPct:  decimal.NewFromInt(30),
}

// Burdened reports whether a household's out-of-pocket medical cost of the
// year reaches the threshold.
func (th Thresholds) Burdened(outOfPocket decimal.Decimal) bool {
	return outOfPocket.GreaterThanOrEqual(th.MedicalBurden)
}

// LostLarge reports whether a household's approved losses of the year
// reach the threshold.
func (th Thresholds) LostLarge(losses decimal.Decimal) bool {
	return losses.GreaterThanOrEqual(th.LargeLoss)
}

// LostLabour reports whether an accident took a member of working age (by
// age on the incident date): death, or a disability of grade 1 to
// LabourMaxGrade.
func (th Thresholds) LostLabour(death bool, grade int, birth, incident znb.Date) bool {
	if !death && (grade < 1 || grade > th.LabourMaxGrade) {
		return false
	}
	age := Age(birth, incident)
	return age >= th.LabourMinAge && age <= th.LabourMaxAge
}

// Poor reports whether a list gives an income below the monitoring line
// with the risk not eliminated; a list silent on either says nothing.
func (th Thresholds) Poor(income *decimal.Decimal, riskEliminated *bool) bool {
	return income != nil && riskEliminated != nil && !*riskEliminated && income.LessThan(th.MonitoringLine)
}

// Dropped reports whether the income fell by IncomeDropPct or more from
// before to after; a list silent on either, or no income before, says
// nothing.
func (th Thresholds) Dropped(before, after *decimal.Decimal) bool {
	if before == nil || after == nil || !before.IsPositive() {
		return false
	}
	return before.Sub(*after).GreaterThanOrEqual(money.Percent(*before, th.IncomeDropPct))
}

// Age is the age in whole years on day d of a person born on birth.
func Age(birth, d znb.Date) int {
	b, t := birth.Time(), d.Time()
	age := t.Year() - b.Year()
	if t.Month() < b.Month() || (t.Month() == b.Month() && t.Day() < b.Day()) {
		age--
	}
	return age
}

// AssessedLoss is the loss an assessment of the property, agriculture or
// disaster line records (before deductibles and what others paid); zero
// for the other lines.
func AssessedLoss(a claim.Assessment) decimal.Decimal {
	switch a := a.(type) {
	case claim.PropertyAssessment:
		return a.StructureLoss.Add(a.DecorationLoss).Add(a.ApplianceLoss)
	case claim.AgricultureAssessment:
		sum := decimal.Zero
		for _, it := range a.Items {
			sum = sum.Add(it.AssessedLoss)
		}
		return sum
	case claim.DisasterAssessment:
		return a.Loss
	}
	return decimal.Zero
}

// Warning is one raised warning of a household: which rule, in which year,
// with the figures that raised it, and the office's follow-up.
type Warning struct {
	ID          int64
	County      string
	HouseholdNo string
	Rule        Rule
	Year        int
	RegionCode  string
	Village     string
	HeadName    string
	Figures     map[string]string
	Status      Status
	RaisedOn    znb.Date
	UpdatedAt   time.Time
	History     []Step
}

// Step is one recorded move of a warning.
type Step struct {
	Actor    string
	At       time.Time
	From, To Status
	Note     string
}

// Move records the office's follow-up: new → visiting → assisted or
// dismissed, each with the user, the time and a note (required when the
// warning is closed). The actor must work warnings and see the household's
// region; one who does not is told it does not exist.
func (w *Warning) Move(a znb.Actor, now time.Time, to Status, note string) (Step, error) {
	if !a.SeesRegion(w.RegionCode) {
		return Step{}, znb.ErrNotFound("预警")
	}
	if err := znb.Allow(a, znb.WorkWarnings); err != nil {
		return Step{}, err
	}
	if !to.Valid() {
		return Step{}, znb.Errorf(znb.Invalid, "invalid_status", "预警状态无效：%q（应为 visiting、assisted 或 dismissed）", string(to))
	}
	if len([]rune(note)) > 1000 {
		return Step{}, znb.Errorf(znb.Invalid, "note_too_long", "备注不能超过 1000 字")
	}
	allowed := false
	for _, s := range next[w.Status] {
		allowed = allowed || s == to
	}
	if !allowed {
		return Step{}, znb.Errorf(znb.Conflict, "invalid_transition", "预警状态为“%s”，不能变为“%s”", w.Status.Name(), to.Name())
	}
	if (to == Assisted || to == Dismissed) && note == "" {
		return Step{}, znb.Errorf(znb.Invalid, "note_required", "办结预警须填写帮扶措施或排除理由")
	}
	s := Step{Actor: a.Username, At: now, From: w.Status, To: to, Note: note}
	w.Status = to
	w.History = append(w.History, s)
	return s, nil
}

// CheckFilter checks the rule and status a list of warnings is filtered
// by; empty means any.
func CheckFilter(r Rule, s Status) error {
	if r != "" && !r.Valid() {
		return znb.Errorf(znb.Invalid, "invalid_rule", "预警规则无效：%q", string(r))
	}
	if s != "" && !s.Valid() {
		return znb.Errorf(znb.Invalid, "invalid_status", "预警状态无效：%q", string(s))
	}
	return nil
}
