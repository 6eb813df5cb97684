package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// notifyWorld is a county of two insured households: H1, whose head has a
// mobile number on the list, and H2, with none.
type notifyWorld struct{ cert map[string]string }

const notifyVillage = claimCounty + "101001"

func newNotifyWorld(t testing.TB, db *store.DB) *notifyWorld {
	t.Helper()
	ctx := context.Background()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
	a := storetest.ActiveAgreement(t, db, office, claimAgreement("znb-standard"))
	list := "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期,联系电话\n" +
		fmt.Sprintf("H1,%s,青山村,已脱贫户,张三丰,%s,户主,正常,,13800138001\n", notifyVillage, idn(claimCounty, 1)) +
		fmt.Sprintf("H1,%s,青山村,已脱贫户,李四,%s,配偶,正常,,13900139002\n", notifyVillage, idn(claimCounty, 2)) +
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王五,%s,户主,正常,,\n", notifyVillage, idn(claimCounty, 3))
	p := storetest.WriteFile(t, "list.csv", list)
	storetest.ImportAndIssue(t, db, office, a.ID, p, store.ImportOptions{County: claimCounty, Effective: znb.MustDate("2024-01-01")})
	w := &notifyWorld{cert: map[string]string{}}
	for _, h := range []string{"H1", "H2"} {
		cs, err := db.FindCertificates(ctx, znb.System, h, "")
		if err != nil || len(cs) != 1 {
			t.Fatalf("certificate of %s: %v, %v", h, cs, err)
		}
		w.cert[h] = cs[0].No
	}
	return w
}

// fire reports a property loss of household h by fire on incident.
func (w *notifyWorld) fire(h, incident string) store.ClaimReport {
	return store.ClaimReport{CertificateNo: w.cert[h], Line: znb.Property, IncidentDate: znb.MustDate(incident),
		ReportedOn: znb.MustDate(incident), Cause: "火灾", Description: "房屋失火"}
}

// outbox reads every message of the outbox as the admin sees it.
func outbox(t testing.TB, db *store.DB) []store.OutboxMessage {
	t.Helper()
	ms, err := db.ListOutbox(context.Background(), znb.System, store.OutboxQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// fakeGateway is an SMS gateway and webhook receiver in one: it refuses
// its first failFirst calls with 503, then is down (drops the connection)
// for the next downFor calls, then accepts. It logs every accepted
// message by idempotency key, and checks each webhook's signature.
type fakeGateway struct {
	*httptest.Server
	mu                 sync.Mutex
	calls              int
	failFirst, downFor int
	delay              time.Duration
	status             int // answer instead of failing and accepting, when set
	secret             string
	log                map[string]int    // accepted messages by key
	texts              map[string]string // what each accepted message said: SMS text, webhook body
	badSignatures      int
}

func newFakeGateway(t testing.TB, failFirst, downFor int) *fakeGateway {
	f := &fakeGateway{failFirst: failFirst, downFor: downFor, log: map[string]int{}, texts: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGateway) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls++
	n, delay, status := f.calls, f.delay, f.status
	f.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	switch {
	case status != 0:
		w.WriteHeader(status)
		return
	case n <= f.failFirst:
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	case n <= f.failFirst+f.downFor:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
		return
	}
	key := r.Header.Get(notify.HeaderKey)
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/hook" {
		if !notify.Verify(f.secret, r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), body, time.Now(), 5*time.Minute) {
			f.badSignatures++
		}
		f.texts[key] = string(body)
	} else {
		var sms notify.SMSRequest
		json.Unmarshal(body, &sms)
		if sms.MessageID != key || r.Header.Get("Authorization") != "Bearer gw-key" {
			f.badSignatures++
		}
		f.texts[key] = sms.Text
	}
	f.log[key]++
}

// delivered returns the log: accepted count by key.
func (f *fakeGateway) delivered() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.log))
	for k, v := range f.log {
		out[k] = v
	}
	return out
}

// subscribe subscribes the fake's /hook to every event.
func (f *fakeGateway) subscribe(t testing.TB, db *store.DB) {
	t.Helper()
	s, err := db.CreateSubscription(context.Background(), znb.System, notify.Subscription{Name: "县监测平台",
		URL: f.URL + "/hook", Events: notify.Events, Region: claimCounty})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.secret = s.Secret
	f.mu.Unlock()
}

// gateway is the platform's HTTP gateway pointed at the fake.
func (f *fakeGateway) gateway() notify.Gateway {
	return &notify.HTTPGateway{URL: f.URL + "/sms", Key: "gw-key", Client: &http.Client{Timeout: 5 * time.Second}}
}

// answered files n public objections in the village with phones and
// answers them (odd ones upheld): each answer writes one SMS and one
// webhook message per subscription.
func answered(t testing.TB, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
	for i := 0; i < n; i++ {
		it, err := db.FileObjection(ctx, znb.Actor{Username: "household"}, objection.Filing{Source: objection.Public,
			Category: objection.Coverage, Phone: fmt.Sprintf("137%08d", i), Village: notifyVillage, Text: "反映参保问题"})
		if err != nil {
			t.Fatal(err)
		}
		to := objection.Rejected
		if i%2 == 1 {
			to = objection.Upheld
		}
		if _, err := db.AnswerObjection(ctx, office, it.No, to, "已核实并答复"); err != nil {
			t.Fatal(err)
		}
	}
}

// sendAll runs the sender round after round, moving its clock on by step
// each round, until nothing is pending; it fails after rounds rounds.
func sendAll(t testing.TB, s *store.Sender, clock *time.Time, step time.Duration, rounds int) {
	t.Helper()
	for i := 0; i < rounds; i++ {
		if _, err := s.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, m := range outbox(t, s.DB) {
			if m.Status == notify.Pending {
				pending++
			}
		}
		if pending == 0 {
			return
		}
		*clock = clock.Add(step)
	}
	t.Fatalf("messages still pending after %d rounds", rounds)
}

func statusCount(ms []store.OutboxMessage) map[notify.Status]int {
	out := map[notify.Status]int{}
	for _, m := range ms {
		out[m.Status]++
	}
	return out
}

func hasText(ms []store.OutboxMessage, f *fakeGateway, event notify.Event, subject, want string) bool {
	for _, m := range ms {
		if m.Event == event && m.Subject == subject && m.Channel == notify.SMS {
			return strings.Contains(f.texts[m.Key], want)
		}
	}
	return false
}
