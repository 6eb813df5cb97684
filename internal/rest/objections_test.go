package rest_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestObjectionsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		admin := h.user("root", znb.Admin, "")
		office := h.user("office", znb.Office, "522625")
		auditor := h.user("audit", znb.Auditor, "522625")
		form := map[string]any{"name": "李某", "phone": "13700137000", "village": "522625101001", "text": "公示名单里有人并未受灾"}
		var no string
		t.Run("公众提交", func(t *testing.T) {
			code, body := h.call("POST", "/api/v1/public/objections", "", form)
			if code != 201 {
				t.Fatalf("%d %s", code, body)
			}
			var out struct {
				ObjectionNo string   `json:"objection_no"`
				Status      string   `json:"status"`
				AckDue      znb.Date `json:"ack_due"`
				ResolveDue  znb.Date `json:"resolve_due"`
			}
			decodeJSON(t, body, &out)
			if out.Status != "received" || out.AckDue.String() != "2024-06-19" || out.ResolveDue.String() != "2024-07-05" ||
				!strings.HasPrefix(out.ObjectionNo, "YY20240615") {
				t.Errorf("answer %s", body)
			}
			no = out.ObjectionNo
		})
		t.Run("字段有界", func(t *testing.T) {
			long := map[string]any{"phone": "13700137000", "village": "522625101001", "text": strings.Repeat("字", 1001)}
			if code, body := h.call("POST", "/api/v1/public/objections", "", long); code != 422 || !strings.Contains(string(body), "field_too_long") {
				t.Errorf("long text: %d %s", code, body)
			}
			bad := map[string]any{"phone": "13700137000", "village": "522625101001", "text": "x", "source": "hotline"}
			if code, body := h.call("POST", "/api/v1/public/objections", "", bad); code != 422 || !strings.Contains(string(body), "unknown_field") {
				t.Errorf("source from the public: %d %s", code, body)
			}
			huge := []byte(`{"text":"` + strings.Repeat("a", 9000) + `"}`)
			if code, _ := h.call("POST", "/api/v1/public/objections", "", huge); code != 413 {
				t.Errorf("a body over the public bound: %d, want 413", code)
			}
		})
		t.Run("限速", func(t *testing.T) {
			// The public door allows 10 requests a minute per address; at
			// least 3 are spent above.
			got := map[int]int{}
			for i := 0; i < 12; i++ {
				code, _ := h.call("POST", "/api/v1/public/objections", "", form)
				got[code]++
			}
			if got[429] == 0 || got[201] > 7 || got[201]+got[429] != 12 {
				t.Errorf("answers %v: want the flood refused with 429", got)
			}
		})
		t.Run("工作人员录入与答复", func(t *testing.T) {
			code, body := h.call("POST", "/api/v1/objections", office, map[string]any{"category": "service", "source": "hotline",
				"phone": "13900139000", "village": "522625101001", "text": "12317 来电"})
			if code != 201 {
				t.Fatalf("%d %s", code, body)
			}
			if code, body := h.call("POST", "/api/v1/objections", auditor, map[string]any{"source": "hotline", "village": "522625101001", "text": "x"}); code != 403 {
				t.Errorf("auditor records: %d %s", code, body)
			}
			code, body = h.call("POST", "/api/v1/objections/"+no+"/answer", office, map[string]any{"outcome": "rejected", "reply": "经核实，名单无误"})
			if code != 200 || !strings.Contains(string(body), `"status":"rejected"`) {
				t.Fatalf("%d %s", code, body)
			}
			code, body = h.call("GET", "/api/v1/objections/"+no, auditor, nil)
			if code != 200 || !strings.Contains(string(body), `"phone":"137****7000"`) || !strings.Contains(string(body), `"name":"李*"`) {
				t.Errorf("auditor reads: %d %s", code, body)
			}
			code, body = h.call("GET", "/api/v1/objections?status=received", office, nil)
			if code != 200 || !strings.Contains(string(body), "12317 来电") || strings.Contains(string(body), no) {
				t.Errorf("list of received: %d %s", code, body)
			}
		})
		t.Run("订阅与发件箱", func(t *testing.T) {
			sub := map[string]any{"name": "县监测平台", "url": "https://example.gov.cn/hook", "events": []string{"objection.answered"}}
			if code, _ := h.call("POST", "/api/v1/webhooks", office, sub); code != 403 {
				t.Errorf("office subscribes: %d", code)
			}
			code, body := h.call("POST", "/api/v1/webhooks", admin, sub)
			if code != 201 || !strings.Contains(string(body), `"secret":"whsec_`) {
				t.Fatalf("%d %s", code, body)
			}
			code, body = h.call("GET", "/api/v1/webhooks", admin, nil)
			if code != 200 || strings.Contains(string(body), "whsec_") {
				t.Errorf("list shows the secret: %d %s", code, body)
			}
			code, body = h.call("GET", "/api/v1/outbox?status=pending", office, nil)
			var out struct{ Items []rest.OutboxJSON }
			decodeJSON(t, body, &out)
			if code != 200 || len(out.Items) != 1 || out.Items[0].Target != "137****7000" || out.Items[0].Event != "objection.answered" {
				t.Errorf("outbox: %d %s", code, body)
			}
			insurerSub := map[string]any{"name": "保险公司", "url": "https://example.com/hook", "events": []string{"warning.raised"}, "insurer": "PICC-ZY"}
			if code, body := h.call("POST", "/api/v1/webhooks", admin, insurerSub); code != 422 || errorCode(t, body) != "event_office_only" {
				t.Errorf("an insurer subscribed to warnings: %d %s", code, body)
			}
			code, body = h.call("GET", "/api/v1/outbox/counts", office, nil)
			if code != 200 || !strings.Contains(string(body), `{"channel":"sms","status":"pending","count":1}`) {
				t.Errorf("counts: %d %s", code, body)
			}
			id := strconv.FormatInt(out.Items[0].ID, 10)
			if code, body := h.call("POST", "/api/v1/outbox/"+id+"/requeue", office, nil); code != 409 || errorCode(t, body) != "not_dead" {
				t.Errorf("re-queueing a pending message: %d %s", code, body)
			}
			if code, _ := h.call("POST", "/api/v1/outbox/"+id+"/requeue", auditor, nil); code != 403 {
				t.Errorf("auditor re-queues: %d", code)
			}
		})
	})
}
