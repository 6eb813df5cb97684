package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// oversightWorld is county A insured from 2024-01-01 (four households, with
// mobile numbers), an early claim of H2 (incident on the cover's tenth day:
// signalled, waiting for its review) and two claims of H3 and H4 paid in
// May 2024. It adds the insurer's staff and an auditor of county A, and
// returns the early claim's number.
func oversightWorld(t *testing.T, s *site) string {
	t.Helper()
	ctx := context.Background()
	db := s.db
	s.staff(t)
	addUser(t, db, "auditor", znb.Auditor, county)
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
	a := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{County: county})
	list := "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期,联系电话\n"
	for i, h := range []string{"H1", "H2", "H3", "H4"} {
		list += h + ",522625101001,青山村,已脱贫户,农户" + h + "," + idn(i+1) + ",户主,正常,,1380013800" + string(rune('1'+i)) + "\n"
	}
	storetest.ImportAndIssue(t, db, office, a.ID, storetest.WriteFile(t, "list.csv", list),
		store.ImportOptions{County: county, Effective: znb.MustDate("2024-01-01")})
	clerk := znb.Actor{Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	adjuster := znb.Actor{Username: "adjuster", Role: znb.Adjuster, Scope: "PICC-ZY"}
	approver := znb.Actor{Username: "approver", Role: znb.Approver, Scope: "PICC-ZY"}
	report := func(h, incident string) string {
		c, err := db.ReportClaim(ctx, clerk, store.ClaimReport{CertificateNo: certificateOf(t, db, h), Line: znb.Property,
			IncidentDate: znb.MustDate(incident), ReportedOn: znb.MustDate(incident), Cause: "火灾", Description: "厨房失火"})
		if err != nil {
			t.Fatal(err)
		}
		return c.No
	}
	early := report("H2", "2024-01-10")
	db.Now = func() time.Time { return time.Date(2024, 5, 20, 2, 0, 0, 0, time.UTC) }
	defer func() { db.Now = func() time.Time { return storetest.Now } }()
	for _, h := range []string{"H3", "H4"} {
		no := report(h, "2024-04-20")
		if _, err := db.AssessClaim(ctx, adjuster, no, &claim.Form{StructureLoss: "3000"}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveClaim(ctx, approver, no, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PayClaim(ctx, clerk, no, "BANK-"+h, ""); err != nil {
			t.Fatal(err)
		}
	}
	return early
}

// docShot saves the page's screenshot into docs/console, where the
// oversight guide shows it (the SQLite run's), when ZNB_DOC_SHOTS=1: a test
// run leaves the checkout as it found it.
func docShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot(t, ctx, name)
	if strings.Contains(t.Name(), "mysql") || os.Getenv("ZNB_DOC_SHOTS") != "1" {
		return
	}
	var png []byte
	run(t, ctx, "screenshot for the docs", chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "console", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReviewQueueInBrowser: the approver finds the early claim in the
// review queue with its reason, filters by signal, opens the claim's
// review form from the queue and writes the note, after which the claim
// leaves the queue. The clerk sees the queue but is offered no review and
// is refused one; another insurer's clerk sees nothing of it; an office
// never reaches the page.
func TestReviewQueueInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		early := oversightWorld(t, s)
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "approver")
		var row string
		run(t, ctx, "the review queue", chromedp.Navigate(s.base+"/insurer/review-queue"),
			chromedp.WaitVisible(`tr[data-claim="`+early+`"]`, chromedp.ByQuery),
			chromedp.Text(`tr[data-claim="`+early+`"] li[data-signal="early_claim"]`, &row, chromedp.ByQuery))
		if !strings.Contains(row, "出险日期 2024-01-10 是保障起期 2024-01-01 后的第 10 天") {
			t.Errorf("signal shown as %q", row)
		}
		docShot(t, ctx, "review-queue")
		run(t, ctx, "filter by another signal", chromedp.SetValue("#signal", "frequent", chromedp.ByID),
			chromedp.Click(`form[action="/insurer/review-queue"] button`, chromedp.ByQuery), chromedp.WaitVisible("#none", chromedp.ByID))
		var notes string
		run(t, ctx, "open the claim from the queue", chromedp.Navigate(s.base+"/insurer/review-queue?signal=early_claim"),
			chromedp.Click(`tr[data-claim="`+early+`"] a`, chromedp.ByQuery), chromedp.WaitVisible("#review", chromedp.ByID),
			chromedp.SendKeys("#review", "已电话核实：新参保户，火灾有村委证明", chromedp.ByID),
			chromedp.Click("#save-review", chromedp.ByID), chromedp.WaitVisible("#reviews", chromedp.ByID),
			chromedp.Text("#reviews", &notes, chromedp.ByID))
		if !strings.Contains(notes, "approver：已电话核实") {
			t.Errorf("review notes %q", notes)
		}
		run(t, ctx, "the queue after the review", chromedp.Navigate(s.base+"/insurer/review-queue"), chromedp.WaitVisible("#none", chromedp.ByID))

		// The clerk reads the queue but may not review.
		db2 := s.client(t)
		db2.signIn("clerk", password)
		if code, body, _ := db2.get("/insurer/review-queue?signal=early_claim"); code != 200 || strings.Contains(body, early) {
			t.Errorf("clerk's queue after the review: %d", code)
		}
		_, body, token := db2.get("/insurer/claims/" + early)
		if strings.Contains(body, `id="review"`) {
			t.Error("the clerk is offered the review form")
		}
		if code, _ := db2.post("/insurer/claims/"+early+"/review", url.Values{"csrf": {token}, "review": {"看过了"}}); code != 403 {
			t.Errorf("clerk's review: %d, want 403", code)
		}
		other := s.client(t)
		other.signIn("otherclerk", password)
		if code, body, _ := other.get("/insurer/review-queue?signal=early_claim"); code != 200 || strings.Contains(body, early) ||
			!strings.Contains(body, `id="none"`) {
			t.Errorf("another insurer's queue: %d", code)
		}
		if code, _, _ := other.get("/insurer/claims/" + early); code != 404 {
			t.Errorf("another insurer's claim page: %d, want 404", code)
		}
		o := s.client(t)
		o.signIn("office", password)
		if code, _, _ := o.get("/insurer/review-queue"); code != 403 {
			t.Errorf("office on the review queue: %d, want 403", code)
		}
	})
}

