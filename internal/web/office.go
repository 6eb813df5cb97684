package web

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The county office's pages (扶贫办): lists, households, agreements.

func (w *console) officeRoutes(r fiber.Router) {
	r.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/office/lists", fiber.StatusSeeOther) })
	r.Get("/lists", w.allow(znb.ReadList), w.lists)
	r.Post("/lists", w.api.TakeBody(w.api.MaxImportBytes, true), w.csrf, w.allow(znb.ImportList), w.importList)
	r.Get("/lists/:id", w.allow(znb.ReadList), w.list)
	r.Get("/lists/:id/diff", w.allow(znb.ReadList), w.diff)
	r.Post("/rejects.xlsx", w.form, w.csrf, w.rejectsXLSX)
	r.Get("/households", w.allow(znb.ReadList), w.households)
	r.Get("/agreements", w.agreements)
	r.Post("/agreements", w.form, w.csrf, w.allow(znb.CreateAgreement), w.createAgreement)
	r.Get("/agreements/:id", w.agreement)
	r.Post("/agreements/:id/activate", w.form, w.csrf, w.allow(znb.ActivateAgreement), w.activate)
}

type listsData struct {
	Lists   []rest.ListJSON
	Rejects []rest.RejectJSON
	Report  string // the rejects, packed for the XLSX download form
}

func (w *console) listsView(c *fiber.Ctx) (*view, *listsData, error) {
	v := w.newView(c, "名单")
	ls, err := w.db.ListVersions(c.UserContext(), actor(c), "")
	if err != nil {
		return v, nil, err
	}
	d := &listsData{}
	for i := range ls {
		d.Lists = append(d.Lists, rest.ListOut(&ls[i]))
	}
	v.Data = d
	v.Form["county"] = actor(c).Scope
	return v, d, nil
}

func (w *console) lists(c *fiber.Ctx) error {
	v, _, err := w.listsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.render(c, fiber.StatusOK, "lists", v)
}

// importList stores an uploaded list like POST /lists; a refused file
// shows its reject report row by row.
func (w *console) importList(c *fiber.Ctx) error {
	v, d, err := w.listsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	v.Form["county"], v.Form["effective_date"] = c.FormValue("county"), c.FormValue("effective_date")
	v.Form["partial"] = c.FormValue("partial")
	path, name, done, err := rest.SaveUpload(c, "file", "file_required", "请选择名单文件（CSV 或 XLSX）")
	if err != nil {
		return w.fail(c, "lists", v, err, "file")
	}
	defer done()
	eff, err := znb.ParseDate(c.FormValue("effective_date"))
	if err != nil {
		return w.fail(c, "lists", v, znb.Errorf(znb.Invalid, "invalid_effective_date", "生效日期须为 YYYY-MM-DD：%q", c.FormValue("effective_date")), "effective_date")
	}
	f, err := rest.SheetFile(path, name)
	if err != nil {
		return w.fail(c, "lists", v, err, "file")
	}
	res, err := w.db.ImportList(c.UserContext(), actor(c), f, store.ImportOptions{
		County: c.FormValue("county"), Effective: eff, Partial: c.FormValue("partial") == "1"})
	if err != nil {
		if res != nil {
			d.Rejects = rest.RejectsOut(res.Rejected)
			d.Report = packRejects(d.Rejects)
		}
		field := "file"
		if znb.CodeOf(err) == "invalid_region" {
			field = "county"
		}
		return w.fail(c, "lists", v, err, field)
	}
	if len(res.Rejected) > 0 { // partial: the summary and what was left out
		rs := rest.RejectsOut(res.Rejected)
		return w.showList(c, res.List.ID, &listData{Imported: true, Rejects: rs, Report: packRejects(rs)})
	}
	return c.Redirect("/office/lists/"+strconv.FormatInt(res.List.ID, 10)+"?imported=1", fiber.StatusSeeOther)
}

