package web

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// A claim's life in the insurer's pages: the queue, the report form, and
// the claim's page with its assessment (previewed before it is saved),
// decision, payment, documents and letter. Every step is the store's call
// that the API's route makes, so the rules and their messages are the
// domain's; the page only decides what to offer.

// queuePageSize is how many claims a page of the queue shows.
const queuePageSize = 20

// ages are the choices of the queue's age filter: reported at least this
// many days ago.
var ages = []int{3, 7, 15, 30}

type queueRow struct {
	rest.ClaimJSON
	Age int // days since the report
}

type queueData struct {
	Claims   []queueRow
	Total    int64
	Page     znb.Page
	Pages    int
	Prev     string // links to the neighbouring pages, "" for none
	Next     string
	Statuses []claim.Status
	Lines    []znb.Line
	Ages     []int
	// Review: the review queue, the open signalled claims that still need
	// a second approver's note, filtered by signal instead of status.
	Review  bool
	Path    string // the page's own address
	Signals []oversight.Code
}

// queueFilters are the filters of the claims queue and the review queue.
var queueFilters = []string{"status", "line", "village", "age", "signal"}

func (w *console) claimsQueue(c *fiber.Ctx) error {
	return w.claimsList(c, "理赔案件", "/insurer/claims", false)
}

// claimsList is a page of claims, the queue or the review queue, as GET
// /claims and GET /review-queue answer it.
func (w *console) claimsList(c *fiber.Ctx, title, path string, review bool) error {
	v := w.newView(c, title)
	d := &queueData{Statuses: statuses, Lines: znb.Lines, Ages: ages, Review: review, Path: path, Signals: oversight.Codes}
	v.Data = d
	q := store.ClaimQuery{Status: claim.Status(c.Query("status")), Line: znb.Line(c.Query("line")),
		Village: strings.TrimSpace(c.Query("village")), Signal: oversight.Code(c.Query("signal")), Queue: review}
	for _, f := range queueFilters {
		v.Form[f] = strings.TrimSpace(c.Query(f))
	}
	today := w.api.Clock.Today()
	if s := v.Form["age"]; s != "" {
		days, err := strconv.Atoi(s)
		if err != nil || days < 0 {
			return w.fail(c, "queue", v, znb.Errorf(znb.Invalid, "invalid_age", "报案天数须为非负整数：%q", s), "age")
		}
		q.To = today.AddDays(-days)
	}
	page, _ := strconv.Atoi(c.Query("page"))
	d.Page = store.ClaimPage(page, queuePageSize)
	q.Page, q.PageSize = d.Page.Number, d.Page.Size
	cs, total, err := w.api.Claims(c, actor(c), q)
	if err != nil {
		field := map[string]string{"invalid_line": "line", "invalid_signal": "signal"}[znb.CodeOf(err)]
		if field == "" {
			field = "status"
		}
		return w.fail(c, "queue", v, err, field)
	}
	d.Total = total
	d.Pages = int((total + int64(d.Page.Size) - 1) / int64(d.Page.Size))
	for _, x := range cs {
		d.Claims = append(d.Claims, queueRow{ClaimJSON: x, Age: today.DaysSince(x.ReportedOn)})
	}
	link := func(n int) string {
		u := url.Values{}
		for _, f := range queueFilters {
			if v.Form[f] != "" {
				u.Set(f, v.Form[f])
			}
		}
		u.Set("page", strconv.Itoa(n))
		return path + "?" + u.Encode()
	}
	if d.Page.Number > 1 {
		d.Prev = link(d.Page.Number - 1)
	}
	if d.Page.Number < d.Pages {
		d.Next = link(d.Page.Number + 1)
	}
	return w.render(c, fiber.StatusOK, "queue", v)
}

var statuses = []claim.Status{claim.Reported, claim.Assessed, claim.Approved, claim.Rejected, claim.Paid}

var reportFields = []string{"certificate_no", "line", "member_id_number", "incident_date", "cause", "description"}

// reportField is where a report's refusal is shown, by its code.
var reportField = map[string]string{
	"certificate_not_found": "certificate_no", "invalid_line": "line", "line_not_offered": "line",
	"member_required": "member_id_number", "member_not_expected": "member_id_number", "member_not_insured": "member_id_number",
	"incident_date_required": "incident_date", "incident_in_future": "incident_date", "invalid_incident_date": "incident_date",
	"cause_not_covered": "cause", "cause_required": "cause", "description_too_long": "description",
}

func (w *console) reportView(c *fiber.Ctx) *view {
	v := w.newView(c, "报案")
	v.Data = znb.Lines
	return v
}