var deadRow = regexp.MustCompile(`id="dead-\d`)

var samplePath = regexp.MustCompile(`/office/samples/(\d+)`)

// TestSamplesInBrowser: the office draws May's sample with a seed (June's
// is refused: the month has not ended), sees the seed and that it
// reproduces, records a recovery (refused without a note first) and sees
// it in the report. The auditor reads but is offered no form and is
// refused a draw; the clerk reads its insurer's sample but may not record;
// county B's office and another insurer see none of it.
func TestSamplesInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		oversightWorld(t, s)
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "office")
		var msg string
		run(t, ctx, "a month not ended", chromedp.Navigate(s.base+"/office/samples"), chromedp.WaitVisible("#month", chromedp.ByID),
			chromedp.SendKeys("#month", "2024-06", chromedp.ByID), chromedp.SendKeys("#insurer", "PICC-ZY", chromedp.ByID),
			chromedp.Click("#draw", chromedp.ByID), chromedp.WaitVisible("#month-error", chromedp.ByID),
			chromedp.Text("#month-error", &msg, chromedp.ByID))
		if msg == "" {
			t.Error("no message beside the month")
		}
		var seed, reproduced, loc string
		run(t, ctx, "draw May", chromedp.SetValue("#month", "2024-05", chromedp.ByID), chromedp.SetValue("#seed", "20240601", chromedp.ByID),
			chromedp.Click("#draw", chromedp.ByID), chromedp.WaitVisible("#sample-seed", chromedp.ByID),
			chromedp.Text("#sample-seed", &seed, chromedp.ByID), chromedp.Text("#reproduced", &reproduced, chromedp.ByID),
			chromedp.Location(&loc))
		if seed != "20240601" || !strings.HasPrefix(reproduced, "是") {
			t.Errorf("sample shows seed %q, reproduced %q", seed, reproduced)
		}
		sample := samplePath.FindStringSubmatch(loc)
		if sample == nil {
			t.Fatalf("sample page at %s", loc)
		}
		sm, err := db.GetSample(context.Background(), znb.System, mustInt(sample[1]))
		if err != nil || len(sm.Items) != 1 || sm.Population != 2 {
			t.Fatalf("sample %+v %v: 1 of 2 paid claims", sm, err)
		}
		no := sm.Items[0].ClaimNo
		docShot(t, ctx, "sample")
		run(t, ctx, "a recovery without a note", chromedp.SetValue("#outcome-"+no, "recovered", chromedp.ByID),
			chromedp.SendKeys("#recovered-"+no, "500", chromedp.ByID), chromedp.Click("#record-"+no, chromedp.ByID),
			chromedp.WaitVisible("#page-error", chromedp.ByID), chromedp.Text("#page-error", &msg, chromedp.ByID))
		if !strings.Contains(msg, "追回须说明原因") {
			t.Errorf("refusal %q", msg)
		}
		var row string
		run(t, ctx, "the recovery", chromedp.SetValue("#outcome-"+no, "recovered", chromedp.ByID),
			chromedp.SendKeys("#note-"+no, "房屋损失面积虚报", chromedp.ByID), chromedp.Click("#record-"+no, chromedp.ByID),
			chromedp.WaitVisible("#done", chromedp.ByID), chromedp.Text("#item-"+no, &row, chromedp.ByID))
		if !strings.Contains(row, "追回") || !strings.Contains(row, "500.00") || !strings.Contains(row, "房屋损失面积虚报") {
			t.Errorf("item row %q", row)
		}
		var report string
		run(t, ctx, "the report", chromedp.Navigate(s.base+"/office/samples"), chromedp.WaitVisible("#report", chromedp.ByID),
			chromedp.Text("#report tbody tr", &report, chromedp.ByQuery))
		if f := strings.Fields(report); len(f) != 9 || f[0] != "PICC-ZY" || f[1] != "2024-05" || f[2] != "2" || f[3] != "1" ||
			f[4] != "0" || f[5] != "1" || f[6] != "0" || f[8] != "500.00" {
			t.Errorf("report row %q", report)
		}
		docShot(t, ctx, "samples")

		au := s.client(t)
		au.signIn("auditor", password)
		_, body, token := au.get("/office/samples/" + sample[1])
		if !strings.Contains(body, "20240601") || strings.Contains(body, `id="record-`) {
			t.Error("auditor: the sample without forms")
		}
		if _, body, _ := au.get("/office/samples"); strings.Contains(body, `id="draw"`) {
			t.Error("auditor offered the draw")
		}
		if code, _ := au.post("/office/samples", url.Values{"csrf": {token}, "month": {"2024-04"}, "insurer": {"PICC-ZY"}}); code != 403 {
			t.Errorf("auditor's draw: %d", code)
		}
		cl := s.client(t)
		cl.signIn("clerk", password)
		if code, body, _ := cl.get("/insurer/samples"); code != 200 || !strings.Contains(body, "/insurer/samples/"+sample[1]) {
			t.Errorf("clerk's samples: %d", code)
		}
		_, body, token = cl.get("/insurer/samples/" + sample[1])
		if code, _ := cl.post("/insurer/samples/"+sample[1]+"/items/"+no, url.Values{"csrf": {token}, "outcome": {"confirmed"}}); code != 403 {
			t.Errorf("clerk records: %d", code)
		}
		for _, who := range []struct{ user, path string }{{"officeb", "/office/samples"}, {"otherclerk", "/insurer/samples"}} {
			c := s.client(t)
			c.signIn(who.user, password)
			if _, body, _ := c.get(who.path); strings.Contains(body, "20240601") || !strings.Contains(body, `id="none"`) {
				t.Errorf("%s sees the sample", who.user)
			}
			if code, _, _ := c.get(who.path + "/" + sample[1]); code != 404 {
				t.Errorf("%s opens the sample: %d", who.user, code)
			}
		}
	})
}

