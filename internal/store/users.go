package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type userRow struct {
	ID        int64
	Username  string
	Role      string
	Scope     string
	KeyHash   string
	Disabled  int
	CreatedAt int64
}

func (userRow) TableName() string { return "users" }

// hashKey is SHA-256: API keys carry 256 random bits, so a slow password hash
// would add nothing but latency on every request.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// CreateUser adds an account and returns its API key, which is shown once and
// stored only as a hash.
func (db *DB) CreateUser(ctx context.Context, by znb.Actor, username string, role znb.Role, scope string) (string, error) {
	if err := znb.Allow(by, znb.ManageUsers); err != nil {
		return "", err
	}
	acct, err := znb.NewActor(username, role, scope)
	if err != nil {
		return "", err
	}
	scope = acct.Scope
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", znb.Wrap(err, "生成密钥")
	}
	key := "znb_" + hex.EncodeToString(raw)
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&userRow{}).Where("username = ?", username).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 { // a fact of the table, not a rule of the account
			return znb.Errorf(znb.Conflict, "username_taken", "用户名 %s 已存在", username)
		}
		row := userRow{Username: username, Role: string(role), Scope: scope, KeyHash: hashKey(key), CreatedAt: db.nowMS()}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return db.audit(tx, by, "user.create", "user:"+username, map[string]any{"role": role, "scope": scope})
	})
	if err != nil {
		return "", znb.Wrap(err, "创建用户")
	}
	return key, nil
}

// UserByKey returns the actor an API key belongs to; an unknown or disabled
// key is Unauthorized.
func (db *DB) UserByKey(ctx context.Context, key string) (znb.Actor, error) {
	h := hashKey(key)
	if a, ok := db.keys.get(h, db.Now()); ok {
		return a, nil
	}
	var row userRow
	err := db.Gorm(ctx).Where("key_hash = ? AND disabled = 0", h).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return znb.Actor{}, znb.Errorf(znb.Unauthorized, "unauthorized", "API 密钥无效")
	}
	if err != nil {
		return znb.Actor{}, znb.Wrap(err, "读取用户")
	}
	a := znb.Actor{ID: row.ID, Username: row.Username, Role: znb.Role(row.Role), Scope: row.Scope}
	db.keys.put(h, a, db.Now())
	return a, nil
}

// keyTTL is how long a known key is trusted without asking the database: a
// disabled account keeps working at most this long.
const keyTTL = 30 * time.Second

// keyCache remembers known keys (never unknown ones, so random keys cannot
// fill it) to spare a query on every request.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedActor
}

type cachedActor struct {
	a     znb.Actor
	until time.Time
}

func (c *keyCache) get(hash string, now time.Time) (znb.Actor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || now.After(e.until) {
		return znb.Actor{}, false
	}
	return e.a, true
}

func (c *keyCache) put(hash string, a znb.Actor, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedActor{}
	}
	c.m[hash] = cachedActor{a, now.Add(keyTTL)}
}
