package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
)

// TestUserCommands: user disable, enable and rotate-key change the account
// at once and print it; the rotated key is printed once.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ZNB_AUDIT_KEY", "cli test key")
	code, out, errs := cli(t, dir, "user", "create", "--username", "office-a", "--role", "office", "--scope", "522625")
	var u struct {
		Username, Role, Scope string
		Disabled              bool
		APIKey                string `json:"api_key"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &u) != nil {
		t.Fatalf("user create: %d %s %s", code, out, errs)
	}
	old := u.APIKey
	db := func() *store.DB {
		db, err := store.Open("sqlite:" + filepath.Join(dir, "znb.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}()
	works := func(key string) bool { _, err := db.UserByKey(t.Context(), key); return err == nil }
	for _, step := range []struct {
		args     []string
		disabled bool
	}{{[]string{"user", "disable", "office-a"}, true}, {[]string{"user", "enable", "office-a"}, false}} {
		code, out, errs := cli(t, dir, step.args...)
		u.Disabled = !step.disabled
		if code != 0 || json.Unmarshal([]byte(out), &u) != nil || u.Disabled != step.disabled || u.Scope != "522625" {
			t.Fatalf("%v: %d %s %s", step.args, code, out, errs)
		}
		if works(old) == step.disabled {
			t.Errorf("after %v the key works: %v", step.args, !step.disabled)
		}
	}
	code, out, errs = cli(t, dir, "user", "rotate-key", "office-a")
	if code != 0 || json.Unmarshal([]byte(out), &u) != nil || u.APIKey == "" || u.APIKey == old {
		t.Fatalf("rotate-key: %d %s %s", code, out, errs)
	}
	if works(old) || !works(u.APIKey) {
		t.Errorf("after rotation: old key works %v, new key works %v", works(old), works(u.APIKey))
	}
	if code, _, _ := cli(t, dir, "user", "disable"); code != 2 {
		t.Errorf("user disable without a name: exit %d, want 2", code)
	}
	if code, _, _ := cli(t, dir, "user", "enable", "nobody"); code != 1 {
		t.Errorf("user enable nobody: exit %d, want 1", code)
	}
}

// TestAuditCommands: audit checkpoint prints a signed line; audit verify
// with it passes, and fails once the tail is deleted and the head moved; a
// direct UPDATE of a certificate's premium is named.
func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ZNB_AUDIT_KEY", "cli test key")
	issueThisYear(t, dir, "ZY-CP-001", 20, nil)
	code, out, errs := cli(t, dir, "audit", "checkpoint")
	var cp struct {
		Checkpoint string
		Entries    int64
	}
	if code != 0 || json.Unmarshal([]byte(out), &cp) != nil || !strings.HasPrefix(cp.Checkpoint, "ZNB1.") || cp.Entries < 5 {
		t.Fatalf("audit checkpoint: %d %s %s", code, out, errs)
	}
	if code, out, errs := cli(t, dir, "audit", "verify", "--checkpoint", cp.Checkpoint); code != 0 ||
		!strings.Contains(out, `"intact": true`) || !strings.Contains(out, `"checkpoint": "ok"`) || !strings.Contains(out, `"keyed": true`) {
		t.Fatalf("audit verify with checkpoint: %d %s %s", code, out, errs)
	}
	db, err := store.Open("sqlite:" + filepath.Join(dir, "znb.db"))
	if err != nil {
		t.Fatal(err)
	}
	var no string
	db.Gorm(t.Context()).Raw("SELECT certificate_no FROM certificates ORDER BY id LIMIT 1").Scan(&no)
	db.Gorm(t.Context()).Exec("UPDATE certificates SET premium = 1 WHERE certificate_no = ?", no)
	db.Close()
	code, out, _ = cli(t, dir, "audit", "verify")
	if code != 1 || !strings.Contains(out, `"certificate:`+no+`"`) {
		t.Errorf("certificate premium updated: exit %d %s, want 1 naming %s", code, out, no)
	}
	db, _ = store.Open("sqlite:" + filepath.Join(dir, "znb.db"))
	g := db.Gorm(t.Context())
	g.Exec("UPDATE certificates SET premium = 0 WHERE certificate_no = ?", no) // not what it was: stays named
	g.Exec("DELETE FROM audit_log WHERE seq >= ?", cp.Entries-1)
	g.Exec("UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_log WHERE seq = ?) WHERE id = 1", cp.Entries-2, cp.Entries-2)
	db.Close()
	code, out, _ = cli(t, dir, "audit", "verify", "--checkpoint", cp.Checkpoint)
	if code != 1 || !strings.Contains(out, `"checkpoint": "missing"`) {
		t.Errorf("tail deleted: exit %d %s, want 1 with the checkpoint missing", code, out)
	}
}
