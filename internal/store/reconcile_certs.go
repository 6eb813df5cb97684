package store

import (
	"context"
	"iter"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// certificateBill computes the bill from the agreement's own certificates:
// one row per insured member cover period (a member removed and listed again
// bills twice), with the certificate's household and category, in
// certificate then cover order. A cover ending before it starts insured
// nobody and is not billed. Rows are numbered from 2 as in the statement the
// platform would export. It reads certificate_members and certificates in
// one query rather than through EachCertificate: a reconciliation needs
// only these columns, for up to a million members.
func (db *DB) certificateBill(ctx context.Context, agreementID int64) iter.Seq2[subsidy.Row, error] {
	return func(yield func(subsidy.Row, error) bool) {
		rows, err := db.Gorm(ctx).Raw(`SELECT c.certificate_no, c.household_no, c.category, m.id_number, m.name,
				m.cover_start, m.cover_end, m.premium
			FROM certificate_members m JOIN certificates c ON c.certificate_no = m.certificate_no
			WHERE m.agreement_id = ? AND m.cover_end >= m.cover_start
			ORDER BY c.household_seq, m.id`, agreementID).Rows()
		if err != nil {
			yield(subsidy.Row{}, znb.Wrap(err, "读取分户凭证"))
			return
		}
		defer rows.Close()
		n := 1
		var cat string
		for rows.Next() {
			var r subsidy.Row
			if err := rows.Scan(&r.CertificateNo, &r.HouseholdNo, &cat, &r.IDNumber, &r.Name,
				&r.CoverageStart, &r.CoverageEnd, &r.Premium); err != nil {
				yield(subsidy.Row{}, znb.Wrap(err, "读取分户凭证"))
				return
			}
			n++
			r.Row, r.Category = n, internCategory(cat)
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(subsidy.Row{}, znb.Wrap(err, "读取分户凭证"))
		}
	}
}

// otherCover finds, in one query, the people whom a certificate of another
// active agreement covers on at least one day of this agreement's term (in
// any county: a person moved between counties is billed twice this way).
// The first such certificate by number is named.
func (db *DB) otherCover(ctx context.Context, a *policy.Agreement, _ []subsidy.Entry) (subsidy.OtherCover, error) {
	rows, err := db.Gorm(ctx).Raw(`SELECT m.id_number, m.certificate_no, m.agreement_id
		FROM certificate_members m JOIN agreements g ON g.id = m.agreement_id
		WHERE m.agreement_id <> ? AND g.status = ? AND m.cover_end >= m.cover_start
			AND m.cover_start <= ? AND m.cover_end >= ?
		ORDER BY m.certificate_no`, a.ID, string(policy.Active), a.Term.End, a.Term.Start).Rows()
	if err != nil {
		return nil, znb.Wrap(err, "读取其他协议的承保")
	}
	defer rows.Close()
	type hit struct {
		cert      string
		agreement int64
	}
	hits := map[string]hit{}
	for rows.Next() {
		var id string
		var h hit
		if err := rows.Scan(&id, &h.cert, &h.agreement); err != nil {
			return nil, znb.Wrap(err, "读取其他协议的承保")
		}
		if _, ok := hits[id]; !ok {
			hits[id] = h
		}
	}
	if err := rows.Err(); err != nil {
		return nil, znb.Wrap(err, "读取其他协议的承保")
	}
	if len(hits) == 0 {
		return nil, nil
	}
	return func(id string) (string, int64, bool) {
		h, ok := hits[id]
		return h.cert, h.agreement, ok
	}, nil
}
