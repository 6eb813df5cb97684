package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestCreateUserRefuses names the accounts that cannot be made: a scope
// must fit the role, and only admin makes accounts.
func TestCreateUserRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, c := range []struct {
			name  string
			by    znb.Actor
			user  string
			role  znb.Role
			scope string
			code  string
		}{
			{"UnknownRole", znb.System, "u1", "boss", "", "invalid_role"},
			{"OfficeWithoutScope", znb.System, "u2", znb.Office, "", "invalid_region"},
			{"OfficeThreeDigits", znb.System, "u3", znb.Office, "522", "invalid_region"},
			{"AuditorLetters", znb.System, "u4", znb.Auditor, "5226AB", "invalid_region"},
			{"AdjusterWithoutInsurer", znb.System, "u5", znb.Adjuster, "", "invalid_scope"},
			{"AdminWithScope", znb.System, "u6", znb.Admin, "52", "invalid_scope"},
			{"BadUsername", znb.System, "x", znb.Office, "522625", "invalid_username"},
			{"ByOffice", znb.Actor{Username: "o", Role: znb.Office, Scope: "522625"}, "u7", znb.Office, "522625", "forbidden"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if _, err := db.CreateUser(ctx, c.by, c.user, c.role, c.scope); znb.CodeOf(err) != c.code {
					t.Errorf("CreateUser(%s, %q) by %s: %v, want %s", c.role, c.scope, c.by.Role, err, c.code)
				}
			})
		}
		for _, scope := range []string{"52", "5226", "522625", "522625101", "522625101001"} {
			if _, err := db.CreateUser(ctx, znb.System, "office-"+scope, znb.Office, scope); err != nil {
				t.Errorf("office of %s: %v", scope, err)
			}
		}
	})
}

// twoProcesses opens two DBs on dsn, as two service processes, with the
// account office-a made on one and its key verified on the other.
func twoProcesses(t *testing.T, dsn string) (one, two *store.DB, key string) {
	t.Helper()
	one, two = storetest.Open(t, dsn), storetest.Open(t, dsn)
	key, err := one.CreateUser(context.Background(), znb.System, "office-a", znb.Office, "522625")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := two.UserByKey(context.Background(), key); err != nil {
		t.Fatalf("new key on the other process: %v", err)
	}
	return one, two, key
}

// TestAccountKeyStopsEverywhere: two processes of one database (two DBs);
// a key disabled or rotated away on one is refused by the other on its very
// next request, not when a cache expires. Each change is audited.
func TestAccountKeyStopsEverywhere(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		one, two, key := twoProcesses(t, dsn)
		a, err := one.DisableUser(ctx, znb.System, "office-a")
		if err != nil || !a.Disabled {
			t.Fatalf("disable: %+v, %v", a, err)
		}
		if _, err := two.UserByKey(ctx, key); znb.CodeOf(err) != "unauthorized" {
			t.Errorf("disabled key on the other process: %v, want unauthorized", err)
		}
		if a, err := two.EnableUser(ctx, znb.System, "office-a"); err != nil || a.Disabled {
			t.Fatalf("enable: %+v, %v", a, err)
		}
		if _, err := one.UserByKey(ctx, key); err != nil {
			t.Errorf("enabled key: %v", err)
		}
		newKey, a, err := two.RotateKey(ctx, znb.System, "office-a")
		if err != nil || newKey == key || a.Username != "office-a" {
			t.Fatalf("rotate: %q, %+v, %v", newKey, a, err)
		}
		if _, err := one.UserByKey(ctx, key); znb.CodeOf(err) != "unauthorized" {
			t.Errorf("rotated-away key on the other process: %v, want unauthorized", err)
		}
		if got, err := one.UserByKey(ctx, newKey); err != nil || got.Username != "office-a" || got.Scope != "522625" {
			t.Errorf("new key: %+v, %v", got, err)
		}
		office := znb.Actor{Username: "o", Role: znb.Office, Scope: "522625"}
		for name, err := range map[string]error{
			"disable by office": func() error { _, err := one.DisableUser(ctx, office, "office-a"); return err }(),
			"rotate by office":  func() error { _, _, err := one.RotateKey(ctx, office, "office-a"); return err }(),
		} {
			if znb.CodeOf(err) != "forbidden" {
				t.Errorf("%s: %v, want forbidden", name, err)
			}
		}
		if _, err := one.DisableUser(ctx, znb.System, "nobody"); znb.CodeOf(err) != "not_found" {
			t.Errorf("disable unknown user: %v, want not_found", err)
		}
		trail, err := one.AuditTrail(ctx, "user:office-a", 10)
		if err != nil || len(trail) != 4 {
			t.Fatalf("trail of the account: %d entries, %v", len(trail), err)
		}
		for i, want := range []string{"user.rotate_key", "user.enable", "user.disable", "user.create"} {
			if trail[i].Action != want || trail[i].Region != "522625" {
				t.Errorf("entry %d: %s in %q, want %s in 522625", i, trail[i].Action, trail[i].Region, want)
			}
		}
	})
}

// BenchmarkUserByKey is the price of a request's key check when the key is
// known: one read of the account revision, shared by the requests that
// arrive while a read runs, which keeps a disabled or rotated key from
// working anywhere after the change commits.
func BenchmarkUserByKey(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{store.SQLite, storetest.SQLite}, {store.MySQL, storetest.MySQL}} {
		db := e.open(b)
		if db == nil {
			continue
		}
		key, err := db.CreateUser(context.Background(), znb.System, "office-a", znb.Office, "522625")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(e.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := db.UserByKey(context.Background(), key); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestPoolKeepsConnections: a burst of requests wider than the pool leaves
// its connections open for the next burst. A SQLite connection opened anew
// parses the whole schema first, which cost claim reports over HTTP more
// than the key look-up itself.
func TestPoolKeepsConnections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key, err := db.CreateUser(ctx, znb.System, "office-a", znb.Office, "522625")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					if _, err := db.UserByKey(ctx, key); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		sqlDB, err := db.Gorm(ctx).DB()
		if err != nil {
			t.Fatal(err)
		}
		if s := sqlDB.Stats(); s.MaxIdleClosed > 0 {
			t.Errorf("%d connections closed as surplus idle (%d open)", s.MaxIdleClosed, s.OpenConnections)
		}
	})
}
