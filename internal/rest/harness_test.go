package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// harness is a server on a fresh database with helpers to call it as
// different users.
type harness struct {
	t   *testing.T
	db  *store.DB
	srv *rest.Server
}

func newHarness(t *testing.T, db *store.DB) *harness {
	t.Helper()
	srv := rest.New(rest.Deps{
		DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:  func() time.Time { return storetest.Now },
		Secret: []byte("test-secret"), BaseURL: "http://znb.test",
		DocumentsDir: t.TempDir(), MaxUploadBytes: 1 << 20, PublicPerMinute: 10, TrustProxy: true,
	})
	return &harness{t: t, db: db, srv: srv}
}

// user creates an account and returns its API key.
func (h *harness) user(name string, role znb.Role, scope string) string {
	h.t.Helper()
	key, err := h.db.CreateUser(context.Background(), znb.System, name, role, scope)
	if err != nil {
		h.t.Fatal(err)
	}
	return key
}

// call sends a request; body may be nil, a []byte, or a value sent as JSON.
func (h *harness) call(method, path, key string, body any) (int, []byte) {
	h.t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r, ctype = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(method, path, r)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return h.send(req, key)
}

func (h *harness) send(req *http.Request, key string) (int, []byte) {
	h.t.Helper()
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := h.srv.App().Test(req, 120_000)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// upload posts a multipart form with one file field and text fields.
func (h *harness) upload(path, key, field, filename string, content []byte, fields map[string]string) (int, []byte) {
	h.t.Helper()
	return h.uploadAs(http.MethodPost, path, key, field, filename, content, fields)
}

// uploadAs is upload with another method.
func (h *harness) uploadAs(method, path, key, field, filename string, content []byte, fields map[string]string) (int, []byte) {
	h.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile(field, filename)
	fw.Write(content)
	w.Close()
	req := httptest.NewRequest(method, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return h.send(req, key)
}

// decodeJSON unmarshals an answer or fails the test.
func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, b)
	}
}

// errorCode returns the code of an error answer.
func errorCode(t *testing.T, b []byte) string {
	var e struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal(b, &e)
	return e.Error.Code
}

func readFile(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tempPath(t *testing.T, name string) string { return filepath.Join(t.TempDir(), name) }
