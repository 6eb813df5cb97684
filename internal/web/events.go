package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Disaster events (灾害事件) on the office's and the insurer's desks, and
// the insurer's payment batches (付款批次). Each page calls the store
// functions the API's routes call, and downloads go through the API's own
// handlers (apiFile), so the files are the API's.

func (w *console) eventRoutes(office, insurer fiber.Router) {
	for _, r := range []fiber.Router{office, insurer} {
		read := w.allow(znb.ReadEvents)
		r.Get("/events", read, w.events)
		r.Post("/events", w.form, w.csrf, w.allow(znb.DeclareEvent), w.declare)
		r.Get("/events/:id", read, w.event)
		r.Get("/events/:id/worksheet.xlsx", read, w.apiFile(w.api.EventWorksheet()))
		r.Get("/events/:id/dashboard.xlsx", read, w.apiFile(w.api.EventSummary("xlsx")))
		r.Get("/events/:id/dashboard.pdf", read, w.apiFile(w.api.EventSummary("pdf")))
	}
	insurer.Post("/events/:id/worksheets", w.api.TakeBody(w.api.MaxImportBytes, true), w.csrf, w.allow(znb.AssessClaim), w.loadWorksheet)
	insurer.Post("/events/:id/approve", w.form, w.csrf, w.allow(znb.DecideClaim), w.approveArea)
	insurer.Get("/batches", w.allow(znb.ReadClaims), w.batches)
	insurer.Post("/batches", w.form, w.csrf, w.allow(znb.BuildPayments), w.buildBatch)
	insurer.Get("/batches/:id", w.allow(znb.ReadClaims), w.batch)
	insurer.Get("/batches/:id/bank-file.csv", w.allow(znb.BuildPayments), w.apiFile(w.api.BankFile("csv")))
	insurer.Get("/batches/:id/bank-file.xlsx", w.allow(znb.BuildPayments), w.apiFile(w.api.BankFile("xlsx")))
	insurer.Post("/batches/:id/return", w.api.TakeBody(w.api.MaxImportBytes, true), w.csrf, w.allow(znb.BuildPayments), w.loadReturn)
	insurer.Post("/batches/:id/cancel", w.form, w.csrf, w.allow(znb.BuildPayments), w.cancelBatch)
}

type eventsData struct {
	Desk    string
	Events  []rest.EventJSON
	Declare bool
}

// eventFields are the declaration form's fields.
var eventFields = []string{"name", "cause", "first_day", "last_day", "regions"}

func (w *console) eventsView(c *fiber.Ctx) (*view, error) {
	v := w.newView(c, "灾害事件")
	a := actor(c)
	es, err := w.db.ListEvents(c.UserContext(), a)
	if err != nil {
		return v, err
	}
	d := &eventsData{Desk: desk(c), Declare: znb.Can(a, znb.DeclareEvent)}
	for i := range es {
		d.Events = append(d.Events, rest.EventOut(&es[i]))
	}
	v.Data = d
	return v, nil
}

func (w *console) events(c *fiber.Ctx) error {
	v, err := w.eventsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	if v.Form["cause"] == "" {
		v.Form["cause"] = "自然灾害"
	}
	return w.render(c, fiber.StatusOK, "events", v)
}

// declare declares an event as POST /events does; the regions are codes
// separated by spaces, commas or 、.
func (w *console) declare(c *fiber.Ctx) error {
	v, err := w.eventsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	for _, f := range eventFields {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	d := disaster.Declaration{Name: v.Form["name"], Cause: v.Form["cause"], Regions: strings.FieldsFunc(v.Form["regions"], func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})}
	for f, day := range map[string]*znb.Date{"first_day": &d.First, "last_day": &d.Last} {
		if *day, err = znb.ParseDate(v.Form[f]); err != nil {
			return w.fail(c, "events", v, znb.Errorf(znb.Invalid, "invalid_date", "日期须为 YYYY-MM-DD：%q", v.Form[f]), f)
		}
	}
	e, err := w.db.DeclareEvent(c.UserContext(), actor(c), d)
	if err != nil {
		return w.fail(c, "events", v, err, "")
	}
	return c.Redirect(desk(c)+"/events/"+strconv.FormatInt(e.ID, 10)+"?declared=1", fiber.StatusSeeOther)
}

type eventData struct {
	Desk      string
	Event     rest.EventJSON
	Dashboard rest.DashboardJSON
	Upload    bool // the actor may upload a filled worksheet (an adjuster)
	Approve   bool // the actor may approve by area (an approver)
	Build     bool // the actor may build a payment batch
	Done      string
	Loaded    *rest.WorksheetLoadJSON
	Approval  *rest.AreaApprovalJSON
	Rejects   []rest.RejectJSON
}

