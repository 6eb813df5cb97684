package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// millionStatement writes (once per machine) a 1,000,000-row statement for
// the first million people of the million-member list: each billed for the
// cover the list gives, people of uncovered categories billed as 已脱贫户,
// people gone before the term billed for the whole year, and every 97th row
// overbilled by a cent.
func millionStatement(b *testing.B, list string) string {
	path := filepath.Join(os.TempDir(), "znb-bench-statement-1000000.csv")
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path
	}
	in, err := os.Open(list)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(out, 1<<20)
	w.WriteString("户编号,身份证号,姓名,户类型,起保日期,终保日期,保费\n")
	s := bufio.NewScanner(in)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	s.Scan() // header
	n := 0
	for s.Scan() && n < 1_000_000 {
		// 户编号 行政区划代码 村名 户类型 姓名 身份证号 与户主关系 人均纯收入 风险是否消除 成员状态 状态变更日期 联系电话
		f := strings.Split(s.Text(), ",")
		cat, end := f[3], "2024-12-31"
		if c, _ := znb.ParseCategory(cat); !c.CoveredByDefault() {
			cat = "已脱贫户"
		}
		if (f[9] == "死亡" || f[9] == "迁出") && f[10] >= "2024-01-01" {
			end = f[10]
		}
		p := premiumFor(termStart, znb.MustDate(end))
		if n%97 == 0 {
			p = p.Add(decimal.New(1, -2))
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,2024-01-01,%s,%s\n", f[0], f[5], f[4], cat, end, p.StringFixed(2))
		n++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	out.Close()
	os.Rename(path+".tmp", path)
	return path
}

// BenchmarkReconcileMillionStore reconciles a 1,000,000-row statement file
// against an imported list of about a million people on each engine,
// storing every detail row: the figure of docs/reconciliation.md. Run with
// -benchtime 1x; the import is not timed.
func BenchmarkReconcileMillionStore(b *testing.B) {
	list, members := millionList(b)
	statement := millionStatement(b, list)
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
				ctx := context.Background()
				a := storetest.ActiveAgreement(b, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-BENCH", County: "522625"})
				l, err := db.ImportList(ctx, znb.System, storetest.File(b, list), store.ImportOptions{County: "522625", Effective: termStart})
				if err != nil {
					b.Fatal(err)
				}
				resetPeakRSS()
				b.StartTimer()
				rec, err := db.Reconcile(ctx, znb.System, store.ReconcileOptions{AgreementID: a.ID, ListID: l.List.ID, Statement: statement, OpenStatement: openSheet})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				r := rec.Result
				if r.Rows != 1_000_000 || r.Listed != members || r.Tally(subsidy.PremiumMismatch).Count == 0 ||
					r.Tally(subsidy.Matched).Count < 800_000 {
					b.Fatalf("unexpected result: %+v", r)
				}
				fmt.Fprintf(os.Stderr, "reconcile %s: %d rows against %d listed in %.1f s, peak RSS %.0f MB; findings:", engine,
					r.Rows, r.Listed, b.Elapsed().Seconds(), peakRSSMB())
				for _, t := range r.Findings {
					fmt.Fprintf(os.Stderr, " %s %d", t.Finding, t.Count)
				}
				fmt.Fprintln(os.Stderr)
			}
			b.ReportMetric(1_000_000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
		})
	}
}
