package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestBarStart: the first count (a resumed run's done part, an import's
// first batch) shows no rate: none can be told yet.
func TestBarStart(t *testing.T) {
	var out bytes.Buffer
	b := newBar(&env{stderr: &out}, -1, "检查名单")
	b.Set(17513)
	if strings.Contains(out.String(), "/s") || strings.Contains(out.String(), "/min") {
		t.Errorf("a rate at start: %q", out.String())
	}
	if !strings.Contains(out.String(), "17513") {
		t.Errorf("no count: %q", out.String())
	}
}

// TestBarRate: after a second the rate is the work done since the first
// count over the time since then.
func TestBarRate(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	b := newBar(&env{stderr: &out}, 100_000, "出单")
	b.now = func() time.Time { return now }
	b.Set(50_000) // resumed: done before this run
	now = now.Add(2 * time.Second)
	time.Sleep(250 * time.Millisecond) // past the bar's redraw throttle
	b.Set(51_000)
	if got := out.String(); !strings.Contains(got, "出单 500 行/s") {
		t.Errorf("want 500 行/s: %q", got)
	}
}

func TestRate(t *testing.T) {
	for _, tc := range []struct {
		count int
		d     time.Duration
		want  string
	}{
		{17513, time.Microsecond, ""},
		{17513, 999 * time.Millisecond, ""},
		{0, 3 * time.Second, "0 行/s"},
		{3000, 2 * time.Second, "1500 行/s"},
		{1, 2 * time.Second, "30.0 行/min"},
		{-5, 2 * time.Second, ""},
	} {
		if got := rate(tc.count, tc.d, "行"); got != tc.want {
			t.Errorf("rate(%d, %v) = %q, want %q", tc.count, tc.d, got, tc.want)
		}
	}
}
