package claim

import (
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Facts is what an adjuster enters for an assessment: a Form, read for the
// claim's line when the claim is assessed, or one line's Assessment as it is.
type Facts interface {
	ForLine(l znb.Line) (Assessment, error)
}

// Form is an assessment as the adjuster enters it: every line's fields in one
// shape, figures as the text typed. The claim's line says which fields count;
// the others are ignored, so a form can be read before the claim is.
type Form struct {
	Items    []FormItem // agriculture
	Outcome  string     // accident
	Injuries []Injury   // accident
	Burns    []FormBurn // accident

	MedicalExpense        string // hospitalization
	BasicInsurancePaid    string
	CriticalIllnessPaid   string
	MedicalAssistancePaid string
	NonReimbursable       string

	StructureLoss  string // property
	DecorationLoss string
	ApplianceLoss  string
}

// FormItem is one agriculture item as entered; Quantity is 1 when empty.
type FormItem struct {
	Kind, Subject                               string
	Quantity, AssessedLoss, PolicyInsurancePaid string
}

// FormBurn is one burn as entered.
type FormBurn struct {
	Site, AreaPct string
}

// ForLine reads the fields of line l: money fields are amounts with at most
// two decimals (invalid_amount), empty is zero unless the line requires the
// field (amount_required); quantities and percentages are numbers
// (invalid_number).
func (f *Form) ForLine(l znb.Line) (Assessment, error) {
	switch l {
	case znb.Agriculture:
		var a AgricultureAssessment
		for i, it := range f.Items {
			at := "items[" + strconv.Itoa(i) + "]."
			q, err := numberOf(at+"quantity", it.Quantity, decimal.NewFromInt(1))
			if err != nil {
				return nil, err
			}
			loss, err := amountOf(at+"assessed_loss", it.AssessedLoss, true)
			if err != nil {
				return nil, err
			}
			paid, err := amountOf(at+"policy_insurance_paid", it.PolicyInsurancePaid, false)
			if err != nil {
				return nil, err
			}
			a.Items = append(a.Items, AgricultureItem{Kind: it.Kind, Subject: it.Subject, Quantity: q, AssessedLoss: loss, PolicyInsurancePaid: paid})
		}
		return a, nil
	case znb.Accident:
		a := AccidentAssessment{Outcome: f.Outcome, Injuries: f.Injuries}
		for i, b := range f.Burns {
			pct, err := numberOf("burns["+strconv.Itoa(i)+"].area_pct", b.AreaPct, decimal.Zero)
			if err != nil {
				return nil, err
			}
			a.Burns = append(a.Burns, BurnArea{Site: b.Site, AreaPct: pct})
		}
		return a, nil
	case znb.Hospitalization:
		var a HospitalizationAssessment
		err := readAmounts(
			amountIn{"medical_expense", f.MedicalExpense, &a.MedicalExpense, true},
			amountIn{"basic_insurance_paid", f.BasicInsurancePaid, &a.BasicInsurancePaid, false},
			amountIn{"critical_illness_paid", f.CriticalIllnessPaid, &a.CriticalIllnessPaid, false},
			amountIn{"medical_assistance_paid", f.MedicalAssistancePaid, &a.MedicalAssistancePaid, false},
			amountIn{"non_reimbursable", f.NonReimbursable, &a.NonReimbursable, false})
		return a, err
	case znb.Property:
		var a PropertyAssessment
		err := readAmounts(
			amountIn{"structure_loss", f.StructureLoss, &a.StructureLoss, false},
			amountIn{"decoration_loss", f.DecorationLoss, &a.DecorationLoss, false},
			amountIn{"appliance_loss", f.ApplianceLoss, &a.ApplianceLoss, false})
		return a, err
	}
	return nil, znb.Errorf(znb.Invalid, "invalid_line", "险种无效：%q", string(l))
}

// ForLine returns the assessment itself; Adjust refuses it for another line.
func (a AgricultureAssessment) ForLine(znb.Line) (Assessment, error) { return a, nil }

// ForLine returns the assessment itself; Adjust refuses it for another line.
func (a AccidentAssessment) ForLine(znb.Line) (Assessment, error) { return a, nil }

// ForLine returns the assessment itself; Adjust refuses it for another line.
func (a HospitalizationAssessment) ForLine(znb.Line) (Assessment, error) { return a, nil }

// ForLine returns the assessment itself; Adjust refuses it for another line.
func (a PropertyAssessment) ForLine(znb.Line) (Assessment, error) { return a, nil }

// amountIn is one money field of a form and where its value goes.
type amountIn struct {
	field    string
	text     string
	to       *decimal.Decimal
	required bool
}

// readAmounts reads the fields in order and stops at the first error.
func readAmounts(fields ...amountIn) error {
	for _, f := range fields {
		d, err := amountOf(f.field, f.text, f.required)
		if err != nil {
			return err
		}
		*f.to = d
	}
	return nil
}

// amountOf reads a money field: empty is zero unless required; more than two
// decimals or text is invalid_amount.
func amountOf(field, v string, required bool) (decimal.Decimal, error) {
	if v == "" {
		if required {
			return decimal.Zero, znb.Errorf(znb.Invalid, "amount_required", "须填写 %s", field)
		}
		return decimal.Zero, nil
	}
	d, err := money.Parse(field, v)
	if err != nil {
		return decimal.Zero, znb.Errorf(znb.Invalid, "invalid_amount", "%s 须为金额（最多两位小数）：%q", field, v)
	}
	return d, nil
}

// numberOf reads a quantity or a percentage; empty is def.
func numberOf(field, v string, def decimal.Decimal) (decimal.Decimal, error) {
	if v == "" {
		return def, nil
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Zero, znb.Errorf(znb.Invalid, "invalid_number", "%s 须为数字：%q", field, v)
	}
	return d, nil
}