// eventView reads the event and its dashboard for the event page.
func (w *console) eventView(c *fiber.Ctx) (*view, *eventData, error) {
	id, err := pathID(c, "灾害事件")
	if err != nil {
		return nil, nil, err
	}
	a := actor(c)
	db, err := w.db.EventDashboard(c.UserContext(), a, id)
	if err != nil {
		return nil, nil, err
	}
	insurer := desk(c) == "/insurer"
	d := &eventData{Desk: desk(c), Event: rest.EventOut(db.Event), Dashboard: rest.DashboardOut(db),
		Upload: insurer && znb.Granted(a, znb.AssessClaim), Approve: insurer && znb.Granted(a, znb.DecideClaim),
		Build: insurer && znb.Can(a, znb.BuildPayments)}
	v := w.newView(c, "灾害事件："+db.Event.Name)
	v.Data = d
	if len(d.Event.Regions) > 0 {
		v.Form["region"] = d.Event.Regions[0]
	}
	return v, d, nil
}

func (w *console) event(c *fiber.Ctx) error {
	v, d, err := w.eventView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	if c.Query("declared") == "1" {
		d.Done = "灾害事件已宣布。"
	}
	return w.render(c, fiber.StatusOK, "event", v)
}

// loadWorksheet loads a filled worksheet as POST /events/{id}/worksheets
// does; a refusal lists every bad row.
func (w *console) loadWorksheet(c *fiber.Ctx) error {
	v, d, err := w.eventView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	path, name, done, err := rest.SaveUpload(c, "file", "file_required", "请选择填好的定损表（XLSX 或 CSV）")
	if err != nil {
		return w.fail(c, "event", v, err, "file")
	}
	defer done()
	f, err := rest.SheetFile(path, name)
	if err != nil {
		return w.fail(c, "event", v, err, "file")
	}
	res, err := w.db.LoadWorksheet(c.UserContext(), actor(c), d.Event.ID, f, nil)
	if err != nil {
		if res != nil {
			d.Rejects = rest.RejectsOut(res.Rejected)
		}
		return w.fail(c, "event", v, err, "file")
	}
	out := rest.WorksheetLoadOut(res)
	d.Loaded = &out
	return w.refreshed(c, v, d)
}

// refreshed shows the event page again with the figures after a change.
func (w *console) refreshed(c *fiber.Ctx, v *view, d *eventData) error {
	if db, err := w.db.EventDashboard(c.UserContext(), actor(c), d.Event.ID); err == nil {
		d.Dashboard = rest.DashboardOut(db)
	}
	return w.render(c, fiber.StatusOK, "event", v)
}

// approveArea approves the event's assessed claims of a village or
// township as POST /events/{id}/approve does, each as if alone.
func (w *console) approveArea(c *fiber.Ctx) error {
	v, d, err := w.eventView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	v.Form["region"], v.Form["note"] = strings.TrimSpace(c.FormValue("region")), strings.TrimSpace(c.FormValue("note"))
	res, err := w.db.ApproveArea(c.UserContext(), actor(c), d.Event.ID, v.Form["region"], v.Form["note"])
	if err != nil {
		return w.fail(c, "event", v, err, "region")
	}
	out := rest.AreaApprovalOut(res)
	d.Approval = &out
	return w.refreshed(c, v, d)
}

type batchesData struct {
	Batches []rest.BatchJSON
	Events  []rest.EventJSON
	Build   bool
	Total   int64
	Page    znb.Page
	Pages   int
	Prev    string
	Next    string
}

func (w *console) batchesView(c *fiber.Ctx) (*view, error) {
	v := w.newView(c, "付款批次")
	a := actor(c)
	page, _ := strconv.Atoi(c.Query("page"))
	d := &batchesData{Page: store.BatchPage(page, 0), Build: znb.Can(a, znb.BuildPayments)}
	v.Data = d
	bs, total, err := w.db.ListBatches(c.UserContext(), a, d.Page)
	if err != nil {
		return v, err
	}
	for i := range bs {
		d.Batches = append(d.Batches, rest.BatchOut(&bs[i]))
	}
	d.Total = total
	d.Pages = int((total + int64(d.Page.Size) - 1) / int64(d.Page.Size))
	if d.Page.Number > 1 {
		d.Prev = "/insurer/batches?page=" + strconv.Itoa(d.Page.Number-1)
	}
	if d.Page.Number < d.Pages {
		d.Next = "/insurer/batches?page=" + strconv.Itoa(d.Page.Number+1)
	}
	if d.Build {
		es, err := w.db.ListEvents(c.UserContext(), a)
		if err != nil {
			return v, err
		}
		for i := range es {
			d.Events = append(d.Events, rest.EventOut(&es[i]))
		}
	}
	return v, nil
}

func (w *console) batches(c *fiber.Ctx) error {
	v, err := w.batchesView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	v.Form["event_id"] = c.Query("event_id")
	return w.render(c, fiber.StatusOK, "batches", v)
}

