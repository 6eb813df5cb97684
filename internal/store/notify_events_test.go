package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// byEvent is the outbox's messages of one event.
func byEvent(t testing.TB, db *store.DB, e notify.Event) []store.OutboxMessage {
	t.Helper()
	var out []store.OutboxMessage
	for _, m := range outbox(t, db) {
		if m.Event == e {
			out = append(out, m)
		}
	}
	return out
}

// Issuing a list texts each household with a mobile number once, in the
// issue's own transaction: the head's number, else the first member's;
// none for a household without one. Issuing the same list again texts
// nobody; a newer list texts only the household it brings in.
func TestCertificateMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		a := storetest.ActiveAgreement(t, db, office, claimAgreement("znb-standard"))
		row := func(h, name string, n int, rel, phone string) string {
			return fmt.Sprintf("%s,%s,青山村,已脱贫户,%s,%s,%s,正常,,%s\n", h, notifyVillage, name, idn(claimCounty, n), rel, phone)
		}
		head := "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期,联系电话\n"
		first := row("H1", "张三丰", 1, "户主", "13800138001") + row("H1", "李四", 2, "配偶", "13900139002") +
			row("H2", "王五", 3, "户主", "") + row("H2", "王小五", 4, "子", "13700137004") +
			row("H3", "赵六", 5, "户主", "")
		p := storetest.WriteFile(t, "list1.csv", head+first)
		listID := storetest.ImportAndIssue(t, db, office, a.ID, p, store.ImportOptions{County: claimCounty, Effective: znb.MustDate("2024-01-01")})
		cert := map[string]string{}
		for _, h := range []string{"H1", "H2", "H3"} {
			cs, err := db.FindCertificates(ctx, znb.System, h, "")
			if err != nil || len(cs) != 1 {
				t.Fatalf("certificate of %s: %v, %v", h, cs, err)
			}
			cert[h] = cs[0].No
		}
		ms := byEvent(t, db, notify.CertificateIssued)
		want := map[string]string{
			cert["H1"]: "138****8001", // the head's number
			cert["H2"]: "137****7004", // the head has none: the first member with one
		}
		if len(ms) != len(want) {
			t.Fatalf("%d certificate messages, want %d (H3 has no number): %+v", len(ms), len(want), ms)
		}
		for _, m := range ms {
			if m.Channel != notify.SMS || want[m.Subject] != m.Target || m.Status != notify.Pending {
				t.Errorf("message %+v, want an SMS pending to %s", m, want[m.Subject])
			}
			if m.Key != "certificate.issued:"+m.Subject+":sms:household" {
				t.Errorf("key %s", m.Key)
			}
		}
		f := newFakeGateway(t, 0, 0)
		now := storetest.Now
		sendAll(t, &store.Sender{DB: db, Gateway: f.gateway(), Now: func() time.Time { return now }}, &now, time.Minute, 3)
		for h, text := range map[string]string{
			"H1": "【助农保】张*丰户：您家2人已参加助农保，凭证号" + cert["H1"] + "，保障至2024-12-31。",
			"H2": "【助农保】王*户：您家2人已参加助农保，凭证号" + cert["H2"] + "，保障至2024-12-31。",
		} {
			if got := f.texts[notify.Key(notify.CertificateIssued, cert[h], notify.SMS, "household")]; got != text {
				t.Errorf("%s: text %q\nwant %q", h, got, text)
			}
			if notify.Segments(text) != 1 {
				t.Errorf("%s: %d segments", h, notify.Segments(text))
			}
		}
		// The same list again: nothing new.
		if _, err := db.Issue(ctx, znb.System, a.ID, listID, store.IssueOptions{}); err != nil && znb.ErrorOf(err).Kind != znb.Conflict {
			t.Fatal(err)
		}
		if n := len(byEvent(t, db, notify.CertificateIssued)); n != 2 {
			t.Errorf("after issuing again: %d messages, want 2", n)
		}
		// A newer list brings in H4: only H4 is texted.
		p = storetest.WriteFile(t, "list2.csv", head+first+row("H4", "钱七", 6, "户主", "13600136006"))
		storetest.ImportAndIssue(t, db, office, a.ID, p, store.ImportOptions{County: claimCounty, Effective: znb.MustDate("2024-03-01")})
		ms = byEvent(t, db, notify.CertificateIssued)
		if len(ms) != 3 {
			t.Fatalf("after the newer list: %d messages, want 3: %+v", len(ms), ms)
		}
		for _, m := range ms {
			if _, old := want[m.Subject]; !old && m.Target != "136****6006" {
				t.Errorf("new message %+v, want H4's", m)
			}
		}
	})
}

