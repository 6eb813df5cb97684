package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// cli runs the command line against a SQLite file in dir.
func cli(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return cliOn(t, "sqlite:"+filepath.Join(dir, "znb.db"), dir, args...)
}

// cliOn runs the command line against the database dsn (ZNB_DB form).
func cliOn(t *testing.T, dsn, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("ZNB_DB", dsn)
	var out, errb bytes.Buffer
	code := run(append([]string{"-config", filepath.Join(dir, "none.yaml")}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// issueThisYear insures, through the command line, a county (522625) of
// generated households for this year under agreement no covering cats
// (nil: every category covered by default); it returns the year and what
// the issue command printed.
func issueThisYear(t *testing.T, dir, no string, households int, cats []znb.Category) (int, string) {
	t.Helper()
	year := time.Now().Year()
	list := filepath.Join(dir, "list.csv")
	agreement := filepath.Join(dir, "agreement.yaml")
	spec := storetest.AgreementSpec{No: no, County: "522625", Categories: cats,
		Start: fmt.Sprintf("%d-01-01", year), End: fmt.Sprintf("%d-12-31", year)}
	if err := os.WriteFile(agreement, storetest.AgreementYAML(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var out string
	for _, args := range [][]string{
		{"gen", "households", "--county", "522625", "--households", fmt.Sprint(households), "-o", list},
		{"list", "import", "--county", "522625", "--effective", fmt.Sprintf("%d-01-01", year), list},
		{"product", "load", storetest.ProductFile("znb-standard")},
		{"agreement", "create", agreement},
		{"agreement", "activate", "1"},
		{"issue", "--agreement", "1", "--list", "1"},
	} {
		code, o, errs := cli(t, dir, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d %s %s", strings.Join(args, " "), code, o, errs)
		}
		out = o
	}
	return year, out
}

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")

	if code, _, _ := cli(t, dir); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	if code, _, _ := cli(t, dir, "list", "import", "--county", "522625"); code != 2 {
		t.Errorf("missing flags: exit %d, want 2", code)
	}
	code, out, errs := cli(t, dir, "user", "create", "--username", "admin", "--role", "admin")
	var u map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &u) != nil || !strings.HasPrefix(u["api_key"], "znb_") || u["role"] != "admin" {
		t.Fatalf("user create: exit %d, %s %s", code, out, errs)
	}
	if code, _, _ := cli(t, dir, "user", "create", "--username", "x", "--role", "office"); code != 3 {
		t.Errorf("office without scope: exit %d, want 3", code)
	}

	if code, out, errs := cli(t, dir, "gen", "households", "--county", "522625", "--households", "25", "-o", list); code != 0 {
		t.Fatalf("gen: exit %d %s %s", code, out, errs)
	}
	code, out, errs = cli(t, dir, "list", "import", "--county", "522625", "--effective", "2024-01-01", list)
	var imp struct {
		ListID     *int64 `json:"list_id"`
		Households int    `json:"households"`
		Rejected   []any  `json:"rejected"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &imp) != nil || imp.ListID == nil || imp.Households != 25 {
		t.Fatalf("list import: exit %d, %s %s", code, out, errs)
	}

	// A list with a broken check digit is refused with exit 3 and a report.
	b, _ := os.ReadFile(list)
	lines := strings.Split(string(b), "\n")
	f := strings.Split(lines[2], ",")
	last := f[5][17]
	f[5] = f[5][:17] + map[bool]string{true: "1", false: "2"}[last != '1']
	lines[2] = strings.Join(f, ",")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644)
	code, out, _ = cli(t, dir, "list", "import", "--county", "522625", "--effective", "2024-01-01", bad)
	var rej struct {
		ListID   *int64 `json:"list_id"`
		Rejected []struct {
			Row  int    `json:"row"`
			Code string `json:"code"`
		} `json:"rejected"`
	}
	if code != 3 || json.Unmarshal([]byte(out), &rej) != nil || rej.ListID != nil || len(rej.Rejected) != 1 ||
		rej.Rejected[0].Row != 3 || rej.Rejected[0].Code != "id_check_digit" {
		t.Errorf("bad list: exit %d, %s; want 3 with row 3 id_check_digit", code, out)
	}

	if code, out, _ := cli(t, dir, "audit", "verify"); code != 0 || !strings.Contains(out, `"intact": true`) {
		t.Errorf("audit verify on an intact chain: exit %d %s", code, out)
	}
	db, err := store.Open("sqlite:" + filepath.Join(dir, "znb.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Gorm(t.Context()).Exec("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
	db.Close()
	code, out, _ = cli(t, dir, "audit", "verify")
	if code != 1 || !strings.Contains(out, `"first_broken": 1`) {
		t.Errorf("audit verify on a tampered chain: exit %d %s, want 1 naming entry 1", code, out)
	}
}
