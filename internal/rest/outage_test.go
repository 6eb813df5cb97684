package rest_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// outageCalls are API calls that each need the database.
var outageCalls = [][2]string{{"GET", "/api/v1/lists"}, {"GET", "/api/v1/claims"}, {"GET", "/api/v1/products"},
	{"POST", "/api/v1/claims"}}

// checkOutage wants every call answered 503 database_unavailable with a
// Retry-After header.
func checkOutage(t *testing.T, h *harness, key string) {
	t.Helper()
	for _, c := range outageCalls {
		var body any
		if c[0] == "POST" {
			body = map[string]any{"certificate_no": "ZNB5226252024001-000001", "line": "property", "incident_date": "2024-06-01", "cause": "火灾"}
		}
		req := httptest.NewRequest(c[0], c[1], nil)
		if body != nil {
			code, b := h.call(c[0], c[1], key, body)
			if code != http.StatusServiceUnavailable || errorCode(t, b) != "database_unavailable" {
				t.Errorf("%s %s: %d %s, want 503 database_unavailable", c[0], c[1], code, b)
			}
			continue
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := h.srv.App().Test(req, 30_000)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || errorCode(t, b) != "database_unavailable" || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s: %d %s (Retry-After %q), want 503 database_unavailable with Retry-After", c[0], c[1],
				resp.StatusCode, b, resp.Header.Get("Retry-After"))
		}
	}
}

// TestDatabaseClosed: with the server's connection pool closed under it,
// every call answers 503 database_unavailable, not 500 internal.
func TestDatabaseClosed(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		db := openStore(t, dsn)
		var closeOnce sync.Once
		closeDB := func() { closeOnce.Do(func() { db.Close() }) }
		t.Cleanup(closeDB)
		h := newHarness(t, db)
		key := h.user("office-a", znb.Office, "522625")
		if code, b := h.call("GET", "/api/v1/lists", key, nil); code != http.StatusOK {
			t.Fatalf("before: %d %s", code, b)
		}
		closeDB()
		checkOutage(t, h, key)
	})
}

// TestDatabaseRestart cuts the server's connection to MariaDB, as a server
// restart does (open connections drop, new ones are refused), and brings it
// back: meanwhile every call answers 503 database_unavailable; afterwards
// the same calls work again.
func TestDatabaseRestart(t *testing.T) {
	dsn := storetest.MySQLDSN(t)
	if dsn == "" {
		t.Skip("ZNB_TEST_MYSQL is unset")
	}
	target := regexp.MustCompile(`tcp\(([^)]*)\)`).FindStringSubmatch(dsn)
	if target == nil {
		t.Fatalf("no tcp(...) address in %s", dsn)
	}
	p := startProxy(t, target[1])
	db := openStore(t, regexp.MustCompile(`tcp\([^)]*\)`).ReplaceAllString(dsn, "tcp("+p.addr+")"))
	t.Cleanup(func() { db.Close() })
	h := newHarness(t, db)
	key := h.user("office-a", znb.Office, "522625")
	if code, b := h.call("GET", "/api/v1/lists", key, nil); code != http.StatusOK {
		t.Fatalf("before: %d %s", code, b)
	}
	p.down()
	checkOutage(t, h, key)
	p.up(t)
	for _, c := range outageCalls[:3] {
		if code, b := h.call(c[0], c[1], key, nil); code != http.StatusOK {
			t.Errorf("after the restart, %s %s: %d %s", c[0], c[1], code, b)
		}
	}
}

// openStore opens and migrates a store on dsn, which the caller closes.
func openStore(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return storetest.Now }
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// tcpProxy forwards a local port to a database server; down drops every
// connection and refuses new ones, up listens again on the same port.
type tcpProxy struct {
	addr, target string
	mu           sync.Mutex
	l            net.Listener
	conns        []net.Conn
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{addr: "127.0.0.1:0", target: target}
	p.up(t)
	p.addr = p.l.Addr().String()
	t.Cleanup(p.down)
	return p
}

func (p *tcpProxy) up(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.l.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
