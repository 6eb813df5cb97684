package card

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Source is what the printer reads; the store satisfies it. Reads that take
// an actor answer only within the actor's scope (another county's or
// insurer's is not found).
type Source interface {
	GetAgreement(ctx context.Context, by znb.Actor, id int64) (*policy.Agreement, error)
	// AgreementProduct does not check scope: the printer reads the
	// agreement first.
	AgreementProduct(ctx context.Context, agreementID int64) (*policy.Product, error)
	GetCertificate(ctx context.Context, by znb.Actor, no string) (*policy.Certificate, error)
	// EachCertificate calls fn for every certificate of the agreement in
	// household order; village "" means all, else a 12-digit code or a
	// village name. It does not check scope either.
	EachCertificate(ctx context.Context, agreementID int64, village string, fn func(*policy.Certificate) error) error
}

// Printer draws service cards from a Source: the one path that the HTTP
// endpoints and the cards command share, so a card looks and verifies the
// same whichever printed it.
type Printer struct {
	Source   Source
	Renderer *Renderer
	Secret   []byte // ZNB_SECRET: signs the verify link in the QR code
	BaseURL  string // public address of the verify page
}

// Signature returns the signature a card of certificate no under agreement
// a carries. It signs the certificate number with the agreement's term,
// which no endorsement changes, so that a card printed before a member was
// removed or the household cancelled still verifies as genuine and the
// verify page tells its current status.
func Signature(secret []byte, no string, a *policy.Agreement) string {
	return Signer{Key: secret}.Sign(no, a.Term.Start, a.Term.End)
}

// VerifySignature reports whether sig is the signature of Signature.
func VerifySignature(secret []byte, no string, a *policy.Agreement, sig string) bool {
	return Signer{Key: secret}.Verify(no, a.Term.Start, a.Term.End, sig)
}

// CardOf lays a certificate out as its service card: IDs masked, the head
// of household, what the household paid itself, the insurer, hotline and
// local service contact of the agreement, the lines of its product and the
// signed verify link.
func (p *Printer) CardOf(v *policy.Certificate, a *policy.Agreement, prod *policy.Product) Card {
	period := v.Period()
	c := Card{
		CertificateNo: v.No, MasterPolicyNo: v.MasterPolicyNo, Status: Active,
		PeriodStart: period.Start, PeriodEnd: period.End,
		Insurer: a.Insurer.Name, Hotline: a.Insurer.Hotline, Service: a.ServiceContact,
		Premium: v.Premium(), SelfPaid: v.SelfPaid(),
		Village: v.Village, RegionCode: v.RegionCode,
		HeadName:  v.HeadName(),
		Lines:     prod.Lines,
		IssueDate: znb.DateOf(time.UnixMilli(v.IssuedAt).In(znb.CST)),
		VerifyURL: VerifyURL(p.BaseURL, v.No, Signature(p.Secret, v.No, a)),
	}
	if v.Cancelled() {
		c.Status = Cancelled
	}
	for _, m := range v.Members {
		c.Members = append(c.Members, Member{Name: m.Name, Relation: m.Relation,
			MaskedID: registry.MaskID(m.IDNumber), CoverStart: m.Cover.Start, CoverEnd: m.Cover.End})
	}
	return c
}

// terms reads what every card of an agreement shares.
func (p *Printer) terms(ctx context.Context, by znb.Actor, agreementID int64) (*policy.Agreement, *policy.Product, error) {
	a, err := p.Source.GetAgreement(ctx, by, agreementID)
	if err != nil {
		return nil, nil, err
	}
	prod, err := p.Source.AgreementProduct(ctx, agreementID)
	if err != nil {
		return nil, nil, err
	}
	return a, prod, nil
}

// Certificate writes the card of one certificate the actor may see.
func (p *Printer) Certificate(ctx context.Context, w io.Writer, by znb.Actor, no string) error {
	v, err := p.Source.GetCertificate(ctx, by, no)
	if err != nil {
		return err
	}
	return p.Write(ctx, w, v)
}

// Write draws the card of a certificate already read and allowed; the
// household self-service comes here after proving itself.
func (p *Printer) Write(ctx context.Context, w io.Writer, v *policy.Certificate) error {
	a, prod, err := p.terms(ctx, znb.System, v.AgreementID)
	if err != nil {
		return err
	}
	return p.Renderer.WriteCard(w, p.CardOf(v, a, prod))
}

// Village writes the card file of one village of an agreement the actor may
// see — one card a page in household order — streaming certificates from
// the source into the renderer, so memory does not grow with the village.
// village is a 12-digit region code or a village name; done, when not nil,
// is called after each card.
func (p *Printer) Village(ctx context.Context, w io.Writer, by znb.Actor, agreementID int64, village string, done func()) error {
	a, prod, err := p.terms(ctx, by, agreementID)
	if err != nil {
		return err
	}
	return p.Renderer.Write(w, func(yield func(Card) error) error {
		return p.Source.EachCertificate(ctx, agreementID, village, func(v *policy.Certificate) error {
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

// VillageFileName is the name of a village's card file: region code, then
// the village name when there is one ("522625101001-青山村.pdf").
func VillageFileName(regionCode, name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		return regionCode + ".pdf"
	}
	return regionCode + "-" + name + ".pdf"
}
