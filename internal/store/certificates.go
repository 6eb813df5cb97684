package store

import (
	"context"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// CoverHit is a cover of another agreement over a person.
type CoverHit struct {
	CertificateNo string
	AgreementID   int64
	Start, End    znb.Date
}

type certRow struct {
	ID             int64
	CertificateNo  string
	MasterPolicyNo string
	AgreementID    int64
	HouseholdNo    string
	HouseholdSeq   int
	County         string
	RegionCode     string
	VillageName    string
	Category       string
	Status         string
	CancelledFrom  znb.Date
	Premium        decimal.Decimal
	IssuedPremium  decimal.Decimal
	Central        decimal.Decimal
	Provincial     decimal.Decimal
	Municipal      decimal.Decimal
	CountyShare    decimal.Decimal
	Self           decimal.Decimal
	ListID         int64
	IssuedAt       int64
	UpdatedAt      int64
	Seal           string
}

func (certRow) TableName() string { return "certificates" }

type coverRow struct {
	ID            int64
	CertificateNo string
	AgreementID   int64
	IDNumber      string `gorm:"column:id_number"`
	Name          string
	Relation      string
	CoverStart    znb.Date
	CoverEnd      znb.Date
	Premium       decimal.Decimal
}

func (coverRow) TableName() string { return "certificate_members" }

type endorsementRow struct {
	ID            int64
	CertificateNo string
	AgreementID   int64
	ListID        int64
	Type          string
	EffectiveDate znb.Date
	PremiumDelta  decimal.Decimal
	Detail        string
	CreatedAt     int64
}

func (endorsementRow) TableName() string { return "endorsements" }

// cert converts a row to the domain certificate, without members or
// history yet.
func (r *certRow) cert() policy.Certificate {
	return policy.Certificate{
		No: r.CertificateNo, MasterPolicyNo: r.MasterPolicyNo, HouseholdNo: r.HouseholdNo,
		Status: policy.CertificateStatus(r.Status), AgreementID: r.AgreementID, County: r.County,
		RegionCode: r.RegionCode, Village: r.VillageName, Category: znb.Category(r.Category),
		CancelledFrom: r.CancelledFrom, Shares: policy.Shares{r.Central, r.Provincial, r.Municipal, r.CountyShare, r.Self},
		IssuedAt: r.IssuedAt, Members: []policy.Insured{}, Endorsements: []policy.Endorsement{},
	}
}

// insured converts a cover row to the domain cover.
func (c *coverRow) insured() policy.Insured {
	return policy.Insured{IDNumber: c.IDNumber, Name: c.Name, Relation: c.Relation,
		Cover: policy.Cover{Start: c.CoverStart, End: c.CoverEnd}, Premium: c.Premium}
}

// showCover appends a cover to a certificate read to be shown; covers an
// endorsement emptied are history only.
func showCover(cert *policy.Certificate, c *coverRow) {
	if c.CoverEnd.Before(c.CoverStart) {
		return
	}
	cert.Members = append(cert.Members, c.insured())
}

// agreementScope is what scoping a certificate needs of its agreement.
type agreementScope struct {
	ID          int64
	County      string
	InsurerCode string
}

func (db *DB) scopeOf(g *gorm.DB, agreementID int64) (agreementScope, error) {
	// An agreement's county and insurer never change, and every look-up of a
	// certificate or claim asks for them.
	if s, ok := db.scopes.Load(agreementID); ok {
		return s.(agreementScope), nil
	}
	var s agreementScope
	err := g.Table("agreements").Select("id, county, insurer_code").Where("id = ?", agreementID).Take(&s).Error
	if err == nil {
		db.scopes.Store(agreementID, s)
	}
	return s, err
}

// GetCertificate returns a certificate with its members and history; one
// outside the actor's scope is not found.
func (db *DB) GetCertificate(ctx context.Context, by znb.Actor, no string) (*policy.Certificate, error) {
	g := db.Gorm(ctx)
	var r certRow
	if err := g.Where("certificate_no = ?", strings.TrimSpace(no)).Take(&r).Error; err != nil {
		return nil, notFound(err, "分户凭证")
	}
	s, err := db.scopeOf(g, r.AgreementID)
	if err != nil {
		return nil, notFound(err, "分户凭证")
	}
	if !by.Sees(s.County, s.InsurerCode) {
		return nil, znb.ErrNotFound("分户凭证")
	}
	vs, err := db.fill(g, []certRow{r})
	if err != nil {
		return nil, err
	}
	return &vs[0], nil
}

// FindCertificates looks certificates up by household number or by the ID
// number of any member ever covered; certificates outside the actor's scope
// are left out, so an empty answer says nothing about other counties.
func (db *DB) FindCertificates(ctx context.Context, by znb.Actor, householdNo, idNumber string) ([]policy.Certificate, error) {
	key, err := registry.NewLookup(householdNo, idNumber)
	if err != nil {
		return nil, err
	}
	householdNo, idNumber = key.HouseholdNo, key.IDNumber
	g := db.Gorm(ctx)
	q := g.Model(&certRow{})
	if householdNo != "" {
		q = q.Where("household_no = ?", householdNo)
	}
	if idNumber != "" {
		q = q.Where("certificate_no IN (SELECT certificate_no FROM certificate_members WHERE id_number = ?)", idNumber)
	}
	var rows []certRow
	if err := q.Order("agreement_id, certificate_no").Limit(200).Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "查询分户凭证")
	}
	scopes := map[int64]bool{}
	kept := rows[:0]
	for _, r := range rows {
		ok, seen := scopes[r.AgreementID]
		if !seen {
			s, err := db.scopeOf(g, r.AgreementID)
			if err != nil {
				return nil, znb.Wrap(err, "查询分户凭证")
			}
			ok = by.Sees(s.County, s.InsurerCode)
			scopes[r.AgreementID] = ok
		}
		if ok {
			kept = append(kept, r)
		}
	}
	return db.fill(g, kept)
}