// packRejects puts a reject report in one form field (JSON, gzip, base64),
// so that its XLSX download needs no state on the server.
func packRejects(rs []rest.RejectJSON) string {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	json.NewEncoder(z).Encode(rs)
	z.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func unpackRejects(s string) ([]rest.RejectJSON, error) {
	bad := znb.Errorf(znb.Invalid, "invalid_report", "退回报告无法读取，请重新上传名单")
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	z, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, bad
	}
	var rs []rest.RejectJSON
	if err := json.NewDecoder(io.LimitReader(z, 64<<20)).Decode(&rs); err != nil {
		return nil, bad
	}
	return rs, nil
}

// rejectsXLSX turns the reject report of the page into a workbook.
func (w *console) rejectsXLSX(c *fiber.Ctx) error {
	rs, err := unpackRejects(c.FormValue("report"))
	if err != nil {
		return w.errorPage(c, err)
	}
	var buf bytes.Buffer
	sw, err := sheet.NewWriter(&buf, "xlsx")
	if err != nil {
		return w.errorPage(c, err)
	}
	if err := sw.Sheet("退回报告", []string{"行号", "列", "错误代码", "说明"}); err != nil {
		return w.errorPage(c, err)
	}
	for _, r := range rs {
		if err := sw.Row(r.Row, r.Column, r.Code, r.Message); err != nil {
			return w.errorPage(c, err)
		}
	}
	if err := sw.Close(); err != nil {
		return w.errorPage(c, err)
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="rejects.xlsx"`)
	return c.Send(buf.Bytes())
}

func pathID(c *fiber.Ctx, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, znb.ErrNotFound(what)
	}
	return id, nil
}

type listData struct {
	List     rest.ListJSON
	Imported bool
	Others   []rest.ListJSON
	Rejects  []rest.RejectJSON // households left out of a partial import
	Report   string
}

func (w *console) list(c *fiber.Ctx) error {
	id, err := pathID(c, "名单版本")
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.showList(c, id, &listData{Imported: c.Query("imported") == "1"})
}

func (w *console) showList(c *fiber.Ctx, id int64, d *listData) error {
	l, err := w.db.GetList(c.UserContext(), actor(c), id)
	if err != nil {
		return w.errorPage(c, err)
	}
	v := w.newView(c, "名单第 "+strconv.FormatInt(id, 10)+" 版")
	d.List = rest.ListOut(l)
	ls, err := w.db.ListVersions(c.UserContext(), actor(c), l.County)
	if err != nil {
		return w.errorPage(c, err)
	}
	for i := range ls {
		if ls[i].ID != id {
			d.Others = append(d.Others, rest.ListOut(&ls[i]))
		}
	}
	v.Data = d
	return w.render(c, fiber.StatusOK, "list", v)
}

func (w *console) diff(c *fiber.Ctx) error {
	id, err := pathID(c, "名单版本")
	if err != nil {
		return w.errorPage(c, err)
	}
	other, err := strconv.ParseInt(c.Query("from"), 10, 64)
	if err != nil || other <= 0 {
		return w.errorPage(c, znb.ErrNotFound("名单版本"))
	}
	d, err := w.api.Diff(c, actor(c), other, id) // other is the older version
	if err != nil {
		return w.errorPage(c, err)
	}
	v := w.newView(c, "名单比较")
	v.Data = d
	return w.render(c, fiber.StatusOK, "diff", v)
}

func (w *console) households(c *fiber.Ctx) error {
	v := w.newView(c, "农户查询")
	q := store.HouseholdQuery{HouseholdNo: strings.TrimSpace(c.Query("household_no")), IDNumber: strings.TrimSpace(c.Query("id_number")),
		Name: strings.TrimSpace(c.Query("name"))}
	v.Form["household_no"], v.Form["id_number"], v.Form["name"] = q.HouseholdNo, q.IDNumber, q.Name
	if q.HouseholdNo == "" && q.IDNumber == "" && q.Name == "" {
		return w.render(c, fiber.StatusOK, "households", v)
	}
	hs, err := w.api.Households(c, actor(c), q)
	if err != nil {
		field := "household_no"
		switch {
		case znb.CodeOf(err) == "invalid_name":
			field = "name"
		case q.HouseholdNo == "" && q.IDNumber != "":
			field = "id_number"
		}
		return w.fail(c, "households", v, err, field)
	}
	v.Data = hs
	return w.render(c, fiber.StatusOK, "households", v)
}
