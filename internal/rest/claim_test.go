package rest_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

func pngBytes(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	jpegBytes = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{1}, 100)...)
	pdfBytes  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
)

// pdfText extracts a PDF's text with poppler's pdftotext.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (apt-get install poppler-utils): %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// TestClaimEndToEnd takes a claim of each line, under both products,
// through report → documents → assessment → approval by another user →
// payment, and checks the payable, the history and the decision letter.
func TestClaimEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		std := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		fpb := newClaimWorld(t, h, "522626", "PICC-JP", "fpb-tiered")
		cases := []struct {
			name      string
			w         *claimWorld
			report    map[string]any
			doc       string
			assess    map[string]any
			payable   string
			before    string
			lastSteps []string // the codes of the last steps of the breakdown
		}{
			{"agriculture", std, map[string]any{"certificate_no": std.cert["H1"], "line": "agriculture",
				"incident_date": "2024-06-10", "cause": "疫病", "description": "3 头能繁母猪死亡"}, "查勘照片",
				map[string]any{"items": []map[string]any{
					{"kind": "livestock", "subject": "能繁母猪", "quantity": "3", "assessed_loss": "4500.00", "policy_insurance_paid": "1500.00"},
					{"kind": "crop", "subject": "玉米", "quantity": "2", "assessed_loss": "800.00", "policy_insurance_paid": "1000.00"}}},
				// (4500 − 1500) + max(0, 800 − 1000) − 200 deductible
				"2800.00", "10000.00", []string{"less_deductible", "cap_remaining_limit", "payable"}},
			{"accident", std, map[string]any{"certificate_no": std.cert["H1"], "line": "accident", "member_id_number": std.person(pSpouse),
				"incident_date": "2024-06-01", "cause": "意外伤害"}, "伤残鉴定书（伤残）",
				map[string]any{"outcome": "disability", "injuries": []map[string]any{{"grade": 3}, {"grade": 5}}},
				// the most severe grade, 3: (110 − 30)% of 30,000
				"24000.00", "30000.00", []string{"disability_ratio", "cap_remaining_limit", "payable"}},
			{"hospitalization", std, map[string]any{"certificate_no": std.cert["H2"], "line": "hospitalization", "member_id_number": std.person(pHead2),
				"incident_date": "2024-06-05", "cause": "意外伤害"}, "住院发票",
				map[string]any{"medical_expense": "12000.00", "basic_insurance_paid": "5000.00", "critical_illness_paid": "1000.00",
					"medical_assistance_paid": "500.00", "non_reimbursable": "300.00"},
				// (12000 − 5000 − 1000 − 500 − 300 − 100) × 90%
				"4590.00", "10000.00", []string{"ratio", "cap_remaining_limit", "payable"}},
			{"property", std, map[string]any{"certificate_no": std.cert["H2"], "line": "property",
				"incident_date": "2024-06-12", "cause": "火灾"}, "损失清单",
				map[string]any{"structure_loss": "3000.00", "decoration_loss": "500.00", "appliance_loss": "2500.00"},
				// 3000 + 500 + min(2500, 2000) − 200
				"5300.00", "20000.00", []string{"less_deductible", "cap_remaining_limit", "payable"}},
			{"hospitalization fpb-tiered", fpb, map[string]any{"certificate_no": fpb.cert["H1"], "line": "hospitalization", "member_id_number": fpb.person(pHead1),
				"incident_date": "2024-06-03", "cause": "意外伤害"}, "费用清单",
				map[string]any{"medical_expense": "40000.00", "basic_insurance_paid": "4000.00"},
				// out of pocket 36,000: 5,000×50% + 20,000×60% + 6,000×70%
				"18700.00", "50000.00", []string{"tier_total", "cap_remaining_limit", "payable"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				w := tc.w
				code, c, b := h.report(w.clerk, tc.report)
				if code != 201 || c.Status != "reported" || !strings.HasPrefix(c.ClaimNo, "CLM20240615") || c.ReportedOn != "2024-06-15" {
					t.Fatalf("report %d %s", code, b)
				}
				base := "/api/v1/claims/" + c.ClaimNo
				// each household's own photo: one file on two households' claims is a fraud signal
				photo := append(pngBytes(t), c.ClaimNo...)
				if code, b := h.upload(base+"/documents", w.office, "file", "photo.png", photo, map[string]string{"kind": tc.doc}); code != 201 {
					t.Fatalf("upload %d %s", code, b)
				}
				var docs struct {
					Items   []struct{ Kind, ContentType string } `json:"items"`
					Missing []string                             `json:"missing"`
				}
				_, b = h.call("GET", base+"/documents", w.clerk, nil)
				decodeJSON(t, b, &docs)
				if len(docs.Items) != 1 || docs.Items[0].Kind != tc.doc || len(docs.Missing) == 0 || contains(docs.Missing, tc.doc) {
					t.Errorf("documents %s", b)
				}
				if code, b := h.call("POST", base+"/assess", w.clerk, tc.assess); code != 403 {
					t.Errorf("assess by clerk %d %s, want 403", code, b)
				}
				code, b = h.call("POST", base+"/assess", w.adjuster, tc.assess)
				var a claimAnswer
				decodeJSON(t, b, &a)
				if code != 200 || a.Status != "assessed" || str(a.Payable) != tc.payable || str(a.RemainingBefore) != tc.before {
					t.Fatalf("assess %d %s; want payable %s of %s", code, b, tc.payable, tc.before)
				}
				n := len(a.Breakdown)
				for i, step := range tc.lastSteps {
					if got := a.Breakdown[n-len(tc.lastSteps)+i].Step; got != step {
						t.Errorf("breakdown step %d is %s, want %s (%s)", n-len(tc.lastSteps)+i, got, step, b)
					}
				}
				if a.Breakdown[n-1].Amount != tc.payable || a.Breakdown[n-1].Label == "" {
					t.Errorf("last step %+v, want payable %s", a.Breakdown[n-1], tc.payable)
				}
				if code, b := h.call("POST", base+"/approve", w.approver, map[string]any{"note": "同意赔付"}); code != 200 {
					t.Fatalf("approve %d %s", code, b)
				}
				if code, b := h.call("POST", base+"/pay", w.clerk, map[string]any{"payment_ref": "BANK-" + c.ClaimNo}); code != 200 {
					t.Fatalf("pay %d %s", code, b)
				}
				_, b = h.call("GET", base, w.auditor, nil)
				var got claimAnswer
				decodeJSON(t, b, &got)
				steps := []string{"/reported/" + "clerk", "reported/assessed/adjuster", "assessed/approved/approver", "approved/paid/clerk"}
				if got.Status != "paid" || got.PaymentRef != "BANK-"+c.ClaimNo || len(got.History) != len(steps) {
					t.Fatalf("final claim %s", b)
				}
				for i, e := range got.History {
					if want := steps[i] + "-" + w.county; e.From+"/"+e.To+"/"+e.Actor != want || e.At == "" {
						t.Errorf("event %d %+v, want %s", i, e, want)
					}
				}
				if got.History[2].Note != "同意赔付" {
					t.Errorf("approval note %q", got.History[2].Note)
				}
				if id, ok := tc.report["member_id_number"].(string); ok && got.MemberIDNumber != id[:6]+"********"+id[14:] {
					t.Errorf("auditor sees member %q, want it masked", got.MemberIDNumber)
				}
				code, pdf := h.call("GET", base+"/letter.pdf", w.office, nil)
				if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
					t.Fatalf("letter %d %.200s", code, pdf)
				}
				text := pdfText(t, pdf)
				for _, want := range []string{"理赔决定通知书", c.ClaimNo, "应付赔款" + grouped(tc.payable)} {
					if !strings.Contains(text, want) {
						t.Errorf("letter lacks %q:\n%s", want, text)
					}
				}
				if id, ok := tc.report["member_id_number"].(string); ok && (strings.Contains(text, id) || !strings.Contains(text, id[:6]+"********"+id[14:])) {
					t.Errorf("letter must show the member's ID masked:\n%s", text)
				}
			})
		}
	})
}

