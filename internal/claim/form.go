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
	AdmittedOn            string // hospital stay, optional: both or neither
	DischargedOn          string

	StructureLoss  string // property
	DecorationLoss string
	ApplianceLoss  string

	Settlements []FormSettlement // illness

	DisasterLoss  string // disaster
	InsurancePaid string

	EducationCosts string // education
	Grants         string
}

// FormSettlement is one medical settlement of an illness claim as entered.
type FormSettlement struct {
	No                                                                    string
	Total, BasicInsurancePaid, CriticalIllnessPaid, MedicalAssistancePaid string
	NonReimbursable                                                       string
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
// two decimals up to MaxAssessed (invalid_amount), empty is zero unless the
// line requires the field (amount_required); a quantity is a number above 0
// up to MaxQuantity (invalid_quantity), a percentage one from 0 to 100
// (invalid_percentage), each with at most two decimals. Every refusal names
// the field.
func (f *Form) ForLine(l znb.Line) (Assessment, error) {
	switch l {
	case znb.Agriculture:
		var a AgricultureAssessment
		for i, it := range f.Items {
			at := "items[" + strconv.Itoa(i) + "]."
			q, err := quantityOf(at+"quantity", it.Quantity)
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
			pct, err := percentOf("burns["+strconv.Itoa(i)+"].area_pct", b.AreaPct)
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
		if err != nil {
			return nil, err
		}
		a.AdmittedOn, a.DischargedOn, err = stayOf(f.AdmittedOn, f.DischargedOn)
		return a, err
	case znb.Property:
		var a PropertyAssessment
		err := readAmounts(
			amountIn{"structure_loss", f.StructureLoss, &a.StructureLoss, false},
			amountIn{"decoration_loss", f.DecorationLoss, &a.DecorationLoss, false},
			amountIn{"appliance_loss", f.ApplianceLoss, &a.ApplianceLoss, false})
		return a, err
	case znb.Illness:
		var a IllnessAssessment
		for i, fs := range f.Settlements {
			at := "settlements[" + strconv.Itoa(i) + "]."
			st := Settlement{No: fs.No}
			if err := readAmounts(
				amountIn{at + "total", fs.Total, &st.Total, true},
				amountIn{at + "basic_insurance_paid", fs.BasicInsurancePaid, &st.BasicInsurancePaid, false},
				amountIn{at + "critical_illness_paid", fs.CriticalIllnessPaid, &st.CriticalIllnessPaid, false},
				amountIn{at + "medical_assistance_paid", fs.MedicalAssistancePaid, &st.MedicalAssistancePaid, false},
				amountIn{at + "non_reimbursable", fs.NonReimbursable, &st.NonReimbursable, false}); err != nil {
				return nil, err
			}
			a.Settlements = append(a.Settlements, st)
		}
		return a, nil
	case znb.Disaster:
		var a DisasterAssessment
		err := readAmounts(
			amountIn{"disaster_loss", f.DisasterLoss, &a.Loss, true},
			amountIn{"insurance_paid", f.InsurancePaid, &a.InsurancePaid, false})
		return a, err
	case znb.Education:
		var a EducationAssessment
		err := readAmounts(
			amountIn{"education_costs", f.EducationCosts, &a.Costs, true},
			amountIn{"grants", f.Grants, &a.Grants, false})
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

// Bounds of what an adjuster may enter. A household's single loss of more
// than a hundred million yuan, or a claim item of more than a million head,
// mu or trees, is a typing error, not a loss this scheme insures; the
// bounds also keep every sum of a claim far inside DECIMAL(18,2).
var (
	MaxAssessed = decimal.NewFromInt(100_000_000)
	MaxQuantity = decimal.NewFromInt(1_000_000)
)

// amountOf reads a money field: empty is zero unless required; more than two
// decimals, text or more than MaxAssessed is invalid_amount.
func amountOf(field, v string, required bool) (decimal.Decimal, error) {
	if v == "" {
		if required {
			return decimal.Zero, znb.Errorf(znb.Invalid, "amount_required", "须填写 %s", field)
		}
		return decimal.Zero, nil
	}
	d, err := money.Parse(field, v)
	if err != nil || d.GreaterThan(MaxAssessed) {
		return decimal.Zero, znb.Errorf(znb.Invalid, "invalid_amount", "%s 须为不超过 %s 元、最多两位小数的金额：%q", field, money.String(MaxAssessed), clip(v))
	}
	return d, nil
}

// quantityOf reads an item's quantity (head, mu, trees, structures); empty
// is 1.
func quantityOf(field, v string) (decimal.Decimal, error) {
	if v == "" {
		return decimal.NewFromInt(1), nil
	}
	d, ok := money.Decimal(v, 2)
	if !ok || !d.IsPositive() || d.GreaterThan(MaxQuantity) {
		return decimal.Zero, znb.Errorf(znb.Invalid, "invalid_quantity", "%s 须为大于 0、不超过 %s 的数量（最多两位小数）：%q", field, MaxQuantity, clip(v))
	}
	return d, nil
}

// percentOf reads a percentage of body surface; empty is 0.
func percentOf(field, v string) (decimal.Decimal, error) {
	if v == "" {
		return decimal.Zero, nil
	}
	d, ok := money.Decimal(v, 2)
	if !ok || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100)) {
		return decimal.Zero, znb.Errorf(znb.Invalid, "invalid_percentage", "%s 须为 0 到 100 之间的百分数（最多两位小数）：%q", field, clip(v))
	}
	return d, nil
}

// clip shortens what is quoted back in a message.
func clip(v string) string {
	if r := []rune(v); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return v
}

// stayOf reads a hospital stay: both dates or neither, discharge not before
// admission.
func stayOf(admitted, discharged string) (from, to znb.Date, err error) {
	if admitted == "" && discharged == "" {
		return from, to, nil
	}
	bad := func(field, v string) error {
		return znb.Errorf(znb.Invalid, "invalid_stay", "%s 须为日期 YYYY-MM-DD，入院与出院日期须同时填写：%q", field, v)
	}
	if from, err = znb.ParseDate(admitted); err != nil {
		return from, to, bad("admitted_on", admitted)
	}
	if to, err = znb.ParseDate(discharged); err != nil {
		return from, to, bad("discharged_on", discharged)
	}
	if to.Before(from) {
		return from, to, znb.Errorf(znb.Invalid, "invalid_stay", "出院日期 %s 早于入院日期 %s", to, from)
	}
	return from, to, nil
}
