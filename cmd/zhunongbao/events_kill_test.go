package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// killWhen runs the built binary with args on dsn and SIGKILLs it as soon
// as a line of its stderr contains mark. It reports whether the kill came
// before the command finished on its own.
func killWhen(t *testing.T, bin, dsn, dir, mark string, args ...string) bool {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-config", filepath.Join(dir, "none.yaml")}, args...)...)
	cmd.Env = append(os.Environ(), "ZNB_DB="+dsn)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), mark) {
			seen = true
			cmd.Process.Kill()
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	killed := seen && err != nil && strings.Contains(err.Error(), "killed")
	return killed
}

// TestEventKill SIGKILLs the worksheet load and the payment batch build in
// the middle of their transactions: nothing half-made is left (no claim of
// the sheet, no batch), and the command run again gives exactly what one
// undisturbed run gives.
func TestEventKill(t *testing.T) {
	const households = 1500
	bin := filepath.Join(t.TempDir(), "zhunongbao")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		dir := t.TempDir()
		year := time.Now().Year()
		today := znb.DateOf(time.Now().In(znb.CST)).String()
		list, agreement := filepath.Join(dir, "list.csv"), filepath.Join(dir, "agreement.yaml")
		spec := storetest.AgreementSpec{No: "ZY-EVT-001", County: "522625",
			Start: fmt.Sprintf("%d-01-01", year), End: fmt.Sprintf("%d-12-31", year)}
		if err := os.WriteFile(agreement, storetest.AgreementYAML(spec), 0o644); err != nil {
			t.Fatal(err)
		}
		run := func(args ...string) string {
			t.Helper()
			code, out, errs := cliOn(t, dsn, dir, args...)
			if code != 0 {
				t.Fatalf("%s: exit %d %s %s", strings.Join(args, " "), code, out, errs)
			}
			return out
		}
		for _, args := range [][]string{
			{"gen", "households", "--county", "522625", "--households", fmt.Sprint(households), "-o", list},
			{"list", "import", "--county", "522625", "--effective", fmt.Sprintf("%d-01-01", year), list},
			{"product", "load", storetest.ProductFile("znb-standard")},
			{"agreement", "create", agreement},
			{"agreement", "activate", "1"},
			{"issue", "--agreement", "1", "--list", "1"},
			{"user", "create", "--username", "adjuster", "--role", "adjuster", "--scope", "PICC-ZY"},
			{"user", "create", "--username", "approver", "--role", "approver", "--scope", "PICC-ZY"},
			{"user", "create", "--username", "cashier", "--role", "insurer_clerk", "--scope", "PICC-ZY"},
			{"event", "declare", "--name", "洪灾", "--cause", "自然灾害", "--from", today, "--to", today, "--regions", "522625"},
		} {
			run(args...)
		}
		db, err := store.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		g := db.Gorm(ctx)
		var certs []struct{ HouseholdNo, CertificateNo, RegionCode string }
		if err := g.Raw("SELECT household_no, certificate_no, region_code FROM certificates ORDER BY id").Scan(&certs).Error; err != nil {
			t.Fatal(err)
		}
		// The filled sheet: a house loss for every household; what each
		// pays is the property calculator's (sub-limit 15000, less 200).
		var sheet, accounts strings.Builder
		sheet.WriteString("户编号,分户凭证号,房屋主体损失\n")
		accounts.WriteString("户编号,户名,账号,开户行\n")
		want := decimal.Zero
		townships := map[string]bool{}
		for i, c := range certs {
			loss := int64(1000 + (i*137)%20000)
			fmt.Fprintf(&sheet, "%s,%s,%d\n", c.HouseholdNo, c.CertificateNo, loss)
			fmt.Fprintf(&accounts, "%s,户主%d,%014d,镇远农商行\n", c.HouseholdNo, i, 10000000000000+int64(i))
			want = want.Add(decimal.NewFromInt(min(loss, 15000) - 200))
			townships[c.RegionCode[:9]] = true
		}
		sheetPath, accPath := filepath.Join(dir, "sheet.csv"), filepath.Join(dir, "accounts.csv")
		os.WriteFile(sheetPath, []byte(sheet.String()), 0o644)
		os.WriteFile(accPath, []byte(accounts.String()), 0o644)
		count := func(q string) int64 {
			var n int64
			if err := g.Raw(q).Row().Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Killed while writing the claims: none of them is left.
		if !killWhen(t, bin, dsn, dir, "writing claims", "event", "load", "--event", "1", "--as", "adjuster", sheetPath) {
			t.Fatal("the worksheet load finished before it could be killed")
		}
		if n, w := count("SELECT COUNT(*) FROM claims WHERE event_id = 1"), count("SELECT COUNT(*) FROM event_worksheets"); n != 0 || w != 0 {
			t.Fatalf("a killed load left %d claims and %d worksheet records", n, w)
		}
		var load struct {
			Claims   []string
			Payable  string
			Repeated bool
		}
		json.Unmarshal([]byte(run("event", "load", "--event", "1", "--as", "adjuster", sheetPath)), &load)
		if len(load.Claims) != len(certs) || load.Payable != want.StringFixed(2) {
			t.Fatalf("the load run again made %d claims paying %s, want %d paying %s", len(load.Claims), load.Payable, len(certs), want.StringFixed(2))
		}
		if n := count("SELECT COUNT(*) FROM claims WHERE event_id = 1 AND status = 'assessed'"); n != int64(len(certs)) {
			t.Fatalf("%d assessed claims stored", n)
		}

		for tw := range townships {
			run("event", "approve", "--event", "1", "--region", tw, "--as", "approver")
		}
		run("bank", "load", "--county", "522625", accPath)

		// Killed while writing the batch: no batch, no item, every claim
		// free for the next build.
		if !killWhen(t, bin, dsn, dir, "writing the payment batch", "batch", "build", "--event", "1", "--as", "cashier") {
			t.Fatal("the batch build finished before it could be killed")
		}
		if b, i := count("SELECT COUNT(*) FROM payment_batches"), count("SELECT COUNT(*) FROM payment_items"); b != 0 || i != 0 {
			t.Fatalf("a killed build left %d batches and %d items", b, i)
		}
		var batch struct {
			Count int
			Total string
		}
		json.Unmarshal([]byte(run("batch", "build", "--event", "1", "--as", "cashier")), &batch)
		if batch.Count != len(certs) || batch.Total != want.StringFixed(2) {
			t.Fatalf("the build run again: %d items, %s; want %d, %s", batch.Count, batch.Total, len(certs), want.StringFixed(2))
		}
	})
}
