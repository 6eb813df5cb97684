package rest

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func (s *Server) registryRoutes(r fiber.Router) {
	r.Post("/lists", allow(znb.ImportList), s.importList)
	r.Get("/lists", allow(znb.ReadList), s.listVersions)
	r.Get("/lists/:id", allow(znb.ReadList), s.getList)
	r.Get("/lists/:id/diff/:other", allow(znb.ReadList), s.diffLists)
	r.Get("/households", allow(znb.ReadList), s.findHouseholds)
}

// RejectJSON is a rejected row of an import as clients see it.
type RejectJSON struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// CrossCountyJSON is a person also listed by another county: which county,
// not that county's list or household.
type CrossCountyJSON struct {
	Row      int    `json:"row"`
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	County   string `json:"county"`
}

type listJSON struct {
	ListID        int64             `json:"list_id"`
	County        string            `json:"county"`
	EffectiveDate znb.Date          `json:"effective_date"`
	Households    int               `json:"households"`
	Members       int               `json:"members"`
	SourceName    string            `json:"source_name"`
	SHA256        string            `json:"sha256"`
	CreatedBy     string            `json:"created_by"`
	CreatedAt     string            `json:"created_at"`
	Rejected      []RejectJSON      `json:"rejected"`
	CrossCounty   []CrossCountyJSON `json:"cross_county"`
}

func listOut(l *registry.ListVersion) listJSON {
	return listJSON{ListID: l.ID, County: l.County, EffectiveDate: l.Effective, Households: l.Households,
		Members: l.Members, SourceName: l.SourceName, SHA256: l.SHA256, CreatedBy: l.CreatedBy,
		CreatedAt: msTime(l.CreatedAt), Rejected: []RejectJSON{}, CrossCounty: []CrossCountyJSON{}}
}

// RejectsOut turns a reject report into JSON; the messages already mask IDs.
func RejectsOut(rs []registry.Reject) []RejectJSON {
	out := make([]RejectJSON, len(rs))
	for i, r := range rs {
		out[i] = RejectJSON{r.Row, r.Column, r.Code, r.Message}
	}
	return out
}

// withRejects puts the rejected rows of a refused file beside its error.
func withRejects(err error, rs []registry.Reject) error {
	znb.ErrorOf(err).Details = map[string]any{"rejected": RejectsOut(rs)}
	return err
}

// sheetFile is an uploaded spreadsheet as the registry reads it.
func sheetFile(path, name string) (registry.File, error) {
	return registry.FileAt(path, name, func(p string) (registry.Rows, error) { return sheet.Open(p) })
}

// uploadedSheet saves the multipart field "file" and opens it as the
// registry reads spreadsheets; without the field the error says message.
// The caller runs done when finished with the file.
func uploadedSheet(c *fiber.Ctx, message string) (f registry.File, done func(), err error) {
	path, name, done, err := saveUpload(c, "file", "file_required", message)
	if err != nil {
		return registry.File{}, nil, err
	}
	if f, err = sheetFile(path, name); err != nil {
		done()
		return registry.File{}, nil, err
	}
	return f, done, nil
}

func (s *Server) importList(c *fiber.Ctx) error {
	path, name, done, err := saveUpload(c, "file", "file_required", "请以 multipart 字段 file 上传名单文件（CSV 或 XLSX）")
	if err != nil {
		return err
	}
	defer done()
	eff, err := znb.ParseDate(c.FormValue("effective_date"))
	if err != nil {
		return znb.Errorf(znb.Invalid, "invalid_effective_date", "生效日期须为 YYYY-MM-DD：%q", c.FormValue("effective_date"))
	}
	partial, _ := strconv.ParseBool(c.FormValue("partial", "false"))
	f, err := sheetFile(path, name)
	if err != nil {
		return err
	}
	res, err := s.DB.ImportList(c.UserContext(), actor(c), f, store.ImportOptions{
		County: c.FormValue("county"), Effective: eff, Partial: partial})
	if err != nil {
		if res != nil {
			return withRejects(err, res.Rejected)
		}
		return err
	}
	out := listOut(res.List)
	out.Rejected = RejectsOut(res.Rejected)
	out.CrossCounty = CrossCountyOut(res.CrossCounty, actor(c).NeedsFullID())
	return c.Status(fiber.StatusCreated).JSON(out)
}

