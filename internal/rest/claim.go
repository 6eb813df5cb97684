package rest

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// claimRoutes: insurer staff work claims of their insurer; offices report for
// the villages of their region and follow their claims; auditors read. The
// maker–checker rule and the per-transition roles are the domain's
// (claim.Claim); allow only keeps other roles away early.
func (s *Server) claimRoutes(r fiber.Router) {
	r.Post("/claims", allow(znb.ReportClaim), s.reportClaim)
	r.Get("/claims", allow(znb.ReadClaims), s.listClaims)
	r.Get("/claims/:no", allow(znb.ReadClaims), s.getClaim)
	r.Post("/claims/:no/assess", allow(znb.AssessClaim), s.assessClaim)
	r.Post("/claims/:no/approve", allow(znb.DecideClaim), s.approveClaim)
	r.Post("/claims/:no/reject", allow(znb.DecideClaim), s.rejectClaim)
	r.Post("/claims/:no/pay", allow(znb.PayClaim), s.payClaim)
	r.Post("/claims/:no/documents", allow(znb.AttachToClaim), s.uploadClaimDocument)
	r.Get("/claims/:no/documents", allow(znb.ReadClaims), s.claimDocuments)
	r.Get("/claims/:no/documents/:id", allow(znb.ReadClaims), s.downloadClaimDocument)
	r.Get("/claims/:no/letter.pdf", allow(znb.ReadClaims), s.claimLetter)
}

type reportJSON struct {
	CertificateNo  string   `json:"certificate_no"`
	Line           znb.Line `json:"line"`
	MemberIDNumber string   `json:"member_id_number"`
	IncidentDate   znb.Date `json:"incident_date"`
	ReportedOn     znb.Date `json:"reported_on"`
	Cause          string   `json:"cause"`
	Description    string   `json:"description"`
	EventID        int64    `json:"event_id"`
}

type stepOut struct {
	Step   string `json:"step"`
	Label  string `json:"label"`
	Amount string `json:"amount"`
	// Exact is the unrounded running amount when it has more than two
	// decimals: amounts are exact until the final payable step.
	Exact string `json:"exact,omitempty"`
}

type eventOut struct {
	At     string       `json:"at"`
	Actor  string       `json:"actor"`
	Role   znb.Role     `json:"role"`
	From   claim.Status `json:"from"`
	To     claim.Status `json:"to"`
	ToName string       `json:"to_name"`
	Note   string       `json:"note"`
}

type claimOut struct {
	ClaimNo         string       `json:"claim_no"`
	Status          claim.Status `json:"status"`
	StatusName      string       `json:"status_name"`
	CertificateNo   string       `json:"certificate_no"`
	HouseholdNo     string       `json:"household_no"`
	HeadName        string       `json:"head_name"`
	RegionCode      string       `json:"region_code"`
	Village         string       `json:"village"`
	Insurer         string       `json:"insurer"`
	Line            znb.Line     `json:"line"`
	LineName        string       `json:"line_name"`
	MemberIDNumber  string       `json:"member_id_number,omitempty"`
	MemberName      string       `json:"member_name,omitempty"`
	IncidentDate    znb.Date     `json:"incident_date"`
	ReportedOn      znb.Date     `json:"reported_on"`
	Cause           string       `json:"cause"`
	Description     string       `json:"description"`
	Flags           []string     `json:"flags"`
	Payable         *string      `json:"payable"`
	Breakdown       []stepOut    `json:"breakdown,omitempty"`
	RemainingBefore *string      `json:"remaining_before"`
	RemainingAfter  *string      `json:"remaining_after"`
	Assessor        string       `json:"assessor,omitempty"`
	ReasonCode      claim.Reason `json:"reason_code,omitempty"`
	ReasonName      string       `json:"reason_name,omitempty"`
	PaymentRef      string       `json:"payment_ref,omitempty"`
	ReportedBy      string       `json:"reported_by"`
	CreatedAt       string       `json:"created_at"`
	UpdatedAt       string       `json:"updated_at"`
	History         []eventOut   `json:"history,omitempty"`
	Signals         []signalOut  `json:"signals"`
	Reviews         []reviewOut  `json:"reviews"`
}

