package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// fraudCounty is a fixture county of households, each planted for one fraud
// signal or for its near miss. Village 1 holds most of them; village 2 five
// agriculture claims within three days (a cluster), village 3 five spread
// over five days (the near miss).
type fraudCounty struct {
	cert   map[string]string // household → certificate
	person map[string]int    // "E1" head, "D1m" member → idn sequence
}

const (
	fv1 = claimCounty + "101001"
	fv2 = claimCounty + "101002"
	fv3 = claimCounty + "101003"
)

// fraudList is the county's list: in the second version (2024-05-01) L1 and
// L2 are gone and D1's and D2's members are recorded dead, and this version
// is not yet applied to the certificates.
func fraudList(second bool, f *fraudCounty) string {
	var b strings.Builder
	seq := 0
	add := func(h, village, name, rel, status, date string) {
		seq++
		key := h
		if rel != "户主" {
			key = h + "m"
		}
		f.person[key] = seq
		fmt.Fprintf(&b, "%s,%s,村,已脱贫户,%s,%s,%s,%s,%s\n", h, village, name, idn(claimCounty, seq), rel, status, date)
	}
	for _, h := range []string{"E1", "E2", "F1", "S1", "S2", "S3", "O1", "O2", "L1", "L2", "D1", "D2"} {
		gone := second && (h == "L1" || h == "L2")
		if gone {
			seq++ // keep the sequence numbers of the first version
			continue
		}
		add(h, fv1, "户主"+h, "户主", "正常", "")
		switch {
		case h == "D1" && second:
			add(h, fv1, "成员"+h, "子", "死亡", "2024-05-01")
		case h == "D2" && second:
			add(h, fv1, "成员"+h, "子", "死亡", "2024-05-20")
		case h == "D1" || h == "D2":
			add(h, fv1, "成员"+h, "子", "正常", "")
		}
	}
	for i := 1; i <= 5; i++ {
		add(fmt.Sprintf("C%d", i), fv2, "户主", "户主", "正常", "")
	}
	for i := 1; i <= 5; i++ {
		add(fmt.Sprintf("N%d", i), fv3, "户主", "户主", "正常", "")
	}
	return b.String()
}

func newFraudCounty(t *testing.T, db *store.DB) *fraudCounty {
	t.Helper()
	ctx := context.Background()
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
	a := storetest.ActiveAgreement(t, db, office, claimAgreement("znb-standard"))
	f := &fraudCounty{cert: map[string]string{}, person: map[string]int{}}
	p := storetest.WriteFile(t, "list1.csv", header+fraudList(false, f))
	storetest.ImportAndIssue(t, db, office, a.ID, p, store.ImportOptions{County: claimCounty, Effective: znb.MustDate("2024-01-01")})
	p = storetest.WriteFile(t, "list2.csv", header+fraudList(true, &fraudCounty{person: map[string]int{}}))
	if _, err := db.ImportList(ctx, office, storetest.File(t, p), store.ImportOptions{County: claimCounty, Effective: znb.MustDate("2024-05-01")}); err != nil {
		t.Fatal(err)
	}
	for h := range f.person {
		if strings.HasSuffix(h, "m") {
			continue
		}
		cs, err := db.FindCertificates(ctx, znb.System, h, "")
		if err != nil || len(cs) != 1 {
			t.Fatalf("certificate of %s: %v, %v", h, cs, err)
		}
		f.cert[h] = cs[0].No
	}
	return f
}

// report reports a claim of household h (of person p on per-person lines).
func (f *fraudCounty) report(t *testing.T, db *store.DB, line znb.Line, h, p, incident, cause string) *claim.Claim {
	t.Helper()
	r := store.ClaimReport{CertificateNo: f.cert[h], Line: line, IncidentDate: znb.MustDate(incident),
		ReportedOn: znb.MustDate(incident), Cause: cause, Description: "测试"}
	if p != "" {
		r.MemberIDNumber = idn(claimCounty, f.person[p])
	}
	return mustReport(t, db, r)
}

func codes(c *claim.Claim) []oversight.Code {
	out := []oversight.Code{}
	for _, s := range c.Signals {
		out = append(out, s.Code)
		if s.Reason == "" {
			panic("signal without its reason on " + c.No)
		}
	}
	return out
}

