package store

import (
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestAheadKeepsRows: the rows ahead queues encoded come out as they went
// in, in order and across chunks, premiums of any form with their value and
// text, categories outside the table and zero dates included, then the
// bill's error: held in memory, spooled to the file while the reader waits
// (the bill is read to its end before the reader takes a row), and, when no
// file can be made, held in memory with the bill waiting for the reader.
func TestAheadKeepsRows(t *testing.T) {
	for _, c := range []struct {
		name    string
		rows    int
		tmp     string // TMPDIR, if set
		spooled bool   // the whole bill is read before the reader starts
	}{
		{"memory", 10_000, "", false},
		{"spooled", 100_000, "", true},
		{"no file", 100_000, "/nonexistent/znb", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.tmp != "" {
				t.Setenv("TMPDIR", c.tmp)
			}
			aheadKeepsRows(t, c.rows, c.spooled)
		})
	}
}

func aheadKeepsRows(t *testing.T, rowCount int, spooled bool) {
	premiums := []string{"60.00", "60", "0", "-0.01", "0.001", "123456789012345678.5", "59.5"}
	cats := []znb.Category{znb.Lifted, znb.Marginal, "", "某新户类型"}
	var in []subsidy.Row
	for i := range rowCount {
		r := subsidy.Row{Row: i + 2, HouseholdNo: "5226251012010001", IDNumber: "52262519500101001X",
			Name: "张三", Category: cats[i%len(cats)], CoverageStart: znb.MustDate("2024-01-01").AddDays(i % 7),
			CoverageEnd: znb.MustDate("2024-12-31"), Premium: decimal.RequireFromString(premiums[i%len(premiums)])}
		switch i % 5 {
		case 1:
			r.CertificateNo, r.Name = "PICC-2024-0000001", ""
		case 2:
			r.CoverageStart, r.CoverageEnd, r.Row = znb.Date{}, znb.Date{}, -1
		}
		in = append(in, r)
	}
	bad := errors.New("disk on fire")
	end := make(chan struct{})
	bill := func(yield func(subsidy.Row, error) bool) {
		for _, r := range in {
			if !yield(r, nil) {
				return
			}
		}
		close(end)
		yield(subsidy.Row{}, bad)
	}
	rows, stop := ahead(iter.Seq2[subsidy.Row, error](bill))
	defer stop()
	if spooled {
		select {
		case <-end:
		case <-time.After(time.Minute):
			t.Fatal("the bill was not read to its end ahead of the reader")
		}
	}
	n := 0
	for r, err := range rows {
		if n == len(in) {
			if err != bad {
				t.Fatalf("after the rows: got %v, want the bill's error", err)
			}
			n++
			continue
		}
		if err != nil {
			t.Fatalf("row %d: %v", n, err)
		}
		want := in[n]
		if !r.Premium.Equal(want.Premium) || r.Premium.String() != want.Premium.String() {
			t.Errorf("row %d: premium %s, want %s", n, r.Premium, want.Premium)
		}
		r.Premium, want.Premium = decimal.Zero, decimal.Zero
		if r != want {
			t.Errorf("row %d: got %+v, want %+v", n, r, want)
		}
		n++
	}
	if n != len(in)+1 {
		t.Errorf("got %d rows and errors, want %d", n, len(in)+1)
	}
}
