package rest

import (
	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type userRequest struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Scope    string `json:"scope"`
}

type userResponse struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Scope    string `json:"scope"`
	APIKey   string `json:"api_key"`
}

func (s *Server) accountRoutes(r fiber.Router) {
	r.Post("/users", allow(znb.ManageUsers), s.createUser)
	r.Post("/users/:username/disable", allow(znb.ManageUsers), s.disableUser)
	r.Post("/users/:username/enable", allow(znb.ManageUsers), s.enableUser)
	r.Post("/users/:username/rotate-key", allow(znb.ManageUsers), s.rotateKey)
	r.Get("/me", s.me)
	r.Get("/audit", allow(znb.ReadAudit), s.auditTrail)
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var req userRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	key, err := s.DB.CreateUser(c.UserContext(), actor(c), req.Username, znb.Role(req.Role), req.Scope)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(userResponse{req.Username, req.Role, req.Scope, key})
}

type accountJSON struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Scope    string `json:"scope"`
	Disabled bool   `json:"disabled"`
	APIKey   string `json:"api_key,omitempty"`
}

func accountOut(a *store.Account, key string) accountJSON {
	return accountJSON{a.Username, string(a.Role), a.Scope, a.Disabled, key}
}

func (s *Server) disableUser(c *fiber.Ctx) error {
	a, err := s.DB.DisableUser(c.UserContext(), actor(c), c.Params("username"))
	if err != nil {
		return err
	}
	return c.JSON(accountOut(a, ""))
}

func (s *Server) enableUser(c *fiber.Ctx) error {
	a, err := s.DB.EnableUser(c.UserContext(), actor(c), c.Params("username"))
	if err != nil {
		return err
	}
	return c.JSON(accountOut(a, ""))
}

func (s *Server) rotateKey(c *fiber.Ctx) error {
	key, a, err := s.DB.RotateKey(c.UserContext(), actor(c), c.Params("username"))
	if err != nil {
		return err
	}
	return c.JSON(accountOut(a, key))
}

func (s *Server) me(c *fiber.Ctx) error {
	a := actor(c)
	return c.JSON(fiber.Map{"username": a.Username, "role": a.Role, "scope": a.Scope})
}

type auditEntryJSON struct {
	Seq     int64  `json:"seq"`
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Role    string `json:"role"`
	Action  string `json:"action"`
	Object  string `json:"object"`
	Detail  string `json:"detail"`
	Region  string `json:"region"`
	Insurer string `json:"insurer"`
	Hash    string `json:"hash"`
}

func (s *Server) auditTrail(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	es, err := s.DB.AuditTrailOf(c.UserContext(), actor(c), c.Query("object"), limit)
	if err != nil {
		return err
	}
	items := make([]auditEntryJSON, len(es))
	for i, e := range es {
		items[i] = auditEntryJSON{e.Seq, msTime(e.AtMs), e.Actor, e.Role, e.Action, e.Object, e.Detail, e.Region, e.Insurer, e.Hash}
	}
	return c.JSON(fiber.Map{"items": items})
}
