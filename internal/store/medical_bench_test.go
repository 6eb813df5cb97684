package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// benchSize is the size a benchmark runs at: the environment variable name
// when set (a tiny run to prove the benchmark works), else def.
func benchSize(b *testing.B, name string, def int) int {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// feedBenchWorld is a county of the given number of households (88,000 are
// about 300,000 insured persons) under fpb-household, and a settlement file
// of n rows over them; the files are kept in the temporary folder between
// runs. With twice set, the list is imported a second time (unchanged), so
// that the list rules compare every household with its previous version.
func feedBenchWorld(b *testing.B, engine string, households, n int, twice bool) (*store.DB, string) {
	b.Helper()
	db := storetest.Engine(b, engine)
	return db, countyFeed(b, db, households, n, twice)
}

// countyFeed sets up feedBenchWorld's county in db and returns the path of
// its settlement file.
func countyFeed(t testing.TB, db *store.DB, households, n int, twice bool) string {
	t.Helper()
	list, _ := storetest.CountyList(t, households)
	settlements := filepath.Join(os.TempDir(), fmt.Sprintf("znb-bench-settlements-%d-%d.csv", households, n))
	if _, err := os.Stat(settlements); err != nil {
		storetest.WriteSettlements(t, list, settlements, n)
	}
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: "522625"}
	a := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{No: "BENCH-FPB", County: "522625", Product: "fpb-household",
		Categories: []znb.Category{znb.Lifted, znb.NotLifted, znb.Returned, znb.UnstableLifted, znb.Marginal, znb.SuddenHardship}})
	opts := store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")}
	storetest.ImportAndIssue(t, db, office, a.ID, list, opts)
	if twice {
		if _, err := db.ImportList(context.Background(), office, storetest.File(t, list), opts); err != nil {
			t.Fatal(err)
		}
	}
	return settlements
}

// BenchmarkMedicalFeed loads a million settlements against a county of
// about 300,000 insured persons (the figure of docs/performance.md), with
// the automatic illness claims and warnings they bring, and reports the
// peak RSS of the load. Run with -benchtime 1x: the setup imports and
// issues the list untimed. ZNB_BENCH_FEED_HOUSEHOLDS (88,000) and
// ZNB_BENCH_FEED_ROWS (1,000,000) make a smaller run.
func BenchmarkMedicalFeed(b *testing.B) {
	households := benchSize(b, "ZNB_BENCH_FEED_HOUSEHOLDS", 88_000)
	rows := benchSize(b, "ZNB_BENCH_FEED_ROWS", 1_000_000)
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, path := feedBenchWorld(b, engine, households, rows, false)
				resetPeakRSS()
				b.StartTimer()
				res, err := db.ImportSettlements(context.Background(), znb.System, storetest.File(b, path))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(res.Loaded), "settlements")
				b.ReportMetric(float64(len(res.Opened)), "claims")
			}
			b.ReportMetric(peakRSSMB(), "peakMB")
		})
	}
}

// BenchmarkWarnings evaluates the six rules over a county of about
// 1,000,000 persons (295,000 households, two versions of its list) after a
// million settlements, and reports the peak RSS of the evaluation.
// ZNB_BENCH_WARN_HOUSEHOLDS (295,000) and ZNB_BENCH_WARN_ROWS (1,000,000)
// make a smaller run.
func BenchmarkWarnings(b *testing.B) {
	households := benchSize(b, "ZNB_BENCH_WARN_HOUSEHOLDS", 295_000)
	rows := benchSize(b, "ZNB_BENCH_WARN_ROWS", 1_000_000)
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			b.StopTimer()
			db, path := feedBenchWorld(b, engine, households, rows, true)
			if _, err := db.ImportSettlements(context.Background(), znb.System, storetest.File(b, path)); err != nil {
				b.Fatal(err)
			}
			resetPeakRSS()
			b.StartTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.EvaluateWarnings(context.Background(), "522625"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(peakRSSMB(), "peakMB")
		})
	}
}
