package rest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// A client may send an Idempotency-Key header with any POST (a claim
// report, a list, an agreement, a reconciliation, a user, a document...).
// The first request with a key is answered as usual and its answer stored
// under the key and the caller; a repeat of it — the client re-sending after
// a timeout, a dropped connection or a 503 — gets that answer again, status
// and body, with Idempotent-Replayed: true, and nothing is done twice. The
// same key with another request is refused (idempotency_key_reused); a
// repeat while the first is still being answered is 409
// idempotency_in_progress. An answer that is a server error or an outage
// (5xx) is not kept: the key is given back and the client may try again.

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
	maxIdempotencyKey    = 128
)

// idempotent is the middleware that keeps and replays answers by key.
func (s *Server) idempotent(c *fiber.Ctx) error {
	key := c.Get(headerIdempotencyKey)
	if c.Method() != fiber.MethodPost || key == "" {
		return c.Next()
	}
	if len(key) > maxIdempotencyKey || strings.IndexFunc(key, func(r rune) bool { return r < '!' || r > '~' }) >= 0 {
		return znb.Errorf(znb.Invalid, "invalid_idempotency_key", "Idempotency-Key 须为 1 至 %d 个可见 ASCII 字符", maxIdempotencyKey)
	}
	hash, err := requestHash(c)
	if err != nil {
		return err
	}
	ctx, who := c.UserContext(), actor(c).Username
	prior, err := s.DB.ReserveKey(ctx, who, key, hash)
	if err != nil {
		return err
	}
	if prior != nil {
		switch {
		case prior.RequestHash != hash:
			return znb.Errorf(znb.Invalid, "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求，请换一个新键")
		case prior.Status == 0:
			return znb.Errorf(znb.Conflict, "idempotency_in_progress", "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试")
		}
		c.Set(headerReplayed, "true")
		c.Set(fiber.HeaderContentType, prior.ContentType)
		return c.Status(prior.Status).Send(prior.Body)
	}
	// Answer now, so that what the client is told is what is kept.
	if err := c.Next(); err != nil {
		if err := s.handleError(c, err); err != nil {
			s.DB.ReleaseKey(ctx, who, key)
			return err
		}
	}
	resp := c.Response()
	if status := resp.StatusCode(); status < 500 && !resp.IsBodyStream() {
		err := s.DB.SaveAnswer(ctx, who, key, status, string(resp.Header.ContentType()), withoutSecrets(resp.Body()))
		if err == nil {
			return nil
		}
		s.Log.Warn("idempotent answer not kept", "path", c.Path(), "err", err)
	}
	if err := s.DB.ReleaseKey(ctx, who, key); err != nil {
		s.Log.Warn("idempotency key not released", "path", c.Path(), "err", err)
	}
	return nil
}

// withoutSecrets blanks a new user's API key in an answer before it is kept:
// keys are stored only as hashes, so a repeated user creation answers the
// same user with an empty api_key (a lost key is replaced, not replayed).
func withoutSecrets(body []byte) []byte {
	if !bytes.Contains(body, []byte(`"api_key"`)) {
		return body
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	m["api_key"] = json.RawMessage(`""`)
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// requestHash identifies a request by its path and what it sends: the JSON
// body as sent, or a form's fields and files (not the form's boundary,
// which a client draws anew each time it sends the same form).
func requestHash(c *fiber.Ctx) (string, error) {
	h := sha256.New()
	io.WriteString(h, c.Method()+" "+c.OriginalURL()+"\n")
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		h.Write(c.Body())
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	form, err := c.MultipartForm()
	if err != nil {
		return "", znb.Errorf(znb.Invalid, "invalid_form", "请求体不是有效的 multipart 表单")
	}
	for _, name := range sortedKeys(form.Value) {
		for _, v := range form.Value[name] {
			io.WriteString(h, "value "+name+"\n"+v+"\n")
		}
	}
	for _, name := range sortedKeys(form.File) {
		for _, fh := range form.File[name] {
			io.WriteString(h, "file "+name+"\n"+fh.Filename+"\n")
			f, err := fh.Open()
			if err != nil {
				return "", znb.Wrap(err, "读取上传文件")
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return "", znb.Wrap(err, "读取上传文件")
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
