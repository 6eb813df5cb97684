package clustertest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// single is the one MariaDB server the other tests use (ZNB_TEST_MYSQL).
const single = "127.0.0.1:3306"

// BenchmarkClaimReports measures claim reports per second and their latency
// with two server processes on one MariaDB server and on the Galera cluster
// (through HAProxy), one after the other in the same run:
//
//	make bench-cluster
func BenchmarkClaimReports(b *testing.B) {
	up(b)
	for _, db := range []struct{ name, addr string }{{"mariadb", single}, {"galera", balancer}} {
		b.Run(db.name, func(b *testing.B) {
			e := setup(b, db.addr)
			k := e.users()
			certs, _ := e.issue(k)
			const warm, total, clients = 300, 5000, 16
			var (
				seq    atomic.Int64
				failed atomic.Int64
				mu     sync.Mutex
				lat    []time.Duration
			)
			// run sends n reports; the measured ones follow the warm-up
			// ones, so every report stays distinct.
			run := func(n int64, keep bool) time.Duration {
				offset := 0
				if keep {
					offset = warm
				}
				seq.Store(0)
				lat = lat[:0]
				start := time.Now()
				var wg sync.WaitGroup
				for w := range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := seq.Add(1) - 1
							if i >= n {
								return
							}
							body := report(certs, int(i)+offset)
							t0 := time.Now()
							code, out := e.call("POST", e.urls[(int(i)+w)%2]+"/api/v1/claims", k.clerk, body)
							d := time.Since(t0)
							if code != 201 {
								failed.Add(1)
								b.Logf("report %d: %d %.200s", i, code, out)
								continue
							}
							if keep {
								mu.Lock()
								lat = append(lat, d)
								mu.Unlock()
							}
						}
					}()
				}
				wg.Wait()
				return time.Since(start)
			}
			run(warm, false)
			took := run(total, true)
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			rate := float64(len(lat)) / took.Seconds()
			b.ReportMetric(rate, "reports/s")
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			fmt.Printf("%s: %d reports from %d clients over 2 processes in %.1fs: %.0f reports/s, p50 %.1f ms, p99 %.1f ms, %d failed\n",
				db.name, len(lat), clients, took.Seconds(), rate, pct(0.50), pct(0.99), failed.Load())
			if failed.Load() > 0 {
				b.Errorf("%d reports failed", failed.Load())
			}
			if db.addr == single {
				e.tableSizes("claims", "claim_events", "audit_log")
			}
		})
	}
}

