package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// plantPaid writes n claims of insurer paid on days of May 2024 (and one
// paid on 1 June, outside the month), straight into the tables: the sample
// reads only what a payment leaves behind.
func plantPaid(t *testing.T, db *store.DB, insurer string, n int) {
	t.Helper()
	g := db.Gorm(context.Background())
	may := time.Date(2024, 5, 1, 0, 0, 0, 0, znb.CST)
	for i := 0; i <= n; i++ {
		paidAt := may.Add(time.Duration(i%31) * 24 * time.Hour)
		if i == n {
			paidAt = time.Date(2024, 6, 1, 0, 0, 0, 0, znb.CST) // next month
		}
		no := fmt.Sprintf("CLM%s%06d", strings.ReplaceAll(insurer, "-", ""), i)
		if err := g.Exec(`INSERT INTO claims (claim_no, certificate_no, agreement_id, insurer, household_no, region_code,
			line, subject, incident_date, reported_on, cause, status, payable, created_at, updated_at)
			VALUES (?, 'X', 1, ?, ?, '522625101001', 'property', ?, '2024-04-01', '2024-04-01', '火灾', 'paid', ?, 0, 0)`,
			no, insurer, "H"+no, "H"+no, decimal.NewFromInt(int64(100+i))).Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Exec(`INSERT INTO claim_events (claim_id, at_ms, actor, role, from_status, to_status)
			SELECT id, ?, 'clerk', 'insurer_clerk', 'approved', 'paid' FROM claims WHERE claim_no = ?`, paidAt.UnixMilli(), no).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func TestSampling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		office := znb.Actor{ID: 9, Username: "office", Role: znb.Office, Scope: claimCounty}
		seed := uint64(20240601)
		for _, tc := range []struct{ paid, want int }{{0, 0}, {1, 1}, {19, 1}, {20, 1}, {1000, 50}} {
			insurer := fmt.Sprintf("INS-%d", tc.paid)
			plantPaid(t, db, insurer, tc.paid)
			t.Run(fmt.Sprintf("%d paid", tc.paid), func(t *testing.T) {
				s, err := db.DrawSample(ctx, office, store.SampleRequest{Insurer: insurer, Month: "2024-05", Seed: &seed})
				if err != nil {
					t.Fatal(err)
				}
				if s.Population != tc.paid || len(s.Items) != tc.want || s.Seed != seed || !s.Rate.Equal(oversight.DefaultRate) {
					t.Fatalf("population %d, sampled %d, seed %d, rate %s; want %d, %d", s.Population, len(s.Items), s.Seed, s.Rate, tc.paid, tc.want)
				}
				ok, err := db.Redraw(ctx, office, s.ID)
				if err != nil || !ok {
					t.Fatalf("redraw from the recorded seed: %v, %v", ok, err)
				}
				// a month is sampled once: asking again, even with
				// another seed, gives the recorded sample
				other := seed + 1
				again, err := db.DrawSample(ctx, office, store.SampleRequest{Insurer: insurer, Month: "2024-05", Seed: &other})
				if err != nil || again.ID != s.ID || !reflect.DeepEqual(again.Items, s.Items) {
					t.Fatalf("second draw: %+v, %v", again, err)
				}
			})
		}

		t.Run("same seed same sample, other seed other sample", func(t *testing.T) {
			whole, err := db.DrawSample(ctx, office, store.SampleRequest{Insurer: "INS-1000", Month: "2024-05", Seed: &seed})
			if err != nil {
				t.Fatal(err)
			}
			// the same claims under a narrower region prefix: same seed, same sample
			same, err := db.DrawSample(ctx, office, store.SampleRequest{Insurer: "INS-1000", Region: claimCounty + "101", Month: "2024-05", Seed: &seed})
			if err != nil {
				t.Fatal(err)
			}
			if same.ID == whole.ID || !reflect.DeepEqual(nosOf(same), nosOf(whole)) {
				t.Fatalf("same seed over the same claims gave another sample")
			}
			other := seed + 1
			diff, err := db.DrawSample(ctx, office, store.SampleRequest{Insurer: "INS-1000", Region: claimCounty + "101001", Month: "2024-05", Seed: &other})
			if err != nil {
				t.Fatal(err)
			}
			if reflect.DeepEqual(nosOf(diff), nosOf(whole)) {
				t.Fatal("another seed gave the same sample")
			}
		})

		t.Run("refusals", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				by   znb.Actor
				req  store.SampleRequest
				code string
			}{
				{"month not over", office, store.SampleRequest{Insurer: "INS-1", Month: "2024-06"}, "month_not_over"},
				{"bad month", office, store.SampleRequest{Insurer: "INS-1", Month: "2024-5"}, "invalid_month"},
				{"bad rate", office, store.SampleRequest{Insurer: "INS-1", Month: "2024-04", Rate: decimal.NewFromInt(101)}, "invalid_rate"},
				{"no insurer", office, store.SampleRequest{Month: "2024-04"}, "insurer_required"},
				{"other county", office, store.SampleRequest{Insurer: "INS-1", Region: "522626", Month: "2024-04"}, "not_found"},
				{"other insurer", approver, store.SampleRequest{Insurer: "INS-1", Month: "2024-04"}, "not_found"},
				{"auditor", znb.Actor{Username: "aud", Role: znb.Auditor, Scope: claimCounty}, store.SampleRequest{Insurer: "INS-1", Month: "2024-04"}, "forbidden"},
			} {
				if _, err := db.DrawSample(ctx, tc.by, tc.req); znb.CodeOf(err) != tc.code {
					t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
				}
			}
		})

		t.Run("outcomes and the report", func(t *testing.T) {
			s, err := db.DrawSample(ctx, office, store.SampleRequest{Insurer: "INS-20", Month: "2024-05", Seed: &seed, Rate: decimal.NewFromInt(10)})
			if err != nil || len(s.Items) != 1 { // already drawn at 5%: one claim
				t.Fatalf("sample: %+v, %v", s, err)
			}
			s2, err := db.DrawSample(ctx, office, store.SampleRequest{Insurer: "INS-19", Region: claimCounty + "101", Month: "2024-05", Seed: &seed, Rate: decimal.NewFromInt(10)})
			if err != nil {
				t.Fatal(err)
			}
			if len(s2.Items) != 2 {
				t.Fatalf("10%% of 19: %d, want 2", len(s2.Items))
			}
			first, second := s2.Items[0], s2.Items[1]
			if _, err := db.RecordSampleOutcome(ctx, office, s2.ID, first.ClaimNo, oversight.Confirmed, decimal.Zero, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecordSampleOutcome(ctx, office, s2.ID, second.ClaimNo, oversight.Recovered, second.Paid.Add(decimal.NewFromInt(1)), "多报"); znb.CodeOf(err) != "invalid_recovered_amount" {
				t.Fatalf("recover more than paid: %v", err)
			}
			if _, err := db.RecordSampleOutcome(ctx, office, s2.ID, second.ClaimNo, oversight.Recovered, decimal.NewFromInt(40), "家电损失重复申报"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecordSampleOutcome(ctx, office, s2.ID, second.ClaimNo, oversight.Confirmed, decimal.Zero, ""); znb.CodeOf(err) != "already_reviewed" {
				t.Fatalf("second finding: %v", err)
			}
			if _, err := db.RecordSampleOutcome(ctx, office, s2.ID, "CLMNOSUCH", oversight.Confirmed, decimal.Zero, ""); znb.CodeOf(err) != "not_found" {
				t.Fatalf("claim not in the sample: %v", err)
			}
			rep, err := db.SampleReport(ctx, office, store.SampleQuery{Month: "2024-05", Insurer: "INS-19"})
			if err != nil || len(rep) != 1 {
				t.Fatalf("report: %+v, %v", rep, err)
			}
			r := rep[0]
			if r.Sampled != 1+2 || r.Population != 19+19 || r.Pending != 1 || r.Confirmed != 1 || r.Recovered != 1 || !r.RecoveredAmount.Equal(decimal.NewFromInt(40)) {
				t.Fatalf("report %+v", r)
			}
			trail, err := db.AuditTrail(ctx, "claim:"+second.ClaimNo, 5)
			if err != nil || len(trail) == 0 || trail[0].Action != "sample.review" {
				t.Fatalf("audit of the finding: %+v, %v", trail, err)
			}
		})
	})
}

