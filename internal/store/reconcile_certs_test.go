package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestReconcileCertificates issues the planted lists, reconciles the bill
// the platform computes from its own certificates (nothing but a person whom
// another county's agreement already covers may be flagged), then exports a
// statement from the certificates, plants a cross-county and an in-file
// duplicate in it and uploads it.
func TestReconcileCertificates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// County 522626 lists and insures person X of 522625 first.
		x := idn(reconCounty, 4)
		otherA := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-B01", County: "522626"})
		bList := "H9,522626101001,河口村,已脱贫户,外县人," + x + ",户主,正常,\n"
		officeB := znb.Actor{Username: "office-b", Role: znb.Office, Scope: "522626"}
		storetest.ImportAndIssue(t, db, officeB, otherA.ID, storetest.WriteFile(t, "b.csv", header+bList),
			store.ImportOptions{County: "522626", Effective: termStart})
		var otherCert string
		db.Gorm(ctx).Raw("SELECT certificate_no FROM certificate_members WHERE id_number = ?", x).Scan(&otherCert)

		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-A01", County: reconCounty})
		v1, v2, ps := importPlantedLists(t, db)
		for _, l := range []int64{v1, v2} {
			if _, err := db.Issue(ctx, znb.System, a.ID, l, store.IssueOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		rec, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: v2})
		if err != nil {
			t.Fatal(err)
		}
		// What the list gives each eligible person, computed here.
		expect := map[string]decimal.Decimal{}
		for _, p := range ps {
			if p.cat == znb.StableLifted {
				continue
			}
			start, end := termStart, termEnd
			if !p.from.IsZero() {
				start = p.from
			}
			if p.status != "正常" {
				end = znb.MustDate(p.date)
			}
			if !end.Before(start) {
				expect[p.id] = premiumFor(start, end)
			}
		}
		total := decimal.Zero
		seen := 0
		err = db.EachReconciliationItem(ctx, rec, "", func(d *subsidy.Detail) error {
			seen++
			switch {
			case d.IDNumber == x:
				if d.Finding != subsidy.NotInsured || !d.Expected.Equal(expect[x]) || !strings.Contains(d.Note, otherCert) {
					t.Errorf("X: %s expected %s note %q", d.Finding, d.Expected, d.Note)
				}
			case d.Finding != subsidy.Matched || !d.Billed.Premium.Equal(expect[d.IDNumber]) || d.CertificateNo == "":
				t.Errorf("%s: %s billed %s, want matched %s", d.IDNumber, d.Finding, d.Billed.Premium, expect[d.IDNumber])
			default:
				total = total.Add(d.Billed.Premium)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen != len(expect) || rec.Result.Tally(subsidy.Matched).Count != len(expect)-1 || !rec.Result.Billed.Premium.Equal(total) ||
			!rec.Result.Disallowed.Premium.IsZero() || rec.BillSource != subsidy.BillCertificates {
			t.Errorf("computed bill: %d details for %d people, result %+v", seen, len(expect), rec.Result)
		}
		var certPremium decimal.Decimal
		db.Gorm(ctx).Raw("SELECT SUM(premium) FROM certificates WHERE agreement_id = ?", a.ID).Scan(&certPremium)
		if !certPremium.Equal(total) {
			t.Errorf("billed %s, certificates sum %s", total, certPremium)
		}
		if c, err := db.ConfirmReconciliation(ctx, office, rec.ID); err != nil || c.Status != subsidy.Confirmed {
			t.Errorf("confirm computed: %v", err)
		}

		// A statement produced from the certificates, X added and one
		// member billed twice.
		var b strings.Builder
		b.WriteString("household_no,id_number,name,category,coverage_start,coverage_end,premium\n")
		var first string
		err = db.EachCertificate(ctx, a.ID, "", func(c *policy.Certificate) error {
			for _, m := range c.Members {
				line := fmt.Sprintf("%s,%s,%s,%s,%s,%s,%s\n", c.HouseholdNo, m.IDNumber, m.Name, c.Category, m.Cover.Start, m.Cover.End, m.Premium.StringFixed(2))
				if first == "" {
					first = line
				}
				b.WriteString(line)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(first)
		fmt.Fprintf(&b, "H002,%s,外县人,marginal,2024-01-01,2024-12-31,60.00\n", x)
		path := filepath.Join(t.TempDir(), "statement.csv")
		os.WriteFile(path, []byte(b.String()), 0o644)
		up, err := db.Reconcile(ctx, office, store.ReconcileOptions{AgreementID: a.ID, ListID: v2, Statement: path, OpenStatement: openSheet})
		if err != nil {
			t.Fatal(err)
		}
		dups := 0
		err = db.EachReconciliationItem(ctx, up, subsidy.DuplicateBilling, func(d *subsidy.Detail) error {
			dups++
			if d.IDNumber == x && !strings.Contains(d.Note, otherCert) || !d.Allowed.Premium.IsZero() {
				t.Errorf("duplicate %s: note %q allowed %s", d.IDNumber, d.Note, d.Allowed.Premium)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		res := up.Result
		if dups != 2 || res.Tally(subsidy.Matched).Count != len(expect)-1 || res.Tally(subsidy.NotInsured).Count != 0 ||
			!res.Allowed.Premium.Equal(total) || !res.Disallowed.Premium.Equal(decimal.RequireFromString("60.00").Add(premiumOf(first))) {
			t.Errorf("uploaded statement: %d duplicates, result %+v", dups, res)
		}
	})
}

func premiumOf(line string) decimal.Decimal {
	f := strings.Split(strings.TrimSpace(line), ",")
	return decimal.RequireFromString(f[len(f)-1])
}
