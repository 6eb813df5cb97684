package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// bigStatement writes a statement of n good rows, more than the run holds
// in memory ahead of the reconciliation (65,536), for people of the planted
// list and a few hundred strangers; rows named in badID (as a spreadsheet
// numbers them) get a wrong check digit.
func bigStatement(t *testing.T, n int, badID ...int) string {
	var b strings.Builder
	b.WriteString("户编号,身份证号,姓名,户类型,起保日期,终保日期,保费\n")
	for i := range n {
		id := idn(reconCounty, 300+i%700)
		if slices.Contains(badID, i+2) {
			id = id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
		}
		fmt.Fprintf(&b, "H%05d,%s,某%d,已脱贫户,2024-01-01,2024-12-31,60.00\n", i%5000, id, i%700)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// watchedRows is a statement reader whose test sees how far it got: it can
// hold the reader before row holdAt until release is closed, sleep between
// rows after that, or fail at failAt.
type watchedRows struct {
	subsidy.RowReader
	rows           atomic.Int64
	holdAt, failAt int64
	held, release  chan struct{}
	slow           bool
	end            chan struct{} // closed when the reader reaches the end of the file
	endOnce        sync.Once
	closed         atomic.Bool
	failed         error
}

func watch(t *testing.T, path string) *watchedRows {
	r, err := sheet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return &watchedRows{RowReader: r, held: make(chan struct{}), release: make(chan struct{}), end: make(chan struct{})}
}

func (w *watchedRows) Next() bool {
	n := w.rows.Add(1)
	switch {
	case n == w.failAt:
		w.failed = errors.New("disk on fire")
		return false
	case n == w.holdAt:
		close(w.held)
		<-w.release
	case w.holdAt > 0 && n > w.holdAt && w.slow && n%100 == 0:
		time.Sleep(time.Millisecond)
	}
	if !w.RowReader.Next() {
		w.endOnce.Do(func() { close(w.end) })
		return false
	}
	return true
}

func (w *watchedRows) Err() error {
	if w.failed != nil {
		return w.failed
	}
	return w.RowReader.Err()
}

func (w *watchedRows) Close() error {
	w.closed.Store(true)
	return w.RowReader.Close()
}

// nothingLeft checks that a reconciliation left no rows, no goroutine
// reading its statement and no temporary file open.
func nothingLeft(t *testing.T, db *store.DB) {
	t.Helper()
	var n [4]int64
	for i, tbl := range []string{"reconciliations", "reconciliation_items", "reconciliation_findings", "reconciliation_blocks"} {
		db.Gorm(context.Background()).Raw("SELECT COUNT(*) FROM " + tbl).Scan(&n[i])
	}
	if n != [4]int64{} {
		t.Errorf("the run stored %v rows", n)
	}
	// The goroutine has been waited for; it may still be unwinding.
	buf := make([]byte, 1<<20)
	for try := 0; ; try++ {
		stacks := buf[:runtime.Stack(buf, true)]
		if !bytes.Contains(stacks, []byte("store.ahead")) {
			break
		}
		if try == 100 {
			t.Errorf("a statement reader is still running:\n%s", stacks)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if to, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); strings.Contains(to, "znb-statement-") {
			t.Errorf("the statement's spool file is still open: %s", to)
		}
	}
}

// TestReconcileRefusesRowsParsedAhead: the statement is parsed to its end,
// bad rows found, while the run is held after reading its list and before
// it reconciles a row; the whole file is still refused with every bad row
// named, and nothing is stored. Before the statement could be parsed ahead
// of the list in full, the parser stopped 65,536 rows ahead and the run
// waited here in vain.
func TestReconcileRefusesRowsParsedAhead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-002", County: reconCounty})
		_, v2, _ := importPlantedLists(t, db)
		const n = 100_000
		path := bigStatement(t, n, 3, n)
		w := watch(t, path)
		store.OnListRead(t, func() {
			select {
			case <-w.end:
			case <-time.After(2 * time.Minute):
				t.Errorf("the statement was not parsed to its end while the list was read: %d rows", w.rows.Load())
			}
		})
		_, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: v2, Statement: path,
			OpenStatement: func(string) (subsidy.RowReader, error) { return w, nil }})
		if znb.CodeOf(err) != "statement_rejected" {
			t.Fatalf("bad statement: %v, want statement_rejected", err)
		}
		var got []string
		for _, r := range subsidy.Rejections(err) {
			got = append(got, fmt.Sprintf("%d %s", r.Row, r.Code))
		}
		if want := []string{"3 statement_bad_id_number", fmt.Sprintf("%d statement_bad_id_number", n)}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("rejections %v, want %v", got, want)
		}
		if !w.closed.Load() {
			t.Error("the statement was not closed")
		}
		nothingLeft(t, db)
	})
}

// TestReconcileCancelledStopsParsing: the run is cancelled after reading
// its list while the parser is held mid-file; the run fails, stores
// nothing, and the parser stops within a chunk instead of reading on to
// the end of the file (which the reader, slowed, would take seconds to
// reach).
func TestReconcileCancelledStopsParsing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-002", County: reconCounty})
		_, v2, _ := importPlantedLists(t, db)
		const n = 300_000
		path := bigStatement(t, n)
		w := watch(t, path)
		w.holdAt, w.slow = 100_000, true
		store.OnListRead(t, func() {
			select {
			case <-w.held:
			case <-time.After(2 * time.Minute):
				t.Errorf("the parser did not get %d rows ahead while the list was read", w.holdAt)
			}
			cancel()
			close(w.release)
		})
		_, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: v2, Statement: path,
			OpenStatement: func(string) (subsidy.RowReader, error) { return w, nil }})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled run: %v, want context.Canceled", err)
		}
		if read := w.rows.Load(); read >= n {
			t.Errorf("the parser read all %d rows of a cancelled run", read)
		}
		if !w.closed.Load() {
			t.Error("the statement was not closed")
		}
		nothingLeft(t, db)
	})
}

// TestReconcileParserFailsMidway: the statement cannot be read on past a
// row far ahead of the run; the run fails with that error and stores
// nothing.
func TestReconcileParserFailsMidway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-002", County: reconCounty})
		_, v2, _ := importPlantedLists(t, db)
		path := bigStatement(t, 100_000)
		w := watch(t, path)
		w.failAt = 90_000
		_, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: v2, Statement: path,
			OpenStatement: func(string) (subsidy.RowReader, error) { return w, nil }})
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("failed statement: %v, want its read error", err)
		}
		if !w.closed.Load() {
			t.Error("the statement was not closed")
		}
		nothingLeft(t, db)
	})
}
