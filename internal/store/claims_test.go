package store_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestReportClaimChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		// An earlier claim for the duplicate case.
		if _, err := db.ReportClaim(ctx, clerk, w.report(znb.Property, "H1", 0, "2024-05-10", "火灾")); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			by    znb.Actor
			edit  func(r *store.ClaimReport)
			code  string
			flags []string
		}{
			{"valid property", clerk, func(r *store.ClaimReport) {}, "", nil},
			{"unknown certificate", clerk, func(r *store.ClaimReport) { r.CertificateNo = "ZNB5226252024001-999999" }, "certificate_not_found", nil},
			{"other insurer's certificate", otherClerk, func(r *store.ClaimReport) {}, "certificate_not_found", nil},
			{"invalid line", clerk, func(r *store.ClaimReport) { r.Line = "fire" }, "invalid_line", nil},
			{"member missing on accident", clerk, func(r *store.ClaimReport) { r.Line, r.Cause = znb.Accident, "意外伤害" }, "member_required", nil},
			{"member on household line", clerk, func(r *store.ClaimReport) { r.MemberIDNumber = idn(claimCounty, pHead1) }, "member_not_expected", nil},
			{"member not on certificate", clerk, func(r *store.ClaimReport) {
				r.Line, r.Cause, r.MemberIDNumber = znb.Accident, "意外伤害", idn(claimCounty, pHead2)
			}, "member_not_insured", nil},
			{"member dead before incident", clerk, func(r *store.ClaimReport) {
				r.CertificateNo, r.Line, r.Cause, r.MemberIDNumber = w.cert["H2"], znb.Accident, "意外伤害", idn(claimCounty, pSon2)
				r.IncidentDate, r.ReportedOn = znb.MustDate("2024-03-02"), znb.MustDate("2024-03-02")
			}, "member_not_insured", nil},
			{"member on the day of death", clerk, func(r *store.ClaimReport) {
				r.CertificateNo, r.Line, r.Cause, r.MemberIDNumber = w.cert["H2"], znb.Accident, "意外伤害", idn(claimCounty, pSon2)
				r.IncidentDate, r.ReportedOn = znb.MustDate("2024-03-01"), znb.MustDate("2024-03-01")
			}, "", nil},
			{"member before cover start", clerk, func(r *store.ClaimReport) {
				r.Line, r.Cause, r.MemberIDNumber = znb.Hospitalization, "意外伤害", idn(claimCounty, pChild1)
				r.IncidentDate, r.ReportedOn = znb.MustDate("2024-03-31"), znb.MustDate("2024-03-31")
			}, "member_not_insured", nil},
			{"member from cover start", clerk, func(r *store.ClaimReport) {
				r.Line, r.Cause, r.MemberIDNumber = znb.Hospitalization, "意外伤害", idn(claimCounty, pChild1)
				r.IncidentDate, r.ReportedOn = znb.MustDate("2024-04-01"), znb.MustDate("2024-04-01")
			}, "", nil},
			{"certificate cancelled", clerk, func(r *store.ClaimReport) {
				r.CertificateNo, r.IncidentDate, r.ReportedOn = w.cert["H4"], znb.MustDate("2024-04-02"), znb.MustDate("2024-04-02")
			}, "member_not_insured", nil},
			{"before cancellation", clerk, func(r *store.ClaimReport) {
				r.CertificateNo, r.IncidentDate, r.ReportedOn = w.cert["H4"], znb.MustDate("2024-03-31"), znb.MustDate("2024-03-31")
			}, "", nil},
			{"cause not covered", clerk, func(r *store.ClaimReport) { r.Cause = "疾病" }, "cause_not_covered", nil},
			{"incident in the future", clerk, func(r *store.ClaimReport) {
				r.IncidentDate, r.ReportedOn = znb.MustDate("2024-06-16"), znb.MustDate("2024-06-15")
			}, "incident_in_future", nil},
			{"reported before incident", clerk, func(r *store.ClaimReport) { r.ReportedOn = znb.MustDate("2024-05-01") }, "reported_before_incident", nil},
			{"duplicate", clerk, func(r *store.ClaimReport) {
				r.IncidentDate, r.ReportedOn, r.Cause = znb.MustDate("2024-05-10"), znb.MustDate("2024-05-12"), "火灾"
			}, "duplicate_claim", nil},
			{"late report", clerk, func(r *store.ClaimReport) {
				r.IncidentDate, r.ReportedOn = znb.MustDate("2024-04-20"), znb.MustDate("2024-04-24")
			}, "", []string{claim.FlagLateReport}},
			{"report on the deadline", clerk, func(r *store.ClaimReport) {
				r.IncidentDate, r.ReportedOn = znb.MustDate("2024-04-21"), znb.MustDate("2024-04-24")
			}, "", nil},
			{"office of the county", znb.Actor{Username: "o", Role: znb.Office, Scope: claimCounty}, func(r *store.ClaimReport) { r.Cause = "地震" }, "", nil},
			{"office of another county", znb.Actor{Username: "o2", Role: znb.Office, Scope: "522626"}, func(r *store.ClaimReport) { r.Cause = "爆炸" }, "certificate_not_found", nil},
			{"auditor", znb.Actor{Username: "a", Role: znb.Auditor, Scope: claimCounty}, func(r *store.ClaimReport) { r.Cause = "爆炸" }, "role_not_allowed", nil},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := w.report(znb.Property, "H1", 0, znb.MustDate("2024-05-11").AddDays(i).String(), "自然灾害")
				tc.edit(&r)
				c, err := db.ReportClaim(ctx, tc.by, r)
				if got := znb.CodeOf(err); got != tc.code {
					t.Fatalf("code %q (%v), want %q", got, err, tc.code)
				}
				if err != nil {
					return
				}
				if c.Status != claim.Reported || len(c.History) != 1 || c.History[0].To != claim.Reported {
					t.Errorf("claim %+v, want reported with one event", *c)
				}
				if fmt.Sprint(c.Flags) != fmt.Sprint(append([]string{}, tc.flags...)) {
					t.Errorf("flags %v, want %v", c.Flags, tc.flags)
				}
			})
		}
	})
}

func TestClaimNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		seen := map[string]bool{}
		re := regexp.MustCompile(`^CLM20240615\d{6}$`)
		for i := 0; i < 5; i++ {
			c, err := db.ReportClaim(ctx, clerk, w.report(znb.Property, "H1", 0, fmt.Sprintf("2024-06-%02d", 1+i), "火灾"))
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("CLM20240615%06d", i+1); c.No != want || !re.MatchString(c.No) || seen[c.No] {
				t.Errorf("claim %d numbered %s, want %s", i, c.No, want)
			}
			seen[c.No] = true
		}
	})
}

// mustReport reports a claim or fails.
func mustReport(t *testing.T, db *store.DB, r store.ClaimReport) *claim.Claim {
	t.Helper()
	c, err := db.ReportClaim(context.Background(), clerk, r)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func amt(s string) decimal.Decimal { return money.MustParse(s) }

func property(structure, decoration, appliances string) claim.PropertyAssessment {
	return claim.PropertyAssessment{StructureLoss: amt(structure), DecorationLoss: amt(decoration), ApplianceLoss: amt(appliances)}
}

func TestClaimWorkflowAndLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		c1 := mustReport(t, db, w.report(znb.Property, "H1", 0, "2024-05-01", "火灾"))

		// First fire: structure 16,000 is capped at its 15,000 sub-limit,
		// decoration 1,000, appliances 500: 16,500 − 200 = 16,300.
		if !t.Run("first fire assessed and approved", func(t *testing.T) {
			if _, err := db.ApproveClaim(ctx, approver, c1.No, ""); znb.CodeOf(err) != "invalid_transition" {
				t.Errorf("approve before assessment: %v, want invalid_transition", err)
			}
			if _, err := db.AssessClaim(ctx, approver, c1.No, property("16000", "1000", "500"), ""); znb.CodeOf(err) != "role_not_allowed" {
				t.Errorf("assess by approver: %v, want role_not_allowed", err)
			}
			a1, err := db.AssessClaim(ctx, adjuster, c1.No, property("16000", "1000", "500"), "查勘完毕")
			if err != nil {
				t.Fatal(err)
			}
			if !a1.Payable.Equal(amt("16300")) || !a1.RemainingBefore.Equal(amt("20000")) || !a1.Remaining.Equal(amt("3700")) {
				t.Errorf("first assessment payable %s before %s after %s, want 16300/20000/3700", a1.Payable, a1.RemainingBefore, a1.Remaining)
			}
			if _, err := db.ApproveClaim(ctx, adjusterAsApprover, c1.No, ""); znb.CodeOf(err) != "same_assessor" {
				t.Errorf("approve by the assessor: %v, want same_assessor", err)
			}
			if _, err := db.ApproveClaim(ctx, otherClerk, c1.No, ""); znb.CodeOf(err) != "not_found" {
				t.Errorf("approve by another insurer: %v, want not_found", err)
			}
			if _, err := db.ApproveClaim(ctx, approver, c1.No, "同意"); err != nil {
				t.Fatal(err)
			}
			if used, _ := db.LimitUsed(ctx, w.agreementID, znb.Property, "H1"); !used.Equal(amt("16300")) {
				t.Errorf("limit used %s, want 16300", used)
			}
		}) {
			return
		}

		// Second fire, assessed while 3,700 remain: 5,000 − 200 = 4,800,
		// capped at 3,700. A third, assessed at the same time, also sees
		// 3,700 left, but approving the second first leaves it nothing.
		if !t.Run("approval refused once the limit is used", func(t *testing.T) {
			c2 := mustReport(t, db, w.report(znb.Property, "H1", 0, "2024-05-20", "火灾"))
			a2, err := db.AssessClaim(ctx, adjuster, c2.No, property("5000", "0", "0"), "")
			if err != nil {
				t.Fatal(err)
			}
			if !a2.Payable.Equal(amt("3700")) || !a2.Remaining.IsZero() {
				t.Errorf("second assessment payable %s remaining %s, want 3700 and 0", a2.Payable, a2.Remaining)
			}
			c3 := mustReport(t, db, w.report(znb.Property, "H1", 0, "2024-05-21", "自然灾害"))
			if _, err := db.AssessClaim(ctx, adjuster, c3.No, property("1200", "0", "0"), ""); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ApproveClaim(ctx, approver, c2.No, ""); err != nil {
				t.Fatal(err)
			}
			reviewIfSignalled(t, db, c3.No) // the household's third claim of the year
			_, err = db.ApproveClaim(ctx, approver2, c3.No, "")
			if znb.CodeOf(err) != "limit_exceeded" || znb.ErrorOf(err).Kind != znb.Conflict {
				t.Fatalf("approve over the limit: %v, want limit_exceeded", err)
			}
			back, err := db.GetClaim(ctx, approver, c3.No)
			if err != nil || back.Status != claim.Assessed || !back.Payable.Equal(amt("1000")) {
				t.Fatalf("refused claim = %+v, %v; want still assessed at 1000", back, err)
			}
			// Re-assessment shows the limit used up; approving a zero payable fits.
			// The form is read for the claim's line: the hospital field is ignored.
			a3, err := db.AssessClaim(ctx, adjuster, c3.No, &claim.Form{StructureLoss: "1200", MedicalExpense: "?"}, "限额已用完")
			if err != nil || !a3.Payable.IsZero() || !a3.RemainingBefore.IsZero() {
				t.Fatalf("re-assessment = %v / %v, %v; want 0 payable, 0 before", a3.Payable, a3.RemainingBefore, err)
			}
			if used, _ := db.LimitUsed(ctx, w.agreementID, znb.Property, "H1"); !used.Equal(amt("20000")) {
				t.Errorf("limit used %s, want 20000", used)
			}
		}) {
			return
		}

		t.Run("payment, history and audit", func(t *testing.T) {
			if _, err := db.PayClaim(ctx, adjuster, c1.No, "P-1", ""); znb.CodeOf(err) != "role_not_allowed" {
				t.Errorf("pay by adjuster: %v, want role_not_allowed", err)
			}
			if _, err := db.PayClaim(ctx, clerk, c1.No, " ", ""); znb.CodeOf(err) != "payment_ref_required" {
				t.Errorf("pay without reference: %v, want payment_ref_required", err)
			}
			paid, err := db.PayClaim(ctx, clerk, c1.No, "BANK-20240620-001", "已转账")
			if err != nil {
				t.Fatal(err)
			}
			if paid.Status != claim.Paid || paid.PaymentRef != "BANK-20240620-001" {
				t.Errorf("paid claim %+v", *paid)
			}
			want := []struct {
				from, to claim.Status
				actor    string
			}{{"", claim.Reported, "clerk"}, {claim.Reported, claim.Assessed, "adjuster"},
				{claim.Assessed, claim.Approved, "approver"}, {claim.Approved, claim.Paid, "clerk"}}
			got, _ := db.GetClaim(ctx, clerk, c1.No)
			if len(got.History) != len(want) {
				t.Fatalf("history %+v, want %d events", got.History, len(want))
			}
			for i, e := range want {
				h := got.History[i]
				if h.From != e.from || h.To != e.to || h.Actor != e.actor || !h.At.Equal(storetest.Now.Truncate(1e6)) {
					t.Errorf("event %d = %+v, want %s → %s by %s", i, h, e.from, e.to, e.actor)
				}
			}
			if got.History[3].Note != "已转账" {
				t.Errorf("payment note %q", got.History[3].Note)
			}
			if broken, _, err := db.VerifyAudit(ctx); err != nil || broken != 0 {
				t.Errorf("audit chain broken at %d, %v", broken, err)
			}
			trail, _ := db.AuditTrail(ctx, "claim:"+c1.No, 10)
			if len(trail) != 4 {
				t.Errorf("audit entries of %s: %d, want 4 (report, assess, approve, pay)", c1.No, len(trail))
			}
		})
	})
}

func TestRejectClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		for i, reason := range claim.Reasons {
			c := mustReport(t, db, w.report(znb.Agriculture, "H2", 0, fmt.Sprintf("2024-05-%02d", i+1), "疫病"))
			if i%2 == 1 { // half are rejected after assessment
				ag := claim.AgricultureAssessment{Items: []claim.AgricultureItem{{Kind: "livestock", Subject: "猪", Quantity: amt("1"), AssessedLoss: amt("900")}}}
				if _, err := db.AssessClaim(ctx, adjuster, c.No, ag, ""); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.RejectClaim(ctx, clerk, c.No, reason, ""); znb.CodeOf(err) != "role_not_allowed" {
				t.Errorf("reject by clerk: %v", err)
			}
			r, err := db.RejectClaim(ctx, approver, c.No, reason, "")
			if err != nil {
				t.Fatalf("reject %s: %v", reason, err)
			}
			if r.Status != claim.Rejected || r.Reason != reason || r.History[len(r.History)-1].Note != reason.Name() {
				t.Errorf("rejected %s: %+v", reason, *r)
			}
			if _, err := db.ApproveClaim(ctx, approver, c.No, ""); znb.CodeOf(err) != "invalid_transition" {
				t.Errorf("approve after rejection: %v, want invalid_transition", err)
			}
		}
		c := mustReport(t, db, w.report(znb.Agriculture, "H2", 0, "2024-06-01", "火灾"))
		if _, err := db.RejectClaim(ctx, approver, c.No, "because", ""); znb.CodeOf(err) != "invalid_reason" {
			t.Errorf("unknown reason: %v, want invalid_reason", err)
		}
		// A rejected loss may be reported again, flagged for the approver.
		again, err := db.ReportClaim(ctx, clerk, w.report(znb.Agriculture, "H2", 0, "2024-05-01", "疫病"))
		if err != nil || fmt.Sprint(again.Flags) != "[previously_rejected]" {
			t.Errorf("report after rejection: %v, %v; want flag previously_rejected", again, err)
		}
	})
}

func TestClaimScopeAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		c1 := mustReport(t, db, w.report(znb.Property, "H1", 0, "2024-06-01", "火灾"))
		mustReport(t, db, w.report(znb.Accident, "H2", pHead2, "2024-06-02", "意外伤害"))
		mustReport(t, db, w.report(znb.Property, "H2", 0, "2024-06-03", "地震"))
		for _, by := range []znb.Actor{otherClerk, {Username: "o2", Role: znb.Office, Scope: "522626"}} {
			if _, err := db.GetClaim(ctx, by, c1.No); znb.CodeOf(err) != "not_found" {
				t.Errorf("%s reads another's claim: %v, want not_found", by.Username, err)
			}
			if cs, n, err := db.ListClaims(ctx, by, store.ClaimQuery{}); err != nil || n != 0 || len(cs) != 0 {
				t.Errorf("%s lists %d claims, %v; want none", by.Username, n, err)
			}
		}
		auditor := znb.Actor{Username: "aud", Role: znb.Auditor, Scope: "5226"}
		for _, tc := range []struct {
			q     store.ClaimQuery
			total int64
			page  int
		}{
			{store.ClaimQuery{}, 3, 3},
			{store.ClaimQuery{Line: znb.Property}, 2, 2},
			{store.ClaimQuery{Status: claim.Reported, Village: claimCounty + "101001"}, 3, 3},
			{store.ClaimQuery{Village: "青山村", From: znb.MustDate("2024-06-02"), To: znb.MustDate("2024-06-02")}, 1, 1},
			{store.ClaimQuery{Status: claim.Paid}, 0, 0},
			{store.ClaimQuery{Page: 2, PageSize: 2}, 3, 1},
		} {
			cs, n, err := db.ListClaims(ctx, auditor, tc.q)
			if err != nil || n != tc.total || len(cs) != tc.page {
				t.Errorf("list %+v: %d on page of %d total, %v; want %d of %d", tc.q, len(cs), n, err, tc.page, tc.total)
			}
		}
	})
}

