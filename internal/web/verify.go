package web

import (
	"github.com/gofiber/fiber/v2"
)

// verify draws the page a card's QR code opens (GET /verify/{no}?sig=) in
// the console's look, with no inline style; a client that asks for JSON
// gets the API's answer, which comes next in line.
func (w *console) verify(c *fiber.Ctx) error {
	if c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON) == fiber.MIMEApplicationJSON {
		return c.Next()
	}
	res, err := w.api.Verify(c, c.Params("no"), c.Query("sig"))
	if err != nil {
		return w.errorPage(c, err)
	}
	v := w.newView(c, "明白卡核验")
	v.Phone = true
	v.Data = res
	return w.render(c, fiber.StatusOK, "verify", v)
}
