// Package disaster holds the rules of a disaster event (灾害事件) and of
// paying its claims through the bank: the event and where and when it
// struck, the field worksheet handed to the adjusters of a village and read
// back filled, the households' bank accounts, and the payment batch sent to
// the bank with the bank's answer. It knows nothing of storage, HTTP or file
// formats: sheets come and go through registry.Rows and registry.Writer.
package disaster

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Event is a declared disaster: its name, the one cause its claims are
// reported with, its first and last day, and the regions it struck (village,
// township or county codes). DeclaredOn is the day every claim of the event
// counts as reported, so a claim the field teams bring in weeks later is
// never late.
type Event struct {
	ID         int64
	Name       string
	Cause      string
	First      znb.Date
	Last       znb.Date
	Regions    []string
	DeclaredOn znb.Date
	DeclaredBy string
	// Scope is who declared it: the office's region code or the insurer's
	// code; the event is seen by those in that scope and by anyone who sees
	// one of its regions.
	Scope string
}

// Declaration is an event as an office or insurer declares it.
type Declaration struct {
	Name        string
	Cause       string
	First, Last znb.Date
	Regions     []string
}

const maxName = 100

// Causes lists every cause a product may cover on a household line a field
// worksheet carries, in the order they are offered.
func Causes() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range SheetLines {
		for _, c := range policy.AllowedCauses(l) {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// Declare checks a declaration made by the actor on the day today and
// returns the event: an office or insurer's staff may declare (DeclareEvent),
// the name is 1–100 characters, the cause one a worksheet line covers, the
// days in order and not in the future, and at least one region, each a
// county, township or village code an office may only name inside its own
// region. Every fault is reported at once, each with its field.
func Declare(by znb.Actor, d Declaration, today znb.Date) (*Event, error) {
	if err := znb.Allow(by, znb.DeclareEvent); err != nil {
		return nil, err
	}
	var faults []string
	add := func(f string) { faults = append(faults, f) }
	name := strings.TrimSpace(d.Name)
	if n := utf8.RuneCountInString(name); n == 0 || n > maxName {
		add("事件名称须为 1–100 个字")
	}
	cause := strings.TrimSpace(d.Cause)
	if !contains(Causes(), cause) {
		add("灾害原因须为以下之一：" + strings.Join(Causes(), "、"))
	}
	switch {
	case d.First.IsZero() || d.Last.IsZero():
		add("须给出灾害的起止日期（YYYY-MM-DD）")
	case d.Last.Before(d.First):
		add("灾害结束日期早于开始日期")
	case d.First.After(today):
		add("灾害开始日期晚于今天")
	}
	var regions []string
	for _, r := range d.Regions {
		code, err := znb.ParseRegion(r, znb.CountyDigits, znb.TownshipDigits, znb.VillageDigits)
		switch {
		case err != nil:
			add("受灾区划代码须为 6 位县、9 位乡镇或 12 位村代码：" + clip(r))
		case by.Regional() && !by.SeesRegion(code):
			add("受灾区划 " + code + " 不在本单位管辖范围内")
		case !contains(regions, code):
			regions = append(regions, code)
		}
	}
	if len(d.Regions) == 0 {
		add("须至少给出一个受灾区划")
	}
	if len(faults) > 0 {
		return nil, znb.Errorf(znb.Invalid, "invalid_event", "%s", strings.Join(faults, "；"))
	}
	sort.Strings(regions)
	return &Event{Name: name, Cause: cause, First: d.First, Last: d.Last, Regions: regions,
		DeclaredOn: today, DeclaredBy: by.Username, Scope: by.Scope}, nil
}

// Covers reports whether the event struck the region (a village code, or a
// township the event names whole or in part).
func (e *Event) Covers(region string) bool {
	for _, r := range e.Regions {
		if strings.HasPrefix(region, r) || strings.HasPrefix(r, region) {
			return true
		}
	}
	return false
}

// Struck reports whether the village was struck: one of the event's
// regions contains it.
func (e *Event) Struck(village string) bool {
	for _, r := range e.Regions {
		if strings.HasPrefix(village, r) {
			return true
		}
	}
	return false
}

// During reports whether the day falls within the event, both ends
// included.
func (e *Event) During(d znb.Date) bool { return !d.Before(e.First) && !d.After(e.Last) }

// Admits checks a claim reported on its own for the event: its cause is
// the event's and its incident date falls within the event.
func (e *Event) Admits(cause string, incident znb.Date) error {
	if cause != e.Cause {
		return znb.Errorf(znb.Invalid, "cause_not_event", "灾害事件“%s”的理赔原因须为“%s”", e.Name, e.Cause)
	}
	if !e.During(incident) {
		return znb.Errorf(znb.Invalid, "incident_outside_event", "出险日期 %s 不在灾害期间 %s 至 %s 内", incident, e.First, e.Last)
	}
	return nil
}

// Visible reports whether the actor may see the event: admin and auditors
// all, the insurer or office that declared it, and offices whose region
// overlaps one of the event's regions; insurers see every event, since
// their certificates may lie in any struck village.
func (e *Event) Visible(a znb.Actor) bool {
	switch {
	case a.Role == znb.Admin || a.Role.Insurer():
		return true
	case a.Regional():
		return e.Covers(a.Scope)
	}
	return false
}

// Area checks the region a worksheet, an approval or a dashboard is asked
// for: a township or village code inside the event.
func (e *Event) Area(region string) (string, error) {
	code, err := znb.ParseRegion(region, znb.TownshipDigits, znb.VillageDigits)
	if err != nil {
		return "", err
	}
	if !e.Covers(code) {
		return "", znb.Errorf(znb.Invalid, "region_not_in_event", "区划 %s 不在灾害事件“%s”的受灾范围内", code, e.Name)
	}
	return code, nil
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// clip shortens what is quoted back in a message.
func clip(v string) string { return registry.Clip(v) }
