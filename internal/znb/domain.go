package znb

import "time"

// Category is a household's 户类型.
type Category string

const (
	Lifted                   Category = "lifted"
	NotLifted                Category = "not_lifted"
	Returned                 Category = "returned"
	UnstableLifted           Category = "unstable_lifted"
	Marginal                 Category = "marginal"
	SuddenHardship           Category = "sudden_hardship"
	StableLifted             Category = "stable_lifted"
	FiveGuaranteeCentralized Category = "five_guarantee_centralized"
)

// Categories lists every category in the order of the list format.
var Categories = []Category{Lifted, NotLifted, Returned, UnstableLifted, Marginal,
	SuddenHardship, StableLifted, FiveGuaranteeCentralized}

var categoryNames = map[Category]string{
	Lifted:                   "已脱贫户",
	NotLifted:                "未脱贫户",
	Returned:                 "返贫户",
	UnstableLifted:           "脱贫不稳定户",
	Marginal:                 "边缘易致贫户",
	SuddenHardship:           "突发严重困难户",
	StableLifted:             "稳定脱贫户",
	FiveGuaranteeCentralized: "集中供养五保户",
}

// categoryAliases maps the Chinese spellings found in exported lists.
var categoryAliases = map[string]Category{
	"年末未脱贫":      NotLifted,
	"年末未脱贫户":     NotLifted,
	"脱贫户":        Lifted,
	"脱贫不稳定":      UnstableLifted,
	"边缘户":        Marginal,
	"边缘易致贫":      Marginal,
	"突发严重困难":     SuddenHardship,
	"特困集中供养":     FiveGuaranteeCentralized,
	"特困集中供养户":    FiveGuaranteeCentralized,
	"五保户":        FiveGuaranteeCentralized,
	"集中供养五保":     FiveGuaranteeCentralized,
	"稳定脱贫":       StableLifted,
	"监测户(脱贫不稳定)": UnstableLifted,
}

// Name returns the Chinese name of c.
func (c Category) Name() string { return categoryNames[c] }

// Valid reports whether c is one of the eight categories.
func (c Category) Valid() bool { _, ok := categoryNames[c]; return ok }

// CoveredByDefault reports whether 篇七 covers c.
func (c Category) CoveredByDefault() bool {
	return c.Valid() && c != StableLifted && c != FiveGuaranteeCentralized
}

// ParseCategory accepts the identifier or a Chinese name.
func ParseCategory(s string) (Category, bool) {
	if c := Category(s); c.Valid() {
		return c, true
	}
	for c, n := range categoryNames {
		if n == s {
			return c, true
		}
	}
	c, ok := categoryAliases[s]
	return c, ok
}

// Source is a funding source of the premium (资金来源).
type Source string

const (
	Central    Source = "central"
	Provincial Source = "provincial"
	Municipal  Source = "municipal"
	County     Source = "county"
	Self       Source = "self"
)

// Sources is the fixed order of funding sources; the last non-zero one takes
// the rounding remainder of a split.
var Sources = []Source{Central, Provincial, Municipal, County, Self}

var sourceNames = map[Source]string{Central: "中央", Provincial: "省级", Municipal: "市级", County: "县级", Self: "个人"}

func (s Source) Name() string { return sourceNames[s] }
func (s Source) Valid() bool  { _, ok := sourceNames[s]; return ok }

// Line is a coverage line (险种).
type Line string

const (
	Agriculture     Line = "agriculture"
	Accident        Line = "accident"
	Hospitalization Line = "hospitalization"
	Property        Line = "property"

	// The household lines of 防贫保: what a household bears over the cover
	// year accumulates, and claims pay on the part above a trigger line.
	Illness   Line = "illness"
	Disaster  Line = "disaster"
	Education Line = "education"
)

// Lines lists the four lines of the standard scheme in the order they are
// printed (reports and cards keep their columns).
var Lines = []Line{Agriculture, Accident, Hospitalization, Property}

// HouseholdLines lists the trigger-line household lines of 防贫保.
var HouseholdLines = []Line{Illness, Disaster, Education}

// AllLines lists every line a product may offer: the four, then the
// household lines.
var AllLines = []Line{Agriculture, Accident, Hospitalization, Property, Illness, Disaster, Education}

var lineNames = map[Line]string{
	Agriculture:     "农业生产保险",
	Accident:        "意外伤害保险",
	Hospitalization: "意外住院医疗保险",
	Property:        "家庭财产保险",
	Illness:         "因病防贫保险",
	Disaster:        "因灾防贫保险",
	Education:       "因学防贫保险",
}

func (l Line) Name() string { return lineNames[l] }
func (l Line) Valid() bool  { _, ok := lineNames[l]; return ok }

// PerPerson reports whether the line insures a person (claims name a member)
// rather than the household.
func (l Line) PerPerson() bool { return l == Accident || l == Hospitalization }

// Accrues reports whether the line adds up what a household bears over the
// cover year and pays each claim the tiered amount it adds (the household
// lines of 防贫保).
func (l Line) Accrues() bool { return l == Illness || l == Disaster || l == Education }

// Role is what an account may do.
type Role string

const (
	Admin        Role = "admin"
	Office       Role = "office"
	InsurerClerk Role = "insurer_clerk"
	Adjuster     Role = "adjuster"
	Approver     Role = "approver"
	Auditor      Role = "auditor"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case Admin, Office, InsurerClerk, Adjuster, Approver, Auditor:
		return true
	}
	return false
}

// Insurer reports whether r belongs to an insurer and is scoped by insurer code.
func (r Role) Insurer() bool { return r == InsurerClerk || r == Adjuster || r == Approver }

// Actor is who performs a call: an account, or a system job. Scope is a region
// prefix for office and auditor, an insurer code for insurer roles, empty for
// admin.
type Actor struct {
	ID       int64
	Username string
	Role     Role
	Scope    string
}

// System is the actor of command-line jobs run by the operator.
var System = Actor{Username: "system", Role: Admin}

// SeesRegion reports whether the actor may read data of the region code.
func (a Actor) SeesRegion(region string) bool {
	switch {
	case a.Role == Admin:
		return true
	case a.Role == Office || a.Role == Auditor:
		return len(region) >= len(a.Scope) && region[:len(a.Scope)] == a.Scope
	}
	return false
}

// SeesInsurer reports whether the actor may read data of the insurer code.
func (a Actor) SeesInsurer(code string) bool {
	return a.Role == Admin || a.Role == Auditor || (a.Role.Insurer() && a.Scope == code)
}

// NeedsFullID reports whether the role's work needs full ID numbers: offices
// keep the registry, insurers' staff match claims and policies to people.
func (a Actor) NeedsFullID() bool { return a.Role != Auditor }

// Clock tells the time; tests inject a fixed one.
type Clock func() time.Time

// Today returns the calendar day in China Standard Time.
func (c Clock) Today() Date { return DateOf(c().In(CST)) }

// CST is China Standard Time, the zone of every date in the scheme.
var CST = time.FixedZone("CST", 8*3600)
