package policy

import (
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestProductBounds: absurd figures in a product file are refused with
// product_invalid, each naming its field.
func TestProductBounds(t *testing.T) {
	base := string(readProduct(t, "fpb-tiered"))
	tests := []struct {
		name     string
		old, new string
		field    string
	}{
		{"premium 1e309", `premium_per_person: "60.00"`, `premium_per_person: "1e309"`, "premium_per_person"},
		{"premium 1e9999 unquoted", `premium_per_person: "60.00"`, `premium_per_person: 1e9999`, "premium_per_person"},
		{"premium 20 nines", `premium_per_person: "60.00"`, `premium_per_person: "99999999999999999999"`, "premium_per_person"},
		{"premium three decimals", `premium_per_person: "60.00"`, `premium_per_person: "1.234"`, "premium_per_person"},
		{"premium over 10000", `premium_per_person: "60.00"`, `premium_per_person: "10000.01"`, "premium_per_person"},
		{"limit over ten million", `limit: "20000.00"`, `limit: "10000000.01"`, "lines.property.limit"},
		{"limit 1e309", `limit: "20000.00"`, `limit: 1e309`, "lines.property.limit"},
		{"deductible over ten million", `deductible: "200.00"`, `deductible: "99999999.00"`, "lines.agriculture.deductible"},
		{"sub-limit over ten million", `decoration: "3000.00"`, `decoration: "9999999999999999.99"`, "lines.property.sub_limits.decoration"},
		{"tier bound over ten million", `{from: "10000.00", to: "30000.00"`, `{from: "10000.00", to: "30000000.00"`, "lines.hospitalization.tiers[2].to"},
		{"ratio 1e2", `ratio: "70"}`, `ratio: "1e2"}`, "lines.hospitalization.tiers[3].ratio"},
		{"ratio three decimals", `ratio: "70"}`, `ratio: "70.125"}`, "lines.hospitalization.tiers[3].ratio"},
		{"split percent 1e309", `self: "30"}`, `self: "1e309"}`, "default_split.marginal.self"},
		{"version 3000000000", "version: 1", "version: 3000000000", "version"},
		{"report within 366 days", `report_within_days: 3`, `report_within_days: 366`, "lines.agriculture.report_within_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("fixture text %q not in fpb-tiered.yaml", tt.old)
			}
			_, err := ParseProduct([]byte(strings.Replace(base, tt.old, tt.new, 1)))
			e, ok := err.(*znb.Error)
			if !ok || e.Code != "product_invalid" {
				t.Fatalf("err = %v, want product_invalid", err)
			}
			if !strings.Contains(e.Message, tt.field) {
				t.Errorf("message %q does not name %s", e.Message, tt.field)
			}
		})
	}
	t.Run("at the bounds", func(t *testing.T) {
		at := strings.NewReplacer(`premium_per_person: "60.00"`, `premium_per_person: "10000.00"`,
			`limit: "20000.00"`, `limit: "10000000.00"`, `report_within_days: 3`, `report_within_days: 365`).Replace(base)
		if _, err := ParseProduct([]byte(at)); err != nil {
			t.Errorf("ParseProduct at the bounds: %v", err)
		}
	})
}

// TestAgreementBounds: an agreement file with an absurd premium or term is
// refused as agreement_invalid naming the field; one whose term is too long
// to activate is saved as a draft and refused on activation (term_invalid).
func TestAgreementBounds(t *testing.T) {
	std := mustProduct(t, "znb-standard")
	tests := []struct {
		name, old, new string
		code, field    string
	}{
		{"premium 1e309", `"60.00"`, `"1e309"`, "agreement_invalid", "premium_per_person"},
		{"premium 1e9999 unquoted", `"60.00"`, `1e9999`, "agreement_invalid", "premium_per_person"},
		{"premium 20 nines", `"60.00"`, `"99999999999999999999"`, "agreement_invalid", "premium_per_person"},
		{"premium three decimals", `"60.00"`, `"1.234"`, "agreement_invalid", "premium_per_person"},
		{"premium over 10000", `"60.00"`, `"10000.01"`, "agreement_invalid", "premium_per_person"},
		{"split 1e309", `self: "30"`, `self: "1e309"`, "agreement_invalid", "split.marginal.self"},
		{"product version 3000000000", "version: 1}", "version: 3000000000}", "agreement_invalid", "product.version"},
		{"term to 9999-12-31", "end: 2024-12-31", "end: 9999-12-31", "agreement_invalid", "term.end"},
		{"term from 1999", "start: 2024-01-01", "start: 1999-12-31", "agreement_invalid", "term.start"},
		{"term to 2101", "end: 2024-12-31", "end: 2101-01-01", "agreement_invalid", "term.end"},
		{"term of two years", "end: 2024-12-31", "end: 2025-12-31", "term_invalid", "term.end"},
		{"term of 367 days", "end: 2024-12-31", "end: 2025-01-01", "term_invalid", "term.end"},
		{"term of 366 days", "", "", "", ""},
		{"term from July, 365 days", "term: {start: 2024-01-01, end: 2024-12-31}", "term: {start: 2024-07-01, end: 2025-06-30}", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAgreement([]byte(strings.Replace(specAgreement, tt.old, tt.new, 1)))
			if err == nil {
				err = a.CheckActivation(std)
			}
			if got := znb.CodeOf(err); got != tt.code {
				t.Fatalf("err = %v, want %q", err, tt.code)
			}
			if err != nil && !strings.Contains(znb.ErrorOf(err).Message, tt.field) {
				t.Errorf("message %q does not name %s", znb.ErrorOf(err).Message, tt.field)
			}
		})
	}
}

// TestTermCheck covers a stored term that never went through the file: the
// bounds hold on activation too.
func TestTermCheck(t *testing.T) {
	d := znb.MustDate
	tests := []struct {
		name  string
		term  Term
		field string // "" when valid
	}{
		{"leap year", Term{d("2024-01-01"), d("2024-12-31")}, ""},
		{"to 9999-12-31", Term{d("2024-01-01"), d("9999-12-31")}, "term.end"},
		{"from 1970", Term{d("1970-01-01"), d("1970-12-31")}, "term.start"},
		{"367 days", Term{d("2024-01-01"), d("2025-01-01")}, "term.end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.term.Check()
			if (err == nil) != (tt.field == "") || err != nil && (znb.CodeOf(err) != "term_invalid" || !strings.Contains(err.Error(), tt.field)) {
				t.Errorf("Check() = %v, want term_invalid naming %q", err, tt.field)
			}
		})
	}
}
