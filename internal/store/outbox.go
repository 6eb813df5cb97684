package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The outbox. A message is written by the transaction of the event that
// causes it (a claim moving, an objection answered), so that an event that
// commits has its messages and one rolled back has none, whatever happens
// to the process afterwards. Its idempotency key (notify.Key) is unique: an
// event written twice still gives each recipient one message. Senders, in
// any number of processes, take one message at a time (see Sender).

type outboxRow struct {
	ID             int64
	IdemKey        string
	Event          string
	Channel        string
	Target         string
	SubscriptionID int64
	Subject        string
	RegionCode     string
	Body           string
	Status         string
	Attempts       int
	NextAt         int64
	Runner         string
	LeaseUntil     int64
	LastError      string
	CreatedAt      int64
	SentAt         int64
}

func (outboxRow) TableName() string { return "notification_outbox" }

type subscriptionRow struct {
	ID        int64
	Name      string
	URL       string `gorm:"column:url"`
	Secret    string
	Events    string
	Region    string
	Insurer   string
	Active    int
	CreatedBy string
	CreatedAt int64
}

func (subscriptionRow) TableName() string { return "webhook_subscriptions" }

// hears says whether the subscription is told of event e about an object
// of region and insurer.
func (s *subscriptionRow) hears(e notify.Event, region, insurer string) bool {
	if s.Active == 0 || !strings.HasPrefix(region, s.Region) || (s.Insurer != "" && s.Insurer != insurer) ||
		(e.OfficeOnly() && s.Insurer != "") {
		return false
	}
	return s.lists(e)
}

// lists says whether the subscription lists event e.
func (s *subscriptionRow) lists(e notify.Event) bool {
	return slices.Contains(strings.Split(s.Events, ","), string(e))
}

// news is what an event says, to be made into messages: the SMS text for
// the household (or whoever objected) and the webhook body.
type news struct {
	event   notify.Event
	subject string // claim or objection number
	// occurrence tells a repeat of the event about the subject from the
	// first in the idempotency key ("" for the first).
	occurrence string
	region     string
	insurer    string
	phone      string // "" when nobody is to be texted
	text       string
	hook       func(key string) string // the webhook JSON under a key
}

// subscriptions are the active webhook subscriptions.
func subscriptions(g *gorm.DB) ([]subscriptionRow, error) {
	var subs []subscriptionRow
	err := g.Where("active = 1").Order("id").Find(&subs).Error
	return subs, err
}

// messages turns n into outbox rows: one SMS when there is a phone and a
// text, one webhook message per subscription of subs that hears the event.
func (db *DB) messages(subs []subscriptionRow, n news) []outboxRow {
	now := db.nowMS()
	subject := n.subject
	if n.occurrence != "" {
		subject += "/" + n.occurrence
	}
	row := func(ch notify.Channel, recipient, target, body string, sub int64) outboxRow {
		return outboxRow{IdemKey: notify.Key(n.event, subject, ch, recipient), Event: string(n.event),
			Channel: string(ch), Target: target, SubscriptionID: sub, Subject: n.subject, RegionCode: n.region,
			Body: body, Status: string(notify.Pending), NextAt: now, CreatedAt: now}
	}
	var out []outboxRow
	if n.phone != "" && n.text != "" {
		out = append(out, row(notify.SMS, "household", n.phone, n.text, 0))
	}
	for _, s := range subs {
		if s.hears(n.event, n.region, n.insurer) {
			recipient := itoa(s.ID)
			key := notify.Key(n.event, subject, notify.Webhook, recipient)
			out = append(out, row(notify.Webhook, recipient, s.URL, n.hook(key), s.ID))
		}
	}
	return out
}

// enqueue writes n's messages in tx; a message whose key is already in the
// outbox is left as it is.
func (db *DB) enqueue(tx *gorm.DB, n news) error {
	return db.enqueueAll(tx, []news{n})
}

