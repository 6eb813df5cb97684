package rest

import (
	"context"
	"io"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Printer draws service cards from the store: the one path that the HTTP
// endpoints and the cards command share, so a card looks and verifies the
// same whichever printed it.
type Printer struct {
	DB       *store.DB
	Renderer *card.Renderer
	Secret   []byte // ZNB_SECRET: signs the verify link in the QR code
	BaseURL  string // public address of the verify page
}

// Signature returns the signature a card of certificate no under agreement
// a carries. It signs the certificate number with the agreement's term,
// which no endorsement changes, so that a card printed before a member was
// removed or the household cancelled still verifies as genuine and the
// verify page tells its current status.
func Signature(secret []byte, no string, a *policy.Agreement) string {
	return card.Signer{Key: secret}.Sign(no, a.Term.Start, a.Term.End)
}

// VerifySignature reports whether sig is the signature of Signature.
func VerifySignature(secret []byte, no string, a *policy.Agreement, sig string) bool {
	return card.Signer{Key: secret}.Verify(no, a.Term.Start, a.Term.End, sig)
}

// CardOf lays a certificate out as its service card: IDs masked, the head
// of household (户主, else the first member), the insurer and hotline of the
// agreement, the lines of its product and the signed verify link.
func (p *Printer) CardOf(v *store.CertificateView, a *policy.Agreement, prod *policy.Product) card.Card {
	c := card.Card{
		CertificateNo: v.No, MasterPolicyNo: v.MasterPolicyNo, Status: card.Active,
		PeriodStart: v.PeriodStart, PeriodEnd: v.PeriodEnd,
		Insurer: a.Insurer.Name, Hotline: a.Insurer.Hotline,
		Village: v.Village, RegionCode: v.RegionCode,
		Lines:     prod.Lines,
		IssueDate: znb.DateOf(time.UnixMilli(v.IssuedAt).In(znb.CST)),
		VerifyURL: card.VerifyURL(p.BaseURL, v.No, Signature(p.Secret, v.No, a)),
	}
	if v.Status == store.CertCancelled {
		c.Status = card.Cancelled
	}
	c.HeadName = headOf(v)
	for _, m := range v.Members {
		c.Members = append(c.Members, card.Member{Name: m.Name, Relation: m.Relation,
			MaskedID: registry.MaskID(m.IDNumber), CoverStart: m.CoverStart, CoverEnd: m.CoverEnd})
	}
	return c
}

// headOf is the name of the head of household: the member whose relation
// is 户主, else the first member.
func headOf(v *store.CertificateView) string {
	for _, m := range v.Members {
		if m.Relation == "户主" {
			return m.Name
		}
	}
	if len(v.Members) > 0 {
		return v.Members[0].Name
	}
	return ""
}

// terms reads what every card of an agreement shares.
func (p *Printer) terms(ctx context.Context, by znb.Actor, agreementID int64) (*policy.Agreement, *policy.Product, error) {
	a, err := p.DB.GetAgreement(ctx, by, agreementID)
	if err != nil {
		return nil, nil, err
	}
	prod, err := p.DB.AgreementProduct(ctx, agreementID)
	if err != nil {
		return nil, nil, err
	}
	return a, prod, nil
}

// Certificate writes the card of one certificate the actor may see.
func (p *Printer) Certificate(ctx context.Context, w io.Writer, by znb.Actor, no string) error {
	v, err := p.DB.GetCertificate(ctx, by, no)
	if err != nil {
		return err
	}
	return p.write(ctx, w, v)
}

// write draws the card of a certificate already read and allowed; the
// household self-service comes here after proving itself.
func (p *Printer) write(ctx context.Context, w io.Writer, v *store.CertificateView) error {
	a, prod, err := p.terms(ctx, znb.System, v.AgreementID)
	if err != nil {
		return err
	}
	return p.Renderer.WriteCard(w, p.CardOf(v, a, prod))
}

// Village writes the card file of one village of an agreement the actor may
// see — one card a page in household order — streaming certificates from
// the store into the renderer, so memory does not grow with the village.
// village is a 12-digit region code or a village name; done, when not nil,
// is called after each card.
func (p *Printer) Village(ctx context.Context, w io.Writer, by znb.Actor, agreementID int64, village string, done func()) error {
	a, prod, err := p.terms(ctx, by, agreementID)
	if err != nil {
		return err
	}
	return p.Renderer.Write(w, func(yield func(card.Card) error) error {
		return p.DB.EachCertificate(ctx, agreementID, village, func(v *store.CertificateView) error {
			if len(v.Members) == 0 {
				return nil // nobody was ever insured on it: there is no card to print
			}
			if err := yield(p.CardOf(v, a, prod)); err != nil {
				return err
			}
			if done != nil {
				done()
			}
			return nil
		})
	})
}

// Villages lists the villages of an agreement the actor may see, for one
// card file each.
func (p *Printer) Villages(ctx context.Context, by znb.Actor, agreementID int64) (*policy.Agreement, []store.CertificateVillage, error) {
	a, err := p.DB.GetAgreement(ctx, by, agreementID)
	if err != nil {
		return nil, nil, err
	}
	vs, err := p.DB.CertificateVillages(ctx, agreementID)
	return a, vs, err
}
