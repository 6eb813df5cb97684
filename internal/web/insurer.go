package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The insurer's pages (承保机构): issuing, certificates and cards
// (certificates.go), and the claims (claims.go).

func (w *console) insurerRoutes(r fiber.Router) {
	r.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/insurer/claims", fiber.StatusSeeOther) })
	r.Get("/claims", w.allow(znb.ReadClaims), w.claimsQueue)
	r.Get("/claims/new", w.allow(znb.ReportClaim), w.reportPage)
	r.Post("/claims", w.form, w.csrf, w.allow(znb.ReportClaim), w.report)
	r.Get("/claims/:no", w.allow(znb.ReadClaims), w.claimPage)
	r.Post("/claims/:no/assess", w.form, w.csrf, w.allow(znb.AssessClaim), w.assess)
	r.Post("/claims/:no/confirm", w.form, w.csrf, w.allow(znb.AssessClaim), w.confirm)
	r.Get("/auto-claims", w.allow(znb.ReadClaims), w.autoClaims)
	r.Post("/claims/:no/approve", w.form, w.csrf, w.allow(znb.DecideClaim), w.decide("decide", "approved", w.approve))
	r.Post("/claims/:no/review", w.form, w.csrf, w.allow(znb.ReviewClaim), w.decide("review", "reviewed", w.review))
	r.Post("/claims/:no/reject", w.form, w.csrf, w.allow(znb.DecideClaim), w.decide("reason_code", "rejected", w.reject))
	r.Post("/claims/:no/pay", w.form, w.csrf, w.allow(znb.PayClaim), w.decide("payment_ref", "paid", w.pay))
	r.Post("/claims/:no/documents", w.api.TakeBody(w.api.MaxDocumentBody(), true), w.csrf, w.allow(znb.AttachToClaim),
		w.decide("file", "document", w.upload))
	r.Get("/claims/:no/documents/:id", w.allow(znb.ReadClaims), w.download(w.api.DocumentFile))
	r.Get("/claims/:no/letter.pdf", w.allow(znb.ReadClaims), w.download(w.api.Letter))
	r.Get("/certificates", w.allow(znb.ReadCards), w.certificates)
	r.Get("/cards", w.allow(znb.ReadCards), w.cardsPage)
	r.Get("/agreements/:id/cards", w.allow(znb.ReadCards), w.cardsFile)
	r.Get("/agreements", w.insurerAgreements)
	r.Post("/agreements/:id/issue", w.form, w.csrf, w.allow(znb.IssueAgreement), w.issue)
	r.Get("/jobs/:id", w.job)
}

func (w *console) insurerAgreements(c *fiber.Ctx) error {
	v := w.newView(c, "出单")
	as, err := w.api.Agreements(c, actor(c))
	if err != nil {
		return w.errorPage(c, err)
	}
	v.Data = as
	return w.render(c, fiber.StatusOK, "issue", v)
}

// issue starts issuing an agreement over a list version and shows its
// progress page.
func (w *console) issue(c *fiber.Ctx) error {
	id, err := pathID(c, "协议")
	if err != nil {
		return w.errorPage(c, err)
	}
	listID, _ := strconv.ParseInt(strings.TrimSpace(c.FormValue("list_id")), 10, 64)
	job, err := w.api.StartIssue(c, actor(c), id, listID)
	if err != nil {
		v := w.newView(c, "出单")
		as, aerr := w.api.Agreements(c, actor(c))
		if aerr != nil {
			return w.errorPage(c, aerr)
		}
		v.Data = as
		v.Form["agreement"], v.Form["list_id"] = c.Params("id"), c.FormValue("list_id")
		return w.fail(c, "issue", v, err, "list_id")
	}
	return c.Redirect("/insurer/jobs/"+strconv.FormatInt(job, 10), fiber.StatusSeeOther)
}

type jobData struct {
	Job     rest.JobJSON
	Percent int
	Done    bool
}

// job shows an issue job's progress; the page reloads itself every two
// seconds until the job has ended (a meta refresh: no script needed).
func (w *console) job(c *fiber.Ctx) error {
	id, err := pathID(c, "出单任务")
	if err != nil {
		return w.errorPage(c, err)
	}
	j, err := w.api.Job(c, actor(c), id)
	if err != nil {
		return w.errorPage(c, err)
	}
	d := &jobData{Job: j, Done: j.Status == string(policy.RunDone) || j.Status == string(policy.RunFailed)}
	if j.HouseholdsTotal > 0 {
		d.Percent = j.HouseholdsDone * 100 / j.HouseholdsTotal
	}
	if j.Status == string(policy.RunDone) {
		d.Percent = 100
	}
	v := w.newView(c, "出单进度")
	if !d.Done {
		v.Refresh = 2
	}
	v.Data = d
	return w.render(c, fiber.StatusOK, "job", v)
}