// TestClaimReportErrors sends a report breaking each check and
// expects its own code and status.
func TestClaimReportErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		prop := func(edit func(m map[string]any)) map[string]any {
			m := map[string]any{"certificate_no": w.cert["H1"], "line": "property", "incident_date": "2024-06-01", "cause": "火灾"}
			edit(m)
			return m
		}
		if code, b := h.call("POST", "/api/v1/claims", w.clerk, prop(func(map[string]any) {})); code != 201 {
			t.Fatalf("first report %d %s", code, b)
		}
		cases := []struct {
			name   string
			key    string
			body   map[string]any
			status int
			code   string
		}{
			{"unknown certificate", w.clerk, prop(func(m map[string]any) { m["certificate_no"] = "ZNB5226252024001-000999" }), 404, "certificate_not_found"},
			{"another insurer's certificate", w.otherClerk, prop(func(m map[string]any) { m["incident_date"] = "2024-06-02" }), 404, "certificate_not_found"},
			{"not a line", w.clerk, prop(func(m map[string]any) { m["line"] = "life" }), 422, "invalid_line"},
			{"member missing", w.clerk, prop(func(m map[string]any) { m["line"], m["cause"] = "accident", "意外伤害" }), 422, "member_required"},
			{"member not on the certificate", w.clerk, prop(func(m map[string]any) {
				m["line"], m["cause"], m["member_id_number"] = "accident", "意外伤害", w.person(pHead2)
			}), 422, "member_not_insured"},
			{"member before their start", w.clerk, prop(func(m map[string]any) {
				m["line"], m["cause"], m["member_id_number"], m["incident_date"] = "accident", "意外伤害", w.person(pChild1), "2024-03-15"
			}), 422, "member_not_insured"},
			{"member after their death", w.clerk, prop(func(m map[string]any) {
				m["certificate_no"], m["line"], m["cause"], m["member_id_number"] = w.cert["H2"], "hospitalization", "意外伤害", w.person(pSon2)
				m["incident_date"] = "2024-03-02"
			}), 422, "member_not_insured"},
			{"certificate cancelled", w.clerk, prop(func(m map[string]any) { m["certificate_no"], m["incident_date"] = w.cert["H4"], "2024-05-01" }), 422, "member_not_insured"},
			{"cause not covered", w.clerk, prop(func(m map[string]any) { m["cause"] = "盗窃" }), 422, "cause_not_covered"},
			{"duplicate", w.office, prop(func(map[string]any) {}), 409, "duplicate_claim"},
			{"incident in the future", w.clerk, prop(func(m map[string]any) { m["incident_date"] = "2024-06-16" }), 422, "incident_in_future"},
			{"reported before the incident", w.clerk, prop(func(m map[string]any) { m["reported_on"] = "2024-05-31" }), 422, "reported_before_incident"},
			{"reported in the future", w.clerk, prop(func(m map[string]any) { m["incident_date"], m["reported_on"] = "2024-06-03", "2024-06-20" }), 422, "reported_in_future"},
			{"incident date missing", w.clerk, prop(func(m map[string]any) { delete(m, "incident_date") }), 422, "incident_date_required"},
			{"auditor", w.auditor, prop(func(m map[string]any) { m["incident_date"] = "2024-06-04" }), 403, "forbidden"},
			{"no key", "", prop(func(map[string]any) {}), 401, "unauthorized"},
			{"unknown field", w.clerk, prop(func(m map[string]any) { m["incident_date"], m["payable"] = "2024-06-05", "99999.00" }), 422, "unknown_field"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, b := h.call("POST", "/api/v1/claims", tc.key, tc.body)
				if code != tc.status || errorCode(t, b) != tc.code {
					t.Errorf("%d %s, want %d %s", code, b, tc.status, tc.code)
				}
			})
		}
		for name, body := range map[string]string{"not JSON": "{", "trailing data": `{"line":"property"} {}`, "wrong type": `{"line": 5}`, "empty": ""} {
			t.Run(name, func(t *testing.T) {
				code, b := h.call("POST", "/api/v1/claims", w.clerk, []byte(body))
				if code != 422 || errorCode(t, b) != "invalid_json" || bytes.Contains(b, []byte("znb.")) || bytes.Contains(b, []byte("string")) {
					t.Errorf("%d %s, want 422 invalid_json without Go type names", code, b)
				}
			})
		}
		// A late report is accepted and flagged; reported_on defaults to today.
		code, c, b := h.report(w.office, prop(func(m map[string]any) { m["incident_date"] = "2024-06-11" }))
		if code != 201 || fmt.Sprint(c.Flags) != "[late_report]" || c.ReportedOn != "2024-06-15" {
			t.Errorf("late report: %d %s, want 201 flagged late_report on 2024-06-15", code, b)
		}
		code, c, b = h.report(w.office, prop(func(m map[string]any) { m["incident_date"] = "2024-06-12" }))
		if code != 201 || len(c.Flags) != 0 {
			t.Errorf("report on the third day: %d %s, want 201 without flags", code, b)
		}
	})
}

