package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestObjectionPages: anyone files an objection through the public form;
// the office sees it with its deadlines, finds it in the overdue list once
// past them, answers it from the list, and sees the SMS waiting in the
// outbox with the phone masked.
func TestObjectionPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		p := s.client(t)
		_, page, token := p.get("/objection")
		if !strings.Contains(page, "提交异议") {
			t.Fatalf("form page: %s", page)
		}
		form := url.Values{"csrf": {token}, "name": {"李某"}, "phone": {"1370013700"}, "village": {county + "101001"},
			"text": {"公示第 3 行的户并未受灾"}}
		code, body := p.post("/objection", form)
		if code != 422 || !strings.Contains(body, "11 位手机号") || !strings.Contains(body, "公示第 3 行") {
			t.Errorf("bad phone: %d, the form again with the message and what was typed", code)
		}
		form.Set("phone", "13700137000")
		code, body = p.post("/objection", form)
		if code != 201 || !strings.Contains(body, "YY20240615") || !strings.Contains(body, "2024-06-19 前确认受理") {
			t.Fatalf("filed: %d %s", code, body)
		}
		o := s.client(t)
		o.signIn("office", password)
		_, body, _ = o.get("/office/objections")
		if !strings.Contains(body, "公示第 3 行") || !strings.Contains(body, "2024-07-05") || !strings.Contains(body, "13700137000") {
			t.Errorf("office list: %s", body)
		}
		_, body, _ = o.get("/office/objections?overdue=1")
		if !strings.Contains(body, `id="none"`) {
			t.Errorf("overdue on the day of receipt: %s", body)
		}
		// One taken by the hotline twelve days ago, never acknowledged.
		db.Now = func() time.Time { return time.Date(2024, 6, 3, 2, 0, 0, 0, time.UTC) }
		old, err := db.FileObjection(context.Background(), znb.Actor{Username: "office", Role: znb.Office, Scope: county},
			objection.Filing{Source: objection.Hotline, Category: objection.Service, Village: county + "101001", Text: "12317 来电：理赔慢"})
		db.Now = func() time.Time { return storetest.Now }
		if err != nil {
			t.Fatal(err)
		}
		_, body, token = o.get("/office/objections?overdue=1")
		if !strings.Contains(body, old.No) || !strings.Contains(body, "受理逾期") || strings.Contains(body, "公示第 3 行") {
			t.Errorf("overdue list: %s", body)
		}
		items, err := db.ListObjections(context.Background(), znb.System, store.ObjectionQuery{Status: "received"})
		if err != nil || len(items) != 2 {
			t.Fatal(items, err)
		}
		items = items[1:] // the public one: the later resolution deadline
		code, _ = o.post("/office/objections/"+items[0].No+"/answer", url.Values{"csrf": {token}, "outcome": {"rejected"}, "reply": {"经核实，该户确已受灾"}})
		if code != 303 {
			t.Errorf("answer: %d", code)
		}
		_, body, _ = o.get("/office/objections")
		if !strings.Contains(body, "经核实，该户确已受灾") || !strings.Contains(body, "异议不成立") {
			t.Errorf("after the answer: %s", body)
		}
		_, body, _ = o.get("/office/outbox")
		if !strings.Contains(body, "137****7000") || !strings.Contains(body, "待发送") || strings.Contains(body, "13700137000") {
			t.Errorf("outbox: %s", body)
		}
		i := s.client(t)
		i.signIn("clerk", password)
		if code, body, _ := i.get("/insurer/objections"); code != 200 || !strings.Contains(body, `id="none"`) {
			t.Errorf("insurer sees the office's item: %d", code)
		}
	})
}
