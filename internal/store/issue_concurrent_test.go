package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestIssueConcurrentStarts starts the same issue twice at once, as two
// processes would (two connections to one database) and as two requests of
// one process would: exactly one runs, the other is refused with
// issue_running naming the run (or finds it done and writes nothing), never
// a unique-index error; the certificates are those of a single run.
func TestIssueConcurrentStarts(t *testing.T) {
	ref := storetest.SQLite(t)
	rfx := setupIssue(t, ref, 90)
	if _, err := ref.Issue(context.Background(), issuer, rfx.agreementID, rfx.list1, store.IssueOptions{Chunk: 10}); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, ref, rfx.agreementID)

	for _, mode := range []string{"two processes", "one process"} {
		t.Run(mode, func(t *testing.T) {
			storetest.EachDSN(t, func(t *testing.T, dsn string) {
				db := openAt(t, dsn)
				fx := setupIssue(t, db, 90)
				dbs := [2]*store.DB{db, db}
				if mode == "two processes" {
					dbs[1] = openAt(t, dsn)
				}
				var wg sync.WaitGroup
				errs := make([]error, 2)
				start := make(chan struct{})
				for i, db := range dbs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, errs[i] = db.Issue(context.Background(), issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 10})
					}()
				}
				close(start)
				wg.Wait()
				ran := 0
				for i, err := range errs {
					switch {
					case err == nil:
						ran++
					case znb.CodeOf(err) == "issue_running":
						var ze *znb.Error
						errors.As(err, &ze)
						if d, ok := ze.Details.(map[string]int64); !ok || d["job_id"] == 0 {
							t.Errorf("issue_running without the job id: %#v", ze.Details)
						}
					default:
						t.Fatalf("start %d: %v", i, err)
					}
				}
				if ran == 0 {
					t.Fatalf("neither start ran: %v", errs)
				}
				if ran == 1 {
					// The one refused may start again once the other is done:
					// it finds the run done and writes nothing.
					res, err := db.Issue(context.Background(), issuer, fx.agreementID, fx.list1, store.IssueOptions{})
					if err != nil || res.Certificates != 0 {
						t.Fatalf("issuing again: %+v %v", res, err)
					}
				}
				job, err := db.IssueJobOf(context.Background(), issuer, 1)
				if err != nil || job.Status != policy.RunDone || job.Certificates != len(want) || job.HouseholdsDone != 90 {
					t.Errorf("the run: %+v %v, want done with %d certificates", job, err, len(want))
				}
				got := snapshot(t, db, fx.agreementID)
				if len(got) != len(want) {
					t.Errorf("%d certificates, a single run %d", len(got), len(want))
				}
				for no, w := range want {
					if g := got[no]; g == nil || g.No != w.No || !g.Premium().Equal(w.Premium()) || fmt.Sprint(g.Members) != fmt.Sprint(w.Members) {
						t.Errorf("household %s: %v, want %v", no, g, w)
					}
				}
			})
		})
	}
}

// TestIssueInterrupted stops a run by its context: the run is left
// interrupted (not running), and the next start resumes it to the end.
func TestIssueInterrupted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setupIssue(t, db, 90)
		ctx, cancel := context.WithCancel(context.Background())
		chunks := 0
		res, err := db.Issue(ctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 10,
			Progress: func(int, int) {
				if chunks++; chunks == 3 {
					cancel()
				}
			}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		job, err := db.IssueJobOf(context.Background(), issuer, res.RunID)
		if err != nil || job.Status != policy.RunInterrupted || job.HouseholdsDone != 30 {
			t.Fatalf("after the interruption: %+v %v, want interrupted after 30 households", job, err)
		}
		if _, err := db.Issue(context.Background(), issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 10}); err != nil {
			t.Fatal(err)
		}
		job, err = db.IssueJobOf(context.Background(), issuer, res.RunID)
		if err != nil || job.Status != policy.RunDone || job.HouseholdsDone != 90 {
			t.Errorf("resumed: %+v %v", job, err)
		}
	})
}

// openAt opens a second connection pool to the database at dsn, as another
// process would.
func openAt(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return storetest.Now }
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(fmt.Errorf("migrate: %w", err))
	}
	return db
}
