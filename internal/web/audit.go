package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The audit trail (审计日志) of the region, newest first, read with the
// store call GET /audit makes, so its scope is the API's: the region's
// entries for an auditor; an office clerk is refused as the API refuses it.

func (w *console) auditRoutes(r fiber.Router) {
	r.Get("/audit", w.allow(znb.ReadAudit), w.audit)
}

// auditPage is how many entries a page of the trail shows.
const auditPage = 50

type auditData struct {
	Entries []auditLine
	Next    int64 // the before= of the older page, 0 on the last page
	First   bool
}

type auditLine struct {
	store.AuditEntry
	When string
}

func (w *console) audit(c *fiber.Ctx) error {
	v := w.newView(c, "审计日志")
	v.Form["object"] = strings.TrimSpace(c.Query("object"))
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	// One more than a page tells whether an older page exists.
	es, err := w.db.AuditTrailBefore(c.UserContext(), actor(c), v.Form["object"], max(before, 0), auditPage+1)
	if err != nil {
		return w.fail(c, "audit", v, err, "object")
	}
	d := &auditData{First: before <= 0}
	for i, e := range es {
		if i == auditPage {
			d.Next = es[i-1].Seq
			break
		}
		d.Entries = append(d.Entries, auditLine{e, msWhen(e.AtMs)})
	}
	v.Data = d
	return w.render(c, fiber.StatusOK, "audit", v)
}