// enqueueAll writes the messages of many events in tx with multi-row
// inserts, reading the subscriptions once; a message whose key is already
// in the outbox is left as it is.
func (db *DB) enqueueAll(tx *gorm.DB, ns []news) error {
	if len(ns) == 0 {
		return nil
	}
	subs, err := subscriptions(tx)
	if err != nil {
		return err
	}
	return db.writeMessages(tx, subs, ns)
}

// outboxColumns are the columns a new message is written with; the rest
// start at their defaults.
var outboxColumns = []string{"idem_key", "event", "channel", "target", "subscription_id", "subject",
	"region_code", "body", "status", "next_at", "created_at"}

// fewMessages is the most messages written as a few-row batch: a group of
// claim reports has one or two a report.
const fewMessages = 2 * maxGroup

// writeMessages writes the messages of ns to subs (and their SMS) in tx,
// through a batch rather than GORM: each group of claim reports writes
// them, and GORM's reflection cost as much as the insert.
func (db *DB) writeMessages(tx *gorm.DB, subs []subscriptionRow, ns []news) error {
	var rows []outboxRow
	for _, n := range ns {
		rows = append(rows, db.messages(subs, n)...)
	}
	if len(rows) == 0 {
		return nil
	}
	open := newBatch
	if len(rows) <= fewMessages {
		open = newFewBatch
	}
	b := open(tx.Statement.Context, db, tx, "notification_outbox", outboxColumns...)
	b.skipDuplicates()
	for _, r := range rows {
		if err := b.add(r.IdemKey, r.Event, r.Channel, r.Target, r.SubscriptionID, r.Subject,
			r.RegionCode, r.Body, r.Status, r.NextAt, r.CreatedAt); err != nil {
			b.close()
			return err
		}
	}
	return b.close()
}

// home names a household of a county.
type home struct{ county, household string }

// householdPhone is the mobile number the latest list of the county gives
// for the household: its head's, else the first member's that has one.
func (db *DB) householdPhone(g *gorm.DB, county, household string) (string, error) {
	h := home{county, household}
	phones, err := db.householdPhones(g, []home{h})
	return phones[h], err
}

// householdPhones is householdPhone for many households in two queries,
// whatever their number: a group of claim reports asks once.
func (db *DB) householdPhones(g *gorm.DB, homes []home) (map[home]string, error) {
	out := make(map[home]string, len(homes))
	counties, households := map[string]bool{}, map[string]bool{}
	for _, h := range homes {
		counties[h.county], households[h.household] = true, true
	}
	var lists []struct {
		ID     int64
		County string
	}
	if err := g.Raw("SELECT id, county FROM list_versions WHERE county IN ?", slices.Collect(maps.Keys(counties))).
		Scan(&lists).Error; err != nil {
		return nil, err
	}
	if len(lists) == 0 {
		return out, nil
	}
	countyOf := make(map[int64]string, len(lists))
	for _, l := range lists {
		countyOf[l.ID] = l.County
	}
	var ms []struct {
		ListID      int64
		HouseholdNo string
		Phone       string
		Relation    string
		RowNo       int
	}
	if err := g.Raw("SELECT list_id, household_no, phone, relation, row_no FROM members WHERE list_id IN ? AND household_no IN ? AND phone <> ''",
		slices.Collect(maps.Keys(countyOf)), slices.Collect(maps.Keys(households))).Scan(&ms).Error; err != nil {
		return nil, err
	}
	sort.Slice(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.ListID != b.ListID {
			return a.ListID > b.ListID
		}
		if (a.Relation == registry.Head) != (b.Relation == registry.Head) {
			return a.Relation == registry.Head
		}
		return a.RowNo < b.RowNo
	})
	for _, m := range ms {
		h := home{countyOf[m.ListID], m.HouseholdNo}
		if _, done := out[h]; !done && notify.Mobile(m.Phone) {
			out[h] = m.Phone
		}
	}
	return out, nil
}

// claimEvents maps a claim's new status to the event the household hears of.
var claimEvents = map[claim.Status]notify.Event{
	claim.Reported: notify.ClaimReported,
	claim.Approved: notify.ClaimApproved,
	claim.Rejected: notify.ClaimRejected,
	claim.Paid:     notify.ClaimPaid,
}

