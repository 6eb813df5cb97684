package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestRegionLoadCommand loads the sample region file, refuses a bad one
// with exit status 3 and its rows, and shows by loading the sample again
// that the refused file stored nothing.
func TestRegionLoadCommand(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		sample := filepath.Join("..", "..", "configs", "regions", "522625.csv")
		type result struct {
			Regions, Inserted, Updated, Unchanged int
			Rejected                              []struct {
				Row          int
				Column, Code string
			}
		}
		load := func(path string, status int) result {
			t.Helper()
			code, out, errs := cliOn(t, dsn, dir, "region", "load", path)
			var r result
			if code != status || json.Unmarshal([]byte(out), &r) != nil {
				t.Fatalf("region load %s: exit %d, want %d; %s %s", path, code, status, out, errs)
			}
			return r
		}
		if r := load(sample, 0); r.Regions != 1 || r.Inserted != 1 {
			t.Errorf("sample: %+v", r)
		}
		bad := filepath.Join(dir, "bad.csv")
		if err := os.WriteFile(bad, []byte("区划代码,名称\n522625,镇远\n5226251,某乡\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := load(bad, 3); len(r.Rejected) != 1 || r.Rejected[0].Row != 3 || r.Rejected[0].Code != "region_format" {
			t.Errorf("bad file: %+v", r)
		}
		if r := load(sample, 0); r.Unchanged != 1 || r.Updated != 0 {
			t.Errorf("sample again: %+v, want it unchanged", r)
		}
		if code, _, _ := cliOn(t, dsn, dir, "region", "load"); code != 2 {
			t.Errorf("no file: exit %d, want 2", code)
		}
	})
}
