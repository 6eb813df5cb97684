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
	summaries["backup"] = "服务运行中把 SQLite 数据库完整复制成一个备份文件（MariaDB/MySQL 用数据库自带的工具，见 docs/backup.md）"
	summaries["restore"] = "把 backup 做的备份文件恢复为当前配置的 SQLite 数据库（先停服务），并核对审计链"
}

// backup writes a consistent copy of the SQLite database while the service
// runs (docs/backup.md).
func backup(ctx context.Context, e *env, args []string) error {
	fs := flags("backup")
	out := fs.String("o", "", "备份文件的路径（所在文件夹须已存在；已有同名文件会被替换）")
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
	force := fs.Bool("force", false, "数据库里已有数据时也替换它（原库将被覆盖，请先确认）")
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
