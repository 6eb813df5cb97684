package claim

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Outcomes of an accident.
const (
	Death      = "death"
	Disability = "disability"
	Burn       = "burn"
)

// Burn sites of the burn table.
const (
	HeadNeck   = "head_neck"
	TrunkLimbs = "trunk_limbs"
)

var siteNames = map[string]string{HeadNeck: "头颈部", TrunkLimbs: "躯干及四肢"}

// AccidentAssessment is the outcome of an accident for the insured person:
// death, disability with the grade of each injury (JR/T 0083-2013, 1 the
// most severe), or third-degree burns by site and share of body surface.
// Injuries and burns of one assessment are graded together.
type AccidentAssessment struct {
	Outcome  string
	Injuries []Injury
	Burns    []BurnArea
}

// Injury is one disability with its grade, 1 to 10.
type Injury struct{ Grade int }

// BurnArea is a third-degree burn on a site, as percent of body surface.
type BurnArea struct {
	Site    string
	AreaPct decimal.Decimal
}

// Line is accident.
func (AccidentAssessment) Line() znb.Line { return znb.Accident }

// adjust starts from the per-person sum insured. Death pays it whole;
// disability and burns pay the percentage of the combined grade. Adjust then
// caps by what earlier death or disability payments left of the sum insured.
func (a AccidentAssessment) adjust(t *policy.LineTerms, b *breakdown) error {
	switch a.Outcome {
	case Death:
		b.set("sum_insured", "身故，给付每人保险金额", t.Limit)
		return nil
	case Disability, Burn:
	default:
		return znb.Errorf(znb.Invalid, "invalid_outcome", "事故结果无效：%q（应为 death、disability 或 burn）", a.Outcome)
	}
	if len(a.Injuries) == 0 && len(a.Burns) == 0 {
		return znb.Errorf(znb.Invalid, "injuries_required", "伤残或烧伤须至少填写一处")
	}
	b.set("sum_insured", "每人保险金额", t.Limit)
	var grades []int
	for _, in := range a.Injuries {
		if in.Grade < 1 || in.Grade > 10 {
			return znb.Errorf(znb.Invalid, "invalid_grade", "伤残等级须为 1–10 级：%d", in.Grade)
		}
		b.note("injury", fmt.Sprintf("伤残 %d 级", in.Grade), disabilityAmount(t, in.Grade))
		grades = append(grades, in.Grade)
	}
	for _, burn := range a.Burns {
		g, err := burnGrade(t.BurnTable, burn)
		if err != nil {
			return err
		}
		label := fmt.Sprintf("%s三度烧伤 %s%% 体表面积", siteNames[burn.Site], burn.AreaPct)
		if g == 0 {
			b.note("burn", label+"，未达评残标准", decimal.Zero)
			continue
		}
		b.note("burn", fmt.Sprintf("%s，评定为 %d 级", label, g), disabilityAmount(t, g))
		grades = append(grades, g)
	}
	if len(grades) == 0 {
		b.set("disability_ratio", "无可评定的伤残等级", decimal.Zero)
		return nil
	}
	g, top, same := combineGrades(grades)
	label := fmt.Sprintf("按 %d 级", g)
	switch {
	case same > 1 && top == 1:
		label = fmt.Sprintf("最重 1 级共 %d 处，已为最高等级，按 1 级", same)
	case same > 1:
		label = fmt.Sprintf("最重 %d 级共 %d 处，晋升一级为 %d 级", top, same, g)
	}
	b.set("disability_ratio", label+"，给付保险金额的 "+pct(disabilityPct(t, g)), disabilityAmount(t, g))
	return nil
}

// combineGrades applies the several-injuries rule of the accident line: the most severe
// grade (top) counts, and when two or more injuries (same) share it the grade
// rises by one, never above grade 1. grades must not be empty.
func combineGrades(grades []int) (grade, top, same int) {
	top = grades[0]
	for _, g := range grades {
		switch {
		case g < top:
			top, same = g, 1
		case g == top:
			same++
		}
	}
	grade = top
	if same > 1 && grade > 1 {
		grade--
	}
	return grade, top, same
}

// burnGrade maps a burn to a disability grade by the product's table, trying
// the site's rules from the largest area down; 0 when the burn is too small
// to grade.
func burnGrade(table []policy.BurnRule, burn BurnArea) (int, error) {
	if _, ok := siteNames[burn.Site]; !ok {
		return 0, znb.Errorf(znb.Invalid, "invalid_burn_site", "烧伤部位无效：%q（应为 head_neck 或 trunk_limbs）", burn.Site)
	}
	if burn.AreaPct.IsNegative() || burn.AreaPct.GreaterThan(decimal.NewFromInt(100)) {
		return 0, znb.Errorf(znb.Invalid, "invalid_burn_area", "烧伤面积须在 0–100%% 之间：%s", burn.AreaPct)
	}
	grade, best := 0, decimal.Zero
	for _, r := range table {
		if r.Site == burn.Site && !burn.AreaPct.LessThan(r.MinPct) && (grade == 0 || r.MinPct.GreaterThan(best)) {
			grade, best = r.Grade, r.MinPct
		}
	}
	return grade, nil
}

// disabilityPct is the product's percentage for grade g, or (110 − 10g)%
// when the product does not list the grade.
func disabilityPct(t *policy.LineTerms, g int) decimal.Decimal {
	if p, ok := t.DisabilityPct[g]; ok {
		return p
	}
	return decimal.NewFromInt(int64(110 - 10*g))
}

func disabilityAmount(t *policy.LineTerms, g int) decimal.Decimal {
	return money.Percent(t.Limit, disabilityPct(t, g))
}