func (s *Server) claimOut(c *claim.Claim, full bool) claimOut {
	out := claimOut{ClaimNo: c.No, Status: c.Status, StatusName: c.Status.Name(), CertificateNo: c.CertificateNo,
		HouseholdNo: c.HouseholdNo, HeadName: c.HeadName, RegionCode: c.RegionCode, Village: c.Village, Insurer: c.Insurer,
		Line: c.Line, LineName: c.Line.Name(), MemberName: c.MemberName, IncidentDate: c.IncidentDate,
		ReportedOn: c.ReportedOn, Cause: c.Cause, Description: c.Description, Flags: c.Flags, Assessor: c.Assessor,
		ReasonCode: c.Reason, ReasonName: c.Reason.Name(), PaymentRef: c.PaymentRef, ReportedBy: c.ReportedBy,
		CreatedAt: timeOut(c.ReportedAt), UpdatedAt: timeOut(c.UpdatedAt)}
	if c.Member != "" {
		out.MemberIDNumber = s.idOut(full, c.Member)
	}
	out.Signals, out.Reviews = oversightOut(c)
	if out.Flags == nil {
		out.Flags = []string{}
	}
	if c.Assessed {
		p, b, a := amount(c.Payable), amount(c.RemainingBefore), amount(c.Remaining)
		out.Payable, out.RemainingBefore, out.RemainingAfter = &p, &b, &a
		out.Breakdown = stepsOut(c.Breakdown)
	}
	for _, e := range c.History {
		out.History = append(out.History, eventOut{At: timeOut(e.At),
			Actor: e.Actor, Role: e.Role, From: e.From, To: e.To, ToName: e.To.Name(), Note: e.Note})
	}
	return out
}

// timeOut is a moment as the API writes it: RFC 3339 in China Standard Time.
func timeOut(t time.Time) string { return t.In(znb.CST).Format(time.RFC3339) }

func stepsOut(steps []claim.Step) []stepOut {
	out := make([]stepOut, len(steps))
	for i, st := range steps {
		out[i] = stepOut{Step: st.Code, Label: st.Label, Amount: amount(st.Amount)}
		if !st.Amount.Equal(money.Round(st.Amount)) {
			out[i].Exact = st.Amount.String()
		}
	}
	return out
}

// auditFullID records that the actor was shown the full ID numbers of the
// members of these claims.
func (s *Server) auditFullID(c *fiber.Ctx, full bool, claims ...*claim.Claim) error {
	if !full {
		return nil
	}
	var nos []string
	for _, x := range claims {
		if x.Member != "" {
			nos = append(nos, x.No)
		}
	}
	if len(nos) == 0 {
		return nil
	}
	return s.DB.Audit(c.UserContext(), actor(c), "claim.read_full_id", "claims", map[string]any{"claims": nos})
}

