package store_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// A claim's moves write the household's SMS and the subscribed systems'
// webhooks in their own transaction: one message per recipient per event,
// none for a move that was refused, none by SMS to a household without a
// mobile number.
func TestClaimMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newNotifyWorld(t, db)
		f := newFakeGateway(t, 0, 0)
		f.subscribe(t, db)
		c1, err := db.ReportClaim(ctx, clerk, w.fire("H1", "2024-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		c2, err := db.ReportClaim(ctx, clerk, w.fire("H2", "2024-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssessClaim(ctx, adjuster, c1.No, property("8000", "0", "0"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveClaim(ctx, adjusterAsApprover, c1.No, ""); znb.CodeOf(err) != "same_assessor" {
			t.Fatalf("approval by the assessor: %v", err)
		}
		a1, err := db.ApproveClaim(ctx, approver, c1.No, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PayClaim(ctx, clerk, c1.No, "BANK-1", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PayClaim(ctx, clerk, c1.No, "BANK-1", ""); znb.CodeOf(err) != "invalid_transition" {
			t.Fatalf("second payment: %v", err)
		}
		if _, err := db.RejectClaim(ctx, approver, c2.No, "cause_not_covered", ""); err != nil {
			t.Fatal(err)
		}
		ms := outbox(t, db)
		got := map[string]int{}
		keys := map[string]bool{}
		for _, m := range ms {
			got[string(m.Event)+" "+m.Subject+" "+string(m.Channel)]++
			if keys[m.Key] {
				t.Errorf("key %s twice", m.Key)
			}
			keys[m.Key] = true
			if m.Channel == notify.SMS && m.Target != "138****8001" {
				t.Errorf("SMS to %s, want the head's number masked", m.Target)
			}
		}
		want := map[string]int{}
		for _, e := range []notify.Event{notify.ClaimReported, notify.ClaimApproved, notify.ClaimPaid} {
			want[string(e)+" "+c1.No+" sms"], want[string(e)+" "+c1.No+" webhook"] = 1, 1
		}
		for _, e := range []notify.Event{notify.ClaimReported, notify.ClaimRejected} {
			want[string(e)+" "+c2.No+" webhook"] = 1 // H2 has no mobile number
		}
		want["certificate.issued "+w.cert["H1"]+" sms"] = 1                   // the issue before the claims
		want["warning.raised "+claimCounty+"-H1/large_loss/2024 webhook"] = 1 // the payment's warning, to the office's system
		if len(got) != len(want) {
			t.Errorf("messages %v\nwant %v", got, want)
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d messages, want %d", k, got[k], n)
			}
		}
		// Delivered, the texts say the masked name and the amount.
		now := storetest.Now
		s := &store.Sender{DB: db, Gateway: f.gateway(), Now: func() time.Time { return now }}
		sendAll(t, s, &now, time.Minute, 3)
		if !hasText(ms, f, notify.ClaimApproved, c1.No, "张*丰户：案号"+c1.No+"已核定赔款"+a1.Payable.StringFixed(2)+"元") {
			t.Errorf("approval text: %v", f.texts)
		}
		if f.badSignatures != 0 || len(f.delivered()) != len(ms) {
			t.Errorf("%d delivered of %d, %d bad signatures", len(f.delivered()), len(ms), f.badSignatures)
		}
	})
}

// The gateway refuses the first calls and is then down for a while: after
// it recovers every message has reached it exactly once.
func TestOutboxGatewayDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 12 // objections answered: 12 SMS and 12 webhooks
		f := newFakeGateway(t, 5, 15)
		f.subscribe(t, db)
		answered(t, db, n)
		now := storetest.Now
		s := &store.Sender{DB: db, Gateway: f.gateway(), Now: func() time.Time { return now }}
		sendAll(t, s, &now, 10*time.Minute, 40)
		log := f.delivered()
		if len(log) != 2*n {
			t.Errorf("%d messages delivered, want %d", len(log), 2*n)
		}
		for k, c := range log {
			if c != 1 {
				t.Errorf("%s delivered %d times", k, c)
			}
		}
		ms := outbox(t, db)
		retried := 0
		for _, m := range ms {
			if m.Status != notify.Sent || log[m.Key] != 1 {
				t.Errorf("message %s: %s, delivered %d times", m.Key, m.Status, log[m.Key])
			}
			if m.Attempts > 1 {
				retried++
			}
		}
		if f.calls != 2*n+20 || retried == 0 || f.badSignatures != 0 {
			t.Errorf("%d calls (want %d), %d retried, %d bad signatures", f.calls, 2*n+20, retried, f.badSignatures)
		}
	})
}

