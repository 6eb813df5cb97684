package policy

import (
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// CertificateStatus is whether a certificate still covers its household.
type CertificateStatus string

const (
	CertActive    CertificateStatus = "active"
	CertCancelled CertificateStatus = "cancelled"
)

// Certificate is a household's 分户凭证: the one shape in which issuing,
// cards, claims, reconciliation and look-ups read it. Its premium is the sum
// of its covers' premiums.
type Certificate struct {
	No             string
	MasterPolicyNo string
	AgreementID    int64
	HouseholdNo    string
	County         string
	RegionCode     string // the village's 12-digit code
	Village        string
	Category       znb.Category
	Status         CertificateStatus
	CancelledFrom  znb.Date // first day not covered, once cancelled
	Shares         Shares   // the premium by funding source
	IssuedAt       int64    // Unix ms
	// Members are its covers in the order written. Issuing plans with every
	// cover, emptied ones included; a certificate read to be shown leaves out
	// covers an endorsement emptied (a member removed before their cover
	// began), which carry no premium.
	Members []Insured
	// Endorsements is its history, oldest first, without their changes.
	Endorsements []Endorsement
}

// Cancelled reports whether the certificate no longer covers anyone.
func (c *Certificate) Cancelled() bool { return c.Status == CertCancelled }

// Premium is the certificate premium; zero for no certificate.
func (c *Certificate) Premium() decimal.Decimal {
	if c == nil {
		return decimal.Zero
	}
	return sumPremiums(c.Members)
}

// SelfPaid is the part of the certificate's premium the household pays
// itself: the self share of its funding split. The agreement sets the self
// percentage per category (a marginal household, 边缘易致贫户, usually pays
// 30%; the others 0); each share is rounded half-up to the cent and the last
// non-zero source, self when it pays anything, takes the remainder, so a
// household pays exactly what is left after the subsidies. It follows every
// endorsement, since the shares are the current premium's.
func (c *Certificate) SelfPaid() decimal.Decimal { return c.Shares.Of(znb.Self) }

// Period is the certificate's own period: the earliest start to the latest
// end of its covers, emptied covers left out.
func (c *Certificate) Period() Term {
	var t Term
	for _, m := range c.Members {
		if m.Cover.End.Before(m.Cover.Start) {
			continue
		}
		if t.Start.IsZero() || m.Cover.Start.Before(t.Start) {
			t.Start = m.Cover.Start
		}
		if m.Cover.End.After(t.End) {
			t.End = m.Cover.End
		}
	}
	return t
}

// Head is the member whose relation is 户主, if the certificate names one.
func (c *Certificate) Head() (Insured, bool) {
	for _, m := range c.Members {
		if m.Relation == registry.Head {
			return m, true
		}
	}
	return Insured{}, false
}

// HeadName is the name printed as the household's head (on cards, the
// verify page and claims): the member whose relation is 户主, else the first
// member; "" for a certificate without members.
func (c *Certificate) HeadName() string {
	if h, ok := c.Head(); ok {
		return h.Name
	}
	if len(c.Members) > 0 {
		return c.Members[0].Name
	}
	return ""
}