// TestClaimAssessmentErrors sends assessment bodies that break one rule each:
// the body is decoded once, and the claim's line says which fields count.
func TestClaimAssessmentErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		claims := map[string]string{}
		for line, body := range map[string]map[string]any{
			"agriculture":     {"line": "agriculture", "incident_date": "2024-06-10", "cause": "疫病"},
			"accident":        {"line": "accident", "member_id_number": w.person(pSpouse), "incident_date": "2024-06-01", "cause": "意外伤害"},
			"hospitalization": {"line": "hospitalization", "member_id_number": w.person(pHead1), "incident_date": "2024-06-05", "cause": "意外伤害"},
			"property":        {"line": "property", "incident_date": "2024-06-12", "cause": "火灾"},
		} {
			body["certificate_no"] = w.cert["H1"]
			_, c, b := h.report(w.clerk, body)
			if c.ClaimNo == "" {
				t.Fatalf("report %s: %s", line, b)
			}
			claims[line] = c.ClaimNo
		}
		item := func(edit func(m map[string]any)) map[string]any {
			m := map[string]any{"kind": "livestock", "subject": "猪", "assessed_loss": "900.00"}
			edit(m)
			return map[string]any{"items": []map[string]any{m}}
		}
		cases := []struct {
			name, line string
			body       map[string]any
			status     int
			code       string
		}{
			{"agriculture loss missing", "agriculture", item(func(m map[string]any) { delete(m, "assessed_loss") }), 422, "amount_required"},
			{"agriculture quantity not a number", "agriculture", item(func(m map[string]any) { m["quantity"] = "three" }), 422, "invalid_quantity"},
			{"agriculture without items", "agriculture", map[string]any{}, 422, "items_required"},
			{"accident burn not a number", "accident", map[string]any{"outcome": "disability", "burns": []map[string]any{{"site": "face", "area_pct": "a lot"}}}, 422, "invalid_percentage"},
			{"hospitalization expense missing", "hospitalization", map[string]any{"basic_insurance_paid": "100.00"}, 422, "amount_required"},
			{"hospitalization three decimals", "hospitalization", map[string]any{"medical_expense": "100.001"}, 422, "invalid_amount"},
			{"property negative", "property", map[string]any{"structure_loss": "-1.00"}, 422, "negative_amount"},
			{"unknown field", "property", map[string]any{"structure_loss": "100.00", "payable": "1.00"}, 422, "unknown_field"},
			{"another line's field is ignored", "property", map[string]any{"structure_loss": "1000.00", "medical_expense": "abc"}, 200, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, b := h.call("POST", "/api/v1/claims/"+claims[tc.line]+"/assess", w.adjuster, tc.body)
				if code != tc.status || (tc.code != "" && errorCode(t, b) != tc.code) {
					t.Errorf("%d %s, want %d %s", code, b, tc.status, tc.code)
				}
			})
		}
		t.Run("unknown claim", func(t *testing.T) {
			code, b := h.call("POST", "/api/v1/claims/CLM20240615999999/assess", w.adjuster, map[string]any{"medical_expense": "x"})
			if code != 404 || errorCode(t, b) != "not_found" {
				t.Errorf("%d %s, want 404 not_found", code, b)
			}
		})
	})
}

