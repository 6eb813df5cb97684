package store_test

import (
	"context"
	"strings"
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

// TestAuditEntryCapped: a request cannot write megabytes into the trail: long
// strings are cut with a marker, and the chain still verifies.
func TestAuditEntryCapped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		huge := strings.Repeat("王", 5<<20/3) // 5 MB of a name
		many := make([]string, 200)
		for i := range many {
			many[i] = strings.Repeat("x", 900)
		}
		if err := db.Audit(ctx, znb.System, "public.claims", "person",
			map[string]any{"name": huge, "found": false, "n": 12345678901234}); err != nil {
			t.Fatal(err)
		}
		if err := db.Audit(ctx, znb.System, "test.many", strings.Repeat("o", 5000), map[string]any{"rows": many}); err != nil {
			t.Fatal(err)
		}
		got, err := db.AuditTrail(ctx, "", 10)
		if err != nil || len(got) != 2 {
			t.Fatalf("trail: %d entries, %v", len(got), err)
		}
		many1, one := got[0], got[1]
		if len(one.Detail) > 2<<10 || !strings.Contains(one.Detail, "已截断，原长 5242878 字节") ||
			!strings.Contains(one.Detail, `"n":12345678901234`) || !strings.Contains(one.Detail, `"found":false`) {
			t.Errorf("capped detail (%d bytes): %.200s", len(one.Detail), one.Detail)
		}
		if len(many1.Detail) > 17<<10 || !strings.Contains(many1.Detail, "已截断") || len([]rune(many1.Object)) > 128 {
			t.Errorf("capped detail %d bytes, object %d bytes", len(many1.Detail), len(many1.Object))
		}
		if broken, n, err := db.VerifyAudit(ctx); err != nil || broken != 0 || n != 2 {
			t.Errorf("verify: broken=%d checked=%d err=%v", broken, n, err)
		}
	})
}
