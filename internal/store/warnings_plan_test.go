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
		analyze(t, db)
		sent := recordQueries(t, db, func() error {
			_, err := db.EvaluateWarnings(ctx, "522625", "W1")
			return err
		})
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

// TestFeedReadsSettlementsByHousehold: a feed's automatic illness claims
// read their households' settlements through the household index. Asked
// for those not yet in a claim (an empty claim number), both planners took an index
// on the claim number, which visited every such settlement of the county
// once for each group of households: a county's feed took time in the
// square of its size.
func TestFeedReadsSettlementsByHousehold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newClaimWorld(t, db, "fpb-household")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		// Settlements of people the county does not insure make the table
		// big enough for MariaDB to weigh its indexes.
		rows := []string{settlementLine("JS-1", pHead1, "张三丰", "2024-05-01", "2000.00", "0"),
			settlementLine("JS-2", pSpouse1, "李四", "2024-05-02", "2000.00", "0")}
		for p := 500; p < 900; p++ {
			rows = append(rows, settlementLine(fmt.Sprintf("JS-X%d", p), p, "王五", "2024-05-01", "100.00", "0"))
		}
		if _, err := feed(t, db, office, rows...); err != nil {
			t.Fatal(err)
		}
		analyze(t, db)
		sent := recordQueries(t, db, func() error {
			res, err := feed(t, db, office, settlementLine("JS-3", pHead1, "张三丰", "2024-05-03", "3000.00", "0"),
				settlementLine("JS-4", pHead2, "王五", "2024-05-03", "6000.00", "0"),
				settlementLine("JS-5", pHead4, "赵六", "2024-05-03", "100.00", "0"))
			if err == nil && len(res.Opened) != 2 {
				t.Errorf("opened %v, want H1's and H2's claims", res.Opened)
			}
			return err
		})
		reads := 0
		for _, q := range sent {
			if !strings.Contains(q.sql, "FROM `medical_settlements`") && !strings.Contains(q.sql, "FROM medical_settlements ") {
				continue
			}
			reads++
			p := explain(t, db, q.sql, q.vars)
			if !strings.Contains(p, "medical_settlements_household") && !strings.Contains(p, "medical_settlements_no") {
				t.Errorf("%s\nplan: %s\nwant the household or number index", q.sql, p)
			}
		}
		if reads < 3 {
			t.Fatalf("the feed read medical_settlements %d times; want the loaded check, the candidates and the group", reads)
		}
	})
}

// sentQuery is a query GORM sent, with its arguments.
type sentQuery struct {
	sql  string
	vars []any
}

// recordQueries runs fn and returns the reads GORM sent meanwhile.
func recordQueries(t *testing.T, db *store.DB, fn func() error) []sentQuery {
	t.Helper()
	g := db.Gorm(context.Background())
	var mu sync.Mutex
	var sent []sentQuery
	record := func(d *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, sentQuery{d.Statement.SQL.String(), append([]any(nil), d.Statement.Vars...)})
	}
	if err := g.Callback().Row().After("gorm:row").Register("test:record_row", record); err != nil {
		t.Fatal(err)
	}
	if err := g.Callback().Query().After("gorm:query").Register("test:record_query", record); err != nil {
		t.Fatal(err)
	}
	err := fn()
	g.Callback().Row().Remove("test:record_row")
	g.Callback().Query().Remove("test:record_query")
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

// analyze gives MariaDB's planner the statistics of the tables read, as a
// county's database has them after a day of work.
func analyze(t *testing.T, db *store.DB) {
	t.Helper()
	if db.Dialect == store.MySQL {
		if err := db.Gorm(context.Background()).Exec("ANALYZE TABLE medical_settlements, claims").Error; err != nil {
			t.Fatal(err)
		}
	}
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
