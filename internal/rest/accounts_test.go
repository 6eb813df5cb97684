package rest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestAuditScopedHTTP: GET /api/v1/audit answers an auditor with the
// entries of their county only; another county's agreements are not there,
// even asked for by object. Admin reads both.
func TestAuditScopedHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ids := map[string]int64{}
		for _, county := range []string{"522625", "522626"} {
			office := znb.Actor{Username: "office-" + county, Role: znb.Office, Scope: county}
			a := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{No: "A-" + county, County: county})
			ids[county] = a.ID
		}
		admin := h.user("root", znb.Admin, "")
		type trail struct {
			Items []struct{ Object, Region, Insurer string }
		}
		read := func(key, query string) trail {
			t.Helper()
			code, b := h.call("GET", "/api/v1/audit"+query, key, nil)
			if code != 200 {
				t.Fatalf("GET /audit%s: %d %s", query, code, b)
			}
			var tr trail
			decodeJSON(t, b, &tr)
			return tr
		}
		objects := func(tr trail) map[string]int {
			m := map[string]int{}
			for _, e := range tr.Items {
				m[e.Object]++
			}
			return m
		}
		all := objects(read(admin, ""))
		for _, id := range ids {
			if all[fmt.Sprint("agreement:", id)] != 2 {
				t.Errorf("admin reads %v, want both agreements created and activated", all)
			}
		}
		for county, other := range map[string]string{"522625": "522626", "522626": "522625"} {
			key := h.user("auditor-"+county, znb.Auditor, county)
			got := objects(read(key, ""))
			if got[fmt.Sprint("agreement:", ids[other])] != 0 || got[fmt.Sprint("agreement:", ids[county])] != 2 {
				t.Errorf("auditor of %s reads %v", county, got)
			}
			if tr := read(key, fmt.Sprint("?object=agreement:", ids[other])); len(tr.Items) != 0 {
				t.Errorf("auditor of %s reads %d entries of %s's agreement", county, len(tr.Items), other)
			}
		}
	})
}

// TestAccountsHTTP: admin disables, enables and rotates keys over HTTP;
// the key answers 401 at once and works again once enabled; the rotated
// key replaces the old; nobody but admin may.
func TestAccountsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		admin := h.user("root", znb.Admin, "")
		office := h.user("office-a", znb.Office, "522625")
		other := h.user("office-b", znb.Office, "522625")
		me := func(key string) int { code, _ := h.call("GET", "/api/v1/me", key, nil); return code }
		type account struct {
			Username, Role, Scope string
			Disabled              bool
			APIKey                string `json:"api_key"`
		}
		post := func(path, key string, want int) account {
			t.Helper()
			code, b := h.call("POST", path, key, nil)
			if code != want {
				t.Fatalf("POST %s: %d %s, want %d", path, code, b, want)
			}
			var a account
			decodeJSON(t, b, &a)
			return a
		}
		if a := post("/api/v1/users/office-a/disable", admin, 200); !a.Disabled || a.Username != "office-a" || a.Scope != "522625" || a.APIKey != "" {
			t.Errorf("disable: %+v", a)
		}
		if code := me(office); code != 401 {
			t.Errorf("disabled key: %d, want 401", code)
		}
		if a := post("/api/v1/users/office-a/enable", admin, 200); a.Disabled {
			t.Errorf("enable: %+v", a)
		}
		if code := me(office); code != 200 {
			t.Errorf("enabled key: %d, want 200", code)
		}
		a := post("/api/v1/users/office-a/rotate-key", admin, 200)
		if a.APIKey == "" || a.APIKey == office {
			t.Fatalf("rotate: %+v", a)
		}
		if me(office) != 401 || me(a.APIKey) != 200 {
			t.Errorf("after rotation: old key %d, new key %d; want 401, 200", me(office), me(a.APIKey))
		}
		for _, path := range []string{"/api/v1/users/office-a/disable", "/api/v1/users/office-a/rotate-key"} {
			if code, b := h.call("POST", path, other, nil); code != 403 || errorCode(t, b) != "forbidden" {
				t.Errorf("office POST %s: %d %s", path, code, b)
			}
		}
		if code, b := h.call("POST", "/api/v1/users/nobody/enable", admin, nil); code != 404 {
			t.Errorf("unknown user: %d %s", code, b)
		}
	})
}

// TestKeyStopsOnOtherServer: two servers, each its own process on one
// database. A key verified (and kept) by server B is refused by B on the
// very next request after it is disabled or rotated away through server A;
// near misses of the kept key are refused too.
func TestKeyStopsOnOtherServer(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		a, b := newHarness(t, storetest.Open(t, dsn)), newHarness(t, storetest.Open(t, dsn))
		admin := a.user("root", znb.Admin, "")
		key := a.user("office-a", znb.Office, "522625")
		me := func(h *harness, key string) int { code, _ := h.call("GET", "/api/v1/me", key, nil); return code }
		post := func(path string) []byte {
			t.Helper()
			code, body := a.call("POST", path, admin, nil)
			if code != 200 {
				t.Fatalf("POST %s on A: %d %s", path, code, body)
			}
			return body
		}
		for range 3 {
			if code := me(b, key); code != 200 {
				t.Fatalf("key on B: %d", code)
			}
		}
		for _, wrong := range []string{key[:len(key)-1], key + "0", strings.ToUpper(key)} {
			if code := me(b, wrong); code != 401 {
				t.Errorf("near miss %q of a kept key on B: %d, want 401", wrong, code)
			}
		}
		post("/api/v1/users/office-a/disable")
		if code := me(b, key); code != 401 {
			t.Errorf("key disabled through A, on B: %d, want 401", code)
		}
		post("/api/v1/users/office-a/enable")
		if code := me(b, key); code != 200 {
			t.Errorf("key enabled again through A, on B: %d, want 200", code)
		}
		var rotated struct {
			APIKey string `json:"api_key"`
		}
		decodeJSON(t, post("/api/v1/users/office-a/rotate-key"), &rotated)
		if old, now := me(b, key), me(b, rotated.APIKey); old != 401 || now != 200 {
			t.Errorf("after rotation through A, on B: old key %d, new key %d; want 401, 200", old, now)
		}
	})
}
