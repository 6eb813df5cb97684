package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Oversight of claims in the console: the insurer's review queue of
// signalled claims, the post-payment samples (both desks), the office's
// exclusion list (失信名单) and the outbox's state with its dead letters.
// Each page calls the store function its API route calls.

func (w *console) oversightRoutes(office, insurer fiber.Router) {
	insurer.Get("/review-queue", w.allow(znb.ReadClaims), w.reviewQueue)
	for _, d := range []fiber.Router{office, insurer} {
		d.Get("/samples", w.allow(znb.ReadSamples), w.samples)
		d.Post("/samples", w.form, w.csrf, w.allow(znb.SampleClaims), w.drawSample)
		d.Get("/samples/:id", w.allow(znb.ReadSamples), w.sample)
		d.Post("/samples/:id/items/:no", w.form, w.csrf, w.allow(znb.SampleClaims), w.recordSample)
	}
	office.Get("/exclusions", w.allow(znb.ReadExclusions), w.exclusions)
	office.Post("/exclusions", w.form, w.csrf, w.allow(znb.ManageExclusions), w.addExclusion)
	office.Post("/exclusions/:id/remove", w.form, w.csrf, w.allow(znb.ManageExclusions), w.removeExclusion)
	office.Post("/outbox/:id/requeue", w.form, w.csrf, w.allow(znb.RequeueOutbox), w.requeue)
}

func (w *console) reviewQueue(c *fiber.Ctx) error {
	return w.claimsList(c, "复核队列", "/insurer/review-queue", true)
}

// samplesData is the page of samples: the draw form, the samples drawn and
// the report by insurer and month.
type samplesData struct {
	Desk    string
	Samples []rest.SampleJSON
	Report  []rest.TallyJSON
	Done    string
}

var sampleFields = []string{"month", "insurer", "region", "rate", "seed"}

// sampleField is where a draw's refusal is shown, by its code.
var sampleField = map[string]string{
	"invalid_month": "month", "month_not_over": "month", "insurer_required": "insurer", "invalid_region": "region",
	"invalid_rate": "rate", "invalid_seed": "seed",
}

func (w *console) samplesView(c *fiber.Ctx) (*view, error) {
	v := w.newView(c, "抽查（赔后）")
	a := actor(c)
	q := store.SampleQuery{Month: strings.TrimSpace(c.Query("month")), Insurer: strings.TrimSpace(c.Query("insurer"))}
	list, err := w.db.ListSamples(c.UserContext(), a, q)
	if err != nil {
		return v, err
	}
	d := &samplesData{Desk: desk(c)}
	for i := range list {
		d.Samples = append(d.Samples, rest.SampleOut(&list[i]))
	}
	if d.Report, err = w.api.SampleReport(c, a, q); err != nil {
		return v, err
	}
	if a.Regional() {
		v.Form["region"] = a.Scope
	}
	v.Form["rate"] = oversight.DefaultRate.String()
	v.Data = d
	return v, nil
}

func (w *console) samples(c *fiber.Ctx) error {
	v, err := w.samplesView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.render(c, fiber.StatusOK, "samples", v)
}

// drawSample draws a month's sample as POST /samples does and opens it.
func (w *console) drawSample(c *fiber.Ctx) error {
	v, err := w.samplesView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	for _, f := range sampleFields {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	var seed *string
	if s := v.Form["seed"]; s != "" {
		seed = &s
	}
	req, err := rest.SampleRequestOf(v.Form["insurer"], v.Form["region"], v.Form["month"], v.Form["rate"], seed)
	if err == nil {
		var sm *store.Sample
		if sm, err = w.db.DrawSample(c.UserContext(), actor(c), req); err == nil {
			return c.Redirect(desk(c)+"/samples/"+strconv.FormatInt(sm.ID, 10)+"?drawn=1", fiber.StatusSeeOther)
		}
	}
	return w.fail(c, "samples", v, err, sampleField[znb.CodeOf(err)])
}

// sampleData is one sample's page.
type sampleData struct {
	S        rest.SampleJSON
	Desk     string
	Done     string
	Record   bool // the actor may record findings
	Outcomes []oversight.Outcome
}

func (w *console) sampleView(c *fiber.Ctx) (*view, error) {
	v := w.newView(c, "抽查样本")
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return v, znb.ErrNotFound("抽查样本")
	}
	a := actor(c)
	sm, err := w.db.GetSample(c.UserContext(), a, id)
	if err != nil {
		return v, err
	}
	ok, err := w.db.Redraw(c.UserContext(), a, id)
	if err != nil {
		return v, err
	}
	d := &sampleData{S: rest.SampleOut(sm), Desk: desk(c), Record: znb.Can(a, znb.SampleClaims),
		Outcomes: []oversight.Outcome{oversight.Confirmed, oversight.Recovered}}
	d.S.Reproduced = &ok
	v.Title = "抽查样本 " + sm.Month + " · " + sm.Insurer
	switch {
	case c.Query("drawn") == "1":
		d.Done = "已抽取样本，种子已记录。"
	case c.Query("recorded") != "":
		d.Done = "已记录 " + c.Query("recorded") + " 的抽查结果。"
	}
	v.Data = d
	return v, nil
}

