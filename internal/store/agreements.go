package store

import (
	"context"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// maxAgreements bounds the agreements list: a county signs a few a year.
const maxAgreements = 200

// Agreements returns the agreements the actor sees (see GetAgreement),
// newest first, at most maxAgreements.
func (db *DB) Agreements(ctx context.Context, by znb.Actor) ([]policy.Agreement, error) {
	var rows []agreementRow
	if err := db.Gorm(ctx).Select("id, county, insurer_code").Order("id DESC").Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取协议")
	}
	var out []policy.Agreement
	for _, r := range rows {
		if !by.Sees(r.County, r.InsurerCode) {
			continue
		}
		a, err := db.GetAgreement(ctx, by, r.ID)
		if err != nil {
			return nil, err
		}
		if out = append(out, *a); len(out) == maxAgreements {
			break
		}
	}
	return out, nil
}
