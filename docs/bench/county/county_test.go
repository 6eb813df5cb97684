package county_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
)

// BenchmarkCountyYear runs a county's year on each engine (a fresh
// database each, MariaDB at ZNB_TEST_MYSQL, dropped at the end) and
// prints every stage's seconds and peak RSS, and the total. The county
// has ZNB_COUNTY_PERSONS persons (300,000 unless set). Run with
// -benchtime 1x; `make bench-county` runs one engine after the other.
func BenchmarkCountyYear(b *testing.B) {
	persons := 300_000
	if v := os.Getenv("ZNB_COUNTY_PERSONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("ZNB_COUNTY_PERSONS=%q: want a number of at least 100", v)
		}
		persons = n
	}
	for _, engine := range []string{store.SQLite, store.MySQL} {
		b.Run(engine, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.Engine(b, engine)
				b.StartTimer()
				res := runYear(b, db, SizeOf(persons), os.Stdout)
				var total float64
				for _, s := range res.Stages {
					total += s.Took.Seconds()
				}
				b.ReportMetric(total, "year-s")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// TestCountyYear runs a small county's year on each engine and checks
// what every stage did, so that the benchmark keeps working.
func TestCountyYear(t *testing.T) {
	if testing.Short() {
		t.Skip("a county's year")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		size := SizeOf(2000)
		res := runYear(t, db, size, testWriter{t})
		if res.Certificates == 0 || res.Certificates+res.Excluded != res.Households {
			t.Errorf("issued %d certificates and excluded %d households of %d", res.Certificates, res.Excluded, res.Households)
		}
		if res.Added == 0 || res.Endorsements == 0 {
			t.Errorf("mid-year version: %d certificates added, %d endorsements", res.Added, res.Endorsements)
		}
		if res.Cards != res.Certificates || res.CardFiles == 0 || res.CardBytes < int64(res.Cards)*1000 {
			t.Errorf("%d cards in %d files (%d bytes) for %d certificates", res.Cards, res.CardFiles, res.CardBytes, res.Certificates)
		}
		b := res.ClaimBatch
		if res.Claims != size.Claims || b.Totals.Count != res.Claims || !b.Totals.Balanced() ||
			res.Paid+res.Failed != res.Claims || res.Failed != res.Claims/100 {
			t.Errorf("%d claims: batch %+v, %d paid, %d failed", res.Claims, b.Totals, res.Paid, res.Failed)
		}
		if res.Settlements == 0 || res.AutoClaims == 0 {
			t.Errorf("medical feed: %d settlements, %d automatic claims", res.Settlements, res.AutoClaims)
		}
		fb := res.FloodBatch
		if res.Flooded < size.Flooded || res.FloodApproved != res.Flooded || fb.Totals.Count != res.Flooded || !fb.Totals.Amount.IsPositive() {
			t.Errorf("flood: %d households (at least %d), %d approved, batch %+v", res.Flooded, size.Flooded, res.FloodApproved, fb.Totals)
		}
		r := res.Reconciliation.Result
		if r.Tally(subsidy.Matched).Count == 0 || r.Tally(subsidy.Matched).Count != r.Rows {
			t.Errorf("reconciliation: %d rows, findings %+v", r.Rows, r.Findings)
		}
		if res.Months != 12 || res.Annual == nil {
			t.Errorf("%d monthly reports, annual %v", res.Months, res.Annual)
		}
	})
}

// testWriter prints the stage lines into the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