// claimNews is what a claim that has just moved to its status says, with
// the household's phone; ok is false when its status is not one households
// hear of.
func (db *DB) claimNews(g *gorm.DB, r *claimRow, c *claim.Claim) (news, bool, error) {
	e, ok := claimEvents[c.Status]
	if !ok {
		return news{}, false, nil
	}
	phone, err := db.householdPhone(g, r.RegionCode[:6], r.HouseholdNo)
	if err != nil {
		return news{}, false, err
	}
	var hotline string
	if e == notify.ClaimRejected {
		if err := g.Raw("SELECT insurer_hotline FROM agreements WHERE id = ?", r.AgreementID).Scan(&hotline).Error; err != nil {
			return news{}, false, err
		}
	}
	n := db.claimText(e, c, hotline)
	n.phone = phone
	return n, true, nil
}

// claimText is the news of claim c's event e without its phone: a report
// reads its phone with the rest of its group (writeReportNews).
func (db *DB) claimText(e notify.Event, c *claim.Claim, hotline string) news {
	nc := notify.Claim{No: c.No, HouseholdNo: c.HouseholdNo, HeadName: c.HeadName, RegionCode: c.RegionCode,
		Insurer: c.Insurer, Line: c.Line, Status: string(c.Status), Reason: c.Reason.Name(), ReasonCode: string(c.Reason),
		Hotline: hotline}
	if c.Assessed && (c.Status == claim.Approved || c.Status == claim.Paid) {
		nc.Payable.Decimal, nc.Payable.Valid = c.Payable, true
	}
	at := db.Now()
	return news{event: e, subject: c.No, region: c.RegionCode, insurer: c.Insurer,
		text: notify.ClaimText(e, nc), hook: func(key string) string { return notify.ClaimBody(key, e, nc, at) }}
}

// enqueueClaim writes, in the claim's transaction and after its event,
// the messages of its move. A claim that reaches a status a second time
// (approved again after an upheld objection sent it back) is a new event:
// its key carries the count, e.g. CLM…/2, so that it is not taken for the
// first one. c.History holds the claim's events, this move's included.
func (db *DB) enqueueClaim(tx *gorm.DB, r *claimRow, c *claim.Claim) error {
	n, ok, err := db.claimNews(tx, r, c)
	if err != nil || !ok {
		return err
	}
	var times int64
	for _, e := range c.History {
		if e.To == c.Status {
			times++
		}
	}
	if times > 1 {
		n.occurrence = itoa(times)
	}
	return db.enqueue(tx, n)
}

// Sender delivers the outbox: SMS through Gateway (nil: SMS wait until a
// gateway is configured), webhooks by signed POST.
//
// A sender takes one message at a time, in one UPDATE that sets its runner
// token and lease only while the message is pending, due and not leased
// (or its lease has run out). Of two senders, in two processes or on two
// Galera nodes, one changes the row and the other changes nothing (or is
// refused at commit and, run again, finds the lease), so a message is in
// one sender's hands at a time. The lease is far longer than an attempt
// (notify.Timeout), so it only runs out for a sender that died; its message
// is then taken again: delivery is at least once, and the idempotency key
// sent with the message lets the gateway or the receiver drop the repeat.
type Sender struct {
	DB      *DB
	Gateway notify.Gateway
	Client  *http.Client     // webhooks; nil: one with notify.Timeout
	Now     func() time.Time // nil: DB.Now
	Lease   time.Duration    // 0: one minute
	Log     *slog.Logger
	token   string
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return s.DB.Now()
}

func (s *Sender) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return time.Minute
}

// Run sends what is due, then waits every between rounds, until ctx ends.
func (s *Sender) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue takes and attempts due messages one at a time until none is left
// to take; it returns how many it attempted.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		m, err := s.take(ctx)
		if err != nil || m == nil {
			return n, err
		}
		n++
		if err := s.attempt(ctx, m); err != nil {
			return n, err
		}
	}
	return n, ctx.Err()
}