// CrossCountyOut turns cross-county warnings into JSON, IDs masked unless full.
func CrossCountyOut(xs []registry.CrossCounty, full bool) []CrossCountyJSON {
	out := make([]CrossCountyJSON, len(xs))
	for i, x := range xs {
		out[i] = CrossCountyJSON{x.RowNo, idOut(full, x.IDNumber), x.Name, x.County}
	}
	return out
}

// idOut shows a full ID number only to roles whose work needs it.
func idOut(full bool, id string) string {
	if full {
		return id
	}
	return registry.MaskID(id)
}

// idOut is idOut for handlers.
func (s *Server) idOut(full bool, id string) string { return idOut(full, id) }

func (s *Server) getList(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "名单版本")
	if err != nil {
		return err
	}
	l, err := s.DB.GetList(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(listOut(l))
}

func (s *Server) listVersions(c *fiber.Ctx) error {
	ls, err := s.DB.ListVersions(c.UserContext(), actor(c), c.Query("county"))
	if err != nil {
		return err
	}
	items := make([]listJSON, len(ls))
	for i := range ls {
		items[i] = listOut(&ls[i])
	}
	return c.JSON(fiber.Map{"items": items})
}

type memberJSON struct {
	Name       string   `json:"name"`
	IDNumber   string   `json:"id_number"`
	Relation   string   `json:"relation"`
	Status     string   `json:"status"`
	StatusDate znb.Date `json:"status_date"`
	Phone      string   `json:"phone,omitempty"`
}

type householdJSON struct {
	ListID          int64        `json:"list_id"`
	County          string       `json:"county"`
	HouseholdNo     string       `json:"household_no"`
	RegionCode      string       `json:"region_code"`
	VillageName     string       `json:"village_name"`
	Category        znb.Category `json:"category"`
	CategoryName    string       `json:"category_name"`
	IncomePerCapita *string      `json:"income_per_capita"`
	RiskEliminated  *bool        `json:"risk_eliminated"`
	Members         []memberJSON `json:"members"`
}

func (s *Server) findHouseholds(c *fiber.Ctx) error {
	listID, _ := strconv.ParseInt(c.Query("list_id", "0"), 10, 64)
	items, err := s.households(c, actor(c), store.HouseholdQuery{
		ListID: listID, HouseholdNo: c.Query("household_no"), IDNumber: c.Query("id_number"), Name: c.Query("name")})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// households finds households as the actor may see them, full ID numbers
// audited.
func (s *Server) households(c *fiber.Ctx, a znb.Actor, q store.HouseholdQuery) ([]householdJSON, error) {
	hs, err := s.DB.FindHouseholds(c.UserContext(), a, q)
	if err != nil {
		return nil, err
	}
	full := a.NeedsFullID()
	items := make([]householdJSON, len(hs))
	var shown []string
	for i, h := range hs {
		out := householdJSON{ListID: h.ListID, County: h.County, HouseholdNo: h.H.No, RegionCode: h.H.Region,
			VillageName: h.H.Village, Category: h.H.Category, CategoryName: h.H.Category.Name(),
			RiskEliminated: h.H.RiskEliminated, Members: []memberJSON{}}
		if h.H.Income.Valid {
			v := amount(h.H.Income.Decimal)
			out.IncomePerCapita = &v
		}
		for _, m := range h.Members {
			phone := m.Phone
			if !full {
				phone = ""
			}
			out.Members = append(out.Members, memberJSON{m.Name, s.idOut(full, m.IDNumber), m.Relation, string(m.Status), m.StatusDate, phone})
		}
		items[i] = out
		shown = append(shown, h.County+"/"+h.H.No)
	}
	if full && len(shown) > 0 {
		if err := s.DB.Audit(c.UserContext(), a, "household.read_full_id", "households", map[string]any{"households": shown}); err != nil {
			return nil, err
		}
	}
	return items, nil
}

func (s *Server) diffLists(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "名单版本")
	if err != nil {
		return err
	}
	other, err := paramID(c, "other", "名单版本")
	if err != nil {
		return err
	}
	d, err := s.DB.DiffLists(c.UserContext(), actor(c), id, other)
	if err != nil {
		return err
	}
	return c.JSON(diffOut(d, actor(c).NeedsFullID(), s))
}
