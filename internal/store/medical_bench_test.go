package store_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

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
	list := filepath.Join(os.TempDir(), fmt.Sprintf("znb-bench-522625-%d.csv", households))
	if _, err := os.Stat(list); err != nil {
		f, err := os.Create(list + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		storetest.Generate(b, w, "522625", households, 1, znb.MustDate("2024-06-15"))
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		os.Rename(list+".tmp", list)
	}
	settlements := filepath.Join(os.TempDir(), fmt.Sprintf("znb-bench-settlements-%d-%d.csv", households, n))
	if _, err := os.Stat(settlements); err != nil {
		writeSettlements(b, list, settlements, n)
	}
	db := storetest.SQLite(b)
	if engine == store.MySQL {
		if db = storetest.MySQL(b); db == nil {
			b.Skip("ZNB_TEST_MYSQL is unset")
		}
	}
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: "522625"}
	a := storetest.ActiveAgreement(b, db, office, storetest.AgreementSpec{No: "BENCH-FPB", County: "522625", Product: "fpb-household",
		Categories: []znb.Category{znb.Lifted, znb.NotLifted, znb.Returned, znb.UnstableLifted, znb.Marginal, znb.SuddenHardship}})
	opts := store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")}
	storetest.ImportAndIssue(b, db, office, a.ID, list, opts)
	if twice {
		if _, err := db.ImportList(context.Background(), office, storetest.File(b, list), opts); err != nil {
			b.Fatal(err)
		}
	}
	return db, settlements
}

// writeSettlements writes n settlements cycling over the living persons of
// the list, settled in the first half of 2024, with out-of-pocket amounts
// from 0 to about 1,900.
func writeSettlements(b *testing.B, list, path string, n int) {
	b.Helper()
	in, err := os.Open(list)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	r := csv.NewReader(bufio.NewReader(in))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	var ids, names []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if s := col["成员状态"]; s < len(rec) && rec[s] != "" && rec[s] != "正常" {
			continue
		}
		ids, names = append(ids, rec[col["身份证号"]]), append(names, rec[col["姓名"]])
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "结算单号,身份证号,姓名,医疗机构,入院日期,出院日期,结算日期,总费用,基本医保支付,大病保险支付,医疗救助支付,目录外费用\n")
	start := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		p := i % len(ids)
		day := start.AddDate(0, 0, i%160).Format("2006-01-02")
		total := 200 + (i*37)%3000
		fmt.Fprintf(w, "JS%09d,%s,%s,县人民医院,%s,%s,%s,%d.00,%d.00,0,0,0\n", i, ids[p], names[p], day, day, day, total, total*4/10)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	os.Rename(path+".tmp", path)
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
