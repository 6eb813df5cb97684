package store_test

import (
	"context"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestPreviewAssessment: a preview is the assessment's own calculation and
// refusals, and writes nothing.
func TestPreviewAssessment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		c := mustReport(t, db, w.report(znb.Property, "H1", 0, "2024-05-01", "火灾"))
		p, err := db.PreviewAssessment(ctx, adjuster, c.No, property("16000", "1000", "500"))
		if err != nil {
			t.Fatal(err)
		}
		if !p.Payable.Equal(amt("16300")) || len(p.Breakdown) == 0 {
			t.Fatalf("preview payable %s, want 16300 with its breakdown", p.Payable)
		}
		got, err := db.GetClaim(ctx, adjuster, c.No)
		if err != nil || got.Assessed || len(got.History) != 1 {
			t.Fatalf("the preview was written: %v %+v", err, got)
		}
		if used, _ := db.LimitUsed(ctx, w.agreementID, znb.Property, "H1"); !used.IsZero() {
			t.Fatalf("the preview used the limit: %s", used)
		}
		for _, tc := range []struct {
			by   znb.Actor
			code string
		}{{clerk, "role_not_allowed"}, {approver, "role_not_allowed"}, {otherClerk, "not_found"}} {
			if _, err := db.PreviewAssessment(ctx, tc.by, c.No, property("1", "0", "0")); znb.CodeOf(err) != tc.code {
				t.Errorf("preview by %s: %v, want %s", tc.by.Username, err, tc.code)
			}
		}
		if _, err := db.PreviewAssessment(ctx, adjuster, c.No, &claim.Form{StructureLoss: "1.234"}); znb.CodeOf(err) != "invalid_amount" {
			t.Errorf("a bad amount: %v, want invalid_amount", err)
		}
		a, err := db.AssessClaim(ctx, adjuster, c.No, property("16000", "1000", "500"), "")
		if err != nil || !a.Payable.Equal(p.Payable) {
			t.Fatalf("saved %v %v, want the previewed %s", a, err, p.Payable)
		}
		if _, err := db.ApproveClaim(ctx, approver, c.No, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PreviewAssessment(ctx, adjuster, c.No, property("1", "0", "0")); znb.CodeOf(err) != "invalid_transition" {
			t.Errorf("preview of an approved claim: %v, want invalid_transition", err)
		}
	})
}
