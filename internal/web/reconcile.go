package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Reconciliation (对账): the run form hands its inputs to the store call
// POST /reconciliations makes; the result, its detail rows and its files
// are the API's own (rest.ReconciliationOut, rest.ReconciliationItems, the
// export and statement handlers).

func (w *console) reconcileRoutes(r fiber.Router) {
	read := w.allow(znb.ReadReconciliation)
	run := w.allow(znb.RunReconciliation)
	r.Get("/reconciliations", read, w.reconciliations)
	r.Post("/reconciliations", w.api.TakeBody(w.api.MaxImportBytes, true), w.csrf, run, w.reconcile)
	r.Get("/reconciliations/:id", read, w.reconciliation)
	r.Post("/reconciliations/:id/confirm", w.form, w.csrf, run, w.advance((*store.DB).ConfirmReconciliation))
	r.Post("/reconciliations/:id/settle", w.form, w.csrf, run, w.advance((*store.DB).SettleReconciliation))
	r.Get("/reconciliations/:id/export.xlsx", read, w.apiFile(w.api.ReconciliationExport("xlsx")))
	r.Get("/reconciliations/:id/statement.pdf", read, w.apiFile(w.api.ReconciliationPDF()))
}

// apiFile answers one of the API's file downloads for the signed-in
// actor; a refusal is a page.
func (w *console) apiFile(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := w.api.As(c, actor(c), h); err != nil {
			c.Response().Header.Del(fiber.HeaderContentDisposition)
			return w.errorPage(c, err)
		}
		return nil
	}
}

type reconRun struct {
	store.ReconciliationRun
	When string
}

type reconsData struct {
	Runs       []reconRun
	Agreements []rest.AgreementJSON
	Lists      []rest.ListJSON
	Rejects    []rest.RejectJSON // refused cells of an uploaded statement
}

func (w *console) reconsView(c *fiber.Ctx) (*view, *reconsData, error) {
	v := w.newView(c, "对账")
	a := actor(c)
	runs, err := w.db.RecentReconciliations(c.UserContext(), a, 50)
	if err != nil {
		return v, nil, err
	}
	d := &reconsData{}
	for _, r := range runs {
		d.Runs = append(d.Runs, reconRun{r, msWhen(r.CreatedAt)})
	}
	if znb.Can(a, znb.RunReconciliation) {
		if d.Agreements, err = w.api.Agreements(c, a); err != nil {
			return v, nil, err
		}
		ls, err := w.db.ListVersions(c.UserContext(), a, "")
		if err != nil {
			return v, nil, err
		}
		for i := range ls {
			d.Lists = append(d.Lists, rest.ListOut(&ls[i]))
		}
	}
	v.Data = d
	return v, d, nil
}

func (w *console) reconciliations(c *fiber.Ctx) error {
	v, _, err := w.reconsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.render(c, fiber.StatusOK, "reconciliations", v)
}

