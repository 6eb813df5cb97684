package store

import (
	"sync"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// claimAgreement is what claims need of an agreement: who insures, where,
// and under which product version. None of it changes once the agreement
// exists (agreements are created, activated and expire; their parties and
// product do not change), and a loaded product version never changes
// either (LoadProduct refuses other text under a loaded version), so both
// are read once per database and kept: a claim report then costs no YAML
// parsing and no agreement queries.
type claimAgreement struct {
	ID             int64
	County         string
	InsurerCode    string
	ProductCode    string
	ProductVersion int
}

type agreementKey struct {
	db *DB
	id int64
}

type productKey struct {
	db      *DB
	code    string
	version int
}

// claimCache holds claimAgreement and *policy.Product values, keyed by
// database so that test databases never share entries.
var claimCache sync.Map

// claimAgreement reads through g, which may be the claim's transaction.
func (db *DB) claimAgreement(g *gorm.DB, id int64) (*claimAgreement, error) {
	k := agreementKey{db, id}
	if v, ok := claimCache.Load(k); ok {
		return v.(*claimAgreement), nil
	}
	var a claimAgreement
	res := g.Table("agreements").Select("id, county, insurer_code, product_code, product_version").Where("id = ?", id).Scan(&a)
	if res.Error != nil {
		return nil, znb.Wrap(res.Error, "读取协议")
	}
	if res.RowsAffected == 0 {
		return nil, znb.ErrNotFound("协议")
	}
	claimCache.Store(k, &a)
	return &a, nil
}

// claimProduct returns the product version an agreement names.
func (db *DB) claimProduct(g *gorm.DB, a *claimAgreement) (*policy.Product, error) {
	k := productKey{db, a.ProductCode, a.ProductVersion}
	if v, ok := claimCache.Load(k); ok {
		return v.(*policy.Product), nil
	}
	p, err := db.product(g, a.ProductCode, a.ProductVersion)
	if err != nil {
		return nil, err
	}
	claimCache.Store(k, p)
	return p, nil
}

// claimLineTerms returns the terms of line under the agreement's product, nil
// when the product does not offer it.
func (db *DB) claimLineTerms(g *gorm.DB, agreementID int64, line znb.Line) (*claimAgreement, *policy.LineTerms, error) {
	a, err := db.claimAgreement(g, agreementID)
	if err != nil {
		return nil, nil, err
	}
	p, err := db.claimProduct(g, a)
	if err != nil {
		return nil, nil, err
	}
	return a, p.Line(line), nil
}
