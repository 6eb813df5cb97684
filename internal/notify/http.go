package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Gateway sends one SMS. Send returns nil once the gateway has accepted
// the message; an error for which Permanent is true when it refused it for
// good. The key is the message's idempotency key: a gateway that sees it
// twice (the platform died between sending and recording) sends once.
type Gateway interface {
	Send(ctx context.Context, key, phone, text string) error
}

// Headers of the requests the platform sends.
const (
	HeaderKey       = "Idempotency-Key"
	HeaderEvent     = "X-ZNB-Event"
	HeaderTimestamp = "X-ZNB-Timestamp"
	HeaderSignature = "X-ZNB-Signature"
)

// Timeout bounds one delivery attempt; it is well inside the sender's
// lease, so no other sender takes a message while an attempt is open.
const Timeout = 15 * time.Second

// SMSRequest is the JSON body the HTTP gateway receives.
type SMSRequest struct {
	MessageID string `json:"message_id"`
	Phone     string `json:"phone"`
	Text      string `json:"text"`
	Segments  int    `json:"segments"`
}

// HTTPGateway posts each SMS as JSON to URL with the key as a bearer
// token. China's SMS services are HTTP APIs; an adapter in front of a
// provider's own API takes this request.
type HTTPGateway struct {
	URL    string
	Key    string
	Client *http.Client // nil: a client with Timeout
}

// Send posts the message; a 2xx answer means accepted.
func (g *HTTPGateway) Send(ctx context.Context, key, phone, text string) error {
	body, _ := json.Marshal(SMSRequest{MessageID: key, Phone: phone, Text: text, Segments: Segments(text)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+g.Key)
	req.Header.Set(HeaderKey, key)
	return post(client(g.Client), req, "SMS gateway")
}

// Post delivers a webhook message: its JSON body, signed with the
// subscription's secret at the current time.
func Post(ctx context.Context, c *http.Client, m Message, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Target, strings.NewReader(m.Body))
	if err != nil {
		return permanent{err}
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(HeaderKey, m.Key)
	req.Header.Set(HeaderEvent, string(m.Event))
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(m.Secret, ts, []byte(m.Body)))
	return post(client(c), req, "webhook")
}

func client(c *http.Client) *http.Client {
	if c == nil {
		return &http.Client{Timeout: Timeout}
	}
	return c
}

func post(c *http.Client, req *http.Request, what string) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return statusError(what, resp.StatusCode, string(b))
	}
	return nil
}

// Sign is the signature header value of a webhook body sent at ts (Unix
// seconds, as in the timestamp header): "sha256=" and the hex HMAC-SHA256,
// under the subscription's secret, of ts, a full stop, and the body.
func Sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is what a receiver does: it recomputes the signature of body and
// ts, compares it in constant time, and refuses a timestamp further than
// skew from now (a replayed request).
func Verify(secret, ts, signature string, body []byte, now time.Time, skew time.Duration) bool {
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(t, 0)); d > skew || d < -skew {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature))
}

// WebhookBody is the JSON a subscribed system receives.
type WebhookBody struct {
	ID         string `json:"id"` // the idempotency key
	Event      Event  `json:"event"`
	OccurredAt string `json:"occurred_at"` // RFC 3339, UTC
	Data       any    `json:"data"`
}

// ClaimData is the data of a claim event in a webhook: the masked head's
// name, never an ID number or a phone.
type ClaimData struct {
	ClaimNo     string `json:"claim_no"`
	HouseholdNo string `json:"household_no"`
	HeadName    string `json:"head_name"`
	RegionCode  string `json:"region_code"`
	Insurer     string `json:"insurer"`
	Line        string `json:"line"`
	Status      string `json:"status"`
	Payable     string `json:"payable,omitempty"`
	ReasonCode  string `json:"reason_code,omitempty"`
}

// ObjectionData is the data of an objection.answered webhook.
type ObjectionData struct {
	ObjectionNo string `json:"objection_no"`
	Category    string `json:"category"`
	ClaimNo     string `json:"claim_no,omitempty"`
	RegionCode  string `json:"region_code"`
	Status      string `json:"status"`
}

// WarningData is the data of a warning.raised webhook: which household,
// rule and year, where, and the head's masked name. The figures behind a
// warning (incomes, medical costs) are read in the console, never sent.
type WarningData struct {
	County      string `json:"county"`
	HouseholdNo string `json:"household_no"`
	Rule        string `json:"rule"`
	Year        int    `json:"year"`
	RegionCode  string `json:"region_code"`
	Village     string `json:"village"`
	HeadName    string `json:"head_name"`
	RaisedOn    string `json:"raised_on"`
}

// WarningBody is the webhook JSON of a raised warning; d.HeadName is the
// full name, masked here.
func WarningBody(key string, d WarningData, at time.Time) string {
	d.HeadName = smsName(d.HeadName)
	return body(key, WarningRaised, d, at)
}

// ClaimBody is the webhook JSON of a claim event.
func ClaimBody(key string, e Event, c Claim, at time.Time) string {
	d := ClaimData{ClaimNo: c.No, HouseholdNo: c.HouseholdNo, HeadName: smsName(c.HeadName), RegionCode: c.RegionCode,
		Insurer: c.Insurer, Line: string(c.Line), Status: c.Status, ReasonCode: c.ReasonCode}
	if c.Payable.Valid {
		d.Payable = c.Payable.Decimal.StringFixed(2)
	}
	return body(key, e, d, at)
}

// ObjectionBody is the webhook JSON of an answered objection.
func ObjectionBody(key string, d ObjectionData, at time.Time) string {
	return body(key, ObjectionAnswered, d, at)
}

func body(key string, e Event, d any, at time.Time) string {
	b, _ := json.Marshal(WebhookBody{ID: key, Event: e, OccurredAt: at.UTC().Format(time.RFC3339), Data: d})
	return string(b)
}
