package rest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// keyed sends a request with an Idempotency-Key and returns status, body
// and whether it was a replay.
func (h *harness) keyed(method, path, key, idem string, body any) (int, []byte, bool) {
	h.t.Helper()
	j, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(j))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", idem)
	return h.sendKeyed(req, key)
}

func (h *harness) sendKeyed(req *http.Request, key string) (int, []byte, bool) {
	h.t.Helper()
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := h.srv.App().Test(req, 120_000)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("Idempotent-Replayed") == "true"
}

// TestIdempotencyKey: a report re-sent with the same key is answered with
// the first answer and stored once; the key with another body is
// idempotency_key_reused; the same loss reported without the key (or by
// someone else) is duplicate_claim naming the claim already reported; a list
// upload re-sent as a new form (another boundary) is stored once.
func TestIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		report := map[string]any{"certificate_no": w.cert["H1"], "line": "property", "incident_date": "2024-06-01", "cause": "火灾"}

		code, first, replayed := h.keyed("POST", "/api/v1/claims", w.clerk, "report-1", report)
		if code != http.StatusCreated || replayed {
			t.Fatalf("first report: %d %s (replayed %v)", code, first, replayed)
		}
		var c claimAnswer
		decodeJSON(t, first, &c)
		code, again, replayed := h.keyed("POST", "/api/v1/claims", w.clerk, "report-1", report)
		if code != http.StatusCreated || !replayed || !bytes.Equal(again, first) {
			t.Errorf("repeat: %d %s (replayed %v), want the first answer %s", code, again, replayed, first)
		}
		code, b := h.call("GET", "/api/v1/claims", w.clerk, nil)
		var list struct{ Items []claimAnswer }
		decodeJSON(t, b, &list)
		if code != http.StatusOK || len(list.Items) != 1 {
			t.Errorf("claims after the repeat: %d, %d claims, want 1", code, len(list.Items))
		}

		other := map[string]any{"certificate_no": w.cert["H2"], "line": "property", "incident_date": "2024-06-01", "cause": "火灾"}
		if code, b, _ := h.keyed("POST", "/api/v1/claims", w.clerk, "report-1", other); code != http.StatusUnprocessableEntity || errorCode(t, b) != "idempotency_key_reused" {
			t.Errorf("key reused for another report: %d %s", code, b)
		}
		if code, b, _ := h.keyed("POST", "/api/v1/claims", w.clerk, "bad key\x7f", other); code != http.StatusUnprocessableEntity || errorCode(t, b) != "invalid_idempotency_key" {
			t.Errorf("unprintable key: %d %s", code, b)
		}
		// Keys belong to their caller: the office's "report-1" is its own.
		for _, dup := range []func() (int, []byte){
			func() (int, []byte) { return h.call("POST", "/api/v1/claims", w.clerk, report) },
			func() (int, []byte) {
				code, b, _ := h.keyed("POST", "/api/v1/claims", w.office, "report-1", report)
				return code, b
			},
		} {
			code, b := dup()
			var e struct {
				Error struct {
					Code    string
					Details struct {
						ClaimNo string `json:"claim_no"`
					}
				}
			}
			decodeJSON(t, b, &e)
			if code != http.StatusConflict || e.Error.Code != "duplicate_claim" || e.Error.Details.ClaimNo != c.ClaimNo {
				t.Errorf("duplicate report: %d %s, want 409 duplicate_claim naming %s", code, b, c.ClaimNo)
			}
		}

		// A refusal is an answer too: replayed, not redone.
		bad := map[string]any{"certificate_no": w.cert["H1"], "line": "property", "incident_date": "2024-06-16", "cause": "火灾"}
		code1, b1, _ := h.keyed("POST", "/api/v1/claims", w.clerk, "report-2", bad)
		code2, b2, replayed := h.keyed("POST", "/api/v1/claims", w.clerk, "report-2", bad)
		if code1 != http.StatusUnprocessableEntity || code2 != code1 || !bytes.Equal(b1, b2) || !replayed {
			t.Errorf("refusal repeated: %d %s then %d %s (replayed %v)", code1, b1, code2, b2, replayed)
		}

		// A list upload, sent twice as two forms of the same file.
		file, _ := generated(t, "522626", 10)
		office := h.user("office-b", znb.Office, "522626")
		upload := func() (int, []byte, bool) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("county", "522626")
			mw.WriteField("effective_date", "2024-01-01")
			fw, _ := mw.CreateFormFile("file", "list.csv")
			fw.Write(file)
			mw.Close()
			req := httptest.NewRequest("POST", "/api/v1/lists", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Idempotency-Key", "list-522626-1")
			return h.sendKeyed(req, office)
		}
		code1, b1, _ = upload()
		code2, b2, replayed = upload()
		if code1 != http.StatusCreated || code2 != code1 || !bytes.Equal(b1, b2) || !replayed {
			t.Errorf("list upload repeated: %d %s then %d %s (replayed %v)", code1, b1, code2, b2, replayed)
		}
		code, b = h.call("GET", "/api/v1/lists?county=522626", office, nil)
		var lists struct{ Items []json.RawMessage }
		decodeJSON(t, b, &lists)
		if code != http.StatusOK || len(lists.Items) != 1 {
			t.Errorf("lists of 522626 after the repeat: %d %s, want one", code, b)
		}

		// A new user: the repeat names the same user; the key is not kept.
		admin := h.user("admin", znb.Admin, "")
		u := map[string]any{"username": "clerk-new", "role": "insurer_clerk", "scope": "PICC-ZY"}
		code1, b1, _ = h.keyed("POST", "/api/v1/users", admin, "user-1", u)
		code2, b2, replayed = h.keyed("POST", "/api/v1/users", admin, "user-1", u)
		var u1, u2 struct {
			Username string `json:"username"`
			APIKey   string `json:"api_key"`
		}
		decodeJSON(t, b1, &u1)
		decodeJSON(t, b2, &u2)
		if code1 != http.StatusCreated || code2 != code1 || !replayed || u2.Username != "clerk-new" || u1.APIKey == "" || u2.APIKey != "" {
			t.Errorf("user creation repeated: %d %s then %d %s (replayed %v)", code1, b1, code2, b2, replayed)
		}
	})
}
