// Package rest is the HTTP face of the platform: Fiber routes,
// request and response types, authentication and the one error handler.
// Handlers decode, call the domain or the store, and encode; nothing more.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Deps is what the server needs; cmd wires it.
type Deps struct {
	DB              *store.DB
	Log             *slog.Logger
	Clock           znb.Clock
	Secret          []byte // HMAC key for card signatures
	BaseURL         string // public address printed in QR codes
	FontPath        string // TrueType CJK font for PDFs ("" = search system folders)
	DocumentsDir    string
	MaxUploadBytes  int // a claim document
	MaxJSONBytes    int // a JSON body (or a product or agreement file)
	MaxImportBytes  int // an uploaded list, region table or statement
	PublicPerMinute int
	// Redis, when set, holds the public rate limit shared by every server
	// process; nil keeps it in this process.
	Redis redis.UniversalClient
	// TrustProxy takes the client address from X-Forwarded-For; only behind
	// a reverse proxy that sets it, or anyone could dodge the rate limit.
	TrustProxy bool
	Console    func(*Server, fiber.Router) // mounts the browser console (internal/web); nil for none
}

// Server holds the Fiber app and its dependencies.
type Server struct {
	Deps
	app *fiber.App
	// bg lives until Shutdown: background jobs and long downloads run on it
	// and stop at their next safe point once it is cancelled.
	bg     context.Context
	stopBG context.CancelFunc
	jobs   sync.WaitGroup // background jobs, which Shutdown waits for
	pdfMu  sync.Mutex
	pdf    *card.Renderer // see letterRenderer

	public publicDoor // the household door's rate limit, see PublicLimit
}

// New builds the server with every route registered.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.MaxUploadBytes == 0 {
		d.MaxUploadBytes = 10 << 20
	}
	if d.MaxJSONBytes == 0 {
		d.MaxJSONBytes = defaultJSONBytes
	}
	if d.MaxImportBytes == 0 {
		d.MaxImportBytes = defaultImportBytes
	}
	s := &Server{Deps: d}
	s.bg, s.stopBG = context.WithCancel(context.Background())
	proxyHeader := ""
	if d.TrustProxy {
		proxyHeader = fiber.HeaderXForwardedFor
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "zhunongbao",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		// Bodies are read by readBody, after authentication, within the
		// limit of their route; fasthttp only hands over the stream.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    max(d.MaxImportBytes, d.MaxUploadBytes+formOverhead, d.MaxJSONBytes),
		ReadTimeout:                  10 * time.Minute,
		WriteTimeout:                 10 * time.Minute,
		ProxyHeader:                  proxyHeader,
	})
	s.routes()
	return s
}

// App returns the Fiber app, for Listen and for tests through app.Test.
func (s *Server) App() *fiber.App { return s.app }

// Shutdown stops the server within ctx: it stops accepting connections,
// tells background issue jobs and long downloads to stop at their next safe
// point (a job after its last whole chunk, left interrupted and resumable; a
// download answering 503 shutting_down, its temporary file gone), lets
// short requests finish, and waits for all of them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopBG()
	err := s.app.ShutdownWithContext(ctx)
	done := make(chan struct{})
	go func() { s.jobs.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	return err
}

// errShuttingDown refuses long work once the server is stopping.
func errShuttingDown() error {
	return znb.Errorf(znb.Unavailable, codeShuttingDown, "服务正在停止，请稍后重试")
}

// longWork returns the context of work that may take minutes (a county's
// cards): the request's, also cancelled when the server begins to stop.
func (s *Server) longWork(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(c.UserContext())
	stop := context.AfterFunc(s.bg, cancel)
	return ctx, func() { stop(); cancel() }
}

// stopped turns the error of long work cut short by Shutdown into
// shutting_down.
func (s *Server) stopped(err error) error {
	if err != nil && s.bg.Err() != nil {
		return errShuttingDown()
	}
	return err
}

