package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestImportCrossCountyNamesCountyOnly: a person already listed by another
// county is reported with that county, never with its list id or household
// number, on stdout and in the log.
func TestImportCrossCountyNamesCountyOnly(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	if code, out, errs := cli(t, dir, "gen", "households", "--county", "522625", "--households", "3", "-o", a); code != 0 {
		t.Fatalf("gen: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := cli(t, dir, "list", "import", "--county", "522625", "--effective", "2024-01-01", a); code != 0 {
		t.Fatalf("import a: exit %d %s %s", code, out, errs)
	}
	b, _ := os.ReadFile(a)
	lines := strings.Split(string(b), "\n")
	f := strings.Split(lines[1], ",") // the head of the first household
	foreignHousehold := f[0]
	f[0], f[1] = "K1", "522626"+f[1][6:]
	moved := filepath.Join(dir, "b.csv")
	os.WriteFile(moved, []byte(lines[0]+"\n"+strings.Join(f, ",")+"\n"), 0o644)

	code, out, errs := cli(t, dir, "list", "import", "--county", "522626", "--effective", "2024-01-01", moved)
	var imp struct {
		CrossCounty []map[string]any `json:"cross_county"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &imp) != nil || len(imp.CrossCounty) != 1 {
		t.Fatalf("import b: exit %d %s %s; want one cross-county warning", code, out, errs)
	}
	var keys []string
	for k := range imp.CrossCounty[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got := strings.Join(keys, ","); got != "county,id_number,name,row" || imp.CrossCounty[0]["county"] != "522625" {
		t.Errorf("warning = %v, want row, id_number, name and county 522625 only", imp.CrossCounty[0])
	}
	if strings.Contains(out+errs, foreignHousehold) {
		t.Errorf("the other county's household number %s is shown:\n%s\n%s", foreignHousehold, out, errs)
	}
}
