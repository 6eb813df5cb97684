package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestPublicFieldBounds: the public door refuses a field over its bound
// before any lookup, and writes nothing into the audit trail for it.
func TestPublicFieldBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		for _, tc := range []struct {
			name, path string
			body       map[string]string
			code       int
			want       string
		}{
			{"long name", "/api/v1/public/claims", map[string]string{"name": strings.Repeat("王", 31), "id_number": "522625199001011234"}, 422, "field_too_long"},
			{"kilobytes of name", "/api/v1/public/card", map[string]string{"name": strings.Repeat("x", 3000), "id_number": "522625199001011234"}, 422, "field_too_long"},
			{"long ID number", "/api/v1/public/claims", map[string]string{"name": "张三", "id_number": "5226251990010112345"}, 422, "field_too_long"},
			{"megabytes of name", "/api/v1/public/claims", map[string]string{"name": strings.Repeat("王", 50<<20/3), "id_number": "522625199001011234"}, 413, "too_large"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, b := h.call("POST", tc.path, "", tc.body)
				if code != tc.code || errorCode(t, b) != tc.want {
					t.Errorf("%d %.300s, want %d %s", code, b, tc.code, tc.want)
				}
			})
		}
		es, err := db.AuditTrail(context.Background(), "", 10)
		if err != nil || len(es) != 0 {
			t.Errorf("refused requests audited: %d entries (%v)", len(es), err)
		}
		// At the bounds the request is looked up (and audited) as before.
		code, b := h.call("POST", "/api/v1/public/claims", "", map[string]string{"name": strings.Repeat("王", 30), "id_number": "522625199001011234"})
		if code != 404 || errorCode(t, b) != "not_found" {
			t.Errorf("at the bounds: %d %s", code, b)
		}
		if es, _ := db.AuditTrail(context.Background(), "", 10); len(es) != 1 {
			t.Errorf("a request within the bounds: %d audit entries, want 1", len(es))
		}
	})
}

// TestSecurityHeaders: every answer forbids sniffing and framing; answers
// that carry personal data are not to be cached; HTML pages carry a content
// security policy.
func TestSecurityHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		get := func(method, path, key string, body any) http.Header {
			t.Helper()
			var req *http.Request
			if body != nil {
				j, _ := json.Marshal(body)
				req = httptest.NewRequest(method, path, strings.NewReader(string(j)))
				req.Header.Set("Content-Type", "application/json")
			} else {
				req = httptest.NewRequest(method, path, nil)
			}
			req.Header.Set("Accept", "text/html")
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			resp, err := h.srv.App().Test(req, 60_000)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.Header
		}
		for _, tc := range []struct {
			name         string
			hdr          http.Header
			noStore, csp bool
		}{
			{"health", get("GET", "/healthz", "", nil), false, false},
			{"API JSON", get("GET", "/api/v1/me", w.clerk, nil), true, false},
			{"API error", get("GET", "/api/v1/me", "", nil), true, false},
			{"certificate JSON", get("GET", "/api/v1/certificates/"+w.cert["H1"], w.clerk, nil), true, false},
			{"card PDF", get("POST", "/api/v1/public/card", "", map[string]string{"name": "李四", "id_number": w.person(pSpouse)}), true, false},
			{"card PDF (staff)", get("GET", "/api/v1/certificates/"+w.cert["H1"]+"/card.pdf", w.clerk, nil), true, false},
			{"verify page", get("GET", "/verify/"+w.cert["H1"]+"?sig=x", "", nil), true, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := tc.hdr.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options %q", got)
				}
				if got := tc.hdr.Get("X-Frame-Options"); got != "DENY" {
					t.Errorf("X-Frame-Options %q", got)
				}
				if got := tc.hdr.Get("Cache-Control"); tc.noStore && got != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", got)
				}
				csp := tc.hdr.Get("Content-Security-Policy")
				if tc.csp && (!strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'")) {
					t.Errorf("Content-Security-Policy %q", csp)
				}
			})
		}
	})
}
