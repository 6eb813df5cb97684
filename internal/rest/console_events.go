package rest

import "github.com/gofiber/fiber/v2"

// The console's disaster event and payment batch pages download their
// files through the API's own handlers (run with Server.As).

// EventWorksheet is GET /events/{id}/worksheet.xlsx?region=.
func (s *Server) EventWorksheet() fiber.Handler { return s.eventWorksheet }

// EventSummary is GET /events/{id}/dashboard.xlsx or dashboard.pdf.
func (s *Server) EventSummary(format string) fiber.Handler { return s.eventDashboard(format) }

// BankFile is GET /payment-batches/{id}/bank-file.csv or bank-file.xlsx.
func (s *Server) BankFile(format string) fiber.Handler { return s.bankFile(format) }
