package rest

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// What the insurer's pages of the console borrow from the API: the shapes
// of certificates, claims and documents as the API shows them (masking,
// amounts, the full-ID audit), and its downloads — cards, decision letters,
// documents — answered by the API's own handlers for the signed-in actor.

// The API's answer shapes the insurer's pages show.
type (
	CertificateJSON = certificateJSON
	ClaimJSON       = claimOut
	StepJSON        = stepOut
	DocumentJSON    = documentOut
)

// as runs an API handler for the console's actor.
func (s *Server) as(c *fiber.Ctx, a znb.Actor, h fiber.Handler) error {
	c.Locals(actorKey{}, a)
	return h(c)
}

// Certificates finds certificates as GET /certificates does (by household
// number or ID number), or reads one by its number as GET
// /certificates/{no} does; full ID numbers shown are audited.
func (s *Server) Certificates(c *fiber.Ctx, a znb.Actor, no, householdNo, idNumber string) ([]CertificateJSON, error) {
	var vs []policy.Certificate
	if no = strings.TrimSpace(no); no != "" {
		v, err := s.DB.GetCertificate(c.UserContext(), a, no)
		if err != nil {
			return nil, err
		}
		vs = []policy.Certificate{*v}
	} else {
		var err error
		if vs, err = s.DB.FindCertificates(c.UserContext(), a, householdNo, idNumber); err != nil {
			return nil, err
		}
	}
	c.Locals(actorKey{}, a)
	if err := s.auditFullIDs(c, vs); err != nil {
		return nil, err
	}
	out := make([]CertificateJSON, len(vs))
	for i := range vs {
		out[i] = s.certificateOut(a.NeedsFullID(), &vs[i])
	}
	return out, nil
}

// Cards answers the card file of a village of the agreement (a region code
// or a village name), or a zip of one file per village of a township, as
// GET /agreements/{id}/cards.pdf does.
func (s *Server) Cards(c *fiber.Ctx, a znb.Actor, id int64, village, township string) error {
	return s.sendCards(c, a, id, village, township)
}

// Claim reads a claim as GET /claims/{no} does, full ID audited; the domain
// claim comes too, for what the page offers.
func (s *Server) Claim(c *fiber.Ctx, a znb.Actor, no string) (ClaimJSON, *claim.Claim, error) {
	rec, err := s.DB.GetClaim(c.UserContext(), a, no)
	if err != nil {
		return ClaimJSON{}, nil, err
	}
	c.Locals(actorKey{}, a)
	if err := s.auditFullID(c, a.NeedsFullID(), rec); err != nil {
		return ClaimJSON{}, nil, err
	}
	return s.claimOut(rec, a.NeedsFullID()), rec, nil
}

// Claims lists claims as GET /claims does, full IDs audited.
func (s *Server) Claims(c *fiber.Ctx, a znb.Actor, q store.ClaimQuery) ([]ClaimJSON, int64, error) {
	recs, total, err := s.DB.ListClaims(c.UserContext(), a, q)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ClaimJSON, len(recs))
	shown := make([]*claim.Claim, len(recs))
	for i := range recs {
		out[i] = s.claimOut(&recs[i], a.NeedsFullID())
		shown[i] = &recs[i]
	}
	c.Locals(actorKey{}, a)
	if err := s.auditFullID(c, a.NeedsFullID(), shown...); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Steps is a breakdown as the API shows it.
func Steps(steps []claim.Step) []StepJSON { return stepsOut(steps) }

// Documents lists a claim's documents and the product's checklist for its
// line, as GET /claims/{no}/documents does.
func (s *Server) Documents(c *fiber.Ctx, a znb.Actor, no string) ([]DocumentJSON, []store.Checklist, error) {
	docs, list, err := s.DB.ClaimDocuments(c.UserContext(), a, no)
	if err != nil {
		return nil, nil, err
	}
	out := make([]DocumentJSON, len(docs))
	for i := range docs {
		out[i] = docOut(&docs[i])
	}
	return out, list, nil
}

// AddDocument stores the multipart form's document (fields file and kind)
// for the claim of the path, as POST /claims/{no}/documents does.
func (s *Server) AddDocument(c *fiber.Ctx, a znb.Actor) error {
	_, err := s.addClaimDocument(c, a)
	return err
}

// MaxDocumentBody is the most a document's form may weigh, as the API takes it.
func (s *Server) MaxDocumentBody() int { return s.MaxUploadBytes + formOverhead }

// DocumentFile answers a claim's document (path parameters no and id) as
// GET /claims/{no}/documents/{id} does.
func (s *Server) DocumentFile(c *fiber.Ctx, a znb.Actor) error {
	return s.as(c, a, s.downloadClaimDocument)
}

// Letter answers the decision letter of the claim of the path (parameter
// no) as GET /claims/{no}/letter.pdf does.
func (s *Server) Letter(c *fiber.Ctx, a znb.Actor) error {
	return s.as(c, a, s.claimLetter)
}
