package znb

import (
	"time"
	"unicode/utf8"
)

// Sign-in rules of the console: a password of at least MinPassword
// characters; after LockAfter failed attempts in a row an account is locked
// for LockFor, whatever password comes next.
const (
	MinPassword = 8
	MaxPassword = 72 // bcrypt reads no further
	LockAfter   = 5
	LockFor     = 15 * time.Minute
)

// CheckPassword refuses a password too short or too long to be kept.
func CheckPassword(p string) error {
	if utf8.RuneCountInString(p) < MinPassword {
		return Errorf(Invalid, "weak_password", "密码至少 %d 个字符", MinPassword)
	}
	if len(p) > MaxPassword {
		return Errorf(Invalid, "password_too_long", "密码最多 %d 个字节", MaxPassword)
	}
	return nil
}

// ErrBadCredentials is the one answer to a wrong username or password, so
// that the answer does not tell which of the two was wrong.
func ErrBadCredentials() error {
	return Errorf(Unauthorized, "bad_credentials", "用户名或密码错误")
}
