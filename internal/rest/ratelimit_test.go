package rest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// publicServer is a server with a limit of 10 public requests a minute whose
// clock stands still, its buckets in rdb (nil: in the process).
func publicServer(t *testing.T, db *store.DB, rdb redis.UniversalClient) *rest.Server {
	return rest.New(rest.Deps{
		DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:        func() time.Time { return storetest.Now },
		DocumentsDir: t.TempDir(), PublicPerMinute: 10, TrustProxy: true, Redis: rdb,
	})
}

// askCard sends a public card request from addr and returns the status and
// Retry-After.
func askCard(t *testing.T, srv *rest.Server, addr string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/public/card", strings.NewReader(`{"name":"李四","id_number":"522625198001010011"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := srv.App().Test(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// Two server processes on one Redis spend from one budget per address.
func TestPublicRateLimitShared(t *testing.T) {
	url := os.Getenv("ZNB_TEST_REDIS")
	if url == "" {
		t.Skip("ZNB_TEST_REDIS not set (make test sets redis://127.0.0.1:6379/15)")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := publicServer(t, db, rdb), publicServer(t, db, rdb)
		addr := fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), rand.IntN(256))
		t.Cleanup(func() { rdb.Del(context.Background(), "znb:rate:"+addr) })
		for i := 1; i <= 10; i++ {
			srv := a
			if i%2 == 0 {
				srv = b
			}
			if code, _ := askCard(t, srv, addr); code != 404 {
				t.Fatalf("request %d: %d, want 404", i, code)
			}
		}
		for _, srv := range []*rest.Server{a, b} {
			if code, retry := askCard(t, srv, addr); code != 429 || retry != "6" {
				t.Errorf("11th request: %d Retry-After %q, want 429 and 6", code, retry)
			}
		}
		if code, _ := askCard(t, a, addr+"1"); code != 404 {
			t.Errorf("another address: %d, want 404", code)
		}
	})
}

// With Redis out of reach each process keeps limiting on its own.
func TestPublicRateLimitRedisDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := publicServer(t, db, rdb)
		for i := 1; i <= 10; i++ {
			if code, _ := askCard(t, srv, "10.9.9.9"); code != 404 {
				t.Fatalf("request %d: %d, want 404", i, code)
			}
		}
		if code, retry := askCard(t, srv, "10.9.9.9"); code != 429 || retry != "6" {
			t.Errorf("11th request: %d Retry-After %q, want 429 and 6", code, retry)
		}
	})
}
