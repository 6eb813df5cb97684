package rest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func (s *Server) subsidyRoutes(r fiber.Router) {
	readers := allow(znb.ReadReconciliation)
	r.Post("/reconciliations", allow(znb.RunReconciliation), s.createReconciliation)
	r.Get("/reconciliations/:id", readers, s.getReconciliation)
	r.Get("/reconciliations/:id/items", readers, s.reconciliationItems)
	r.Get("/reconciliations/:id/export.xlsx", readers, s.exportReconciliation("xlsx"))
	r.Get("/reconciliations/:id/export.csv", readers, s.exportReconciliation("csv"))
	r.Get("/reconciliations/:id/statement.pdf", readers, s.reconciliationStatement)
	r.Post("/reconciliations/:id/confirm", allow(znb.RunReconciliation), s.confirmReconciliation)
	r.Post("/reconciliations/:id/settle", allow(znb.RunReconciliation), s.settleReconciliation)
}

// ReconciliationJSON is the result, with the run's inputs and
// states beside it.
type ReconciliationJSON struct {
	ID              int64                  `json:"id"`
	Status          string                 `json:"status"`
	AgreementID     int64                  `json:"agreement_id"`
	ListID          int64                  `json:"list_id"`
	Bill            string                 `json:"bill"`
	StatementName   string                 `json:"statement_name,omitempty"`
	StatementSHA256 string                 `json:"statement_sha256,omitempty"`
	InputsHash      string                 `json:"inputs_hash"`
	Rows            int                    `json:"rows"`
	Listed          int                    `json:"listed"`
	Eligible        int                    `json:"eligible"`
	Findings        map[string]FindingJSON `json:"findings"`
	Billed          map[string]string      `json:"billed"`
	Allowed         map[string]string      `json:"allowed"`
	Disallowed      map[string]string      `json:"disallowed"`
	CreatedBy       string                 `json:"created_by"`
	CreatedAt       string                 `json:"created_at"`
	ConfirmedBy     string                 `json:"confirmed_by,omitempty"`
	ConfirmedAt     string                 `json:"confirmed_at,omitempty"`
	SettledBy       string                 `json:"settled_by,omitempty"`
	SettledAt       string                 `json:"settled_at,omitempty"`
}

// FindingJSON is the count and amount of one finding: the billed premium, or
// for not_insured the premium of the gap.
type FindingJSON struct {
	Count   int    `json:"count"`
	Premium string `json:"premium"`
}

// ReconciliationOut converts a stored reconciliation to its JSON; cmd uses it
// too, so that the command line prints the same document.
func ReconciliationOut(r *subsidy.Reconciliation) ReconciliationJSON {
	out := ReconciliationJSON{ID: r.ID, Status: string(r.Status), AgreementID: r.AgreementID, ListID: r.ListID,
		Bill: string(r.BillSource), StatementName: r.StatementName, StatementSHA256: r.StatementSHA256,
		InputsHash: r.Result.InputsHash, Rows: r.Result.Rows, Listed: r.Result.Listed, Eligible: r.Result.Eligible,
		Findings: map[string]FindingJSON{}, Billed: moneyOut(r.Result.Billed), Allowed: moneyOut(r.Result.Allowed),
		Disallowed: moneyOut(r.Result.Disallowed), CreatedBy: r.CreatedBy, CreatedAt: msTime(r.CreatedAt),
		ConfirmedBy: r.ConfirmedBy, SettledBy: r.SettledBy}
	for _, f := range subsidy.Findings {
		t := r.Result.Tally(f)
		out.Findings[string(f)] = FindingJSON{Count: t.Count, Premium: amount(t.Premium())}
	}
	if r.ConfirmedAt != 0 {
		out.ConfirmedAt = msTime(r.ConfirmedAt)
	}
	if r.SettledAt != 0 {
		out.SettledAt = msTime(r.SettledAt)
	}
	return out
}

func moneyOut(m subsidy.Money) map[string]string {
	out := map[string]string{"premium": amount(m.Premium)}
	for i, s := range znb.Sources {
		out[string(s)] = amount(m.Sources[i])
	}
	return out
}

type reconcileRequest struct {
	AgreementID int64    `json:"agreement_id" form:"agreement_id"`
	ListID      int64    `json:"list_id" form:"list_id"`
	AsOf        znb.Date `json:"as_of" form:"as_of"`
}

