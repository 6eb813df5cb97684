package subsidy

import (
	"fmt"
	"iter"
	"runtime"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// BenchmarkReconcileMillion reconciles a 1,000,000-person list against a
// 1,000,000-row bill streamed row by row, with a sprinkling of every finding.
// The target is ≤ 10 s and ≤ 1.5 GB; heap-MB reports the live heap at the
// end of a run, list included.
func BenchmarkReconcileMillion(b *testing.B) {
	const n = 1_000_000
	cats := []znb.Category{znb.Lifted, znb.NotLifted, znb.Marginal}
	list := make([]Entry, n)
	for i := range list {
		list[i] = Entry{IDNumber: makeID(i), Name: fmt.Sprintf("农户%d", i), HouseholdNo: fmt.Sprintf("H%07d", i/4),
			Category: cats[(i/4)%3], Status: Normal}
		switch i % 211 {
		case 1:
			list[i].Status, list[i].StatusDate = Deceased, znb.MustDate("2024-05-20")
		case 2:
			list[i].CoverFrom = znb.MustDate("2024-07-01")
		case 3:
			list[i].Category = znb.StableLifted
		}
	}
	strangers := make([]string, 10_000)
	for i := range strangers {
		strangers[i] = makeID(n + i)
	}
	others := map[string]bool{}
	for i := 5; i < n; i += 1009 {
		others[list[i].IDNumber] = true
	}
	other := func(id string) (string, int64, bool) { return "OTHER-0001", 2, others[id] }
	full, premium := yuan(6000), yuan(6100)

	bill := func(yield func(Row, error) bool) {
		for i := 0; i < n; i++ {
			e := &list[i]
			if i%1000 == 999 {
				e = &list[i-1] // a copy of the row before
			}
			r := Row{Row: i + 2, HouseholdNo: e.HouseholdNo, IDNumber: e.IDNumber, Name: e.Name,
				Category: e.Category, CoverageStart: termStart, CoverageEnd: termEnd, Premium: full}
			switch {
			case i%100 == 17:
				r.IDNumber = strangers[(i/100)%len(strangers)]
			case i%97 == 0:
				r.Premium = premium
			case i%501 == 0 && e.Category == znb.Marginal:
				r.Category = znb.Lifted
			}
			if r.Category == znb.StableLifted {
				r.Category = znb.Lifted
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	var seq iter.Seq2[Row, error] = bill

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		count := map[Finding]int{}
		res, err := Reconcile(Input{Terms: testTerms(), List: list, Bill: seq, OtherCover: other},
			func(d Detail) error { count[d.Finding]++; return nil })
		if err != nil {
			b.Fatal(err)
		}
		if res.Rows != n || count[Matched] < n*9/10 || count[NotOnList] == 0 || count[DuplicateBilling] == 0 {
			b.Fatalf("unexpected outcome: rows %d, findings %v", res.Rows, count)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	}
}
