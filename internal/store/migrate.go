package store

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/migrations"
)

var tokens = map[string]map[string]string{
	SQLite: {"{{PK}}": "INTEGER PRIMARY KEY AUTOINCREMENT", "{{TABLE}}": "", "{{KEYED}}": "WITHOUT ROWID"},
	MySQL: {"{{PK}}": "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
		"{{TABLE}}": "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
		"{{KEYED}}": "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"},
}

// programs move the data of the migrations that need more than SQL, after
// the file's statements.
var programs = map[string]func(db *DB, tx *gorm.DB) error{
	"0024_settlement_sets.sql": moveSettlements,
}

// Migrate applies the embedded migrations not yet applied, in name order, and
// returns the names it applied. Each file runs in its own transaction where
// the engine allows (MySQL commits DDL implicitly, so a failed file there is
// reported by name for the operator to repair).
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ran, err := db.migrate(ctx, "")
	if err != nil {
		return ran, err
	}
	db.startChainer()
	return ran, nil
}

// migrate applies the migrations not yet applied up to the file named last
// (all when last is empty).
func (db *DB) migrate(ctx context.Context, last string) ([]string, error) {
	g := db.gorm.WithContext(ctx)
	if err := g.Exec(db.dialect(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version VARCHAR(128) NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL) {{TABLE}}`)).Error; err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var done []string
	if err := g.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	applied := map[string]bool{}
	for _, v := range done {
		applied[v] = true
	}
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ran []string
	for _, name := range names {
		if last != "" && name > last {
			break
		}
		if applied[name] {
			continue
		}
		body, err := migrations.FS.ReadFile(name)
		if err != nil {
			return ran, err
		}
		err = g.Transaction(func(tx *gorm.DB) error {
			for _, stmt := range statements(db.dialect(string(body))) {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
			if p := programs[name]; p != nil {
				if err := p(db, tx); err != nil {
					return err
				}
			}
			return tx.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", name, db.nowMS()).Error
		})
		if err != nil {
			return ran, fmt.Errorf("migration %s: %w", name, err)
		}
		ran = append(ran, name)
	}
	return ran, nil
}

// dropIndexOn is MySQL's DROP INDEX, which names the table; SQLite's does
// not take it.
var dropIndexOn = regexp.MustCompile(`(?i)\bDROP INDEX (\w+) ON \w+`)

func (db *DB) dialect(sql string) string {
	for k, v := range tokens[db.Dialect] {
		sql = strings.ReplaceAll(sql, k, v)
	}
	if db.Dialect == SQLite {
		sql = dropIndexOn.ReplaceAllString(sql, "DROP INDEX $1")
	}
	return sql
}

// statements splits a migration file on semicolons that end a line, after
// dropping "--" comment lines.
func statements(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			s := strings.TrimSpace(cur.String())
			out = append(out, strings.TrimSuffix(s, ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
