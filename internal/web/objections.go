package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The public objection form (the address a claims notice prints) and the
// office's pages of objections and of the outbox. The form goes through
// the household door's rate limit, as POST /public/objections does.

func (w *console) objectionRoutes(r, office, insurer fiber.Router) {
	r.Get("/objection", w.objectionPage)
	r.Post("/objection", w.form, w.anonymousCSRF, w.limitedOn("objection", w.objectionView), w.fileObjection)
	for _, desk := range []fiber.Router{office, insurer} {
		desk.Get("/objections", w.allow(znb.ReadObjections), w.objections)
		desk.Post("/objections/:no/answer", w.form, w.csrf, w.allow(znb.AnswerObjection), w.answerObjection)
	}
	office.Get("/outbox", w.allow(znb.ReadOutbox), w.outbox)
}

// desk is the section of the page asked for: /office or /insurer.
func desk(c *fiber.Ctx) string {
	if strings.HasPrefix(c.Path(), "/insurer/") {
		return "/insurer"
	}
	return "/office"
}

func (w *console) objectionView(c *fiber.Ctx) *view {
	v := w.newView(c, "对理赔公示提出异议")
	v.Phone = true
	for _, k := range []string{"name", "phone", "village", "text"} {
		v.Form[k] = strings.TrimSpace(c.FormValue(k))
	}
	return v
}

func (w *console) objectionPage(c *fiber.Ctx) error {
	return w.render(c, fiber.StatusOK, "objection", w.objectionView(c))
}

// objectionFields places a filing error beside its field.
var objectionFields = map[string]string{
	"phone_required": "phone", "bad_phone": "phone", "text_required": "text", "invalid_region": "village",
	"claim_or_village_required": "village",
}

func (w *console) fileObjection(c *fiber.Ctx) error {
	v := w.objectionView(c)
	it, err := w.db.FileObjection(c.UserContext(), znb.Actor{Username: "household"}, objection.Filing{
		Source: objection.Public, Category: objection.ClaimObjection, Name: v.Form["name"], Phone: v.Form["phone"],
		Village: v.Form["village"], Text: v.Form["text"]})
	if err != nil {
		field := objectionFields[znb.CodeOf(err)]
		if znb.CodeOf(err) == "field_too_long" {
			field = strings.Fields(znb.ErrorOf(err).Message)[0]
		}
		return w.fail(c, "objection", v, err, field)
	}
	v.Title, v.Data = "已收到您的异议", it
	return w.render(c, fiber.StatusCreated, "objection", v)
}

type objectionsData struct {
	Items   []rest.ObjectionJSON
	Overdue bool
	Desk    string // /office or /insurer
}

func (w *console) objectionsView(c *fiber.Ctx) (*view, error) {
	v := w.newView(c, "异议与投诉")
	a := actor(c)
	overdue := c.Query("overdue") == "1"
	items, err := w.db.ListObjections(c.UserContext(), a, store.ObjectionQuery{Overdue: overdue, Limit: 500})
	if err != nil {
		return v, err
	}
	d := &objectionsData{Overdue: overdue, Desk: desk(c)}
	today := znb.Clock(w.api.Clock).Today()
	for i := range items {
		d.Items = append(d.Items, rest.ObjectionOut(&items[i], znb.Can(a, znb.AnswerObjection), today))
	}
	v.Data = d
	return v, nil
}

func (w *console) objections(c *fiber.Ctx) error {
	v, err := w.objectionsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.render(c, fiber.StatusOK, "objections", v)
}

func (w *console) answerObjection(c *fiber.Ctx) error {
	_, err := w.db.AnswerObjection(c.UserContext(), actor(c), c.Params("no"),
		objection.Status(c.FormValue("outcome")), c.FormValue("reply"))
	if err != nil {
		v, verr := w.objectionsView(c)
		if verr != nil {
			return w.errorPage(c, verr)
		}
		return w.fail(c, "objections", v, err, "")
	}
	return c.Redirect(desk(c)+"/objections", fiber.StatusSeeOther)
}
