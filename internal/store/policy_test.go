package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestProducts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := filepath.Join("..", "..", "configs", "products")
		seeded, err := db.SeedProducts(ctx, dir)
		if err != nil || len(seeded) != 3 || seeded[0].Code != "fpb-household" || seeded[1].Code != "fpb-tiered" || seeded[2].Code != "znb-standard" {
			t.Fatalf("seed: %+v %v", seeded, err)
		}
		if again, err := db.SeedProducts(ctx, dir); err != nil || len(again) != 0 {
			t.Errorf("second seed loaded %+v %v", again, err)
		}
		body, _ := os.ReadFile(filepath.Join(dir, "znb-standard.yaml"))
		if p, loaded, err := db.LoadProduct(ctx, issuer, body); err != nil || loaded || p.Version != 1 {
			t.Errorf("identical reload: %v %v", loaded, err)
		}
		changed := strings.Replace(string(body), `deductible: "200.00"`, `deductible: "300.00"`, 1)
		if _, _, err := db.LoadProduct(ctx, issuer, []byte(changed)); znb.CodeOf(err) != "product_version_exists" {
			t.Errorf("changed version 1: %v", err)
		}
		v2 := strings.Replace(changed, "version: 1", "version: 2", 1)
		if p, loaded, err := db.LoadProduct(ctx, issuer, []byte(v2)); err != nil || !loaded || p.Version != 2 {
			t.Errorf("version 2: %v %v", loaded, err)
		}
		if _, _, err := db.LoadProduct(ctx, office, body); znb.CodeOf(err) != "forbidden" {
			t.Errorf("office loads a product: %v", err)
		}
		bad := strings.Replace(string(body), "ratio: \"90\"", "ratio: \"120\"", 1)
		if _, _, err := db.LoadProduct(ctx, issuer, []byte(strings.Replace(bad, "version: 1", "version: 3", 1))); znb.CodeOf(err) != "product_invalid" {
			t.Errorf("ratio over 100: %v", err)
		}
		ps, err := db.Products(ctx)
		if err != nil || len(ps) != 4 || ps[3].Code != "znb-standard" || ps[3].Version != 2 {
			t.Errorf("products: %+v %v", ps, err)
		}
		p, err := db.Product(ctx, "znb-standard", 2)
		if err != nil || p.Line(znb.Agriculture).Deductible.String() != "300" {
			t.Errorf("product v2: %v", err)
		}
	})
}

func TestAgreements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.SeedProducts(ctx, filepath.Join("..", "..", "configs", "products")); err != nil {
			t.Fatal(err)
		}
		base := string(issueAgreementYAML("ZY-1"))
		if _, err := db.CreateAgreement(ctx, znb.Actor{Username: "o2", Role: znb.Office, Scope: "522626"}, []byte(base)); znb.CodeOf(err) != "out_of_scope" {
			t.Errorf("other county creates: %v", err)
		}
		if _, err := db.CreateAgreement(ctx, issuer, []byte(base)); znb.CodeOf(err) != "out_of_scope" {
			t.Errorf("insurer creates: %v", err)
		}
		a, err := db.CreateAgreement(ctx, office, []byte(base))
		if err != nil || a.Status != policy.Draft {
			t.Fatal(a, err)
		}
		if _, err := db.CreateAgreement(ctx, office, []byte(base)); znb.CodeOf(err) != "agreement_exists" {
			t.Errorf("same number again: %v", err)
		}
		for i, c := range []struct{ from, to, code string }{
			{`municipal: "20", county: "20", self: "30"`, `municipal: "20", county: "20", self: "20"`, "split_not_100"},
			{"end: 2024-12-31", "end: 2023-12-31", "term_invalid"},
			{"version: 1}", "version: 9}", "product_missing"},
			{`premium_per_person: "60.00"`, `premium_per_person: "0"`, "premium_invalid"},
		} {
			body := strings.Replace(strings.Replace(base, "ZY-1", fmt.Sprintf("BAD-%d", i), 1), c.from, c.to, 1)
			b, err := db.CreateAgreement(ctx, office, []byte(body))
			if err != nil {
				t.Fatalf("%s: %v", c.code, err)
			}
			if _, err := db.ActivateAgreement(ctx, office, b.ID); znb.CodeOf(err) != c.code {
				t.Errorf("activate with %q: %v, want %s", c.to, err, c.code)
			}
			if got, _ := db.GetAgreement(ctx, office, b.ID); got.Status != policy.Draft {
				t.Errorf("refused agreement is %s", got.Status)
			}
		}
		if _, err := db.ActivateAgreement(ctx, znb.Actor{Username: "o2", Role: znb.Office, Scope: "522626"}, a.ID); znb.CodeOf(err) != "not_found" {
			t.Errorf("other county activates: %v", err)
		}
		if got, err := db.ActivateAgreement(ctx, office, a.ID); err != nil || got.Status != policy.Active {
			t.Fatalf("activate: %v", err)
		}
		if got, err := db.ActivateAgreement(ctx, office, a.ID); err != nil || got.Status != policy.Active {
			t.Errorf("activate again: %v", err)
		}
		for _, c := range []struct {
			who  znb.Actor
			sees bool
		}{
			{issuer, true}, {znb.Actor{Role: znb.Adjuster, Scope: "PICC-ZY"}, true},
			{znb.Actor{Role: znb.InsurerClerk, Scope: "CPIC-ZY"}, false},
			{znb.Actor{Role: znb.Auditor, Scope: "5226"}, true}, {znb.Actor{Role: znb.Auditor, Scope: "5227"}, false},
			{znb.Actor{Role: znb.Office, Scope: "522626"}, false}, {znb.System, true},
		} {
			got, err := db.GetAgreement(ctx, c.who, a.ID)
			if c.sees != (err == nil) || (!c.sees && znb.CodeOf(err) != "not_found") {
				t.Errorf("%s %s reads: %v", c.who.Role, c.who.Scope, err)
			}
			if c.sees && (got.Splits[znb.Marginal].Total().String() != "100" || got.Insurer.Hotline != "95518") {
				t.Errorf("read back %+v", got)
			}
		}
		// The optional local service contact is kept with the agreement.
		sc, err := db.CreateAgreement(ctx, office, []byte(strings.Replace(base, "ZY-1", "ZY-SC", 1)+
			"service_contact: {name: 羊场镇农业服务中心, phone: 0855-5721234}\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := policy.ServiceContact{Name: "羊场镇农业服务中心", Phone: "0855-5721234"}
		if got, err := db.GetAgreement(ctx, office, sc.ID); err != nil || got.ServiceContact != want {
			t.Errorf("service contact read back %+v (%v), want %+v", got.ServiceContact, err, want)
		}
		if got, _ := db.GetAgreement(ctx, office, a.ID); got.ServiceContact.Given() {
			t.Errorf("an agreement without one reads back service contact %+v", got.ServiceContact)
		}
		p, err := db.AgreementProduct(ctx, a.ID)
		if err != nil || p.Code != "znb-standard" || len(p.Lines) != 4 {
			t.Errorf("agreement product: %v", err)
		}
		// Past its term end the agreement reads as expired and issues nothing.
		db.Now = func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
		if got, _ := db.GetAgreement(ctx, office, a.ID); got.Status != policy.Expired {
			t.Errorf("after the term: %s", got.Status)
		}
		if _, err := db.Issue(ctx, issuer, a.ID, 1, store.IssueOptions{}); znb.CodeOf(err) != "agreement_expired" {
			t.Errorf("issue expired: %v", err)
		}
		if broken, _, _ := db.VerifyAudit(ctx); broken != 0 {
			t.Errorf("audit broken at %d", broken)
		}
	})
}

func TestIssueRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setupIssue(t, db, 30)
		if _, err := db.Issue(ctx, office, fx.agreementID, fx.list1, store.IssueOptions{}); znb.CodeOf(err) != "forbidden" {
			t.Errorf("office issues: %v", err)
		}
		if _, err := db.Issue(ctx, znb.Actor{Role: znb.InsurerClerk, Scope: "CPIC-ZY"}, fx.agreementID, fx.list1, store.IssueOptions{}); znb.CodeOf(err) != "not_found" {
			t.Errorf("other insurer issues: %v", err)
		}
		draft, _ := db.CreateAgreement(ctx, office, issueAgreementYAML("ZY-DRAFT"))
		if _, err := db.Issue(ctx, issuer, draft.ID, fx.list1, store.IssueOptions{}); znb.CodeOf(err) != "agreement_not_active" {
			t.Errorf("draft: %v", err)
		}
		other, err := db.ImportList(ctx, znb.System, storetest.File(t, writeList(t, countyList("522626"))), store.ImportOptions{County: "522626", Effective: eff1})
		if err != nil {
			t.Fatal(err)
		}
		// The insurer may not see another county's list: absent, as a
		// missing id; an admin, who sees it, is told it is the wrong county.
		if _, err := db.Issue(ctx, issuer, fx.agreementID, other.List.ID, store.IssueOptions{}); znb.CodeOf(err) != "not_found" {
			t.Errorf("other county's list: %v", err)
		}
		if _, err := db.Issue(ctx, znb.System, fx.agreementID, other.List.ID, store.IssueOptions{}); znb.CodeOf(err) != "list_county_mismatch" {
			t.Errorf("other county's list as admin: %v", err)
		}
		// A run left unfinished blocks other lists until it is finished.
		p2 := filepath.Join(fx.dir, "v2.csv")
		fx.file1.write(t, p2)
		v2, err := db.ImportList(ctx, office, storetest.File(t, p2), store.ImportOptions{County: issueCounty, Effective: eff2})
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		db.Issue(cctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 5, Progress: func(int, int) { cancel() }})
		if _, err := db.Issue(ctx, issuer, fx.agreementID, v2.List.ID, store.IssueOptions{}); znb.CodeOf(err) != "issue_incomplete" {
			t.Errorf("newer list while the first is unfinished: %v", err)
		}
		if _, err := db.Issue(ctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{}); err != nil {
			t.Fatal(err)
		}
		// The same rows again, as a newer version: nothing changes.
		res, err := db.Issue(ctx, issuer, fx.agreementID, v2.List.ID, store.IssueOptions{})
		if err != nil || res.Certificates != 0 || res.Endorsements != 0 || !res.Premium.IsZero() {
			t.Errorf("unchanged newer list: %+v %v", res, err)
		}
		// An older version than one issued is refused.
		old, err := db.ImportList(ctx, office, storetest.File(t, p2), store.ImportOptions{County: issueCounty, Effective: znb.MustDate("2024-03-01")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Issue(ctx, issuer, fx.agreementID, old.List.ID, store.IssueOptions{}); znb.CodeOf(err) != "list_outdated" {
			t.Errorf("older list: %v", err)
		}
	})
}
