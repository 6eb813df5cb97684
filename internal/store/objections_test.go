package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// An upheld objection to an approved claim sends it back to assessment and
// stops its approval and payment until it is assessed again; a rejected
// objection stops nothing.
func TestObjectionBlocksPayment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newNotifyWorld(t, db)
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		household := znb.Actor{Username: "household"}
		c, err := db.ReportClaim(ctx, clerk, w.fire("H1", "2024-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssessClaim(ctx, adjuster, c.No, property("8000", "0", "0"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveClaim(ctx, approver, c.No, ""); err != nil {
			t.Fatal(err)
		}
		used := func() string {
			u, err := db.LimitUsed(ctx, c.AgreementID, znb.Property, c.Subject)
			if err != nil {
				t.Fatal(err)
			}
			return u.StringFixed(2)
		}
		approvedUse := used()

		var it *objection.Item
		t.Run("公众提交", func(t *testing.T) {
			it, err = db.FileObjection(ctx, household, objection.Filing{Source: objection.Public, Name: "李某",
				Phone: "13700137000", ClaimNo: c.No, Text: "此户房屋并未失火"})
			if err != nil {
				t.Fatal(err)
			}
			// Received on Saturday 2024-06-15: due Wednesday and three weeks on.
			if it.Holder != objection.InsurerHolder || it.Status != objection.Received || it.AckDue.String() != "2024-06-19" ||
				it.ResolveDue.String() != "2024-07-05" || it.No != objection.Number(znb.MustDate("2024-06-15"), 1) {
				t.Errorf("item %+v", it)
			}
		})
		t.Run("非承办方不能答复", func(t *testing.T) {
			if _, err := db.AnswerObjection(ctx, office, it.No, objection.Upheld, "成立"); znb.CodeOf(err) != "not_holder" {
				t.Errorf("office answers the insurer's item: %v", err)
			}
			other := znb.Actor{Username: "x", Role: znb.InsurerClerk, Scope: "CPIC-ZY"}
			if _, err := db.AnswerObjection(ctx, other, it.No, objection.Upheld, "成立"); znb.CodeOf(err) != "not_found" {
				t.Errorf("another insurer answers: %v", err)
			}
		})
		t.Run("异议成立_退回理算_不能核赔和支付", func(t *testing.T) {
			if _, err := db.AckObjection(ctx, clerk, it.No); err != nil {
				t.Fatal(err)
			}
			a, err := db.AnswerObjection(ctx, clerk, it.No, objection.Upheld, "经核实，损失不实，重新查勘")
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != objection.Upheld || a.AnsweredBy != "clerk" {
				t.Errorf("answered %+v", a)
			}
			got, err := db.GetClaim(ctx, clerk, c.No)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != claim.Assessed || used() != "0.00" || approvedUse == "0.00" {
				t.Errorf("claim %s, limit used %s (was %s): want assessed and the limit given back", got.Status, used(), approvedUse)
			}
			if _, err := db.ApproveClaim(ctx, approver, c.No, ""); znb.CodeOf(err) != "objection_upheld" {
				t.Errorf("approve under an upheld objection: %v", err)
			}
			if _, err := db.PayClaim(ctx, clerk, c.No, "BANK-1", ""); znb.CodeOf(err) != "objection_upheld" {
				t.Errorf("pay under an upheld objection: %v", err)
			}
			if _, err := db.AnswerObjection(ctx, clerk, it.No, objection.Rejected, "x"); znb.CodeOf(err) != "already_answered" {
				t.Errorf("second answer: %v", err)
			}
		})
		t.Run("重新理算后可核赔支付", func(t *testing.T) {
			if _, err := db.AssessClaim(ctx, adjuster, c.No, property("3000", "0", "0"), "重新查勘"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ApproveClaim(ctx, approver, c.No, ""); err != nil {
				t.Fatal(err)
			}
			p, err := db.PayClaim(ctx, clerk, c.No, "BANK-1", "")
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != claim.Paid || used() != p.Payable.StringFixed(2) {
				t.Errorf("paid %s, limit used %s, payable %s", p.Status, used(), p.Payable)
			}
			// Approved twice: two approval texts, the second under its own key.
			var keys []string
			for _, m := range outbox(t, db) {
				if m.Event == notify.ClaimApproved && m.Channel == notify.SMS {
					keys = append(keys, m.Key)
				}
			}
			want := []string{notify.Key(notify.ClaimApproved, c.No+"/2", notify.SMS, "household"),
				notify.Key(notify.ClaimApproved, c.No, notify.SMS, "household")}
			if !slices.Equal(keys, want) {
				t.Errorf("approval texts %v, want %v", keys, want)
			}
		})
		t.Run("不成立不阻止", func(t *testing.T) {
			c2, err := db.ReportClaim(ctx, clerk, w.fire("H2", "2024-06-02"))
			if err != nil {
				t.Fatal(err)
			}
			it2, err := db.FileObjection(ctx, clerk, objection.Filing{Source: objection.Hotline, ClaimNo: c2.No, Text: "12317 来电反映"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AnswerObjection(ctx, approver, it2.No, objection.Rejected, "经核实，损失属实"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AssessClaim(ctx, adjuster, c2.No, property("1000", "0", "0"), ""); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ApproveClaim(ctx, approver, c2.No, ""); err != nil {
				t.Errorf("approve after a rejected objection: %v", err)
			}
		})
		t.Run("答复短信写入发件箱", func(t *testing.T) {
			var sms int
			for _, m := range outbox(t, db) {
				if m.Event == notify.ObjectionAnswered && m.Channel == notify.SMS && m.Subject == it.No {
					sms++
					if m.Target != "137****7000" {
						t.Errorf("target %q: want the masked phone", m.Target)
					}
				}
			}
			if sms != 1 {
				t.Errorf("%d SMS for the answer, want 1", sms)
			}
		})
	})
}

func TestObjectionScopeAndOverdue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		other := znb.Actor{Username: "office2", Role: znb.Office, Scope: "522626"}
		auditor := znb.Actor{Username: "audit", Role: znb.Auditor, Scope: claimCounty}
		if _, err := db.FileObjection(ctx, other, objection.Filing{Source: objection.InPerson, Category: objection.Service,
			Village: notifyVillage, Text: "来访"}); znb.CodeOf(err) != "unknown_region" {
			t.Errorf("office records for another county: %v", err)
		}
		if _, err := db.FileObjection(ctx, auditor, objection.Filing{Source: objection.Hotline, Category: objection.Service,
			Village: notifyVillage, Text: "x"}); znb.CodeOf(err) != "forbidden" {
			t.Errorf("auditor records: %v", err)
		}
		if _, err := db.FileObjection(ctx, office, objection.Filing{Source: objection.Hotline, ClaimNo: "CLM20240101000001",
			Text: "x"}); znb.CodeOf(err) != "unknown_claim" {
			t.Errorf("unknown claim: %v", err)
		}
		a, err := db.FileObjection(ctx, office, objection.Filing{Source: objection.Hotline, Category: objection.Service,
			Village: notifyVillage, Text: "12317 来电：村里未张贴公示"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.FileObjection(ctx, office, objection.Filing{Source: objection.InPerson, Category: objection.Coverage,
			Village: notifyVillage, Text: "来访：漏保"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Holder != objection.OfficeHolder {
			t.Errorf("holder %s, want office", a.Holder)
		}
		if _, err := db.AckObjection(ctx, office, b.No); err != nil {
			t.Fatal(err)
		}
		if l, err := db.ListObjections(ctx, other, store.ObjectionQuery{}); err != nil || len(l) != 0 {
			t.Errorf("another county lists %d, %v", len(l), err)
		}
		if l, err := db.ListObjections(ctx, clerk, store.ObjectionQuery{}); err != nil || len(l) != 0 {
			t.Errorf("an insurer lists the office's items: %d, %v", len(l), err)
		}
		overdue := func(day string) []string {
			t.Helper()
			db.Now = func() time.Time { return znb.MustDate(day).Time().Add(2 * time.Hour) }
			l, err := db.ListObjections(ctx, auditor, store.ObjectionQuery{Overdue: true})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range l {
				out = append(out, it.No+":"+it.Overdue(znb.MustDate(day)))
			}
			return out
		}
		for _, tc := range []struct {
			day  string
			want []string
		}{
			{"2024-06-19", nil},                     // the acknowledgement deadline itself
			{"2024-06-20", []string{a.No + ":ack"}}, // a was never acknowledged
			{"2024-07-05", []string{a.No + ":ack"}}, // resolution deadline itself
			{"2024-07-08", []string{a.No + ":resolve", b.No + ":resolve"}},
		} {
			if got := overdue(tc.day); !slices.Equal(got, tc.want) {
				t.Errorf("overdue on %s: %v, want %v", tc.day, got, tc.want)
			}
		}
		if _, err := db.AnswerObjection(ctx, office, a.No, objection.Rejected, "已督促村委会张贴"); err != nil {
			t.Fatal(err)
		}
		if got := overdue("2024-07-08"); !slices.Equal(got, []string{b.No + ":resolve"}) {
			t.Errorf("after the answer: %v", got)
		}
	})
}
