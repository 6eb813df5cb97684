package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// issueBenchDB opens a fresh database of the engine with the million-member
// list imported and an active agreement over it; nil when MySQL is not
// configured.
func issueBenchDB(b *testing.B, engine string) (*store.DB, int64, int64) {
	b.Helper()
	path, _ := millionList(b)
	db := storetest.SQLite(b)
	if engine == store.MySQL {
		if db = storetest.MySQL(b); db == nil {
			b.Skip("ZNB_TEST_MYSQL is unset")
		}
	}
	ctx := context.Background()
	if _, err := db.SeedProducts(ctx, filepath.Join("..", "..", "configs", "products")); err != nil {
		b.Fatal(err)
	}
	a, err := db.CreateAgreement(ctx, znb.System, issueAgreementYAML("BENCH-1"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ActivateAgreement(ctx, znb.System, a.ID); err != nil {
		b.Fatal(err)
	}
	imp, err := db.ImportList(ctx, znb.System, storetest.File(b, path), store.ImportOptions{County: issueCounty, Effective: eff1})
	if err != nil {
		b.Fatal(err)
	}
	return db, a.ID, imp.List.ID
}

// BenchmarkIssueMillion issues the agreement over a list of about a million
// members (the figure of docs/issuance.md). Run with -benchtime 1x: the
// setup imports the list untimed for each engine.
func BenchmarkIssueMillion(b *testing.B) {
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			persons := 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, agreementID, listID := issueBenchDB(b, engine)
				resetPeakRSS()
				b.StartTimer()
				res, err := db.Issue(context.Background(), znb.System, agreementID, listID, store.IssueOptions{})
				if err != nil {
					b.Fatal(err)
				}
				persons = res.Persons
				fmt.Fprintf(os.Stderr, "issue %s: %d certificates, %d persons, premium %s, %d excluded\n",
					engine, res.Certificates, res.Persons, res.Premium.StringFixed(2), len(res.Excluded))
			}
			b.ReportMetric(float64(persons)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
			b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
			fmt.Fprintf(os.Stderr, "issue %s: %.1f s\n", engine, b.Elapsed().Seconds()/float64(b.N))
		})
	}
}

// BenchmarkIssueFloor writes the very certificate and member rows a run
// issues with nothing but multi-row INSERTs in one transaction, the
// fastest way each driver takes rows (one JSON array per 2,000 rows through
// json_each on SQLite, prepared 8,000-value statements on MySQL): what
// issuing could cost if deciding, numbering, pricing, splitting, chunked
// commits, the cursor and the audit trail were free.
func BenchmarkIssueFloor(b *testing.B) {
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			persons := 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, agreementID, listID := issueBenchDB(b, engine)
				ctx := context.Background()
				if _, err := db.Issue(ctx, znb.System, agreementID, listID, store.IssueOptions{}); err != nil {
					b.Fatal(err)
				}
				sqlDB, err := db.Gorm(ctx).DB()
				if err != nil {
					b.Fatal(err)
				}
				certCols, certs := dumpRows(b, sqlDB, "certificates")
				coverCols, covers := dumpRows(b, sqlDB, "certificate_members")
				persons = len(covers)
				for _, t := range []string{"certificates", "certificate_members"} {
					if _, err := sqlDB.Exec("DELETE FROM " + t); err != nil {
						b.Fatal(err)
					}
				}
				// The same connection set-up as a bulk transaction (BulkTx).
				conn, err := sqlDB.Conn(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if db.Dialect == store.SQLite {
					conn.ExecContext(ctx, "PRAGMA temp_store = FILE")
				}
				b.StartTimer()
				tx, err := conn.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				floorInsert(b, tx, db.Dialect, "certificates", certCols, certs)
				floorInsert(b, tx, db.Dialect, "certificate_members", coverCols, covers)
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				conn.Close()
			}
			b.ReportMetric(float64(persons)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
			fmt.Fprintf(os.Stderr, "floor %s: %d covers in %.1f s\n", engine, persons, b.Elapsed().Seconds()/float64(b.N))
		})
	}
}

// dumpRows reads every row of a table but its id, as text.
func dumpRows(b *testing.B, db *sql.DB, table string) ([]string, [][]any) {
	rows, err := db.Query("SELECT * FROM " + table + " ORDER BY id")
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		row := make([]any, 0, len(cols)-1)
		for i, v := range vals[1:] {
			if !v.Valid {
				row = append(row, nil)
				continue
			}
			s := v.String
			if len(s) > 10 && strings.HasSuffix(s, "T00:00:00Z") && cols[i+1] != "certificate_no" {
				s = s[:10] // a DATE read back by the MySQL driver
			}
			row = append(row, s)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return cols[1:], out
}

func floorInsert(b *testing.B, tx *sql.Tx, dialect, table string, cols []string, rows [][]any) {
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") "
	if dialect == store.SQLite {
		sel := make([]string, len(cols))
		for i := range cols {
			sel[i] = fmt.Sprintf("json_extract(value, '$[%d]')", i)
		}
		q := head + "SELECT " + strings.Join(sel, ", ") + " FROM json_each(?)"
		for i := 0; i < len(rows); i += 2000 {
			j, _ := json.Marshal(rows[i:min(i+2000, len(rows))])
			if _, err := tx.Exec(q, string(j)); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	per := 8000 / len(cols)
	values := func(n int) string { return strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") }
	full, err := tx.Prepare(head + "VALUES " + values(per))
	if err != nil {
		b.Fatal(err)
	}
	defer full.Close()
	args := make([]any, 0, per*len(cols))
	for i := 0; i < len(rows); i += per {
		part := rows[i:min(i+per, len(rows))]
		args = args[:0]
		for _, r := range part {
			args = append(args, r...)
		}
		if len(part) == per {
			_, err = full.Exec(args...)
		} else {
			_, err = tx.Exec(head+"VALUES "+values(len(part)), args...)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
