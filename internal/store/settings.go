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

// LookupSetting returns the stored value of name and whether there is one,
// storing nothing.
func (db *DB) LookupSetting(ctx context.Context, name string) (string, bool, error) {
	var vals []string
	if err := db.Gorm(ctx).Raw("SELECT value FROM settings WHERE name = ?", name).Scan(&vals).Error; err != nil {
		return "", false, znb.Wrap(err, "读取设置")
	}
	if len(vals) == 0 {
		return "", false, nil
	}
	return vals[0], true, nil
}

// SetSetting stores value as name, replacing what was there (previous, ""
// when nothing), and records the change in the audit trail.
func (db *DB) SetSetting(ctx context.Context, by znb.Actor, name, value string) (previous string, err error) {
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var vals []string
		if err := tx.Raw("SELECT value FROM settings WHERE name = ?"+db.forUpdate(), name).Scan(&vals).Error; err != nil {
			return err
		}
		if len(vals) > 0 {
			previous = vals[0]
			if err := tx.Exec("UPDATE settings SET value = ? WHERE name = ?", value, name).Error; err != nil {
				return err
			}
		} else if err := tx.Exec("INSERT INTO settings (name, value) VALUES (?, ?)", name, value).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{}, "setting.set", "setting:"+name, map[string]any{"value": value, "previous": previous})
	})
	return previous, znb.Wrap(err, "保存设置")
}