func (s *Server) reportClaim(c *fiber.Ctx) error {
	var in reportJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.ReportedOn.IsZero() {
		in.ReportedOn = s.Clock.Today()
	}
	rec, err := s.DB.ReportClaim(c.UserContext(), actor(c), store.ClaimReport{
		CertificateNo: in.CertificateNo, Line: in.Line, MemberIDNumber: in.MemberIDNumber,
		IncidentDate: in.IncidentDate, ReportedOn: in.ReportedOn, Cause: in.Cause, Description: in.Description, EventID: in.EventID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.claimOut(rec, true))
}

func (s *Server) getClaim(c *fiber.Ctx) error {
	a := actor(c)
	rec, err := s.DB.GetClaim(c.UserContext(), a, c.Params("no"))
	if err != nil {
		return err
	}
	if err := s.auditFullID(c, a.NeedsFullID(), rec); err != nil {
		return err
	}
	return c.JSON(s.claimOut(rec, a.NeedsFullID()))
}

func (s *Server) listClaims(c *fiber.Ctx) error { return s.claimList(c, false) }

// claimList answers a page of claims: the list, or with queue the review
// queue (oversight's filter of it).
func (s *Server) claimList(c *fiber.Ctx, queue bool) error {
	a := actor(c)
	q := store.ClaimQuery{Status: claim.Status(c.Query("status")), Line: znb.Line(c.Query("line")), Village: c.Query("village"),
		Signal: oversight.Code(c.Query("signal")), Queue: queue}
	var err error
	if q.From, err = queryDate(c, "from"); err != nil {
		return err
	}
	if q.To, err = queryDate(c, "to"); err != nil {
		return err
	}
	if q.Page, err = queryInt(c, "page"); err != nil {
		return err
	}
	if q.PageSize, err = queryInt(c, "page_size"); err != nil {
		return err
	}
	recs, total, err := s.DB.ListClaims(c.UserContext(), a, q)
	if err != nil {
		return err
	}
	items := make([]claimOut, len(recs))
	shown := make([]*claim.Claim, len(recs))
	for i := range recs {
		items[i] = s.claimOut(&recs[i], a.NeedsFullID())
		shown[i] = &recs[i]
	}
	if err := s.auditFullID(c, a.NeedsFullID(), shown...); err != nil {
		return err
	}
	page := store.ClaimPage(q.Page, q.PageSize)
	return c.JSON(fiber.Map{"items": items, "total": total, "page": page.Number, "page_size": page.Size})
}

func queryDate(c *fiber.Ctx, name string) (znb.Date, error) {
	v := c.Query(name)
	if v == "" {
		return znb.Date{}, nil
	}
	d, err := znb.ParseDate(v)
	if err != nil {
		return znb.Date{}, znb.Errorf(znb.Invalid, "invalid_date", "%s 须为日期 YYYY-MM-DD：%q", name, v)
	}
	return d, nil
}

func queryInt(c *fiber.Ctx, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, znb.Errorf(znb.Invalid, "invalid_"+name, "%s 须为正整数：%q", name, v)
	}
	return n, nil
}

// dec is an amount or a percentage in a request: a JSON string ("4500.00")
// or, leniently, a JSON number.
type dec string

func (d *dec) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*d = ""
		return nil
	}
	*d = dec(strings.Trim(s, `"`))
	return nil
}

// assessJSON is every line's assessment body in one shape; the
// claim's line says which fields count.
type assessJSON struct {
	Items []struct {
		Kind                string `json:"kind"`
		Subject             string `json:"subject"`
		Quantity            dec    `json:"quantity"`
		AssessedLoss        dec    `json:"assessed_loss"`
		PolicyInsurancePaid dec    `json:"policy_insurance_paid"`
	} `json:"items"`
	Outcome  string `json:"outcome"`
	Injuries []struct {
		Grade int `json:"grade"`
	} `json:"injuries"`
	Burns []struct {
		Site    string `json:"site"`
		AreaPct dec    `json:"area_pct"`
	} `json:"burns"`
	MedicalExpense        dec    `json:"medical_expense"`
	BasicInsurancePaid    dec    `json:"basic_insurance_paid"`
	CriticalIllnessPaid   dec    `json:"critical_illness_paid"`
	MedicalAssistancePaid dec    `json:"medical_assistance_paid"`
	NonReimbursable       dec    `json:"non_reimbursable"`
	AdmittedOn            string `json:"admitted_on"`
	DischargedOn          string `json:"discharged_on"`
	StructureLoss         dec    `json:"structure_loss"`
	DecorationLoss        dec    `json:"decoration_loss"`
	ApplianceLoss         dec    `json:"appliance_loss"`
	Settlements           []struct {
		SettlementNo          string `json:"settlement_no"`
		Total                 dec    `json:"total"`
		BasicInsurancePaid    dec    `json:"basic_insurance_paid"`
		CriticalIllnessPaid   dec    `json:"critical_illness_paid"`
		MedicalAssistancePaid dec    `json:"medical_assistance_paid"`
		NonReimbursable       dec    `json:"non_reimbursable"`
	} `json:"settlements"`
	DisasterLoss   dec    `json:"disaster_loss"`
	InsurancePaid  dec    `json:"insurance_paid"`
	EducationCosts dec    `json:"education_costs"`
	Grants         dec    `json:"grants"`
	Note           string `json:"note"`
}

