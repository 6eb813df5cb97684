package claim

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestFormForLine(t *testing.T) {
	// every line's fields at once: each line reads its own
	full := Form{
		Items:          []FormItem{{Kind: ItemLivestock, Subject: "猪", AssessedLoss: "900.00"}},
		Outcome:        "disability",
		Injuries:       []Injury{{Grade: 3}},
		Burns:          []FormBurn{{Site: "face", AreaPct: "2.5"}},
		MedicalExpense: "1200.00", NonReimbursable: "10",
		StructureLoss: "5000", ApplianceLoss: "0.5",
	}
	tests := []struct {
		name string
		line znb.Line
		edit func(f *Form)
		want Assessment
		code string
	}{
		{"agriculture, quantity 1 by default", znb.Agriculture, func(*Form) {},
			AgricultureAssessment{Items: []AgricultureItem{{Kind: ItemLivestock, Subject: "猪", Quantity: dec("1"), AssessedLoss: dec("900"), PolicyInsurancePaid: dec("0")}}}, ""},
		{"agriculture quantity", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "3" },
			AgricultureAssessment{Items: []AgricultureItem{{Kind: ItemLivestock, Subject: "猪", Quantity: dec("3"), AssessedLoss: dec("900"), PolicyInsurancePaid: dec("0")}}}, ""},
		{"agriculture loss required", znb.Agriculture, func(f *Form) { f.Items[0].AssessedLoss = "" }, nil, "amount_required"},
		{"agriculture quantity not a number", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "three" }, nil, "invalid_quantity"},
		{"agriculture quantity 1e309", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "1e309" }, nil, "invalid_quantity"},
		{"agriculture quantity 20 nines", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "99999999999999999999" }, nil, "invalid_quantity"},
		{"agriculture quantity over a million", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "1000000.01" }, nil, "invalid_quantity"},
		{"agriculture quantity three decimals", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "1.234" }, nil, "invalid_quantity"},
		{"agriculture quantity zero", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "0" }, nil, "invalid_quantity"},
		{"agriculture quantity negative", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "-1" }, nil, "invalid_quantity"},
		{"agriculture quantity a million", znb.Agriculture, func(f *Form) { f.Items[0].Quantity = "1000000" },
			AgricultureAssessment{Items: []AgricultureItem{{Kind: ItemLivestock, Subject: "猪", Quantity: dec("1000000"), AssessedLoss: dec("900"), PolicyInsurancePaid: dec("0")}}}, ""},
		{"agriculture loss 1e309", znb.Agriculture, func(f *Form) { f.Items[0].AssessedLoss = "1e309" }, nil, "invalid_amount"},
		{"agriculture loss 20 nines", znb.Agriculture, func(f *Form) { f.Items[0].AssessedLoss = "99999999999999999999" }, nil, "invalid_amount"},
		{"agriculture loss over a hundred million", znb.Agriculture, func(f *Form) { f.Items[0].AssessedLoss = "100000000.01" }, nil, "invalid_amount"},
		{"agriculture paid three decimals", znb.Agriculture, func(f *Form) { f.Items[0].PolicyInsurancePaid = "1.001" }, nil, "invalid_amount"},
		{"accident", znb.Accident, func(*Form) {},
			AccidentAssessment{Outcome: "disability", Injuries: []Injury{{Grade: 3}}, Burns: []BurnArea{{Site: "face", AreaPct: dec("2.5")}}}, ""},
		{"accident burn not a number", znb.Accident, func(f *Form) { f.Burns[0].AreaPct = "much" }, nil, "invalid_percentage"},
		{"accident burn 1e309", znb.Accident, func(f *Form) { f.Burns[0].AreaPct = "1e309" }, nil, "invalid_percentage"},
		{"accident burn over 100", znb.Accident, func(f *Form) { f.Burns[0].AreaPct = "100.01" }, nil, "invalid_percentage"},
		{"accident burn negative", znb.Accident, func(f *Form) { f.Burns[0].AreaPct = "-1" }, nil, "invalid_percentage"},
		{"accident burn three decimals", znb.Accident, func(f *Form) { f.Burns[0].AreaPct = "1.234" }, nil, "invalid_percentage"},
		{"accident burn 100", znb.Accident, func(f *Form) { f.Burns[0].AreaPct = "100" },
			AccidentAssessment{Outcome: "disability", Injuries: []Injury{{Grade: 3}}, Burns: []BurnArea{{Site: "face", AreaPct: dec("100")}}}, ""},
		{"hospitalization expense 1.234", znb.Hospitalization, func(f *Form) { f.MedicalExpense = "1.234" }, nil, "invalid_amount"},
		{"hospitalization", znb.Hospitalization, func(*Form) {},
			HospitalizationAssessment{MedicalExpense: dec("1200"), BasicInsurancePaid: dec("0"), CriticalIllnessPaid: dec("0"),
				MedicalAssistancePaid: dec("0"), NonReimbursable: dec("10")}, ""},
		{"hospitalization expense required", znb.Hospitalization, func(f *Form) { f.MedicalExpense = "" }, nil, "amount_required"},
		{"property", znb.Property, func(*Form) {},
			PropertyAssessment{StructureLoss: dec("5000"), DecorationLoss: dec("0"), ApplianceLoss: dec("0.5")}, ""},
		{"property text", znb.Property, func(f *Form) { f.DecorationLoss = "lots" }, nil, "invalid_amount"},
		{"another line's bad field is ignored", znb.Property, func(f *Form) { f.MedicalExpense, f.Items[0].Quantity = "?", "?" },
			PropertyAssessment{StructureLoss: dec("5000"), DecorationLoss: dec("0"), ApplianceLoss: dec("0.5")}, ""},
		{"unknown line", "pets", func(*Form) {}, nil, "invalid_line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := full
			f.Items = append([]FormItem{}, full.Items...)
			f.Burns = append([]FormBurn{}, full.Burns...)
			tt.edit(&f)
			got, err := f.ForLine(tt.line)
			if code := znb.CodeOf(err); code != tt.code {
				t.Fatalf("code = %q, want %q (%v)", code, tt.code, err)
			}
			if strings.HasPrefix(tt.code, "invalid_") && tt.code != "invalid_line" {
				msg := znb.ErrorOf(err).Message
				if !strings.Contains(msg, "items[0].") && !strings.Contains(msg, "burns[0].area_pct") && !strings.Contains(msg, "medical_expense") &&
					!strings.Contains(msg, "decoration_loss") {
					t.Errorf("refusal %q names no field", msg)
				}
			}
			if err == nil && !sameFacts(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// sameFacts compares assessments by their figures' values (900 and 900.00
// are the same figure): decimals print without trailing zeros.
func sameFacts(a, b Assessment) bool {
	return reflect.TypeOf(a) == reflect.TypeOf(b) && fmt.Sprint(a) == fmt.Sprint(b)
}

func TestPaymentRef(t *testing.T) {
	tests := []struct{ name, in, want, code string }{
		{"trimmed", "  BANK-1 ", "BANK-1", ""},
		{"64 characters", strings.Repeat("x", 64), strings.Repeat("x", 64), ""},
		{"65 characters", strings.Repeat("x", 65), "", "invalid_payment_ref"},
		{"empty is left to Pay", " ", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PaymentRef(tt.in)
			if got != tt.want || znb.CodeOf(err) != tt.code {
				t.Errorf("PaymentRef(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.code)
			}
		})
	}
}

func TestPermit(t *testing.T) {
	tests := []struct {
		name string
		role znb.Role
		act  znb.Action
		code string
	}{
		{"clerk reports", znb.InsurerClerk, znb.ReportClaim, ""},
		{"adjuster reports", znb.Adjuster, znb.ReportClaim, ""},
		{"office reports", znb.Office, znb.ReportClaim, ""},
		{"admin reports", znb.Admin, znb.ReportClaim, ""},
		{"auditor does not report", znb.Auditor, znb.ReportClaim, "role_not_allowed"},
		{"office attaches", znb.Office, znb.AttachToClaim, ""},
		{"admin attaches", znb.Admin, znb.AttachToClaim, ""},
		{"auditor does not attach", znb.Auditor, znb.AttachToClaim, "role_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := znb.CodeOf(Permit(znb.Actor{Role: tt.role}, tt.act)); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
		})
	}
}

func TestDocumentKind(t *testing.T) {
	lt := &policy.LineTerms{Line: znb.Property, Documents: []string{"报案登记表", "损失清单"}}
	tests := []struct{ name, in, want, code string }{
		{"listed", "损失清单", "损失清单", ""},
		{"listed with spaces", " 报案登记表 ", "报案登记表", ""},
		{"other", OtherDocument, OtherDocument, ""},
		{"not listed", "结婚证", "", "invalid_document_kind"},
		{"empty", "", "", "invalid_document_kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DocumentKind(lt, tt.in)
			if got != tt.want || znb.CodeOf(err) != tt.code {
				t.Errorf("DocumentKind(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.code)
			}
		})
	}
}
