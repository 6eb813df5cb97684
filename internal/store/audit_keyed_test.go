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

func events(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := db.Audit(context.Background(), znb.System, "test.event", "thing", map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditRewriteDetected: someone who holds the database edits an entry
// and recomputes every later hash and the head, as the code shows how; the
// signatures, made with a key they do not hold, no longer fit. With the
// signatures stripped as well, the chain is unsigned where it was signed.
func TestAuditRewriteDetected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		events(t, db, 6)
		if broken, n, err := db.VerifyAudit(ctx); err != nil || broken != 0 || n != 6 {
			t.Fatalf("intact chain: broken=%d checked=%d err=%v", broken, n, err)
		}
		db.Gorm(ctx).Exec(`UPDATE audit_log SET detail = '{"i":9}' WHERE seq = 3`)
		if err := db.Rechain(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if broken, _, err := db.VerifyAudit(ctx); err != nil || broken != 3 {
			t.Errorf("rewritten and rehashed: first broken = %d (%v), want 3", broken, err)
		}
		db.Gorm(ctx).Exec(`UPDATE audit_log SET mac = '' WHERE seq >= 3`)
		if broken, _, _ := db.VerifyAudit(ctx); broken != 3 {
			t.Errorf("rewritten, signatures stripped: first broken = %d, want 3", broken)
		}
		db.Gorm(ctx).Exec(`UPDATE audit_log SET mac = ''`)
		r, err := db.CheckAudit(ctx, "")
		if err != nil || r.Intact() || r.Unsigned != 6 || r.FirstBad() != 1 {
			t.Errorf("every signature stripped: %+v, %v; want not intact, 6 unsigned", r, err)
		}
	})
}

// TestAuditCheckpoint: a signed checkpoint of the head proves later that
// the chain still holds it, so a deleted tail with its head moved back
// shows; a checkpoint not signed with the key is refused.
func TestAuditCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		events(t, db, 5)
		cp, _, err := db.AuditCheckpoint(ctx)
		if err != nil || cp.Entries != 5 {
			t.Fatalf("checkpoint = %+v, %v", cp, err)
		}
		line := cp.String()
		events(t, db, 2)
		r, err := db.CheckAudit(ctx, line)
		if err != nil || !r.Intact() || r.Checkpoint != "ok" || r.Checked != 7 {
			t.Fatalf("intact with checkpoint: %+v, %v", r, err)
		}
		forged := strings.Replace(line, "ZNB1.5.", "ZNB1.4.", 1)
		if r, err := db.CheckAudit(ctx, forged); err != nil || r.Intact() || r.Checkpoint != "forged" {
			t.Errorf("forged checkpoint: %+v, %v", r, err)
		}
		if _, err := db.CheckAudit(ctx, "ZNB1.5.x"); znb.CodeOf(err) != "invalid_checkpoint" {
			t.Errorf("malformed checkpoint: %v", err)
		}
		// Delete the tail from entry 4 and move the head back to entry 3:
		// the chain alone still verifies.
		db.Gorm(ctx).Exec("DELETE FROM audit_log WHERE seq >= 4")
		db.Gorm(ctx).Exec("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM (SELECT hash FROM audit_log WHERE seq = 3) h) WHERE id = 1")
		if broken, n, _ := db.VerifyAudit(ctx); broken != 0 || n != 3 {
			t.Fatalf("tail removed, head moved: broken=%d checked=%d; the chain alone cannot tell", broken, n)
		}
		r, err = db.CheckAudit(ctx, line)
		if err != nil || r.Intact() || r.Checkpoint != "missing" {
			t.Errorf("tail removed, with checkpoint: %+v, %v; want the checkpoint missing", r, err)
		}
	})
}

// TestAuditStateDetected: a direct UPDATE of a claim's payable or status, a
// certificate's premium or status, or a reconciliation's status is named by
// audit verify; untouched data passes.
func TestAuditStateDetected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "znb-standard")
		no := w.assessed(t, db, "H1", "2024-05-10", "1200")
		c2, err := db.ReportClaim(ctx, clerk, w.report(znb.Property, "H2", 0, "2024-05-11", "火灾"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.CheckAudit(ctx, "")
		if err != nil || !r.Intact() || r.DiffCount != 0 || r.Unsealed != 0 || r.Unchecked != 0 {
			t.Fatalf("untouched: %+v, %v", r, err)
		}
		g := db.Gorm(ctx)
		g.Exec("UPDATE claims SET payable = 99999 WHERE claim_no = ?", no)
		g.Exec("UPDATE claims SET status = 'approved' WHERE claim_no = ?", c2.No)
		g.Exec("UPDATE certificates SET premium = premium + 1 WHERE certificate_no = ?", w.cert["H2"])
		r, err = db.CheckAudit(ctx, "")
		if err != nil || r.Intact() {
			t.Fatalf("tampered: %+v, %v", r, err)
		}
		want := map[string]string{
			"claim:" + no:                 "payable",
			"claim:" + c2.No:              "status",
			"certificate:" + w.cert["H2"]: "status/premium",
		}
		for _, d := range r.Differs {
			if want[d.Object] == d.Field {
				delete(want, d.Object)
			}
		}
		if len(want) != 0 {
			t.Errorf("not named: %v; differences: %+v", want, r.Differs)
		}
		if broken, _, _ := db.VerifyAudit(ctx); broken != 0 {
			t.Errorf("the chain itself is intact, VerifyAudit says %d", broken)
		}
		// A certificate put back to an earlier seal and state fits its own
		// seal but not its agreement's issue runs.
		g.Exec("UPDATE certificates SET premium = premium - 1 WHERE certificate_no = ?", w.cert["H2"])
		g.Exec("DELETE FROM certificates WHERE certificate_no = ?", w.cert["H4"])
		r, _ = db.CheckAudit(ctx, "")
		named := false
		for _, d := range r.Differs {
			named = named || (d.Object == fmt.Sprint("agreement:", w.agreementID) && d.Field == "certificates")
		}
		if !named {
			t.Errorf("removed certificate: agreement not named: %+v", r.Differs)
		}
	})
}

// TestAuditUpgradeCheckpoint: entries written before the key was set carry
// no signature; a checkpoint taken once the key is set vouches for them,
// and the chain then verifies with it (and only with it).
func TestAuditUpgradeCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		events(t, db, 3)
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		db.Gorm(ctx).Exec("UPDATE audit_log SET mac = ''") // as before the key
		cp, unsigned, err := db.AuditCheckpoint(ctx)
		if err != nil || unsigned != 3 {
			t.Fatalf("checkpoint over old entries: %+v, %d unsigned, %v", cp, unsigned, err)
		}
		events(t, db, 2)
		if r, err := db.CheckAudit(ctx, cp.String()); err != nil || !r.Intact() || r.Unsigned != 3 {
			t.Errorf("with the checkpoint: %+v, %v; want intact", r, err)
		}
		if r, err := db.CheckAudit(ctx, ""); err != nil || r.Intact() || r.FirstBad() != 1 {
			t.Errorf("without it: %+v, %v; want entry 1 unsigned", r, err)
		}
	})
}
