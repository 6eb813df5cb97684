package main

import (
	"encoding/json"
	"testing"
)

// TestSampleDrawCLI: a month is drawn once with the seed given; a month
// that has not ended, a bad seed and a bad rate are refused.
func TestSampleDrawCLI(t *testing.T) {
	dir := t.TempDir()
	var first, again struct {
		ID         int64  `json:"id"`
		Seed       string `json:"seed"`
		Rate       string `json:"rate"`
		Population int    `json:"population"`
	}
	code, out, errs := cli(t, dir, "sample", "draw", "--insurer", "PICC-ZY", "--month", "2024-05", "--seed", "7")
	if code != 0 || json.Unmarshal([]byte(out), &first) != nil || first.Seed != "7" || first.Rate != "5.00" || first.Population != 0 {
		t.Fatalf("sample draw: exit %d, %s %s", code, out, errs)
	}
	code, out, _ = cli(t, dir, "sample", "draw", "--insurer", "PICC-ZY", "--month", "2024-05", "--seed", "8")
	if code != 0 || json.Unmarshal([]byte(out), &again) != nil || again.ID != first.ID || again.Seed != "7" {
		t.Fatalf("second draw of the month: exit %d, %s", code, out)
	}
	if code, out, _ := cli(t, dir, "sample", "draw", "--insurer", "PICC-ZY", "--month", "2999-01"); code != 1 {
		t.Errorf("month not over: exit %d, %s", code, out)
	}
	for _, args := range [][]string{{"--seed", "-1"}, {"--rate", "abc"}, {"--rate", "0"}} {
		if code, _, _ := cli(t, dir, append([]string{"sample", "draw", "--insurer", "X", "--month", "2024-05"}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, out, _ := cli(t, dir, "exclusions", "expire"); code != 0 || out == "" {
		t.Errorf("exclusions expire: exit %d, %s", code, out)
	}
}
