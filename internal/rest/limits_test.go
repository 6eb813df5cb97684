package rest_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// listen serves srv on a real socket, as in production: app.Test buffers
// the whole request before the server sees it.
func listen(t *testing.T, srv *rest.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() { srv.App().Shutdown() })
	return ln.Addr().String()
}

// heapPeak samples the heap in use until stop is called and returns the
// largest rise over the start, in bytes.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base, peak := m.HeapInuse, m.HeapInuse
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if peak < base {
			return 0
		}
		return peak - base
	}
}

// rawRequest sends head and then size bytes of body in chunks of
// Transfer-Encoding: chunked (each chunk made by fill), while reading the
// answer; it returns the status, the answer's body and how many body bytes
// the server took before it answered and closed.
func rawRequest(t *testing.T, addr, head string, size int64, fill func(sent int64, p []byte) int) (int, string, int64) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return 0, "", 0
	}
	defer conn.Close()
	var sent atomic.Int64
	go func() {
		w := bufio.NewWriterSize(conn, 64<<10)
		if _, err := io.WriteString(w, head+"Transfer-Encoding: chunked\r\n\r\n"); err != nil {
			return
		}
		chunk := make([]byte, 32<<10)
		for s := int64(0); s < size; {
			n := fill(s, chunk)
			if _, err := fmt.Fprintf(w, "%x\r\n", n); err != nil {
				return
			}
			if _, err := w.Write(chunk[:n]); err != nil {
				return
			}
			if _, err := io.WriteString(w, "\r\n"); err != nil {
				return
			}
			s += int64(n)
			sent.Store(s)
		}
		io.WriteString(w, "0\r\n\r\n")
		w.Flush()
	}()
	conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Errorf("no answer: %v (%d bytes sent)", err, sent.Load())
		return 0, "", sent.Load()
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b), sent.Load()
}

func zeros(_ int64, p []byte) int { return len(p) }

// TestBodyBeforeLogin: a body is not read before the client is accepted, and
// an accepted one only within its route's limit, chunked or not; memory
// stays flat whatever is sent, two at once.
func TestBodyBeforeLogin(t *testing.T) {
	const big = 300 << 20
	const flat = 48 << 20 // heap rise allowed: buffers, not bodies
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := rest.New(rest.Deps{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Clock: func() time.Time { return storetest.Now }, DocumentsDir: t.TempDir(), PublicPerMinute: 10})
		addr := listen(t, srv)
		key, err := db.CreateUser(t.Context(), znb.System, "clerk", znb.Office, "522625")
		if err != nil {
			t.Fatal(err)
		}
		post := func(path, auth, ctype string) string {
			h := "POST " + path + " HTTP/1.1\r\nHost: znb.test\r\nContent-Type: " + ctype + "\r\n"
			if auth != "" {
				h += "Authorization: Bearer " + auth + "\r\n"
			}
			return h
		}

		t.Run("wrong key, two at once", func(t *testing.T) {
			stop := heapPeak()
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code, body, sent := rawRequest(t, addr, post("/api/v1/lists", "wrong", "multipart/form-data; boundary=x"), big, zeros)
					if code != 401 || !strings.Contains(body, `"unauthorized"`) {
						t.Errorf("answer %d %s", code, body)
					}
					if sent > big/2 {
						t.Errorf("the server took %d MB before answering", sent>>20)
					}
				}()
			}
			wg.Wait()
			if rise := stop(); rise > flat {
				t.Errorf("heap rose by %d MB", rise>>20)
			}
		})

		t.Run("public door", func(t *testing.T) {
			stop := heapPeak()
			code, body, _ := rawRequest(t, addr, post("/api/v1/public/claims", "", "application/json"), big, zeros)
			if code != 413 || !strings.Contains(body, `"too_large"`) {
				t.Errorf("answer %d %s", code, body)
			}
			if rise := stop(); rise > flat {
				t.Errorf("heap rose by %d MB", rise>>20)
			}
		})

		t.Run("JSON route over its limit", func(t *testing.T) {
			stop := heapPeak()
			code, body, _ := rawRequest(t, addr, post("/api/v1/claims", key, "application/json"), big, zeros)
			if code != 413 || !strings.Contains(body, `"too_large"`) {
				t.Errorf("answer %d %s", code, body)
			}
			if rise := stop(); rise > flat {
				t.Errorf("heap rose by %d MB", rise>>20)
			}
		})

		t.Run("declared length over the limit", func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /api/v1/claims HTTP/1.1\r\nHost: znb.test\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", key, big)
			conn.Write(make([]byte, 16<<10)) // what the server reads ahead
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 413 || !strings.Contains(string(b), `"too_large"`) {
				t.Errorf("answer %d %s", resp.StatusCode, b)
			}
		})

		t.Run("upload goes to disk", func(t *testing.T) {
			head := "--x\r\nContent-Disposition: form-data; name=\"county\"\r\n\r\n522625\r\n" +
				"--x\r\nContent-Disposition: form-data; name=\"effective_date\"\r\n\r\n2024-01-01\r\n" +
				"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\n\r\n"
			tail := "\r\n--x--\r\n"
			fill := func(sent int64, p []byte) int {
				switch {
				case sent == 0:
					return copy(p, head)
				case sent+int64(len(p)) >= big:
					return copy(p, tail)
				}
				for i := range p {
					p[i] = 0
				}
				return len(p)
			}
			stop := heapPeak()
			code, body, sent := rawRequest(t, addr, post("/api/v1/lists", key, "multipart/form-data; boundary=x"), big, fill)
			// The whole file arrived and the importer judged it (NUL bytes:
			// not a table).
			if code == 413 || code == 401 || code >= 500 || sent < big-(64<<10) {
				t.Errorf("answer %d %s after %d MB", code, body, sent>>20)
			}
			if rise := stop(); rise > flat {
				t.Errorf("heap rose by %d MB", rise>>20)
			}
		})
	})
}
