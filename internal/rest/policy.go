package rest

import (
	"context"
	"io"
	"sort"
	"strconv"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// SyncIssueLimit is the largest list (in households) whose issue answers
// in the request; larger lists, or ?async=true, run as a background job.
const SyncIssueLimit = 5000

func (s *Server) policyRoutes(r fiber.Router) {
	r.Post("/products", allow(znb.LoadProduct), s.loadProduct)
	r.Get("/products", s.listProducts)
	r.Post("/agreements", allow(znb.CreateAgreement), s.createAgreement)
	r.Get("/agreements/:id", s.agreementByID(s.DB.GetAgreement))
	r.Post("/agreements/:id/activate", allow(znb.ActivateAgreement), s.agreementByID(s.DB.ActivateAgreement))
	r.Post("/agreements/:id/issue", allow(znb.IssueAgreement), s.issue)
	r.Get("/jobs/:id", s.getJob)
	r.Get("/certificates", s.findCertificates)
	r.Get("/certificates/:no", s.getCertificate)
}

// fileOrBody returns the multipart field "file" when the request is a form,
// else the raw body: product and agreement files come either way.
func fileOrBody(c *fiber.Ctx) ([]byte, error) {
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return nil, znb.Wrap(err, "读取上传文件")
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, 1<<20))
		return b, znb.Wrap(err, "读取上传文件")
	}
	if len(c.Body()) == 0 {
		return nil, znb.Errorf(znb.Invalid, "file_required", "请在请求体中提交文件内容，或以 multipart 字段 file 上传")
	}
	return c.Body(), nil
}

type productJSON struct {
	Code             string `json:"code"`
	Version          int    `json:"version"`
	Name             string `json:"name"`
	PremiumPerPerson string `json:"premium_per_person"`
	SHA256           string `json:"sha256,omitempty"`
	CreatedBy        string `json:"created_by,omitempty"`
	CreatedAt        string `json:"created_at,omitempty"`
	Loaded           *bool  `json:"loaded,omitempty"`
}

func (s *Server) loadProduct(c *fiber.Ctx) error {
	body, err := fileOrBody(c)
	if err != nil {
		return err
	}
	p, loaded, err := s.DB.LoadProduct(c.UserContext(), actor(c), body)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if loaded {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(productJSON{Code: p.Code, Version: p.Version, Name: p.Name,
		PremiumPerPerson: amount(p.PremiumPerPerson), Loaded: &loaded})
}

func (s *Server) listProducts(c *fiber.Ctx) error {
	ps, err := s.DB.Products(c.UserContext())
	if err != nil {
		return err
	}
	items := make([]productJSON, len(ps))
	for i, p := range ps {
		items[i] = productJSON{Code: p.Code, Version: p.Version, Name: p.Name, PremiumPerPerson: amount(p.PremiumPerPerson),
			SHA256: p.SHA256, CreatedBy: p.CreatedBy, CreatedAt: msTime(p.CreatedAt)}
	}
	return c.JSON(fiber.Map{"items": items})
}

type insurerJSON struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Hotline string `json:"hotline"`
}

// serviceContactJSON is the agreement's optional local service contact.
type serviceContactJSON struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

type agreementJSON struct {
	ID             int64                        `json:"id"`
	AgreementNo    string                       `json:"agreement_no"`
	Status         string                       `json:"status"`
	County         string                       `json:"county"`
	Insurer        insurerJSON                  `json:"insurer"`
	ServiceContact *serviceContactJSON          `json:"service_contact,omitempty"`
	Product        map[string]any               `json:"product"`
	Term           map[string]znb.Date          `json:"term"`
	PremiumPer     string                       `json:"premium_per_person"`
	Split          map[string]map[string]string `json:"split"`
	MasterPolicyNo string                       `json:"master_policy_no"`
}

