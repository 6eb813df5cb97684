package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Session is a signed-in browser: the actor and the token its forms carry.
type Session struct {
	Actor znb.Actor
	CSRF  string
}

type sessionRow struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    int64
	CSRF      string `gorm:"column:csrf"`
	CreatedAt int64
	SeenAt    int64
}

func (sessionRow) TableName() string { return "sessions" }

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", znb.Wrap(err, "生成令牌")
	}
	return hex.EncodeToString(b), nil
}

// OpenSession starts a session for a signed-in actor and returns the cookie
// token, which is stored only as a hash.
func (db *DB) OpenSession(ctx context.Context, a znb.Actor) (token string, s Session, err error) {
	if token, err = randomHex(32); err != nil {
		return "", s, err
	}
	csrf, err := randomHex(32)
	if err != nil {
		return "", s, err
	}
	now := db.nowMS()
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		row := sessionRow{TokenHash: hashKey(token), UserID: a.ID, CSRF: csrf, CreatedAt: now, SeenAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return db.audit(tx, a, actorScope(a), "session.open", "user:"+a.Username, nil)
	})
	if err != nil {
		return "", s, znb.Wrap(err, "开始会话")
	}
	return token, Session{Actor: a, CSRF: csrf}, nil
}

// seenEvery spares a write on every page: seen_at moves at most this often,
// which the idle expiry can afford to be late by.
const seenEvery = time.Minute

// SessionOf returns the session of a cookie token that has been used within
// idle; an unknown, idle or disabled one is Unauthorized.
func (db *DB) SessionOf(ctx context.Context, token string, idle time.Duration) (Session, error) {
	var row struct {
		TokenHash string
		UserID    int64
		CSRF      string `gorm:"column:csrf"`
		SeenAt    int64
		Username  string
		Role      string
		Scope     string
		Disabled  int
	}
	h := hashKey(token)
	err := db.Gorm(ctx).Raw(`SELECT s.token_hash, s.user_id, s.csrf, s.seen_at, u.username, u.role, u.scope, u.disabled
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, h).Scan(&row).Error
	if err != nil {
		return Session{}, znb.Wrap(err, "读取会话")
	}
	now := db.Now()
	if row.TokenHash == "" || row.Disabled != 0 || now.Sub(time.UnixMilli(row.SeenAt)) > idle {
		if row.TokenHash != "" {
			db.Gorm(ctx).Where("token_hash = ?", h).Delete(&sessionRow{})
		}
		return Session{}, znb.Errorf(znb.Unauthorized, "session_expired", "登录已过期，请重新登录")
	}
	if now.Sub(time.UnixMilli(row.SeenAt)) >= seenEvery {
		if err := db.Gorm(ctx).Model(&sessionRow{}).Where("token_hash = ?", h).Update("seen_at", now.UnixMilli()).Error; err != nil {
			return Session{}, znb.Wrap(err, "读取会话")
		}
	}
	a := znb.Actor{ID: row.UserID, Username: row.Username, Role: znb.Role(row.Role), Scope: row.Scope}
	return Session{Actor: a, CSRF: row.CSRF}, nil
}

// CloseSession ends a session (sign-out); an unknown token is no error.
func (db *DB) CloseSession(ctx context.Context, token string) error {
	return znb.Wrap(db.Gorm(ctx).Where("token_hash = ?", hashKey(token)).Delete(&sessionRow{}).Error, "结束会话")
}
