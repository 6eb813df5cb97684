package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The office's warnings (预警) and their follow-up, and the insurer's queue
// of automatic illness claims awaiting confirmation. Both read and write
// through the store calls the API's routes make: the warnings only for the
// office and auditors (an auditor reads, head names masked), the automatic
// claims only for the insurer's staff in scope.

func (w *console) warningRoutes(r fiber.Router) {
	r.Get("/warnings", w.allow(znb.ReadWarnings), w.warnings)
	r.Post("/warnings/:id/status", w.form, w.csrf, w.allow(znb.WorkWarnings), w.moveWarning)
}

// warningPageSize is how many warnings a page of the list shows.
const warningPageSize = 20

// warningFilters are the list's filters, kept across paging and follow-up.
var warningFilters = []string{"region", "rule", "status"}

type warningsData struct {
	Warnings []warningLine
	Total    int64
	Page     znb.Page
	Pages    int
	Prev     string
	Next     string
	Back     string // the list's filters and page, to come back to after a follow-up
	Done     string // the follow-up just saved
	Rules    []fpb.Rule
	Statuses []fpb.Status
}

type warningLine struct {
	rest.WarningJSON
	Figures string
	Next    []fpb.Status // where the office may move it now
}

var moveNames = map[fpb.Status]string{fpb.Visiting: "开始核实", fpb.Assisted: "已帮扶，办结", fpb.Dismissed: "排除，办结"}

func init() {
	funcs["moveName"] = func(s fpb.Status) string { return moveNames[s] }
}

// warningsQuery is the list's address with the filters of the form and
// the page.
func warningsQuery(form map[string]string, page int) string {
	u := url.Values{}
	for _, f := range warningFilters {
		if form[f] != "" {
			u.Set(f, form[f])
		}
	}
	if page > 1 {
		u.Set("page", strconv.Itoa(page))
	}
	if len(u) == 0 {
		return "/office/warnings"
	}
	return "/office/warnings?" + u.Encode()
}

// warningsView reads the page of warnings the filters of the query (or of
// the posted form's back address) ask for.
func (w *console) warningsView(c *fiber.Ctx, query func(string) string) (*view, error) {
	v := w.newView(c, "预警")
	d := &warningsData{Rules: fpb.Rules, Statuses: fpb.Statuses}
	v.Data = d
	for _, f := range warningFilters {
		v.Form[f] = strings.TrimSpace(query(f))
	}
	page, _ := strconv.Atoi(query("page"))
	d.Page = store.WarningPage(page, warningPageSize)
	a := actor(c)
	ws, total, err := w.db.ListWarnings(c.UserContext(), a, store.WarningQuery{Region: v.Form["region"],
		Rule: fpb.Rule(v.Form["rule"]), Status: fpb.Status(v.Form["status"]), Page: d.Page.Number, PageSize: d.Page.Size})
	if err != nil {
		return v, err
	}
	d.Total = total
	d.Pages = int((total + int64(d.Page.Size) - 1) / int64(d.Page.Size))
	work := znb.Can(a, znb.WorkWarnings)
	for i := range ws {
		l := warningLine{WarningJSON: rest.WarningOut(&ws[i]), Figures: ws[i].FiguresText()}
		if work {
			l.Next = ws[i].Status.Next()
		}
		d.Warnings = append(d.Warnings, l)
	}
	d.Back = warningsQuery(v.Form, d.Page.Number)
	if d.Page.Number > 1 {
		d.Prev = warningsQuery(v.Form, d.Page.Number-1)
	}
	if d.Page.Number < d.Pages {
		d.Next = warningsQuery(v.Form, d.Page.Number+1)
	}
	return v, nil
}

// warningField is where a filter's refusal is shown, by its code.
func warningField(err error) string {
	switch znb.CodeOf(err) {
	case "invalid_rule":
		return "rule"
	case "invalid_status":
		return "status"
	}
	return "region"
}