// TestExclusionsInBrowser: the office puts a person on the list (a wrong ID
// number refused beside its field), takes the entry off with a note
// (refused without one), and the removal is audited. The auditor reads the
// list with the ID number masked and no forms; county B's office sees
// nothing and cannot remove it; the insurer never reaches the page.
func TestExclusionsInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		oversightWorld(t, s)
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "office")
		var msg string
		run(t, ctx, "a wrong ID number", chromedp.Navigate(s.base+"/office/exclusions"), chromedp.WaitVisible("#id_number", chromedp.ByID),
			chromedp.SendKeys("#id_number", "522625198001010000", chromedp.ByID), chromedp.SendKeys("#name", "农户H3", chromedp.ByID),
			chromedp.SendKeys("#reason", "虚报房屋损失面积骗取赔款", chromedp.ByID), chromedp.SetValue("#source", "sampling", chromedp.ByID),
			chromedp.SendKeys("#source_ref", "CLM20240520000001", chromedp.ByID),
			chromedp.Click("#add", chromedp.ByID), chromedp.WaitVisible("#id_number-error", chromedp.ByID),
			chromedp.Text("#id_number-error", &msg, chromedp.ByID))
		if !strings.Contains(msg, "身份证号无效") {
			t.Errorf("refusal %q", msg)
		}
		var status string
		run(t, ctx, "the entry", chromedp.SetValue("#id_number", idn(3), chromedp.ByID), chromedp.Click("#add", chromedp.ByID),
			chromedp.WaitVisible("#done", chromedp.ByID), chromedp.Text("#exclusions tbody tr td:nth-child(7)", &status, chromedp.ByQuery))
		if status != "生效中" {
			t.Errorf("status %q", status)
		}
		list, err := db.ListExclusions(context.Background(), znb.System, store.ExclusionQuery{})
		if err != nil || len(list) != 1 || list[0].IDNumber != idn(3) || list[0].Until.String() != "2027-06-14" {
			t.Fatalf("entries %+v %v", list, err)
		}
		id := list[0].ID
		sid := strconv.FormatInt(id, 10)
		shot(t, ctx, "office-exclusions")
		run(t, ctx, "removal without a note", chromedp.Click("#remove-"+sid, chromedp.ByID),
			chromedp.WaitVisible("#page-error", chromedp.ByID), chromedp.Text("#page-error", &msg, chromedp.ByID))
		if !strings.Contains(msg, "须说明原因") {
			t.Errorf("refusal %q", msg)
		}
		run(t, ctx, "removal", chromedp.SendKeys("#note-"+sid, "申诉成立，县法院撤销原判", chromedp.ByID), chromedp.Click("#remove-"+sid, chromedp.ByID),
			chromedp.WaitVisible("#done", chromedp.ByID), chromedp.Text("#status-"+sid, &status, chromedp.ByID))
		if status != "已移出" {
			t.Errorf("status after removal %q", status)
		}
		if !audited(t, db, "exclusion:"+sid, "exclusion.remove") {
			t.Error("the removal is not in the audit trail")
		}

		au := s.client(t)
		au.signIn("auditor", password)
		_, body, _ := au.get("/office/exclusions")
		if !strings.Contains(body, "农户H3") || strings.Contains(body, idn(3)) || strings.Contains(body, `id="add"`) {
			t.Error("auditor: the entry masked, without forms")
		}
		b := s.client(t)
		b.signIn("officeb", password)
		_, body, token := b.get("/office/exclusions")
		if strings.Contains(body, "农户H3") || !strings.Contains(body, `id="none"`) {
			t.Error("county B sees county A's entry")
		}
		if code, _ := b.post("/office/exclusions/"+sid+"/remove", url.Values{"csrf": {token}, "note": {"x"}}); code != 404 {
			t.Errorf("county B removes: %d", code)
		}
		cl := s.client(t)
		cl.signIn("clerk", password)
		if code, _, _ := cl.get("/office/exclusions"); code != 403 {
			t.Errorf("insurer on the list: %d", code)
		}
	})
}

