package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The household's pages: no account, the same door as POST /public/card
// and /public/claims (one rate limit per address for both, the same checks
// and audit). Each answer shows only what the name and ID number prove.

func (w *console) householdRoutes(r fiber.Router) {
	r.Get("/household", w.householdPage)
	limited := w.limitedOn("household", func(c *fiber.Ctx) *view {
		v := w.householdView(c)
		person(c, v)
		return v
	})
	r.Post("/household/card", w.form, w.anonymousCSRF, limited, w.householdCard)
	r.Post("/household/claims", w.form, w.anonymousCSRF, limited, w.householdClaims)
}

// limitedOn is the household door's rate limit (rest.PublicLimit), which
// runs the page within the limit; over it, the page again (drawn by
// newView) with the API's message and Retry-After.
func (w *console) limitedOn(page string, newView func(*fiber.Ctx) *view) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := w.api.PublicLimit()(c)
		if znb.CodeOf(err) == "rate_limited" {
			return w.fail(c, page, newView(c), err, "")
		}
		return err
	}
}

func (w *console) householdView(c *fiber.Ctx) *view {
	v := w.newView(c, "农户查询")
	v.Phone = true
	return v
}

func (w *console) householdPage(c *fiber.Ctx) error {
	return w.render(c, fiber.StatusOK, "household", w.householdView(c))
}

func person(c *fiber.Ctx, v *view) rest.Person {
	p := rest.Person{Name: strings.TrimSpace(c.FormValue("name")), IDNumber: strings.TrimSpace(c.FormValue("id_number"))}
	v.Form["name"], v.Form["id_number"] = p.Name, p.IDNumber
	return p
}

// householdCard answers the card as a PDF download, or the form again
// with the API's message beside it.
func (w *console) householdCard(c *fiber.Ctx) error {
	v := w.householdView(c)
	if err := w.api.PublicCard(c, person(c, v)); err != nil {
		c.Response().Header.Del(fiber.HeaderContentDisposition)
		return w.fail(c, "household", v, err, fieldOf(err))
	}
	// A download, not the browser's viewer: the card is kept on the phone.
	cd := string(c.Response().Header.Peek(fiber.HeaderContentDisposition))
	c.Set(fiber.HeaderContentDisposition, strings.Replace(cd, "inline", "attachment", 1))
	return nil
}

func (w *console) householdClaims(c *fiber.Ctx) error {
	v := w.householdView(c)
	claims, err := w.api.PublicClaims(c, person(c, v))
	if err != nil {
		return w.fail(c, "household", v, err, fieldOf(err))
	}
	v.Title = "我的理赔"
	v.Data = claims
	return w.render(c, fiber.StatusOK, "claims", v)
}

// fieldOf places a lookup error beside the field it is about.
func fieldOf(err error) string {
	msg := znb.ErrorOf(err).Message
	switch {
	case strings.HasPrefix(msg, "name "):
		return "name"
	case strings.HasPrefix(msg, "id_number "):
		return "id_number"
	case strings.Contains(msg, "参保人"):
		return "id_number"
	}
	return ""
}