func (w *console) warnings(c *fiber.Ctx) error {
	v, err := w.warningsView(c, func(k string) string { return c.Query(k) })
	if err != nil {
		return w.fail(c, "warnings", v, err, warningField(err))
	}
	if id := c.Query("moved"); id != "" {
		v.Data.(*warningsData).Done = "预警 " + id + " 的处理已保存。"
	}
	return w.render(c, fiber.StatusOK, "warnings", v)
}

// moveWarning records a follow-up step as POST /warnings/{id}/status does
// and goes back to the list as it was filtered; a refusal sits beside the
// warning's note.
func (w *console) moveWarning(c *fiber.Ctx) error {
	id, err := pathID(c, "预警")
	if err != nil {
		return w.errorPage(c, err)
	}
	back, _ := url.Parse(c.FormValue("back"))
	if back == nil || back.Path != "/office/warnings" {
		back, _ = url.Parse("/office/warnings")
	}
	// The note's field is named by the warning, one per row of the list.
	field := "note-" + strconv.FormatInt(id, 10)
	note := strings.TrimSpace(c.FormValue(field))
	if _, err := w.db.MoveWarning(c.UserContext(), actor(c), id, fpb.Status(c.FormValue("status")), note); err != nil {
		v, verr := w.warningsView(c, back.Query().Get)
		if verr != nil {
			return w.errorPage(c, verr)
		}
		v.Form[field] = note
		if znb.ErrorOf(err).Kind == znb.NotFound {
			return w.errorPage(c, err)
		}
		return w.fail(c, "warnings", v, err, field)
	}
	q := back.Query()
	q.Set("moved", strconv.FormatInt(id, 10))
	return c.Redirect("/office/warnings?"+q.Encode(), fiber.StatusSeeOther)
}

// autoData is the insurer's queue of automatic claims awaiting confirmation.
type autoData struct {
	Claims  []rest.ClaimJSON
	Total   int64
	Page    znb.Page
	Pages   int
	Prev    string
	Next    string
	Confirm bool   // the actor may confirm (an adjuster)
	Done    string // the claim just confirmed
}

func (w *console) autoClaims(c *fiber.Ctx) error {
	v := w.newView(c, "主动理赔待确认")
	a := actor(c)
	page, _ := strconv.Atoi(c.Query("page"))
	d := &autoData{Page: store.ClaimPage(page, queuePageSize), Confirm: znb.Granted(a, znb.AssessClaim)}
	v.Data = d
	cs, total, err := w.api.Claims(c, a, store.ClaimQuery{Line: znb.Illness, Proposed: true, Page: d.Page.Number, PageSize: d.Page.Size})
	if err != nil {
		return w.errorPage(c, err)
	}
	d.Claims, d.Total = cs, total
	d.Pages = int((total + int64(d.Page.Size) - 1) / int64(d.Page.Size))
	if d.Page.Number > 1 {
		d.Prev = "/insurer/auto-claims?page=" + strconv.Itoa(d.Page.Number-1)
	}
	if d.Page.Number < d.Pages {
		d.Next = "/insurer/auto-claims?page=" + strconv.Itoa(d.Page.Number+1)
	}
	if no := c.Query("confirmed"); no != "" {
		d.Done = "已确认 " + no + " 的建议金额，待核赔。"
	}
	return w.render(c, fiber.StatusOK, "auto", v)
}

// confirm is the adjuster's confirmation of an automatic claim's proposal
// (POST /claims/{no}/confirm); it goes back to the queue, or to the claim
// when it came from there.
func (w *console) confirm(c *fiber.Ctx) error {
	no := c.Params("no")
	if _, err := w.db.ConfirmClaim(c.UserContext(), actor(c), no, strings.TrimSpace(c.FormValue("confirm_note"))); err != nil {
		v, _, verr := w.claimView(c)
		if verr != nil {
			return w.errorPage(c, verr)
		}
		return w.fail(c, "claim", v, err, "")
	}
	if c.FormValue("from") == "claim" {
		return c.Redirect("/insurer/claims/"+url.PathEscape(no)+"?assessed=1", fiber.StatusSeeOther)
	}
	return c.Redirect("/insurer/auto-claims?confirmed="+url.QueryEscape(no), fiber.StatusSeeOther)
}