// BenchmarkListImportIssue imports a generated list of about 200,000
// members (58,000 households; ZNB_BENCH_HOUSEHOLDS for another size) with
// the command line and issues it, on one MariaDB server and on the cluster
// in the same run, and reports the times, their ratio, and the bytes Galera
// replicated: the import is one transaction, the issue one per 5,000
// households. Both give the same counts and premium.
func BenchmarkListImportIssue(b *testing.B) {
	up(b)
	households := 58000
	if n, err := strconv.Atoi(os.Getenv("ZNB_BENCH_HOUSEHOLDS")); err == nil && n > 0 {
		households = n
	}
	type outcome struct {
		ListID              int64 `json:"list_id"`
		Households, Members int
		issueTotals
		importS, issueS float64
	}
	var got [2]outcome
	var csv string
	for i, db := range []struct{ name, addr string }{{"mariadb", single}, {"galera", balancer}} {
		b.Run(db.name, func(b *testing.B) {
			e := setupDB(b, db.addr)
			if csv == "" {
				csv = filepath.Join(os.TempDir(), fmt.Sprintf("znb-bench-cluster-%d.csv", households))
				if _, err := os.Stat(csv); err != nil {
					part := strings.TrimSuffix(csv, ".csv") + ".part.csv"
					e.cli("gen", "households", "--county", county, "--households", fmt.Sprint(households), "-o", part)
					os.Rename(part, csv)
				}
			}
			year := time.Now().In(cst).Year()
			yaml, err := os.ReadFile(filepath.Join(e.root, "configs/agreements/example.yaml"))
			if err != nil {
				b.Fatal(err)
			}
			agreement := filepath.Join(e.tmp, "agreement.yaml")
			os.WriteFile(agreement, bytes.ReplaceAll(yaml, []byte("2026"), []byte(fmt.Sprint(year))), 0o644)
			e.cli("product", "load", filepath.Join(e.root, "configs/products/znb-standard.yaml"))
			// Galera's nodes hand out interleaved ids: use the ones answered.
			var ag struct{ ID int64 }
			e.cliWith(nil, &ag, "agreement", "create", agreement)
			e.cli("agreement", "activate", fmt.Sprint(ag.ID))
			o := &got[i]
			before := e.replicated()
			t0 := time.Now()
			e.cliWith(nil, o, "list", "import", "--county", county, "--effective", fmt.Sprintf("%d-01-01", year), csv)
			o.importS = time.Since(t0).Seconds()
			mid := e.replicated()
			t0 = time.Now()
			e.cliWith(nil, &o.issueTotals, "issue", "--agreement", fmt.Sprint(ag.ID), "--list", fmt.Sprint(o.ListID))
			o.issueS = time.Since(t0).Seconds()
			after := e.replicated()
			b.ReportMetric(o.importS, "import-s")
			b.ReportMetric(o.issueS, "issue-s")
			fmt.Printf("%s: import %d households, %d members in %.1f s; issue %d certificates, %d persons, premium %s in %.1f s\n",
				db.name, o.Households, o.Members, o.importS, o.Certificates, o.Persons, o.Premium, o.issueS)
			if db.addr == single {
				e.tableSizes("households", "members", "certificates", "certificate_members", "issue_exclusions", "audit_log")
			}
			if db.addr == balancer {
				fmt.Printf("galera: replicated by the import %d write sets, %.1f MB; by the issue %d write sets, %.1f MB (%.1f MB each)\n",
					mid.sets-before.sets, float64(mid.bytes-before.bytes)/1e6, after.sets-mid.sets, float64(after.bytes-mid.bytes)/1e6,
					float64(after.bytes-mid.bytes)/1e6/float64(max(after.sets-mid.sets, 1)))
			}
		})
	}
	m, g := got[0], got[1]
	if m.importS > 0 && g.importS > 0 {
		fmt.Printf("galera / mariadb: import %.2f×, issue %.2f×\n", g.importS/m.importS, g.issueS/m.issueS)
		m.ListID, g.ListID = 0, 0
		if m.Households != g.Households || m.Members != g.Members || m.issueTotals != g.issueTotals {
			b.Errorf("the cluster stored %+v, one MariaDB %+v", g, m)
		}
	}
}

type wsrepCount struct{ sets, bytes int64 }

// replicated sums what the nodes have sent to the cluster so far; 0 on a
// server that is no Galera node.
func (e *env) replicated() wsrepCount {
	var c wsrepCount
	for _, n := range nodes {
		db := e.sqlDB(nodeAddr(n), "")
		rows, err := db.Query("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_replicated', 'wsrep_replicated_bytes')")
		if err == nil {
			for rows.Next() {
				var name string
				var v int64
				rows.Scan(&name, &v)
				if name == "wsrep_replicated" {
					c.sets += v
				} else {
					c.bytes += v
				}
			}
			rows.Close()
		}
		db.Close()
	}
	return c
}

// tableSizes prints the rows and the bytes (data and indexes, as InnoDB
// counts them after ANALYZE) of tables, for the sizing in docs/deploy.md.
func (e *env) tableSizes(tables ...string) {
	db := e.sqlDB(e.dbAddr, e.dbName)
	defer db.Close()
	for _, t := range tables {
		db.Exec("ANALYZE TABLE " + t)
		var rows, size int64
		err := db.QueryRow("SELECT COUNT(*) FROM " + t).Scan(&rows)
		if err == nil {
			err = db.QueryRow(`SELECT data_length + index_length FROM information_schema.tables
				WHERE table_schema = ? AND table_name = ?`, e.dbName, t).Scan(&size)
		}
		if err != nil || rows == 0 {
			continue
		}
		fmt.Printf("  %s: %d rows, %.1f MB, %d bytes a row\n", t, rows, float64(size)/1e6, size/rows)
	}
}
