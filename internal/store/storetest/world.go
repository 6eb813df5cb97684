package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// AgreementSpec says what a test agreement file holds; an empty field takes
// the value of the example agreement.
type AgreementSpec struct {
	No         string         // agreement_no; default ZY-2024-001
	County     string         // default 522625
	Insurer    string         // insurer code; default PICC-ZY
	Product    string         // product code, version 1; default znb-standard
	Start, End string         // term; default 2024-01-01 to 2024-12-31
	Categories []znb.Category // covered; default every category covered by default
}

// AgreementYAML is the agreement file of s at 60.00 a person, each covered
// category split as the scheme says: 50/20/15/15/0, marginal 0/30/20/20/30.
func AgreementYAML(s AgreementSpec) []byte {
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	cats := s.Categories
	if cats == nil {
		for _, c := range znb.Categories {
			if c.CoveredByDefault() {
				cats = append(cats, c)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "agreement_no: %s\n", or(s.No, "ZY-2024-001"))
	fmt.Fprintf(&b, "county: %q\n", or(s.County, "522625"))
	fmt.Fprintf(&b, "insurer: {code: %s, name: 中国人民财产保险股份有限公司镇远支公司, hotline: \"95518\"}\n", or(s.Insurer, "PICC-ZY"))
	fmt.Fprintf(&b, "product: {code: %s, version: 1}\n", or(s.Product, "znb-standard"))
	fmt.Fprintf(&b, "term: {start: %s, end: %s}\n", or(s.Start, "2024-01-01"), or(s.End, "2024-12-31"))
	b.WriteString("premium_per_person: \"60.00\"\nsplit:\n")
	for _, c := range cats {
		split := `{central: "50", provincial: "20", municipal: "15", county: "15", self: "0"}`
		if c == znb.Marginal {
			split = `{central: "0",  provincial: "30", municipal: "20", county: "20", self: "30"}`
		}
		fmt.Fprintf(&b, "  %-16s %s\n", string(c)+":", split)
	}
	return []byte(b.String())
}

// ProductFile is the path of configs/products/<code>.yaml, wherever the
// test runs from.
func ProductFile(code string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "..", "configs", "products", code+".yaml")
}

// ActiveAgreement loads the product of s (a product already loaded is left
// as it is), then creates and activates the agreement of s as by.
func ActiveAgreement(t testing.TB, db *store.DB, by znb.Actor, s AgreementSpec) *policy.Agreement {
	t.Helper()
	ctx := context.Background()
	if s.Product == "" {
		s.Product = "znb-standard"
	}
	body, err := os.ReadFile(ProductFile(s.Product))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.LoadProduct(ctx, znb.System, body); err != nil {
		t.Fatal(err)
	}
	a, err := db.CreateAgreement(ctx, by, AgreementYAML(s))
	if err != nil {
		t.Fatal(err)
	}
	if a, err = db.ActivateAgreement(ctx, by, a.ID); err != nil {
		t.Fatal(err)
	}
	return a
}

// WriteFile writes body to a new file in a temporary directory and returns
// its path.
func WriteFile(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ImportAndIssue imports the list at path as by and issues agreementID over
// it as the system; it returns the list version's id.
func ImportAndIssue(t testing.TB, db *store.DB, by znb.Actor, agreementID int64, path string, o store.ImportOptions) int64 {
	t.Helper()
	ctx := context.Background()
	l, err := db.ImportList(ctx, by, File(t, path), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Issue(ctx, znb.System, agreementID, l.List.ID, store.IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	return l.List.ID
}