func (s *Server) agreementOut(ctx context.Context, a *policy.Agreement) (agreementJSON, error) {
	out := agreementJSON{ID: a.ID, AgreementNo: a.No, Status: string(a.Status), County: a.County,
		Insurer: insurerJSON{a.Insurer.Code, a.Insurer.Name, a.Insurer.Hotline},
		Product: map[string]any{"code": a.ProductCode, "version": a.ProductVersion},
		Term:    map[string]znb.Date{"start": a.Term.Start, "end": a.Term.End}, PremiumPer: amount(a.PremiumPerPerson),
		Split: map[string]map[string]string{}}
	if sc := a.ServiceContact; sc.Given() {
		out.ServiceContact = &serviceContactJSON{sc.Name, sc.Phone}
	}
	for c, sp := range a.Splits {
		m := map[string]string{}
		for i, src := range znb.Sources {
			m[string(src)] = sp[i].String()
		}
		out.Split[string(c)] = m
	}
	no, err := s.DB.MasterPolicyNo(ctx, a.ID)
	out.MasterPolicyNo = no
	return out, err
}

func (s *Server) createAgreement(c *fiber.Ctx) error {
	body, err := fileOrBody(c)
	if err != nil {
		return err
	}
	a, err := s.DB.CreateAgreement(c.UserContext(), actor(c), body)
	if err != nil {
		return err
	}
	out, err := s.agreementOut(c.UserContext(), a)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// agreementByID answers the agreement that op (a read or a change) returns
// for the :id of the path.
func (s *Server) agreementByID(op func(context.Context, znb.Actor, int64) (*policy.Agreement, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id", "协议")
		if err != nil {
			return err
		}
		a, err := op(c.UserContext(), actor(c), id)
		if err != nil {
			return err
		}
		out, err := s.agreementOut(c.UserContext(), a)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

type exclusionJSON struct {
	HouseholdNo      string `json:"household_no"`
	Reason           string `json:"reason"`
	IDNumber         string `json:"id_number,omitempty"`
	OtherCertificate string `json:"other_certificate,omitempty"`
}

// issueJSON is the result of an issue call.
type issueJSON struct {
	MasterPolicyNo string          `json:"master_policy_no"`
	Certificates   int             `json:"certificates"`
	Persons        int             `json:"persons"`
	Premium        string          `json:"premium"`
	Endorsements   int             `json:"endorsements"`
	Excluded       []exclusionJSON `json:"excluded"`
	JobID          int64           `json:"job_id"`
}

func (s *Server) exclusionsOut(full bool, xs []policy.Exclusion) []exclusionJSON {
	out := make([]exclusionJSON, len(xs))
	for i, x := range xs {
		out[i] = exclusionJSON{HouseholdNo: x.HouseholdNo, Reason: x.Reason, OtherCertificate: x.OtherCertificate}
		if x.IDNumber != "" {
			out[i].IDNumber = s.idOut(full, x.IDNumber)
		}
	}
	return out
}

type jobJSON struct {
	JobID           int64           `json:"job_id"`
	AgreementID     int64           `json:"agreement_id"`
	ListID          int64           `json:"list_id"`
	Kind            string          `json:"kind"`
	Status          string          `json:"status"`
	HouseholdsTotal int             `json:"households_total"`
	HouseholdsDone  int             `json:"households_done"`
	Certificates    int             `json:"certificates"`
	Persons         int             `json:"persons"`
	Premium         string          `json:"premium"`
	Endorsements    int             `json:"endorsements"`
	ExcludedCount   int             `json:"excluded_count"`
	Excluded        []exclusionJSON `json:"excluded,omitempty"`
	Error           string          `json:"error,omitempty"`
	StartedBy       string          `json:"started_by"`
	StartedAt       string          `json:"started_at"`
	UpdatedAt       string          `json:"updated_at"`
	FinishedAt      string          `json:"finished_at,omitempty"`
}

func jobOut(j *policy.IssueJob) jobJSON {
	out := jobJSON{JobID: j.ID, AgreementID: j.AgreementID, ListID: j.ListID, Kind: string(j.Kind), Status: string(j.Status),
		HouseholdsTotal: j.HouseholdsTotal, HouseholdsDone: j.HouseholdsDone, Certificates: j.Certificates,
		Persons: j.Persons, Premium: amount(j.Premium), Endorsements: j.Endorsements, ExcludedCount: j.Excluded,
		Error: j.Error, StartedBy: j.StartedBy, StartedAt: msTime(j.StartedAt), UpdatedAt: msTime(j.UpdatedAt)}
	if j.FinishedAt != 0 {
		out.FinishedAt = msTime(j.FinishedAt)
	}
	return out
}

// inFlight marks issue runs a goroutine of this process is working on, so
// a repeated request does not start a second one (which would be safe, the
// store serialises chunks, but wasteful).
var inFlight sync.Map // jobKey → struct{}

type jobKey struct {
	db *store.DB
	id int64
}

// issue runs small lists in the request and answers the result;
// a list over SyncIssueLimit households, or ?async=true, runs in the
// background: 202 with the job, whose progress GET /jobs/{id} reads.
func (s *Server) issue(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "协议")
	if err != nil {
		return err
	}
	var req struct {
		ListID int64 `json:"list_id"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.ListID <= 0 {
		return znb.Errorf(znb.Invalid, "list_id_required", "请给出名单版本 list_id")
	}
	a := actor(c)
	job, err := s.DB.PrepareIssue(c.UserContext(), a, id, req.ListID)
	if err != nil {
		return err
	}
	async, _ := strconv.ParseBool(c.Query("async", "false"))
	if job.Status == policy.RunDone || (!async && job.HouseholdsTotal <= SyncIssueLimit) {
		res, err := s.DB.Issue(c.UserContext(), a, id, req.ListID, store.IssueOptions{})
		if err != nil {
			return err
		}
		return c.JSON(issueJSON{MasterPolicyNo: res.MasterPolicyNo, Certificates: res.Certificates, Persons: res.Persons,
			Premium: amount(res.Premium), Endorsements: res.Endorsements,
			Excluded: s.exclusionsOut(a.NeedsFullID(), res.Excluded), JobID: res.RunID})
	}
	if s.bg.Err() != nil {
		return errShuttingDown()
	}
	s.issueInBackground(a, id, req.ListID, job.ID)
	c.Location("/api/v1/jobs/" + strconv.FormatInt(job.ID, 10))
	return c.Status(fiber.StatusAccepted).JSON(jobOut(job))
}

// getJob reports an issue run's progress; once done it lists the first
// thousand exclusions (all of them are in the run's audit trail and table).
// issueInBackground runs the issue job unless this process runs it already.
func (s *Server) issueInBackground(a znb.Actor, id, listID, jobID int64) {
	key := jobKey{s.DB, jobID}
	if _, busy := inFlight.LoadOrStore(key, struct{}{}); busy {
		return
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer inFlight.Delete(key)
		_, err := s.DB.Issue(s.bg, a, id, listID, store.IssueOptions{})
		switch {
		case err == nil:
		case znb.CodeOf(err) == "issue_running":
			// Another process runs it: the client follows that run.
			s.Log.Info("issue job runs elsewhere", "job", jobID)
		case s.bg.Err() != nil:
			s.Log.Info("issue job interrupted by shutdown; posting the same issue resumes it", "job", jobID)
		default:
			s.Log.Error("issue job failed", "job", jobID, "err", err)
		}
	}()
}

func (s *Server) getJob(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "出单任务")
	if err != nil {
		return err
	}
	a := actor(c)
	j, err := s.DB.IssueJobOf(c.UserContext(), a, id)
	if err != nil {
		return err
	}
	out := jobOut(j)
	if j.Status == policy.RunDone && j.Excluded > 0 {
		xs, err := s.DB.IssueExclusions(c.UserContext(), j.ID, 1000)
		if err != nil {
			return err
		}
		out.Excluded = s.exclusionsOut(a.NeedsFullID(), xs)
	}
	return c.JSON(out)
}

type insuredJSON struct {
	Name       string   `json:"name"`
	IDNumber   string   `json:"id_number"`
	Relation   string   `json:"relation"`
	CoverStart znb.Date `json:"cover_start"`
	CoverEnd   znb.Date `json:"cover_end"`
	Premium    string   `json:"premium"`
}

type endorsementJSON struct {
	Type          string   `json:"type"`
	EffectiveDate znb.Date `json:"effective_date"`
	PremiumDelta  string   `json:"premium_delta"`
}

// certificateJSON is the certificate, with a few more fields.
type certificateJSON struct {
	CertificateNo  string            `json:"certificate_no"`
	MasterPolicyNo string            `json:"master_policy_no"`
	HouseholdNo    string            `json:"household_no"`
	Status         string            `json:"status"`
	PeriodStart    znb.Date          `json:"period_start"`
	PeriodEnd      znb.Date          `json:"period_end"`
	Premium        string            `json:"premium"`
	Members        []insuredJSON     `json:"members"`
	Endorsements   []endorsementJSON `json:"endorsements"`
	AgreementID    int64             `json:"agreement_id"`
	County         string            `json:"county"`
	RegionCode     string            `json:"region_code"`
	VillageName    string            `json:"village_name"`
	Category       znb.Category      `json:"category"`
	CancelledFrom  *znb.Date         `json:"cancelled_from,omitempty"`
	Shares         map[string]string `json:"shares"`
	IssuedAt       string            `json:"issued_at"`
}

func (s *Server) certificateOut(full bool, v *policy.Certificate) certificateJSON {
	period := v.Period()
	out := certificateJSON{CertificateNo: v.No, MasterPolicyNo: v.MasterPolicyNo, HouseholdNo: v.HouseholdNo,
		Status: string(v.Status), PeriodStart: period.Start, PeriodEnd: period.End, Premium: amount(v.Premium()),
		Members: make([]insuredJSON, len(v.Members)), Endorsements: make([]endorsementJSON, len(v.Endorsements)),
		AgreementID: v.AgreementID, County: v.County, RegionCode: v.RegionCode, VillageName: v.Village,
		Category: v.Category, Shares: map[string]string{}, IssuedAt: msTime(v.IssuedAt)}
	for i, m := range v.Members {
		out.Members[i] = insuredJSON{m.Name, s.idOut(full, m.IDNumber), m.Relation, m.Cover.Start, m.Cover.End, amount(m.Premium)}
	}
	for i, e := range v.Endorsements {
		out.Endorsements[i] = endorsementJSON{string(e.Type), e.Effective, amount(e.PremiumDelta)}
	}
	if !v.CancelledFrom.IsZero() {
		d := v.CancelledFrom
		out.CancelledFrom = &d
	}
	for i, src := range znb.Sources {
		out.Shares[string(src)] = amount(v.Shares[i])
	}
	return out
}

// auditFullIDs records that the actor was shown the members' full ID
// numbers of these certificates.
func (s *Server) auditFullIDs(c *fiber.Ctx, vs []policy.Certificate) error {
	if !actor(c).NeedsFullID() || len(vs) == 0 {
		return nil
	}
	nos := make([]string, len(vs))
	for i := range vs {
		nos[i] = vs[i].No
	}
	sort.Strings(nos)
	object := "certificate:" + nos[0]
	if len(nos) > 1 {
		object = "certificates"
	}
	return s.DB.Audit(c.UserContext(), actor(c), "certificate.read_full_id", object, map[string]any{"certificates": nos})
}

func (s *Server) getCertificate(c *fiber.Ctx) error {
	v, err := s.DB.GetCertificate(c.UserContext(), actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	if err := s.auditFullIDs(c, []policy.Certificate{*v}); err != nil {
		return err
	}
	return c.JSON(s.certificateOut(actor(c).NeedsFullID(), v))
}

func (s *Server) findCertificates(c *fiber.Ctx) error {
	vs, err := s.DB.FindCertificates(c.UserContext(), actor(c), c.Query("household_no"), c.Query("id_number"))
	if err != nil {
		return err
	}
	if err := s.auditFullIDs(c, vs); err != nil {
		return err
	}
	items := make([]certificateJSON, len(vs))
	for i := range vs {
		items[i] = s.certificateOut(actor(c).NeedsFullID(), &vs[i])
	}
	return c.JSON(fiber.Map{"items": items})
}
