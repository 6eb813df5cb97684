package rest

import "github.com/gofiber/fiber/v2"

// placeholder until the area is built.
func (s *Server) cardRoutes(r fiber.Router) {}

// placeholder until the area is built.
func (s *Server) publicRoutes(r fiber.Router) {}

// placeholder until the area is built.
func (s *Server) verifyRoutes(r fiber.Router) {}
