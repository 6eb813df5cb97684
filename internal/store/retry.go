package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// A transaction that MySQL or a Galera node refuses as a whole is rolled
// back entirely (or never ran), so running it again from the start is
// safe: every function handed to tx sets its results afresh on each run.
// Galera certifies a transaction at COMMIT against those committed on the
// other nodes meanwhile and refuses the loser with a deadlock error, since
// SELECT … FOR UPDATE locks rows on the local node only; two requests for
// the same household on two nodes meet there rather than at the lock.
const (
	retryTries = 8                      // runs in all, the first included
	retryBase  = 10 * time.Millisecond  // wait before the second run
	retryMax   = 400 * time.Millisecond // longest wait between runs
)

// retryable reports whether err refused a whole transaction that may
// simply run again: 1213 deadlock (also Galera's certification failure and
// a transaction aborted by a replicated one), 1205 lock wait timeout (the
// statement's, after which the whole transaction is rolled back here), and
// 1047 from a Galera node not in the primary component ("WSREP has not yet
// prepared node for application use"). A dropped connection is not among
// them: whether its COMMIT took effect is unknown.
func retryable(err error) bool {
	var my *mysqldriver.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case 1213, 1205, 1047:
			return true
		}
		return false
	}
	s := err.Error()
	return strings.Contains(s, "Error 1213") || strings.Contains(s, "Deadlock found")
}

type onceKey struct{}

// once marks ctx for a transaction that must not run twice: it consumes a
// stream that a second run would find empty.
func once(ctx context.Context) context.Context { return context.WithValue(ctx, onceKey{}, true) }

// retrying runs run, and again after a short random wait, growing each
// time, while it fails retryably, at most retryTries times in all (about a
// second of waiting; a lock wait timeout, which has waited long already,
// runs twice at most); then it returns the last error. The random part keeps
// two transactions that met from meeting again on the next run.
func retrying(ctx context.Context, run func() error) error {
	if ctx.Value(onceKey{}) != nil {
		return run()
	}
	wait := retryBase
	for i := 1; ; i++ {
		err := run()
		if err == nil || i == retryTries || !retryable(err) {
			return err
		}
		var my *mysqldriver.MySQLError
		if i == 2 && errors.As(err, &my) && my.Number == 1205 {
			return err // twice innodb_lock_wait_timeout (50 s by default) is enough waiting
		}
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, retryMax)
	}
}
