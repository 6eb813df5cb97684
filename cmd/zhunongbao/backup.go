package main

import (
	"context"
	"fmt"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
)

func init() {
	commands["backup"] = command{"-o FILE", backup}
	commands["restore"] = command{"FILE [--force]", restore}
}

// backup writes a consistent copy of the SQLite database while the service
// runs (docs/backup.md).
func backup(ctx context.Context, e *env, args []string) error {
	fs := flags("backup")
	out := fs.String("o", "", "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(pos) != 0 {
		return usagef("须用 -o 给出备份文件")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	size, err := db.Backup(ctx, *out)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"file": *out, "bytes": size, "took_ms": time.Since(start).Milliseconds()})
}

// restore puts an SQLite backup in place of the configured database, with
// the service stopped, and verifies its audit chain.
func restore(ctx context.Context, e *env, args []string) error {
	fs := flags("restore")
	force := fs.Bool("force", false, "")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("须给出一个备份文件")
	}
	size, err := store.Restore(ctx, pos[0], e.cfg.DB, *force)
	if err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	broken, checked, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if broken != 0 {
		return fmt.Errorf("恢复的数据库审计链在第 %d 条记录处断开", broken)
	}
	return e.print(map[string]any{"restored": e.cfg.DB, "from": pos[0], "bytes": size, "audit_intact": true, "audit_checked": checked})
}
