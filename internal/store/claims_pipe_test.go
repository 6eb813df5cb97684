package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// On SQLite a report group is checked while the group before it commits,
// seeing that group's reports as stored, as a report sees those before it
// in its own group: a second report of the loss being committed is its
// duplicate, with its number, and a household's third claim is frequent.
// When that commit fails, its report is refused with the failure and the
// next one is checked again without it: nothing answered as stored is
// lost, and nothing refused is stored.
func TestReportCheckedWhileGroupCommits(t *testing.T) {
	for _, fail := range []bool{false, true} {
		for _, dup := range []bool{true, false} {
			name := map[bool]string{false: "commit holds", true: "commit fails"}[fail] + map[bool]string{true: ", same loss", false: ", third claim"}[dup]
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				db := storetest.SQLite(t)
				w := newClaimWorld(t, db, "znb-standard")
				if _, err := db.ReportClaim(ctx, clerk, w.report(znb.Property, "H1", 0, "2024-04-01", "火灾")); err != nil {
					t.Fatal(err)
				}
				loss := w.report(znb.Property, "H1", 0, "2024-05-01", "火灾")
				next := loss
				if !dup {
					next = w.report(znb.Property, "H1", 0, "2024-06-01", "火灾")
				}
				cut := errors.New("commit cut")
				first, second, no := reportWhileCommitting(t, db, loss, next, fail, cut)
				var stored int64
				if err := db.Gorm(ctx).Table("claims").Count(&stored).Error; err != nil {
					t.Fatal(err)
				}
				var ze *znb.Error
				switch {
				case fail && (!errors.Is(first.err, cut) || second.err != nil):
					t.Errorf("first %v, second %v; want the first refused with the cut commit and the second stored", first.err, second.err)
				case fail:
					wantSignals(t, "second claim, the first cut", second.c)
					if got, err := db.GetClaim(ctx, clerk, second.c.No); err != nil || len(got.History) != 1 {
						t.Errorf("the second report's claim %s: %v %v", second.c.No, got, err)
					}
				case first.err != nil || first.c.No != no:
					t.Errorf("first %v, %v; want it stored as %s", first.c, first.err, no)
				case dup && (!errors.As(second.err, &ze) || ze.Code != "duplicate_claim" || !reflect.DeepEqual(ze.Details, map[string]string{"claim_no": no})):
					t.Errorf("the same loss while the first commits: %v, want duplicate_claim of %s", second.err, no)
				case !dup && second.err != nil:
					t.Errorf("third claim: %v", second.err)
				case !dup:
					wantSignals(t, "third claim, the second committing", second.c, oversight.Frequent)
				}
				if want := map[bool]int64{false: 3, true: 2}[fail || dup]; stored != want {
					t.Errorf("%d claims stored, want %d", stored, want)
				}
			})
		}
	}
}

type reported struct {
	c   *claim.Claim
	err error
}

// reportWhileCommitting reports first, and next once first's group is
// committing; that commit fails with cut if fail. It returns what both
// reports were answered, and the claim number first's group committed.
func reportWhileCommitting(t *testing.T, db *store.DB, first, next store.ClaimReport, fail bool, cut error) (a, b reported, no string) {
	t.Helper()
	ctx := context.Background()
	committing, checked := make(chan []string, 1), make(chan struct{}, 1)
	proceed := make(chan struct{})
	once := true
	store.OnReportGroupCommit(t, func(nos []string) error {
		if !once {
			return nil
		}
		once = false
		committing <- nos
		<-proceed
		if fail {
			return cut
		}
		return nil
	})
	store.OnReportGroupCheckedAhead(t, func() {
		select {
		case checked <- struct{}{}:
		default:
		}
	})
	report := func(in store.ClaimReport, out chan<- reported) {
		c, err := db.ReportClaim(ctx, clerk, in)
		out <- reported{c, err}
	}
	ac, bc := make(chan reported, 1), make(chan reported, 1)
	go report(first, ac)
	select {
	case nos := <-committing:
		no = nos[0]
	case <-time.After(30 * time.Second):
		t.Fatal("the first report's group never committed")
	}
	go report(next, bc)
	select {
	case <-checked:
	case <-time.After(30 * time.Second):
		t.Fatal("the next report was not checked while the first committed")
	}
	close(proceed)
	return <-ac, <-bc, no
}
