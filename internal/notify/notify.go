// Package notify holds the rules of the messages the platform sends when
// something happens to a household's cover or claim: the events, the
// Chinese SMS templates (masked data only), the webhook body and its
// HMAC-SHA256 signature, the retry schedule with its dead letter, and the
// SMS gateway as an interface with one HTTP implementation.
//
// Messages go through an outbox: each is written in the same transaction as
// the event that causes it, under an idempotency key made of the event and
// the recipient, so that an event never produces two messages to one
// household, and a sender delivers it at least once afterwards.
package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Event is what happened.
type Event string

const (
	ClaimReported     Event = "claim.reported"
	ClaimApproved     Event = "claim.approved"
	ClaimRejected     Event = "claim.rejected"
	ClaimPaid         Event = "claim.paid"
	ObjectionAnswered Event = "objection.answered"
	// CertificateIssued tells a household by SMS that it is covered; no
	// webhook carries it (a county's issue is a million messages).
	CertificateIssued Event = "certificate.issued"
	// WarningRaised tells the office's systems of a new 防返贫 warning: a
	// webhook to subscriptions of no insurer only, never an SMS.
	WarningRaised Event = "warning.raised"
)

// Events lists the events a webhook may subscribe to.
var Events = []Event{ClaimReported, ClaimApproved, ClaimRejected, ClaimPaid, ObjectionAnswered, WarningRaised}

// OfficeOnly reports whether e is told only to the office's systems:
// subscriptions of no insurer.
func (e Event) OfficeOnly() bool { return e == WarningRaised }

var eventNames = map[Event]string{ClaimReported: "报案受理", ClaimApproved: "核赔通过", ClaimRejected: "拒赔",
	ClaimPaid: "赔款已支付", ObjectionAnswered: "异议已答复", CertificateIssued: "出单", WarningRaised: "防返贫预警"}

// Name returns the Chinese name of e.
func (e Event) Name() string {
	if n, ok := eventNames[e]; ok {
		return n
	}
	return string(e)
}

// Valid reports whether e is a known event.
func (e Event) Valid() bool {
	for _, x := range Events {
		if x == e {
			return true
		}
	}
	return false
}

// Channel is how a message travels.
type Channel string

const (
	SMS     Channel = "sms"
	Webhook Channel = "webhook"
)

// Status is where a message stands in the outbox.
type Status string

const (
	Pending Status = "pending" // waiting for its (next) attempt
	Sent    Status = "sent"    // accepted by the gateway or the webhook
	Dead    Status = "dead"    // given up: refused for good, or failing for a day
)

// CheckRequeue refuses to send again any message but a dead letter: the
// others are sent or on their way.
func (s Status) CheckRequeue() error {
	if s != Dead {
		return znb.Errorf(znb.Conflict, "not_dead", "只有已放弃（死信）的消息可以重新发送，这条消息的状态是 %s", s)
	}
	return nil
}

// SegmentChars is how many characters one SMS segment carries; a longer
// text is sent as segments of 67 (the rest carry the joining header).
const (
	SegmentChars = 70
	partChars    = 67
)

// Segments is how many SMS segments text takes.
func Segments(text string) int {
	n := utf8.RuneCountInString(text)
	if n <= SegmentChars {
		return 1
	}
	return (n + partChars - 1) / partChars
}

// Mobile reports whether s is an 11-digit mobile number starting with 1,
// the only kind of number texted.
func Mobile(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MaskPhone keeps the first 3 and last 4 digits of a mobile number
// (138****8001); anything else is masked whole.
func MaskPhone(p string) string {
	if Mobile(p) {
		return p[:3] + "****" + p[7:]
	}
	return strings.Repeat("*", utf8.RuneCountInString(p))
}

// Key is the idempotency key of the message of event about subject (a
// claim or objection number) to recipient (an SMS to the household, or a
// webhook subscription): one event gives one message per recipient.
func Key(e Event, subject string, ch Channel, recipient string) string {
	return string(e) + ":" + subject + ":" + string(ch) + ":" + recipient
}

// Claim is what an SMS or webhook about a claim may say: nothing
// identifying beyond the masked head's name.
type Claim struct {
	No          string
	HouseholdNo string
	HeadName    string // full; masked here
	RegionCode  string
	Insurer     string
	Line        znb.Line
	Status      string
	Payable     decimal.NullDecimal
	Reason      string // the rejection reason in Chinese
	ReasonCode  string
	Hotline     string
}

// smsName masks a name for an SMS and keeps it short: 张三丰 → 张*丰, a long
// name → its first and last character around two stars.
func smsName(name string) string {
	m := []rune(registry.MaskName(name))
	if len(m) > 4 {
		m = []rune(string(m[0]) + "**" + string(m[len(m)-1]))
	}
	return string(m)
}

const sign = "【助农保】"

// ClaimText is the SMS text of a claim event; "" for an event that sends
// the household none.
func ClaimText(e Event, c Claim) string {
	head := sign + smsName(c.HeadName) + "户："
	switch e {
	case ClaimReported:
		return head + c.Line.Name() + "报案已受理，案号" + c.No + "。"
	case ClaimApproved:
		return head + "案号" + c.No + "已核定赔款" + money.String(c.Payable.Decimal) + "元，将支付到户。"
	case ClaimRejected:
		return head + "案号" + c.No + "不予赔付，原因：" + c.Reason + "。详询" + c.Hotline
	case ClaimPaid:
		return head + "案号" + c.No + "赔款" + money.String(c.Payable.Decimal) + "元已支付，请查收。"
	}
	return ""
}

// CertificateText is the SMS that tells a household its certificate is
// issued: how many of its members are covered, the certificate number it
// asks with, and the last day of cover. At most 65 characters: one segment.
func CertificateText(headName, certNo string, persons int, until znb.Date) string {
	return sign + smsName(headName) + "户：您家" + fmt.Sprint(persons) + "人已参加助农保，凭证号" + certNo +
		"，保障至" + until.String() + "。"
}

// ObjectionText is the SMS text that tells whoever objected that the item
// is answered.
func ObjectionText(no string, upheld bool, hotline string) string {
	out := "不成立"
	if upheld {
		out = "成立"
	}
	return sign + "您反映的事项（编号" + no + "）已答复：异议" + out + "。详询" + hotline
}

// The retry schedule: a failed message is tried again after 1, 2, 5, 10,
// 30 minutes, then every hour; a message still failing a day after it was
// written goes to the dead letter.
var backoff = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}