// buildBatch builds a batch as POST /payment-batches does, from an event
// or from the days claims were approved on, and shows it with the claims
// left out for want of an account.
func (w *console) buildBatch(c *fiber.Ctx) error {
	v, err := w.batchesView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	for _, f := range []string{"event_id", "from", "to"} {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	var q disaster.BatchQuery
	q.EventID, _ = strconv.ParseInt(v.Form["event_id"], 10, 64)
	if q.EventID == 0 {
		for f, day := range map[string]*znb.Date{"from": &q.From, "to": &q.To} {
			if v.Form[f] != "" {
				if *day, err = znb.ParseDate(v.Form[f]); err != nil {
					return w.fail(c, "batches", v, znb.Errorf(znb.Invalid, "invalid_date", "日期须为 YYYY-MM-DD：%q", v.Form[f]), f)
				}
			}
		}
	}
	b, err := w.db.BuildBatch(c.UserContext(), actor(c), q, nil)
	if err != nil {
		field := "event_id"
		if znb.CodeOf(err) == "invalid_batch_query" && q.EventID == 0 && v.Form["from"] != "" {
			field = "to"
		}
		return w.fail(c, "batches", v, err, field)
	}
	return w.showBatch(c, fiber.StatusCreated, b, "付款批次已生成。")
}

type batchData struct {
	Batch   rest.BatchJSON
	Pay     bool // the actor may download the bank file, load the return, cancel
	Open    bool
	Done    string
	Rejects []rest.RejectJSON
}

var batchStatusNames = map[string]string{string(disaster.BatchOpen): "待回盘", string(disaster.BatchReturned): "已回盘",
	string(disaster.BatchCancelled): "已撤销"}

var outcomeNames = map[string]string{disaster.Pending: "待银行处理", disaster.Success: "成功", disaster.Failure: "失败"}

func init() {
	funcs["batchStatus"] = func(s string) string { return batchStatusNames[s] }
	funcs["outcome"] = func(s string) string { return outcomeNames[s] }
}

func (w *console) batchView(c *fiber.Ctx, b *store.Batch, done string) *view {
	v := w.newView(c, "付款批次 "+b.No)
	v.Data = &batchData{Batch: rest.BatchOut(b), Pay: znb.Can(actor(c), znb.BuildPayments), Open: b.Status == disaster.BatchOpen, Done: done}
	return v
}

func (w *console) showBatch(c *fiber.Ctx, status int, b *store.Batch, done string) error {
	return w.render(c, status, "batch", w.batchView(c, b, done))
}

// readBatch reads the batch of the address.
func (w *console) readBatch(c *fiber.Ctx) (*store.Batch, error) {
	id, err := pathID(c, "付款批次")
	if err != nil {
		return nil, err
	}
	return w.db.GetBatch(c.UserContext(), actor(c), id)
}

func (w *console) batch(c *fiber.Ctx) error {
	b, err := w.readBatch(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	done := map[string]string{"returned": "回盘文件已导入。", "cancelled": "付款批次已撤销，其中的案件可进入下一批次。"}[c.Query("done")]
	return w.showBatch(c, fiber.StatusOK, b, done)
}

// loadReturn loads the bank's return file as POST
// /payment-batches/{id}/return does; a refusal lists every bad row.
func (w *console) loadReturn(c *fiber.Ctx) error {
	b, err := w.readBatch(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	v := w.batchView(c, b, "")
	path, name, done, err := rest.SaveUpload(c, "file", "file_required", "请选择银行回盘文件（CSV 或 XLSX）")
	if err != nil {
		return w.fail(c, "batch", v, err, "file")
	}
	defer done()
	f, err := rest.SheetFile(path, name)
	if err != nil {
		return w.fail(c, "batch", v, err, "file")
	}
	if _, err := w.db.LoadReturn(c.UserContext(), actor(c), b.ID, f); err != nil {
		if d, ok := znb.ErrorOf(err).Details.(map[string]any); ok {
			if rs, ok := d["rejected"].([]registry.Reject); ok {
				v.Data.(*batchData).Rejects = rest.RejectsOut(rs)
			}
		}
		return w.fail(c, "batch", v, err, "file")
	}
	return c.Redirect("/insurer/batches/"+strconv.FormatInt(b.ID, 10)+"?done=returned", fiber.StatusSeeOther)
}

func (w *console) cancelBatch(c *fiber.Ctx) error {
	b, err := w.readBatch(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	if _, err := w.db.CancelBatch(c.UserContext(), actor(c), b.ID, strings.TrimSpace(c.FormValue("note"))); err != nil {
		return w.fail(c, "batch", w.batchView(c, b, ""), err, "")
	}
	return c.Redirect("/insurer/batches/"+strconv.FormatInt(b.ID, 10)+"?done=cancelled", fiber.StatusSeeOther)
}
