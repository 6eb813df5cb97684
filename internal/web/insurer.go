package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The insurer's pages (承保机构). This first wave has the claims queue;
// the forms of a claim's life come next.

func (w *console) insurerRoutes(r fiber.Router) {
	r.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/insurer/claims", fiber.StatusSeeOther) })
	r.Get("/claims", w.allow(znb.ReadClaims), w.claimsQueue)
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

type queueData struct {
	Claims   []claim.Claim
	Total    int64
	Statuses []claim.Status
}

func (w *console) claimsQueue(c *fiber.Ctx) error {
	v := w.newView(c, "理赔案件")
	st := claim.Status(c.Query("status"))
	v.Form["status"] = string(st)
	cs, total, err := w.db.ListClaims(c.UserContext(), actor(c), store.ClaimQuery{Status: st, Page: 1, PageSize: 100})
	if err != nil {
		return w.fail(c, "queue", v, err, "status")
	}
	v.Data = &queueData{Claims: cs, Total: total, Statuses: statuses}
	return w.render(c, fiber.StatusOK, "queue", v)
}

var statuses = []claim.Status{claim.Reported, claim.Assessed, claim.Approved, claim.Rejected, claim.Paid}