// createReconciliation takes JSON {"agreement_id","list_id"} (or "as_of"
// instead of list_id) to reconcile the certificates issued here, or a
// multipart form with the same fields and a statement file.
func (s *Server) createReconciliation(c *fiber.Ctx) error {
	var req reconcileRequest
	o := store.ReconcileOptions{OpenStatement: openStatement}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		var err error
		if req.AgreementID, err = formInt(c, "agreement_id"); err != nil {
			return err
		}
		if req.ListID, err = formInt(c, "list_id"); err != nil {
			return err
		}
		if v := c.FormValue("as_of"); v != "" {
			if req.AsOf, err = znb.ParseDate(v); err != nil {
				return znb.Errorf(znb.Invalid, "invalid_as_of", "as_of 须为 YYYY-MM-DD：%q", v)
			}
		}
		var done func()
		o.Statement, o.StatementName, done, err = saveUpload(c, "statement", "statement_required", "请以 multipart 字段 statement 上传对账单（CSV 或 XLSX）")
		if err != nil {
			return err
		}
		defer done()
	} else if err := decode(c, &req); err != nil {
		return err
	}
	if req.AgreementID <= 0 {
		return znb.Errorf(znb.Invalid, "agreement_required", "须给出协议（agreement_id）")
	}
	o.AgreementID, o.ListID, o.AsOf = req.AgreementID, req.ListID, req.AsOf
	rec, err := s.DB.Reconcile(c.UserContext(), actor(c), o)
	if err != nil {
		if rej := subsidy.Rejections(err); rej != nil {
			out := make([]statementRejectJSON, len(rej))
			for i, r := range rej {
				out[i] = statementRejectJSON{r.Row, r.Column, r.Code, r.Message}
			}
			znb.ErrorOf(err).Details = map[string]any{"rejected": out}
		}
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ReconciliationOut(rec))
}

// openStatement opens an uploaded statement for the store to read.
func openStatement(path string) (subsidy.RowReader, error) { return sheet.Open(path) }

// statementRejectJSON is one refused cell of an uploaded statement.
type statementRejectJSON struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func formInt(c *fiber.Ctx, name string) (int64, error) {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, znb.Errorf(znb.Invalid, "invalid_"+name, "%s 须为正整数：%q", name, v)
	}
	return n, nil
}

func (s *Server) getReconciliation(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "对账")
	if err != nil {
		return err
	}
	rec, err := s.DB.GetReconciliation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ReconciliationOut(rec))
}

type itemJSON struct {
	Row            *int              `json:"row"`
	CertificateNo  string            `json:"certificate_no,omitempty"`
	HouseholdNo    string            `json:"household_no"`
	IDNumber       string            `json:"id_number"`
	Name           string            `json:"name"`
	ListCategory   znb.Category      `json:"list_category,omitempty"`
	BilledCategory znb.Category      `json:"billed_category,omitempty"`
	CoverageStart  znb.Date          `json:"coverage_start"`
	CoverageEnd    znb.Date          `json:"coverage_end"`
	Finding        subsidy.Finding   `json:"finding"`
	Premium        string            `json:"premium"`
	Expected       string            `json:"expected"`
	Difference     string            `json:"difference"`
	Billed         map[string]string `json:"billed"`
	Allowed        map[string]string `json:"allowed"`
	Disallowed     map[string]string `json:"disallowed"`
	Note           string            `json:"note,omitempty"`
}

func (s *Server) reconciliationItems(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "对账")
	if err != nil {
		return err
	}
	q := store.ItemQuery{Finding: subsidy.Finding(c.Query("finding")), Page: store.ItemPage(c.QueryInt("page"), c.QueryInt("page_size"))}
	out, total, err := s.ReconciliationItems(c, actor(c), id, q)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": out, "total": total, "page": q.Page.Number, "page_size": len(out)})
}

// ItemJSON is a detail row of a reconciliation as the API shows it.
type ItemJSON = itemJSON

