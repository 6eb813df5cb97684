package claim

import "github.com/zhunongbao/zhunongbao/internal/policy"

// Grade is the combined disability grade of an accident assessment (1 the
// most severe) under the line's burn table, by the several-injuries rule; 0
// for death and when nothing can be graded.
func (a AccidentAssessment) Grade(t *policy.LineTerms) int {
	if a.Outcome == Death {
		return 0
	}
	var grades []int
	for _, in := range a.Injuries {
		if in.Grade >= 1 && in.Grade <= 10 {
			grades = append(grades, in.Grade)
		}
	}
	for _, b := range a.Burns {
		if g, err := burnGrade(t.BurnTable, b); err == nil && g > 0 {
			grades = append(grades, g)
		}
	}
	if len(grades) == 0 {
		return 0
	}
	g, _, _ := combineGrades(grades)
	return g
}
