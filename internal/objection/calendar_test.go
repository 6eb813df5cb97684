package objection

import (
	"os"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// holidays is the calendar the platform ships.
func holidays(t *testing.T) Calendar {
	t.Helper()
	b, err := os.ReadFile("../../configs/holidays.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ParseCalendar(b)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// Deadlines across 国庆, 中秋, 春节 and 元旦 2026 and their make-up working
// days (2026-01-04 a Sunday, 02-14 and 02-28 Saturdays, 09-20 a Sunday,
// 10-10 a Saturday).
func TestDeadlinesOverHolidays(t *testing.T) {
	cal := holidays(t)
	for _, tc := range []struct {
		name, received, ack, resolve string
	}{
		{"国庆前一天收到_调休周六是第3个工作日", "2026-09-30", "2026-10-10", "2026-10-27"},
		{"国庆假期中收到_从节后起算", "2026-10-03", "2026-10-10", "2026-10-27"},
		{"周五收到_调休周日上班算工作日_跨中秋国庆", "2026-09-18", "2026-09-22", "2026-10-15"},
		{"春节前周五收到_调休周六算_跨春节", "2026-02-13", "2026-02-25", "2026-03-12"},
		{"元旦前收到_调休周日算", "2025-12-31", "2026-01-06", "2026-01-22"},
		{"没有节日的三周_与只算周末相同", "2026-03-09", "2026-03-12", "2026-03-30"},
		{"端午周五不算", "2026-06-17", "2026-06-23", "2026-07-09"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ack, res := cal.Deadlines(znb.MustDate(tc.received))
			if ack.String() != tc.ack || res.String() != tc.resolve {
				t.Errorf("received %s: ack %s, resolve %s; want %s, %s", tc.received, ack, res, tc.ack, tc.resolve)
			}
			for _, d := range []znb.Date{ack, res} {
				if !cal.Working(d) {
					t.Errorf("deadline %s is not a working day", d)
				}
			}
		})
	}
}

func TestWorkingDays2026(t *testing.T) {
	cal := holidays(t)
	for _, tc := range []struct {
		day  string
		want bool
	}{
		{"2026-10-01", false}, {"2026-10-07", false}, {"2026-10-08", true}, {"2026-10-10", true}, {"2026-10-11", false},
		{"2026-02-14", true}, {"2026-02-16", false}, {"2026-02-23", false}, {"2026-02-24", true}, {"2026-02-28", true},
		{"2026-09-20", true}, {"2026-09-19", false}, {"2026-05-05", false}, {"2026-05-09", true}, {"2026-04-06", false},
		{"2027-02-08", false}, {"2027-10-01", false}, {"2027-10-04", true},
	} {
		if got := cal.Working(znb.MustDate(tc.day)); got != tc.want {
			t.Errorf("%s working = %v, want %v", tc.day, got, tc.want)
		}
	}
	if !cal.Covers(2026) || !cal.Covers(2027) || cal.Covers(2028) {
		t.Error("the file lists 2026 and 2027")
	}
	if p := cal.Pending(); len(p) != 1 || p[0] != 2027 {
		t.Errorf("pending %v: 2027 awaits its notice", p)
	}
}

func TestPeriodEndOverHolidays(t *testing.T) {
	cal := holidays(t)
	for _, tc := range []struct{ name, posted, want string }{
		{"落在国庆_顺延节后", "2026-09-28", "2026-10-08"},
		{"落在调休周六_当天截止", "2026-10-03", "2026-10-10"},
		{"落在春节_顺延节后", "2026-02-10", "2026-02-24"},
		{"落在普通周六_顺延周一", "2026-06-06", "2026-06-15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.PeriodEnd(znb.MustDate(tc.posted)); got.String() != tc.want {
				t.Errorf("posted %s: ends %s, want %s", tc.posted, got, tc.want)
			}
		})
	}
}

func TestParseCalendarRefuses(t *testing.T) {
	for _, tc := range []struct{ name, file, want string }{
		{"调休日不是周末", "years:\n  2026:\n    work: [2026-10-09]\n", "make-up working day"},
		{"既放假又上班", "years:\n  2026:\n    off: [2026-10-10]\n    work: [2026-10-10]\n", "both off and work"},
		{"日期不在该年", "years:\n  2026:\n    off: [2027-01-01]\n", "not in 2026"},
		{"日期写错", "years:\n  2026:\n    off: [2026-13-01]\n", "YYYY-MM-DD"},
		{"区间倒置", "years:\n  2026:\n    off: [2026-10-07..2026-10-01]\n", "not after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseCalendar([]byte(tc.file)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}
