package rest

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// fpbRoutes: the 医保 settlement feed (office or insurer clerk, each in
// scope), the adjuster's confirmation of an automatic illness claim, and
// the office's warnings.
func (s *Server) fpbRoutes(r fiber.Router) {
	r.Post("/medical-settlements", allow(znb.ImportSettlements), s.importSettlements)
	r.Post("/claims/:no/confirm", allow(znb.AssessClaim), s.confirmClaim)
	r.Get("/warnings", allow(znb.ReadWarnings), s.listWarnings)
	r.Get("/warnings/export.xlsx", allow(znb.ReadWarnings), s.exportWarnings)
	r.Post("/warnings/:id/status", allow(znb.WorkWarnings), s.moveWarning)
}

// NotInsuredJSON is a settlement whose person was not insured on its
// settlement date, ID number masked.
type NotInsuredJSON struct {
	Row          int      `json:"row"`
	SettlementNo string   `json:"settlement_no"`
	IDNumber     string   `json:"id_number"`
	Name         string   `json:"name"`
	SettledOn    znb.Date `json:"settled_on"`
}

// MedicalImportJSON is the answer of a settlement feed.
type MedicalImportJSON struct {
	FeedID        int64            `json:"feed_id"`
	FeedDate      znb.Date         `json:"feed_date"`
	Rows          int              `json:"rows"`
	Loaded        int              `json:"loaded"`
	Skipped       int              `json:"skipped"`
	NotInsured    []NotInsuredJSON `json:"not_insured"`
	ClaimsOpened  []string         `json:"claims_opened"`
	ClaimsUpdated []string         `json:"claims_updated"`
	Rejected      []RejectJSON     `json:"rejected"`
}

// MedicalImportOut turns what a feed did into JSON.
func MedicalImportOut(m *store.MedicalImport) MedicalImportJSON {
	out := MedicalImportJSON{FeedID: m.FeedID, FeedDate: m.FeedDate, Rows: m.Rows, Loaded: m.Loaded, Skipped: m.Skipped,
		NotInsured: []NotInsuredJSON{}, ClaimsOpened: append([]string{}, m.Opened...),
		ClaimsUpdated: append([]string{}, m.Updated...), Rejected: RejectsOut(m.Rejected)}
	for _, n := range m.NotInsured {
		out.NotInsured = append(out.NotInsured, NotInsuredJSON{n.Row, n.SettlementNo, n.IDNumber, n.Name, n.SettledOn})
	}
	return out
}

func (s *Server) importSettlements(c *fiber.Ctx) error {
	f, done, err := uploadedSheet(c, "请以 multipart 字段 file 上传医保结算文件（CSV 或 XLSX）")
	if err != nil {
		return err
	}
	defer done()
	res, err := s.DB.ImportSettlements(c.UserContext(), actor(c), f)
	if err != nil {
		if res != nil {
			return withRejects(err, res.Rejected)
		}
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(MedicalImportOut(res))
}

func (s *Server) confirmClaim(c *fiber.Ctx) error {
	var in struct {
		Note string `json:"note"`
	}
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	a := actor(c)
	rec, err := s.DB.ConfirmClaim(c.UserContext(), a, c.Params("no"), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(s.claimOut(rec, a.NeedsFullID()))
}

// WarningJSON is a warning as the office and auditors see it.
type WarningJSON struct {
	ID          int64             `json:"id"`
	HouseholdNo string            `json:"household_no"`
	HeadName    string            `json:"head_name"`
	RegionCode  string            `json:"region_code"`
	Village     string            `json:"village"`
	Rule        fpb.Rule          `json:"rule"`
	RuleName    string            `json:"rule_name"`
	Year        int               `json:"year"`
	Figures     map[string]string `json:"figures"`
	Status      fpb.Status        `json:"status"`
	StatusName  string            `json:"status_name"`
	RaisedOn    znb.Date          `json:"raised_on"`
	UpdatedAt   string            `json:"updated_at"`
	History     []WarningStepJSON `json:"history,omitempty"`
}

// WarningStepJSON is one step of a warning's follow-up.
type WarningStepJSON struct {
	At    string     `json:"at"`
	Actor string     `json:"actor"`
	From  fpb.Status `json:"from"`
	To    fpb.Status `json:"to"`
	Note  string     `json:"note"`
}

// WarningOut turns a warning into JSON.
func WarningOut(w *fpb.Warning) WarningJSON {
	out := WarningJSON{ID: w.ID, HouseholdNo: w.HouseholdNo, HeadName: w.HeadName, RegionCode: w.RegionCode,
		Village: w.Village, Rule: w.Rule, RuleName: w.Rule.Name(), Year: w.Year, Figures: w.Figures, Status: w.Status,
		StatusName: w.Status.Name(), RaisedOn: w.RaisedOn, UpdatedAt: timeOut(w.UpdatedAt)}
	if out.Figures == nil {
		out.Figures = map[string]string{}
	}
	for _, st := range w.History {
		out.History = append(out.History, WarningStepJSON{timeOut(st.At), st.Actor, st.From, st.To, st.Note})
	}
	return out
}

// warningQuery reads the filters of a warnings request.
func warningQuery(c *fiber.Ctx) store.WarningQuery {
	page, _ := strconv.Atoi(c.Query("page"))
	size, _ := strconv.Atoi(c.Query("page_size"))
	return store.WarningQuery{Region: strings.TrimSpace(c.Query("region")), Rule: fpb.Rule(c.Query("rule")),
		Status: fpb.Status(c.Query("status")), Page: page, PageSize: size}
}

func (s *Server) listWarnings(c *fiber.Ctx) error {
	q := warningQuery(c)
	ws, total, err := s.DB.ListWarnings(c.UserContext(), actor(c), q)
	if err != nil {
		return err
	}
	items := make([]WarningJSON, len(ws))
	for i := range ws {
		items[i] = WarningOut(&ws[i])
	}
	page := store.WarningPage(q.Page, q.PageSize)
	return c.JSON(fiber.Map{"items": items, "total": total, "page": page.Number, "page_size": page.Size})
}

func (s *Server) moveWarning(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "预警")
	if err != nil {
		return err
	}
	var in struct {
		Status fpb.Status `json:"status"`
		Note   string     `json:"note"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	w, err := s.DB.MoveWarning(c.UserContext(), actor(c), id, in.Status, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(WarningOut(w))
}

// exportWarnings answers the monthly 预警排查结果 workbook of a region: the
// warnings raised up to the month's end, with their status now.
func (s *Server) exportWarnings(c *fiber.Ctx) error {
	if c.Query("month") == "" {
		return znb.Errorf(znb.Invalid, "month_required", "请给出月份（month=YYYY-MM）")
	}
	month, err := report.ParseMonth(c.Query("month"))
	if err != nil {
		return err
	}
	a := actor(c)
	q := warningQuery(c)
	q.RaisedTo = month.End
	ws, err := s.DB.AllWarnings(c.UserContext(), a, q)
	if err != nil {
		return err
	}
	region := q.Region
	if region == "" {
		region = a.Scope
	}
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, "xlsx")
	if err != nil {
		return err
	}
	m := month.Start.String()[:7]
	if err := fpb.WriteWarnings(w, region, m, ws); err != nil {
		return err
	}
	return sendFile(c, "xlsx", "warnings-"+region+"-"+m, buf.Bytes())
}
