package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// Unavailable reports whether err says the database could not be reached
// (a server restarting, a dropped connection, a closed pool) rather than
// what a query asked: the request did nothing wrong and may be tried again.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var op *net.OpError
	var my *mysqldriver.MySQLError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysqldriver.ErrInvalidConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &op):
		return true
	case errors.As(err, &my):
		// Server shutdown in progress; connection killed.
		return my.Number == 1053 || my.Number == 1927
	}
	// database/sql's own closed pool has no exported error.
	return strings.Contains(err.Error(), "sql: database is closed")
}
