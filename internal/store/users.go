package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

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
	key, hash, err := newKey()
	if err != nil {
		return "", err
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&userRow{}).Where("username = ?", username).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 { // a fact of the table, not a rule of the account
			return znb.Errorf(znb.Conflict, "username_taken", "用户名 %s 已存在", username)
		}
		row := userRow{Username: username, Role: string(role), Scope: scope, KeyHash: hash, CreatedAt: db.nowMS()}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return db.audit(tx, by, row.where(), "user.create", "user:"+username, map[string]any{"role": role, "scope": scope})
	})
	if err != nil {
		return "", znb.Wrap(err, "创建用户")
	}
	return key, nil
}

// UserByName returns the actor of an enabled account, for the command line
// acting as a named person where the maker–checker rule must tell people
// apart; an unknown or disabled account is not found.
func (db *DB) UserByName(ctx context.Context, username string) (znb.Actor, error) {
	var rows []userRow
	if err := db.Gorm(ctx).Where("username = ? AND disabled = 0", username).Find(&rows).Error; err != nil {
		return znb.Actor{}, znb.Wrap(err, "读取用户")
	}
	if len(rows) == 0 {
		return znb.Actor{}, znb.ErrNotFound("账号 " + username)
	}
	r := rows[0]
	return znb.Actor{ID: r.ID, Username: r.Username, Role: znb.Role(r.Role), Scope: r.Scope}, nil
}

// Account is a user as the admin sees it (never the key).
type Account struct {
	Username string
	Role     znb.Role
	Scope    string
	Disabled bool
}

// DisableUser stops the account's key from working; EnableUser lets it work
// again. Either is a no-op on an account already so, still audited.
func (db *DB) DisableUser(ctx context.Context, by znb.Actor, username string) (*Account, error) {
	return db.setDisabled(ctx, by, username, true)
}

// EnableUser lets a disabled account's key work again.
func (db *DB) EnableUser(ctx context.Context, by znb.Actor, username string) (*Account, error) {
	return db.setDisabled(ctx, by, username, false)
}

func (db *DB) setDisabled(ctx context.Context, by znb.Actor, username string, disabled bool) (*Account, error) {
	action, flag := "user.enable", 0
	if disabled {
		action, flag = "user.disable", 1
	}
	var out *Account
	err := db.changeUser(ctx, by, username, func(tx *gorm.DB, row *userRow) error {
		if err := tx.Model(&userRow{}).Where("id = ?", row.ID).Update("disabled", flag).Error; err != nil {
			return err
		}
		row.Disabled = flag
		out = row.account()
		return db.audit(tx, by, row.where(), action, "user:"+row.Username, map[string]any{"disabled": disabled})
	})
	return out, err
}

// RotateKey gives the account a new API key, returned once; the old key
// stops working at once.
func (db *DB) RotateKey(ctx context.Context, by znb.Actor, username string) (string, *Account, error) {
	key, hash, err := newKey()
	if err != nil {
		return "", nil, err
	}
	var out *Account
	err = db.changeUser(ctx, by, username, func(tx *gorm.DB, row *userRow) error {
		if err := tx.Model(&userRow{}).Where("id = ?", row.ID).Update("key_hash", hash).Error; err != nil {
			return err
		}
		out = row.account()
		return db.audit(tx, by, row.where(), "user.rotate_key", "user:"+row.Username, map[string]any{})
	})
	if err != nil {
		return "", nil, err
	}
	return key, out, nil
}

// changeUser locks the named account and lets fn change it, for admin only;
// the change moves the account revision, so every process verifies its
// keys again.
func (db *DB) changeUser(ctx context.Context, by znb.Actor, username string, fn func(tx *gorm.DB, row *userRow) error) error {
	if err := znb.Allow(by, znb.ManageUsers); err != nil {
		return err
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var row userRow
		if err := tx.Raw("SELECT * FROM users WHERE username = ?"+db.forUpdate(), username).Scan(&row).Error; err != nil {
			return err
		}
		if row.ID == 0 {
			return znb.ErrNotFound("用户")
		}
		if err := fn(tx, &row); err != nil {
			return err
		}
		return moveRevision(tx)
	})
	return znb.Wrap(err, "修改用户")
}

func (r *userRow) account() *Account {
	return &Account{Username: r.Username, Role: znb.Role(r.Role), Scope: r.Scope, Disabled: r.Disabled != 0}
}

// where is the account's place in the audit trail: its own scope.
func (r *userRow) where() scope {
	a := znb.Actor{Role: znb.Role(r.Role), Scope: r.Scope}
	return actorScope(a)
}

// newKey returns a fresh API key and its stored hash.
func newKey() (key, hash string, err error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", "", znb.Wrap(err, "生成密钥")
	}
	key = "znb_" + hex.EncodeToString(raw)
	return key, hashKey(key), nil
}
