package store_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// eventHouseholds is the size of the event benchmark: 50,000 insured
// households unless ZNB_BENCH_EVENT_HOUSEHOLDS says otherwise (a small
// number proves the benchmark works on a busy machine).
func eventHouseholds(b *testing.B) int {
	if v := os.Getenv("ZNB_BENCH_EVENT_HOUSEHOLDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("ZNB_BENCH_EVENT_HOUSEHOLDS=%q", v)
		}
		return n
	}
	return 50000
}

// BenchmarkEvent50k runs a flood over a whole county of insured households
// on each engine and reports each stage in seconds: the worksheets of every
// township (worksheet-s), loading one filled sheet with a house loss for
// every household (upload-s), approving every township (approve-s), and
// building the payment batch and writing its bank file (bankfile-s); and
// the peak RSS, which should not grow with the county.
func BenchmarkEvent50k(b *testing.B) {
	n := eventHouseholds(b)
	list, _ := storetest.CountyList(b, n)
	ctx := context.Background()
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			var stages [4]time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.Engine(b, engine)
				a := storetest.ActiveAgreement(b, db, countyOffice, claimAgreement("znb-standard"))
				storetest.ImportAndIssue(b, db, countyOffice, a.ID, list, store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")})
				e, err := db.DeclareEvent(ctx, countyOffice, disaster.Declaration{Name: "基准洪灾", Cause: "自然灾害",
					First: znb.MustDate("2024-06-10"), Last: znb.MustDate("2024-06-12"), Regions: []string{"522625"}})
				if err != nil {
					b.Fatal(err)
				}
				var townships []string
				if err := db.Gorm(ctx).Raw("SELECT DISTINCT SUBSTR(region_code, 1, 9) FROM certificates ORDER BY 1").Scan(&townships).Error; err != nil {
					b.Fatal(err)
				}
				resetPeakRSS()
				b.StartTimer()

				start := time.Now()
				var hs []disaster.Household
				for _, tw := range townships {
					ev, part, err := db.WorksheetHouseholds(ctx, adjuster, e.ID, tw)
					if err != nil {
						b.Fatal(err)
					}
					w, _ := sheet.NewWriter(io.Discard, "xlsx")
					if err := disaster.WriteWorksheet(w, ev, part); err != nil {
						b.Fatal(err)
					}
					hs = append(hs, part...)
				}
				stages[0] += time.Since(start)

				b.StopTimer()
				sheetPath := filepath.Join(b.TempDir(), "sheet.csv")
				accPath := filepath.Join(b.TempDir(), "accounts.csv")
				storetest.WriteLossSheet(b, sheetPath, hs)
				storetest.WriteAccounts(b, accPath, hs)
				b.StartTimer()

				start = time.Now()
				load, err := db.LoadWorksheet(ctx, adjuster, e.ID, storetest.File(b, sheetPath), nil)
				if err != nil || len(load.Claims) != len(hs) {
					b.Fatalf("load: %v", err)
				}
				stages[1] += time.Since(start)

				start = time.Now()
				approved := 0
				for _, tw := range townships {
					res, err := db.ApproveArea(ctx, approver, e.ID, tw, "")
					if err != nil {
						b.Fatal(err)
					}
					approved += len(res.Approved)
				}
				if approved != len(hs) {
					b.Fatalf("approved %d of %d", approved, len(hs))
				}
				stages[2] += time.Since(start)

				b.StopTimer()
				if _, err := db.LoadAccounts(ctx, countyOffice, "522625", storetest.File(b, accPath)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start = time.Now()
				batch, err := db.BuildBatch(ctx, clerk, disaster.BatchQuery{EventID: e.ID}, nil)
				if err != nil || batch.Totals.Count != len(hs) {
					b.Fatalf("batch: %v", err)
				}
				w, _ := sheet.NewWriter(io.Discard, "xlsx")
				if err := disaster.WriteBankFile(w, batch.No, batch.Items); err != nil {
					b.Fatal(err)
				}
				stages[3] += time.Since(start)
			}
			for i, name := range []string{"worksheet-s", "upload-s", "approve-s", "bankfile-s"} {
				b.ReportMetric(stages[i].Seconds()/float64(b.N), name)
			}
			b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
			b.ReportMetric(0, "ns/op")
			fmt.Fprintf(os.Stderr, "event %s, %d households: worksheets %.1f s, upload %.1f s, approval %.1f s, bank file %.1f s\n",
				engine, n, stages[0].Seconds()/float64(b.N), stages[1].Seconds()/float64(b.N), stages[2].Seconds()/float64(b.N), stages[3].Seconds()/float64(b.N))
		})
	}
}
