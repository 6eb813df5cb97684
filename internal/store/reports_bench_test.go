package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// BenchmarkMonthlyReport draws up a county's monthly report from an issued
// database named by ZNB_BENCH_DB (e.g. sqlite:/tmp/z.db after
// `zhunongbao gen households --households 100000`, import and issue),
// region ZNB_BENCH_REGION and month ZNB_BENCH_MONTH.
func BenchmarkMonthlyReport(b *testing.B) {
	dsn := os.Getenv("ZNB_BENCH_DB")
	if dsn == "" {
		b.Skip("ZNB_BENCH_DB is unset")
	}
	db, err := store.Open(dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	m, err := report.ParseMonth(os.Getenv("ZNB_BENCH_MONTH"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := db.MonthlyReport(context.Background(), znb.System, os.Getenv("ZNB_BENCH_REGION"), m)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Total.Persons), "persons")
	}
}
