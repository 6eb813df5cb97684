package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestTxRetriesRefusedTransactions: a transaction refused as a whole (a
// deadlock or Galera certification failure, a lock wait timeout, a node not
// ready) runs again from the start and its writes land exactly once; other
// errors end it at once; the runs are bounded.
func TestTxRetriesRefusedTransactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		count := func(name string) int64 {
			var n int64
			if err := db.Gorm(ctx).Raw("SELECT COUNT(*) FROM settings WHERE name = ?", name).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		// A lock wait timeout has waited long already: it runs twice at most.
		for number, refusals := range map[uint16]int{1213: 2, 1205: 1, 1047: 2} {
			name := fmt.Sprintf("retry_%d", number)
			runs := 0
			err := db.Tx(ctx, func(tx *gorm.DB) error {
				runs++
				if err := tx.Exec("INSERT INTO settings (name, value) VALUES (?, ?)", name, "x").Error; err != nil {
					return err
				}
				if runs <= refusals { // refused after writing, as at COMMIT
					return &mysqldriver.MySQLError{Number: number, Message: "refused"}
				}
				return nil
			})
			if err != nil || runs != refusals+1 || count(name) != 1 {
				t.Errorf("error %d %d times: err %v, %d runs, %d rows; want nil, %d, 1", number, refusals, err, runs, count(name), refusals+1)
			}
		}
		runs := 0
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			runs++
			return &mysqldriver.MySQLError{Number: 1205, Message: "Lock wait timeout"}
		})
		if runs != 2 || err == nil {
			t.Errorf("lock wait timeout every time: %d runs, err %v; want 2 and the error", runs, err)
		}

		runs = 0
		other := &mysqldriver.MySQLError{Number: 1062, Message: "Duplicate entry"}
		err = db.Tx(ctx, func(tx *gorm.DB) error { runs++; return other })
		if !errors.Is(err, other) || runs != 1 {
			t.Errorf("duplicate key: err %v after %d runs, want it after 1", err, runs)
		}

		runs = 0
		err = db.Tx(ctx, func(tx *gorm.DB) error {
			runs++
			if err := tx.Exec("INSERT INTO settings (name, value) VALUES ('retry_always', 'x')").Error; err != nil {
				return err
			}
			return &mysqldriver.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}
		})
		if my := (*mysqldriver.MySQLError)(nil); !errors.As(err, &my) || my.Number != 1213 || runs != 8 || count("retry_always") != 0 {
			t.Errorf("always refused: err %v after %d runs, %d rows; want 1213 after 8, none stored", err, runs, count("retry_always"))
		}
	})
}
