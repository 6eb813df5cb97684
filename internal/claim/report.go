package claim

import (
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Report is what the platform knows when a loss is reported, gathered by the
// caller from the certificate and the earlier claims. Cover is the insured
// member's cover for per-person lines and the certificate's period for the
// household lines; a zero Cover.Start means the member is not on the
// certificate.
type Report struct {
	CertificateFound bool
	CancelledFrom    znb.Date // first day the cancelled certificate no longer covers; zero when in force
	Cover            Cover
	Terms            *policy.LineTerms // nil when the product does not offer the line
	Line             znb.Line
	HouseholdNo      string
	Member           string // ID number; required on per-person lines
	Cause            string
	IncidentDate     znb.Date
	ReportedOn       znb.Date
	Today            znb.Date
	Description      string
	Existing         []Key // earlier claims of the certificate that still count as reported
	Rejected         []Key // earlier claims of the certificate that were rejected
}

// FlagPreviouslyRejected marks a report of a loss whose earlier claim was
// rejected: it is accepted (the household may come back with what was
// missing), and the approver sees the earlier decision.
const FlagPreviouslyRejected = "previously_rejected"

// CheckFiling applies the checks a report passes before its certificate is
// read: the actor's role may report, the description is at most 2000
// characters, the line is known, and a household line names no member.
func CheckFiling(a znb.Actor, r Report) error {
	if err := Permit(a, znb.ReportClaim); err != nil {
		return err
	}
	if len([]rune(r.Description)) > 2000 {
		return znb.Errorf(znb.Invalid, "description_too_long", "案情描述不能超过 2000 字")
	}
	if !r.Line.Valid() {
		return znb.Errorf(znb.Invalid, "invalid_line", "险种无效：%q（应为 agriculture、accident、hospitalization、property、illness、disaster 或 education）", string(r.Line))
	}
	if !r.Line.PerPerson() && r.Member != "" {
		return znb.Errorf(znb.Invalid, "member_not_expected", "%s以户为单位，不填出险成员", r.Line.Name())
	}
	return nil
}

// Subject is whose limit the reported claim consumes: the member on a
// per-person limit (or, when the terms do not say, on a per-person line),
// the household otherwise.
func (r Report) Subject() string {
	if r.Terms.LimitPer == policy.PerPerson || (r.Terms.LimitPer == "" && r.Terms.Line.PerPerson()) {
		return r.Member
	}
	return r.HouseholdNo
}

// MemberCover is one period of cover of a member on a certificate.
type MemberCover struct {
	IDNumber, Name string
	Cover          Cover
}

// CoverFor finds the cover that decides a report, and the insured member's
// name: the certificate's period on household lines; on per-person lines the
// member's cover that includes the incident date, else the one nearest to it
// so the error can say whether the incident came before the cover or after
// it ended. A member who is not on the certificate gets the zero cover.
func CoverFor(line znb.Line, member string, incident znb.Date, period Cover, members []MemberCover) (Cover, string) {
	if !line.PerPerson() {
		return period, ""
	}
	var best Cover
	name := ""
	for _, m := range members {
		if m.IDNumber != member {
			continue
		}
		c := m.Cover
		switch {
		case c.Includes(incident):
			return c, m.Name
		case best.Start.IsZero(),
			// prefer the latest cover that started on or before the incident
			!c.Start.After(incident) && c.Start.After(best.Start),
			best.Start.After(incident) && c.Start.Before(best.Start):
			best, name = c, m.Name
		}
	}
	return best, name
}

// Cover is a period of cover, both days included.
type Cover struct{ Start, End znb.Date }

// Includes reports whether d falls inside the cover.
func (c Cover) Includes(d znb.Date) bool {
	return !c.Start.IsZero() && !d.Before(c.Start) && (c.End.IsZero() || !d.After(c.End))
}

// Key returns the duplicate key the reported claim will have.
func (r Report) Key() Key {
	return keyOf(r.Line, r.HouseholdNo, r.Member, r.IncidentDate, r.Cause)
}

// CheckReport applies the checks to a report and returns the flags
// the claim carries: a report later than the line's deadline is accepted but
// flagged late_report for the approver, and one of a loss whose earlier
// claim was rejected is flagged previously_rejected. A line without a
// deadline (ReportWithinDays ≤ 0) is never late.
func CheckReport(r Report) (flags []string, err error) {
	if !r.CertificateFound {
		return nil, znb.Errorf(znb.NotFound, "certificate_not_found", "分户凭证不存在")
	}
	if err := Offered(r.Terms, r.Line); err != nil {
		return nil, err
	}
	if r.Line.PerPerson() && r.Member == "" {
		return nil, znb.Errorf(znb.Invalid, "member_required", "%s须指明出险的家庭成员", r.Line.Name())
	}
	if r.IncidentDate.IsZero() {
		return nil, znb.Errorf(znb.Invalid, "incident_date_required", "须填写出险日期")
	}
	if r.IncidentDate.After(r.Today) {
		return nil, znb.Errorf(znb.Invalid, "incident_in_future", "出险日期 %s 晚于今天", r.IncidentDate)
	}
	if r.ReportedOn.After(r.Today) {
		return nil, znb.Errorf(znb.Invalid, "reported_in_future", "报案日期 %s 晚于今天", r.ReportedOn)
	}
	if r.ReportedOn.Before(r.IncidentDate) {
		return nil, znb.Errorf(znb.Invalid, "reported_before_incident", "报案日期 %s 早于出险日期 %s", r.ReportedOn, r.IncidentDate)
	}
	if err := r.checkInsured(); err != nil {
		return nil, err
	}
	if !r.Terms.CoversCause(r.Cause) {
		return nil, znb.Errorf(znb.Invalid, "cause_not_covered", "出险原因“%s”不属于%s的保险责任", r.Cause, r.Line.Name())
	}
	key := r.Key()
	for _, k := range r.Existing {
		if k == key {
			return nil, znb.Errorf(znb.Conflict, "duplicate_claim", "同一出险对象、险种、出险日期和原因已报案")
		}
	}
	if days := r.Terms.ReportWithinDays; days > 0 && r.ReportedOn.DaysSince(r.IncidentDate) > days {
		flags = append(flags, FlagLateReport)
	}
	for _, k := range r.Rejected {
		if k == key {
			flags = append(flags, FlagPreviouslyRejected)
			break
		}
	}
	return flags, nil
}

// checkInsured tells a household why the incident is not covered: before the
// cover started, after it ended (removal, death, moving out) or after the
// certificate was cancelled.
func (r *Report) checkInsured() error {
	who := "该户"
	if r.Line.PerPerson() {
		who = "该成员"
	}
	switch {
	case r.Cover.Start.IsZero():
		return znb.Errorf(znb.Invalid, "member_not_insured", "%s不在该分户凭证的被保险人之列", who)
	case r.IncidentDate.Before(r.Cover.Start):
		return znb.Errorf(znb.Invalid, "member_not_insured", "出险日期 %s 早于%s保障起期 %s", r.IncidentDate, who, r.Cover.Start)
	case !r.Cover.Includes(r.IncidentDate):
		return znb.Errorf(znb.Invalid, "member_not_insured", "出险日期 %s 晚于%s保障止期 %s", r.IncidentDate, who, r.Cover.End)
	case !r.CancelledFrom.IsZero() && !r.IncidentDate.Before(r.CancelledFrom):
		return znb.Errorf(znb.Invalid, "member_not_insured", "分户凭证自 %s 起已注销", r.CancelledFrom)
	}
	return nil
}