// DeadAfter is how long a message is retried.
const DeadAfter = 24 * time.Hour

// Backoff is the wait after the n-th failed attempt (n from 1).
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	return backoff[min(n, len(backoff))-1]
}

// Failed says what becomes of a message written at created after its n-th
// attempt failed at now with err: tried again at next, or dead (a
// permanent refusal, or a day of failures).
func Failed(created, now time.Time, n int, err error) (next time.Time, dead bool) {
	if Permanent(err) {
		return time.Time{}, true
	}
	next = now.Add(Backoff(n))
	if next.Sub(created) >= DeadAfter {
		return time.Time{}, true
	}
	return next, false
}

// Message is one message in the outbox.
type Message struct {
	ID       int64
	Key      string
	Event    Event
	Channel  Channel
	Target   string // a mobile number (SMS) or a webhook URL
	Secret   string // the webhook's signing key
	Body     string // SMS text or webhook JSON
	Attempts int
	Created  time.Time
}

// permanent is a refusal that retrying cannot change (a bad number, a
// key the gateway does not know).
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent reports whether err is a refusal for good.
func Permanent(err error) bool {
	_, ok := err.(permanent)
	return ok
}

// statusError turns an HTTP answer that is not 2xx into an error: 4xx
// other than 408 and 429 is permanent, the rest is retried.
func statusError(what string, code int, body string) error {
	err := fmt.Errorf("%s answered %d: %s", what, code, strings.TrimSpace(body))
	if code >= 400 && code < 500 && code != 408 && code != 429 {
		return permanent{err}
	}
	return err
}

// Subscription is a system subscribed to events by webhook.
type Subscription struct {
	ID      int64
	Name    string
	URL     string
	Secret  string // signs every request; shown once, when created
	Events  []Event
	Region  string // region-code prefix of what it hears about ("" = all)
	Insurer string // insurer code ("" = all)
	Active  bool
}

// Check trims s and checks it: a name, an absolute http(s) URL, known
// events (at least one), a region of digits.
func (s *Subscription) Check() error {
	s.Name, s.URL, s.Region, s.Insurer = strings.TrimSpace(s.Name), strings.TrimSpace(s.URL), strings.TrimSpace(s.Region), strings.TrimSpace(s.Insurer)
	if s.Name == "" || utf8.RuneCountInString(s.Name) > 100 {
		return znb.Errorf(znb.Invalid, "invalid_name", "请给订阅起一个名称（最多 100 个字符）")
	}
	if len(s.URL) > 500 || !(strings.HasPrefix(s.URL, "https://") || strings.HasPrefix(s.URL, "http://")) ||
		strings.ContainsAny(s.URL, " \t\r\n") {
		return znb.Errorf(znb.Invalid, "invalid_url", "url 须为以 http:// 或 https:// 开头的完整地址（最多 500 个字符）")
	}
	if len(s.Events) == 0 {
		return znb.Errorf(znb.Invalid, "events_required", "请至少订阅一种事件")
	}
	for _, e := range s.Events {
		if !e.Valid() {
			return znb.Errorf(znb.Invalid, "invalid_event", "未知事件 %q", e)
		}
		if e.OfficeOnly() && s.Insurer != "" {
			return znb.Errorf(znb.Invalid, "event_office_only", "事件 %s 只发给办公室的系统，不能订阅给承保机构（去掉 insurer 或去掉该事件）", e)
		}
	}
	if s.Region != "" {
		if _, err := znb.ParseRegion(s.Region); err != nil {
			return err
		}
	}
	if len(s.Insurer) > 64 {
		return znb.Errorf(znb.Invalid, "invalid_scope", "承保机构代码过长")
	}
	return nil
}
