package rest

import (
	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// fpbRoutes: the 医保 settlement feed (office or insurer clerk, each in
// scope), the adjuster's confirmation of an automatic illness claim, and
// the office's warnings.
func (s *Server) fpbRoutes(r fiber.Router) {
	r.Post("/medical-settlements", allow(znb.ImportSettlements), s.importSettlements)
	r.Post("/claims/:no/confirm", allow(znb.AssessClaim), s.confirmClaim)
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
	path, name, done, err := saveUpload(c, "file", "file_required", "请以 multipart 字段 file 上传医保结算文件（CSV 或 XLSX）")
	if err != nil {
		return err
	}
	defer done()
	f, err := sheetFile(path, name)
	if err != nil {
		return err
	}
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
