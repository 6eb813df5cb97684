package rest

import "github.com/gofiber/fiber/v2"

// Routes of areas still being built; each moves to its own file.

func (s *Server) policyRoutes(r fiber.Router)  {}
func (s *Server) cardRoutes(r fiber.Router)    {}
func (s *Server) claimRoutes(r fiber.Router)   {}
func (s *Server) subsidyRoutes(r fiber.Router) {}
func (s *Server) reportRoutes(r fiber.Router)  {}
func (s *Server) publicRoutes(r fiber.Router)  {}
func (s *Server) verifyRoutes(r fiber.Router)  {}
