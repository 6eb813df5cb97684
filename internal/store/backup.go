package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// errOnlySQLite refuses a backup or restore of a MySQL/MariaDB database,
// whose own tools do it better (docs/backup.md).
func errOnlySQLite(what string) error {
	return znb.Errorf(znb.Invalid, "sqlite_only", "%s只适用于内置的 SQLite 数据库；MySQL/MariaDB 请用 mariadb-dump --single-transaction 或 mariabackup（见 docs/backup.md）", what)
}

// Backup writes a copy of the SQLite database to path while the service
// goes on: VACUUM INTO reads the database in one read transaction, so the
// copy is the database as it stood at one instant, every transaction in it
// whole or absent, and writers are not held up (the write-ahead log lets
// them commit beside the reader). The copy is written beside path, synced,
// then renamed over it, so path holds either the old file or a whole copy.
// It returns the copy's size in bytes.
func (db *DB) Backup(ctx context.Context, path string) (int64, error) {
	if db.Dialect != SQLite {
		return 0, errOnlySQLite("backup ")
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".backup-*")
	if err != nil {
		return 0, znb.Wrap(err, "创建备份文件")
	}
	// VACUUM INTO wants a name that does not exist yet.
	tmp.Close()
	os.Remove(tmp.Name())
	defer os.Remove(tmp.Name())
	if err := db.gorm.WithContext(ctx).Exec("VACUUM INTO ?", tmp.Name()).Error; err != nil {
		return 0, znb.Wrap(db.fullErr(err), "备份数据库")
	}
	// SQLite does not sync what VACUUM INTO writes.
	size, err := syncFile(tmp.Name())
	if err != nil {
		return 0, znb.Wrap(err, "写备份文件")
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, znb.Wrap(err, "写备份文件")
	}
	return size, znb.Wrap(syncDir(dir), "写备份文件")
}

// fullErr turns SQLite's full-disk refusal into disk_full.
func (db *DB) fullErr(err error) error {
	if isDiskFull(err) {
		return znb.ErrDiskFull(err)
	}
	return err
}

// Restore puts the SQLite backup src in place of the database dsn names.
// The service must be stopped. A database that already has tables is
// overwritten only with force. The backup is copied beside the database
// and checked there (SQLite's integrity check, and the platform's tables
// present) before it replaces it, so a bad file leaves the database as it
// was. It returns the restored size in bytes.
func Restore(ctx context.Context, src, dsn string, force bool) (int64, error) {
	kind, path, _ := strings.Cut(dsn, ":")
	if kind != SQLite {
		return 0, errOnlySQLite("restore ")
	}
	if _, err := os.Stat(src); err != nil {
		return 0, znb.Errorf(znb.Invalid, "backup_unreadable", "读不到备份文件 %s：%v", src, err)
	}
	if !force {
		n, err := tableCount(ctx, path)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			return 0, znb.Errorf(znb.Conflict, "database_not_empty", "数据库 %s 已有 %d 张表，恢复会覆盖它；确认要覆盖请加 --force（先停止服务）", path, n)
		}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, znb.Wrap(err, "创建数据库目录")
	}
	tmp, err := os.CreateTemp(dir, ".restore-*")
	if err != nil {
		return 0, znb.Wrap(err, "恢复数据库")
	}
	defer os.Remove(tmp.Name())
	size, err := copyFile(tmp, src)
	if err != nil {
		return 0, znb.Wrap(err, "复制备份文件")
	}
	if err := checkBackup(ctx, tmp.Name()); err != nil {
		return 0, err
	}
	// A log left by the old database would be replayed into the new one.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			return 0, znb.Wrap(err, "删除旧数据库的日志")
		}
	}
	// The database keeps the permissions of the one it replaces (those
	// SQLite gives a new one otherwise), not the temporary file's 0600.
	perm := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		perm = fi.Mode().Perm()
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return 0, znb.Wrap(err, "恢复数据库")
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, znb.Wrap(err, "恢复数据库")
	}
	return size, znb.Wrap(syncDir(dir), "恢复数据库")
}

// openPlain opens one SQLite file without the service's settings, for a
// look at a file that is not the service's database yet.
func openPlain(path string) (*gorm.DB, func(), error) {
	g, err := gorm.Open(sqlite.Open(path), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		return nil, nil, err
	}
	s, _ := g.DB()
	return g, func() { s.Close() }, nil
}

// tableCount is how many tables the SQLite database at path has; 0 when
// the file does not exist.
func tableCount(ctx context.Context, path string) (int64, error) {
	if fi, err := os.Stat(path); os.IsNotExist(err) || err == nil && fi.Size() == 0 {
		return 0, nil
	}
	g, done, err := openPlain(path)
	if err != nil {
		return 0, znb.Wrap(err, "打开数据库")
	}
	defer done()
	var n int64
	err = g.WithContext(ctx).Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&n).Error
	return n, znb.Wrap(err, "读取数据库")
}

// checkBackup refuses a file that is not a whole database of the platform.
func checkBackup(ctx context.Context, path string) error {
	g, done, err := openPlain(path)
	if err != nil {
		return znb.Errorf(znb.Invalid, "backup_corrupt", "备份文件打不开：%v", err)
	}
	defer done()
	var res []string
	if err := g.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&res).Error; err != nil || len(res) != 1 || res[0] != "ok" {
		return znb.Errorf(znb.Invalid, "backup_corrupt", "备份文件已损坏：%v%s", res, errText(err))
	}
	var n int64
	g.WithContext(ctx).Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('audit_head', 'claims', 'schema_migrations')").Scan(&n)
	if n != 3 {
		return znb.Errorf(znb.Invalid, "not_a_backup", "这个文件不是助农保的数据库备份")
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}

// copyFile copies src into dst, syncs and closes dst.
func copyFile(dst *os.File, src string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		dst.Close()
		return 0, err
	}
	defer in.Close()
	n, err := io.Copy(dst, in)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// syncFile syncs the file at path and returns its size.
func syncFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), f.Sync()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
