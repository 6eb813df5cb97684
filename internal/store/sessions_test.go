package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestSignInAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := storetest.Now
		db.Now = func() time.Time { return now }
		if _, err := db.CreateUser(ctx, znb.System, "clerk", znb.Office, "522625"); err != nil {
			t.Fatal(err)
		}
		t.Run("NoPasswordYet", func(t *testing.T) {
			if _, err := db.SignIn(ctx, "clerk", "whatever1"); znb.CodeOf(err) != "bad_credentials" {
				t.Fatalf("got %v, want bad_credentials", err)
			}
		})
		t.Run("SetPassword", func(t *testing.T) {
			if err := db.SetPassword(ctx, znb.Actor{Role: znb.Office, Scope: "522625"}, "clerk", "password1"); znb.CodeOf(err) != "forbidden" {
				t.Fatalf("office sets a password: %v", err)
			}
			if err := db.SetPassword(ctx, znb.System, "clerk", "short"); znb.CodeOf(err) != "weak_password" {
				t.Fatalf("short password: %v", err)
			}
			if err := db.SetPassword(ctx, znb.System, "nobody", "password1"); znb.CodeOf(err) != "not_found" {
				t.Fatalf("unknown user: %v", err)
			}
			if err := db.SetPassword(ctx, znb.System, "clerk", "password1"); err != nil {
				t.Fatal(err)
			}
		})
		var token string
		t.Run("SignIn", func(t *testing.T) {
			a, err := db.SignIn(ctx, "clerk", "password1")
			if err != nil || a.Username != "clerk" || a.Role != znb.Office || a.Scope != "522625" || a.ID == 0 {
				t.Fatalf("got %+v, %v", a, err)
			}
			if _, err := db.SignIn(ctx, "nobody", "password1"); znb.CodeOf(err) != "bad_credentials" {
				t.Fatalf("unknown user: %v", err)
			}
			var s store.Session
			if token, s, err = db.OpenSession(ctx, a); err != nil || len(s.CSRF) != 64 {
				t.Fatalf("open: %v %+v", err, s)
			}
		})
		t.Run("IdleExpiry", func(t *testing.T) {
			now = now.Add(20 * time.Minute)
			s, err := db.SessionOf(ctx, token, 30*time.Minute)
			if err != nil || s.Actor.Username != "clerk" || s.Actor.Scope != "522625" {
				t.Fatalf("after 20 minutes: %+v %v", s, err)
			}
			now = now.Add(25 * time.Minute) // 25 minutes after the last use
			if s, err := db.SessionOf(ctx, token, 30*time.Minute); err != nil {
				t.Fatalf("use moved the idle clock: %+v %v", s, err)
			}
			now = now.Add(31 * time.Minute)
			if _, err := db.SessionOf(ctx, token, 30*time.Minute); znb.CodeOf(err) != "session_expired" {
				t.Fatalf("after 31 idle minutes: %v", err)
			}
		})
		t.Run("SignOut", func(t *testing.T) {
			a, _ := db.SignIn(ctx, "clerk", "password1")
			tok, _, _ := db.OpenSession(ctx, a)
			if err := db.CloseSession(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SessionOf(ctx, tok, time.Hour); znb.CodeOf(err) != "session_expired" {
				t.Fatalf("closed session: %v", err)
			}
		})
		t.Run("Lockout", func(t *testing.T) {
			for i := range znb.LockAfter {
				if _, err := db.SignIn(ctx, "clerk", "wrong-one"); znb.CodeOf(err) != "bad_credentials" {
					t.Fatalf("failure %d: %v", i+1, err)
				}
			}
			if _, err := db.SignIn(ctx, "clerk", "password1"); znb.CodeOf(err) != "account_locked" {
				t.Fatalf("right password while locked: %v", err)
			}
			now = now.Add(znb.LockFor + time.Second)
			if _, err := db.SignIn(ctx, "clerk", "password1"); err != nil {
				t.Fatalf("after the lock: %v", err)
			}
		})
	})
}
