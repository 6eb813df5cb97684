package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const benchAgreement = `agreement_no: ZY-BENCH
county: "522625"
insurer: {code: PICC-ZY, name: 中国人民财产保险股份有限公司镇远支公司, hotline: "95518"}
product: {code: znb-standard, version: 1}
term: {start: 2024-01-01, end: 2024-12-31}
premium_per_person: "60.00"
split:
  lifted:          {central: "50", provincial: "20", municipal: "15", county: "15", self: "0"}
  not_lifted:      {central: "50", provincial: "20", municipal: "15", county: "15", self: "0"}
  returned:        {central: "50", provincial: "20", municipal: "15", county: "15", self: "0"}
  unstable_lifted: {central: "50", provincial: "20", municipal: "15", county: "15", self: "0"}
  sudden_hardship: {central: "50", provincial: "20", municipal: "15", county: "15", self: "0"}
  marginal:        {central: "0",  provincial: "30", municipal: "20", county: "20", self: "30"}
`

// benchWorld is a county of generated households insured under the
// standard product, served on a loopback port.
type benchWorld struct {
	url   string
	key   string
	certs []string
}

func newBenchWorld(b *testing.B, db *store.DB, households int) *benchWorld {
	b.Helper()
	ctx := context.Background()
	body, err := os.ReadFile(filepath.Join("..", "..", "configs", "products", "znb-standard.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := db.LoadProduct(ctx, znb.System, body); err != nil {
		b.Fatal(err)
	}
	a, err := db.CreateAgreement(ctx, znb.System, []byte(benchAgreement))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ActivateAgreement(ctx, znb.System, a.ID); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "list.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := registry.Generate(f, "csv", "522625", households, 7, znb.MustDate("2024-01-01")); err != nil {
		b.Fatal(err)
	}
	f.Close()
	l, err := db.ImportList(ctx, znb.System, p, store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01"), Partial: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Issue(ctx, znb.System, a.ID, l.List.ID, store.IssueOptions{}); err != nil {
		b.Fatal(err)
	}
	w := &benchWorld{}
	err = db.EachCertificate(ctx, a.ID, "", func(c *store.CertificateView) error {
		if c.CancelledFrom.IsZero() && !c.PeriodStart.After(znb.MustDate("2024-01-01")) {
			w.certs = append(w.certs, c.No)
		}
		return nil
	})
	if err != nil || len(w.certs) == 0 {
		b.Fatalf("certificates: %d, %v", len(w.certs), err)
	}
	if w.key, err = db.CreateUser(ctx, znb.System, "bench-clerk", znb.InsurerClerk, "PICC-ZY"); err != nil {
		b.Fatal(err)
	}
	srv := rest.New(rest.Deps{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock: func() time.Time { return storetest.Now }, DocumentsDir: b.TempDir()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.App().Listener(ln)
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	w.url = "http://" + ln.Addr().String() + "/api/v1/claims"
	return w
}

// BenchmarkClaimReports measures claim reports per second over HTTP on
// loopback: 32 clients with keep-alive connections post property reports,
// each a distinct loss (household × incident day × cause), so every one
// runs all the checks and is stored. p50 and p99 are per-request latencies
// as the clients see them.
func BenchmarkClaimReports(b *testing.B) {
	const clients = 16
	engines := []struct {
		name string
		open func(testing.TB) *store.DB
	}{{store.SQLite, storetest.SQLite}, {store.MySQL, storetest.MySQL}}
	causes := []string{"火灾", "爆炸", "地震", "自然灾害"}
	for _, e := range engines {
		db := e.open(b)
		if db == nil {
			b.Logf("%s: ZNB_TEST_MYSQL is unset", e.name)
			continue
		}
		w := newBenchWorld(b, db, 2000)
		var next atomic.Int64 // reports posted so far over every run
		b.Run(e.name, func(b *testing.B) {
			tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr, Timeout: time.Minute}
			lat := make([]time.Duration, b.N)
			var done atomic.Int64
			var (
				mu     sync.Mutex
				failed error
			)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := done.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						k := next.Add(1) - 1
						cert := w.certs[k%int64(len(w.certs))]
						round := k / int64(len(w.certs))
						day := znb.MustDate("2024-01-01").AddDays(int(round / int64(len(causes)) % 166))
						body, _ := json.Marshal(map[string]string{"certificate_no": cert, "line": "property",
							"incident_date": day.String(), "cause": causes[round%int64(len(causes))], "description": "房屋受损"})
						req, _ := http.NewRequest(http.MethodPost, w.url, bytes.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", "Bearer "+w.key)
						t0 := time.Now()
						resp, err := hc.Do(req)
						if err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != http.StatusCreated {
								err = fmt.Errorf("report %d: status %d", k, resp.StatusCode)
							}
						}
						lat[i] = time.Since(t0)
						if err != nil {
							mu.Lock()
							if failed == nil {
								failed = err
							}
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if failed != nil {
				b.Fatal(failed)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reports/s")
			b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(lat[(b.N*99)/100].Microseconds())/1000, "p99_ms")
		})
	}
}
