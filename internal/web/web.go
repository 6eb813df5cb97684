// Package web is the browser console: server-rendered pages in Chinese for
// the county office, the insurer's staff and the household, mounted on the
// API's Fiber app. Every page calls the same store and domain functions as
// the API (through rest where the API adds a step of its own, such as the
// household door's rate limit and audit), so no rule is written twice.
package web

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

//go:embed templates/*.html templates/parts/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Config is how the console behaves.
type Config struct {
	// Idle ends a session not used for this long (30 minutes when 0).
	Idle time.Duration
	// Secure marks the session cookie Secure even when the request did not
	// come over TLS itself (TLS ended by a proxy in front).
	Secure bool
}

// console holds what every page needs.
type console struct {
	api   *rest.Server
	db    *store.DB
	log   *slog.Logger
	cfg   Config
	pages map[string]*template.Template
}

// Mount returns the hook rest.Deps.Console takes: it adds the console's
// routes to the app.
func Mount(cfg Config) func(*rest.Server, fiber.Router) {
	if cfg.Idle <= 0 {
		cfg.Idle = 30 * time.Minute
	}
	return func(api *rest.Server, r fiber.Router) {
		w := &console{api: api, db: api.DB, log: api.Log, cfg: cfg, pages: parsePages()}
		w.routes(r)
	}
}

func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts/*.html", n))
	}
	return pages
}

var funcs = template.FuncMap{
	"can":    func(a *znb.Actor, act string) bool { return a != nil && znb.Can(*a, znb.Action(act)) },
	"column": registry.ColumnHeader,
	"when": func(rfc3339 string) string { // as the API writes times, shown to the minute
		t, err := time.Parse(time.RFC3339, rfc3339)
		if err != nil {
			return rfc3339
		}
		return t.Format("2006-01-02 15:04")
	},
	"money":      func(d decimal.Decimal) string { return money.String(d) },
	"statusName": func(s string) string { return agreementStatusNames[policy.AgreementStatus(s)] },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"field": func(v *view, name, label, mode string) fieldView {
		return fieldView{Name: name, Label: label, Mode: mode, Value: v.Form[name], Error: v.Fields[name]}
	},
}

var agreementStatusNames = map[policy.AgreementStatus]string{
	policy.Draft: "草稿", policy.Active: "已生效", policy.Expired: "已过期",
}

// fieldView is one input of a form as its template draws it.
type fieldView struct{ Name, Label, Mode, Value, Error string }

func (w *console) routes(r fiber.Router) {
	assets, _ := fs.Sub(assetFS, "assets")
	r.Use("/assets", filesystem.New(filesystem.Config{Root: http.FS(assets), MaxAge: 3600}))
	r.Get("/", w.optionalSession, w.home)
	r.Get("/login", w.loginPage)
	r.Post("/login", w.form, w.anonymousCSRF, w.login)
	r.Post("/logout", w.form, w.session, w.csrf, w.logout)
	r.Get("/verify/:no", w.verify)
	w.householdRoutes(r)
	office := r.Group("/office", w.session, w.allow(znb.OfficeDesk))
	w.officeRoutes(office)
	w.reconcileRoutes(office)
	w.reportRoutes(office)
	w.auditRoutes(office)
	w.warningRoutes(office)
	insurer := r.Group("/insurer", w.session, w.allow(znb.InsurerDesk))
	w.insurerRoutes(insurer)
	w.objectionRoutes(r, office, insurer)
	w.eventRoutes(office, insurer) // disaster events and payment batches (events.go)
	w.oversightRoutes(office, insurer)
}

// view is what every template gets.
type view struct {
	Title   string
	Actor   *znb.Actor
	CSRF    string
	Phone   bool              // household pages: large type, one column
	Refresh int               // seconds until the page reloads itself, 0 for never
	Error   string            // the error of the page, beside its form
	Fields  map[string]string // errors beside fields, by field name
	Form    map[string]string // the values sent, to fill the form again
	Data    any
}

// newView starts the view of a page with the session (if any) and a CSRF token.
func (w *console) newView(c *fiber.Ctx, title string) *view {
	v := &view{Title: title, Fields: map[string]string{}, Form: map[string]string{}}
	if s, ok := c.Locals(sessionKey{}).(store.Session); ok {
		v.Actor, v.CSRF = &s.Actor, s.CSRF
	} else {
		v.CSRF = anonymousToken(c, w.secure(c))
	}
	return v
}

// render writes a page with the status.
func (w *console) render(c *fiber.Ctx, status int, page string, v *view) error {
	t, ok := w.pages[page]
	if !ok {
		return znb.Errorf(znb.Internal, "internal", "服务器内部错误：没有页面 %s", page)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return znb.Wrap(err, "生成页面")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// fail shows err on the page it came from (v's page), with the API's status
// and message; a field-bound error sits beside its field.
func (w *console) fail(c *fiber.Ctx, page string, v *view, err error, field string) error {
	msg := w.message(c, err)
	if field != "" {
		v.Fields[field] = msg
	} else {
		v.Error = msg
	}
	return w.render(c, rest.StatusOf(err), page, v)
}

// message is the error's message as the API gives it; an internal error
// is logged and shown without its detail, as the API does.
func (w *console) message(c *fiber.Ctx, err error) string {
	e := znb.ErrorOf(err)
	if fe, ok := err.(*fiber.Error); ok {
		return fe.Message
	}
	if e.Kind == znb.Internal {
		w.log.Error("page failed", "method", c.Method(), "path", c.Path(), "err", err)
		return "服务器内部错误，请联系管理员"
	}
	return e.Message
}

// errorPage answers a whole page with the error: not found, forbidden.
func (w *console) errorPage(c *fiber.Ctx, err error) error {
	v := w.newView(c, "出错了")
	v.Error = w.message(c, err)
	return w.render(c, rest.StatusOf(err), "error", v)
}

func (w *console) home(c *fiber.Ctx) error {
	return w.render(c, fiber.StatusOK, "home", w.newView(c, "助农保"))
}

// form reads a posted form body within the JSON limit (no files).
func (w *console) form(c *fiber.Ctx) error {
	return w.api.TakeBody(w.api.MaxJSONBytes, false)(c)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// errCSRF refuses a form that does not carry its page's token.
var errCSRF = znb.Errorf(znb.Forbidden, "csrf_invalid", "表单已失效（缺少或错误的校验码），请刷新页面后重新提交")
