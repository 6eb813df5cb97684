package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestKnownKeysNeverLetWrongKeysIn: with two accounts' keys verified and
// kept, every near miss of a key is refused, each key gives its own
// account, and a key rotated away or disabled is refused even though it
// was kept.
func TestKnownKeysNeverLetWrongKeysIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, err := db.CreateUser(ctx, znb.System, "office-a", znb.Office, "522625")
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.CreateUser(ctx, znb.System, "clerk-b", znb.InsurerClerk, "PICC-ZY")
		if err != nil {
			t.Fatal(err)
		}
		owner := map[string]string{a: "office-a", b: "clerk-b"}
		for range 3 { // the first call reads the account, the others are kept
			for key, want := range owner {
				if got, err := db.UserByKey(ctx, key); err != nil || got.Username != want {
					t.Fatalf("key of %s: %+v, %v", want, got, err)
				}
			}
		}
		last := a[len(a)-1:]
		other := "0"
		if last == "0" {
			other = "1"
		}
		for _, wrong := range []string{
			"", a[:len(a)-1], a + "0", a[:len(a)-1] + other, strings.ToUpper(a), " " + a, a[:len(a)/2] + b[len(b)/2:],
			"znb_", "bench", strings.Repeat("0", 64),
		} {
			if got, err := db.UserByKey(ctx, wrong); znb.CodeOf(err) != "unauthorized" {
				t.Errorf("key %q: %+v, %v, want unauthorized", wrong, got, err)
			}
		}
		newA, _, err := db.RotateKey(ctx, znb.System, "office-a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UserByKey(ctx, a); znb.CodeOf(err) != "unauthorized" {
			t.Errorf("rotated-away key: %v, want unauthorized", err)
		}
		if got, err := db.UserByKey(ctx, newA); err != nil || got.Username != "office-a" {
			t.Errorf("new key: %+v, %v", got, err)
		}
		if got, err := db.UserByKey(ctx, b); err != nil || got.Username != "clerk-b" {
			t.Errorf("the other account's key after the rotation: %+v, %v", got, err)
		}
		if _, err := db.DisableUser(ctx, znb.System, "clerk-b"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UserByKey(ctx, b); znb.CodeOf(err) != "unauthorized" {
			t.Errorf("disabled key: %v, want unauthorized", err)
		}
	})
}

// TestKeyCheckReadsAfterArrival: a request that arrives while a read of
// the account revision is under way does not take that read's answer,
// which may predate a disable committed since; it waits for a read of its
// own, shared with whoever else arrives meanwhile.
func TestKeyCheckReadsAfterArrival(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		one, two, key := twoProcesses(t, dsn) // the key now kept by two
		read, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		two.HoldRevisionReads(func() {
			once.Do(func() { close(read); <-release })
		})
		early := make(chan error, 1)
		go func() { _, err := two.UserByKey(ctx, key); early <- err }()
		<-read // the first read has its number and is held
		if _, err := one.DisableUser(ctx, znb.System, "office-a"); err != nil {
			t.Fatal(err)
		}
		late := make(chan error, 3)
		for range 3 {
			go func() { _, err := two.UserByKey(ctx, key); late <- err }()
		}
		time.Sleep(50 * time.Millisecond) // let them join
		close(release)
		if err := <-early; err != nil {
			t.Errorf("the request that came before the disable: %v", err)
		}
		for range 3 {
			if err := <-late; znb.CodeOf(err) != "unauthorized" {
				t.Errorf("a request that came after the disable: %v, want unauthorized", err)
			}
		}
	})
}
