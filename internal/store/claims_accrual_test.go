package store_test

import (
	"context"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestHouseholdLineClaims takes illness claims of one household through
// report → assess → approve → pay under fpb-household: each pays the tiered
// amount it adds to the household's cumulative out-of-pocket (4,000 then
// 8,000 then 25,000 pay 0.00, 3,700.00, 15,700.00), and an assessment made
// before another claim was approved is refused at approval and assessed
// again.
func TestHouseholdLineClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "fpb-household")
		settle := func(no, total string) *claim.Form {
			return &claim.Form{Settlements: []claim.FormSettlement{{No: no, Total: total}}}
		}
		report := func(incident string) string {
			t.Helper()
			c, err := db.ReportClaim(ctx, clerk, w.report(znb.Illness, "H1", 0, incident, "疾病"))
			if err != nil {
				t.Fatal(err)
			}
			return c.No
		}
		first, second, third := report("2024-05-01"), report("2024-06-01"), report("2024-06-02")
		if _, err := db.AssessClaim(ctx, adjuster, first, settle("JS-1", "4000.00"), ""); err != nil {
			t.Fatal(err)
		}
		// the second is assessed before the first is approved: on 0 before.
		c, err := db.AssessClaim(ctx, adjuster, second, settle("JS-2", "8000.00"), "")
		if err != nil || c.Payable.StringFixed(2) != "1500.00" {
			t.Fatalf("second on nothing before: %v %v", c, err)
		}
		if c, err = db.ApproveClaim(ctx, approver, first, ""); err != nil || c.Payable.StringFixed(2) != "0.00" {
			t.Fatalf("approve first: %v %v", c, err)
		}
		if _, err := db.ApproveClaim(ctx, approver, second, ""); znb.CodeOf(err) != "cumulative_changed" {
			t.Fatalf("stale second: %v", err)
		}
		c, err = db.AssessClaim(ctx, adjuster, second, settle("JS-2", "8000.00"), "")
		if err != nil || c.Payable.StringFixed(2) != "3700.00" {
			t.Fatalf("second re-assessed: %v %v", c, err)
		}
		before, after, ok := c.Accrual()
		if !ok || before.StringFixed(2) != "4000.00" || after.StringFixed(2) != "12000.00" {
			t.Errorf("second accrual %s → %s", before, after)
		}
		if _, err := db.ApproveClaim(ctx, approver, second, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssessClaim(ctx, adjuster, third, settle("JS-3", "25000.00"), ""); err != nil {
			t.Fatal(err)
		}
		reviewIfSignalled(t, db, third) // the household's third claim of the year
		if c, err = db.ApproveClaim(ctx, approver, third, ""); err != nil || c.Payable.StringFixed(2) != "15700.00" {
			t.Fatalf("third: %v %v", c, err)
		}
		if c, err = db.PayClaim(ctx, clerk, third, "BANK-3", ""); err != nil || c.Status != claim.Paid {
			t.Fatalf("pay: %v %v", c, err)
		}
		used, err := db.LimitUsed(ctx, w.agreementID, znb.Illness, "H1")
		if err != nil || used.StringFixed(2) != "19400.00" {
			t.Errorf("cap used %s %v", used, err)
		}
		// the same assessor may not approve; a household line names no member.
		fourth := report("2024-06-10")
		if _, err := db.AssessClaim(ctx, adjuster, fourth, settle("JS-4", "100.00"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveClaim(ctx, adjusterAsApprover, fourth, ""); znb.CodeOf(err) != "same_assessor" {
			t.Errorf("maker–checker: %v", err)
		}
		r := w.report(znb.Illness, "H1", pHead1, "2024-06-11", "疾病")
		if _, err := db.ReportClaim(ctx, clerk, r); znb.CodeOf(err) != "member_not_expected" {
			t.Errorf("member on illness: %v", err)
		}
		// disaster and education under the same product.
		d, err := db.ReportClaim(ctx, clerk, w.report(znb.Disaster, "H2", 0, "2024-05-03", "自然灾害"))
		if err != nil {
			t.Fatal(err)
		}
		if c, err = db.AssessClaim(ctx, adjuster, d.No, &claim.Form{DisasterLoss: "10000.00", InsurancePaid: "2000.00"}, ""); err != nil || c.Payable.StringFixed(2) != "2500.00" {
			t.Errorf("disaster: %v %v", c, err)
		}
		e, err := db.ReportClaim(ctx, clerk, w.report(znb.Education, "H2", 0, "2024-05-03", "就学"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err = db.AssessClaim(ctx, adjuster, e.No, &claim.Form{}, ""); znb.CodeOf(err) != "amount_required" {
			t.Errorf("education without costs: %v", err)
		}
	})
}