func (w *console) sample(c *fiber.Ctx) error {
	v, err := w.sampleView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.render(c, fiber.StatusOK, "sample", v)
}

// recordSample records the finding on one sampled claim as POST
// /samples/{id}/items/{no} does.
func (w *console) recordSample(c *fiber.Ctx) error {
	v, err := w.sampleView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	no := c.Params("no")
	amount := decimal.Zero
	if s := strings.TrimSpace(c.FormValue("recovered")); s != "" {
		amount, err = money.Parse("recovered", s)
	}
	if err == nil {
		_, err = w.db.RecordSampleOutcome(c.UserContext(), actor(c), v.Data.(*sampleData).S.ID, no,
			oversight.Outcome(c.FormValue("outcome")), amount, c.FormValue("note"))
	}
	if err != nil {
		v.Form["item"], v.Form["recovered"], v.Form["note"] = no, c.FormValue("recovered"), c.FormValue("note")
		return w.fail(c, "sample", v, err, "")
	}
	return c.Redirect(desk(c)+"/samples/"+c.Params("id")+"?recorded="+url.QueryEscape(no), fiber.StatusSeeOther)
}

// exclusionsData is the page of the exclusion list.
type exclusionsData struct {
	Items    []rest.ExclusionJSON
	Statuses []option
	Sources  []option
	Done     string
}

var exclusionStatuses = []option{{string(oversight.Active), "生效中"}, {string(oversight.Scheduled), "未开始"},
	{string(oversight.Expired), "已到期"}, {string(oversight.Removed), "已移出"}}

var exclusionSources = []option{{string(oversight.FromSampling), oversight.FromSampling.Name()},
	{string(oversight.FromCourt), oversight.FromCourt.Name()}, {string(oversight.FromOther), oversight.FromOther.Name()}}

func init() {
	funcs["deref"] = func(b *bool) bool { return b != nil && *b }
	funcs["exclusionStatus"] = func(s oversight.ExclusionStatus) string {
		for _, o := range exclusionStatuses {
			if o.Value == string(s) {
				return o.Name
			}
		}
		return string(s)
	}
	funcs["channelName"] = func(ch notify.Channel) string {
		if ch == notify.SMS {
			return "短信"
		}
		return "系统订阅"
	}
	funcs["outboxStatus"] = func(s notify.Status) string {
		switch s {
		case notify.Sent:
			return "已发送"
		case notify.Dead:
			return "已放弃（死信）"
		}
		return "待发送"
	}
}

var exclusionFields = []string{"id_number", "name", "reason", "source", "source_ref", "region_code", "valid_from", "valid_until"}

// exclusionField is where a refused entry's error is shown, by its code.
var exclusionField = map[string]string{
	"invalid_id_number": "id_number", "invalid_name": "name", "reason_required": "reason", "reason_too_long": "reason",
	"invalid_source": "source", "source_ref_required": "source_ref", "invalid_region": "region_code",
	"invalid_valid_from": "valid_from", "invalid_valid_until": "valid_until", "invalid_period": "valid_until",
	"removal_note_required": "note",
}

func (w *console) exclusionsView(c *fiber.Ctx) (*view, error) {
	v := w.newView(c, "失信名单")
	st := oversight.ExclusionStatus(c.Query("status"))
	v.Form["status"] = string(st)
	switch st {
	case "", oversight.Scheduled, oversight.Active, oversight.Expired, oversight.Removed:
	default:
		st = ""
	}
	a := actor(c)
	items, err := w.api.Exclusions(c, a, store.ExclusionQuery{Status: st})
	if err != nil {
		return v, err
	}
	d := &exclusionsData{Items: items, Statuses: exclusionStatuses, Sources: exclusionSources}
	if c.Query("added") == "1" {
		d.Done = "已列入失信名单。"
	} else if c.Query("removed") != "" {
		d.Done = "已移出失信名单（第 " + c.Query("removed") + " 条），操作已记入审计日志。"
	}
	if a.Regional() {
		v.Form["region_code"] = a.Scope
	}
	v.Data = d
	return v, nil
}

func (w *console) exclusions(c *fiber.Ctx) error {
	v, err := w.exclusionsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.render(c, fiber.StatusOK, "exclusions", v)
}

