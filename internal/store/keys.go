package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// keyCache holds the API keys this process has verified, each with the
// account revision it was read at. A request's key is taken from here only
// after a read of the revision that began after the request arrived found
// it unchanged; such reads are shared by the requests that arrive while
// one is running, so a burst of requests costs one read, not one each.
type keyCache struct {
	mu    sync.Mutex
	known map[string]knownKey // by the key's hash; wrong keys are never kept
	next  *revRead            // the read that late arrivals join; not begun
	read  sync.Mutex          // one revision read at a time
	held  func()              // tests: runs after a read, before it is shared
}

type knownKey struct {
	actor znb.Actor
	rev   int64
	at    time.Time
}

type revRead struct {
	done chan struct{}
	n    int64
	err  error
}

const (
	// keysKept bounds the cache; when full it starts again empty.
	keysKept = 4096
	// keyMaxAge makes a key be read again now and then, so that a change
	// made to the users table by hand, without moving the revision, still
	// applies within this long.
	keyMaxAge = time.Minute
)

// UserByKey returns the actor an API key belongs to; an unknown or disabled
// key is Unauthorized. A disable or a key rotation by any process moves the
// account revision in its own transaction, and every call reads the
// revision, so the old key is refused on the very next request everywhere.
// While the revision stands still a known key costs that one shared read
// instead of the look-up of the account (BenchmarkUserByKey).
func (db *DB) UserByKey(ctx context.Context, key string) (znb.Actor, error) {
	h := hashKey(key)
	k := &db.keys
	k.mu.Lock()
	e, ok := k.known[h]
	k.mu.Unlock()
	if ok && time.Since(e.at) < keyMaxAge {
		n, err := db.accountRevision(ctx)
		if err != nil {
			return znb.Actor{}, znb.Wrap(err, "读取用户")
		}
		if n == e.rev {
			return e.actor, nil
		}
	}
	a, n, err := db.userByHash(ctx, h)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		delete(k.known, h)
		return znb.Actor{}, err
	}
	if k.known == nil || len(k.known) >= keysKept {
		k.known = map[string]knownKey{}
	}
	k.known[h] = knownKey{actor: a, rev: n, at: time.Now()}
	return a, nil
}

// userByHash reads the enabled account of a key hash and, in the same
// statement, the account revision it is current at.
func (db *DB) userByHash(ctx context.Context, h string) (znb.Actor, int64, error) {
	var a znb.Actor
	var role string
	var n int64
	// database/sql directly: this runs on every request, and GORM's
	// statement building would cost as much again as the query.
	sqlDB, err := db.gorm.DB()
	if err == nil {
		err = sqlDB.QueryRowContext(ctx, `SELECT u.id, u.username, u.role, u.scope, r.n
			FROM users u CROSS JOIN account_revision r WHERE u.key_hash = ? AND u.disabled = 0 AND r.id = 1`,
			h).Scan(&a.ID, &a.Username, &role, &a.Scope, &n)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return znb.Actor{}, 0, znb.Errorf(znb.Unauthorized, "unauthorized", "API 密钥无效")
	}
	if err != nil {
		return znb.Actor{}, 0, znb.Wrap(err, "读取用户")
	}
	a.Role = znb.Role(role)
	return a, n, nil
}

// accountRevision returns the account revision as read by a statement that
// began after the call: the caller joins the read that has not begun yet,
// or begins one, which waits for the running read to finish.
func (db *DB) accountRevision(ctx context.Context) (int64, error) {
	k := &db.keys
	k.mu.Lock()
	r := k.next
	lead := r == nil
	if lead {
		r = &revRead{done: make(chan struct{})}
		k.next = r
	}
	k.mu.Unlock()
	if lead {
		k.read.Lock()
		k.mu.Lock()
		k.next = nil // whoever comes now needs a later read
		k.mu.Unlock()
		// Others wait on this read: one caller's cancellation must not
		// fail theirs.
		r.n, r.err = db.readRevision(context.WithoutCancel(ctx))
		if k.held != nil {
			k.held()
		}
		k.read.Unlock()
		close(r.done)
	}
	select {
	case <-r.done:
		return r.n, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (db *DB) readRevision(ctx context.Context) (int64, error) {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return 0, err
	}
	var n int64
	err = sqlDB.QueryRowContext(ctx, "SELECT n FROM account_revision WHERE id = 1").Scan(&n)
	return n, err
}

// moveRevision marks, inside the transaction of an account change, that
// keys verified before it must be verified again.
func moveRevision(tx *gorm.DB) error {
	return tx.Exec("UPDATE account_revision SET n = n + 1 WHERE id = 1").Error
}