func wantSignals(t *testing.T, what string, c *claim.Claim, want ...oversight.Code) {
	t.Helper()
	if want == nil {
		want = []oversight.Code{}
	}
	if got := codes(c); !reflect.DeepEqual(got, want) {
		t.Errorf("%s (%s): signals %v, want %v", what, c.No, c.Signals, want)
	}
}

func agriculture(loss string) claim.AgricultureAssessment {
	return claim.AgricultureAssessment{Items: []claim.AgricultureItem{{Kind: "livestock", Subject: "生猪", Quantity: amt("1"), AssessedLoss: amt(loss)}}}
}

func stay(from, to string) claim.HospitalizationAssessment {
	return claim.HospitalizationAssessment{MedicalExpense: amt("3000"), AdmittedOn: znb.MustDate(from), DischargedOn: znb.MustDate(to)}
}

func TestPlantedFraud(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFraudCounty(t, db)
		assess := func(t *testing.T, c *claim.Claim, facts claim.Facts) *claim.Claim {
			t.Helper()
			a, err := db.AssessClaim(ctx, adjuster, c.No, facts, "")
			if err != nil {
				t.Fatalf("assess %s: %v", c.No, err)
			}
			return a
		}
		docs := t.TempDir()
		attach := func(t *testing.T, c *claim.Claim, body string) {
			t.Helper()
			if _, err := db.AddClaimDocument(ctx, clerk, c.No, docs, store.DocumentUpload{Kind: claim.OtherDocument,
				FileName: "invoice.pdf", Body: strings.NewReader("%PDF-1.4\n" + body), MaxBytes: 1 << 20}); err != nil {
				t.Fatal(err)
			}
		}

		// Each step plants one signal and its near misses; the reads at the
		// end see every claim planted.
		step := func(name string, fn func(t *testing.T)) {
			if !t.Run(name, fn) {
				t.FailNow()
			}
		}
		var e1, e2, f1, f2, f3, d1, l1, s1, s2, s3, o1a, o1b, o2a, o2b, sa *claim.Claim
		var cs []*claim.Claim
		step("early_claim", func(t *testing.T) {
			// early_claim: the cover of every household started 2024-01-01
			e1 = f.report(t, db, znb.Property, "E1", "", "2024-01-30", "火灾")
			e2 = f.report(t, db, znb.Property, "E2", "", "2024-01-31", "火灾")
			wantSignals(t, "incident on day 30", e1, oversight.EarlyClaim)
			wantSignals(t, "incident on day 31", e2)

		})
		step("frequent", func(t *testing.T) {
			// frequent: F1's third claim of the year, of any line
			f1 = f.report(t, db, znb.Property, "F1", "", "2024-02-10", "火灾")
			f2 = f.report(t, db, znb.Agriculture, "F1", "", "2024-03-10", "火灾")
			f3 = f.report(t, db, znb.Property, "F1", "", "2024-04-10", "自然灾害")
			wantSignals(t, "first claim", f1)
			wantSignals(t, "second claim", f2)
			wantSignals(t, "third claim", f3, oversight.Frequent)

		})
		step("after_death", func(t *testing.T) {
			// after_death: the newer list (not yet applied to the
			// certificates) records D1's member dead on 2024-05-01, D2's on
			// 2024-05-20, and L1 and L2 gone from 2024-05-01
			d1 = f.report(t, db, znb.Accident, "D1", "D1m", "2024-05-10", "意外伤害")
			d2 := f.report(t, db, znb.Accident, "D2", "D2m", "2024-05-20", "意外伤害")
			l1 = f.report(t, db, znb.Property, "L1", "", "2024-05-15", "火灾")
			l2 := f.report(t, db, znb.Property, "L2", "", "2024-04-30", "火灾")
			wantSignals(t, "incident after death", d1, oversight.AfterDeath)
			wantSignals(t, "incident on the day of death", d2)
			wantSignals(t, "incident after leaving the list", l1, oversight.AfterDeath)
			wantSignals(t, "incident before leaving the list", l2)

		})
		step("shared_document", func(t *testing.T) {
			// shared_document: S2 sends the invoice S1 sent; S3 another one
			s1 = f.report(t, db, znb.Property, "S1", "", "2024-02-20", "火灾")
			s2 = f.report(t, db, znb.Property, "S2", "", "2024-02-25", "火灾")
			s3 = f.report(t, db, znb.Property, "S3", "", "2024-03-05", "火灾")
			attach(t, s1, "发票 0001")
			attach(t, s2, "发票 0001")
			attach(t, s3, "发票 0002")
			wantSignals(t, "copied document", assess(t, s2, property("1000", "0", "0")), oversight.SharedDocument)
			wantSignals(t, "own document", assess(t, s3, property("1000", "0", "0")))
			wantSignals(t, "document copied from", assess(t, s1, property("1000", "0", "0")), oversight.SharedDocument)

		})
		step("cluster", func(t *testing.T) {
			// cluster: five agriculture claims in village 2 within three days;
			// the fifth is signalled on report, the first on assessment
			for i, day := range []string{"2024-03-01", "2024-03-02", "2024-03-02", "2024-03-03", "2024-03-03"} {
				cs = append(cs, f.report(t, db, znb.Agriculture, fmt.Sprintf("C%d", i+1), "", day, "疫病"))
			}
			wantSignals(t, "fourth of a cluster on report", cs[3])
			wantSignals(t, "fifth of a cluster", cs[4], oversight.Cluster)
			wantSignals(t, "first of a cluster, assessed", assess(t, cs[0], agriculture("2000")), oversight.Cluster)
			var ns []*claim.Claim
			for i, day := range []string{"2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04", "2024-03-05"} {
				ns = append(ns, f.report(t, db, znb.Agriculture, fmt.Sprintf("N%d", i+1), "", day, "疫病"))
			}
			for _, n := range ns {
				wantSignals(t, "five over five days", n)
			}
			wantSignals(t, "five over five days, assessed", assess(t, ns[2], agriculture("2000")))

		})
		step("overlap", func(t *testing.T) {
			// overlap: O1's two hospital stays overlap, O2's follow each other
			o1a = f.report(t, db, znb.Hospitalization, "O1", "O1", "2024-02-01", "意外伤害")
			o1b = f.report(t, db, znb.Hospitalization, "O1", "O1", "2024-02-08", "意外伤害")
			o2a = f.report(t, db, znb.Hospitalization, "O2", "O2", "2024-02-01", "意外伤害")
			o2b = f.report(t, db, znb.Hospitalization, "O2", "O2", "2024-02-11", "意外伤害")
			wantSignals(t, "stay overlapping", assess(t, o1a, stay("2024-02-01", "2024-02-10")), oversight.Overlap)
			wantSignals(t, "stay overlapped", assess(t, o1b, stay("2024-02-08", "2024-02-12")), oversight.Overlap)
			wantSignals(t, "stay before", assess(t, o2a, stay("2024-02-01", "2024-02-10")))
			wantSignals(t, "stay after", assess(t, o2b, stay("2024-02-11", "2024-02-15")))

		})
		step("shared_account", func(t *testing.T) {
			// shared_account: S3 and O2 are paid into one account, E2 into
			// its own
			if _, err := db.LoadAccounts(ctx, countyOffice, claimCounty, storetest.File(t, storetest.WriteFile(t, "acc.csv",
				"户编号,户名,账号,开户行\nS3,户主S3,6222021234567894,镇远农商行\nO2,户主O2,6222021234567894,镇远农商行\nE2,户主E2,12345678901234,镇远农商行\n"))); err != nil {
				t.Fatal(err)
			}
			sa = f.report(t, db, znb.Property, "S3", "", "2024-06-01", "火灾")
			wantSignals(t, "account shared", sa, oversight.SharedAccount)
			wantSignals(t, "own account", f.report(t, db, znb.Property, "E2", "", "2024-06-02", "火灾"))

		})
		step("cluster under an event", func(t *testing.T) {
			// cluster under a declared event: the same five claims in three
			// days as above, in a village and days an event of their cause
			// covers
			if _, err := db.DeclareEvent(ctx, countyOffice, disaster.Declaration{Name: "6月疫病", Cause: "疫病",
				First: znb.MustDate("2024-06-05"), Last: znb.MustDate("2024-06-07"), Regions: []string{fv2}}); err != nil {
				t.Fatal(err)
			}
			for i, day := range []string{"2024-06-05", "2024-06-06", "2024-06-06", "2024-06-07", "2024-06-07"} {
				wantSignals(t, "cluster an event covers", f.report(t, db, znb.Agriculture, fmt.Sprintf("C%d", i+1), "", day, "疫病"))
			}

		})
		step("stored", func(t *testing.T) {
			// What is stored is what was reported: read back with reasons.
			got, err := db.GetClaim(ctx, clerk, f3.No)
			if err != nil || len(got.Signals) != 1 || !strings.Contains(got.Signals[0].Reason, "第 3 次") {
				t.Fatalf("stored signals of %s: %+v, %v", f3.No, got, err)
			}
		})

		t.Run("list by signal", func(t *testing.T) {
			for code, want := range map[oversight.Code][]string{
				oversight.EarlyClaim:     {e1.No},
				oversight.Frequent:       {f3.No},
				oversight.AfterDeath:     {d1.No, l1.No},
				oversight.SharedDocument: {s1.No, s2.No},
				oversight.Overlap:        {o1a.No, o1b.No},
				oversight.SharedAccount:  {sa.No},
			} {
				list, total, err := db.ListClaims(ctx, clerk, store.ClaimQuery{Signal: code})
				if err != nil {
					t.Fatal(err)
				}
				var nos []string
				for _, c := range list {
					nos = append(nos, c.No)
				}
				if total != int64(len(want)) || !sameSet(nos, want) {
					t.Errorf("signal=%s: %v (total %d), want %v", code, nos, total, want)
				}
			}
			if _, _, err := db.ListClaims(ctx, clerk, store.ClaimQuery{Signal: "fraud"}); znb.CodeOf(err) != "invalid_signal" {
				t.Errorf("unknown signal: %v", err)
			}
		})

		t.Run("a signalled claim needs a second approver's review", func(t *testing.T) {
			a1 := assess(t, e1, property("1000", "0", "0"))
			wantSignals(t, "early claim assessed", a1, oversight.EarlyClaim)
			queued := func() bool {
				q, _, err := db.ListClaims(ctx, approver, store.ClaimQuery{Queue: true, PageSize: 500})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range q {
					if c.No == e1.No {
						return true
					}
					if len(c.Signals) == 0 || (c.Status != claim.Reported && c.Status != claim.Assessed) {
						t.Errorf("queue holds %s: status %s, signals %v", c.No, c.Status, c.Signals)
					}
				}
				return false
			}
			if !queued() {
				t.Fatal("signalled claim not in the review queue")
			}
			if _, err := db.ApproveClaim(ctx, approver, e1.No, ""); znb.CodeOf(err) != "review_required" {
				t.Fatalf("approve without review: %v, want review_required", err)
			}
			if _, err := db.ReviewClaim(ctx, adjusterAsApprover, e1.No, "我看过了"); znb.CodeOf(err) != "reviewer_is_assessor" {
				t.Fatalf("review by the assessor: %v, want reviewer_is_assessor", err)
			}
			if _, err := db.ReviewClaim(ctx, adjuster, e1.No, "x"); znb.CodeOf(err) != "role_not_allowed" {
				t.Fatalf("review by an adjuster: %v", err)
			}
			if _, err := db.ReviewClaim(ctx, approver2, e2.No, "x"); znb.CodeOf(err) != "not_signalled" {
				t.Fatalf("review of an unsignalled claim: %v", err)
			}
			if _, err := db.ApproveClaim(ctx, adjusterAsApprover, e1.No, ""); znb.CodeOf(err) != "same_assessor" {
				t.Fatalf("approve by the assessor: %v", err)
			}
			r, err := db.ReviewClaim(ctx, approver2, e1.No, "已电话核实村委会：火灾属实，起火时间有村民证实")
			if err != nil || len(r.Reviews) != 1 || r.Reviews[0].Reviewer != "approver2" {
				t.Fatalf("review: %+v, %v", r, err)
			}
			if queued() {
				t.Fatal("reviewed claim still in the queue")
			}
			// a re-assessment computes the signals again: the review
			// before it no longer counts
			clock := db.Now
			db.Now = func() time.Time { return clock().Add(time.Minute) }
			defer func() { db.Now = clock }()
			assess(t, e1, property("1200", "0", "0"))
			if _, err := db.ApproveClaim(ctx, approver, e1.No, ""); znb.CodeOf(err) != "review_required" {
				t.Fatalf("approve after re-assessment: %v, want review_required", err)
			}
			if !queued() {
				t.Fatal("re-assessed claim not back in the queue")
			}
			db.Now = func() time.Time { return clock().Add(2 * time.Minute) }
			if _, err := db.ReviewClaim(ctx, approver2, e1.No, "重新理算后复核：金额与查勘一致"); err != nil {
				t.Fatal(err)
			}
			ok, err := db.ApproveClaim(ctx, approver, e1.No, "")
			if err != nil || ok.Status != claim.Approved {
				t.Fatalf("approve after review: %v", err)
			}
			// an unsignalled claim needs no review
			assess(t, e2, property("1000", "0", "0"))
			if _, err := db.ApproveClaim(ctx, approver, e2.No, ""); err != nil {
				t.Fatalf("approve unsignalled: %v", err)
			}
		})
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// reviewIfSignalled writes a second approver's review note on the claim when
// it carries a fraud signal, as a reviewer working the queue would before
// its approval: tests of other rules approve claims that the signals catch
// too (many claims of one household, early in the cover year).
func reviewIfSignalled(t *testing.T, db *store.DB, no string) {
	t.Helper()
	_, err := db.ReviewClaim(context.Background(), approver2, no, "复核：已核实")
	if err != nil && znb.CodeOf(err) != "not_signalled" {
		t.Fatalf("review of %s: %v", no, err)
	}
}

// Reports that queue together are checked together, and each sees those
// before it in the group as stored claims, as one at a time: a household's
// third claim is frequent, the fifth of a village's claims in three days a
// cluster, a second report of one loss refused as its duplicate with the
// first one's number, an incident after the member's death signalled, and
// a report refused in the group leaves the others stored.
func TestReportGroupSeesEarlier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFraudCounty(t, db)
		type report struct {
			line                  znb.Line
			h, p, incident, cause string
		}
		reports := []report{
			{znb.Property, "F1", "", "2024-02-10", "火灾"},
			{znb.Agriculture, "F1", "", "2024-03-10", "火灾"},
			{znb.Property, "F1", "", "2024-02-10", "火灾"}, // the first one again
			{znb.Property, "F1", "", "2024-04-10", "自然灾害"},
			{znb.Agriculture, "C1", "", "2024-03-01", "疫病"},
			{znb.Agriculture, "C2", "", "2024-03-02", "疫病"},
			{znb.Agriculture, "C3", "", "2024-03-02", "疫病"},
			{znb.Agriculture, "C4", "", "2024-03-03", "疫病"},
			{znb.Agriculture, "C5", "", "2024-03-03", "疫病"},
			{znb.Accident, "D1", "D1m", "2024-05-10", "意外伤害"},
			{znb.Property, "E2", "", "2024-01-31", "火灾"},
		}
		got := make([]*claim.Claim, len(reports))
		errs := make([]error, len(reports))
		release := db.HoldReports()
		var wg sync.WaitGroup
		for i, r := range reports {
			in := store.ClaimReport{CertificateNo: f.cert[r.h], Line: r.line, IncidentDate: znb.MustDate(r.incident),
				ReportedOn: znb.MustDate(r.incident), Cause: r.cause, Description: "测试"}
			if r.p != "" {
				in.MemberIDNumber = idn(claimCounty, f.person[r.p])
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = db.ReportClaim(ctx, clerk, in)
			}()
			for db.QueuedReports() < i+1 { // queued in this order
				time.Sleep(time.Millisecond)
			}
		}
		release()
		wg.Wait()
		for i, err := range errs {
			if i != 2 && err != nil {
				t.Fatalf("report %d: %v", i, err)
			}
		}
		var ze *znb.Error
		if !errors.As(errs[2], &ze) || ze.Code != "duplicate_claim" || !reflect.DeepEqual(ze.Details, map[string]string{"claim_no": got[0].No}) {
			t.Errorf("the same loss again in the group: %v, want duplicate_claim of %s", errs[2], got[0].No)
		}
		wantSignals(t, "first claim", got[0])
		wantSignals(t, "second claim", got[1])
		wantSignals(t, "third claim, in the same group", got[3], oversight.Frequent)
		wantSignals(t, "fourth of a cluster", got[7])
		wantSignals(t, "fifth of a cluster, in the same group", got[8], oversight.Cluster)
		wantSignals(t, "incident after death", got[9], oversight.AfterDeath)
		wantSignals(t, "incident on day 31", got[10])
		cs, total, err := db.ListClaims(ctx, clerk, store.ClaimQuery{PageSize: 500})
		if err != nil || total != int64(len(reports)-1) {
			t.Fatalf("stored %d, %v; want %d", total, err, len(reports)-1)
		}
		for _, c := range cs {
			stored, err := db.GetClaim(ctx, clerk, c.No)
			if err != nil || len(stored.History) != 1 {
				t.Errorf("claim %s: %v, history %v", c.No, err, stored)
			}
		}
	})
}
