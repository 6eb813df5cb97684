package store_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/policy"
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
		want := map[string]string{"settlement_sets": "settlement_sets_household", "claims": "claims_household"}
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

// TestApprovalCountsOwnWarnings: the evaluation after an approval that
// raises a warning counts the warnings of the claim's household, not of the
// whole county: counting the county's made every approval slower as its
// warnings grew (a county of 300,000 persons holds tens of thousands).
func TestApprovalCountsOwnWarnings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		warningWorld(t, db)
		cs, err := db.FindCertificates(ctx, znb.System, "W2", "")
		if err != nil || len(cs) != 1 {
			t.Fatalf("certificate of W2: %v %v", cs, err)
		}
		c, err := db.ReportClaim(ctx, clerk, store.ClaimReport{CertificateNo: cs[0].No, Line: znb.Property,
			IncidentDate: znb.MustDate("2024-06-01"), ReportedOn: znb.MustDate("2024-06-01"), Cause: "火灾"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssessClaim(ctx, adjuster, c.No, &claim.Form{StructureLoss: "6000.00"}, ""); err != nil {
			t.Fatal(err)
		}
		sent := recordQueries(t, db, func() error {
			_, err := db.ApproveClaim(ctx, approver, c.No, "")
			return err
		})
		counts := 0
		for _, q := range sent {
			if !strings.Contains(q.sql, "FROM `warnings`") || !strings.Contains(strings.ToLower(q.sql), "count(") {
				continue
			}
			counts++
			if !strings.Contains(q.sql, "household_no") {
				t.Errorf("counts every warning of the county: %s", q.sql)
			}
		}
		if counts == 0 {
			t.Fatal("the approval counted no warnings: it raised none, and the test no longer covers the count")
		}
		ws, _, err := db.ListWarnings(ctx, znb.Actor{Username: "office", Role: znb.Office, Scope: "522625"}, store.WarningQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(ws); !slices.Contains(got, "W2 large_loss") {
			t.Errorf("warnings %v, want W2 large_loss raised by the approval", got)
		}
	})
}

// TestFeedReadsByIndex: every read a feed sends of the tables it looks up
// by key goes through an index, on tables just loaded whose statistics
// still describe them as they were (nothing is analysed). Asked for a
// group of households' settlements not yet in a claim, both planners took
// an index on the claim number, which visited every such settlement of the
// county once for each group of households; MariaDB, its statistics saying
// the tables held a row or two, found the persons of each chunk of the file
// by walking every certificate of the agreement and checked the settlement
// numbers by walking the whole number index: a county's feed took time in
// the square of its size.
func TestFeedReadsByIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newClaimWorld(t, db, "fpb-household")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		// Settlements of people the county does not insure give the
		// table some size.
		rows := []string{settlementLine("JS-1", pHead1, "张三丰", "2024-05-01", "2000.00", "0"),
			settlementLine("JS-2", pSpouse1, "李四", "2024-05-02", "2000.00", "0")}
		for p := 500; p < 900; p++ {
			rows = append(rows, settlementLine(fmt.Sprintf("JS-X%d", p), p, "王五", "2024-05-01", "100.00", "0"))
		}
		if _, err := feed(t, db, office, rows...); err != nil {
			t.Fatal(err)
		}
		sent := recordQueries(t, db, func() error {
			res, err := feed(t, db, office, settlementLine("JS-3", pHead1, "张三丰", "2024-05-03", "3000.00", "0"),
				settlementLine("JS-4", pHead2, "王五", "2024-05-03", "6000.00", "0"),
				settlementLine("JS-5", pHead4, "赵六", "2024-05-03", "100.00", "0"))
			if err == nil && len(res.Opened) != 2 {
				t.Errorf("opened %v, want H1's and H2's claims", res.Opened)
			}
			return err
		})
		// the indexes each table may be read through
		keyed := map[string][]string{
			"settlement_sets":     {"settlement_sets_household"},
			"settlement_numbers":  {"PRIMARY"},
			"certificate_members": {"certificate_members_id_number", "certificate_members_cover"},
			"certificates":        {"certificates_no", "certificates_agreement_household"},
			"claims":              {"claims_no", "claims_subject", "claims_household"},
			"claim_limits":        {"claim_limits_subject"},
			"claim_accruals":      {"claim_accruals_subject"},
		}
		read := map[string]bool{}
		for _, q := range sent {
			for table, got := range planIndexes(t, db, q.sql, q.vars) {
				allowed, ok := keyed[table]
				if !ok {
					continue
				}
				read[table] = true
				if !slices.Contains(allowed, got) {
					t.Errorf("%s\nreads %s through %q, want one of %v", q.sql, table, got, allowed)
				}
			}
		}
		for table := range keyed {
			if !read[table] {
				t.Errorf("the feed did not read %s; the test no longer covers it", table)
			}
		}
	})
}

