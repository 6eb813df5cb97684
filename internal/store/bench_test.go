package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/rss"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// millionList returns the generated list of about 1,000,000 members (written
// once per machine) and its member count.
func millionList(b *testing.B) (string, int) { return storetest.CountyList(b, 295000) }

// resetPeakRSS and peakRSSMB are the memory figures of every store benchmark.
var (
	resetPeakRSS = rss.ResetPeak
	peakRSSMB    = rss.PeakMB
)

// BenchmarkImportMillion imports a generated list of about a million members
// into each engine: the figure of docs/performance.md. Run with
// -benchtime 1x; each iteration uses a fresh database.
func BenchmarkImportMillion(b *testing.B) {
	path, members := millionList(b)
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.SQLite(b)
				if engine == store.MySQL {
					if db = storetest.MySQL(b); db == nil {
						b.Skip("ZNB_TEST_MYSQL is unset")
					}
				}
				resetPeakRSS()
				b.StartTimer()
				res, err := db.ImportList(context.Background(), znb.System, storetest.File(b, path),
					store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")})
				if err != nil {
					b.Fatal(err)
				}
				if res.List.Members != members {
					b.Fatalf("imported %d members, want %d", res.List.Members, members)
				}
			}
			b.ReportMetric(float64(members)*float64(b.N)/b.Elapsed().Seconds(), "members/s")
			b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
			b.ReportMetric(0, "ns/op")
			fmt.Fprintf(os.Stderr, "import %s: %d members in %.1f s\n", engine, members, b.Elapsed().Seconds()/float64(b.N))
		})
	}
}
