package store

import (
	"context"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// passwordCost is bcrypt's work factor (its default, 2^10 rounds): slow for
// a thief of the table, quick enough for a sign-in.
const passwordCost = bcrypt.DefaultCost

// SetPassword gives an account a console password (admin only, like every
// change of accounts); the API key stays as it was.
func (db *DB) SetPassword(ctx context.Context, by znb.Actor, username, password string) error {
	if err := znb.Allow(by, znb.ManageUsers); err != nil {
		return err
	}
	if err := znb.CheckPassword(password); err != nil {
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return znb.Wrap(err, "保存密码")
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("username = ?", username).
			Updates(map[string]any{"password_hash": string(h), "failed_logins": 0, "locked_until": 0})
		if res.Error != nil {
			return znb.Wrap(res.Error, "保存密码")
		}
		if res.RowsAffected == 0 {
			return znb.ErrNotFound("用户")
		}
		// A new password ends the sessions the old one opened.
		if err := tx.Exec("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?)", username).Error; err != nil {
			return znb.Wrap(err, "保存密码")
		}
		var u userRow
		if err := tx.Where("username = ?", username).Take(&u).Error; err != nil {
			return znb.Wrap(err, "保存密码")
		}
		return db.audit(tx, by, u.where(), "user.password", "user:"+username, nil)
	})
}

type signInRow struct {
	ID           int64
	Username     string
	Role         string
	Scope        string
	Disabled     int
	PasswordHash string
	FailedLogins int
	LockedUntil  int64
}

// SignIn checks a username and password and returns the account's actor. A
// wrong password counts towards the lock (znb.LockAfter failures lock the
// account for znb.LockFor); a locked account is refused even with the
// right password. Unknown user, disabled account, no password and wrong
// password give the one same answer.
func (db *DB) SignIn(ctx context.Context, username, password string) (znb.Actor, error) {
	var row signInRow
	err := db.Gorm(ctx).Table("users").Where("username = ?", username).Take(&row).Error
	if err == gorm.ErrRecordNotFound || (err == nil && (row.Disabled != 0 || row.PasswordHash == "")) {
		// Spend the time a real check takes, so timing tells nothing either.
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return znb.Actor{}, znb.ErrBadCredentials()
	}
	if err != nil {
		return znb.Actor{}, znb.Wrap(err, "读取用户")
	}
	now := db.Now()
	if wait := time.UnixMilli(row.LockedUntil).Sub(now); wait > 0 {
		return znb.Actor{}, znb.Errorf(znb.TooMany, "account_locked",
			"登录失败次数过多，账户已锁定，请 %d 分钟后再试", int(wait.Minutes())+1)
	}
	if bcrypt.CompareHashAndPassword([]byte(row.PasswordHash), []byte(password)) != nil {
		fails, until := row.FailedLogins+1, int64(0)
		if fails >= znb.LockAfter {
			fails, until = 0, now.Add(znb.LockFor).UnixMilli()
		}
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			if err := tx.Table("users").Where("id = ?", row.ID).
				Updates(map[string]any{"failed_logins": fails, "locked_until": until}).Error; err != nil {
				return err
			}
			if until == 0 {
				return nil
			}
			who := znb.Actor{ID: row.ID, Username: row.Username, Role: znb.Role(row.Role), Scope: row.Scope}
			return db.audit(tx, who, actorScope(who), "user.locked", "user:"+row.Username, nil)
		})
		if err != nil {
			return znb.Actor{}, znb.Wrap(err, "记录登录失败")
		}
		return znb.Actor{}, znb.ErrBadCredentials()
	}
	if row.FailedLogins != 0 || row.LockedUntil != 0 {
		if err := db.Gorm(ctx).Table("users").Where("id = ?", row.ID).
			Updates(map[string]any{"failed_logins": 0, "locked_until": 0}).Error; err != nil {
			return znb.Actor{}, znb.Wrap(err, "读取用户")
		}
	}
	return znb.Actor{ID: row.ID, Username: row.Username, Role: znb.Role(row.Role), Scope: row.Scope}, nil
}

// dummyHash is compared against when there is no account to check.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no account here"), passwordCost)
