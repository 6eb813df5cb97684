package claim

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
)

// TestIllnessAssessmentJSON: the assessment's own encoder writes exactly
// the bytes encoding/json writes for it, so that stored assessments and
// audit entries read the same whichever wrote them.
func TestIllnessAssessmentJSON(t *testing.T) {
	d := decimal.RequireFromString
	type plain IllnessAssessment // the same fields, without MarshalJSON
	for _, a := range []IllnessAssessment{
		{},
		{Settlements: []Settlement{}},
		{Settlements: []Settlement{{No: "JS0001", Total: d("12000.50"), BasicInsurancePaid: d("6000"), CriticalIllnessPaid: d("0.01"),
			MedicalAssistancePaid: d("0"), NonReimbursable: d("300.00")}}},
		{Settlements: []Settlement{{No: `JS<&>"\` + "\u2028\x01", Total: d("1")}, {No: "结算单-二", Total: d("99999999.99"),
			NonReimbursable: d("-1.5")}}},
	} {
		got, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(plain(a))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}
