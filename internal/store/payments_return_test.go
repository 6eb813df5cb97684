package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// returnWorld is a county of generated households flooded on 2024-06-10,
// each household's house claim approved and every one in an open payment
// batch, with a webhook subscription that hears every event.
func returnWorld(t *testing.T, db *store.DB, households int) *store.Batch {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	a := storetest.ActiveAgreement(t, db, countyOffice, storetest.AgreementSpec{No: "ZY-2024-RET", County: claimCounty, Product: "znb-standard",
		Categories: []znb.Category{znb.Lifted, znb.NotLifted, znb.Returned, znb.UnstableLifted, znb.Marginal, znb.SuddenHardship}})
	list := filepath.Join(dir, "list.csv")
	f, err := os.Create(list)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Generate(t, f, claimCounty, households, 1, znb.MustDate("2024-01-01"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.ImportAndIssue(t, db, countyOffice, a.ID, list, store.ImportOptions{County: claimCounty, Effective: znb.MustDate("2024-01-01")})
	if _, err := db.CreateSubscription(ctx, znb.System, notify.Subscription{Name: "县监测平台", URL: "http://127.0.0.1:9/hook",
		Events: notify.Events, Region: claimCounty}); err != nil {
		t.Fatal(err)
	}
	var towns []string
	if err := db.Gorm(ctx).Raw("SELECT DISTINCT SUBSTR(region_code, 1, 9) FROM certificates ORDER BY 1").Scan(&towns).Error; err != nil {
		t.Fatal(err)
	}
	e, err := db.DeclareEvent(ctx, countyOffice, disaster.Declaration{Name: "6·10 洪灾", Cause: "自然灾害",
		First: znb.MustDate("2024-06-10"), Last: znb.MustDate("2024-06-12"), Regions: towns})
	if err != nil {
		t.Fatal(err)
	}
	var hs []disaster.Household
	for _, tw := range towns {
		_, part, err := db.WorksheetHouseholds(ctx, adjuster, e.ID, tw)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, part...)
	}
	sheet, accounts := filepath.Join(dir, "sheet.csv"), filepath.Join(dir, "accounts.csv")
	storetest.WriteLossSheet(t, sheet, hs)
	storetest.WriteAccounts(t, accounts, hs)
	if _, err := db.LoadWorksheet(ctx, adjuster, e.ID, storetest.File(t, sheet), nil); err != nil {
		t.Fatal(err)
	}
	for _, tw := range towns {
		for round := 0; ; round++ {
			res, err := db.ApproveArea(ctx, approver, e.ID, tw, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Refused) == 0 {
				break
			}
			for _, r := range res.Refused {
				if round > 0 || r.Code != "review_required" {
					t.Fatalf("%s refused: %s %s", r.ClaimNo, r.Code, r.Message)
				}
				if _, err := db.ReviewClaim(ctx, approver2, r.ClaimNo, "已复核"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := db.LoadAccounts(ctx, countyOffice, claimCounty, storetest.File(t, accounts)); err != nil {
		t.Fatal(err)
	}
	b, err := db.BuildBatch(ctx, clerk, disaster.BatchQuery{EventID: e.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// returnFile writes the bank's answer to every item of b: every seventh
// failed, for one of two reasons, the others paid.
func returnFile(t *testing.T, b *store.Batch) registry.File {
	t.Helper()
	var s strings.Builder
	s.WriteString("序号,状态,失败原因\n")
	for _, it := range b.Items {
		if failed(it.Seq) {
			fmt.Fprintf(&s, "%d,失败,%s\n", it.Seq, []string{"账户冻结", "户名不符"}[it.Seq%2])
		} else {
			fmt.Fprintf(&s, "%d,成功,\n", it.Seq)
		}
	}
	return storetest.File(t, storetest.WriteFile(t, "return.csv", s.String()))
}

func failed(seq int) bool { return seq%7 == 3 }

// returnNote is the note a return file's payment carries.
func returnNote(b *store.Batch) string { return "银行付款批次 " + b.No + " 回盘成功" }

// claimTrail is what moving claims leaves behind: the claims, their events,
// the outbox and the audit entries of claim moves, every column but the
// rows' ids.
func claimTrail(t *testing.T, db *store.DB) map[string][]map[string]string {
	t.Helper()
	out := map[string][]map[string]string{}
	for name, q := range map[string]string{
		"claims": "SELECT claim_no, status, payment_ref, payable, remaining_before, remaining_after, updated_at FROM claims ORDER BY id",
		"events": "SELECT c.claim_no, e.at_ms, e.actor_id, e.actor, e.role, e.from_status, e.to_status, e.note FROM claim_events e JOIN claims c ON c.id = e.claim_id ORDER BY e.id",
		"outbox": `SELECT idem_key, event, channel, target, subscription_id, subject, region_code, body, status, next_at, created_at
			FROM notification_outbox ORDER BY id`,
		"audit": `SELECT at_ms, actor, role, action, object, detail, region, insurer FROM (
			SELECT at_ms, actor, role, action, object, detail, region, insurer FROM audit_log WHERE action LIKE 'claim.%'
			UNION ALL SELECT at_ms, actor, role, action, object, detail, region, insurer FROM audit_pending WHERE action LIKE 'claim.%') a
			ORDER BY object, action, detail`,
	} {
		out[name] = queryRows(t, db, q)
	}
	return out
}

// TestReturnFileAsOneByOne: a return file of a few hundred items, paid a
// group of claims at a time, leaves the same claims, events, messages and
// audit entries as paying each claim on its own (PayClaim, with the
// reference and note the file gives it) in a twin database; the batch is
// closed with each item's outcome.
func TestReturnFileAsOneByOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		twin := storetest.Engine(t, db.Dialect)
		b, tb := returnWorld(t, db, 300), returnWorld(t, twin, 300)
		if len(b.Items) <= store.ReturnChunk || b.No != tb.No || !reflect.DeepEqual(b.Items, tb.Items) {
			t.Fatalf("batches of %d and %d items (%s, %s)", len(b.Items), len(tb.Items), b.No, tb.No)
		}
		back, err := db.LoadReturn(ctx, clerk, b.ID, returnFile(t, b))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range tb.Items {
			if !failed(it.Seq) {
				if _, err := twin.PayClaim(ctx, clerk, it.ClaimNo, disaster.PaymentRef(tb.No, it.Seq), returnNote(tb)); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, want := claimTrail(t, db), claimTrail(t, twin)
		if len(want["outbox"]) <= len(b.Items) {
			t.Fatalf("%d messages: the payments texted nobody or called no webhook", len(want["outbox"]))
		}
		for _, k := range []string{"claims", "events", "outbox", "audit"} {
			if len(got[k]) != len(want[k]) {
				t.Errorf("%s: %d rows, one by one %d", k, len(got[k]), len(want[k]))
				continue
			}
			for i := range got[k] {
				if !reflect.DeepEqual(got[k][i], want[k][i]) {
					t.Errorf("%s row %d:\n got %v\nwant %v", k, i, got[k][i], want[k][i])
					break
				}
			}
		}
		paid := 0
		for _, it := range b.Items {
			c, err := db.GetClaim(ctx, clerk, it.ClaimNo)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus, wantRef := claim.Paid, disaster.PaymentRef(b.No, it.Seq)
			if failed(it.Seq) {
				wantStatus, wantRef = claim.Approved, ""
			} else {
				paid++
			}
			if c.Status != wantStatus || c.PaymentRef != wantRef {
				t.Errorf("item %d: claim %s is %s, ref %q", it.Seq, it.ClaimNo, c.Status, c.PaymentRef)
			}
		}
		if paid == 0 || back.Status != disaster.BatchReturned || back.Totals.SuccessCount != paid || back.Totals.FailureCount != len(b.Items)-paid ||
			!back.Totals.Balanced() {
			t.Fatalf("returned batch %+v, %d paid", back.Totals, paid)
		}
		for i, it := range back.Items {
			wantOutcome, wantReason := disaster.Success, ""
			if failed(it.Seq) {
				wantOutcome, wantReason = disaster.Failure, []string{"账户冻结", "户名不符"}[it.Seq%2]
			}
			if it.Seq != i+1 || it.Outcome != wantOutcome || it.Reason != wantReason {
				t.Errorf("item %+v", it)
			}
		}
		var open int64
		if err := db.Gorm(ctx).Raw("SELECT COUNT(*) FROM payment_items WHERE open_claim IS NOT NULL").Scan(&open).Error; err != nil || open != 0 {
			t.Errorf("%d items hold their claim open (%v)", open, err)
		}
	})
}

// TestReturnFileAllOrNothing: a claim of the file's second group paid by
// someone else before the file comes back fails the whole file after the
// first group is written, and the database is as it was: no claim paid, no
// event, message or audit entry, the batch open with its items pending.
func TestReturnFileAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := returnWorld(t, db, 300)
		var paid []disaster.Item
		for _, it := range b.Items {
			if !failed(it.Seq) {
				paid = append(paid, it)
			}
		}
		if len(paid) <= store.ReturnChunk+10 {
			t.Fatalf("%d items paid: all in the first group", len(paid))
		}
		late := paid[store.ReturnChunk+10]
		if _, err := db.PayClaim(ctx, clerk, late.ClaimNo, "柜面-0001", "柜面补付"); err != nil {
			t.Fatal(err)
		}
		before := claimTrail(t, db)
		_, err := db.LoadReturn(ctx, clerk, b.ID, returnFile(t, b))
		if znb.CodeOf(err) != "invalid_transition" {
			t.Fatalf("return over a paid claim: %v", err)
		}
		after := claimTrail(t, db)
		if !reflect.DeepEqual(before, after) {
			for k := range before {
				t.Errorf("%s: %d rows before, %d after", k, len(before[k]), len(after[k]))
			}
		}
		var counts struct{ Open, Pending, Batches int64 }
		if err := db.Gorm(ctx).Raw(`SELECT (SELECT COUNT(*) FROM payment_items WHERE open_claim IS NOT NULL) AS open,
			(SELECT COUNT(*) FROM payment_items WHERE outcome = ?) AS pending,
			(SELECT COUNT(*) FROM payment_batches WHERE status = ?) AS batches`, disaster.Pending, string(disaster.BatchOpen)).
			Scan(&counts).Error; err != nil {
			t.Fatal(err)
		}
		if n := int64(len(b.Items)); counts.Open != n || counts.Pending != n || counts.Batches != 1 {
			t.Errorf("after the failed return: %+v, want %d items open and pending in one open batch", counts, n)
		}
	})
}

// queryRows returns the rows of a query, column by column (NULL columns
// left out).
func queryRows(t *testing.T, db *store.DB, q string, vars ...any) []map[string]string {
	t.Helper()
	rows, err := db.Gorm(context.Background()).Raw(q, vars...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []map[string]string
	for rows.Next() {
		row := map[string]string{}
		for i, v := range rowValues(t, rows, len(cols)) {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if v != nil {
				row[cols[i]] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rowValues scans the current row of rows, one value a column.
func rowValues(t *testing.T, rows *sql.Rows, cols int) []any {
	t.Helper()
	vals := make([]any, cols)
	ptrs := make([]any, cols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	return vals
}