// TestOutboxInBrowser: the certificates' SMS refused for good by the
// gateway are dead letters; the office sees the counts by channel and
// status and each dead letter's last error, and sends one again. The
// auditor sees them without the button and is refused; county B sees none
// and cannot re-queue.
func TestOutboxInBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		oversightWorld(t, s)
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "unknown template", http.StatusBadRequest)
		}))
		defer gw.Close()
		sender := &store.Sender{DB: db, Gateway: &notify.HTTPGateway{URL: gw.URL, Client: gw.Client()}}
		for {
			n, err := sender.SendDue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		dead, err := db.ListOutbox(context.Background(), znb.System, store.OutboxQuery{Status: notify.Dead})
		if err != nil || len(dead) == 0 {
			t.Fatalf("dead letters: %v %v", dead, err)
		}
		id := strconv.FormatInt(dead[0].ID, 10)
		ctx := chromium(t, 1280, 900)
		s.signIn(t, ctx, "office")
		var counts, last string
		run(t, ctx, "the outbox", chromedp.Navigate(s.base+"/office/outbox"), chromedp.WaitVisible("#counts", chromedp.ByID),
			chromedp.Text(`#counts tr[data-channel="sms"]`, &counts, chromedp.ByQuery),
			chromedp.Text("#dead-"+id+" td:nth-child(6)", &last, chromedp.ByQuery))
		if f := strings.Fields(counts); len(f) != 4 || f[0] != "短信" || f[1] != "0" || f[3] != strconv.Itoa(len(dead)) {
			t.Errorf("SMS counts %q, want all %d dead", counts, len(dead))
		}
		if !strings.Contains(last, "400") || !strings.Contains(last, "unknown template") {
			t.Errorf("last error %q", last)
		}
		shot(t, ctx, "office-outbox")
		run(t, ctx, "send one again", chromedp.Click("#requeue-"+id, chromedp.ByID), chromedp.WaitVisible("#done", chromedp.ByID),
			chromedp.Text(`#counts tr[data-channel="sms"]`, &counts, chromedp.ByQuery))
		if f := strings.Fields(counts); len(f) != 4 || f[1] != "1" || present(t, ctx, "#dead-"+id) {
			t.Errorf("after re-queueing: %q", counts)
		}
		if !audited(t, db, "outbox:"+id, "outbox.requeue") {
			t.Error("the re-queue is not in the audit trail")
		}
		other := strconv.FormatInt(dead[1].ID, 10)
		au := s.client(t)
		au.signIn("auditor", password)
		_, body, token := au.get("/office/outbox")
		if !strings.Contains(body, `id="dead-`+other+`"`) || !strings.Contains(body, "<td>出单</td>") || strings.Contains(body, `id="requeue-`) {
			t.Error("auditor: dead letters without the button")
		}
		if code, _ := au.post("/office/outbox/"+other+"/requeue", url.Values{"csrf": {token}}); code != 403 {
			t.Errorf("auditor re-queues: %d", code)
		}
		b := s.client(t)
		b.signIn("officeb", password)
		_, body, token = b.get("/office/outbox")
		if deadRow.MatchString(body) || !strings.Contains(body, `id="no-dead"`) {
			t.Error("county B sees county A's messages")
		}
		if code, _ := b.post("/office/outbox/"+other+"/requeue", url.Values{"csrf": {token}}); code != 404 {
			t.Errorf("county B re-queues: %d", code)
		}
	})
}

// audited reports whether the trail holds an entry of action about object.
func audited(t *testing.T, db *store.DB, object, action string) bool {
	t.Helper()
	if err := db.FlushAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, err := db.AuditTrail(context.Background(), object, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == action {
			return true
		}
	}
	return false
}
