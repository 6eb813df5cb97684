package rest_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestForwardedForIgnored: without a trusted proxy, a client cannot buy a
// fresh rate-limit budget by sending its own X-Forwarded-For.
func TestForwardedForIgnored(t *testing.T) {
	srv := rest.New(rest.Deps{DB: storetest.SQLite(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PublicPerMinute: 2})
	codes := []int{}
	for i, ip := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		req := httptest.NewRequest("POST", "/api/v1/public/card", strings.NewReader(`{"name":"李四","id_number":"522625198001010011"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := srv.App().Test(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 404 || codes[1] != 404 || codes[2] != 429 {
		t.Errorf("statuses %v, want [404 404 429]: the header must not count as another client", codes)
	}
}
