package rest_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// records is a slog handler that keeps what it is given.
type records struct {
	mu   sync.Mutex
	list []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, rec)
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

// TestRequestLogClientErrors: refused requests are logged at info level,
// like every other request, so an operator sees 4xx answers.
func TestRequestLogClientErrors(t *testing.T) {
	rec := &records{}
	srv := rest.New(rest.Deps{DB: storetest.SQLite(t), Log: slog.New(rec), PublicPerMinute: 1})
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/healthz", 200},
		{"GET", "/nowhere", 404},
		{"GET", "/api/v1/me", 401},
		{"POST", "/api/v1/public/claims", 422},
		{"POST", "/api/v1/public/claims", 429},
	} {
		resp, err := srv.App().Test(httptest.NewRequest(tc.method, tc.path, nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Fatalf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	got := map[int64]slog.Level{}
	for _, r := range rec.list {
		if r.Message != "request" {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "status" {
				got[a.Value.Int64()] = r.Level
			}
			return true
		})
	}
	for _, status := range []int64{200, 404, 401, 422, 429} {
		level, ok := got[status]
		if !ok || level != slog.LevelInfo {
			t.Errorf("status %d: logged %v at %v, want info", status, ok, level)
		}
	}
}
