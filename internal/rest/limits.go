package rest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Request bodies are streamed (fiber.Config.StreamRequestBody): nothing of a
// body is read before the client is accepted, by its API key or by the
// public door's rate limit. Then readBody takes the body within the limit of
// its route: JSON into memory, a file upload (a multipart form on a file
// route) to an unlinked temporary file, so that what anyone sends costs the
// server disk, not memory. A body left unread closes the connection after
// the answer.

const (
	defaultJSONBytes   = 1 << 20
	defaultImportBytes = 512 << 20
	// publicBodyBytes bounds a request to the public door: a name and an ID
	// number, or an objection of at most 1,000 characters (escaped as
	// \uXXXX they take 6 bytes each).
	publicBodyBytes = 8 << 10
	// formOverhead is what a multipart form adds around a document: the
	// boundaries, part headers and the kind field.
	formOverhead = 1 << 20
)

// fileRoute is a route that takes a file in a multipart form, and how much
// it may send.
type fileRoute struct {
	method, path string // path segments starting with ':' match any segment
	limit        func(d *Deps) int
}

var fileRoutes = []fileRoute{
	{fiber.MethodPost, "/api/v1/lists", func(d *Deps) int { return d.MaxImportBytes }},
	{fiber.MethodPut, "/api/v1/regions", func(d *Deps) int { return d.MaxImportBytes }},
	{fiber.MethodPost, "/api/v1/reconciliations", func(d *Deps) int { return d.MaxImportBytes }},
	// Over the document limit but within this, the store's own check answers.
	{fiber.MethodPost, "/api/v1/claims/:no/documents", func(d *Deps) int { return d.MaxUploadBytes + formOverhead }},
}

// bodyLimit returns how many bytes the request may send and whether they go
// to disk: a multipart form on a file route; every other body is JSON (or a
// small file) and goes to memory.
func (s *Server) bodyLimit(c *fiber.Ctx) (limit int, toDisk bool) {
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		for _, r := range fileRoutes {
			if r.method == c.Method() && matchPath(r.path, c.Path()) {
				return r.limit(&s.Deps), true
			}
		}
	}
	return s.MaxJSONBytes, false
}

// matchPath reports whether path is pattern, as Fiber routes it: letter case
// and a trailing slash do not matter.
func matchPath(pattern, path string) bool {
	want := strings.Split(pattern, "/")
	got := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(want) != len(got) {
		return false
	}
	for i, w := range want {
		if strings.HasPrefix(w, ":") {
			if got[i] == "" {
				return false
			}
		} else if !strings.EqualFold(w, got[i]) {
			return false
		}
	}
	return true
}

// bodyTaken marks a request whose body readBody read to its end.
type bodyTaken struct{}

// readBody is the middleware that reads an accepted request's body within
// the limit of its route.
func (s *Server) readBody(c *fiber.Ctx) error {
	limit, toDisk := s.bodyLimit(c)
	return takeBody(c, limit, toDisk)
}

// readPublicBody reads a body of the public door.
func readPublicBody(c *fiber.Ctx) error { return takeBody(c, publicBodyBytes, false) }

// takeBody reads the streamed body of c, at most limit bytes, into memory or
// to a temporary file, and then runs the next handler, which finds it where
// Fiber keeps a body (c.Body, c.FormFile). Over the limit: 413 too_large; a
// declared length over it is refused without reading.
func takeBody(c *fiber.Ctx, limit int, toDisk bool) error {
	req := c.Request()
	if !req.IsBodyStream() {
		return c.Next()
	}
	if enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); enc != "" && !strings.EqualFold(enc, "identity") {
		// Fiber would inflate it in memory, unbounded.
		return znb.Errorf(znb.Invalid, "unsupported_encoding", "不支持压缩的请求体（Content-Encoding: %s）", enc)
	}
	if n := req.Header.ContentLength(); n > limit {
		return tooLarge(limit)
	}
	body := io.LimitReader(c.Context().RequestBodyStream(), int64(limit)+1)
	if !toDisk {
		b, err := io.ReadAll(body)
		if err != nil {
			return bodyBroken(err)
		}
		if len(b) > limit {
			return tooLarge(limit)
		}
		req.SetBody(b)
		c.Locals(bodyTaken{}, true)
		return c.Next()
	}
	f, err := os.CreateTemp("", "znb-body-")
	if err != nil {
		return znb.Wrap(err, "保存上传内容")
	}
	// Unlinked at once: the space comes back when the file is closed,
	// however the request ends.
	os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, body)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return znb.Wrap(err, "保存上传内容")
		}
		return bodyBroken(err)
	}
	if n > int64(limit) {
		return tooLarge(limit)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return znb.Wrap(err, "保存上传内容")
	}
	req.SetBodyStream(f, int(n))
	c.Locals(bodyTaken{}, true)
	return c.Next()
}

func tooLarge(limit int) error {
	return znb.Errorf(znb.TooLarge, "too_large", "请求内容超过大小限制（%s）", size(limit))
}

// bodyBroken is a body that ended before its declared length or with a bad
// chunk: the client's fault, 400 bad_request.
func bodyBroken(error) error { return fiber.ErrBadRequest }

// size writes a byte count for people: 512 MB, 1 MB, 4 KB.
func size(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// htmlPolicy is the Content-Security-Policy of the HTML pages: their own
// inline style, no script but the server's own, never inside a frame.
const htmlPolicy = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// guard wraps every request: headers that keep browsers and caches from
// misusing an answer, and a closed connection after a body left unread
// (refused before it was read), so that the rest of it is never read as the
// next request.
func (s *Server) guard(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	if p := strings.ToLower(c.Path()); strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/verify/") {
		// Answers of the API and the verify page name people: no cache
		// (a shared computer's browser, a proxy) keeps them.
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	err := c.Next()
	if strings.HasPrefix(string(c.Response().Header.ContentType()), fiber.MIMETextHTML) {
		c.Set(fiber.HeaderContentSecurityPolicy, htmlPolicy)
	}
	if c.Request().IsBodyStream() && c.Request().Header.ContentLength() != 0 && c.Locals(bodyTaken{}) == nil {
		c.Context().SetConnectionClose()
	}
	return err
}
