package clustertest

import (
	"fmt"
	"slices"
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
		})
	}
}
