package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The insurer's certificate pages: find a certificate and print cards.
// Both go through the API's own reads (rest.Certificates, rest.Cards), so
// scope, masking, audit and the card file are the API's.

type certificatesData struct {
	Certificates []rest.CertificateJSON
	Searched     bool
}

// certificates finds certificates by number, household number or ID number.
func (w *console) certificates(c *fiber.Ctx) error {
	v := w.newView(c, "分户凭证查询")
	q := map[string]string{}
	for _, f := range []string{"no", "household_no", "id_number"} {
		q[f] = strings.TrimSpace(c.Query(f))
		v.Form[f] = q[f]
	}
	d := &certificatesData{}
	v.Data = d
	if q["no"] == "" && q["household_no"] == "" && q["id_number"] == "" {
		return w.render(c, fiber.StatusOK, "certificates", v)
	}
	d.Searched = true
	cs, err := w.api.Certificates(c, actor(c), q["no"], q["household_no"], q["id_number"])
	if err != nil {
		field := "no"
		switch {
		case q["no"] != "":
		case q["household_no"] != "":
			field = "household_no"
		default:
			field = "id_number"
		}
		return w.fail(c, "certificates", v, err, field)
	}
	d.Certificates = cs
	return w.render(c, fiber.StatusOK, "certificates", v)
}

type township struct {
	Code, Name string
	Villages   int
}

type cardsAgreement struct {
	A         rest.AgreementJSON
	Villages  []store.CertificateVillage
	Townships []township
}

// cardsPage lists the insurer's agreements with the villages and townships
// that have certificates, each with a download of its cards.
func (w *console) cardsPage(c *fiber.Ctx) error {
	v := w.newView(c, "打印明白卡")
	as, err := w.api.Agreements(c, actor(c))
	if err != nil {
		return w.errorPage(c, err)
	}
	var out []cardsAgreement
	var codes []string
	for _, a := range as {
		vs, err := w.db.CertificateVillages(c.UserContext(), a.ID)
		if err != nil {
			return w.errorPage(c, err)
		}
		if len(vs) == 0 {
			continue
		}
		ca := cardsAgreement{A: a, Villages: vs}
		for _, vl := range vs {
			code := vl.RegionCode[:min(len(vl.RegionCode), znb.TownshipDigits)]
			if n := len(ca.Townships); n > 0 && ca.Townships[n-1].Code == code {
				ca.Townships[n-1].Villages++
				continue
			}
			ca.Townships = append(ca.Townships, township{Code: code, Villages: 1})
			codes = append(codes, code)
		}
		out = append(out, ca)
	}
	names, err := w.db.RegionNames(c.UserContext(), codes)
	if err != nil {
		return w.errorPage(c, err)
	}
	for i := range out {
		for j := range out[i].Townships {
			out[i].Townships[j].Name = names[out[i].Townships[j].Code]
		}
	}
	v.Data = out
	return w.render(c, fiber.StatusOK, "cards", v)
}

// cardsFile answers the card file of a village (a PDF) or of a township (a
// zip of its villages' files) as a download; a refusal shows the error page.
func (w *console) cardsFile(c *fiber.Ctx) error {
	id, err := pathID(c, "协议")
	if err != nil {
		return w.errorPage(c, err)
	}
	village, town := strings.TrimSpace(c.Query("village")), strings.TrimSpace(c.Query("township"))
	if village == "" && town != "" {
		if town, err = znb.ParseRegion(town, znb.TownshipDigits); err != nil {
			return w.errorPage(c, err)
		}
	}
	if village == "" && town == "" {
		return w.errorPage(c, znb.Errorf(znb.Invalid, "village_required", "请选择要打印的村或乡镇"))
	}
	if err := w.api.Cards(c, actor(c), id, village, town); err != nil {
		c.Response().Header.Del(fiber.HeaderContentDisposition)
		return w.errorPage(c, err)
	}
	return nil
}