var creationDate = regexp.MustCompile(`/CreationDate \(D:(\d{14})`)

// TestClaimRejections rejects a claim with every reason code, before and
// after assessment, and checks the letter names the reason.
func TestClaimRejections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		for i, reason := range claim.Reasons {
			_, c, b := h.report(w.clerk, map[string]any{"certificate_no": w.cert["H1"], "line": "hospitalization",
				"member_id_number": w.person(pHead1), "incident_date": fmt.Sprintf("2024-06-%02d", i+1), "cause": "意外伤害"})
			if c.ClaimNo == "" {
				t.Fatalf("report: %s", b)
			}
			base := "/api/v1/claims/" + c.ClaimNo
			if i%2 == 0 {
				if code, b := h.call("POST", base+"/assess", w.adjuster, map[string]any{"medical_expense": "800.00"}); code != 200 {
					t.Fatalf("assess %d %s", code, b)
				}
			}
			if code, b := h.call("POST", base+"/reject", w.clerk, map[string]any{"reason_code": reason}); code != 403 {
				t.Errorf("reject by clerk: %d %s, want 403", code, b)
			}
			code, b := h.call("POST", base+"/reject", w.approver, map[string]any{"reason_code": reason, "note": "经调查"})
			var r claimAnswer
			decodeJSON(t, b, &r)
			if code != 200 || r.Status != "rejected" || r.ReasonCode != string(reason) {
				t.Errorf("reject %s: %d %s", reason, code, b)
			}
			if code, b := h.call("POST", base+"/pay", w.clerk, map[string]any{"payment_ref": "X"}); code != 409 || errorCode(t, b) != "invalid_transition" {
				t.Errorf("pay a rejected claim: %d %s, want 409 invalid_transition", code, b)
			}
			code, pdf := h.call("GET", base+"/letter.pdf", w.clerk, nil)
			if code != 200 {
				t.Fatalf("letter %d %s", code, pdf)
			}
			if text := pdfText(t, pdf); !strings.Contains(text, "不予赔付") || !strings.Contains(text, reason.Name()) {
				t.Errorf("letter of %s lacks the reason %s:\n%s", reason, reason.Name(), text)
			}
			// The server's clock dates its PDFs: storetest.Now, 10:00 UTC, is
			// 18:00 China Standard Time.
			var dated string
			if m := creationDate.FindSubmatch(pdf); m != nil {
				dated = string(m[1])
			}
			if dated != "20240615180000" {
				t.Errorf("letter dated %q, want the server clock's 20240615180000", dated)
			}
		}
		_, c, _ := h.report(w.clerk, map[string]any{"certificate_no": w.cert["H1"], "line": "property", "incident_date": "2024-06-10", "cause": "火灾"})
		base := "/api/v1/claims/" + c.ClaimNo
		if code, b := h.call("POST", base+"/reject", w.approver, map[string]any{"reason_code": "no_reason"}); code != 422 || errorCode(t, b) != "invalid_reason" {
			t.Errorf("unknown reason: %d %s", code, b)
		}
		if code, b := h.call("GET", base+"/letter.pdf", w.clerk, nil); code != 409 || errorCode(t, b) != "no_decision" {
			t.Errorf("letter before a decision: %d %s", code, b)
		}
	})
}