// form is the body as the domain's assessment form.
func (in *assessJSON) form() *claim.Form {
	f := &claim.Form{Outcome: in.Outcome,
		MedicalExpense: string(in.MedicalExpense), BasicInsurancePaid: string(in.BasicInsurancePaid),
		CriticalIllnessPaid: string(in.CriticalIllnessPaid), MedicalAssistancePaid: string(in.MedicalAssistancePaid),
		NonReimbursable: string(in.NonReimbursable), AdmittedOn: in.AdmittedOn, DischargedOn: in.DischargedOn,
		StructureLoss:  string(in.StructureLoss),
		DecorationLoss: string(in.DecorationLoss), ApplianceLoss: string(in.ApplianceLoss),
		DisasterLoss: string(in.DisasterLoss), InsurancePaid: string(in.InsurancePaid),
		EducationCosts: string(in.EducationCosts), Grants: string(in.Grants)}
	for _, st := range in.Settlements {
		f.Settlements = append(f.Settlements, claim.FormSettlement{No: st.SettlementNo, Total: string(st.Total),
			BasicInsurancePaid: string(st.BasicInsurancePaid), CriticalIllnessPaid: string(st.CriticalIllnessPaid),
			MedicalAssistancePaid: string(st.MedicalAssistancePaid), NonReimbursable: string(st.NonReimbursable)})
	}
	for _, it := range in.Items {
		f.Items = append(f.Items, claim.FormItem{Kind: it.Kind, Subject: it.Subject, Quantity: string(it.Quantity),
			AssessedLoss: string(it.AssessedLoss), PolicyInsurancePaid: string(it.PolicyInsurancePaid)})
	}
	for _, j := range in.Injuries {
		f.Injuries = append(f.Injuries, claim.Injury{Grade: j.Grade})
	}
	for _, b := range in.Burns {
		f.Burns = append(f.Burns, claim.FormBurn{Site: b.Site, AreaPct: string(b.AreaPct)})
	}
	return f
}

// assessClaim decodes the body once; the store reads the claim under its
// lock and the domain reads the form for the claim's line.
func (s *Server) assessClaim(c *fiber.Ctx) error {
	var in assessJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	a := actor(c)
	rec, err := s.DB.AssessClaim(c.UserContext(), a, c.Params("no"), in.form(), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(s.claimOut(rec, a.NeedsFullID()))
}

type decisionJSON struct {
	ReasonCode claim.Reason `json:"reason_code"`
	PaymentRef string       `json:"payment_ref"`
	Note       string       `json:"note"`
}

// decodeOptional reads a JSON body that may be absent.
func decodeOptional(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return decode(c, v)
}

func (s *Server) approveClaim(c *fiber.Ctx) error {
	var in decisionJSON
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	rec, err := s.DB.ApproveClaim(c.UserContext(), actor(c), c.Params("no"), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(s.claimOut(rec, actor(c).NeedsFullID()))
}

func (s *Server) rejectClaim(c *fiber.Ctx) error {
	var in decisionJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	rec, err := s.DB.RejectClaim(c.UserContext(), actor(c), c.Params("no"), in.ReasonCode, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(s.claimOut(rec, actor(c).NeedsFullID()))
}

func (s *Server) payClaim(c *fiber.Ctx) error {
	var in decisionJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	rec, err := s.DB.PayClaim(c.UserContext(), actor(c), c.Params("no"), in.PaymentRef, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(s.claimOut(rec, actor(c).NeedsFullID()))
}
