package rest_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

type signalledAnswer struct {
	ClaimNo string `json:"claim_no"`
	Status  string `json:"status"`
	Signals []struct {
		Code, Name, Reason string
	} `json:"signals"`
	Reviews []struct {
		Reviewer, At, Note string
	} `json:"reviews"`
}

// TestOversightAPI: a claim within 30 days of its member's cover start is
// signalled, listed by signal and in the review queue, and approved only
// after a second approver's note; a report for an excluded person is
// refused; a sample is drawn and redrawn from its seed.
func TestOversightAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		// the child is insured from 2024-04-01
		code, b := h.call("POST", "/api/v1/claims", w.clerk, map[string]any{"certificate_no": w.cert["H1"], "line": "accident",
			"member_id_number": w.person(pChild1), "incident_date": "2024-04-20", "cause": "意外伤害"})
		var c signalledAnswer
		decodeJSON(t, b, &c)
		if code != 201 || len(c.Signals) != 1 || c.Signals[0].Code != "early_claim" || c.Signals[0].Reason == "" || c.Signals[0].Name == "" {
			t.Fatalf("report: %d %s", code, b)
		}
		var list struct {
			Items []signalledAnswer `json:"items"`
			Total int               `json:"total"`
		}
		_, b = h.call("GET", "/api/v1/claims?signal=early_claim", w.office, nil)
		decodeJSON(t, b, &list)
		if list.Total != 1 || list.Items[0].ClaimNo != c.ClaimNo {
			t.Fatalf("list by signal: %s", b)
		}
		if code, b := h.call("GET", "/api/v1/claims?signal=odd", w.office, nil); code != 422 || errorCode(t, b) != "invalid_signal" {
			t.Fatalf("unknown signal: %d %s", code, b)
		}
		queue := func() []signalledAnswer {
			var q struct {
				Items []signalledAnswer `json:"items"`
			}
			code, b := h.call("GET", "/api/v1/review-queue", w.approver, nil)
			if code != 200 {
				t.Fatalf("queue: %d %s", code, b)
			}
			decodeJSON(t, b, &q)
			return q.Items
		}
		if q := queue(); len(q) != 1 || q[0].ClaimNo != c.ClaimNo {
			t.Fatalf("queue: %+v", q)
		}
		if code, b := h.call("POST", "/api/v1/claims/"+c.ClaimNo+"/assess", w.adjuster, map[string]any{"outcome": "disability",
			"injuries": []map[string]any{{"grade": 10}}}); code != 200 {
			t.Fatalf("assess: %d %s", code, b)
		}
		if code, b := h.call("POST", "/api/v1/claims/"+c.ClaimNo+"/approve", w.approver, nil); code != 409 || errorCode(t, b) != "review_required" {
			t.Fatalf("approve without review: %d %s", code, b)
		}
		if code, b := h.call("POST", "/api/v1/claims/"+c.ClaimNo+"/review", w.adjuster, map[string]any{"note": "x"}); code != 403 {
			t.Fatalf("review by the adjuster: %d %s", code, b)
		}
		code, b = h.call("POST", "/api/v1/claims/"+c.ClaimNo+"/review", w.approver2, map[string]any{"note": "已调取医院病历，伤情属实"})
		decodeJSON(t, b, &c)
		if code != 200 || len(c.Reviews) != 1 || !strings.HasPrefix(c.Reviews[0].Reviewer, "approver2") {
			t.Fatalf("review: %d %s", code, b)
		}
		if q := queue(); len(q) != 0 {
			t.Fatalf("queue after review: %+v", q)
		}
		if code, b := h.call("POST", "/api/v1/claims/"+c.ClaimNo+"/approve", w.approver, nil); code != 200 {
			t.Fatalf("approve after review: %d %s", code, b)
		}

		// the exclusion list
		code, b = h.call("POST", "/api/v1/exclusions", w.office, map[string]any{"id_number": w.person(pHead2), "name": "王五",
			"reason": "法院判决骗取保险金", "source": "court", "source_ref": "(2024)黔2625刑初12号"})
		var e struct {
			ID       int64  `json:"id"`
			IDNumber string `json:"id_number"`
			Status   string `json:"status"`
		}
		decodeJSON(t, b, &e)
		if code != 201 || e.Status != "active" || e.IDNumber != w.person(pHead2) {
			t.Fatalf("add exclusion: %d %s", code, b)
		}
		code, b = h.call("POST", "/api/v1/claims", w.clerk, map[string]any{"certificate_no": w.cert["H2"], "line": "property",
			"incident_date": "2024-06-10", "cause": "火灾"})
		if code != 409 || errorCode(t, b) != "excluded_person" {
			t.Fatalf("report for an excluded head: %d %s", code, b)
		}
		_, b = h.call("GET", "/api/v1/exclusions?status=active", w.auditor, nil)
		if !strings.Contains(string(b), `"id_number":"522625********`) || strings.Contains(string(b), w.person(pHead2)) {
			t.Fatalf("auditor's list is not masked: %s", b)
		}
		if code, _ := h.call("GET", "/api/v1/exclusions", w.clerk, nil); code != 403 {
			t.Fatalf("insurer reads the exclusion list: %d", code)
		}
		if code, b := h.call("POST", "/api/v1/exclusions/"+strconv.FormatInt(e.ID, 10)+"/remove", w.office, map[string]any{"note": "再审改判"}); code != 200 {
			t.Fatalf("remove: %d %s", code, b)
		}
		if code, b := h.call("POST", "/api/v1/claims", w.clerk, map[string]any{"certificate_no": w.cert["H2"], "line": "property",
			"incident_date": "2024-06-10", "cause": "火灾"}); code != 201 {
			t.Fatalf("report after removal: %d %s", code, b)
		}

		// a sample of a month without payments, then its redraw
		code, b = h.call("POST", "/api/v1/samples", w.office, map[string]any{"insurer": "PICC-ZY", "month": "2024-05", "seed": "42"})
		var sm struct {
			ID         int64  `json:"id"`
			Seed       string `json:"seed"`
			Rate       string `json:"rate"`
			Size       int    `json:"size"`
			Reproduced *bool  `json:"reproduced"`
		}
		decodeJSON(t, b, &sm)
		if code != 201 || sm.Seed != "42" || sm.Rate != "5.00" || sm.Size != 0 {
			t.Fatalf("draw: %d %s", code, b)
		}
		_, b = h.call("GET", "/api/v1/samples/"+strconv.FormatInt(sm.ID, 10), w.approver, nil)
		decodeJSON(t, b, &sm)
		if sm.Reproduced == nil || !*sm.Reproduced {
			t.Fatalf("redraw: %s", b)
		}
		if code, b := h.call("POST", "/api/v1/samples", w.office, map[string]any{"insurer": "PICC-ZY", "month": "2024-06"}); code != 409 || errorCode(t, b) != "month_not_over" {
			t.Fatalf("draw of the current month: %d %s", code, b)
		}
		if code, b := h.call("GET", "/api/v1/samples/report?month=2024-05", w.office, nil); code != 200 || !strings.Contains(string(b), `"insurer":"PICC-ZY"`) {
			t.Fatalf("report: %d %s", code, b)
		}
	})
}
