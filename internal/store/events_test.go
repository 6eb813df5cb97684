package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var countyOffice = znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}

const sheetHead = "户编号,户主,分户凭证号,村,在保险种,出险日期,房屋主体损失,室内装潢损失,家用电器损失,农业标的类别,农业标的名称,农业标的数量,农业定损金额,政策性农业保险已赔,灾害损失,其他保险已赔\n"

// sheetRow is a worksheet row: household, certificate, incident date and
// the loss cells from 房屋主体损失 on.
func sheetRow(h, cert, incident string, losses ...string) string {
	cells := make([]string, 10)
	copy(cells, losses)
	return fmt.Sprintf("%s,,%s,,,%s,%s\n", h, cert, incident, strings.Join(cells, ","))
}

// declareFlood declares the flood of 2024-06-10..12 over the two villages
// of the claim world (青山村 101001 with H1 and H2; 101002 with H4, whose
// certificate ended on 2024-04-01).
func declareFlood(t *testing.T, db *store.DB) *disaster.Event {
	t.Helper()
	e, err := db.DeclareEvent(context.Background(), countyOffice, disaster.Declaration{Name: "6·10 洪灾", Cause: "自然灾害",
		First: znb.MustDate("2024-06-10"), Last: znb.MustDate("2024-06-12"), Regions: []string{claimCounty + "101001", claimCounty + "101002"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func loadSheet(t *testing.T, db *store.DB, eventID int64, body string) (*store.WorksheetLoad, error) {
	t.Helper()
	return db.LoadWorksheet(context.Background(), adjuster, eventID, storetest.File(t, storetest.WriteFile(t, "sheet.csv", sheetHead+body)), nil)
}

func countEventClaims(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm(context.Background()).Table("claims").Where("event_id <> 0").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDisasterEventToBank(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		e := declareFlood(t, db)
		// Each step builds on the one before: the first to fail ends the test.
		step := func(name string, fn func(t *testing.T)) {
			if !t.Run(name, fn) {
				t.FailNow()
			}
		}
		var (
			res, second *store.WorksheetLoad
			b           *store.Batch
			tot         disaster.Totals
		)
		step("declare", func(t *testing.T) {
			if e.DeclaredOn != znb.MustDate("2024-06-15") {
				t.Fatalf("declared on %s", e.DeclaredOn)
			}
			if _, err := db.GetEvent(ctx, znb.Actor{Username: "o2", Role: znb.Office, Scope: "522626"}, e.ID); znb.CodeOf(err) != "not_found" {
				t.Errorf("another county's office reads the event: %v", err)
			}
		})
		step("worksheet", func(t *testing.T) {
			// The worksheet lists exactly the households in force during the
			// event: H1 and H2, not H4.
			_, hs, err := db.WorksheetHouseholds(ctx, adjuster, e.ID, claimCounty+"101")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hs {
				got = append(got, h.HouseholdNo+":"+h.CertificateNo+":"+disaster.LineNames(h.Lines))
			}
			want := []string{"H1:" + w.cert["H1"] + ":家庭财产保险、农业生产保险", "H2:" + w.cert["H2"] + ":家庭财产保险、农业生产保险"}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("worksheet rows %v\nwant %v", got, want)
			}
			if hs[0].Head != "张三丰" {
				t.Errorf("head %q", hs[0].Head)
			}
			if _, hs, err := db.WorksheetHouseholds(ctx, adjuster, e.ID, claimCounty+"101002"); err != nil || len(hs) != 0 {
				t.Errorf("H4's village: %v %v", hs, err)
			}
		})
		step("bad sheet", func(t *testing.T) {
			// A claim of H2 reported on its own, which a sheet row duplicates.
			if _, err := db.ReportClaim(ctx, clerk, w.report(znb.Property, "H2", 0, "2024-06-11", "自然灾害")); err != nil {
				t.Fatal(err)
			}

			// A sheet with planted bad rows is refused whole, every bad row named.
			res, err := loadSheet(t, db, e.ID,
				sheetRow("H1", w.cert["H1"], "", "20000", "", "500")+
					sheetRow("H9", "ZNB-NOPE", "", "100")+
					sheetRow("H2", w.cert["H2"], "2024-06-11", "1000", "", "", "", "", "", "", "", "300")+
					sheetRow("H4", w.cert["H4"], "", "100")+
					sheetRow("H5", "ZNB-X5", "", "-5"))
			if znb.CodeOf(err) != "worksheet_rejected" {
				t.Fatalf("bad sheet: %v", err)
			}
			var faults []string
			for _, r := range res.Rejected {
				faults = append(faults, fmt.Sprintf("%d:%s:%s", r.Row, r.Column, r.Code))
			}
			wantFaults := "3:分户凭证号:unknown_household 4:房屋主体损失:duplicate_claim 4:灾害损失:line_not_in_force 5:房屋主体损失:member_not_insured 6:房屋主体损失:invalid_amount"
			if strings.Join(faults, " ") != wantFaults {
				t.Fatalf("faults %v\nwant %s", faults, wantFaults)
			}
			if n := countEventClaims(t, db); n != 0 {
				t.Fatalf("a refused sheet left %d claims", n)
			}
		})
		step("good sheet", func(t *testing.T) {
			// The good sheet: H1 a house and a herd, H2 a house.
			good := sheetRow("H1", w.cert["H1"], "", "20000", "", "500", "牲畜", "能繁母猪", "3", "4500", "1500") +
				sheetRow("H2", w.cert["H2"], "2024-06-12", "18000")
			var err error
			res, err = loadSheet(t, db, e.ID, good)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Claims) != 3 || res.Payable.StringFixed(2) != "32900.00" || res.Repeated {
				t.Fatalf("load %+v", res)
			}
			forms := []claim.Form{
				{StructureLoss: "20000", ApplianceLoss: "500"},
				{Items: []claim.FormItem{{Kind: "livestock", Subject: "能繁母猪", Quantity: "3", AssessedLoss: "4500", PolicyInsurancePaid: "1500"}}},
				{StructureLoss: "18000"},
			}
			wantPay := []string{"15300.00", "2800.00", "14800.00"}
			for i, no := range res.Claims {
				c, err := db.GetClaim(ctx, clerk, no)
				if err != nil {
					t.Fatal(err)
				}
				if c.Status != claim.Assessed || c.ReportedOn != e.DeclaredOn || len(c.Flags) != 0 || c.Cause != "自然灾害" || c.Assessor != adjuster.Username {
					t.Errorf("claim %s: %+v", no, c)
				}
				// The payout is the single-claim calculator's.
				single, err := db.PreviewAssessment(ctx, adjuster, no, &forms[i])
				if err != nil {
					t.Fatal(err)
				}
				if !c.Payable.Equal(single.Payable) || len(c.Breakdown) != len(single.Breakdown) || c.Payable.StringFixed(2) != wantPay[i] {
					t.Errorf("claim %s pays %s, the calculator %s, want %s", no, c.Payable, single.Payable, wantPay[i])
				}
			}
			// The same sheet again changes nothing.
			again, err := loadSheet(t, db, e.ID, good)
			if err != nil || !again.Repeated || again.ID != res.ID || len(again.Claims) != 0 {
				t.Fatalf("re-upload: %+v %v", again, err)
			}
			if n := countEventClaims(t, db); n != 3 {
				t.Fatalf("after re-upload %d event claims", n)
			}
		})
		step("second sheet", func(t *testing.T) {
			// A second sheet: H1's house again on 06-11, assessed while nothing
			// is approved, so its 7800 fits until the first house is approved.
			var err error
			second, err = loadSheet(t, db, e.ID, sheetRow("H1", w.cert["H1"], "2024-06-11", "8000"))
			if err != nil || len(second.Claims) != 1 {
				t.Fatalf("second sheet: %+v %v", second, err)
			}
		})
		step("area approval", func(t *testing.T) {
			// Maker–checker: the adjuster, given approver rights, approves none
			// of what they assessed.
			self, err := db.ApproveArea(ctx, adjusterAsApprover, e.ID, claimCounty+"101", "")
			if err != nil || len(self.Approved) != 0 || len(self.Refused) != 4 || self.Refused[0].Code != "same_assessor" {
				t.Fatalf("self approval: %+v %v", self, err)
			}
			// H1's third claim of the year is signalled as a report would be:
			// held for a review note, then decided on its limit.
			held, err := db.ApproveArea(ctx, approver, e.ID, claimCounty+"101", "")
			if err != nil || len(held.Approved) != 3 || len(held.Refused) != 1 || held.Refused[0].Code != "review_required" {
				t.Fatalf("signalled claim approved: %+v %v", held, err)
			}
			signalled, err := db.GetClaim(ctx, approver, second.Claims[0])
			if err != nil || len(signalled.Signals) != 1 || signalled.Signals[0].Code != oversight.Frequent {
				t.Fatalf("third claim's signals: %+v %v", signalled, err)
			}
			if _, err := db.ReviewClaim(ctx, approver, second.Claims[0], "灾后第三次报案，已核实为不同损失"); err != nil {
				t.Fatal(err)
			}
			appr, err := db.ApproveArea(ctx, approver, e.ID, claimCounty+"101", "")
			if err != nil {
				t.Fatal(err)
			}
			appr.Approved = append(held.Approved, appr.Approved...)
			if len(appr.Approved) != 3 || len(appr.Refused) != 1 || appr.Refused[0].ClaimNo != second.Claims[0] ||
				appr.Refused[0].Code != "limit_exceeded" || appr.Refused[0].HouseholdNo != "H1" {
				t.Fatalf("area approval %+v", appr)
			}
			if used, _ := db.LimitUsed(ctx, w.agreementID, znb.Property, "H1"); used.StringFixed(2) != "15300.00" {
				t.Errorf("H1's property limit used %s", used)
			}
		})
		step("bank accounts", func(t *testing.T) {
			// Bank accounts: a file with an unknown household is refused, then
			// the good one.
			if _, err := db.LoadAccounts(ctx, countyOffice, claimCounty, storetest.File(t, storetest.WriteFile(t, "acc.csv",
				"户编号,户名,账号,开户行\nH1,张三丰,6222021234567894,镇远农商行\nH9,无名,6222021234567894,镇远农商行\n"))); znb.CodeOf(err) != "accounts_rejected" {
				t.Fatalf("unknown household accepted: %v", err)
			}
			if _, err := db.LoadAccounts(ctx, countyOffice, claimCounty, storetest.File(t, storetest.WriteFile(t, "acc.csv",
				"户编号,户名,账号,开户行\nH1,张三丰,6222021234567894,镇远农商行\nH2,王五,12345678901234,镇远农商行\n"))); err != nil {
				t.Fatal(err)
			}
			if acc, err := db.AccountHistory(ctx, countyOffice, claimCounty, "H1"); err != nil || len(acc) != 1 || acc[0].Number != "6222********7894" {
				t.Errorf("office sees %+v %v", acc, err)
			}
		})
		step("batch", func(t *testing.T) {
			// The batch: the three approved claims, 32900.00.
			var err error
			b, err = db.BuildBatch(ctx, clerk, disaster.BatchQuery{EventID: e.ID}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if b.Totals.Count != 3 || b.Totals.Amount.StringFixed(2) != "32900.00" || b.Items[0].Account != "6222021234567894" {
				t.Fatalf("batch %+v", b)
			}
			if _, err := db.BuildBatch(ctx, clerk, disaster.BatchQuery{EventID: e.ID}, nil); znb.CodeOf(err) != "no_payable_claims" {
				t.Fatalf("a claim went into two open batches: %v", err)
			}
			if seen, err := db.GetBatch(ctx, znb.Actor{Username: "a", Role: znb.Auditor, Scope: claimCounty}, b.ID); err != nil || seen.Items[0].Account != "6222********7894" {
				t.Errorf("auditor sees %+v %v", seen, err)
			}
		})
		step("return file", func(t *testing.T) {
			// The bank pays the first and fails two.
			ret := "序号,摘要,状态,失败原因\n1,,成功,\n2,,失败,账户冻结\n,%s,失败,户名不符\n合计,,,\n"
			back, err := db.LoadReturn(ctx, clerk, b.ID, storetest.File(t, storetest.WriteFile(t, "ret.csv", fmt.Sprintf(ret, b.Items[2].ClaimNo))))
			if err != nil {
				t.Fatal(err)
			}
			tot = back.Totals
			if back.Status != disaster.BatchReturned || !tot.Balanced() || tot.SuccessCount != 1 || tot.FailureCount != 2 ||
				!tot.SuccessAmount.Add(tot.FailureAmount).Equal(b.Totals.Amount) {
				t.Fatalf("returned batch %+v", back)
			}
			paid, _ := db.GetClaim(ctx, clerk, b.Items[0].ClaimNo)
			if paid.Status != claim.Paid || paid.PaymentRef != b.No+"-1" {
				t.Errorf("paid claim %s %q", paid.Status, paid.PaymentRef)
			}
			for _, it := range b.Items[1:] {
				if c, _ := db.GetClaim(ctx, clerk, it.ClaimNo); c.Status != claim.Approved {
					t.Errorf("failed claim %s is %s", it.ClaimNo, c.Status)
				}
			}
			if _, err := db.LoadReturn(ctx, clerk, b.ID, storetest.File(t, storetest.WriteFile(t, "ret.csv", "序号,状态\n1,成功\n"))); znb.CodeOf(err) != "batch_not_open" {
				t.Errorf("second return file: %v", err)
			}
		})
		step("next batch", func(t *testing.T) {
			// The two failures, and only they, go into the next batch; a
			// cancelled batch frees them again.
			next, err := db.BuildBatch(ctx, clerk, disaster.BatchQuery{EventID: e.ID}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if next.Totals.Count != 2 || next.Items[0].ClaimNo != b.Items[1].ClaimNo || next.Items[1].ClaimNo != b.Items[2].ClaimNo ||
				!next.Totals.Amount.Equal(tot.FailureAmount) {
				t.Fatalf("next batch %+v", next)
			}
			if c, err := db.CancelBatch(ctx, clerk, next.ID, "银行系统维护"); err != nil || c.Status != disaster.BatchCancelled {
				t.Fatalf("cancel: %+v %v", c, err)
			}
			if _, err := db.CancelBatch(ctx, clerk, next.ID, ""); znb.CodeOf(err) != "batch_not_open" {
				t.Errorf("cancelled twice: %v", err)
			}
			third, err := db.BuildBatch(ctx, clerk, disaster.BatchQuery{EventID: e.ID}, nil)
			if err != nil || third.Totals.Count != 2 {
				t.Fatalf("after cancel: %+v %v", third, err)
			}
			if !decimal.Sum(third.Totals.Amount).Equal(next.Totals.Amount) {
				t.Errorf("amounts differ")
			}
		})
	})
}

// TestReportClaimInEvent: a claim reported on its own into an event is
// reported on the declaration day and never late; its cause, incident date
// and village must be the event's.
func TestReportClaimInEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		e := declareFlood(t, db)
		other, err := db.DeclareEvent(ctx, countyOffice, disaster.Declaration{Name: "白水村山火", Cause: "火灾",
			First: znb.MustDate("2024-06-01"), Last: znb.MustDate("2024-06-02"), Regions: []string{claimCounty + "101002"}})
		if err != nil {
			t.Fatal(err)
		}
		// Without the event, a loss of 06-10 reported on 06-15 is late.
		alone := w.report(znb.Property, "H1", 0, "2024-06-10", "自然灾害")
		alone.ReportedOn = znb.MustDate("2024-06-15")
		for _, tc := range []struct {
			name  string
			edit  func(r *store.ClaimReport)
			code  string
			flags int
		}{
			{"another cause", func(r *store.ClaimReport) { r.EventID, r.Cause = e.ID, "火灾" }, "cause_not_event", 0},
			{"outside the days", func(r *store.ClaimReport) { r.EventID, r.IncidentDate = e.ID, znb.MustDate("2024-06-13") }, "incident_outside_event", 0},
			{"village not struck", func(r *store.ClaimReport) {
				r.EventID, r.Cause, r.IncidentDate = other.ID, "火灾", znb.MustDate("2024-06-01")
			}, "region_not_in_event", 0},
			{"in the event", func(r *store.ClaimReport) { r.EventID, r.ReportedOn = e.ID, znb.MustDate("2024-06-12") }, "", 0},
			{"the same loss alone", func(r *store.ClaimReport) { r.Line, r.Cause = znb.Agriculture, "自然灾害" }, "", 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := alone
				tc.edit(&r)
				c, err := db.ReportClaim(ctx, clerk, r)
				if znb.CodeOf(err) != tc.code {
					t.Fatalf("err %v, want %q", err, tc.code)
				}
				if err != nil {
					return
				}
				if len(c.Flags) != tc.flags {
					t.Errorf("flags %v", c.Flags)
				}
				if r.EventID != 0 && c.ReportedOn != e.DeclaredOn {
					t.Errorf("reported on %s, want the declaration day", c.ReportedOn)
				}
			})
		}
		d, err := db.EventDashboard(ctx, clerk, e.ID)
		if err != nil || d.Claims != 1 || d.Households != 1 {
			t.Errorf("the event holds %+v, %v; want the one claim", d, err)
		}
	})
}