func (s *Server) routes() {
	s.app.Use(s.guard, s.logRequests)
	s.app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	s.app.Get("/readyz", s.readyz)
	s.mountConsole()
	s.verifyRoutes(s.app)

	api := s.app.Group("/api/v1")
	s.publicRoutes(api.Group("/public"))
	api.Use(s.authenticate, s.readBody, s.idempotent)
	s.accountRoutes(api)
	s.registryRoutes(api)
	s.regionRoutes(api)
	s.policyRoutes(api)
	s.cardRoutes(api)
	s.claimRoutes(api)
	s.fpbRoutes(api)
	s.oversightRoutes(api)
	s.eventRoutes(api)
	s.subsidyRoutes(api)
	s.reportRoutes(api)
	s.objectionRoutes(api)
	s.notifyRoutes(api)
	s.app.Use(func(c *fiber.Ctx) error {
		return znb.Errorf(znb.NotFound, "not_found", "没有这个地址：%s %s", c.Method(), c.Path())
	})
}

// logRequests writes one structured line per request at info level, client
// errors included: refusals (422, 404, 429) are what an operator looks for.
// The public door's rate limit keeps a probing client from flooding it.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if e := (*fiber.Error)(nil); errors.As(err, &e) {
			status = e.Code
		} else {
			status = statusOf[answerOf(err).Kind]
		}
	}
	s.Log.InfoContext(c.UserContext(), "request", "method", c.Method(), "path", c.Path(), "status", status,
		"ms", time.Since(start).Milliseconds(), "ip", c.IP())
	return err
}

func (s *Server) readyz(c *fiber.Ctx) error {
	if s.bg.Err() != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody(codeShuttingDown, "服务正在停止"))
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody("db_unavailable", "数据库不可用"))
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

var statusOf = map[znb.Kind]int{
	znb.Internal:     fiber.StatusInternalServerError,
	znb.Invalid:      fiber.StatusUnprocessableEntity,
	znb.NotFound:     fiber.StatusNotFound,
	znb.Conflict:     fiber.StatusConflict,
	znb.Unauthorized: fiber.StatusUnauthorized,
	znb.Forbidden:    fiber.StatusForbidden,
	znb.TooMany:      fiber.StatusTooManyRequests,
	znb.TooLarge:     fiber.StatusRequestEntityTooLarge,
	znb.Unavailable:  fiber.StatusServiceUnavailable,
	znb.StorageFull:  fiber.StatusInsufficientStorage,
}

const (
	codeDBUnavailable = "database_unavailable"
	codeShuttingDown  = "shutting_down"
	// retryAfter is the seconds a client is asked to wait after a 503 of an
	// outage or a restart: about what a database or service restart takes.
	retryAfter = "5"
)

type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func errorBody(code, msg string) fiber.Map {
	return fiber.Map{"error": errorJSON{Code: code, Message: msg}}
}

// answerOf is the error as the client is told it: a database that cannot be
// reached is database_unavailable (503, try again), whatever was asked.
func answerOf(err error) *znb.Error {
	if store.Unavailable(err) {
		return znb.Errorf(znb.Unavailable, codeDBUnavailable, "数据库暂时不可用，请稍后重试")
	}
	return znb.ErrorOf(err)
}

