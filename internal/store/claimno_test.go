package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestClaimNosRace: callers taking claim numbers one at a time (reports)
// and many at a time (a feed's or an event's claims) at once, from two
// processes on one database, get numbers that are all different, and each
// caller's numbers rise in the order it took them.
func TestClaimNosRace(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		today := znb.MustDate("2024-06-01")
		dbs := []*store.DB{storetest.Open(t, dsn), storetest.Open(t, dsn)}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db := dbs[(g/2)%2]
				var mine []string
				for i := 0; i < 30; i++ {
					n := 0
					if g%2 == 1 {
						n = 1 + (i*7+g)%150
					}
					nos, err := db.TakeClaimNos(ctx, today, n)
					if err != nil {
						t.Error(err)
						return
					}
					mine = append(mine, nos...)
				}
				if !slices.IsSorted(mine) {
					t.Errorf("caller %d: numbers do not rise: %v", g, mine)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, no := range mine {
					seen[no]++
				}
			}()
		}
		wg.Wait()
		want := 0
		for g := 0; g < 8; g++ {
			if g%2 == 0 {
				want += 30
				continue
			}
			for i := 0; i < 30; i++ {
				want += 1 + (i*7+g)%150
			}
		}
		if len(seen) != want {
			t.Errorf("%d different numbers, want %d", len(seen), want)
		}
		for no, n := range seen {
			if n > 1 {
				t.Errorf("%s handed out %d times", no, n)
			}
		}
	})
}
