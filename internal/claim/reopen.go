package claim

import (
	"time"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Reopen sends an approved, unpaid claim back to assessment once an
// objection to it is upheld: the caller gives back what its approval
// consumed of its limit, and the claim waits for a new assessment (the
// objection stops its approval and payment until then). A paid claim is
// not reopened; recovering a payment is another matter.
func (c *Claim) Reopen(a znb.Actor, now time.Time, note string) (Event, error) {
	if err := c.from(Assessed, Approved); err != nil {
		return Event{}, err
	}
	return c.move(a, now, Assessed, note), nil
}