// TestConcurrentApprovals races 50 approvals of property claims of one
// household against its 20,000 limit: each payable is 1,800 (2,000 less
// the 200 deductible), so exactly 11 fit (19,800) and 39 must be refused
// with limit_exceeded.
func TestConcurrentApprovals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		const n = 50
		causes := []string{"火灾", "爆炸", "地震", "自然灾害"}
		nos := make([]string, n)
		for i := range nos {
			day := znb.MustDate("2024-01-01").AddDays(i / len(causes))
			c := mustReport(t, db, w.report(znb.Property, "H1", 0, day.String(), causes[i%len(causes)]))
			if _, err := db.AssessClaim(ctx, adjuster, c.No, property("2000", "0", "0"), ""); err != nil {
				t.Fatal(err)
			}
			reviewIfSignalled(t, db, c.No) // early in the year, many of one household, clustered
			nos[i] = c.No
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range nos {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				by := znb.Actor{ID: int64(1000 + i), Username: fmt.Sprintf("approver-%d", i), Role: znb.Approver, Scope: "PICC-ZY"}
				_, errs[i] = db.ApproveClaim(ctx, by, nos[i], "")
			}(i)
		}
		wg.Wait()
		approved, total := 0, decimal.Zero
		for i, err := range errs {
			c, gerr := db.GetClaim(ctx, approver, nos[i])
			if gerr != nil {
				t.Fatal(gerr)
			}
			switch {
			case err == nil:
				approved++
				total = total.Add(c.Payable)
				if c.Status != claim.Approved {
					t.Errorf("%s approved but %s", c.No, c.Status)
				}
			case znb.CodeOf(err) == "limit_exceeded":
				if c.Status != claim.Assessed {
					t.Errorf("%s refused but %s", c.No, c.Status)
				}
			default:
				t.Errorf("approval %d: %v, want nil or limit_exceeded", i, err)
			}
		}
		if approved != 11 || !total.Equal(amt("19800")) {
			t.Errorf("approved %d claims for %s, want 11 for 19800.00", approved, total)
		}
		if used, _ := db.LimitUsed(ctx, w.agreementID, znb.Property, "H1"); !used.Equal(total) {
			t.Errorf("limit row says %s used, approved claims total %s", used, total)
		}
	})
}

// Reports arriving together, each twice: one of each pair is stored and the
// other refused as a duplicate, whether or not they shared a commit.
func TestConcurrentReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		const losses = 20
		errs := make([]error, 2*losses)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				h := []string{"H1", "H2"}[i/2%2]
				_, errs[i] = db.ReportClaim(ctx, clerk, w.report(znb.Property, h, 0, fmt.Sprintf("2024-06-%02d", 1+i/4), "火灾"))
			}()
		}
		close(start)
		wg.Wait()
		for p := 0; p < losses; p++ {
			a, b := errs[2*p], errs[2*p+1]
			ok, dup := a, b
			if a != nil {
				ok, dup = b, a
			}
			if ok != nil || znb.CodeOf(dup) != "duplicate_claim" {
				t.Errorf("loss %d: %v and %v, want one stored and one duplicate_claim", p, a, b)
			}
		}
		cs, total, err := db.ListClaims(ctx, clerk, store.ClaimQuery{PageSize: 500})
		if err != nil || total != losses || len(cs) != losses {
			t.Fatalf("stored %d (%d listed), %v; want %d", total, len(cs), err, losses)
		}
		nos := map[string]bool{}
		for _, c := range cs {
			if nos[c.No] {
				t.Errorf("claim number %s twice", c.No)
			}
			nos[c.No] = true
			got, err := db.GetClaim(ctx, clerk, c.No)
			if err != nil || len(got.History) != 1 {
				t.Errorf("claim %s: %v, history %v", c.No, err, got)
			}
		}
	})
}