// handleError is the one place where errors become HTTP answers.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code, msg := "http_error", fe.Message
		switch fe.Code {
		case fiber.StatusNotFound:
			code, msg = "not_found", "没有这个地址"
		case fiber.StatusRequestEntityTooLarge:
			code, msg = "too_large", "上传内容超过大小限制"
		case fiber.StatusMethodNotAllowed:
			code, msg = "method_not_allowed", "不支持该请求方法"
		case fiber.StatusBadRequest:
			code, msg = "bad_request", "请求格式错误"
		}
		return c.Status(fe.Code).JSON(errorBody(code, msg))
	}
	e := answerOf(err)
	if e.Code == codeDBUnavailable {
		s.Log.Warn("database unavailable", "method", c.Method(), "path", c.Path(), "err", err)
	}
	status := statusOf[e.Kind]
	switch {
	case e.Code == codeDBUnavailable || e.Code == codeShuttingDown:
		c.Set(fiber.HeaderRetryAfter, retryAfter)
	case e.Kind == znb.Unavailable:
		s.Log.Error("installation incomplete", "code", e.Code, "err", err)
	}
	if e.Kind == znb.Internal {
		s.Log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
		e = &znb.Error{Code: "internal", Message: "服务器内部错误，请联系管理员"}
	}
	body := fiber.Map{"error": errorJSON{Code: e.Code, Message: e.Message}}
	// Import reports travel beside the error so clients find them at the top.
	if m, ok := e.Details.(map[string]any); ok {
		for k, v := range m {
			body[k] = v
		}
	} else if e.Details != nil {
		body["error"] = errorJSON{Code: e.Code, Message: e.Message, Details: e.Details}
	}
	return c.Status(status).JSON(body)
}

// authenticate reads "Authorization: Bearer <key>" and stores the actor.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	key, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || key == "" {
		return znb.Errorf(znb.Unauthorized, "unauthorized", "缺少 API 密钥（请求头 Authorization: Bearer 密钥）")
	}
	a, err := s.DB.UserByKey(c.UserContext(), strings.TrimSpace(key))
	if err != nil {
		return err
	}
	c.Locals(actorKey{}, a)
	return c.Next()
}

type actorKey struct{}

func actor(c *fiber.Ctx) znb.Actor {
	a, _ := c.Locals(actorKey{}).(znb.Actor)
	return a
}

// allow refuses an actor whose role may not take the action (znb.Can).
func allow(act znb.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := znb.Allow(actor(c), act); err != nil {
			return err
		}
		return c.Next()
	}
}

// decode reads a JSON body into v, refusing unknown fields, trailing data
// and values of the wrong type; messages name the field, never a Go type.
func decode(c *fiber.Ctx, v any) error {
	d := json.NewDecoder(bytes.NewReader(c.Body()))
	d.DisallowUnknownFields()
	err := d.Decode(v)
	if err == nil && d.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return znb.Errorf(znb.Invalid, "unknown_field", "请求体含有未知字段 %s", field)
	case errors.As(err, &typeErr):
		return znb.Errorf(znb.Invalid, "invalid_json", "请求体字段 %s 的取值类型不对", typeErr.Field)
	case errors.As(err, &syntaxErr):
		return znb.Errorf(znb.Invalid, "invalid_json", "请求体不是有效的 JSON（第 %d 个字节附近）", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return znb.Errorf(znb.Invalid, "invalid_json", "请求体为空，应为 JSON 对象")
	}
	var ze *znb.Error
	if errors.As(err, &ze) {
		return ze
	}
	return znb.Errorf(znb.Invalid, "invalid_json", "请求体不是有效的 JSON")
}

// saveUpload stores the multipart file field in a temporary directory and
// returns its path and the name the client gave it; the caller runs done
// when finished with it. Without the field the error has code and message.
func saveUpload(c *fiber.Ctx, field, code, message string) (path, name string, done func(), err error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return "", "", nil, znb.Errorf(znb.Invalid, code, "%s", message)
	}
	dir, err := os.MkdirTemp("", "znb-upload-")
	if err != nil {
		return "", "", nil, znb.Wrap(err, "保存上传文件")
	}
	done = func() { os.RemoveAll(dir) }
	path = filepath.Join(dir, "upload")
	if err := c.SaveFile(fh, path); err != nil {
		done()
		return "", "", nil, znb.Wrap(err, "保存上传文件")
	}
	return path, filepath.Base(fh.Filename), done, nil
}

// paramID reads a positive integer path parameter; anything else is 404.
func paramID(c *fiber.Ctx, name, what string) (int64, error) {
	id, err := c.ParamsInt(name)
	if err != nil || id <= 0 {
		return 0, znb.ErrNotFound(what)
	}
	return int64(id), nil
}
