// Package storetest opens fresh, migrated databases for tests: one SQLite file
// and, when ZNB_TEST_MYSQL names a server (go-sql-driver DSN without a
// database, e.g. "root:@tcp(127.0.0.1:3306)/"), one new MySQL/MariaDB
// database that is dropped when the test ends.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/zhunongbao/zhunongbao/internal/store"
)

var seq atomic.Int64

// Now is the fixed clock every test database starts with.
var Now = time.Date(2024, 6, 15, 10, 0, 0, 0, time.UTC)

// Each runs fn once per engine as a subtest named "sqlite" or "mysql".
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	EachDSN(t, func(t *testing.T, dsn string) { fn(t, open(t, dsn)) })
}

// SQLite opens a fresh migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, sqliteDSN(t))
}

func sqliteDSN(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "test.db") }

// MySQL creates a fresh migrated database on the ZNB_TEST_MYSQL server, or
// returns nil when the variable is unset.
func MySQL(t testing.TB) *store.DB {
	t.Helper()
	dsn := MySQLDSN(t)
	if dsn == "" {
		return nil
	}
	return open(t, dsn)
}

// EachDSN runs fn once per engine as a subtest named "sqlite" or "mysql",
// with the ZNB_DB form of a fresh, empty database, for tests of programs
// that open the database themselves.
func EachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run(store.SQLite, func(t *testing.T) { fn(t, sqliteDSN(t)) })
	t.Run(store.MySQL, func(t *testing.T) {
		dsn := MySQLDSN(t)
		if dsn == "" {
			t.Skip("ZNB_TEST_MYSQL is unset")
		}
		fn(t, dsn)
	})
}

// MySQLDSN creates a fresh, empty database on the ZNB_TEST_MYSQL server,
// dropped when the test ends, and returns its ZNB_DB form ("mysql:DSN");
// "" when the variable is unset.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	server := os.Getenv("ZNB_TEST_MYSQL")
	if server == "" {
		return ""
	}
	base, params, _ := strings.Cut(server, "?")
	base = base[:strings.LastIndex(base, "/")+1]
	name := fmt.Sprintf("znbtest_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create database on %s: %v (is MariaDB running?)", base, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("mysql", base)
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name)
			a.Close()
		}
	})
	dsn := "mysql:" + base + name
	if params != "" {
		dsn += "?" + params
	}
	return dsn
}

// AuditKey is the audit key every test database signs its trail with.
const AuditKey = "test audit key"

func open(t testing.TB, dsn string) *store.DB { return Open(t, dsn) }

// Open opens and migrates the database dsn (one EachDSN gave), closed when
// the test ends; opening it twice makes two processes of one database.
func Open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return Now }
	db.SetAuditKey(AuditKey)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}
