package store

import (
	"context"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// AgreementByNo returns the agreement numbered no (协议编号) as
// GetAgreement returns it by id: one the actor may not see is not found.
func (db *DB) AgreementByNo(ctx context.Context, by znb.Actor, no string) (*policy.Agreement, error) {
	var ids []int64
	if err := db.Gorm(ctx).Raw("SELECT id FROM agreements WHERE agreement_no = ?", strings.TrimSpace(no)).Scan(&ids).Error; err != nil {
		return nil, znb.Wrap(err, "读取协议")
	}
	if len(ids) == 0 {
		return nil, znb.ErrNotFound("协议")
	}
	return db.GetAgreement(ctx, by, ids[0])
}
