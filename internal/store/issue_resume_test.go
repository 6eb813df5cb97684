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

// TestResumeStale: process A's issue run dies half-way (its connections
// gone, its lease left behind, as after kill -9). While the lease lasts no
// one takes the run over; once it has run out, two other processes sweep
// at once and exactly one of them resumes the run as its starter, to the
// certificates, persons and premium of a clean single run. A run stopped
// by its process (interrupted) is resumed too; a failed one is not.
func TestResumeStale(t *testing.T) {
	ref := storetest.SQLite(t)
	rfx := setupIssue(t, ref, 90)
	clean, err := ref.Issue(context.Background(), issuer, rfx.agreementID, rfx.list1, store.IssueOptions{Chunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, ref, rfx.agreementID)

	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := openDying(t, dsn)
		fx := setupIssue(t, a, 90)
		if _, err := a.CreateUser(ctx, znb.System, issuer.Username, issuer.Role, issuer.Scope); err != nil {
			t.Fatal(err)
		}
		b, c := openAt(t, dsn), openAt(t, dsn)

		held, dead := make(chan struct{}), make(chan struct{})
		ran := make(chan error, 1)
		go func() {
			chunks := 0
			_, err := a.Issue(ctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 10, Progress: func(int, int) {
				if chunks++; chunks == 3 {
					close(held)
					<-dead
				}
			}})
			ran <- err
		}()
		<-held
		a.Close() // A is gone between two chunks: nothing hands its lease back
		close(dead)
		if err := <-ran; err == nil {
			t.Fatal("the dead process's run went on")
		}
		job, err := b.IssueJobOf(ctx, issuer, 1)
		if err != nil || job.Status != policy.RunRunning || job.HouseholdsDone != 30 {
			t.Fatalf("after A died: %+v %v, want running after 30 households", job, err)
		}
		if res, err := b.ResumeStale(ctx, store.IssueOptions{Chunk: 10}); res != nil || err != nil {
			t.Fatalf("taken over while A's lease lasts: %+v %v", res, err)
		}

		store.ShiftLeaseClock(t, store.LeaseFor+time.Second)
		var wg sync.WaitGroup
		results := make([]*store.IssueResult, 2)
		errs := make([]error, 2)
		for i, db := range []*store.DB{b, c} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = db.ResumeStale(ctx, store.IssueOptions{Chunk: 10})
			}()
		}
		wg.Wait()
		resumed := 0
		for i, res := range results {
			if errs[i] != nil {
				t.Fatalf("sweeper %d: %v", i, errs[i])
			}
			if res != nil {
				resumed++
			}
		}
		if resumed != 1 {
			t.Fatalf("%d sweepers resumed the run, want 1: %+v", resumed, results)
		}
		job, err = b.IssueJobOf(ctx, issuer, 1)
		if err != nil || job.Status != policy.RunDone || job.HouseholdsDone != 90 || job.Certificates != clean.Certificates ||
			job.Persons != clean.Persons || !job.Premium.Equal(clean.Premium) {
			t.Fatalf("resumed run: %+v %v, want done with %d certificates, %d persons, premium %s",
				job, err, clean.Certificates, clean.Persons, clean.Premium)
		}
		got := snapshot(t, b, fx.agreementID)
		if len(got) != len(want) {
			t.Errorf("%d certificates, a clean run %d", len(got), len(want))
		}
		for no, w := range want {
			if g := got[no]; g == nil || g.No != w.No || !g.Premium().Equal(w.Premium()) || fmt.Sprint(g.Members) != fmt.Sprint(w.Members) {
				t.Errorf("household %s: %v, want %v", no, g, w)
			}
		}
		if res, err := c.ResumeStale(ctx, store.IssueOptions{}); res != nil || err != nil {
			t.Errorf("a finished run resumed again: %+v %v", res, err)
		}
	})
}

// TestResumeInterruptedNotFailed: a run its process stopped (interrupted)
// is resumed by the next sweep; a run that failed waits for a new start.
func TestResumeInterruptedNotFailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		fx := setupIssue(t, db, 40)
		ctx, cancel := context.WithCancel(bg)
		_, err := db.Issue(ctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 10, Progress: func(int, int) { cancel() }})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped run: %v", err)
		}
		// The starter's account is gone: the resume fails and says so.
		res, err := db.ResumeStale(bg, store.IssueOptions{Chunk: 10})
		if res == nil || znb.CodeOf(err) != "forbidden" {
			t.Fatalf("resume without the starter: %+v %v, want forbidden", res, err)
		}
		job, _ := db.IssueJobOf(bg, issuer, res.RunID)
		if job.Status != policy.RunFailed || job.HouseholdsDone != 10 {
			t.Fatalf("after the failed resume: %+v, want failed after 10 households", job)
		}
		if res, err := db.ResumeStale(bg, store.IssueOptions{}); res != nil || err != nil {
			t.Fatalf("a failed run resumed: %+v %v", res, err)
		}
		// Started again by hand, stopped again, and resumed by the sweep.
		if _, err := db.CreateUser(bg, znb.System, issuer.Username, issuer.Role, issuer.Scope); err != nil {
			t.Fatal(err)
		}
		ctx, cancel = context.WithCancel(bg)
		db.Issue(ctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 10, Progress: func(int, int) { cancel() }})
		res, err = db.ResumeStale(bg, store.IssueOptions{Chunk: 10})
		if err != nil || res == nil {
			t.Fatalf("interrupted run not resumed: %+v %v", res, err)
		}
		job, err = db.IssueJobOf(bg, issuer, res.RunID)
		if err != nil || job.Status != policy.RunDone || job.HouseholdsDone != 40 {
			t.Errorf("resumed: %+v %v, want done", job, err)
		}
	})
}

// openDying opens a connection pool, as openAt, that the test closes itself.
func openDying(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return storetest.Now }
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
