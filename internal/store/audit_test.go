package store_test

import (
	"context"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestAuditChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := 0; i < 5; i++ {
			if err := db.Audit(ctx, znb.System, "test.event", "thing", map[string]int{"i": i}); err != nil {
				t.Fatal(err)
			}
		}
		broken, n, err := db.VerifyAudit(ctx)
		if err != nil || broken != 0 || n != 5 {
			t.Fatalf("intact chain: broken=%d checked=%d err=%v, want 0, 5, nil", broken, n, err)
		}
		tampers := []struct {
			name string
			sql  string
			want int64
		}{
			{"detail changed", `UPDATE audit_log SET detail = '{"i":9}' WHERE seq = 3`, 3},
			{"entry removed", `DELETE FROM audit_log WHERE seq = 2`, 2},
		}
		for _, tc := range tampers {
			if err := db.Gorm(ctx).Exec(tc.sql).Error; err != nil {
				t.Fatal(err)
			}
			broken, _, err := db.VerifyAudit(ctx)
			if err != nil || broken != tc.want {
				t.Errorf("%s: first broken = %d (err %v), want %d", tc.name, broken, err, tc.want)
			}
		}
	})
}

func TestAuditTailRemoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			db.Audit(ctx, znb.System, "test.event", "thing", i)
		}
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		db.Gorm(ctx).Exec("DELETE FROM audit_log WHERE seq = 3")
		if broken, _, _ := db.VerifyAudit(ctx); broken != 3 {
			t.Errorf("tail removed: first broken = %d, want 3", broken)
		}
	})
}

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key, err := db.CreateUser(ctx, znb.System, "office-a", znb.Office, "522625")
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.UserByKey(ctx, key)
		if err != nil || a.Username != "office-a" || a.Role != znb.Office || a.Scope != "522625" {
			t.Fatalf("UserByKey = %+v, %v", a, err)
		}
		if _, err := db.UserByKey(ctx, key+"x"); znb.CodeOf(err) != "unauthorized" {
			t.Errorf("wrong key: %v, want unauthorized", err)
		}
		if _, err := db.CreateUser(ctx, znb.System, "office-a", znb.Office, "522625"); znb.CodeOf(err) != "username_taken" {
			t.Errorf("duplicate user: %v", err)
		}
		for _, c := range []struct {
			role  znb.Role
			scope string
		}{{"boss", ""}, {znb.Office, ""}, {znb.Adjuster, ""}, {znb.Admin, "52"}} {
			if _, err := db.CreateUser(ctx, znb.System, "u"+string(c.role)+c.scope, c.role, c.scope); err == nil {
				t.Errorf("CreateUser(%s, %q) accepted", c.role, c.scope)
			}
		}
		var stored string
		db.Gorm(ctx).Raw("SELECT key_hash FROM users WHERE username = 'office-a'").Scan(&stored)
		if stored == key || len(stored) != 64 {
			t.Errorf("key stored as %q, want a SHA-256 hash", stored)
		}
	})
}