// TestClaimApprovalRules: the assessor cannot approve; a payable that no
// longer fits the household's limit is refused and the claim stays assessed.
func TestClaimApprovalRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		var nos []string
		for i, loss := range []string{"15000.00", "6000.00"} {
			_, c, b := h.report(w.clerk, map[string]any{"certificate_no": w.cert["H2"], "line": "property",
				"incident_date": fmt.Sprintf("2024-06-%02d", 13+i), "cause": "自然灾害"})
			if c.ClaimNo == "" {
				t.Fatalf("report %s", b)
			}
			if code, b := h.call("POST", "/api/v1/claims/"+c.ClaimNo+"/assess", w.adjuster, map[string]any{"structure_loss": loss}); code != 200 {
				t.Fatalf("assess %d %s", code, b)
			}
			nos = append(nos, c.ClaimNo)
		}
		if code, b := h.call("POST", "/api/v1/claims/"+nos[0]+"/approve", w.adjuster, nil); code != 403 {
			t.Errorf("approve by the adjuster: %d %s, want 403", code, b)
		}
		// 14,800 then 5,800: together 20,600 > 20,000.
		if code, b := h.call("POST", "/api/v1/claims/"+nos[0]+"/approve", w.approver, nil); code != 200 {
			t.Fatalf("approve first: %d %s", code, b)
		}
		code, b := h.call("POST", "/api/v1/claims/"+nos[1]+"/approve", w.approver2, nil)
		if code != 409 || errorCode(t, b) != "limit_exceeded" {
			t.Fatalf("approve second: %d %s, want 409 limit_exceeded", code, b)
		}
		code, b = h.call("POST", "/api/v1/claims/"+nos[1]+"/assess", w.adjuster, map[string]any{"structure_loss": "6000.00"})
		var a claimAnswer
		decodeJSON(t, b, &a)
		if code != 200 || str(a.Payable) != "5200.00" || str(a.RemainingBefore) != "5200.00" || str(a.RemainingAfter) != "0.00" {
			t.Errorf("re-assessment: %d %s, want 5200.00 capped by the 5200.00 left", code, b)
		}
		if code, b := h.call("POST", "/api/v1/claims/"+nos[1]+"/approve", w.approver2, nil); code != 200 {
			t.Errorf("approve after re-assessment: %d %s", code, b)
		}
		var list struct {
			Items []claimAnswer `json:"items"`
			Total int           `json:"total"`
		}
		_, b = h.call("GET", "/api/v1/claims?status=approved&line=property&village="+w.county+"101001&from=2024-06-15&to=2024-06-15", w.office, nil)
		decodeJSON(t, b, &list)
		if list.Total != 2 || len(list.Items) != 2 {
			t.Errorf("list: %s", b)
		}
		if code, b := h.call("GET", "/api/v1/claims?from=yesterday", w.office, nil); code != 422 {
			t.Errorf("bad date filter: %d %s", code, b)
		}
		if code, _ := h.call("GET", "/api/v1/claims/"+nos[0], w.otherClerk, nil); code != 404 {
			t.Errorf("another insurer reads the claim: %d, want 404", code)
		}
	})
}

