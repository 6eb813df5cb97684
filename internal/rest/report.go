package rest

import "github.com/gofiber/fiber/v2"

// placeholder until the area is built.
func (s *Server) reportRoutes(r fiber.Router) {}