// formDate reads an optional date field of a form.
func formDate(v *view, name, label string) (znb.Date, error) {
	s := v.Form[name]
	if s == "" {
		return znb.Date{}, nil
	}
	d, err := znb.ParseDate(s)
	if err != nil {
		return d, znb.Errorf(znb.Invalid, "invalid_"+name, "%s须为日期 YYYY-MM-DD：%q", label, s)
	}
	return d, nil
}

// addExclusion puts a person on the list as POST /exclusions does.
func (w *console) addExclusion(c *fiber.Ctx) error {
	v, err := w.exclusionsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	for _, f := range exclusionFields {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	in := oversight.ExclusionInput{IDNumber: v.Form["id_number"], Name: v.Form["name"], Reason: v.Form["reason"],
		Source: oversight.Source(v.Form["source"]), SourceRef: v.Form["source_ref"], RegionCode: v.Form["region_code"]}
	if in.From, err = formDate(v, "valid_from", "起日"); err == nil {
		if in.Until, err = formDate(v, "valid_until", "止日"); err == nil {
			_, err = w.db.AddExclusion(c.UserContext(), actor(c), in)
		}
	}
	if err != nil {
		return w.fail(c, "exclusions", v, err, exclusionField[znb.CodeOf(err)])
	}
	return c.Redirect("/office/exclusions?added=1", fiber.StatusSeeOther)
}

// removeExclusion takes an entry off the list with the note saying why,
// as POST /exclusions/{id}/remove does; the store audits it.
func (w *console) removeExclusion(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return w.errorPage(c, znb.ErrNotFound("失信名单条目"))
	}
	if _, err := w.db.RemoveExclusion(c.UserContext(), actor(c), id, c.FormValue("note")); err != nil {
		v, verr := w.exclusionsView(c)
		if verr != nil {
			return w.errorPage(c, verr)
		}
		v.Form["remove"], v.Form["note"] = c.Params("id"), c.FormValue("note")
		return w.fail(c, "exclusions", v, err, "")
	}
	return c.Redirect("/office/exclusions?removed="+c.Params("id"), fiber.StatusSeeOther)
}

// outboxData is the outbox page: counts by channel and status, the dead
// letters with their last error, the latest messages.
type outboxData struct {
	Counts []outboxLine
	Dead   []store.OutboxMessage
	Latest []store.OutboxMessage
	Done   string
}

// outboxLine is one channel's counts.
type outboxLine struct {
	Channel             notify.Channel
	Pending, Sent, Dead int64
}

func (w *console) outboxView(c *fiber.Ctx) (*view, error) {
	v := w.newView(c, "消息发送")
	a := actor(c)
	counts, err := w.db.CountOutbox(c.UserContext(), a)
	if err != nil {
		return v, err
	}
	d := &outboxData{}
	for _, ch := range []notify.Channel{notify.SMS, notify.Webhook} {
		l := outboxLine{Channel: ch}
		for _, n := range counts {
			if n.Channel != ch {
				continue
			}
			switch n.Status {
			case notify.Pending:
				l.Pending = n.N
			case notify.Sent:
				l.Sent = n.N
			case notify.Dead:
				l.Dead = n.N
			}
		}
		d.Counts = append(d.Counts, l)
	}
	if d.Dead, err = w.db.ListOutbox(c.UserContext(), a, store.OutboxQuery{Status: notify.Dead, Limit: 200}); err != nil {
		return v, err
	}
	if d.Latest, err = w.db.ListOutbox(c.UserContext(), a, store.OutboxQuery{Limit: 200}); err != nil {
		return v, err
	}
	if c.Query("requeued") != "" {
		d.Done = "消息 " + c.Query("requeued") + " 已重新排队，将由发送程序再次发送。"
	}
	v.Data = d
	return v, nil
}

func (w *console) outbox(c *fiber.Ctx) error {
	v, err := w.outboxView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.render(c, fiber.StatusOK, "outbox", v)
}

// requeue sends a dead letter again, as POST /outbox/{id}/requeue does.
func (w *console) requeue(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err == nil {
		err = w.db.RequeueOutbox(c.UserContext(), actor(c), id)
	} else {
		err = znb.ErrNotFound("消息")
	}
	if err != nil {
		if znb.ErrorOf(err).Kind == znb.NotFound {
			return w.errorPage(c, err)
		}
		v, verr := w.outboxView(c)
		if verr != nil {
			return w.errorPage(c, verr)
		}
		return w.fail(c, "outbox", v, err, "")
	}
	return c.Redirect("/office/outbox?requeued="+c.Params("id"), fiber.StatusSeeOther)
}