// TestClaimDocuments: the type comes from the content, not the name; the
// size limit answers 413; downloads give the bytes back, in scope only.
func TestClaimDocuments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db) // MaxUploadBytes is 1 MiB
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		_, c, _ := h.report(w.clerk, map[string]any{"certificate_no": w.cert["H1"], "line": "property", "incident_date": "2024-06-14", "cause": "火灾"})
		path := "/api/v1/claims/" + c.ClaimNo + "/documents"
		cases := []struct {
			name, file string
			content    []byte
			kind       string
			status     int
			code, ct   string
		}{
			{"PNG named .pdf", "scan.pdf", pngBytes(t), "查勘照片", 201, "", "image/png"},
			{"JPEG named .txt", "photo.txt", jpegBytes, "损失清单", 201, "", "image/jpeg"},
			{"PDF named .jpg", "cert.jpg", pdfBytes, "村委会证明", 201, "", "application/pdf"},
			{"other document", "more.png", pngBytes(t), "其他材料", 201, "", "image/png"},
			{"text named .jpg", "fake.jpg", []byte("just some text, not a photo"), "查勘照片", 422, "unsupported_type", ""},
			{"HTML named .pdf", "x.pdf", []byte("<html><script>alert(1)</script></html>"), "查勘照片", 422, "unsupported_type", ""},
			{"empty", "empty.png", nil, "查勘照片", 422, "empty_file", ""},
			{"over the limit", "big.pdf", append(append([]byte{}, pdfBytes...), make([]byte, 1<<20)...), "查勘照片", 413, "too_large", ""},
			{"kind not on the list", "a.png", pngBytes(t), "结婚证", 422, "invalid_document_kind", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, b := h.upload(path, w.clerk, "file", tc.file, tc.content, map[string]string{"kind": tc.kind})
				if code != tc.status || (tc.code != "" && errorCode(t, b) != tc.code) {
					t.Errorf("%d %s, want %d %s", code, b, tc.status, tc.code)
					return
				}
				if code != 201 {
					return
				}
				var d struct {
					ID          int64  `json:"id"`
					ContentType string `json:"content_type"`
					SHA256      string `json:"sha256"`
					Size        int    `json:"size"`
				}
				decodeJSON(t, b, &d)
				if d.ContentType != tc.ct || d.Size != len(tc.content) || len(d.SHA256) != 64 {
					t.Errorf("stored %s, want %s of %d bytes", b, tc.ct, len(tc.content))
				}
				code, got := h.call("GET", fmt.Sprintf("%s/%d", path, d.ID), w.auditor, nil)
				if code != 200 || !bytes.Equal(got, tc.content) {
					t.Errorf("download %d, %d bytes, want the %d bytes uploaded", code, len(got), len(tc.content))
				}
				if code, _ := h.call("GET", fmt.Sprintf("%s/%d", path, d.ID), w.otherClerk, nil); code != 404 {
					t.Errorf("download by another insurer %d, want 404", code)
				}
			})
		}
		if code, b := h.upload(path, w.auditor, "file", "a.png", pngBytes(t), map[string]string{"kind": "查勘照片"}); code != 403 {
			t.Errorf("upload by auditor: %d %s", code, b)
		}
		var docs struct {
			Items     []struct{ Kind string } `json:"items"`
			Checklist []struct {
				Kind     string `json:"kind"`
				Provided bool   `json:"provided"`
			} `json:"checklist"`
			Missing []string `json:"missing"`
		}
		_, b := h.call("GET", path, w.clerk, nil)
		decodeJSON(t, b, &docs)
		provided := map[string]bool{"查勘照片": true, "损失清单": true, "村委会证明": true}
		if len(docs.Items) != 4 || len(docs.Checklist) != 7 || len(docs.Missing) != 4 {
			t.Errorf("documents: %s, want 4 items, 7 checklist entries, 4 missing", b)
		}
		for _, c := range docs.Checklist {
			if c.Provided != provided[c.Kind] || contains(docs.Missing, c.Kind) == c.Provided {
				t.Errorf("checklist entry %+v disagrees with the uploads or the missing list", c)
			}
		}
		if code, _ := h.call("GET", path, w.otherClerk, nil); code != 404 {
			t.Errorf("another insurer lists documents: %d, want 404", code)
		}
	})
}

// grouped writes an amount as letters print it: 24000.00 → 24,000.00.
func grouped(s string) string {
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
