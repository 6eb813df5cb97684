package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestAuditTrailScoped: an auditor reads the entries of their region only —
// of claims, agreements, lists, issue runs and public requests — like every
// other read; admin reads all.
func TestAuditTrailScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard") // county 522625
		c, err := db.ReportClaim(ctx, clerk, w.report(znb.Property, "H1", 0, "2024-05-10", "火灾"))
		if err != nil {
			t.Fatal(err)
		}
		officeB := znb.Actor{Username: "office-b", Role: znb.Office, Scope: "522626"}
		b := storetest.ActiveAgreement(t, db, officeB, storetest.AgreementSpec{No: "SB-2024-001", County: "522626", Insurer: "CPIC-SB"})
		household := znb.Actor{Username: "household"}
		if err := db.Audit(ctx, household, "public.card", "certificate:"+w.cert["H2"], map[string]any{"ip": "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		all, err := db.AuditTrailOf(ctx, znb.System, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		count := func(es []store.AuditEntry, county string) (n int) {
			for _, e := range es {
				if strings.HasPrefix(e.Region, county) {
					n++
				}
			}
			return n
		}
		inA, inB := count(all, "522625"), count(all, "522626")
		if inA < 5 || inB < 2 {
			t.Fatalf("admin reads %d entries, %d of 522625, %d of 522626", len(all), inA, inB)
		}
		for _, tc := range []struct {
			county, other string
			want          int
		}{{"522625", "522626", inA}, {"522626", "522625", inB}} {
			auditor := znb.Actor{Username: "auditor", Role: znb.Auditor, Scope: tc.county}
			got, err := db.AuditTrailOf(ctx, auditor, "", 1000)
			if err != nil || len(got) != tc.want || count(got, tc.other) != 0 {
				t.Errorf("auditor of %s reads %d entries (%d of %s), %v; want %d, none of %s",
					tc.county, len(got), count(got, tc.other), tc.other, err, tc.want, tc.other)
			}
		}
		auditorB := znb.Actor{Username: "auditor", Role: znb.Auditor, Scope: "522626"}
		for _, object := range []string{"claim:" + c.No, "certificate:" + w.cert["H2"], fmt.Sprint("agreement:", w.agreementID)} {
			if got, _ := db.AuditTrailOf(ctx, auditorB, object, 10); len(got) != 0 {
				t.Errorf("auditor of 522626 reads %d entries of %s", len(got), object)
			}
		}
		if got, _ := db.AuditTrailOf(ctx, auditorB, fmt.Sprint("agreement:", b.ID), 10); len(got) != 2 {
			t.Errorf("auditor of 522626 reads %d entries of its agreement, want 2 (create, activate)", len(got))
		}
		if _, err := db.AuditTrailOf(ctx, clerk, "", 10); znb.CodeOf(err) != "forbidden" {
			t.Errorf("insurer clerk reads the trail: %v", err)
		}
	})
}
