package rest

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// objectionRoutes: staff record what arrives by hotline or in person, the
// holder acknowledges and answers, everyone in scope reads, with the
// overdue list for the office.
func (s *Server) objectionRoutes(r fiber.Router) {
	r.Post("/objections", allow(znb.RecordObjection), s.recordObjection)
	r.Get("/objections", allow(znb.ReadObjections), s.listObjections)
	r.Get("/objections/:no", allow(znb.ReadObjections), s.getObjection)
	r.Post("/objections/:no/ack", allow(znb.AnswerObjection), s.ackObjection)
	r.Post("/objections/:no/answer", allow(znb.AnswerObjection), s.answerObjection)
}

// notifyRoutes: webhook subscriptions (admin) and the outbox.
func (s *Server) notifyRoutes(r fiber.Router) {
	r.Post("/webhooks", allow(znb.ManageWebhooks), s.createWebhook)
	r.Get("/webhooks", allow(znb.ManageWebhooks), s.listWebhooks)
	r.Post("/webhooks/:id/disable", allow(znb.ManageWebhooks), s.disableWebhook)
	r.Get("/outbox", allow(znb.ReadOutbox), s.listOutbox)
	r.Get("/outbox/counts", allow(znb.ReadOutbox), s.outboxCounts)
	r.Post("/outbox/:id/requeue", allow(znb.RequeueOutbox), s.requeueOutbox)
}

// objectionIn is an objection as sent: by the public form (no category
// or source: a claim objection from the public) or by staff.
type objectionIn struct {
	Category string `json:"category"`
	Source   string `json:"source"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	ClaimNo  string `json:"claim_no"`
	Village  string `json:"village"`
	Text     string `json:"text"`
}

func (in objectionIn) filing(src objection.Source) objection.Filing {
	return objection.Filing{Category: objection.Category(in.Category), Source: src, Name: in.Name, Phone: in.Phone,
		ClaimNo: in.ClaimNo, Village: in.Village, Text: in.Text}
}

// ObjectionJSON is an objection or complaint; name and phone masked for
// whoever does not answer objections.
type ObjectionJSON struct {
	ObjectionNo  string    `json:"objection_no"`
	Category     string    `json:"category"`
	CategoryName string    `json:"category_name"`
	Source       string    `json:"source"`
	Holder       string    `json:"holder"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"`
	ClaimNo      string    `json:"claim_no,omitempty"`
	RegionCode   string    `json:"region_code"`
	Text         string    `json:"text"`
	ReceivedOn   znb.Date  `json:"received_on"`
	AckDue       znb.Date  `json:"ack_due"`
	ResolveDue   znb.Date  `json:"resolve_due"`
	Status       string    `json:"status"`
	StatusName   string    `json:"status_name"`
	AckedOn      *znb.Date `json:"acked_on"`
	Reply        string    `json:"reply"`
	AnsweredBy   string    `json:"answered_by"`
	AnsweredOn   *znb.Date `json:"answered_on"`
	Overdue      string    `json:"overdue"` // "", "ack" or "resolve"
}

// ObjectionOut turns an item into JSON as of today; full contact details
// only for those who answer.
func ObjectionOut(it *objection.Item, full bool, today znb.Date) ObjectionJSON {
	out := ObjectionJSON{ObjectionNo: it.No, Category: string(it.Category), CategoryName: it.Category.Name(), Source: string(it.Source), Holder: string(it.Holder),
		Name: it.Name, Phone: it.Phone, ClaimNo: it.ClaimNo, RegionCode: it.RegionCode, Text: it.Text, ReceivedOn: it.ReceivedOn,
		AckDue: it.AckDue, ResolveDue: it.ResolveDue, Status: string(it.Status), StatusName: it.Status.Name(), Reply: it.Reply, AnsweredBy: it.AnsweredBy,
		Overdue: it.Overdue(today)}
	if !full {
		out.Name, out.Phone = registry.MaskName(it.Name), notify.MaskPhone(it.Phone)
	}
	if !it.AckedOn.IsZero() {
		d := it.AckedOn
		out.AckedOn = &d
	}
	if !it.AnsweredOn.IsZero() {
		d := it.AnsweredOn
		out.AnsweredOn = &d
	}
	return out
}

func (s *Server) today() znb.Date { return znb.Clock(s.Clock).Today() }

// publicObjection answers POST /public/objections: the objection is
// recorded and the answer says its number and deadlines, nothing else.
func (s *Server) publicObjection(c *fiber.Ctx) error {
	var in objectionIn
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Source != "" {
		return znb.Errorf(znb.Invalid, "unknown_field", "请求体含有未知字段 source")
	}
	it, err := s.DB.FileObjection(c.UserContext(), household, in.filing(objection.Public))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"objection_no": it.No, "status": it.Status,
		"ack_due": it.AckDue, "resolve_due": it.ResolveDue})
}

func (s *Server) recordObjection(c *fiber.Ctx) error {
	var in objectionIn
	if err := decode(c, &in); err != nil {
		return err
	}
	src := objection.Source(in.Source)
	if src == objection.Public {
		return znb.Errorf(znb.Invalid, "invalid_source", "工作人员录入的来源应为 hotline 或 in_person")
	}
	it, err := s.DB.FileObjection(c.UserContext(), actor(c), in.filing(src))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ObjectionOut(it, true, s.today()))
}

func fullContact(a znb.Actor) bool { return znb.Can(a, znb.AnswerObjection) }

