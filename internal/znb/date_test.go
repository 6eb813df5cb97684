package znb

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		daysTo  string // a later date
		between int    // DaysInclusive(in, daysTo)
	}{
		{"2024-01-01", "2024-01-01", "2024-12-31", 366},
		{"2023-01-01", "2023-01-01", "2023-12-31", 365},
		{"2024/02/28", "2024-02-28", "2024-03-01", 3},
		{"20240229", "2024-02-29", "2024-02-29", 1},
		{"1970-01-01", "1970-01-01", "1970-01-02", 2},
		{"1950-06-30", "1950-06-30", "1950-07-01", 2},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if err != nil || d.String() != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tt.in, d, err, tt.want)
			continue
		}
		if got := DaysInclusive(d, MustDate(tt.daysTo)); got != tt.between {
			t.Errorf("DaysInclusive(%s, %s) = %d, want %d", d, tt.daysTo, got, tt.between)
		}
		if DaysInclusive(MustDate(tt.daysTo), d) != 0 && tt.between > 1 {
			t.Errorf("DaysInclusive backwards is not 0")
		}
	}
	for _, bad := range []string{"2023-02-29", "2024-13-01", "abc", ""} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	var zero Date
	if !zero.IsZero() || zero.String() != "" || MustDate("1970-01-01").IsZero() {
		t.Error("zero date and 1970-01-01 must differ")
	}
}

func TestDateScanAndJSON(t *testing.T) {
	var d Date
	for _, src := range []any{"2024-03-05", []byte("2024-03-05"), time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), "2024-03-05 00:00:00"} {
		if err := d.Scan(src); err != nil || d.String() != "2024-03-05" {
			t.Errorf("Scan(%T %v) = %v, %v", src, src, d, err)
		}
	}
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Errorf("Scan(nil) = %v, %v", d, err)
	}
	b, _ := json.Marshal(struct {
		A, B Date
	}{A: MustDate("2024-12-31")})
	if string(b) != `{"A":"2024-12-31","B":null}` {
		t.Errorf("JSON = %s", b)
	}
	var back struct{ A, B Date }
	if err := json.Unmarshal(b, &back); err != nil || back.A != MustDate("2024-12-31") || !back.B.IsZero() {
		t.Errorf("JSON round trip = %+v, %v", back, err)
	}
}

func TestActorScope(t *testing.T) {
	office := Actor{Role: Office, Scope: "522625"}
	city := Actor{Role: Auditor, Scope: "5226"}
	clerk := Actor{Role: InsurerClerk, Scope: "PICC-ZY"}
	tests := []struct {
		a      Actor
		region string
		want   bool
	}{
		{office, "522625101001", true},
		{office, "522626101001", false},
		{city, "522626101001", true},
		{city, "520100", false},
		{clerk, "522625", false},
		{Actor{Role: Admin}, "110101", true},
		{Actor{Role: Office, Scope: "522625"}, "5226", false},
	}
	for _, tt := range tests {
		if got := tt.a.SeesRegion(tt.region); got != tt.want {
			t.Errorf("%s/%s SeesRegion(%s) = %v, want %v", tt.a.Role, tt.a.Scope, tt.region, got, tt.want)
		}
	}
	if !clerk.SeesInsurer("PICC-ZY") || clerk.SeesInsurer("CPIC") || office.SeesInsurer("PICC-ZY") {
		t.Error("SeesInsurer")
	}
}

// TestParseDateFastPath: the quick reading of YYYY-MM-DD agrees with
// time.Parse on every day, month and leap year, valid or not.
func TestParseDateFastPath(t *testing.T) {
	slow := func(s string) (Date, error) {
		for _, layout := range []string{dateLayout, "2006/01/02", "20060102", "2006/1/2", "2006-1-2"} {
			if v, err := time.Parse(layout, s); err == nil {
				return DateOf(v), nil
			}
		}
		return Date{}, fmt.Errorf("invalid")
	}
	var cases []string
	for _, y := range []int{0, 1, 1600, 1900, 2000, 2023, 2024, 2100, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				cases = append(cases, fmt.Sprintf("%04d-%02d-%02d", y, m, d))
			}
		}
	}
	cases = append(cases, "2024-1a-01", "+024-01-01", "2024-01-0 ", "2024-01--1", "２024-01-01")
	for _, s := range cases {
		got, gerr := ParseDate(s)
		want, werr := slow(s)
		if got != want || (gerr == nil) != (werr == nil) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, %v", s, got, gerr, want, werr)
		}
	}
}
