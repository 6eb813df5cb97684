package objection

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Calendar tells working days apart: Monday to Friday work, Saturday and
// Sunday do not, except the public holidays the State Council announces
// each year (days off, 法定节假日) and the weekend days it makes working
// days in exchange (调休上班). The zero Calendar knows no holidays.
type Calendar struct {
	off, work map[znb.Date]bool
	years     map[int]bool // the years the calendar lists
	pending   []int        // years listed without their notice checked
}

// calendarFile is the holiday file as the IT clerk writes it: per year the
// notice it comes from, whether it was checked against the notice, and the
// days off and make-up working days, each a date or a range "from..to".
type calendarFile struct {
	Years map[int]struct {
		Notice    string   `yaml:"notice"`
		Confirmed bool     `yaml:"confirmed"`
		Off       []string `yaml:"off"`
		Work      []string `yaml:"work"`
	} `yaml:"years"`
}

// ParseCalendar reads a holiday file. A day both off and working, a make-up
// working day that is not a Saturday or Sunday, a day outside its year or
// a malformed date is refused with the day named.
func ParseCalendar(b []byte) (Calendar, error) {
	var f calendarFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return Calendar{}, err
	}
	c := Calendar{off: map[znb.Date]bool{}, work: map[znb.Date]bool{}, years: map[int]bool{}}
	for year, y := range f.Years {
		c.years[year] = true
		if !y.Confirmed {
			c.pending = append(c.pending, year)
		}
		for _, l := range []struct {
			days []string
			into map[znb.Date]bool
			name string
		}{{y.Off, c.off, "off"}, {y.Work, c.work, "work"}} {
			for _, s := range l.days {
				from, to, err := dayRange(s)
				if err != nil {
					return Calendar{}, fmt.Errorf("%d %s: %w", year, l.name, err)
				}
				for d := from; !to.Before(d); d = d.AddDays(1) {
					if d.Time().Year() != year {
						return Calendar{}, fmt.Errorf("%d %s: %s is not in %d", year, l.name, d, year)
					}
					if l.name == "work" && !weekend(d) {
						return Calendar{}, fmt.Errorf("%d work: %s is a %s, a make-up working day is a Saturday or Sunday", year, d, d.Time().Weekday())
					}
					l.into[d] = true
				}
			}
		}
	}
	for d := range c.work {
		if c.off[d] {
			return Calendar{}, fmt.Errorf("%s is listed both off and work", d)
		}
	}
	sort.Ints(c.pending)
	return c, nil
}

// dayRange reads "2026-10-01" or "2026-10-01..2026-10-07".
func dayRange(s string) (znb.Date, znb.Date, error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "..")
	from, err := znb.ParseDate(strings.TrimSpace(a))
	if err != nil {
		return from, from, fmt.Errorf("%q: want YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", s)
	}
	if !isRange {
		return from, from, nil
	}
	to, err := znb.ParseDate(strings.TrimSpace(b))
	if err != nil || to.Before(from) {
		return from, from, fmt.Errorf("%q: want YYYY-MM-DD..YYYY-MM-DD, the first day not after the last", s)
	}
	return from, to, nil
}

func weekend(d znb.Date) bool {
	wd := d.Time().Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// Covers reports whether the calendar lists the year's holidays.
func (c Calendar) Covers(year int) bool { return c.years[year] }

// Pending lists the years written in the file but not yet checked against
// the State Council's notice.
func (c Calendar) Pending() []int { return c.pending }

// Working reports whether d is a working day.
func (c Calendar) Working(d znb.Date) bool {
	if c.work[d] {
		return true
	}
	return !weekend(d) && !c.off[d]
}

// AddWorkingDays is the n-th working day after d; the day of receipt is
// not counted, so an item received on a Friday with 3 working days is due
// on the Wednesday after (when no holiday falls between).
func (c Calendar) AddWorkingDays(d znb.Date, n int) znb.Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.Working(d) {
			n--
		}
	}
	return d
}

// Deadlines are the acknowledgement and resolution deadlines of an item
// received on d.
func (c Calendar) Deadlines(received znb.Date) (ack, resolve znb.Date) {
	return c.AddWorkingDays(received, AckDays), c.AddWorkingDays(received, ResolveDays)
}

// PeriodEnd is the last day of the objection period of a notice posted on
// d: the day of posting is not counted, the period runs 7 days, and a
// period that would end on a day that is not a working day ends on the
// next working day.
func (c Calendar) PeriodEnd(posted znb.Date) znb.Date {
	end := posted.AddDays(PeriodDays)
	for !c.Working(end) {
		end = end.AddDays(1)
	}
	return end
}
