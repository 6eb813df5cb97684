package policy

import (
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var (
	leapTerm   = Term{znb.MustDate("2024-01-01"), znb.MustDate("2024-12-31")} // 366 days
	commonTerm = Term{znb.MustDate("2023-01-01"), znb.MustDate("2023-12-31")} // 365 days
	midTerm    = Term{znb.MustDate("2024-07-01"), znb.MustDate("2025-06-30")} // 365 days
)

func d(s string) znb.Date { return znb.MustDate(s) }

// TestCoverOf: the want columns are counted on a calendar by hand, and the
// premiums are 60 × days ÷ term days rounded half-up to the cent.
func TestCoverOf(t *testing.T) {
	tests := []struct {
		name       string
		term       Term
		p          Presence
		insured    bool
		start, end string
		days       int
		premium    string
	}{
		{"whole leap year", leapTerm, Presence{Since: d("2024-01-01")}, true, "2024-01-01", "2024-12-31", 366, "60.00"},
		{"list effective before the term", leapTerm, Presence{Since: d("2023-11-20")}, true, "2024-01-01", "2024-12-31", 366, "60.00"},
		{"added mid-year", leapTerm, Presence{Since: d("2024-07-01")}, true, "2024-07-01", "2024-12-31", 184, "30.16"},
		{"added mid-year, common year", commonTerm, Presence{Since: d("2023-03-01")}, true, "2023-03-01", "2023-12-31", 306, "50.30"},
		{"leap day only", leapTerm, Presence{Since: d("2024-02-29"), Left: d("2024-02-29")}, true, "2024-02-29", "2024-02-29", 1, "0.16"},
		{"to the leap day", leapTerm, Presence{Since: d("2024-01-01"), Left: d("2024-02-29")}, true, "2024-01-01", "2024-02-29", 60, "9.84"},
		{"cover starting on the last day", leapTerm, Presence{Since: d("2024-12-31")}, true, "2024-12-31", "2024-12-31", 1, "0.16"},
		{"list effective after the term", leapTerm, Presence{Since: d("2025-01-01")}, false, "", "", 0, "0.00"},
		{"death on the first day", leapTerm, Presence{Since: d("2024-01-01"), Left: d("2024-01-01")}, true, "2024-01-01", "2024-01-01", 1, "0.16"},
		{"death in March", leapTerm, Presence{Since: d("2024-01-01"), Left: d("2024-03-15")}, true, "2024-01-01", "2024-03-15", 75, "12.30"},
		{"status_date before the start", leapTerm, Presence{Since: d("2024-07-01"), Left: d("2024-06-20")}, false, "", "", 0, "0.00"},
		{"moved out before the term", leapTerm, Presence{Since: d("2023-12-01"), Left: d("2023-12-31")}, false, "", "", 0, "0.00"},
		{"death after the term", leapTerm, Presence{Since: d("2024-01-01"), Left: d("2025-02-01")}, true, "2024-01-01", "2024-12-31", 366, "60.00"},
		{"dropped by a newer version", leapTerm, Presence{Since: d("2024-01-01"), Dropped: d("2024-07-01")}, true, "2024-01-01", "2024-06-30", 182, "29.84"},
		{"dropped on the day it started", leapTerm, Presence{Since: d("2024-07-01"), Dropped: d("2024-07-01")}, false, "", "", 0, "0.00"},
		{"dropped the day after it started", leapTerm, Presence{Since: d("2024-07-01"), Dropped: d("2024-07-02")}, true, "2024-07-01", "2024-07-01", 1, "0.16"},
		{"death before the drop", leapTerm, Presence{Since: d("2024-01-01"), Left: d("2024-03-15"), Dropped: d("2024-07-01")}, true, "2024-01-01", "2024-03-15", 75, "12.30"},
		{"term across new year, whole", midTerm, Presence{Since: d("2024-06-15")}, true, "2024-07-01", "2025-06-30", 365, "60.00"},
		{"term across new year, from January", midTerm, Presence{Since: d("2025-01-01")}, true, "2025-01-01", "2025-06-30", 181, "29.75"},
	}
	for _, tt := range tests {
		c, ok := CoverOf(tt.term, tt.p)
		if ok != tt.insured {
			t.Errorf("%s: insured = %v, want %v (cover %v..%v)", tt.name, ok, tt.insured, c.Start, c.End)
			continue
		}
		if ok && (c.Start != d(tt.start) || c.End != d(tt.end)) {
			t.Errorf("%s: cover %v..%v, want %s..%s", tt.name, c.Start, c.End, tt.start, tt.end)
		}
		if ok && c.Days() != tt.days {
			t.Errorf("%s: %d days, want %d", tt.name, c.Days(), tt.days)
		}
		got := Premium(amt("60"), tt.term, c)
		if got.StringFixed(2) != tt.premium {
			t.Errorf("%s: premium %s, want %s", tt.name, got.StringFixed(2), tt.premium)
		}
	}
}

func TestTermOverlaps(t *testing.T) {
	tests := []struct {
		a, b Term
		want bool
	}{
		{leapTerm, Term{d("2024-12-31"), d("2025-12-30")}, true},
		{leapTerm, Term{d("2025-01-01"), d("2025-12-31")}, false},
		{leapTerm, midTerm, true},
		{commonTerm, leapTerm, false},
		{leapTerm, Term{d("2024-05-01"), d("2024-04-30")}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Overlaps(tt.b); got != tt.want || tt.b.Overlaps(tt.a) != tt.want {
			t.Errorf("%v..%v overlaps %v..%v = %v, want %v", tt.a.Start, tt.a.End, tt.b.Start, tt.b.End, got, tt.want)
		}
	}
}

func TestTermDays(t *testing.T) {
	tests := []struct {
		term Term
		want int
	}{
		{leapTerm, 366},
		{commonTerm, 365},
		{Term{d("2024-02-28"), d("2024-03-01")}, 3},
		{Term{d("2023-02-28"), d("2023-03-01")}, 2},
		{Term{d("2024-05-01"), d("2024-05-01")}, 1},
		{Term{d("2024-05-01"), d("2024-04-30")}, 0},
		{Term{}, 0},
		{Term{Start: d("2024-05-01")}, 0},
	}
	for _, tt := range tests {
		if got := tt.term.Days(); got != tt.want {
			t.Errorf("%v..%v: %d days, want %d", tt.term.Start, tt.term.End, got, tt.want)
		}
	}
}