// ReconciliationItems returns one page of a reconciliation's detail rows as
// GET /reconciliations/{id}/items does: ID numbers masked for auditors, full
// ones audited; with the number of rows the query selects in all.
func (s *Server) ReconciliationItems(c *fiber.Ctx, a znb.Actor, id int64, q store.ItemQuery) ([]ItemJSON, int64, error) {
	_, items, total, err := s.DB.ReconciliationItems(c.UserContext(), a, id, q)
	if err != nil {
		return nil, 0, err
	}
	full := a.NeedsFullID()
	out := make([]itemJSON, len(items))
	for i := range items {
		d := &items[i]
		out[i] = itemJSON{CertificateNo: d.CertificateNo, HouseholdNo: d.HouseholdNo, IDNumber: s.idOut(full, d.IDNumber),
			Name: d.Name, ListCategory: d.ListCategory, BilledCategory: d.BilledCategory, CoverageStart: d.CoverageStart,
			CoverageEnd: d.CoverageEnd, Finding: d.Finding, Premium: amount(d.Billed.Premium), Expected: amount(d.Expected),
			Difference: amount(d.Difference), Billed: moneyOut(d.Billed), Allowed: moneyOut(d.Allowed),
			Disallowed: moneyOut(d.Disallowed), Note: d.Note}
		if d.Row > 0 {
			row := d.Row
			out[i].Row = &row
		}
	}
	if full && len(items) > 0 {
		if err := s.DB.Audit(c.UserContext(), a, "reconciliation.read_full_id", fmt.Sprintf("reconciliation:%d", id),
			map[string]any{"finding": q.Finding, "page": q.Page.Number, "rows": len(items)}); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

func (s *Server) exportReconciliation(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id", "对账")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		out, err := sheet.NewWriter(&buf, format)
		if err != nil {
			return err
		}
		if _, err := s.DB.ExportReconciliation(c.UserContext(), actor(c), id, out, format); err != nil {
			return err
		}
		ctype := "text/csv; charset=utf-8"
		if format == "xlsx" {
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		c.Set(fiber.HeaderContentType, ctype)
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="reconciliation-%d.%s"`, id, format))
		return c.Send(buf.Bytes())
	}
}

func (s *Server) reconciliationStatement(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "对账")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rec, err := s.DB.GetReconciliation(ctx, actor(c), id)
	if err != nil {
		return err
	}
	st := StatementOf(rec, znb.Clock(s.Clock).Today())
	if a, err := s.DB.GetAgreement(ctx, znb.System, rec.AgreementID); err == nil {
		st.AgreementNo, st.Insurer = a.No, a.Insurer.Name
	}
	if l, err := s.DB.GetList(ctx, znb.System, rec.ListID); err == nil {
		st.List = fmt.Sprintf("名单版本 %d（%s 生效，%d 户 %d 人）", l.ID, l.Effective, l.Households, l.Members)
	}
	r, err := s.letterRenderer()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := r.WriteStatement(&buf, st); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`inline; filename="reconciliation-%d.pdf"`, id))
	return c.Send(buf.Bytes())
}

// StatementOf lays a reconciliation out for the settlement statement; the
// caller adds the agreement number, insurer name and list description.
func StatementOf(rec *subsidy.Reconciliation, today znb.Date) card.Statement {
	st := card.Statement{Title: "“助农保”保险费补贴对账单", ReconciliationID: rec.ID,
		AgreementNo: fmt.Sprint(rec.AgreementID), Insurer: rec.InsurerCode,
		Term: rec.Terms.Start.String() + " 至 " + rec.Terms.End.String(), List: fmt.Sprintf("名单版本 %d", rec.ListID),
		InputsHash: rec.Result.InputsHash, Date: today}
	switch rec.BillSource {
	case subsidy.BillStatement:
		st.Bill = "承保机构上传的对账单 " + rec.StatementName
	default:
		st.Bill = "平台出具的分户凭证"
	}
	switch rec.Status {
	case subsidy.Draft:
		st.Status = "草稿（未确认）"
	case subsidy.Confirmed:
		st.Status = "已确认（" + rec.ConfirmedBy + "，" + msTime(rec.ConfirmedAt)[:10] + "）"
	case subsidy.Settled:
		st.Status = "已结算（" + rec.SettledBy + "，" + msTime(rec.SettledAt)[:10] + "）"
	}
	res := &rec.Result
	st.Billed[0], st.Allowed[0], st.Disallowed[0] = res.Billed.Premium, res.Allowed.Premium, res.Disallowed.Premium
	for i := range znb.Sources {
		st.Billed[i+1], st.Allowed[i+1], st.Disallowed[i+1] = res.Billed.Sources[i], res.Allowed.Sources[i], res.Disallowed.Sources[i]
	}
	for _, t := range res.Findings {
		st.Findings = append(st.Findings, card.StatementFinding{Name: t.Finding.Name(), Count: t.Count,
			Billed: t.Billed, Expected: t.Expected, Allowed: t.Allowed, Disallowed: t.Disallowed})
	}
	return st
}

func (s *Server) confirmReconciliation(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "对账")
	if err != nil {
		return err
	}
	rec, err := s.DB.ConfirmReconciliation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ReconciliationOut(rec))
}

func (s *Server) settleReconciliation(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "对账")
	if err != nil {
		return err
	}
	rec, err := s.DB.SettleReconciliation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ReconciliationOut(rec))
}
