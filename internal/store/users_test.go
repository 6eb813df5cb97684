package store_test

import (
	"context"
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
