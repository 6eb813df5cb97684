package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const (
	sessionCookie = "znb_session"
	// formCookie holds the token of the forms shown before sign-in (sign-in,
	// the household's lookups): double submit, as there is no session yet.
	formCookie = "znb_form"
)

type sessionKey struct{}

// secure reports whether cookies get the Secure flag: over TLS, or when
// the configuration says TLS ends in front of the server.
func (w *console) secure(c *fiber.Ctx) bool { return w.cfg.Secure || c.Secure() }

func setCookie(c *fiber.Ctx, name, value string, secure bool, remove bool) {
	ck := &fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: secure, SameSite: fiber.CookieSameSiteStrictMode}
	if remove {
		ck.MaxAge = -1
	}
	c.Cookie(ck)
}

// anonymousToken returns the form token of a browser without a session,
// giving it one when it has none.
func anonymousToken(c *fiber.Ctx, secure bool) string {
	if t := c.Cookies(formCookie); len(t) == 64 {
		return t
	}
	t := randomToken()
	setCookie(c, formCookie, t, secure, false)
	c.Request().Header.SetCookie(formCookie, t) // later calls in this request see it
	return t
}

// anonymousCSRF refuses a form posted without a session whose token does
// not match its cookie.
func (w *console) anonymousCSRF(c *fiber.Ctx) error {
	if !sameToken(c.Cookies(formCookie), c.FormValue("csrf")) {
		return w.errorPage(c, errCSRF)
	}
	return c.Next()
}

// session requires a signed-in browser; without one a page asks to sign in.
func (w *console) session(c *fiber.Ctx) error {
	if tok := c.Cookies(sessionCookie); tok != "" {
		s, err := w.db.SessionOf(c.UserContext(), tok, w.cfg.Idle)
		if err == nil {
			c.Locals(sessionKey{}, s)
			return c.Next()
		}
		if znb.ErrorOf(err).Kind != znb.Unauthorized {
			return w.errorPage(c, err)
		}
		setCookie(c, sessionCookie, "", w.secure(c), true)
	}
	if c.Method() != fiber.MethodGet {
		return w.errorPage(c, znb.Errorf(znb.Unauthorized, "session_expired", "登录已过期，请重新登录"))
	}
	return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
}

// optionalSession reads the session when there is one.
func (w *console) optionalSession(c *fiber.Ctx) error {
	if tok := c.Cookies(sessionCookie); tok != "" {
		if s, err := w.db.SessionOf(c.UserContext(), tok, w.cfg.Idle); err == nil {
			c.Locals(sessionKey{}, s)
		}
	}
	return c.Next()
}

func actor(c *fiber.Ctx) znb.Actor {
	s, _ := c.Locals(sessionKey{}).(store.Session)
	return s.Actor
}

// csrf refuses a signed-in form whose token is not the session's.
func (w *console) csrf(c *fiber.Ctx) error {
	s, _ := c.Locals(sessionKey{}).(store.Session)
	if !sameToken(s.CSRF, c.FormValue("csrf")) {
		return w.errorPage(c, errCSRF)
	}
	return c.Next()
}

// allow lets in the roles that may take the action (znb.Allow), as the
// API's routes do; a desk (znb.OfficeDesk, znb.InsurerDesk) guards a whole
// section of pages.
func (w *console) allow(act znb.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := znb.Allow(actor(c), act); err != nil {
			return w.errorPage(c, err)
		}
		return c.Next()
	}
}

func (w *console) loginPage(c *fiber.Ctx) error {
	v := w.newView(c, "登录")
	v.Form["next"] = safeNext(c.Query("next"))
	return w.render(c, fiber.StatusOK, "login", v)
}

func (w *console) login(c *fiber.Ctx) error {
	v := w.newView(c, "登录")
	username := strings.TrimSpace(c.FormValue("username"))
	v.Form["username"], v.Form["next"] = username, safeNext(c.FormValue("next"))
	a, err := w.db.SignIn(c.UserContext(), username, c.FormValue("password"))
	if err != nil {
		return w.fail(c, "login", v, err, "password")
	}
	tok, _, err := w.db.OpenSession(c.UserContext(), a)
	if err != nil {
		return w.fail(c, "login", v, err, "")
	}
	setCookie(c, sessionCookie, tok, w.secure(c), false)
	next := v.Form["next"]
	if next == "" {
		next = deskHome(a)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// deskHome is where an account starts.
func deskHome(a znb.Actor) string {
	switch {
	case znb.Granted(a, znb.OfficeDesk):
		return "/office"
	case znb.Granted(a, znb.InsurerDesk):
		return "/insurer"
	}
	return "/"
}

// safeNext keeps a return address on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}

func (w *console) logout(c *fiber.Ctx) error {
	if err := w.db.CloseSession(c.UserContext(), c.Cookies(sessionCookie)); err != nil {
		return w.errorPage(c, err)
	}
	setCookie(c, sessionCookie, "", w.secure(c), true)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
