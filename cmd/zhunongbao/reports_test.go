package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestReportCommands issues a small county for this year and draws up its
// January statistics, annual evaluation and a village notice: every insured
// person is covered in January (the list takes effect on January 1), so the
// report's households, persons and premium are the issue's.
func TestReportCommands(t *testing.T) {
	dir := t.TempDir()
	year, out := issueThisYear(t, dir, "ZY-RPT", 40, []znb.Category{znb.Lifted, znb.NotLifted, znb.Marginal})
	var issued struct {
		Certificates, Persons int
		Premium               string
	}
	if err := json.Unmarshal([]byte(out), &issued); err != nil || issued.Persons == 0 {
		t.Fatalf("issue printed %s (%v)", out, err)
	}

	xlsx := filepath.Join(dir, "monthly.xlsx")
	code, out, errs := cli(t, dir, "report", "monthly", "--region", "522625", "--month", fmt.Sprintf("%d-01", year), "-o", xlsx)
	if code != 0 {
		t.Fatalf("report monthly: exit %d %s", code, errs)
	}
	var m struct {
		Month string
		Total struct {
			Households, Persons int
			Premium             map[string]string
		}
		Rows []struct {
			Level      string
			RegionCode string `json:"region_code"`
		}
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if m.Total.Households != issued.Certificates || m.Total.Persons != issued.Persons || m.Total.Premium["premium"] != issued.Premium {
		t.Errorf("January %+v, want the issue's %+v", m.Total, issued)
	}
	if len(m.Rows) < 3 || m.Rows[0].Level != "county" {
		t.Errorf("rows %+v", m.Rows)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("分区域统计")
	if len(rows) != len(m.Rows)+2 { // header, rows, total
		t.Errorf("workbook has %d rows, want %d", len(rows), len(m.Rows)+2)
	}
	f.Close()

	pdf := filepath.Join(dir, "annual.pdf")
	code, out, errs = cli(t, dir, "report", "annual", "--agreement", "1", "-o", pdf)
	var a struct {
		AgreementNo string `json:"agreement_no"`
		Coverage    struct{ Eligible, Insured int }
	}
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil {
		t.Fatalf("report annual: exit %d %s %s", code, out, errs)
	}
	if a.AgreementNo != "ZY-RPT" || a.Coverage.Insured != issued.Persons || a.Coverage.Eligible != issued.Persons {
		t.Errorf("annual %+v, want all %d insured", a, issued.Persons)
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil || !strings.Contains(string(text), "年度运行情况评估") || !strings.Contains(string(text), "ZY-RPT") {
		t.Errorf("annual PDF text: %v %.300s", err, text)
	}

	notice := filepath.Join(dir, "notice.pdf")
	village := m.Rows[2].RegionCode
	code, out, errs = cli(t, dir, "report", "notice", "--agreement", "1", "--village", village, "--month", fmt.Sprintf("%d-01", year), "-o", notice)
	if code != 0 || !strings.Contains(out, `"claims": 0`) {
		t.Fatalf("report notice: exit %d %s %s", code, out, errs)
	}
	if _, err := os.Stat(notice); err != nil {
		t.Error(err)
	}

	for _, args := range [][]string{
		{"report", "monthly", "--month", "2024-01"},
		{"report", "monthly", "--region", "522625", "--month", "2024-1"},
		{"report", "monthly", "--region", "522625", "--month", "2024-01", "-o", filepath.Join(dir, "x.pdf")},
		{"report", "annual"},
		{"report", "annual", "--agreement", "1", "-o", filepath.Join(dir, "x.csv")},
		{"report", "notice", "--agreement", "1", "--village", village, "--month", "2024-01"},
	} {
		if code, _, _ := cli(t, dir, args...); code != 2 {
			t.Errorf("%s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
	if code, _, _ := cli(t, dir, "report", "annual", "--agreement", "99"); code != 1 {
		t.Errorf("unknown agreement: exit %d, want 1", code)
	}
	for _, p := range []string{"x.pdf", "x.csv"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			t.Errorf("%s written after a usage error", p)
		}
	}
}
