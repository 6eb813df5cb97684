package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Answer is the stored answer to a request that carried an idempotency key.
// Status is 0 while the first request with the key is still being answered.
type Answer struct {
	RequestHash string
	Status      int
	ContentType string
	Body        []byte
}

type idemRow struct {
	ID          int64
	Actor       string
	IdemKey     string
	RequestHash string
	Status      int
	ContentType string
	Body        *string
	CreatedAt   int64
	UpdatedAt   int64
}

func (idemRow) TableName() string { return "idempotency_keys" }

// answerAbandoned is how long a key may stay in flight before another
// request with it is let through: the first one's process died (or lost
// the database) before it could record its answer or give the key back.
const answerAbandoned = time.Minute

// ReserveKey records that the actor's request with key (and the request's
// hash) is being answered, and returns nil; or, when the key is known, the
// answer stored with it (Status 0: still in flight), which the caller
// compares and replays.
func (db *DB) ReserveKey(ctx context.Context, actor, key, hash string) (*Answer, error) {
	now := db.nowMS()
	row := idemRow{Actor: actor, IdemKey: key, RequestHash: hash, CreatedAt: now, UpdatedAt: now}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row.ID = 0 // set by the insert of this run
		return tx.Create(&row).Error
	})
	if err == nil {
		return nil, nil
	}
	if !isUniqueViolation(err) {
		return nil, znb.Wrap(err, "登记幂等键")
	}
	var old idemRow
	if err := db.Gorm(ctx).Where("actor = ? AND idem_key = ?", actor, key).Take(&old).Error; err != nil {
		return nil, znb.Wrap(err, "读取幂等键")
	}
	if old.Status == 0 && old.RequestHash == hash && now-old.UpdatedAt > answerAbandoned.Milliseconds() {
		var took int64
		err := db.tx(ctx, func(tx *gorm.DB) error {
			res := tx.Model(&idemRow{}).Where("id = ? AND status = 0 AND updated_at = ?", old.ID, old.UpdatedAt).Update("updated_at", now)
			took = res.RowsAffected
			return res.Error
		})
		if err != nil {
			return nil, znb.Wrap(err, "登记幂等键")
		}
		if took == 1 {
			return nil, nil
		}
	}
	a := &Answer{RequestHash: old.RequestHash, Status: old.Status, ContentType: old.ContentType}
	if old.Body != nil {
		a.Body = []byte(*old.Body)
	}
	return a, nil
}

// SaveAnswer stores the answer given to the request that reserved the key.
func (db *DB) SaveAnswer(ctx context.Context, actor, key string, status int, contentType string, body []byte) error {
	b := string(body)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&idemRow{}).Where("actor = ? AND idem_key = ? AND status = 0", actor, key).
			Updates(map[string]any{"status": status, "content_type": contentType, "body": &b, "updated_at": db.nowMS()}).Error
	})
	return znb.Wrap(err, "保存幂等应答")
}

// ReleaseKey forgets a key whose request got no lasting answer (a server
// error, a database outage), so that the client may try it again.
func (db *DB) ReleaseKey(ctx context.Context, actor, key string) error {
	err := db.tx(ctx, func(tx *gorm.DB) error {
		return tx.Where("actor = ? AND idem_key = ? AND status = 0", actor, key).Delete(&idemRow{}).Error
	})
	return znb.Wrap(err, "释放幂等键")
}

// withExistingClaim adds, to a duplicate_claim refusal, the number of the
// claim already reported for the same loss (details {"claim_no": ...}), so
// that a client re-sending a report whose answer it lost learns its number.
func (db *DB) withExistingClaim(ctx context.Context, err error, agreementID int64, key claim.Key) error {
	var ze *znb.Error
	if !errors.As(err, &ze) || ze.Code != "duplicate_claim" {
		return err
	}
	var no string
	if qerr := db.Gorm(ctx).Raw("SELECT claim_no FROM claims WHERE dup_key = ?", dupKey(agreementID, key)).Scan(&no).Error; qerr != nil || no == "" {
		return err
	}
	out := *ze
	out.Details = map[string]string{"claim_no": no}
	return &out
}
