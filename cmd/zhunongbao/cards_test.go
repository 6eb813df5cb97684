package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCardsCommand issues a small county for this year and prints its cards
// one village a file, one village, and one certificate.
func TestCardsCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ZNB_SECRET", "cli-secret")
	t.Setenv("ZNB_BASE_URL", "https://znb.example.test")
	issueThisYear(t, dir, "ZY-CLI", 30, nil)

	type files struct {
		Files []struct {
			File, Village string
			Cards         int
		}
		Cards int
	}
	folder := filepath.Join(dir, "cards")
	code, out, errs := cli(t, dir, "cards", "--agreement", "1", "-o", folder)
	var all files
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all.Files) == 0 || all.Cards == 0 {
		t.Fatalf("cards for the county: exit %d %s %s", code, out, errs)
	}
	sum := 0
	for _, f := range all.Files {
		sum += f.Cards
		if got := pdfPages(t, f.File); got != 2*f.Cards { // a front and a back
			t.Errorf("%s: %d pages for %d cards", f.File, got, f.Cards)
		}
		if !strings.HasPrefix(filepath.Base(f.File), f.Village) {
			t.Errorf("file %s is not named by its village %s", f.File, f.Village)
		}
	}
	if sum != all.Cards || !strings.Contains(errs, "明白卡") {
		t.Errorf("cards add to %d, total %d; progress on stderr: %q", sum, all.Cards, errs)
	}

	one := filepath.Join(dir, "village.pdf")
	v := all.Files[0]
	code, out, errs = cli(t, dir, "cards", "--agreement", "1", "--village", v.Village, "-o", one)
	if code != 0 || pdfPages(t, one) != 2*v.Cards {
		t.Errorf("one village: exit %d %s %s", code, out, errs)
	}
	b, _ := os.ReadFile(one)
	text, _ := exec.Command("pdftotext", "-enc", "UTF-8", one, "-").Output()
	no := certificateNo.FindString(string(text))
	if no == "" {
		t.Fatalf("no certificate number in the village file")
	}
	card := filepath.Join(dir, "one.pdf")
	if code, out, errs := cli(t, dir, "cards", "--agreement", "1", "--certificate", no, "-o", card); code != 0 || pdfPages(t, card) != 2 {
		t.Errorf("one certificate: exit %d %s %s", code, out, errs)
	}
	if len(b) == 0 {
		t.Error("empty village file")
	}

	// Usage and refusals.
	if code, _, _ := cli(t, dir, "cards", "-o", card); code != 2 {
		t.Errorf("without --agreement: exit %d, want 2", code)
	}
	if code, _, _ := cli(t, dir, "cards", "--agreement", "1", "--village", v.Village, "--certificate", no, "-o", card); code != 2 {
		t.Errorf("village and certificate: exit %d, want 2", code)
	}
	if code, _, _ := cli(t, dir, "cards", "--agreement", "2", "--certificate", no, "-o", card); code == 0 {
		t.Error("a certificate under the wrong agreement is printed")
	}
	if code, _, _ := cli(t, dir, "cards", "--agreement", "1", "--village", "522625999999", "-o", filepath.Join(dir, "none.pdf")); code != 3 {
		t.Errorf("village without certificates: exit %d, want 3", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.pdf")); err == nil {
		t.Error("a failed run left a file behind")
	}

	// The agreement by its number, as well as by its id.
	byNo := filepath.Join(dir, "by-no.pdf")
	if code, out, errs := cli(t, dir, "cards", "--agreement", "ZY-CLI", "--certificate", no, "-o", byNo); code != 0 || pdfPages(t, byNo) != 2 {
		t.Errorf("--agreement ZY-CLI: exit %d %s %s", code, out, errs)
	}
	var e errorJSON
	if code, out, _ := cli(t, dir, "cards", "--agreement", "ZY-NONE", "--certificate", no, "-o", byNo); code != 1 ||
		json.Unmarshal([]byte(out), &e) != nil || e.Error.Code != "not_found" {
		t.Errorf("an unknown agreement number: exit %d %s, want 1 and not_found", code, out)
	}

	// A missing output folder is refused before any card is drawn.
	missing := filepath.Join(dir, "no-such-folder", "village.pdf")
	code, out, errs = cli(t, dir, "cards", "--agreement", "1", "--village", v.Village, "-o", missing)
	e = errorJSON{}
	if code != 2 || json.Unmarshal([]byte(out), &e) != nil || e.Error.Code != "output_folder_missing" ||
		!strings.Contains(e.Error.Message, "no-such-folder") || strings.Contains(errs, "100%") {
		t.Errorf("missing output folder: exit %d, stdout %s, stderr %s; want 2 and output_folder_missing before the bar", code, out, errs)
	}
}

func pdfPages(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", path, err)
	}
	var n int
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Pages:") {
			fmt.Sscan(strings.TrimPrefix(l, "Pages:"), &n)
		}
	}
	return n
}

var certificateNo = regexp.MustCompile(`ZNB\d+-\d+`)
