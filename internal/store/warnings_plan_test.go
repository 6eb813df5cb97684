package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Evaluating one household's warnings (after each approval) must read that
// household's settlements and claims through the household indexes: a
// query led by the county's region prefix made MariaDB read every
// settlement of the county for each approved claim. The test records the
// queries the evaluation sends and asks each engine for their plans.
func TestHouseholdWarningsUseHouseholdIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		warningWorld(t, db)
		g := db.Gorm(ctx)
		if db.Dialect == store.MySQL {
			if err := g.Exec("ANALYZE TABLE medical_settlements, claims").Error; err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		var sent []struct {
			sql  string
			vars []any
		}
		record := func(d *gorm.DB) {
			mu.Lock()
			defer mu.Unlock()
			sent = append(sent, struct {
				sql  string
				vars []any
			}{d.Statement.SQL.String(), append([]any(nil), d.Statement.Vars...)})
		}
		if err := g.Callback().Row().After("gorm:row").Register("test:record_row", record); err != nil {
			t.Fatal(err)
		}
		if err := g.Callback().Query().After("gorm:query").Register("test:record_query", record); err != nil {
			t.Fatal(err)
		}
		_, err := db.EvaluateWarnings(ctx, "522625", "W1")
		g.Callback().Row().Remove("test:record_row")
		g.Callback().Query().Remove("test:record_query")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"medical_settlements": "medical_settlements_household", "claims": "claims_household"}
		checked := map[string]bool{}
		for _, q := range sent {
			for table, index := range want {
				if !strings.Contains(q.sql, "FROM `"+table+"`") && !strings.Contains(q.sql, "FROM "+table+" ") {
					continue
				}
				checked[table] = true
				if p := explain(t, db, q.sql, q.vars); !strings.Contains(p, index) {
					t.Errorf("%s\nplan: %s\nwant %s", q.sql, p, index)
				}
			}
		}
		if len(checked) != len(want) {
			t.Fatalf("the evaluation read %v of %v", checked, want)
		}
	})
}

// explain returns the indexes the engine's plan of the query uses: MySQL's
// key column, SQLite's plan details.
func explain(t *testing.T, db *store.DB, q string, vars []any) string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if db.Dialect == store.MySQL {
		prefix = "EXPLAIN "
	}
	rows, err := db.Gorm(context.Background()).Raw(prefix+q, vars...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if c := cols[i]; c == "key" || c == "detail" {
				out = append(out, fmt.Sprint(v))
			}
		}
	}
	return strings.Join(out, " ")
}

// An approval that has committed is answered as approved even when the
// warnings evaluation after it fails (on Galera, two nodes raising one
// household's warning at once could fail it eight times running): the
// approval stands and the next evaluation raises the warning. Here the
// evaluation fails for want of its table.
func TestApprovalStandsWhenWarningsFail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		c, err := db.ReportClaim(ctx, clerk, w.report(znb.Property, "H1", 0, "2024-05-20", "火灾"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssessClaim(ctx, adjuster, c.No, &claim.Form{StructureLoss: "6000.00"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm(ctx).Exec("DROP TABLE warnings").Error; err != nil {
			t.Fatal(err)
		}
		got, err := db.ApproveClaim(ctx, approver, c.No, "")
		if err != nil || got.Status != claim.Approved {
			t.Fatalf("approval answered %v, %v", got, err)
		}
		if again, err := db.GetClaim(ctx, approver, c.No); err != nil || again.Status != claim.Approved {
			t.Fatalf("stored as %v, %v", again, err)
		}
	})
}
