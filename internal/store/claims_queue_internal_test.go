package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// testReportJob is a checked property report of H1 numbered no, with its
// duplicate key, its first event (noted note) and its audit entry.
func testReportJob(t *testing.T, db *DB, by znb.Actor, key, no, note string) *reportJob {
	t.Helper()
	row := &claimRow{ClaimNo: no, CertificateNo: "C1", AgreementID: 1, Insurer: "PICC", HouseholdNo: "H1",
		RegionCode: "522625101001", Line: "property", Subject: "H1", IncidentDate: znb.MustDate("2024-06-01"),
		ReportedOn: znb.MustDate("2024-06-02"), Cause: "火灾", Status: "reported", DupKey: &key}
	audit, err := db.auditValues(by, scope{}, "claim.report", claimObject(no), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &reportJob{row: row, audit: audit,
		event: eventRow(0, claim.Event{Actor: by.Username, Role: by.Role, At: time.Now(), To: claim.Reported, Note: note})}
}

// Reports that queue while the gate is held are written in one commit;
// when one of them is a duplicate, it alone is refused and the others are
// still written. The queue's groups are seen from inside on SQLite, where
// the gate can be held; TestConcurrentReports checks what callers see on
// both engines.
func TestReportGroups(t *testing.T) {
	ctx := context.Background()
	db := openQueueDB(t, "group")
	clerk := znb.Actor{ID: 7, Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC"}
	for _, dup := range []int{-1, 3} {
		t.Run(fmt.Sprintf("duplicate=%d", dup), func(t *testing.T) {
			const n = 6
			jobs := make([]*reportJob, n)
			for i := range jobs {
				key := fmt.Sprintf("g%d-%d", dup, i)
				if i == dup {
					key = fmt.Sprintf("g%d-%d", dup, 0)
				}
				jobs[i] = testReportJob(t, db, clerk, key, fmt.Sprintf("CLM%d%02d", dup+1, i), "")
			}
			release, err := db.enterWrite(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := db.commits.Load()
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i, j := range jobs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = db.writeReport(ctx, j)
				}()
			}
			for queued := 0; queued < n; {
				time.Sleep(time.Millisecond)
				db.reports.mu.Lock()
				queued = len(db.reports.jobs)
				db.reports.mu.Unlock()
			}
			release()
			wg.Wait()
			refused := 0
			for i, err := range errs {
				switch {
				case (i == 0 || i == dup) && znb.CodeOf(err) == "duplicate_claim":
					refused++ // whichever of the two came second
				case err != nil || jobs[i].row.ID == 0:
					t.Errorf("report %d: %v, id %d", i, err, jobs[i].row.ID)
				}
			}
			if want := min(dup+1, 1); refused != want {
				t.Errorf("%d refused as duplicates, want %d", refused, want)
			}
			var claims, events int64
			db.gorm.Raw("SELECT COUNT(*) FROM claims WHERE claim_no LIKE ?", fmt.Sprintf("CLM%d%%", dup+1)).Scan(&claims)
			db.gorm.Raw("SELECT COUNT(*) FROM claim_events e JOIN claims c ON c.id = e.claim_id WHERE c.claim_no LIKE ?", fmt.Sprintf("CLM%d%%", dup+1)).Scan(&events)
			commits := db.commits.Load() - before
			switch {
			case dup < 0 && (claims != n || events != n || commits != 1):
				t.Errorf("all good: %d claims, %d events in %d commits, want %d in 1", claims, events, commits, n)
			case dup >= 0 && (claims != n-1 || events != n-1 || commits != n-1):
				t.Errorf("one duplicate: %d claims, %d events in %d commits, want %d, each alone", claims, events, commits, n-1)
			}
		})
	}
}

// A group written again after its commit's answer was lost (a cluster node
// that died once the others had applied it) is stored, not refused as its
// own duplicate: the second write finds the group's own claim numbers and
// answers with their ids. A report that only shares a duplicate key is
// still refused.
func TestReportGroupWrittenTwice(t *testing.T) {
	ctx := context.Background()
	db := openQueueDB(t, "twice")
	clerk := znb.Actor{ID: 7, Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC"}
	job := func(no, key string) *reportJob { return testReportJob(t, db, clerk, key, no, "") }
	group := []*reportJob{job("CLM1", "k1"), job("CLM2", "k2")}
	if err := db.writeGroup(ctx, group); err != nil {
		t.Fatal(err)
	}
	ids := []int64{group[0].row.ID, group[1].row.ID}
	again := []*reportJob{job("CLM1", "k1"), job("CLM2", "k2")}
	if err := db.writeGroup(ctx, again); err != nil {
		t.Fatalf("the same group written again: %v, want it stored", err)
	}
	if again[0].row.ID != ids[0] || again[1].row.ID != ids[1] {
		t.Errorf("ids %d %d, want %v", again[0].row.ID, again[1].row.ID, ids)
	}
	var claims, events int64
	db.gorm.Table("claims").Count(&claims)
	db.gorm.Table("claim_events").Count(&events)
	if claims != 2 || events != 2 {
		t.Errorf("%d claims, %d events; want 2 and 2", claims, events)
	}
	if err := db.writeGroup(ctx, []*reportJob{job("CLM3", "k1")}); znb.CodeOf(err) != "duplicate_claim" {
		t.Errorf("another report with a stored key: %v, want duplicate_claim", err)
	}
}

// A group's claims take their ids from the rowid SQLite gave the last row
// of their one INSERT: each report must get its own claim's id, and its
// event must hang on it, also after the table's last claim was deleted.
func TestReportGroupIDs(t *testing.T) {
	ctx := context.Background()
	db := openQueueDB(t, "ids")
	clerk := znb.Actor{ID: 7, Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC"}
	group := func(g, n int) []*reportJob {
		jobs := make([]*reportJob, n)
		for i := range jobs {
			no := fmt.Sprintf("CLM%d%02d", g, i)
			jobs[i] = testReportJob(t, db, clerk, fmt.Sprintf("ids%d-%d", g, i), no, no)
		}
		return jobs
	}
	for g, n := range []int{3, 7} {
		jobs := group(g, n)
		if err := db.writeGroup(ctx, jobs); err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			var stored struct {
				ID   int64
				Note string
			}
			db.gorm.Raw("SELECT c.id, e.note FROM claims c JOIN claim_events e ON e.claim_id = c.id WHERE c.claim_no = ?", j.row.ClaimNo).Scan(&stored)
			if stored.ID == 0 || stored.ID != j.row.ID || stored.Note != j.row.ClaimNo {
				t.Errorf("claim %s: id %d, stored as %d with the event of %q", j.row.ClaimNo, j.row.ID, stored.ID, stored.Note)
			}
		}
		if err := db.gorm.Exec("DELETE FROM claim_events WHERE claim_id = ?", jobs[n-1].row.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.gorm.Exec("DELETE FROM claims WHERE id = ?", jobs[n-1].row.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// A report group's leader takes claim numbers while it holds the write
// gate. Another caller that found the block used up reserves the next one
// behind the gate; the leader must not wait for that caller (which waits
// for the leader), and both get their numbers.
func TestClaimNoWhileGateHeld(t *testing.T) {
	ctx := context.Background()
	db := openQueueDB(t, "nos")
	today := znb.MustDate("2024-06-15")
	release, err := db.enterWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var (
		other    string
		otherErr error
		done     = make(chan struct{})
	)
	go func() {
		defer close(done)
		other, otherErr = db.claimNo(ctx, today) // no block in hand: waits for the gate
	}()
	time.Sleep(50 * time.Millisecond) // let it reach the gate
	mine, err := db.claimNoHeld(ctx, today)
	release()
	<-done
	if err != nil || otherErr != nil || mine == other {
		t.Errorf("leader %q, %v; other caller %q, %v; want two numbers", mine, err, other, otherErr)
	}
}

// openQueueDB opens a migrated SQLite database without an audit chainer,
// whose commits would count.
func openQueueDB(t *testing.T, name string) *DB {
	t.Helper()
	db, err := Open("sqlite:" + filepath.Join(t.TempDir(), name+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.started.Do(func() {})
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
