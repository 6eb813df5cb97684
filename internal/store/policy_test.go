package store_test

import (
	"context"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestPolicyMigration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cs, err := db.FindCertificates(context.Background(), znb.System, "H1", "")
		if err != nil || len(cs) != 0 {
			t.Fatalf("FindCertificates = %v, %v", cs, err)
		}
	})
}
