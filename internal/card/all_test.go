package card

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPrintAll(t *testing.T) {
	t.Run("each once", func(t *testing.T) {
		for _, n := range []int{0, 1, 7, 300} {
			seen := make([]atomic.Int32, n)
			if err := PrintAll(context.Background(), n, func(_ context.Context, i int) error {
				seen[i].Add(1)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for i := range seen {
				if got := seen[i].Load(); got != 1 {
					t.Errorf("n=%d: village %d printed %d times", n, i, got)
				}
			}
		}
	})
	t.Run("side by side", func(t *testing.T) {
		if runtime.GOMAXPROCS(0) < 2 {
			t.Skip("one processor: one village at a time")
		}
		// Two villages must be in print at once: each waits for the other.
		var both sync.WaitGroup
		both.Add(2)
		met := make(chan struct{})
		go func() { both.Wait(); close(met) }()
		err := PrintAll(context.Background(), 2, func(context.Context, int) error {
			both.Done()
			select {
			case <-met:
				return nil
			case <-time.After(10 * time.Second):
				return errors.New("printed one after the other")
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("first error stops the rest", func(t *testing.T) {
		bad := errors.New("disk full")
		var started atomic.Int32
		err := PrintAll(context.Background(), 1000, func(ctx context.Context, i int) error {
			started.Add(1)
			switch {
			case i < 3:
				return nil
			case i == 3:
				return bad
			}
			<-ctx.Done() // a village in print stops at its next card
			return ctx.Err()
		})
		if !errors.Is(err, bad) {
			t.Fatalf("error %v, want %v", err, bad)
		}
		if n := started.Load(); n > int32(runtime.GOMAXPROCS(0))+4 {
			t.Errorf("%d villages started after the failure", n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var started atomic.Int32
		err := PrintAll(ctx, 100, func(context.Context, int) error { started.Add(1); return nil })
		if !errors.Is(err, context.Canceled) || started.Load() != 0 {
			t.Errorf("error %v after %d villages, want context.Canceled and none", err, started.Load())
		}
	})
}
