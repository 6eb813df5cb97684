package rest

import (
	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The office side of the console downloads its files through the API's own
// handlers (the same writers, names and checks): As runs one of them for
// the console's signed-in actor.

// As runs the API handler h as the actor a.
func (s *Server) As(c *fiber.Ctx, a znb.Actor, h fiber.Handler) error {
	c.Locals(actorKey{}, a)
	return h(c)
}

// ReconciliationExport is GET /reconciliations/{id}/export.xlsx (or .csv).
func (s *Server) ReconciliationExport(format string) fiber.Handler {
	return s.exportReconciliation(format)
}

// ReconciliationPDF is GET /reconciliations/{id}/statement.pdf.
func (s *Server) ReconciliationPDF() fiber.Handler { return s.reconciliationStatement }

// MonthlyXLSX is GET /reports/monthly.xlsx?month=&region=.
func (s *Server) MonthlyXLSX() fiber.Handler { return s.monthlyReport("xlsx") }

// AnnualFile is GET /reports/annual.xlsx or annual.pdf?agreement_id=.
func (s *Server) AnnualFile(format string) fiber.Handler { return s.annualReport(format) }

// ClaimNoticePDF is GET /reports/notice.pdf?agreement_id=&village=&month=.
func (s *Server) ClaimNoticePDF() fiber.Handler { return s.claimNotice }

// OpenStatement opens an uploaded statement for the store, as POST
// /reconciliations does.
func OpenStatement(path string) (subsidy.RowReader, error) { return openStatement(path) }

// StatementRejectsOut is the refused cells of an uploaded statement as the
// API lists them under "rejected"; nil when err is not such a refusal.
func StatementRejectsOut(err error) []RejectJSON {
	rej := subsidy.Rejections(err)
	if rej == nil {
		return nil
	}
	out := make([]RejectJSON, len(rej))
	for i, r := range rej {
		out[i] = RejectJSON{r.Row, r.Column, r.Code, r.Message}
	}
	return out
}
