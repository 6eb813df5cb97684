package znb

import (
	"cmp"
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar day (no time, no zone). The zero value means "no date".
// Internally it counts days from 1970-01-01, plus one, so arithmetic on cover
// periods is integer arithmetic.
type Date struct{ n int32 }

const dateLayout = "2006-01-02"

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date{int32(u.Unix()/86400) + 1}
}

// NewDate returns the date y-m-d; out-of-range parts normalise as time.Date does.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// ParseDate reads "YYYY-MM-DD"; it also accepts "YYYY/MM/DD" and "YYYYMMDD",
// which offices' spreadsheets produce.
func ParseDate(s string) (Date, error) {
	// The usual form is read without time.Parse, which a million-row file
	// would otherwise spend much of its reading in; anything else, valid or
	// not, takes the general way.
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := digits(s[:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:])
		if ok1 && ok2 && ok3 {
			if v, ok := DayOf(y, time.Month(m), d); ok {
				return v, nil
			}
		}
	}
	for _, layout := range []string{dateLayout, "2006/01/02", "20060102", "2006/1/2", "2006-1-2"} {
		if t, err := time.Parse(layout, s); err == nil {
			return DateOf(t), nil
		}
	}
	return Date{}, fmt.Errorf("invalid date %q", s)
}

// DayOf returns the date y-m-d when it exists (year 0 to 9999, as
// time.Parse reads it).
func DayOf(y int, m time.Month, d int) (Date, bool) {
	if y < 0 || y > 9999 || m < time.January || m > time.December || d < 1 || d > daysIn(y, m) {
		return Date{}, false
	}
	return NewDate(y, m, d), true
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// digits reads a number written in ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// MustDate is ParseDate for constants in tests and defaults.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (d Date) IsZero() bool { return d.n == 0 }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Unix(int64(d.n-1)*86400, 0).UTC() }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(dateLayout)
}

func (d Date) Year() int { return d.Time().Year() }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return Date{d.n + int32(n)} }

// DaysSince returns d − e in days.
func (d Date) DaysSince(e Date) int { return int(d.n - e.n) }

func (d Date) Before(e Date) bool { return d.n < e.n }

// Compare is -1, 0 or +1 as d is before, on or after e.
func (d Date) Compare(e Date) int { return cmp.Compare(d.n, e.n) }
func (d Date) After(e Date) bool  { return d.n > e.n }

// Min returns the earlier of two set dates, ignoring a zero one.
func MinDate(a, b Date) Date {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// MaxDate returns the later of two dates.
func MaxDate(a, b Date) Date {
	if b.After(a) {
		return b
	}
	return a
}

// DaysInclusive counts the days from start to end, both included; 0 when end
// is before start.
func DaysInclusive(start, end Date) int {
	if end.Before(start) {
		return 0
	}
	return end.DaysSince(start) + 1
}

func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

func (d *Date) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" || s == `""` {
		*d = Date{}
		return nil
	}
	if len(s) < 2 || s[0] != '"' {
		return fmt.Errorf("date must be a string YYYY-MM-DD")
	}
	v, err := ParseDate(s[1 : len(s)-1])
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText and UnmarshalText let YAML and form decoders read dates.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores a date as "YYYY-MM-DD", which DATE columns of SQLite, MySQL
// and TiDB all accept; NULL for the zero date.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE column whether the driver hands over time.Time (MySQL with
// parseTime) or text (SQLite).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = DateOf(v)
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	}
	return fmt.Errorf("cannot scan %T into Date", src)
}

func (d *Date) scanText(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
