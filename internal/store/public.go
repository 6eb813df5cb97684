package store

import (
	"context"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The reads below serve people without an account: the public verify page
// and households who prove themselves with name and ID number. They ignore
// account scope on purpose, which their names say; their callers show only
// what a household may see of itself (masked names, no ID numbers, the household's own
// card and claims).

// PublicCertificate returns a certificate by number whatever its agreement,
// for the verify page.
func (db *DB) PublicCertificate(ctx context.Context, no string) (*policy.Certificate, error) {
	g := db.Gorm(ctx)
	var r certRow
	if err := g.Where("certificate_no = ?", strings.TrimSpace(no)).Take(&r).Error; err != nil {
		return nil, notFound(err, "分户凭证")
	}
	vs, err := db.fill(g, []certRow{r})
	if err != nil {
		return nil, err
	}
	return &vs[0], nil
}

// PublicCertificatesOf returns the certificates on which a person with this
// ID number and exactly this name is (or was) insured for at least one day:
// active before cancelled, then the latest cover first. No match — unknown
// ID number, or a name that does not go with it — is the same not-found
// error, so that the answer cannot be used to probe ID numbers.
func (db *DB) PublicCertificatesOf(ctx context.Context, name, idNumber string) ([]policy.Certificate, error) {
	name = strings.TrimSpace(name)
	idNumber = strings.ToUpper(strings.TrimSpace(idNumber))
	if name == "" || idNumber == "" {
		return nil, znb.ErrNotFound("参保人")
	}
	g := db.Gorm(ctx)
	var rows []certRow
	err := g.Raw(`SELECT c.* FROM certificates c
		JOIN (SELECT certificate_no, MAX(cover_end) AS last_end FROM certificate_members
		      WHERE id_number = ? AND name = ? AND cover_end >= cover_start
		      GROUP BY certificate_no) m ON m.certificate_no = c.certificate_no
		ORDER BY CASE WHEN c.status = ? THEN 0 ELSE 1 END, m.last_end DESC, c.issued_at DESC, c.certificate_no DESC
		LIMIT 50`, idNumber, name, string(policy.CertActive)).Scan(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "查询参保人")
	}
	if len(rows) == 0 {
		return nil, znb.ErrNotFound("参保人")
	}
	return db.fill(g, rows)
}

// PublicClaims returns the claims on the given certificates, newest report
// first, with their history, for a household that proved itself through
// PublicCertificatesOf.
func (db *DB) PublicClaims(ctx context.Context, certificateNos []string) ([]claim.Claim, error) {
	out := []claim.Claim{}
	if len(certificateNos) == 0 {
		return out, nil
	}
	var rows []claimRow
	if err := db.Gorm(ctx).Where("certificate_no IN ?", certificateNos).Order("reported_on DESC, id DESC").
		Limit(500).Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "查询理赔案件")
	}
	for i := range rows {
		c, err := db.withHistory(db.Gorm(ctx), &rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// CertificateVillage is a village of an agreement's certificates.
type CertificateVillage struct {
	RegionCode, Name string
	Certificates     int
}

// CertificateVillages lists the villages of an agreement's certificates by
// region code, for printing one card file per village. Scope is the
// caller's to check (through GetAgreement), as for EachCertificate.
func (db *DB) CertificateVillages(ctx context.Context, agreementID int64) ([]CertificateVillage, error) {
	var rows []struct {
		RegionCode string
		Name       string
		N          int
	}
	err := db.Gorm(ctx).Raw(`SELECT region_code, MAX(village_name) AS name, COUNT(*) AS n FROM certificates
		WHERE agreement_id = ? GROUP BY region_code ORDER BY region_code`, agreementID).Scan(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "查询村")
	}
	out := make([]CertificateVillage, len(rows))
	for i, r := range rows {
		out[i] = CertificateVillage{r.RegionCode, r.Name, r.N}
	}
	return out, nil
}
