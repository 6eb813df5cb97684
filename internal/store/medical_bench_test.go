package store_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// feedBenchWorld is a county of about 300,000 insured persons under
// fpb-household and a settlement file of a million rows over them; the
// files are kept in the temporary folder between runs.
func feedBenchWorld(b *testing.B, engine string) (*store.DB, string) {
	b.Helper()
	list := filepath.Join(os.TempDir(), "znb-bench-522625-88000.csv")
	if _, err := os.Stat(list); err != nil {
		f, err := os.Create(list + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		storetest.Generate(b, w, "522625", 88000, 1, znb.MustDate("2024-06-15"))
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		os.Rename(list+".tmp", list)
	}
	settlements := filepath.Join(os.TempDir(), "znb-bench-settlements-1000000.csv")
	if _, err := os.Stat(settlements); err != nil {
		writeSettlements(b, list, settlements, 1_000_000)
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
	storetest.ImportAndIssue(b, db, office, a.ID, list, store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")})
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
// the automatic illness claims and warnings they bring. Run with
// -benchtime 1x: the setup imports and issues the list untimed.
func BenchmarkMedicalFeed(b *testing.B) {
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, path := feedBenchWorld(b, engine)
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

// BenchmarkWarnings evaluates the six rules over the county of the feed
// benchmark after its million settlements.
func BenchmarkWarnings(b *testing.B) {
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			b.StopTimer()
			db, path := feedBenchWorld(b, engine)
			if _, err := db.ImportSettlements(context.Background(), znb.System, storetest.File(b, path)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.EvaluateWarnings(context.Background(), "522625"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
