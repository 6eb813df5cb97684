package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The insurer's pages (承保机构). This first wave has the claims queue;
// the forms of a claim's life come next.

func (w *console) insurerRoutes(r fiber.Router) {
	r.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/insurer/claims", fiber.StatusSeeOther) })
	r.Get("/claims", w.allow(znb.ReadClaims), w.claimsQueue)
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
