// Package znb holds what every part of the 助农保 platform shares: the one
// error type, calendar dates, household categories, funding sources,
// coverage lines and the acting user. It imports no framework.
package znb

import (
	"errors"
	"fmt"
	"syscall"
)

// Kind groups error codes by how a caller should react; the HTTP layer maps
// each kind to one status in one place.
type Kind int

const (
	Internal     Kind = iota // a bug or an outage: logged, never shown in detail
	Invalid                  // the request is malformed or breaks a rule (422)
	NotFound                 // absent, or outside the caller's scope (404)
	Conflict                 // the state of the thing forbids the change (409)
	Unauthorized             // no or unknown credentials (401)
	Forbidden                // known caller, role not allowed (403)
	TooMany                  // rate limited (429)
	TooLarge                 // payload over the limit (413)
	Unavailable              // the installation lacks something, e.g. a font (503)
	StorageFull              // the disk is full: nothing was stored, retry once space is freed (507)
)

// Error is the platform's error: a stable English code for programs and a
// Chinese message for people. Details carries structured extras such as the
// rejected rows of an import.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details any
	Err     error // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error of kind k with a Chinese message.
func Errorf(k Kind, code, format string, args ...any) *Error {
	return &Error{Kind: k, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap turns an unexpected error into an Internal one, keeping the cause.
func Wrap(err error, msg string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) {
		return ErrDiskFull(err)
	}
	return &Error{Kind: Internal, Code: "internal", Message: "服务器内部错误：" + msg, Err: err}
}

// ErrDiskFull is a write refused because the server's disk is full. It is
// not a bug: nothing was stored, and the same request succeeds once an
// operator frees space.
func ErrDiskFull(cause error) *Error {
	return &Error{Kind: StorageFull, Code: "disk_full", Message: "服务器磁盘空间已满，本次操作未保存；请通知管理员清理磁盘后重试", Err: cause}
}

// ErrNotFound is returned for a thing that does not exist or is out of scope;
// the two must look alike so that scope cannot be probed.
func ErrNotFound(what string) *Error {
	return &Error{Kind: NotFound, Code: "not_found", Message: what + "不存在"}
}

// ErrorOf returns the *Error in err's chain, or an Internal one wrapping err.
func ErrorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, syscall.ENOSPC) {
		return ErrDiskFull(err)
	}
	return &Error{Kind: Internal, Code: "internal", Message: "服务器内部错误", Err: err}
}

// CodeOf returns the code of err, "" for nil.
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	return ErrorOf(err).Code
}