// take leases one due message; nil when none is left.
func (s *Sender) take(ctx context.Context) (*outboxRow, error) {
	if s.token == "" {
		b := make([]byte, 12)
		rand.Read(b)
		s.token = hex.EncodeToString(b)
	}
	now := s.now().UnixMilli()
	where := "status = ? AND next_at <= ? AND lease_until < ?"
	args := []any{string(notify.Pending), now, now}
	if s.Gateway == nil {
		where += " AND channel <> ?"
		args = append(args, string(notify.SMS))
	}
	for {
		var ids []int64
		if err := s.DB.Gorm(ctx).Raw("SELECT id FROM notification_outbox WHERE "+where+" ORDER BY next_at, id LIMIT 16", args...).
			Scan(&ids).Error; err != nil {
			return nil, znb.Wrap(err, "读取待发消息")
		}
		if len(ids) == 0 {
			return nil, nil
		}
		for _, id := range ids {
			var took int64
			err := s.DB.tx(ctx, func(tx *gorm.DB) error {
				res := tx.Model(&outboxRow{}).Where("id = ? AND "+where, append([]any{id}, args...)...).
					Updates(map[string]any{"runner": s.token, "lease_until": now + s.lease().Milliseconds()})
				took = res.RowsAffected
				return res.Error
			})
			if err != nil {
				return nil, znb.Wrap(err, "领取待发消息")
			}
			if took == 0 {
				continue // another sender has it
			}
			var m outboxRow
			if err := s.DB.Gorm(ctx).Where("id = ?", id).Take(&m).Error; err != nil {
				return nil, znb.Wrap(err, "读取待发消息")
			}
			return &m, nil
		}
		// Every candidate was taken by others meanwhile: look again.
	}
}

// attempt delivers m and records the outcome, if this sender still holds
// its lease.
func (s *Sender) attempt(ctx context.Context, m *outboxRow) error {
	actx, cancel := context.WithTimeout(ctx, notify.Timeout)
	err := s.deliver(actx, m)
	cancel()
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the lease runs out and the message is taken again
	}
	now := s.now()
	set := map[string]any{"runner": "", "lease_until": 0, "attempts": m.Attempts + 1}
	if err == nil {
		set["status"], set["sent_at"], set["last_error"] = string(notify.Sent), now.UnixMilli(), ""
	} else {
		next, dead := notify.Failed(msToTime(m.CreatedAt), now, m.Attempts+1, err)
		set["last_error"] = clipRunes(err.Error(), 200)
		if dead {
			set["status"] = string(notify.Dead)
		} else {
			set["next_at"] = next.UnixMilli()
		}
		if s.Log != nil {
			s.Log.Info("message not delivered", "id", m.ID, "channel", m.Channel, "attempt", m.Attempts+1, "dead", dead, "err", err)
		}
	}
	return znb.Wrap(s.DB.tx(context.WithoutCancel(ctx), func(tx *gorm.DB) error {
		return tx.Model(&outboxRow{}).Where("id = ? AND runner = ?", m.ID, s.token).Updates(set).Error
	}), "记录消息发送结果")
}

func (s *Sender) deliver(ctx context.Context, m *outboxRow) error {
	switch notify.Channel(m.Channel) {
	case notify.SMS:
		if s.Gateway == nil {
			return errors.New("no SMS gateway configured")
		}
		return s.Gateway.Send(ctx, m.IdemKey, m.Target, m.Body)
	case notify.Webhook:
		var sub subscriptionRow
		if err := s.DB.Gorm(ctx).Where("id = ?", m.SubscriptionID).Take(&sub).Error; err != nil {
			return err
		}
		return notify.Post(ctx, s.Client, notify.Message{Key: m.IdemKey, Event: notify.Event(m.Event), Target: m.Target,
			Secret: sub.Secret, Body: m.Body}, time.Now())
	}
	return errors.New("unknown channel " + m.Channel)
}

