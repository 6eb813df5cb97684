package rest

import (
	"bytes"
	"context"
	"html/template"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The household's own door: no account; a household proves itself
// with the name and ID number of any insured member. Every request that
// passes the rate limit is in the audit trail with the ID number masked;
// refused floods are not, so they cannot flood the trail either.

func (s *Server) publicRoutes(r fiber.Router) {
	r.Use(s.PublicLimit(), readPublicBody)
	r.Post("/card", s.publicCard)
	r.Post("/claims", s.publicClaims)
	r.Post("/objections", s.publicObjection)
}

func (s *Server) verifyRoutes(r fiber.Router) {
	r.Get("/verify/:no", s.verify)
}

type personJSON struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// Bounds of the fields a household sends: a name of a few dozen characters
// at most, an ID number of 18.
const (
	maxNameChars = 30
	maxIDChars   = 18
)

// check refuses a field over its bound before any lookup or audit entry.
func (p personJSON) check() error {
	if utf8.RuneCountInString(p.Name) > maxNameChars {
		return znb.Errorf(znb.Invalid, "field_too_long", "name 最多 %d 个字符", maxNameChars)
	}
	if utf8.RuneCountInString(p.IDNumber) > maxIDChars {
		return znb.Errorf(znb.Invalid, "field_too_long", "id_number 最多 %d 个字符", maxIDChars)
	}
	return nil
}

// household is the public actor in the audit trail.
var household = znb.Actor{Username: "household"}

// publicPerson finds the certificates of the person the request names and
// audits the attempt. Unknown person and wrong name are one and the same
// not-found answer.
func (s *Server) publicPerson(c *fiber.Ctx, action string) ([]policy.Certificate, error) {
	var in personJSON
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	return s.person(c, in, action)
}

// person is publicPerson after decoding, for the API and the console alike.
func (s *Server) person(c *fiber.Ctx, in personJSON, action string) ([]policy.Certificate, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	ctx := c.UserContext()
	certs, err := s.DB.PublicCertificatesOf(ctx, in.Name, in.IDNumber)
	if err != nil && znb.ErrorOf(err).Kind != znb.NotFound {
		return nil, err
	}
	detail := map[string]any{"ip": c.IP(), "id_number": registry.MaskID(in.IDNumber),
		"name": registry.MaskName(in.Name), "found": len(certs) > 0}
	object := "person"
	if len(certs) > 0 {
		object = "certificate:" + certs[0].No
	}
	if aerr := s.DB.Audit(ctx, household, action, object, detail); aerr != nil {
		return nil, aerr
	}
	if err != nil {
		return nil, znb.ErrNotFound("参保人")
	}
	return certs, nil
}

// publicCard answers POST /public/card with the card of the person's
// certificate: the active one with the latest cover, else the latest.
func (s *Server) publicCard(c *fiber.Ctx) error {
	certs, err := s.publicPerson(c, "public.card")
	if err != nil {
		return err
	}
	return s.sendPublicCard(c, certs)
}

// sendPublicCard answers the card of the first of the person's certificates.
func (s *Server) sendPublicCard(c *fiber.Ctx, certs []policy.Certificate) error {
	p, err := s.printer()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.Write(c.UserContext(), &buf, &certs[0]); err != nil {
		return err
	}
	return sendPDF(c, buf.Bytes(), "card-"+safeName(certs[0].No)+".pdf")
}

// PublicClaimJSON is a claim as the household sees it: names and ID
// numbers masked, no staff names, the payable with its breakdown.
type PublicClaimJSON struct {
	ClaimNo        string            `json:"claim_no"`
	CertificateNo  string            `json:"certificate_no"`
	Status         string            `json:"status"`
	StatusName     string            `json:"status_name"`
	Line           znb.Line          `json:"line"`
	LineName       string            `json:"line_name"`
	MemberName     string            `json:"member_name"`
	MemberIDNumber string            `json:"member_id_number"`
	IncidentDate   znb.Date          `json:"incident_date"`
	ReportedOn     znb.Date          `json:"reported_on"`
	Cause          string            `json:"cause"`
	Payable        *string           `json:"payable"`
	Breakdown      []PublicStepJSON  `json:"breakdown"`
	ReasonCode     string            `json:"reason_code"`
	ReasonName     string            `json:"reason_name"`
	History        []PublicEventJSON `json:"history"`
}

type PublicStepJSON struct {
	Label  string `json:"label"`
	Amount string `json:"amount"`
}

type PublicEventJSON struct {
	At     string `json:"at"`
	To     string `json:"to"`
	ToName string `json:"to_name"`
}

// publicClaims answers POST /public/claims with the claims on every
// certificate the person is insured on.
func (s *Server) publicClaims(c *fiber.Ctx) error {
	certs, err := s.publicPerson(c, "public.claims")
	if err != nil {
		return err
	}
	items, err := s.claimsOn(c, certs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// claimsOn returns the claims on the certificates as the household sees them.
func (s *Server) claimsOn(c *fiber.Ctx, certs []policy.Certificate) ([]PublicClaimJSON, error) {
	nos := make([]string, len(certs))
	for i := range certs {
		nos[i] = certs[i].No
	}
	claims, err := s.DB.PublicClaims(c.UserContext(), nos)
	if err != nil {
		return nil, err
	}
	items := make([]PublicClaimJSON, 0, len(claims))
	for _, r := range claims {
		out := PublicClaimJSON{ClaimNo: r.No, CertificateNo: r.CertificateNo, Status: string(r.Status),
			StatusName: r.Status.Name(), Line: r.Line, LineName: r.Line.Name(),
			MemberName: registry.MaskName(r.MemberName), IncidentDate: r.IncidentDate, ReportedOn: r.ReportedOn,
			Cause: r.Cause, ReasonCode: string(r.Reason), ReasonName: r.Reason.Name(),
			Breakdown: []PublicStepJSON{}, History: []PublicEventJSON{}}
		if r.Member != "" {
			out.MemberIDNumber = registry.MaskID(r.Member)
		}
		if r.Assessed {
			p := amount(r.Payable)
			out.Payable = &p
			for _, st := range r.Breakdown {
				out.Breakdown = append(out.Breakdown, PublicStepJSON{Label: st.Label, Amount: amount(st.Amount)})
			}
		}
		for _, e := range r.History {
			out.History = append(out.History, PublicEventJSON{At: e.At.In(znb.CST).Format("2006-01-02 15:04"),
				To: string(e.To), ToName: e.To.Name()})
		}
		items = append(items, out)
	}
	return items, nil
}

// verifyJSON is the verify answer, exactly these fields; all
// but valid are null for a card that is not genuine, so that a guessed
// certificate number tells nothing.
type verifyJSON struct {
	Valid       bool      `json:"valid"`
	Status      *string   `json:"status"`
	PeriodStart *znb.Date `json:"period_start"`
	PeriodEnd   *znb.Date `json:"period_end"`
	HeadName    *string   `json:"head_name"`
	Insurer     *string   `json:"insurer"`
}

// verify answers GET /verify/{certificate_no}?sig=, the page a card's QR
// code opens: HTML for people, JSON for Accept: application/json.
func (s *Server) verify(c *fiber.Ctx) error {
	no := c.Params("no")
	out, err := s.verification(c.UserContext(), no, c.Query("sig"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON) == fiber.MIMEApplicationJSON {
		return c.JSON(out)
	}
	var page bytes.Buffer
	if err := verifyPage.Execute(&page, verifyView{verifyJSON: out, No: no}); err != nil {
		return znb.Wrap(err, "核验页面")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(page.Bytes())
}

// verification checks a card's certificate number and signature.
func (s *Server) verification(ctx context.Context, no, sig string) (verifyJSON, error) {
	out := verifyJSON{}
	v, err := s.DB.PublicCertificate(ctx, no)
	switch {
	case err == nil && sig != "":
		a, err := s.DB.GetAgreement(ctx, znb.System, v.AgreementID)
		if err != nil {
			return out, err
		}
		if card.VerifySignature(s.Secret, v.No, a, sig) {
			status, head, insurer := string(v.Status), registry.MaskName(v.HeadName()), a.Insurer.Name
			period := v.Period()
			out = verifyJSON{Valid: true, Status: &status, PeriodStart: &period.Start, PeriodEnd: &period.End,
				HeadName: &head, Insurer: &insurer}
		}
	case err != nil && znb.ErrorOf(err).Kind != znb.NotFound:
		return out, err
	}
	return out, nil
}

type verifyView struct {
	verifyJSON
	No string
}

func (v verifyView) Cancelled() bool {
	return v.Status != nil && *v.Status == string(policy.CertCancelled)
}

var verifyPage = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>“助农保”明白卡核验</title>
<style>
body{font-family:sans-serif;max-width:32em;margin:1.5em auto;padding:0 1em;line-height:1.6;color:#222}
h1{font-size:1.3em}.ok{color:#11632b}.warn{color:#8a5a00}.bad{color:#a11}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:.4em .2em}td:first-child{color:#555;width:7em}
</style></head><body>
<h1>“助农保”保险服务明白卡核验</h1>
{{if .Valid}}{{if .Cancelled}}<p class="warn"><strong>此明白卡是真实的，但该分户凭证已注销，不再提供保障。</strong></p>
{{else}}<p class="ok"><strong>✔ 此明白卡真实有效。</strong></p>{{end}}
<table>
<tr><td>分户凭证号</td><td>{{.No}}</td></tr>
<tr><td>凭证状态</td><td>{{if .Cancelled}}已注销{{else}}有效{{end}}</td></tr>
<tr><td>保险期间</td><td>{{.PeriodStart}} 至 {{.PeriodEnd}}</td></tr>
<tr><td>户主</td><td>{{.HeadName}}</td></tr>
<tr><td>承保机构</td><td>{{.Insurer}}</td></tr>
</table>
<p>请核对以上信息与手中的明白卡是否一致。</p>
{{else}}<p class="bad"><strong>✘ 无法核验：这不是平台签发的真实明白卡，或卡上的信息已被改动。</strong></p>
<p>请勿凭此卡办理业务，并联系承保机构或村委会核实。</p>{{end}}
</body></html>
`))