// A raised warning goes by webhook to the office's subscriptions that
// cover its place, never by SMS, never to an insurer's subscription; the
// body carries no figures; evaluating again raises no second message.
func TestWarningMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newNotifyWorld(t, db)
		f := newFakeGateway(t, 0, 0)
		f.subscribe(t, db)           // the county's monitoring system: every event
		g := newFakeGateway(t, 0, 0) // the others' systems
		if _, err := db.CreateSubscription(ctx, znb.System, notify.Subscription{Name: "保险公司理赔系统", URL: g.URL + "/hook",
			Events: []notify.Event{notify.WarningRaised}, Insurer: "PICC-ZY"}); znb.CodeOf(err) != "event_office_only" {
			t.Errorf("an insurer subscribed to warnings: %v", err)
		}
		for _, s := range []notify.Subscription{
			{Name: "保险公司理赔系统", URL: g.URL + "/hook", Events: []notify.Event{notify.ClaimPaid}, Insurer: "PICC-ZY"},
			{Name: "邻县平台", URL: g.URL + "/hook", Events: []notify.Event{notify.WarningRaised}, Region: "522626"},
		} {
			if _, err := db.CreateSubscription(ctx, znb.System, s); err != nil {
				t.Fatal(err)
			}
		}
		c, err := db.ReportClaim(ctx, clerk, w.fire("H1", "2024-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssessClaim(ctx, adjuster, c.No, property("8000", "0", "0"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveClaim(ctx, approver, c.No, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PayClaim(ctx, clerk, c.No, "BANK-1", ""); err != nil {
			t.Fatal(err)
		}
		// The payment raised the warning; evaluating again raises nothing.
		if _, err := db.EvaluateWarnings(ctx, claimCounty); err != nil {
			t.Fatal(err)
		}
		ms := byEvent(t, db, notify.WarningRaised)
		if len(ms) != 1 {
			t.Fatalf("%d warning messages, want 1 (to the county's system): %+v", len(ms), ms)
		}
		m := ms[0]
		if m.Channel != notify.Webhook || m.Target != f.URL+"/hook" || m.Subject != claimCounty+"-H1/large_loss/2024" {
			t.Errorf("message %+v", m)
		}
		now := storetest.Now
		sendAll(t, &store.Sender{DB: db, Gateway: f.gateway(), Now: func() time.Time { return now }}, &now, time.Minute, 3)
		var body struct {
			ID    string         `json:"id"`
			Event string         `json:"event"`
			Data  map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(f.texts[m.Key]), &body); err != nil {
			t.Fatalf("body %q: %v", f.texts[m.Key], err)
		}
		if body.Event != "warning.raised" || body.ID != m.Key || body.Data["head_name"] != "张*丰" || body.Data["rule"] != "large_loss" ||
			body.Data["household_no"] != "H1" {
			t.Errorf("body %+v", body)
		}
		for _, leak := range []string{"figures", "income", "张三丰", "138"} {
			if strings.Contains(f.texts[m.Key], leak) {
				t.Errorf("body carries %q: %s", leak, f.texts[m.Key])
			}
		}
		if f.badSignatures != 0 {
			t.Errorf("%d bad signatures", f.badSignatures)
		}
	})
}
