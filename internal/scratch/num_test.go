package scratch

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
)

func TestNumbers(t *testing.T) {
	for _, mode := range []string{"rowid", "without"} {
		db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=page_size(16384)&_pragma=cache_size(-65536)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		ddl := "CREATE TABLE n (no VARCHAR(64) NOT NULL PRIMARY KEY, feed BIGINT NOT NULL)"
		if mode == "without" {
			ddl += " WITHOUT ROWID"
		}
		if _, err := db.Exec(ddl); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		tx, _ := db.Begin()
		for i := 0; i < 1_000_000; i += 1000 {
			var b strings.Builder
			b.WriteString("INSERT INTO n (no, feed) VALUES ")
			for j := i; j < i+1000; j++ {
				if j > i {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "('JS%09d',1)", (j*7919)%1_000_000)
			}
			if _, err := tx.Exec(b.String()); err != nil {
				t.Fatal(err)
			}
		}
		tx.Commit()
		ins := time.Since(start)
		start = time.Now()
		for i := 0; i < 1_000_000; i += 500 {
			args := make([]any, 500)
			for j := range args {
				args[j] = fmt.Sprintf("JS%09d", i+j+5000)
			}
			rows, err := db.Query("SELECT no FROM n WHERE no IN (?"+strings.Repeat(",?", 499)+")", args...)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
		t.Logf("%s: insert 1M %v, lookup 1M %v", mode, ins, time.Since(start))
		db.Close()
	}
}
