package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestSettings: a setting is read without being made, kept by the first
// Setting, replaced by SetSetting with an audit entry.
func TestSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if v, ok, err := db.LookupSetting(ctx, "base_url"); err != nil || ok || v != "" {
			t.Fatalf("before any: %q %v %v", v, ok, err)
		}
		if v, err := db.Setting(ctx, "base_url", func() string { return "https://a.example" }); err != nil || v != "https://a.example" {
			t.Fatalf("first Setting: %q %v", v, err)
		}
		if v, err := db.Setting(ctx, "base_url", func() string { return "https://b.example" }); err != nil || v != "https://a.example" {
			t.Errorf("second Setting: %q %v, want the first value kept", v, err)
		}
		prev, err := db.SetSetting(ctx, znb.System, "base_url", "https://c.example")
		if err != nil || prev != "https://a.example" {
			t.Fatalf("SetSetting: previous %q %v", prev, err)
		}
		if v, ok, err := db.LookupSetting(ctx, "base_url"); err != nil || !ok || v != "https://c.example" {
			t.Errorf("after SetSetting: %q %v %v", v, ok, err)
		}
		if prev, err := db.SetSetting(ctx, znb.System, "other", "x"); err != nil || prev != "" {
			t.Errorf("SetSetting of a new name: previous %q %v", prev, err)
		}
		var detail string
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm(ctx).Raw("SELECT detail FROM audit_log WHERE action = 'setting.set' AND object = 'setting:base_url'").Scan(&detail).Error; err != nil ||
			!strings.Contains(detail, "https://c.example") || !strings.Contains(detail, "https://a.example") {
			t.Errorf("audit of the change: %q %v", detail, err)
		}
	})
}

// TestAgreementByNo finds an agreement by its number within the actor's
// scope; another county's office and an unknown number get not found.
func TestAgreementByNo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2026-001", County: "522625"})
		if got, err := db.AgreementByNo(ctx, znb.System, " ZY-2026-001 "); err != nil || got.ID != a.ID || got.No != "ZY-2026-001" {
			t.Errorf("by number: %+v %v", got, err)
		}
		other, _ := znb.NewActor("other-office", znb.Office, "522626")
		for _, c := range []struct {
			by znb.Actor
			no string
		}{{other, "ZY-2026-001"}, {znb.System, "ZY-2026-002"}} {
			if _, err := db.AgreementByNo(ctx, c.by, c.no); znb.CodeOf(err) != "not_found" {
				t.Errorf("%s as %s: %v, want not_found", c.no, c.by.Username, err)
			}
		}
	})
}
