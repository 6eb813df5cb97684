package rest_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// absurd are figures that no field may take: an exponent past float64, an
// exponent as a JSON number, twenty digits, three decimals.
var absurd = []struct {
	name string
	json any    // as sent in a JSON body
	yaml string // as written in a YAML file
}{
	{"1e309", "1e309", `"1e309"`},
	{"1e9999 number", json.RawMessage("1e9999"), `1e9999`},
	{"20 nines", "99999999999999999999", `"99999999999999999999"`},
	{"1.234", "1.234", `"1.234"`},
}

// TestAbsurdFiguresHTTP: assessment amounts, quantities and percentages,
// product and agreement premiums and agreement terms answer 422 naming the
// field.
func TestAbsurdFiguresHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		claims := map[string]string{}
		for line, body := range map[string]map[string]any{
			"agriculture":     {"line": "agriculture", "incident_date": "2024-06-10", "cause": "疫病"},
			"accident":        {"line": "accident", "member_id_number": w.person(pSpouse), "incident_date": "2024-06-01", "cause": "意外伤害"},
			"hospitalization": {"line": "hospitalization", "member_id_number": w.person(pHead1), "incident_date": "2024-06-05", "cause": "意外伤害"},
		} {
			body["certificate_no"] = w.cert["H1"]
			_, c, b := h.report(w.clerk, body)
			if c.ClaimNo == "" {
				t.Fatalf("report %s: %s", line, b)
			}
			claims[line] = c.ClaimNo
		}
		fields := []struct {
			line, field, code string
			body              func(v any) map[string]any
		}{
			{"agriculture", "items[0].assessed_loss", "invalid_amount", func(v any) map[string]any {
				return map[string]any{"items": []map[string]any{{"kind": "livestock", "subject": "猪", "assessed_loss": v}}}
			}},
			{"agriculture", "items[0].quantity", "invalid_quantity", func(v any) map[string]any {
				return map[string]any{"items": []map[string]any{{"kind": "livestock", "subject": "猪", "quantity": v, "assessed_loss": "900.00"}}}
			}},
			{"accident", "burns[0].area_pct", "invalid_percentage", func(v any) map[string]any {
				return map[string]any{"outcome": "burn", "burns": []map[string]any{{"site": "head_neck", "area_pct": v}}}
			}},
			{"hospitalization", "medical_expense", "invalid_amount", func(v any) map[string]any {
				return map[string]any{"medical_expense": v}
			}},
		}
		for _, f := range fields {
			for _, v := range absurd {
				t.Run("Assess/"+f.field+"/"+v.name, func(t *testing.T) {
					code, b := h.call("POST", "/api/v1/claims/"+claims[f.line]+"/assess", w.adjuster, f.body(v.json))
					if code != 422 || errorCode(t, b) != f.code || !strings.Contains(string(b), f.field) {
						t.Errorf("%d %s, want 422 %s naming %s", code, b, f.code, f.field)
					}
				})
			}
		}

		std := string(readFile(t, filepath.Join("..", "..", "configs", "products", "znb-standard.yaml")))
		for _, v := range absurd {
			t.Run("Product/premium_per_person/"+v.name, func(t *testing.T) {
				body := strings.Replace(std, `premium_per_person: "60.00"`, "premium_per_person: "+v.yaml, 1)
				body = strings.Replace(body, "version: 1", "version: 9", 1)
				code, b := h.call("POST", "/api/v1/products", w.clerk, []byte(body))
				if code != 422 || errorCode(t, b) != "product_invalid" || !strings.Contains(string(b), "premium_per_person") {
					t.Errorf("%d %s, want 422 product_invalid naming premium_per_person", code, b)
				}
			})
		}

		agreement := func(no string) string { return polAgreement(no, "PICC-ZY") }
		for i, v := range absurd {
			t.Run("Agreement/premium_per_person/"+v.name, func(t *testing.T) {
				body := strings.Replace(agreement(fmt.Sprintf("ZY-P%d", i)), `premium_per_person: "60.00"`, "premium_per_person: "+v.yaml, 1)
				code, b := h.call("POST", "/api/v1/agreements", w.office, []byte(body))
				if code != 422 || errorCode(t, b) != "agreement_invalid" || !strings.Contains(string(b), "premium_per_person") {
					t.Errorf("%d %s, want 422 agreement_invalid naming premium_per_person", code, b)
				}
			})
		}
		t.Run("Agreement/term.end/9999-12-31", func(t *testing.T) {
			body := strings.Replace(agreement("ZY-T1"), "end: 2024-12-31", "end: 9999-12-31", 1)
			code, b := h.call("POST", "/api/v1/agreements", w.office, []byte(body))
			if code != 422 || errorCode(t, b) != "agreement_invalid" || !strings.Contains(string(b), "term.end") {
				t.Errorf("%d %s, want 422 agreement_invalid naming term.end", code, b)
			}
		})
		t.Run("Agreement/term.end/two years", func(t *testing.T) {
			body := strings.Replace(agreement("ZY-T2"), "end: 2024-12-31", "end: 2025-12-31", 1)
			code, b := h.call("POST", "/api/v1/agreements", w.office, []byte(body))
			var ag struct {
				ID int64 `json:"id"`
			}
			decodeJSON(t, b, &ag)
			if code != 201 {
				t.Fatalf("a draft with a two-year term: %d %s, want 201", code, b)
			}
			code, b = h.call("POST", fmt.Sprintf("/api/v1/agreements/%d/activate", ag.ID), w.office, nil)
			if code != 422 || errorCode(t, b) != "term_invalid" || !strings.Contains(string(b), "term.end") {
				t.Errorf("activate: %d %s, want 422 term_invalid naming term.end", code, b)
			}
		})
	})
}
