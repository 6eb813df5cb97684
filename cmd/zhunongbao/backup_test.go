package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestBackupRestore backs an insured county up through the command line,
// restores it into another database and runs audit verify there; a second
// restore over it is refused without --force. MySQL/MariaDB backups are
// the database's own tools: the command says so.
func TestBackupRestore(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		file := filepath.Join(dir, "backup.db")
		if dsn[:6] == "mysql:" {
			code, out, _ := cliOn(t, dsn, dir, "backup", "-o", file)
			if code != 3 || !json.Valid([]byte(out)) || errCode(out) != "sqlite_only" {
				t.Errorf("backup of MySQL: exit %d %s; want 3 sqlite_only", code, out)
			}
			return
		}
		issueThisYear(t, dir, "ZY-B", 20, nil)
		if code, out, errs := cli(t, dir, "backup", "-o", file); code != 0 {
			t.Fatalf("backup: exit %d %s %s", code, out, errs)
		}
		code, out, errs := cli(t, dir, "audit", "verify")
		var live struct{ Checked int64 }
		if json.Unmarshal([]byte(out), &live); code != 0 || live.Checked == 0 {
			t.Fatalf("audit verify on the live database: exit %d %s %s", code, out, errs)
		}
		other := "sqlite:" + filepath.Join(dir, "restored", "znb.db")
		code, out, errs = cliOn(t, other, dir, "restore", file)
		var res struct {
			AuditIntact  bool  `json:"audit_intact"`
			AuditChecked int64 `json:"audit_checked"`
		}
		json.Unmarshal([]byte(out), &res)
		if code != 0 || !res.AuditIntact || res.AuditChecked != live.Checked {
			t.Fatalf("restore: exit %d %s %s", code, out, errs)
		}
		if code, out, errs := cliOn(t, other, dir, "audit", "verify"); code != 0 {
			t.Errorf("audit verify on the restored copy: exit %d %s %s", code, out, errs)
		}
		if code, _, _ := cliOn(t, other, dir, "restore", file); code == 0 {
			t.Error("a restore over a database with tables went ahead without --force")
		}
		if code, out, errs := cliOn(t, other, dir, "restore", "--force", file); code != 0 {
			t.Errorf("restore --force: exit %d %s %s", code, out, errs)
		}
	})
}

func errCode(out string) string {
	var e struct {
		Error struct{ Code string }
	}
	json.Unmarshal([]byte(out), &e)
	return e.Error.Code
}