// OutboxMessage is a message as staff see it: the phone masked.
type OutboxMessage struct {
	ID        int64
	Key       string
	Event     notify.Event
	Channel   notify.Channel
	Target    string
	Subject   string
	Status    notify.Status
	Attempts  int
	NextAt    time.Time
	LastError string
	CreatedAt time.Time
	SentAt    time.Time
}

// OutboxQuery filters the outbox list.
type OutboxQuery struct {
	Status  notify.Status
	Subject string
	Limit   int // at most 500; 100 when unset
}

// ListOutbox lists messages of the actor's region, newest first.
func (db *DB) ListOutbox(ctx context.Context, by znb.Actor, q OutboxQuery) ([]OutboxMessage, error) {
	if err := znb.Allow(by, znb.ReadOutbox); err != nil {
		return nil, err
	}
	g := db.Gorm(ctx).Model(&outboxRow{})
	if q.Status != "" {
		g = g.Where("status = ?", string(q.Status))
	}
	if q.Subject != "" {
		g = g.Where("subject = ?", q.Subject)
	}
	if by.Regional() {
		g = g.Where("region_code LIKE ?", by.Scope+"%")
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []outboxRow
	if err := g.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取消息")
	}
	out := make([]OutboxMessage, len(rows))
	for i, r := range rows {
		t := r.Target
		if notify.Channel(r.Channel) == notify.SMS {
			t = notify.MaskPhone(t)
		}
		out[i] = OutboxMessage{ID: r.ID, Key: r.IdemKey, Event: notify.Event(r.Event), Channel: notify.Channel(r.Channel),
			Target: t, Subject: r.Subject, Status: notify.Status(r.Status), Attempts: r.Attempts, NextAt: msToTime(r.NextAt),
			LastError: r.LastError, CreatedAt: msToTime(r.CreatedAt)}
		if r.SentAt > 0 {
			out[i].SentAt = msToTime(r.SentAt)
		}
	}
	return out, nil
}

// OutboxCount is how many messages of a channel stand at a status.
type OutboxCount struct {
	Channel notify.Channel
	Status  notify.Status
	N       int64
}

// CountOutbox counts the messages of the actor's region by channel and
// status.
func (db *DB) CountOutbox(ctx context.Context, by znb.Actor) ([]OutboxCount, error) {
	if err := znb.Allow(by, znb.ReadOutbox); err != nil {
		return nil, err
	}
	g := db.Gorm(ctx).Model(&outboxRow{}).Select("channel, status, COUNT(*) AS n")
	if by.Regional() {
		g = g.Where("region_code LIKE ?", by.Scope+"%")
	}
	var out []OutboxCount
	if err := g.Group("channel, status").Order("channel, status").Scan(&out).Error; err != nil {
		return nil, znb.Wrap(err, "统计消息")
	}
	return out, nil
}

// RequeueOutbox puts a dead letter of the actor's region back in the
// queue, once what made it fail is mended: due now, its attempts and its
// day of retries counted afresh, its key (and so the receiver's
// de-duplication) unchanged. Audited with the last error it had.
func (db *DB) RequeueOutbox(ctx context.Context, by znb.Actor, id int64) error {
	if err := znb.Allow(by, znb.RequeueOutbox); err != nil {
		return err
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var m outboxRow
		res := tx.Raw("SELECT * FROM notification_outbox WHERE id = ?"+db.forUpdate(), id).Scan(&m)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 || (by.Regional() && !strings.HasPrefix(m.RegionCode, by.Scope)) {
			return znb.ErrNotFound("消息")
		}
		if err := notify.Status(m.Status).CheckRequeue(); err != nil {
			return err
		}
		now := db.nowMS()
		if err := tx.Model(&outboxRow{}).Where("id = ?", id).Updates(map[string]any{"status": string(notify.Pending),
			"attempts": 0, "next_at": now, "created_at": now, "runner": "", "lease_until": 0}).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{m.RegionCode, ""}, "outbox.requeue", "outbox:"+itoa(id), map[string]any{
			"key": m.IdemKey, "attempts": m.Attempts, "last_error": m.LastError})
	})
	if err != nil {
		return znb.Wrap(err, "重新发送消息")
	}
	return nil
}