// A message refused for good, or failing for a day, goes to the dead letter.
func TestOutboxDeadLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFakeGateway(t, 0, 0)
		f.status = http.StatusServiceUnavailable
		answered(t, db, 1)
		now := storetest.Now
		s := &store.Sender{DB: db, Gateway: f.gateway(), Now: func() time.Time { return now }}
		for i := 0; i < 30; i++ {
			if _, err := s.SendDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Hour)
		}
		ms := outbox(t, db)
		if len(ms) != 1 || ms[0].Status != notify.Dead || ms[0].Attempts < 20 || !strings.Contains(ms[0].LastError, "503") {
			t.Fatalf("after a day of 503: %+v", ms)
		}
		f.status = http.StatusBadRequest
		answered(t, db, 1)
		if _, err := s.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		ms = outbox(t, db)
		if ms[0].Status != notify.Dead || ms[0].Attempts != 1 {
			t.Errorf("after a 400: %+v", ms[0])
		}
	})
}

// Child processes of the tests below: ZNB_OUTBOX_CHILD says what to do on
// the database ZNB_OUTBOX_DSN.
func TestOutboxChild(t *testing.T) {
	mode := os.Getenv("ZNB_OUTBOX_CHILD")
	if mode == "" {
		t.Skip("run by TestOutboxKilled and TestOutboxTwoProcesses")
	}
	db, err := store.Open(os.Getenv("ZNB_OUTBOX_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	switch mode {
	case "write":
		// Answer objections one after another, saying so after each
		// commit, until killed. No sender runs here.
		for i := 0; ; i++ {
			answered(t, db, 1)
			fmt.Printf("answered %d\n", i+1)
		}
	case "send":
		s := &store.Sender{DB: db, Gateway: &notify.HTTPGateway{URL: os.Getenv("ZNB_OUTBOX_SMS"), Key: "gw-key"}}
		// Wait for the other process, then send until nothing is left.
		for time.Now().UnixMilli() < mustInt(os.Getenv("ZNB_OUTBOX_START")) {
			time.Sleep(time.Millisecond)
		}
		sent, err := s.SendDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("sent %d\n", sent)
	}
}

func mustInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func child(t *testing.T, dsn, mode string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxChild$", "-test.v")
	cmd.Env = append(os.Environ(), append(env, "ZNB_OUTBOX_CHILD="+mode, "ZNB_OUTBOX_DSN="+dsn)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// The server is killed (SIGKILL) while it writes events, between their
// commits and any sending: every committed event has its messages, and a
// sender started afterwards delivers each exactly once.
func TestOutboxKilled(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		f := newFakeGateway(t, 0, 0)
		f.subscribe(t, db)
		cmd := child(t, dsn, "write")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		seen := 0
		for seen < 8 && sc.Scan() {
			if strings.HasPrefix(sc.Text(), "answered ") {
				seen++
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if seen < 8 {
			t.Fatalf("child answered %d before it stopped", seen)
		}
		var answeredN int64
		if err := db.Gorm(context.Background()).Raw("SELECT COUNT(*) FROM objections WHERE status IN ('upheld','rejected')").
			Scan(&answeredN).Error; err != nil {
			t.Fatal(err)
		}
		ms := outbox(t, db)
		if answeredN < int64(seen) || int64(len(ms)) != 2*answeredN {
			t.Fatalf("%d answered (%d reported), %d messages: want two per answer", answeredN, seen, len(ms))
		}
		t.Logf("killed after %d answers committed", answeredN)
		s := &store.Sender{DB: db, Gateway: f.gateway(), Now: time.Now}
		if _, err := s.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		log := f.delivered()
		for _, m := range outbox(t, db) {
			if m.Status != notify.Sent || log[m.Key] != 1 {
				t.Errorf("%s: %s, delivered %d times", m.Key, m.Status, log[m.Key])
			}
		}
		if len(log) != len(ms) {
			t.Errorf("%d delivered, want %d", len(log), len(ms))
		}
	})
}

// Two server processes send from one outbox at once: no message reaches
// the gateway twice, and none is left.
func TestOutboxTwoProcesses(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		f := newFakeGateway(t, 0, 0)
		f.delay = 3 * time.Millisecond
		f.subscribe(t, db)
		const n = 40
		answered(t, db, n)
		start := strconv.FormatInt(time.Now().Add(3*time.Second).UnixMilli(), 10)
		var wg sync.WaitGroup
		outs := make([]string, 2)
		for i := range outs {
			cmd := child(t, dsn, "send", "ZNB_OUTBOX_SMS="+f.URL+"/sms", "ZNB_OUTBOX_START="+start)
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, err := cmd.Output()
				if err != nil {
					t.Errorf("sender %d: %v", i, err)
				}
				outs[i] = string(b)
			}()
		}
		wg.Wait()
		log := f.delivered()
		for k, c := range log {
			if c != 1 {
				t.Errorf("%s delivered %d times", k, c)
			}
		}
		if len(log) != 2*n || f.calls != 2*n {
			t.Errorf("%d delivered in %d calls, want %d", len(log), f.calls, 2*n)
		}
		for _, m := range outbox(t, db) {
			if m.Status != notify.Sent {
				t.Errorf("%s left %s", m.Key, m.Status)
			}
		}
		for _, o := range outs {
			i := strings.Index(o, "sent ")
			if i < 0 {
				t.Errorf("sender said %q", o)
				continue
			}
			t.Logf("sender: %s", strings.Fields(o[i:])[1])
		}
	})
}
