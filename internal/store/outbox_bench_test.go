package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// BenchmarkOutboxSend measures one sender delivering the outbox to a local
// gateway that accepts at once: ZNB_BENCH_OUTBOX answered objections (2,000
// unless given), two messages each (an SMS and a webhook), on SQLite, and on
// MariaDB when ZNB_TEST_MYSQL is set. It reports messages a second.
func BenchmarkOutboxSend(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("ZNB_BENCH_OUTBOX")); err == nil && v > 0 {
		n = v
	}
	for _, db := range []*store.DB{storetest.SQLite(b), storetest.MySQL(b)} {
		if db == nil {
			continue
		}
		b.Run(db.Dialect, func(b *testing.B) {
			f := newFakeGateway(b, 0, 0)
			f.subscribe(b, db)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				answered(b, db, n)
				b.StartTimer()
				start := time.Now()
				now := time.Now()
				s := &store.Sender{DB: db, Gateway: f.gateway(), Now: func() time.Time { return now }}
				sent, err := s.SendDue(context.Background())
				if err != nil || sent != 2*n {
					b.Fatalf("sent %d of %d: %v", sent, 2*n, err)
				}
				b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "msgs/s")
			}
		})
	}
}
