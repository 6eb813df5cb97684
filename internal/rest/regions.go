package rest

import (
	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// regionPage is how many names one GET /regions answers at most.
const regionPage = 1000

func (s *Server) regionRoutes(r fiber.Router) {
	r.Put("/regions", allow(znb.LoadRegions), s.loadRegions)
	r.Get("/regions", s.listRegions)
}

// RegionLoadJSON is what loading a region file did.
type RegionLoadJSON struct {
	Regions   int          `json:"regions"`
	Inserted  int          `json:"inserted"`
	Updated   int          `json:"updated"`
	Unchanged int          `json:"unchanged"`
	Rejected  []RejectJSON `json:"rejected"`
}

// RegionLoadOut converts a region load to its JSON; cmd prints the same.
func RegionLoadOut(l *store.RegionLoad) RegionLoadJSON {
	return RegionLoadJSON{l.Regions, l.Inserted, l.Updated, l.Unchanged, RejectsOut(l.Rejected)}
}

type regionJSON struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	UpdatedAt string `json:"updated_at"`
}

func (s *Server) loadRegions(c *fiber.Ctx) error {
	f, done, err := uploadedSheet(c, "请以 multipart 字段 file 上传区划文件（CSV 或 XLSX，列为 区划代码、名称）")
	if err != nil {
		return err
	}
	defer done()
	res, err := s.DB.LoadRegions(c.UserContext(), actor(c), f)
	if err != nil {
		if res != nil {
			return withRejects(err, res.Rejected)
		}
		return err
	}
	return c.JSON(RegionLoadOut(res))
}

// listRegions answers the names under ?prefix= a page at a time; next is
// the after= of the following page, absent on the last.
func (s *Server) listRegions(c *fiber.Ctx) error {
	rs, err := s.DB.Regions(c.UserContext(), actor(c), c.Query("prefix"), c.Query("after"), regionPage)
	if err != nil {
		return err
	}
	items := make([]regionJSON, len(rs))
	for i, r := range rs {
		items[i] = regionJSON{r.Code, r.Name, msTime(r.UpdatedAt)}
	}
	out := fiber.Map{"items": items}
	if len(rs) == regionPage {
		out["next"] = rs[len(rs)-1].Code
	}
	return c.JSON(out)
}
