package claim

import (
	"encoding/json"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// DecodeAssessment reads an assessment of line l as stored with its claim
// (its JSON).
func DecodeAssessment(l znb.Line, s string) (Assessment, error) {
	switch l {
	case znb.Property:
		return decodeAs[PropertyAssessment](s)
	case znb.Agriculture:
		return decodeAs[AgricultureAssessment](s)
	case znb.Disaster:
		return decodeAs[DisasterAssessment](s)
	case znb.Accident:
		return decodeAs[AccidentAssessment](s)
	case znb.Hospitalization:
		return decodeAs[HospitalizationAssessment](s)
	case znb.Illness:
		return decodeAs[IllnessAssessment](s)
	case znb.Education:
		return decodeAs[EducationAssessment](s)
	}
	return nil, znb.Errorf(znb.Invalid, "invalid_line", "险种无效：%q", string(l))
}

func decodeAs[T Assessment](s string) (Assessment, error) {
	var a T
	err := json.Unmarshal([]byte(s), &a)
	return a, err
}
