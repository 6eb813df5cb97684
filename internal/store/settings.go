package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Setting returns the stored value of name, storing make() first when there
// is none; concurrent first starts agree on one value.
func (db *DB) Setting(ctx context.Context, name string, make func() string) (string, error) {
	var v string
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var vals []string
		if err := tx.Raw("SELECT value FROM settings WHERE name = ?"+db.forUpdate(), name).Scan(&vals).Error; err != nil {
			return err
		}
		if len(vals) > 0 {
			v = vals[0]
			return nil
		}
		v = make()
		return tx.Exec("INSERT INTO settings (name, value) VALUES (?, ?)", name, v).Error
	})
	return v, znb.Wrap(err, "读取设置")
}