func (w *console) reportPage(c *fiber.Ctx) error {
	v := w.reportView(c)
	v.Form["certificate_no"] = strings.TrimSpace(c.Query("certificate_no"))
	return w.render(c, fiber.StatusOK, "report", v)
}

// report records a report as POST /claims does and opens the new claim.
func (w *console) report(c *fiber.Ctx) error {
	v := w.reportView(c)
	for _, f := range reportFields {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	var incident znb.Date
	if s := v.Form["incident_date"]; s != "" {
		d, err := znb.ParseDate(s)
		if err != nil {
			return w.fail(c, "report", v, znb.Errorf(znb.Invalid, "invalid_incident_date", "出险日期须为 YYYY-MM-DD：%q", s), "incident_date")
		}
		incident = d
	}
	rec, err := w.db.ReportClaim(c.UserContext(), actor(c), store.ClaimReport{CertificateNo: v.Form["certificate_no"],
		Line: znb.Line(v.Form["line"]), MemberIDNumber: v.Form["member_id_number"], IncidentDate: incident,
		Cause: v.Form["cause"], Description: c.FormValue("description")})
	if err != nil {
		return w.fail(c, "report", v, err, reportField[znb.CodeOf(err)])
	}
	return c.Redirect("/insurer/claims/"+url.PathEscape(rec.No)+"?reported=1", fiber.StatusSeeOther)
}

// claimData is a claim's page.
type claimData struct {
	C         rest.ClaimJSON
	Done      string // what was just saved, for the notice on top
	Assess    bool   // the actor may assess it now
	Confirm   bool   // an automatic claim's proposal the actor may confirm
	Preview   []rest.StepJSON
	PreviewOf string // the payable of the preview
	Approve   bool
	Review    bool // the actor may write a review note on the signalled claim now
	Reject    bool
	Pay       bool
	Attach    bool
	Letter    bool
	Reasons   []claim.Reason
	Docs      []rest.DocumentJSON
	Checklist []store.Checklist
	Kinds     []string // what an upload may be
	Rows      []formRow
	// SelfAssessed: the actor decides claims but assessed this one, so the
	// decision is not offered.
	SelfAssessed bool
	ItemKinds    []option
	Outcomes     []option
	BurnSites    []option
	Grades       []int
}

// formRow is one of the numbered rows of the assessment form's lists
// (items, injuries, burns): I for the field name, N for people.
type formRow struct{ I, N int }

type option struct{ Value, Name string }

// The choices of the assessment form, in the domain's codes.
var (
	itemKinds = []option{{claim.ItemLivestock, "牲畜"}, {claim.ItemCrop, "农作物"}, {claim.ItemTree, "林木"}, {claim.ItemStructure, "农业设施"}}
	outcomes  = []option{{claim.Disability, "伤残"}, {claim.Burn, "烧伤"}, {claim.Death, "身故"}}
	burnSites = []option{{claim.HeadNeck, "头颈部"}, {claim.TrunkLimbs, "躯干及四肢"}}
)

func init() {
	funcs["kb"] = func(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }
}

var doneNotes = map[string]string{
	"reported": "已报案。", "assessed": "理算已保存。", "approved": "已核赔通过。", "rejected": "已拒赔。",
	"paid": "已登记支付。", "document": "材料已上传。", "reviewed": "复核意见已保存。",
}

// claimView reads the claim and what the actor may do with it now.
func (w *console) claimView(c *fiber.Ctx) (*view, *claimData, error) {
	a := actor(c)
	out, rec, err := w.api.Claim(c, a, c.Params("no"))
	if err != nil {
		return nil, nil, err
	}
	docs, list, err := w.api.Documents(c, a, rec.No)
	if err != nil {
		return nil, nil, err
	}
	v := w.newView(c, "理赔案件 "+rec.No)
	d := &claimData{C: out, Docs: docs, Checklist: list, Reasons: claim.Reasons,
		Rows: []formRow{{0, 1}, {1, 2}, {2, 3}}, ItemKinds: itemKinds, Outcomes: outcomes, BurnSites: burnSites,
		Grades: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
	for k, note := range doneNotes {
		if c.Query(k) == "1" {
			d.Done = note
		}
	}
	if rec.Input != nil {
		fillAssessment(v.Form, rec.Input)
	}
	open := rec.Status == claim.Reported || rec.Status == claim.Assessed
	d.Assess = open && znb.Granted(a, znb.AssessClaim)
	d.Confirm = d.Assess && rec.Status == claim.Assessed && rec.Auto() && rec.Proposed()
	d.Approve = rec.Status == claim.Assessed && rec.MayDecide(a)
	d.Reject = rec.MayDecide(a)
	d.Review = open && len(rec.Signals) > 0 && znb.Granted(a, znb.ReviewClaim) && rec.MayDecide(a)
	d.SelfAssessed = rec.Status == claim.Assessed && znb.Granted(a, znb.DecideClaim) && !rec.MayDecide(a)
	d.Pay = rec.Status == claim.Approved && znb.Granted(a, znb.PayClaim)
	d.Attach = znb.Can(a, znb.AttachToClaim)
	d.Letter = rec.Status == claim.Approved || rec.Status == claim.Paid || rec.Status == claim.Rejected
	for _, l := range list {
		d.Kinds = append(d.Kinds, l.Kind)
	}
	d.Kinds = append(d.Kinds, claim.OtherDocument)
	v.Data = d
	return v, d, nil
}

func (w *console) claimPage(c *fiber.Ctx) error {
	v, _, err := w.claimView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.render(c, fiber.StatusOK, "claim", v)
}

// assessForm reads the assessment fields of the page into the domain's
// form, keeping what was typed to fill the form again.
func assessForm(c *fiber.Ctx, v *view) *claim.Form {
	keep := func(name string) string {
		s := strings.TrimSpace(c.FormValue(name))
		v.Form[name] = s
		return s
	}
	f := &claim.Form{Outcome: keep("outcome"),
		MedicalExpense: keep("medical_expense"), BasicInsurancePaid: keep("basic_insurance_paid"),
		CriticalIllnessPaid: keep("critical_illness_paid"), MedicalAssistancePaid: keep("medical_assistance_paid"),
		NonReimbursable: keep("non_reimbursable"), StructureLoss: keep("structure_loss"),
		DecorationLoss: keep("decoration_loss"), ApplianceLoss: keep("appliance_loss")}
	keep("note")
	for i := range 3 {
		at := fmt.Sprintf("items[%d].", i)
		it := claim.FormItem{Kind: keep(at + "kind"), Subject: keep(at + "subject"), Quantity: keep(at + "quantity"),
			AssessedLoss: keep(at + "assessed_loss"), PolicyInsurancePaid: keep(at + "policy_insurance_paid")}
		if it.Subject != "" || it.Quantity != "" || it.AssessedLoss != "" || it.PolicyInsurancePaid != "" {
			f.Items = append(f.Items, it)
		}
		if g := keep(fmt.Sprintf("injuries[%d].grade", i)); g != "" {
			n, _ := strconv.Atoi(g) // a grade that is no number is 0, which the domain refuses
			f.Injuries = append(f.Injuries, claim.Injury{Grade: n})
		}
		if i < 2 {
			at := fmt.Sprintf("burns[%d].", i)
			b := claim.FormBurn{Site: keep(at + "site"), AreaPct: keep(at + "area_pct")}
			if b.AreaPct != "" {
				f.Burns = append(f.Burns, b)
			}
		}
	}
	return f
}

// fillAssessment puts the claim's current assessment into the form's
// fields, so that 重新理算 starts from the figures saved last rather than
// from an empty form.
func fillAssessment(form map[string]string, in claim.Assessment) {
	amount := func(name string, d decimal.Decimal) { form[name] = money.String(d) }
	switch a := in.(type) {
	case claim.AgricultureAssessment:
		for i, it := range a.Items {
			at := fmt.Sprintf("items[%d].", i)
			form[at+"kind"], form[at+"subject"], form[at+"quantity"] = it.Kind, it.Subject, it.Quantity.String()
			amount(at+"assessed_loss", it.AssessedLoss)
			amount(at+"policy_insurance_paid", it.PolicyInsurancePaid)
		}
	case claim.AccidentAssessment:
		form["outcome"] = a.Outcome
		for i, inj := range a.Injuries {
			form[fmt.Sprintf("injuries[%d].grade", i)] = strconv.Itoa(inj.Grade)
		}
		for i, b := range a.Burns {
			form[fmt.Sprintf("burns[%d].site", i)], form[fmt.Sprintf("burns[%d].area_pct", i)] = b.Site, b.AreaPct.String()
		}
	case claim.HospitalizationAssessment:
		amount("medical_expense", a.MedicalExpense)
		amount("basic_insurance_paid", a.BasicInsurancePaid)
		amount("critical_illness_paid", a.CriticalIllnessPaid)
		amount("medical_assistance_paid", a.MedicalAssistancePaid)
		amount("non_reimbursable", a.NonReimbursable)
	case claim.PropertyAssessment:
		amount("structure_loss", a.StructureLoss)
		amount("decoration_loss", a.DecorationLoss)
		amount("appliance_loss", a.ApplianceLoss)
	case claim.DisasterAssessment:
		amount("disaster_loss", a.Loss)
		amount("insurance_paid", a.InsurancePaid)
	case claim.EducationAssessment:
		amount("education_costs", a.Costs)
		amount("grants", a.Grants)
	}
}

// assessField is where an assessment's refusal is shown: the field its
// message names (the form's fields are named as the API's), else by code.
func assessField(v *view, err error) string {
	msg := znb.ErrorOf(err).Message
	names := make([]string, 0, len(v.Form))
	for name := range v.Form {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, name := range names {
		if strings.Contains(msg, name) {
			return name
		}
	}
	switch znb.CodeOf(err) {
	case "invalid_outcome":
		return "outcome"
	case "injuries_required", "invalid_grade":
		return "injuries[0].grade"
	case "items_required", "invalid_item_kind":
		return "items[0].kind"
	case "invalid_burn_site", "invalid_burn":
		return "burns[0].site"
	}
	return ""
}

// assess previews the assessment (action preview) or saves it (action
// save); a preview is the domain's calculation on a copy of the claim.
func (w *console) assess(c *fiber.Ctx) error {
	v, d, err := w.claimView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	f := assessForm(c, v)
	if c.FormValue("action") == "save" {
		rec, err := w.db.AssessClaim(c.UserContext(), actor(c), d.C.ClaimNo, f, v.Form["note"])
		if err != nil {
			return w.fail(c, "claim", v, err, assessField(v, err))
		}
		return c.Redirect("/insurer/claims/"+url.PathEscape(rec.No)+"?assessed=1", fiber.StatusSeeOther)
	}
	p, err := w.db.PreviewAssessment(c.UserContext(), actor(c), d.C.ClaimNo, f)
	if err != nil {
		return w.fail(c, "claim", v, err, assessField(v, err))
	}
	d.Preview, d.PreviewOf = rest.Steps(p.Breakdown), p.Payable.StringFixed(2)
	return w.render(c, fiber.StatusOK, "claim", v)
}

// decide runs one move of the claim (approve, reject, pay) and shows the
// claim again; a refusal sits beside the move's form.
func (w *console) decide(field, done string, move func(c *fiber.Ctx, a znb.Actor, no string) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		no := c.Params("no")
		if err := move(c, actor(c), no); err != nil {
			v, d, verr := w.claimView(c)
			if verr != nil {
				return w.errorPage(c, verr)
			}
			for _, f := range []string{"reason_code", "note", "payment_ref", "review"} {
				v.Form[f] = strings.TrimSpace(c.FormValue(f))
			}
			// A move the page does not offer (posted anyway) has no form
			// to show its error beside: the page shows it on top.
			if shown := map[string]bool{"decide": d.Approve, "reason_code": d.Reject, "payment_ref": d.Pay, "file": d.Attach, "review": d.Review}; !shown[field] {
				field = ""
			}
			return w.fail(c, "claim", v, err, field)
		}
		return c.Redirect("/insurer/claims/"+url.PathEscape(no)+"?"+done+"=1", fiber.StatusSeeOther)
	}
}

func (w *console) approve(c *fiber.Ctx, a znb.Actor, no string) error {
	_, err := w.db.ApproveClaim(c.UserContext(), a, no, strings.TrimSpace(c.FormValue("note")))
	return err
}

// review saves an approver's review note on a signalled claim.
func (w *console) review(c *fiber.Ctx, a znb.Actor, no string) error {
	_, err := w.db.ReviewClaim(c.UserContext(), a, no, c.FormValue("review"))
	return err
}

func (w *console) reject(c *fiber.Ctx, a znb.Actor, no string) error {
	_, err := w.db.RejectClaim(c.UserContext(), a, no, claim.Reason(c.FormValue("reason_code")), strings.TrimSpace(c.FormValue("note")))
	return err
}

func (w *console) pay(c *fiber.Ctx, a znb.Actor, no string) error {
	_, err := w.db.PayClaim(c.UserContext(), a, no, c.FormValue("payment_ref"), strings.TrimSpace(c.FormValue("note")))
	return err
}

func (w *console) upload(c *fiber.Ctx, a znb.Actor, _ string) error {
	return w.api.AddDocument(c, a)
}

// download answers a file through the API's handler, as a download to
// keep rather than the browser's viewer; a refusal is the error page
// rather than the API's JSON.
func (w *console) download(get func(*fiber.Ctx, znb.Actor) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := get(c, actor(c)); err != nil {
			c.Response().Header.Del(fiber.HeaderContentDisposition)
			return w.errorPage(c, err)
		}
		cd := string(c.Response().Header.Peek(fiber.HeaderContentDisposition))
		c.Set(fiber.HeaderContentDisposition, strings.Replace(cd, "inline", "attachment", 1))
		return nil
	}
}
