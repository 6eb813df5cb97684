package card

import (
	"context"
	"runtime"
	"sync"
)

// PrintAll runs print(ctx, i) for each i in [0, n), as many at a time as
// the process has processors: one village's file is one renderer's work on
// one core, and a county has a hundred villages or more. The first error
// stops the rest (their ctx is cancelled, so they stop at their next card
// and write no file) and is returned.
func PrintAll(ctx context.Context, n int, print func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() != nil {
					return // stopped: the village is not begun
				}
				if err := print(ctx, i); err != nil {
					once.Do(func() { first = err })
					cancel()
					return
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