// TestPaymentsReadByIndex: loading a county's bank accounts and building a
// payment batch read certificates and accounts by household through their
// household indexes. Right after a county's bulk load MariaDB read about
// 12,000 certificates for each chunk of 500 accounts (20 s for a county of
// 75,000 households), and the batch read every account of the province for
// each chunk of claims, its query naming no county.
func TestPaymentsReadByIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		if _, err := db.ApproveClaim(ctx, approver, w.assessed(t, db, "H1", "2024-05-10", "3000.00"), ""); err != nil {
			t.Fatal(err)
		}
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		sent := recordQueries(t, db, func() error {
			_, err := db.LoadAccounts(ctx, office, claimCounty, storetest.File(t, storetest.WriteFile(t, "acc.csv",
				"户编号,户名,账号,开户行\nH1,张三丰,6222021234567894,镇远农商行\nH2,王五,12345678901234,镇远农商行\n")))
			if err != nil {
				return err
			}
			today := znb.DateOf(db.Now().In(znb.CST))
			b, err := db.BuildBatch(ctx, clerk, disaster.BatchQuery{From: today, To: today}, nil)
			if err == nil && (len(b.Items) != 1 || b.Items[0].Account != "6222021234567894") {
				t.Errorf("batch items %+v, want H1's claim to H1's account", b.Items)
			}
			return err
		})
		want := map[string]string{"certificates": "certificates_household", "bank_accounts": "bank_accounts_household"}
		read := map[string]bool{}
		for _, q := range sent {
			if !strings.Contains(q.sql, "household_no IN") {
				continue
			}
			for table, got := range planIndexes(t, db, q.sql, q.vars) {
				if index, ok := want[table]; ok {
					read[table] = true
					if got != index {
						t.Errorf("%s\nreads %s through %q, want %s", q.sql, table, got, index)
					}
				}
			}
		}
		if len(read) != len(want) {
			t.Fatalf("read %v by household, want %v", read, want)
		}
	})
}

// TestVillageCardsReadByIndex: a village's certificates (its card file)
// are read through the index led by agreement and village. Through the
// agreement's household index, each village's file read every certificate
// from the village's first household to the county's last.
func TestVillageCardsReadByIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newClaimWorld(t, db, "znb-standard")
		var got []string
		sent := recordQueries(t, db, func() error {
			return db.EachCertificate(context.Background(), w.agreementID, claimCounty+"101001", func(c *policy.Certificate) error {
				got = append(got, c.HouseholdNo)
				return nil
			})
		})
		if want := []string{"H1", "H2"}; !slices.Equal(got, want) {
			t.Errorf("village 101001: %v, want %v in household order", got, want)
		}
		read := false
		for _, q := range sent {
			if index, ok := planIndexes(t, db, q.sql, q.vars)["certificates"]; ok {
				read = true
				if index != "certificates_agreement_village" {
					t.Errorf("%s\nreads certificates through %q, want certificates_agreement_village", q.sql, index)
				}
			}
		}
		if !read {
			t.Fatal("no read of certificates recorded")
		}
	})
}