func nosOf(s *store.Sample) []string {
	out := make([]string, len(s.Items))
	for i, it := range s.Items {
		out[i] = it.ClaimNo
	}
	return out
}

func TestExclusionList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		office := znb.Actor{ID: 9, Username: "office", Role: znb.Office, Scope: claimCounty}
		add := func(person int, until string) *oversight.Exclusion {
			t.Helper()
			e, err := db.AddExclusion(ctx, office, oversight.ExclusionInput{IDNumber: idn(claimCounty, person), Name: "某人",
				Reason: "抽查发现虚构事故骗取赔款", Source: oversight.FromSampling, SourceRef: "CLM20240501000001", Until: znb.MustDate(until)})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		report := func(line znb.Line, h string, person int, day string) error {
			cause := "火灾"
			if line.PerPerson() {
				cause = "意外伤害"
			}
			_, err := db.ReportClaim(ctx, clerk, w.report(line, h, person, day, cause))
			return err
		}

		spouse := add(pSpouse1, "2025-06-14")
		if err := report(znb.Accident, "H1", pSpouse1, "2024-06-01"); znb.CodeOf(err) != "excluded_person" {
			t.Fatalf("accident of the excluded spouse: %v, want excluded_person", err)
		}
		if err := report(znb.Accident, "H1", pHead1, "2024-06-01"); err != nil {
			t.Fatalf("accident of the head beside her (near miss): %v", err)
		}
		if err := report(znb.Property, "H1", 0, "2024-06-01"); err != nil {
			t.Fatalf("property of her household, whose head is not excluded (near miss): %v", err)
		}
		add(pHead2, "2025-06-14")
		if err := report(znb.Property, "H2", 0, "2024-06-02"); znb.CodeOf(err) != "excluded_person" {
			t.Fatalf("property of a household whose head is excluded: %v", err)
		}

		if _, err := db.RemoveExclusion(ctx, office, spouse.ID, ""); znb.CodeOf(err) != "removal_note_required" {
			t.Fatalf("removal without a note: %v", err)
		}
		other := znb.Actor{ID: 10, Username: "office2", Role: znb.Office, Scope: "522626"}
		if _, err := db.RemoveExclusion(ctx, other, spouse.ID, "x"); znb.CodeOf(err) != "not_found" {
			t.Fatalf("removal by another county: %v", err)
		}
		if _, err := db.RemoveExclusion(ctx, office, spouse.ID, "复核认定系误报，撤销"); err != nil {
			t.Fatal(err)
		}
		if err := report(znb.Accident, "H1", pSpouse1, "2024-06-01"); err != nil {
			t.Fatalf("report after removal: %v", err)
		}

		// an entry ending today bars today, not tomorrow; its expiry is
		// audited once
		head := add(pHead1, "2024-06-15")
		if err := report(znb.Accident, "H1", pHead1, "2024-06-03"); znb.CodeOf(err) != "excluded_person" {
			t.Fatalf("on the last day: %v", err)
		}
		if n, err := db.ExpireExclusions(ctx); err != nil || n != 0 {
			t.Fatalf("expire before the end: %d, %v", n, err)
		}
		clock := db.Now
		db.Now = func() time.Time { return clock().Add(24 * time.Hour) }
		defer func() { db.Now = clock }()
		if err := report(znb.Accident, "H1", pHead1, "2024-06-03"); err != nil {
			t.Fatalf("the day after the end: %v", err)
		}
		list, err := db.ListExclusions(ctx, office, store.ExclusionQuery{Status: oversight.Expired})
		if err != nil || len(list) != 1 || list[0].ID != head.ID || !list[0].ExpiryNoted {
			t.Fatalf("expired entries: %+v, %v", list, err)
		}
		if n, err := db.ExpireExclusions(ctx); err != nil || n != 0 {
			t.Fatalf("expiry noted twice: %d, %v", n, err)
		}
		for id, want := range map[int64][]string{spouse.ID: {"exclusion.remove", "exclusion.add"}, head.ID: {"exclusion.expire", "exclusion.add"}} {
			trail, err := db.AuditTrail(ctx, fmt.Sprintf("exclusion:%d", id), 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range trail {
				got = append(got, e.Action)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("trail of exclusion %d: %v, want %v", id, got, want)
			}
		}
		if _, err := db.ListExclusions(ctx, approver, store.ExclusionQuery{}); znb.CodeOf(err) != "forbidden" {
			t.Fatalf("insurer reads the list: %v", err)
		}
	})
}