func (s *Server) listObjections(c *fiber.Ctx) error {
	a := actor(c)
	q := store.ObjectionQuery{Status: objection.Status(c.Query("status")), ClaimNo: c.Query("claim_no"),
		Overdue: c.QueryBool("overdue"), Limit: c.QueryInt("limit")}
	switch q.Status {
	case "", objection.Received, objection.Acknowledged, objection.Upheld, objection.Rejected:
	default:
		return znb.Errorf(znb.Invalid, "invalid_status", "状态无效：%q", q.Status)
	}
	items, err := s.DB.ListObjections(c.UserContext(), a, q)
	if err != nil {
		return err
	}
	today := s.today()
	out := make([]ObjectionJSON, len(items))
	for i := range items {
		out[i] = ObjectionOut(&items[i], fullContact(a), today)
	}
	return c.JSON(fiber.Map{"items": out})
}

func (s *Server) getObjection(c *fiber.Ctx) error {
	a := actor(c)
	it, err := s.DB.GetObjection(c.UserContext(), a, c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(ObjectionOut(it, fullContact(a), s.today()))
}

func (s *Server) ackObjection(c *fiber.Ctx) error {
	it, err := s.DB.AckObjection(c.UserContext(), actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(ObjectionOut(it, true, s.today()))
}

func (s *Server) answerObjection(c *fiber.Ctx) error {
	var in struct {
		Outcome string `json:"outcome"`
		Reply   string `json:"reply"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	it, err := s.DB.AnswerObjection(c.UserContext(), actor(c), c.Params("no"), objection.Status(in.Outcome), in.Reply)
	if err != nil {
		return err
	}
	return c.JSON(ObjectionOut(it, true, s.today()))
}

// WebhookJSON is a subscription; the secret only in the answer that
// creates it.
type WebhookJSON struct {
	ID      int64    `json:"id"`
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	Events  []string `json:"events"`
	Region  string   `json:"region"`
	Insurer string   `json:"insurer"`
	Active  bool     `json:"active"`
	Secret  string   `json:"secret,omitempty"`
}

func webhookOut(s *notify.Subscription) WebhookJSON {
	out := WebhookJSON{ID: s.ID, Name: s.Name, URL: s.URL, Events: []string{}, Region: s.Region, Insurer: s.Insurer,
		Active: s.Active, Secret: s.Secret}
	for _, e := range s.Events {
		out.Events = append(out.Events, string(e))
	}
	return out
}

func (s *Server) createWebhook(c *fiber.Ctx) error {
	var in struct {
		Name    string   `json:"name"`
		URL     string   `json:"url"`
		Events  []string `json:"events"`
		Region  string   `json:"region"`
		Insurer string   `json:"insurer"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	sub := notify.Subscription{Name: in.Name, URL: in.URL, Region: in.Region, Insurer: in.Insurer}
	for _, e := range in.Events {
		sub.Events = append(sub.Events, notify.Event(e))
	}
	out, err := s.DB.CreateSubscription(c.UserContext(), actor(c), sub)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(webhookOut(out))
}

func (s *Server) listWebhooks(c *fiber.Ctx) error {
	subs, err := s.DB.ListSubscriptions(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	out := make([]WebhookJSON, len(subs))
	for i := range subs {
		out[i] = webhookOut(&subs[i])
	}
	return c.JSON(fiber.Map{"items": out})
}

func (s *Server) disableWebhook(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return znb.ErrNotFound("订阅")
	}
	if err := s.DB.DisableSubscription(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": id, "active": false})
}

// OutboxJSON is a message of the outbox, the phone masked.
type OutboxJSON struct {
	ID        int64   `json:"id"`
	Key       string  `json:"idempotency_key"`
	Event     string  `json:"event"`
	Channel   string  `json:"channel"`
	Target    string  `json:"target"`
	Subject   string  `json:"subject"`
	Status    string  `json:"status"`
	Attempts  int     `json:"attempts"`
	NextAt    string  `json:"next_at"`
	LastError string  `json:"last_error"`
	CreatedAt string  `json:"created_at"`
	SentAt    *string `json:"sent_at"`
}

func (s *Server) listOutbox(c *fiber.Ctx) error {
	st := notify.Status(c.Query("status"))
	switch st {
	case "", notify.Pending, notify.Sent, notify.Dead:
	default:
		return znb.Errorf(znb.Invalid, "invalid_status", "状态无效：%q，可选 pending, sent, dead", st)
	}
	ms, err := s.DB.ListOutbox(c.UserContext(), actor(c), store.OutboxQuery{Status: st, Subject: c.Query("subject"),
		Limit: c.QueryInt("limit")})
	if err != nil {
		return err
	}
	out := make([]OutboxJSON, len(ms))
	for i, m := range ms {
		out[i] = OutboxJSON{ID: m.ID, Key: m.Key, Event: string(m.Event), Channel: string(m.Channel), Target: m.Target,
			Subject: m.Subject, Status: string(m.Status), Attempts: m.Attempts, NextAt: m.NextAt.Format(time.RFC3339),
			LastError: m.LastError, CreatedAt: m.CreatedAt.Format(time.RFC3339)}
		if !m.SentAt.IsZero() {
			t := m.SentAt.Format(time.RFC3339)
			out[i].SentAt = &t
		}
	}
	return c.JSON(fiber.Map{"items": out})
}

type outboxCountJSON struct {
	Channel string `json:"channel"`
	Status  string `json:"status"`
	Count   int64  `json:"count"`
}

func (s *Server) outboxCounts(c *fiber.Ctx) error {
	counts, err := s.DB.CountOutbox(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	out := make([]outboxCountJSON, len(counts))
	for i, n := range counts {
		out[i] = outboxCountJSON{string(n.Channel), string(n.Status), n.N}
	}
	return c.JSON(fiber.Map{"items": out})
}

func (s *Server) requeueOutbox(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "消息")
	if err != nil {
		return err
	}
	if err := s.DB.RequeueOutbox(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