// TestClaimReadsMembersByPerson: a claim's report and assessment read what
// the latest list says of the claim's member through the ID number index.
// Through the index led by the list, SQLite read the county's whole latest
// list for each group of reports: a county of 300,000 persons took 20 ms a
// claim instead of 5.
func TestClaimReadsMembersByPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		var no string
		sent := recordQueries(t, db, func() error {
			c, err := db.ReportClaim(ctx, clerk, w.report(znb.Accident, "H1", pHead1, "2024-05-10", "意外伤害"))
			if err != nil {
				return err
			}
			no = c.No
			_, err = db.AssessClaim(ctx, adjuster, no, &claim.Form{Outcome: "disability", Injuries: []claim.Injury{{Grade: 9}}}, "")
			return err
		})
		reads := 0
		for _, q := range sent {
			if !strings.Contains(q.sql, "id_number") {
				continue
			}
			// A group of reports asks for several persons at once; with
			// one, SQLite took the ID number index either way.
			if one := "id_number IN (?)"; strings.Contains(q.sql, one) {
				q.sql = strings.Replace(q.sql, one, "id_number IN (?,?,?)", 1)
				q.vars = append(q.vars, idn(claimCounty, pSpouse1), idn(claimCounty, pHead2))
			}
			if index, ok := planIndexes(t, db, q.sql, q.vars)["members"]; ok {
				reads++
				if index != "members_id_number" {
					t.Errorf("%s\nreads members through %q, want members_id_number", q.sql, index)
				}
			}
		}
		if reads < 2 {
			t.Fatalf("%d reads of members by ID number recorded, want the report's and the assessment's", reads)
		}
	})
}

// aliased finds the aliases of a query's tables: FROM t x, JOIN t AS x.
var aliased = regexp.MustCompile(`(?:FROM|JOIN) (\w+)(?: AS)? (\w+)\b`)

// planIndexes returns the index through which the engine's plan of the
// query reads each table ("" for the whole table, or the whole of an index).
func planIndexes(t *testing.T, db *store.DB, q string, vars []any) map[string]string {
	t.Helper()
	aliases := map[string]string{}
	for _, m := range aliased.FindAllStringSubmatch(q, -1) {
		aliases[m[2]] = m[1]
	}
	out := map[string]string{}
	for _, row := range planRows(t, db, q, vars) {
		table, index := row["table"], row["key"]
		if db.Dialect == store.MySQL && (row["type"] == "ALL" || row["type"] == "index") {
			index = "" // the whole table, or the whole of an index
		}
		if db.Dialect != store.MySQL {
			// SEARCH m USING [COVERING] INDEX x (…); SCAN t
			f := strings.Fields(row["detail"])
			if len(f) < 2 || (f[0] != "SEARCH" && f[0] != "SCAN") {
				continue
			}
			table, index = f[1], ""
			if i := slices.Index(f, "INDEX"); f[0] == "SEARCH" && i > 0 && i+1 < len(f) {
				index = f[i+1]
			} else if f[0] == "SEARCH" && slices.Contains(f, "PRIMARY") {
				index = "PRIMARY" // a WITHOUT ROWID table's key, as MySQL names it
			}
		}
		if a, ok := aliases[table]; ok {
			table = a
		}
		out[table] = index
	}
	return out
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
		if err := db.Gorm(context.Background()).Exec("ANALYZE TABLE settlement_sets, claims").Error; err != nil {
			t.Fatal(err)
		}
	}
}

// explain returns the indexes the engine's plan of the query uses: MySQL's
// key column, SQLite's plan details.
func explain(t *testing.T, db *store.DB, q string, vars []any) string {
	t.Helper()
	var out []string
	for _, row := range planRows(t, db, q, vars) {
		out = append(out, row["key"], row["detail"])
	}
	return strings.Join(out, " ")
}

// planRows returns the rows of the engine's plan of the query, as
// queryRows.
func planRows(t *testing.T, db *store.DB, q string, vars []any) []map[string]string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if db.Dialect == store.MySQL {
		prefix = "EXPLAIN "
	}
	return queryRows(t, db, prefix+q, vars...)
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
		no := w.assessed(t, db, "H1", "2024-05-20", "6000.00")
		if err := db.Gorm(ctx).Exec("DROP TABLE warnings").Error; err != nil {
			t.Fatal(err)
		}
		got, err := db.ApproveClaim(ctx, approver, no, "")
		if err != nil || got.Status != claim.Approved {
			t.Fatalf("approval answered %v, %v", got, err)
		}
		if again, err := db.GetClaim(ctx, approver, no); err != nil || again.Status != claim.Approved {
			t.Fatalf("stored as %v, %v", again, err)
		}
	})
}
