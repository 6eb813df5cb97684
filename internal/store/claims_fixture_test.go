package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// claimWorld is a county whose households are insured, for claim tests:
// the list of 2024-01-01 issued under an agreement over 2024, then a list of
// 2024-04-01 applied as endorsements — H1 gains a child, H4 is gone.
type claimWorld struct {
	agreementID int64
	cert        map[string]string // household_no → certificate_no
}

// Insurer staff of the world's insurer, and others.
var (
	clerk     = znb.Actor{ID: 101, Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	adjuster  = znb.Actor{ID: 102, Username: "adjuster", Role: znb.Adjuster, Scope: "PICC-ZY"}
	approver  = znb.Actor{ID: 103, Username: "approver", Role: znb.Approver, Scope: "PICC-ZY"}
	approver2 = znb.Actor{ID: 104, Username: "approver2", Role: znb.Approver, Scope: "PICC-ZY"}
	// an adjuster who is also given approver rights elsewhere must still not
	// approve what they assessed: same ID, other role.
	adjusterAsApprover = znb.Actor{ID: 102, Username: "adjuster", Role: znb.Approver, Scope: "PICC-ZY"}
	otherClerk         = znb.Actor{ID: 201, Username: "other-clerk", Role: znb.InsurerClerk, Scope: "CPIC-ZY"}
)

const claimCounty = "522625"

// People of the world, by the sequence idn numbers them with.
const (
	pHead1   = 1 // 张三丰, H1 head
	pSpouse1 = 2 // 李四, H1
	pHead2   = 3 // 王五, H2 head
	pSon2    = 4 // 王小五, H2, died 2024-03-01
	pHead4   = 5 // 赵六, H4 head; H4 leaves with the list of 2024-04-01
	pChild1  = 6 // 张小丰, H1, listed from 2024-04-01
)

func claimList(withH4, withChild bool) string {
	v := claimCounty + "101001"
	rows := []string{
		fmt.Sprintf("H1,%s,青山村,已脱贫户,张三丰,%s,户主,正常,", v, idn(claimCounty, pHead1)),
		fmt.Sprintf("H1,%s,青山村,已脱贫户,李四,%s,配偶,正常,", v, idn(claimCounty, pSpouse1)),
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王五,%s,户主,正常,", v, idn(claimCounty, pHead2)),
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王小五,%s,子,死亡,2024-03-01", v, idn(claimCounty, pSon2)),
	}
	if withChild {
		rows = append(rows, fmt.Sprintf("H1,%s,青山村,已脱贫户,张小丰,%s,子,正常,", v, idn(claimCounty, pChild1)))
	}
	if withH4 {
		rows = append(rows, fmt.Sprintf("H4,%s,青山村,已脱贫户,赵六,%s,户主,正常,", claimCounty+"101002", idn(claimCounty, pHead4)))
	}
	return strings.Join(rows, "\n") + "\n"
}

// claimAgreement is the example agreement (lifted and marginal covered)
// under the product.
func claimAgreement(product string) storetest.AgreementSpec {
	return storetest.AgreementSpec{No: "ZY-2024-001", County: claimCounty, Product: product,
		Categories: []znb.Category{znb.Lifted, znb.Marginal}}
}

// newClaimWorld builds the world under the product (znb-standard or
// fpb-tiered).
func newClaimWorld(t testing.TB, db *store.DB, product string) *claimWorld {
	t.Helper()
	ctx := context.Background()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
	a := storetest.ActiveAgreement(t, db, office, claimAgreement(product))
	for _, v := range []struct {
		eff             string
		withH4, withKid bool
	}{{"2024-01-01", true, false}, {"2024-04-01", false, true}} {
		p := storetest.WriteFile(t, "list.csv", header+claimList(v.withH4, v.withKid))
		storetest.ImportAndIssue(t, db, office, a.ID, p, store.ImportOptions{County: claimCounty, Effective: znb.MustDate(v.eff)})
	}
	w := &claimWorld{agreementID: a.ID, cert: map[string]string{}}
	for _, h := range []string{"H1", "H2", "H4"} {
		cs, err := db.FindCertificates(ctx, znb.System, h, "")
		if err != nil || len(cs) != 1 {
			t.Fatalf("certificate of %s: %v, %v", h, cs, err)
		}
		w.cert[h] = cs[0].No
	}
	return w
}

// report is a valid report of the world, changed by the test.
func (w *claimWorld) report(line znb.Line, household string, person int, incident, cause string) store.ClaimReport {
	r := store.ClaimReport{CertificateNo: w.cert[household], Line: line, IncidentDate: znb.MustDate(incident),
		ReportedOn: znb.MustDate(incident), Cause: cause, Description: "测试报案"}
	if person > 0 {
		r.MemberIDNumber = idn(claimCounty, person)
	}
	return r
}

// assessed reports a fire at household's home on day and assesses its
// structure loss, and returns the claim's number.
func (w *claimWorld) assessed(t *testing.T, db *store.DB, household, day, loss string) string {
	t.Helper()
	ctx := context.Background()
	c, err := db.ReportClaim(ctx, clerk, w.report(znb.Property, household, 0, day, "火灾"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssessClaim(ctx, adjuster, c.No, &claim.Form{StructureLoss: loss}, ""); err != nil {
		t.Fatal(err)
	}
	return c.No
}