// reconcile runs a reconciliation like POST /reconciliations: over a list
// version or the list in force on a day, against an uploaded statement or
// the certificates issued here.
func (w *console) reconcile(c *fiber.Ctx) error {
	v, d, err := w.reconsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	for _, f := range []string{"agreement_id", "list_id", "as_of"} {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	o := store.ReconcileOptions{OpenStatement: rest.OpenStatement}
	o.AgreementID, _ = strconv.ParseInt(v.Form["agreement_id"], 10, 64)
	o.ListID, _ = strconv.ParseInt(v.Form["list_id"], 10, 64)
	if o.AgreementID <= 0 {
		return w.fail(c, "reconciliations", v, znb.Errorf(znb.Invalid, "agreement_required", "须给出协议（agreement_id）"), "agreement_id")
	}
	if s := v.Form["as_of"]; s != "" && o.ListID == 0 {
		if o.AsOf, err = znb.ParseDate(s); err != nil {
			return w.fail(c, "reconciliations", v, znb.Errorf(znb.Invalid, "invalid_as_of", "as_of 须为 YYYY-MM-DD：%q", s), "as_of")
		}
	}
	if fh, ferr := c.FormFile("statement"); ferr == nil && fh.Size > 0 {
		path, name, done, err := rest.SaveUpload(c, "statement", "statement_required", "请选择对账单文件（CSV 或 XLSX）")
		if err != nil {
			return w.fail(c, "reconciliations", v, err, "statement")
		}
		defer done()
		o.Statement, o.StatementName = path, name
	}
	rec, err := w.db.Reconcile(c.UserContext(), actor(c), o)
	if err != nil {
		d.Rejects = rest.StatementRejectsOut(err)
		return w.fail(c, "reconciliations", v, err, reconField(err, o))
	}
	return c.Redirect("/office/reconciliations/"+strconv.FormatInt(rec.ID, 10), fiber.StatusSeeOther)
}

// reconField places a refused run beside the input it is about.
func reconField(err error, o store.ReconcileOptions) string {
	code, msg := znb.CodeOf(err), znb.ErrorOf(err).Message
	switch {
	case rest.StatementRejectsOut(err) != nil || strings.Contains(code, "statement"):
		return "statement"
	case strings.Contains(code, "as_of") || code == "no_list_in_force":
		return "as_of"
	case strings.Contains(code, "list") || strings.Contains(msg, "名单"):
		if o.ListID == 0 {
			return "as_of"
		}
		return "list_id"
	case strings.Contains(code, "agreement") || strings.Contains(msg, "协议"):
		return "agreement_id"
	}
	return ""
}

type reconData struct {
	R           rest.ReconciliationJSON
	AgreementNo string
	Draft       bool
	Settle      bool // confirmed, waiting to be settled
	Findings    []findingLine
	Money       []moneyLine
	Sources     []string
	Finding     string // the finding whose rows are shown
	Name        string
	Items       []rest.ItemJSON
	Total       int64
	Page        int
	Prev        int
	Next        int
	Advance     string // the error of a confirm or settle, beside its button
}

type findingLine struct {
	Code, Name               string
	Count                    int
	Premium, Allow, Disallow string
}

type moneyLine struct {
	Name   string
	Values []string
}

// itemsPerPage is how many detail rows a page shows.
const itemsPerPage = 50

func (w *console) reconciliation(c *fiber.Ctx) error {
	return w.showRecon(c, nil)
}

func (w *console) showRecon(c *fiber.Ctx, advanceErr error) error {
	id, err := pathID(c, "对账")
	if err != nil {
		return w.errorPage(c, err)
	}
	a := actor(c)
	rec, err := w.db.GetReconciliation(c.UserContext(), a, id)
	if err != nil {
		return w.errorPage(c, err)
	}
	out := rest.ReconciliationOut(rec)
	d := &reconData{R: out, Draft: rec.Status == subsidy.Draft, Settle: rec.Status == subsidy.Confirmed,
		AgreementNo: strconv.FormatInt(rec.AgreementID, 10)}
	if ag, err := w.db.GetAgreement(c.UserContext(), a, rec.AgreementID); err == nil {
		d.AgreementNo = ag.No
	}
	for _, t := range rec.Result.Findings {
		d.Findings = append(d.Findings, findingLine{Code: string(t.Finding), Name: t.Finding.Name(), Count: t.Count,
			Premium: out.Findings[string(t.Finding)].Premium, Allow: moneyText(t.Allowed), Disallow: moneyText(t.Disallowed)})
	}
	keys := append([]string{"premium"}, sourceKeys()...)
	d.Sources = append([]string{"保费合计"}, sourceNames()...)
	for _, m := range []struct {
		name string
		v    map[string]string
	}{{"申报", out.Billed}, {"准予补贴", out.Allowed}, {"不予补贴", out.Disallowed}} {
		l := moneyLine{Name: m.name}
		for _, k := range keys {
			l.Values = append(l.Values, m.v[k])
		}
		d.Money = append(d.Money, l)
	}
	d.Finding = c.Query("finding")
	if d.Finding == "" {
		for _, f := range d.Findings { // the first finding that is not a match
			if f.Count > 0 && f.Code != string(subsidy.Matched) {
				d.Finding = f.Code
				break
			}
		}
	}
	if d.Finding != "" {
		d.Name = subsidy.Finding(d.Finding).Name()
		d.Page = max(c.QueryInt("page", 1), 1)
		q := store.ItemQuery{Finding: subsidy.Finding(d.Finding), Page: store.ItemPage(d.Page, itemsPerPage)}
		if d.Items, d.Total, err = w.api.ReconciliationItems(c, a, id, q); err != nil {
			return w.errorPage(c, err)
		}
		if d.Page > 1 {
			d.Prev = d.Page - 1
		}
		if int64(d.Page*itemsPerPage) < d.Total {
			d.Next = d.Page + 1
		}
	}
	status := fiber.StatusOK
	if advanceErr != nil {
		d.Advance = w.message(c, advanceErr)
		status = rest.StatusOf(advanceErr)
	}
	v := w.newView(c, "对账第 "+strconv.FormatInt(id, 10)+" 号")
	v.Form["done"] = c.Query("done")
	v.Data = d
	return w.render(c, status, "reconciliation", v)
}

// advance confirms or settles a reconciliation with the store's call and
// returns to its page; a refusal is shown beside the button.
func (w *console) advance(step func(*store.DB, context.Context, znb.Actor, int64) (*subsidy.Reconciliation, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "对账")
		if err != nil {
			return w.errorPage(c, err)
		}
		rec, err := step(w.db, c.UserContext(), actor(c), id)
		if err != nil {
			if znb.ErrorOf(err).Kind == znb.NotFound {
				return w.errorPage(c, err)
			}
			return w.showRecon(c, err)
		}
		return c.Redirect("/office/reconciliations/"+strconv.FormatInt(rec.ID, 10)+"?done="+string(rec.Status), fiber.StatusSeeOther)
	}
}

// The office pages' template functions, added here so that the shared
// function table in web.go stays as it is.
func init() {
	funcs["billName"] = func(b any) string {
		if fmt.Sprint(b) == string(subsidy.BillStatement) {
			return "承保机构对账单"
		}
		return "平台分户凭证"
	}
	funcs["reconStatus"] = func(s string) string { return reconStatusNames[subsidy.Status(s)] }
	funcs["categoryName"] = func(c znb.Category) string { return c.Name() }
}

var reconStatusNames = map[subsidy.Status]string{
	subsidy.Draft: "草稿（未确认）", subsidy.Confirmed: "已确认", subsidy.Settled: "已结算",
}
