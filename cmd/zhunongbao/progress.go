package main

import (
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"
)

// bar draws progress on stderr: the count, and the rate once a second has
// passed. The rate counts from the first count reported, so a resumed issue
// run's earlier work or an import's first batch is not taken as done in no
// time (the library's own rate divided it by the nanoseconds since its
// first draw and showed billions a second).
type bar struct {
	pb         *progressbar.ProgressBar
	desc, unit string
	now        func() time.Time

	started bool
	start   time.Time
	base, n int
}

// newBar counts rows; max -1 counts without a known end.
func newBar(e *env, max int, desc string) *bar { return newBarOf(e, max, desc, "行") }

// newBarOf counts things of unit.
func newBarOf(e *env, max int, desc, unit string) *bar {
	pb := progressbar.NewOptions(max,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(200*time.Millisecond),
	)
	return &bar{pb: pb, desc: desc, unit: unit, now: time.Now}
}

// Set moves the bar to n.
func (b *bar) Set(n int) {
	now := b.now()
	if !b.started {
		b.started, b.start, b.base = true, now, n
	}
	b.n = n
	if r := rate(n-b.base, now.Sub(b.start), b.unit); r != "" {
		b.pb.Describe(b.desc + " " + r)
	}
	b.pb.Set(n)
}

// Add moves the bar on by n.
func (b *bar) Add(n int) { b.Set(b.n + n) }

// Finish fills the bar.
func (b *bar) Finish() { b.pb.Finish() }

// Exit leaves the bar where it is, for work that stopped short.
func (b *bar) Exit() { b.pb.Exit() }

// End fills the bar when the work ended without err, and otherwise leaves
// it where it stopped: a filled bar would say the work was done.
func (b *bar) End(err error) {
	if err != nil {
		b.Exit()
	} else {
		b.Finish()
	}
}

// rate formats count things of unit done in d, or "" before a second has
// passed: too early to tell.
func rate(count int, d time.Duration, unit string) string {
	if d < time.Second || count < 0 {
		return ""
	}
	r := float64(count) / d.Seconds()
	if r >= 1 || r == 0 {
		return fmt.Sprintf("%.0f %s/s", r, unit)
	}
	return fmt.Sprintf("%.1f %s/min", r*60, unit)
}