// fill loads the members and endorsements of the certificates.
func (db *DB) fill(g *gorm.DB, rows []certRow) ([]policy.Certificate, error) {
	out := make([]policy.Certificate, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	at := make(map[string]int, len(rows))
	nos := make([]string, len(rows))
	for i := range rows {
		out[i] = rows[i].cert()
		at[rows[i].CertificateNo] = i
		nos[i] = rows[i].CertificateNo
	}
	var covers []coverRow
	if err := g.Where("certificate_no IN ?", nos).Order("certificate_no, id").Find(&covers).Error; err != nil {
		return nil, znb.Wrap(err, "读取被保险人")
	}
	for i := range covers {
		showCover(&out[at[covers[i].CertificateNo]], &covers[i])
	}
	var es []endorsementRow
	if err := g.Where("certificate_no IN ?", nos).Order("certificate_no, id").Find(&es).Error; err != nil {
		return nil, znb.Wrap(err, "读取批改")
	}
	for _, e := range es {
		c := &out[at[e.CertificateNo]]
		c.Endorsements = append(c.Endorsements, policy.Endorsement{Type: policy.EndorsementType(e.Type),
			Effective: e.EffectiveDate, PremiumDelta: e.PremiumDelta})
	}
	return out, nil
}

// certPage is how many certificates EachCertificate reads at a time.
const certPage = 2000

// EachCertificate calls fn for every certificate of the agreement, in
// household order, reading pages of certPage so memory stays flat. village
// "" means all; a 12-digit code selects by region_code, anything else by
// village name. Scope is the caller's to check (through GetAgreement).
func (db *DB) EachCertificate(ctx context.Context, agreementID int64, village string, fn func(*policy.Certificate) error) error {
	g := db.Gorm(ctx)
	after := ""
	for {
		q := g
		if isVillageCode(village) {
			q = q.Table(indexed(g, "certificates", "certificates_agreement_village"))
		}
		q = q.Where("agreement_id = ? AND household_no > ?", agreementID, after)
		switch {
		case village == "":
		case isVillageCode(village):
			q = q.Where("region_code = ?", village)
		default:
			q = q.Where("village_name = ?", village)
		}
		var rows []certRow
		if err := q.Order("household_no").Limit(certPage).Find(&rows).Error; err != nil {
			return znb.Wrap(err, "读取分户凭证")
		}
		if len(rows) == 0 {
			return nil
		}
		vs, err := db.fill(g, rows)
		if err != nil {
			return err
		}
		for i := range vs {
			if err := fn(&vs[i]); err != nil {
				return err
			}
		}
		if len(rows) < certPage {
			return nil
		}
		after = rows[len(rows)-1].HouseholdNo
	}
}

// CoveringCertificates returns the covers, on certificates of active
// agreements, that insure the person on at least one day from..to.
func (db *DB) CoveringCertificates(ctx context.Context, idNumber string, from, to znb.Date) ([]CoverHit, error) {
	var rows []struct {
		CertificateNo        string
		AgreementID          int64
		CoverStart, CoverEnd znb.Date
	}
	err := db.Gorm(ctx).Raw(`SELECT cm.certificate_no, cm.agreement_id, cm.cover_start, cm.cover_end
		FROM certificate_members cm JOIN agreements a ON a.id = cm.agreement_id
		WHERE cm.id_number = ? AND a.status = ? AND cm.cover_end >= cm.cover_start
		  AND cm.cover_start <= ? AND cm.cover_end >= ?
		ORDER BY cm.cover_start, cm.certificate_no`, strings.ToUpper(idNumber), string(policy.Active), to, from).Scan(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "查询承保记录")
	}
	out := make([]CoverHit, len(rows))
	for i, r := range rows {
		out[i] = CoverHit{r.CertificateNo, r.AgreementID, r.CoverStart, r.CoverEnd}
	}
	return out, nil
}

// isVillageCode reports whether s is a 12-digit village code rather than a
// village name.
func isVillageCode(s string) bool {
	_, err := znb.ParseRegion(s, znb.VillageDigits)
	return err == nil
}
