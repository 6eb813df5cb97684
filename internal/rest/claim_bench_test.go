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
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

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
	a := storetest.ActiveAgreement(b, db, znb.System, storetest.AgreementSpec{No: "ZY-BENCH", County: "522625"})
	var list bytes.Buffer
	storetest.Generate(b, &list, "522625", households, 7, znb.MustDate("2024-01-01"))
	storetest.ImportAndIssue(b, db, znb.System, a.ID, storetest.WriteFile(b, "list.csv", list.String()),
		store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01"), Partial: true})
	w := &benchWorld{}
	err := db.EachCertificate(ctx, a.ID, "", func(c *policy.Certificate) error {
		if c.CancelledFrom.IsZero() && !c.Period().Start.After(znb.MustDate("2024-01-01")) {
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
// loopback: 16 clients, then 64, with keep-alive connections post property
// reports, each a distinct loss (household × incident day × cause), so
// every one runs all the checks and is stored. p50 and p99 are per-request
// latencies as the clients see them.
func BenchmarkClaimReports(b *testing.B) {
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
		for _, clients := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", e.name, clients), func(b *testing.B) {
				benchReports(b, w, &next, clients, causes)
			})
		}
	}
}

// benchReports runs b.N reports from clients clients, numbering the losses
// on from next.
func benchReports(b *testing.B, w *benchWorld, next *atomic.Int64, clients int, causes []string) {
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
}
