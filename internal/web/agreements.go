package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"gopkg.in/yaml.v3"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Agreements: the form writes the agreement file the API and the command
// line take (the one format, read by policy.ParseAgreement) and hands it to
// the same store call, so its checks and messages are theirs.

type splitCell struct {
	Source, Name, Field string
}

type splitLine struct {
	Category, Name, Field string
	Cells                 []splitCell
}

type agreementsData struct {
	Agreements []rest.AgreementJSON
	Products   []store.ProductInfo
	Splits     []splitLine
}

// defaultSplit is what the form offers until the clerk changes it: the
// usual shares of the example agreement, self-paid share for marginal
// households.
var defaultSplit = map[znb.Category][]string{
	znb.Lifted: {"50", "20", "15", "15", "0"}, znb.NotLifted: {"50", "20", "15", "15", "0"},
	znb.Returned: {"50", "20", "15", "15", "0"}, znb.UnstableLifted: {"50", "20", "15", "15", "0"},
	znb.SuddenHardship: {"50", "20", "15", "15", "0"}, znb.Marginal: {"0", "30", "20", "20", "30"},
}

func splitLines() []splitLine {
	var out []splitLine
	for _, cat := range znb.Categories {
		l := splitLine{Category: string(cat), Name: cat.Name(), Field: "split_" + string(cat)}
		for _, src := range znb.Sources {
			l.Cells = append(l.Cells, splitCell{string(src), src.Name(), l.Field + "_" + string(src)})
		}
		out = append(out, l)
	}
	return out
}

func (w *console) agreementsView(c *fiber.Ctx) (*view, error) {
	v := w.newView(c, "项目协议")
	as, err := w.api.Agreements(c, actor(c))
	if err != nil {
		return v, err
	}
	ps, err := w.db.Products(c.UserContext())
	if err != nil {
		return v, err
	}
	v.Data = &agreementsData{Agreements: as, Products: ps, Splits: splitLines()}
	return v, nil
}

func (w *console) agreements(c *fiber.Ctx) error {
	v, err := w.agreementsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	v.Form["county"] = actor(c).Scope
	for cat, shares := range defaultSplit {
		v.Form["split_"+string(cat)] = "1"
		for i, src := range znb.Sources {
			v.Form["split_"+string(cat)+"_"+string(src)] = shares[i]
		}
	}
	return w.render(c, fiber.StatusOK, "agreements", v)
}

var agreementFields = []string{"agreement_no", "county", "insurer_code", "insurer_name", "insurer_hotline",
	"product", "term_start", "term_end", "premium_per_person"}

func (w *console) createAgreement(c *fiber.Ctx) error {
	v, err := w.agreementsView(c)
	if err != nil {
		return w.errorPage(c, err)
	}
	for _, f := range agreementFields {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	split := map[string]map[string]string{}
	for _, cat := range znb.Categories {
		f := "split_" + string(cat)
		if c.FormValue(f) != "1" {
			continue
		}
		v.Form[f] = "1"
		shares := map[string]string{}
		for _, src := range znb.Sources {
			val := strings.TrimSpace(c.FormValue(f + "_" + string(src)))
			v.Form[f+"_"+string(src)] = val
			shares[string(src)] = val
		}
		split[string(cat)] = shares
	}
	code, version, _ := strings.Cut(v.Form["product"], "@")
	ver, _ := strconv.Atoi(version)
	file := map[string]any{
		"agreement_no": v.Form["agreement_no"], "county": v.Form["county"],
		"insurer":            map[string]string{"code": v.Form["insurer_code"], "name": v.Form["insurer_name"], "hotline": v.Form["insurer_hotline"]},
		"product":            map[string]any{"code": code, "version": ver},
		"term":               map[string]string{"start": v.Form["term_start"], "end": v.Form["term_end"]},
		"premium_per_person": v.Form["premium_per_person"], "split": split,
	}
	body, err := yaml.Marshal(file)
	if err != nil {
		return w.errorPage(c, znb.Wrap(err, "生成协议文件"))
	}
	a, err := w.db.CreateAgreement(c.UserContext(), actor(c), body)
	if err != nil {
		if ps, ok := znb.ErrorOf(err).Details.([]policy.Problem); ok {
			for _, p := range ps {
				v.Fields[formField(p.Field)] = p.Message
			}
		}
		field := ""
		switch znb.CodeOf(err) {
		case "invalid_region", "out_of_scope":
			field = "county"
		case "agreement_exists":
			field = "agreement_no"
		case "product_missing", "product_mismatch":
			field = "product"
		case "premium_invalid":
			field = "premium_per_person"
		case "term_invalid":
			field = "term_end"
		}
		return w.fail(c, "agreements", v, err, field)
	}
	return c.Redirect("/office/agreements/"+strconv.FormatInt(a.ID, 10), fiber.StatusSeeOther)
}

// formField is the form's name of an agreement file's field: insurer.code
// is insurer_code, split.lifted.central is split_lifted_central.
func formField(f string) string { return strings.ReplaceAll(f, ".", "_") }

func (w *console) agreement(c *fiber.Ctx) error {
	id, err := pathID(c, "协议")
	if err != nil {
		return w.errorPage(c, err)
	}
	a, err := w.db.GetAgreement(c.UserContext(), actor(c), id)
	if err != nil {
		return w.errorPage(c, err)
	}
	return w.showAgreement(c, a, nil)
}

type agreementData struct {
	A        rest.AgreementJSON
	Draft    bool
	Splits   []splitLine
	Shares   map[string]string
	Activate string // the error of an activation, beside its button
}

func (w *console) showAgreement(c *fiber.Ctx, a *policy.Agreement, activateErr error) error {
	out, err := w.api.AgreementOut(c, a)
	if err != nil {
		return w.errorPage(c, err)
	}
	v := w.newView(c, "协议 "+a.No)
	if c.Query("activated") == "1" {
		v.Form["activated"] = "1"
	}
	d := &agreementData{A: out, Draft: a.Status == policy.Draft, Shares: map[string]string{}}
	for _, l := range splitLines() {
		if sh, ok := out.Split[l.Category]; ok {
			d.Splits = append(d.Splits, l)
			for _, cell := range l.Cells {
				d.Shares[cell.Field] = sh[cell.Source]
			}
		}
	}
	status := fiber.StatusOK
	if activateErr != nil {
		d.Activate = w.message(c, activateErr)
		status = rest.StatusOf(activateErr)
	}
	v.Data = d
	return w.render(c, status, "agreement", v)
}

func (w *console) activate(c *fiber.Ctx) error {
	id, err := pathID(c, "协议")
	if err != nil {
		return w.errorPage(c, err)
	}
	a, err := w.db.ActivateAgreement(c.UserContext(), actor(c), id)
	if err != nil {
		if znb.ErrorOf(err).Kind == znb.NotFound {
			return w.errorPage(c, err)
		}
		cur, gerr := w.db.GetAgreement(c.UserContext(), actor(c), id)
		if gerr != nil {
			return w.errorPage(c, gerr)
		}
		return w.showAgreement(c, cur, err)
	}
	return c.Redirect("/office/agreements/"+strconv.FormatInt(a.ID, 10)+"?activated=1", fiber.StatusSeeOther)
}
