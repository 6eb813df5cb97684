package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const settlementHeader = "结算单号,身份证号,姓名,医疗机构,入院日期,出院日期,结算日期,总费用,基本医保支付,大病保险支付,医疗救助支付,目录外费用\n"

// settlementLine is one row of a settlement file: the person, the
// settlement date and the total, of which basic insurance paid paid.
func settlementLine(no string, person int, name, settled, total, paid string) string {
	return fmt.Sprintf("%s,%s,%s,县人民医院,%s,%s,%s,%s,%s,0,0,0\n", no, idn(claimCounty, person), name, settled, settled, settled, total, paid)
}

// feed loads a settlement file of the rows.
func feed(t *testing.T, db *store.DB, by znb.Actor, rows ...string) (*store.MedicalImport, error) {
	t.Helper()
	p := storetest.WriteFile(t, "settlements.csv", settlementHeader+strings.Join(rows, ""))
	return db.ImportSettlements(context.Background(), by, storetest.File(t, p))
}

func countRows(t *testing.T, db *store.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm(context.Background()).Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMedicalFeed loads the 医保 settlements of a county under fpb-household:
// H1's out-of-pocket of 2,000, 2,000 and 3,000 crosses the illness trigger
// line of 5,000 on the third settlement and opens exactly one automatic
// claim proposing 1,000.00; an uninsured person and a settlement before
// cover are reported and never claimed; a repeated settlement number is
// skipped; a file with bad rows stores nothing.
func TestMedicalFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db, "fpb-household")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}

		t.Run("bad rows store nothing", func(t *testing.T) {
			res, err := feed(t, db, office,
				settlementLine("JS-1", pHead1, "张三丰", "2024-05-01", "2000.00", "0"),
				"JS-2,110101199001011234,李四,县医院,,,2024-05-02,100.00,0,0,0,0\n",      // check digit
				settlementLine("JS-3", pSpouse1, "李四", "2024-07-01", "100.00", "0"), // future
				settlementLine("JS-4", pSpouse1, "李四", "2024-05-01", "-1", "0"),
				settlementLine("JS-1", pSpouse1, "李四", "2024-05-01", "100.00", "0"))
			if znb.CodeOf(err) != "settlements_rejected" {
				t.Fatalf("err %v", err)
			}
			got := map[string]bool{}
			for _, r := range res.Rejected {
				got[fmt.Sprintf("%d %s %s", r.Row, r.Column, r.Code)] = true
			}
			for _, want := range []string{"2 结算单号 duplicate_settlement", "3 身份证号 id_check_digit", "4 结算日期 date_in_future",
				"5 总费用 invalid_amount", "6 结算单号 duplicate_settlement"} {
				if !got[want] {
					t.Errorf("missing reject %q in %v", want, res.Rejected)
				}
			}
			if n := countRows(t, db, "settlement_sets") + countRows(t, db, "settlement_numbers") + countRows(t, db, "medical_feeds"); n != 0 {
				t.Errorf("stored %d rows", n)
			}
		})

		res, err := feed(t, db, office,
			settlementLine("JS-1", pHead1, "张三丰", "2024-05-01", "2500.00", "500.00"),
			settlementLine("JS-X", 99, "无名", "2024-05-01", "9000.00", "0"),       // not insured anywhere
			settlementLine("JS-E", pChild1, "张小丰", "2024-03-15", "9000.00", "0")) // before the child's cover
		if err != nil {
			t.Fatal(err)
		}
		if res.Loaded != 1 || res.Skipped != 0 || len(res.NotInsured) != 2 || len(res.Opened) != 0 {
			t.Fatalf("first feed: %+v", res)
		}
		if ni := res.NotInsured[0]; ni.Row != 3 || ni.SettlementNo != "JS-X" || strings.Contains(ni.IDNumber, idn(claimCounty, 99)[6:14]) {
			t.Errorf("not insured %+v", ni)
		}
		if res, err = feed(t, db, office, settlementLine("JS-2", pSpouse1, "李四", "2024-05-20", "2000.00", "0")); err != nil || len(res.Opened) != 0 {
			t.Fatalf("second feed: %+v %v", res, err)
		}
		third := []string{settlementLine("JS-3", pHead1, "张三丰", "2024-06-01", "3000.00", "0"),
			settlementLine("JS-1", pHead1, "张三丰", "2024-05-01", "2500.00", "500.00")}
		if res, err = feed(t, db, office, third...); err != nil || len(res.Opened) != 1 || res.Skipped != 1 || res.Loaded != 1 {
			t.Fatalf("third feed: %+v %v", res, err)
		}
		no := res.Opened[0]
		c, err := db.GetClaim(ctx, adjuster, no)
		if err != nil {
			t.Fatal(err)
		}
		if c.Line != znb.Illness || !c.Auto() || !c.Proposed() || c.Status != claim.Assessed || c.Payable.StringFixed(2) != "1000.00" ||
			c.ReportedOn != znb.MustDate("2024-06-15") || c.IncidentDate != znb.MustDate("2024-06-01") || c.CertificateNo != w.cert["H1"] {
			t.Fatalf("auto claim %+v", c)
		}
		// the proposal's audit entry names the settlements and their sum
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		trail, err := db.AuditTrail(ctx, "claim:"+no, 10)
		if err != nil {
			t.Fatal(err)
		}
		var assessed map[string]any
		for _, e := range trail {
			if e.Action == "claim.assess" {
				if err := json.Unmarshal([]byte(e.Detail), &assessed); err != nil {
					t.Fatal(err)
				}
			}
		}
		if fmt.Sprint(assessed["settlement_nos"]) != "[JS-1 JS-2 JS-3]" || assessed["out_of_pocket"] != "7000.00" ||
			assessed["payable"] != "1000.00" || assessed["assessment"] != nil {
			t.Errorf("audit of the proposal: %v", assessed)
		}
		if res, err = feed(t, db, office, third...); err != nil || res.Skipped != 2 || len(res.Opened)+len(res.Updated) != 0 {
			t.Fatalf("repeat feed: %+v %v", res, err)
		}
		if n := countRows(t, db, "claims"); n != 1 {
			t.Errorf("claims %d, want exactly one", n)
		}

		// the proposal waits for an adjuster; the approver then approves.
		if _, err := db.ApproveClaim(ctx, approver, no, ""); znb.CodeOf(err) != "proposal_unconfirmed" {
			t.Errorf("approve the proposal: %v", err)
		}
		if c, err = db.ConfirmClaim(ctx, adjuster, no, ""); err != nil || c.Proposed() || c.Payable.StringFixed(2) != "1000.00" {
			t.Fatalf("confirm: %v %v", c, err)
		}
		if _, err := db.ApproveClaim(ctx, approver, no, ""); err != nil {
			t.Fatal(err)
		}
		// after approval a later settlement opens the next claim: 7,000 → 8,000 adds 500.00.
		if res, err = feed(t, db, office, settlementLine("JS-4", pHead1, "张三丰", "2024-06-10", "1000.00", "0")); err != nil || len(res.Opened) != 1 {
			t.Fatalf("fourth feed: %+v %v", res, err)
		}
		next, err := db.GetClaim(ctx, adjuster, res.Opened[0])
		if err != nil || next.Payable.StringFixed(2) != "500.00" {
			t.Fatalf("next claim %+v %v", next, err)
		}
		// an open automatic claim takes the next settlement.
		if res, err = feed(t, db, office, settlementLine("JS-5", pSpouse1, "李四", "2024-06-11", "2000.00", "0")); err != nil || len(res.Updated) != 1 || res.Updated[0] != next.No {
			t.Fatalf("fifth feed: %+v %v", res, err)
		}
		if next, err = db.GetClaim(ctx, adjuster, next.No); err != nil || next.Payable.StringFixed(2) != "1500.00" || !next.Proposed() {
			t.Errorf("updated claim %+v %v", next, err)
		}

		// scope: another county's office sees none of these persons insured,
		// another insurer's clerk neither; an auditor may not feed.
		other := znb.Actor{Username: "office2", Role: znb.Office, Scope: "522626"}
		if res, err = feed(t, db, other, settlementLine("JS-9", pHead1, "张三丰", "2024-06-12", "100.00", "0")); err != nil || len(res.NotInsured) != 1 {
			t.Errorf("other county: %+v %v", res, err)
		}
		if _, err = feed(t, db, znb.Actor{Username: "aud", Role: znb.Auditor, Scope: claimCounty}, settlementLine("JS-8", pHead1, "张三丰", "2024-06-12", "1", "0")); znb.CodeOf(err) != "forbidden" {
			t.Errorf("auditor feeds: %v", err)
		}
		if _, err := db.ConfirmClaim(ctx, adjuster, next.No, ""); err != nil {
			t.Errorf("confirm again: %v", err)
		}
	})
}

// TestReportsFpb: the monthly report counts the 防贫保 household lines (an
// automatic illness claim reported with its proposal, then paid) and, for
// the office only, the warnings by rule and status; the insurer's report
// has the claims but never the warnings.
func TestReportsFpb(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		newClaimWorld(t, db, "fpb-household")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		res, err := feed(t, db, office,
			settlementLine("JS-1", pHead1, "张三丰", "2024-06-01", "4000.00", "0"),
			settlementLine("JS-2", pHead1, "张三丰", "2024-06-02", "3000.00", "0"))
		if err != nil || len(res.Opened) != 1 {
			t.Fatalf("feed %+v %v", res, err)
		}
		no := res.Opened[0]
		month, _ := report.ParseMonth("2024-06")
		r, err := db.MonthlyReport(ctx, office, "", month)
		if err != nil {
			t.Fatal(err)
		}
		illness := 4 // znb.AllLines: the four lines, then illness
		if znb.AllLines[illness] != znb.Illness {
			t.Fatal("line order")
		}
		if got := r.Total.Reported[illness]; got.Count != 1 || got.Amount.StringFixed(2) != "1000.00" || r.Total.Paid[illness].Count != 0 {
			t.Fatalf("illness reported %+v paid %+v", got, r.Total.Paid[illness])
		}
		if len(r.Lines()) != 7 || r.Warnings[string(fpb.MedicalBurden)][string(fpb.New)] != 1 {
			t.Fatalf("lines %v warnings %v", r.Lines(), r.Warnings)
		}
		if _, err := db.ConfirmClaim(ctx, adjuster, no, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveClaim(ctx, approver, no, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PayClaim(ctx, clerk, no, "BANK-1", ""); err != nil {
			t.Fatal(err)
		}
		ins, err := db.MonthlyReport(ctx, clerk, claimCounty, month)
		if err != nil {
			t.Fatal(err)
		}
		if got := ins.Total.Paid[illness]; got.Count != 1 || got.Amount.StringFixed(2) != "1000.00" {
			t.Fatalf("insurer's paid illness %+v", got)
		}
		if ins.Warnings != nil {
			t.Fatalf("the insurer's report carries warnings: %v", ins.Warnings)
		}
		var buf bytes.Buffer
		w, err := sheet.NewWriter(&buf, "csv")
		if err != nil {
			t.Fatal(err)
		}
		if err := report.WriteMonthly(w, ins, claimCounty, month); err != nil {
			t.Fatal(err)
		}
		if s := buf.String(); !strings.Contains(s, "因病防贫保险赔付金额") || strings.Contains(s, "预警") {
			t.Fatalf("insurer's workbook:\n%s", s)
		}
	})
}

// A file longer than a chunk names its people again in later chunks, where
// their covers come from the feed's cache: H1's second settlement, 600 rows
// after its first, still crosses the trigger line, and the uninsured people
// met in the first chunk are still uninsured in the second — with the cache
// and with a cache emptied at every chunk.
func TestMedicalFeedAcrossChunks(t *testing.T) {
	for _, size := range []int{1 << 19, 1} {
		t.Run(fmt.Sprint("cache ", size), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				store.SetCoverCacheSize(t, size)
				newClaimWorld(t, db, "fpb-household")
				office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
				rows := []string{settlementLine("JS-A", pHead1, "张三丰", "2024-05-01", "2000.00", "0")}
				for i := 0; i < 600; i++ {
					p := 500 + i%150
					rows = append(rows, settlementLine(fmt.Sprintf("JS-X%d", i), p, "王五", "2024-05-02", "100.00", "0"))
				}
				rows = append(rows, settlementLine("JS-B", pSpouse1, "李四", "2024-05-03", "4000.00", "0"))
				res, err := feed(t, db, office, rows...)
				if err != nil {
					t.Fatal(err)
				}
				if res.Loaded != 2 || len(res.NotInsured) != 600 || len(res.Opened) != 1 {
					t.Fatalf("loaded %d, not insured %d, opened %v; want 2, 600, one claim", res.Loaded, len(res.NotInsured), res.Opened)
				}
				c, err := db.GetClaim(context.Background(), adjuster, res.Opened[0])
				if err != nil {
					t.Fatal(err)
				}
				if got := c.Payable.StringFixed(2); got != "500.00" {
					t.Errorf("proposed %s, want 500.00 (6,000 against the 5,000 trigger line)", got)
				}
			})
		})
	}
}

// TestMedicalFeedLateFault: the file is read once, in the transaction that
// stores it, so chunks of good rows are written before a fault at its end is
// met; the fault still leaves nothing stored (no settlement, feed, claim or
// audit entry), a number given again after its first row was written is
// refused as a duplicate rather than failing the insert, and the same file
// mended then loads whole.
func TestMedicalFeedLateFault(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newClaimWorld(t, db, "fpb-household")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		audits := countRows(t, db, "audit_pending") + countRows(t, db, "audit_log")
		rows := []string{settlementLine("JS-A", pHead1, "张三丰", "2024-05-01", "6000.00", "0")}
		for i := 0; i < 1200; i++ {
			rows = append(rows, settlementLine(fmt.Sprintf("JS-X%d", i), 500+i%150, "王五", "2024-05-02", "100.00", "0"))
		}
		late := append(append([]string{}, rows...),
			settlementLine("JS-A", pSpouse1, "李四", "2024-05-03", "100.00", "0"),
			settlementLine("JS-Z", pSpouse1, "李四", "2024-05-03", "abc", "0"))
		res, err := feed(t, db, office, late...)
		if znb.CodeOf(err) != "settlements_rejected" {
			t.Fatalf("err %v", err)
		}
		var got []string
		for _, r := range res.Rejected {
			got = append(got, fmt.Sprintf("%d %s", r.Row, r.Code))
		}
		if want := "2 duplicate_settlement 1203 duplicate_settlement 1204 invalid_amount"; strings.Join(got, " ") != want {
			t.Fatalf("rejects %v, want %s", got, want)
		}
		if res.Rows != 1203 || res.Loaded != 0 || res.FeedID != 0 {
			t.Errorf("refused import %+v", res)
		}
		for _, table := range []string{"settlement_sets", "settlement_numbers", "medical_feeds", "claims"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("%s: %d rows stored", table, n)
			}
		}
		if n := countRows(t, db, "audit_pending") + countRows(t, db, "audit_log"); n != audits {
			t.Errorf("audit entries %d → %d", audits, n)
		}
		res, err = feed(t, db, office, rows...)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 1201 || res.Loaded != 1 || len(res.NotInsured) != 1200 || len(res.Opened) != 1 {
			t.Fatalf("mended file: rows %d, loaded %d, not insured %d, opened %v", res.Rows, res.Loaded, len(res.NotInsured), res.Opened)
		}
		if n := countRows(t, db, "settlement_numbers"); n != 1201 {
			t.Errorf("%d settlement numbers stored, want 1201", n)
		}
	})
}

// TestMedicalFeedSmallSets: a household's settlements split over many sets
// (each at most one line, the open sets written every few lines) still go
// into one automatic claim whole, listed in settlement-date order, across
// two feeds; the adjuster's confirmation reads them all back.
func TestMedicalFeedSmallSets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		store.SetSettlementSets(t, 10, 300)
		ctx := context.Background()
		newClaimWorld(t, db, "fpb-household")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		res, err := feed(t, db, office,
			settlementLine("JS-3", pHead1, "张三丰", "2024-05-03", "2000.00", "0"),
			settlementLine("JS-1", pSpouse1, "李四", "2024-05-01", "2000.00", "0"),
			settlementLine("JS-X", 600, "王五", "2024-05-01", "100.00", "0"),
			settlementLine("JS-2", pHead1, "张三丰", "2024-05-02", "2000.00", "0"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Loaded != 3 || len(res.Opened) != 1 {
			t.Fatalf("loaded %d, opened %v", res.Loaded, res.Opened)
		}
		if n := countRows(t, db, "settlement_sets"); n != 4 {
			t.Errorf("%d sets, want one a settlement (4)", n)
		}
		no := res.Opened[0]
		// 6,000 against the 5,000 trigger line at 50%.
		nos := func(want string) {
			t.Helper()
			c, err := db.GetClaim(ctx, adjuster, no)
			if err != nil {
				t.Fatal(err)
			}
			a, ok := c.Input.(claim.IllnessAssessment)
			if !ok {
				t.Fatalf("assessment %T", c.Input)
			}
			var got []string
			for _, s := range a.Settlements {
				got = append(got, s.No)
			}
			if strings.Join(got, " ")+" "+c.Payable.StringFixed(2) != want {
				t.Errorf("claim holds %v, proposes %s; want %s", got, c.Payable.StringFixed(2), want)
			}
		}
		nos("JS-1 JS-2 JS-3 500.00")
		res, err = feed(t, db, office,
			settlementLine("JS-5", pSpouse1, "李四", "2024-05-05", "1000.00", "0"),
			settlementLine("JS-0", pHead1, "张三丰", "2024-04-30", "1000.00", "0"))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Opened) != 0 || len(res.Updated) != 1 || res.Updated[0] != no {
			t.Fatalf("second feed opened %v, updated %v; want %s updated", res.Opened, res.Updated, no)
		}
		nos("JS-0 JS-1 JS-2 JS-3 JS-5 1500.00")
		if _, err := db.ConfirmClaim(ctx, adjuster, no, ""); err != nil {
			t.Fatal(err)
		}
		nos("JS-0 JS-1 JS-2 JS-3 JS-5 1500.00")
	})
}

// TestSettlementNumbersSkipped: numbers loaded before are skipped whether
// a chunk's numbers follow on from the stored ones, come again in order, are
// scattered over a range holding many other stored numbers, or hold a
// space.
func TestSettlementNumbersSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newClaimWorld(t, db, "fpb-household")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		var first []string
		for i := 0; i < 1200; i++ {
			first = append(first, settlementLine(fmt.Sprintf("N%04d", i), 500+i%150, "王五", "2024-05-02", "100.00", "0"))
		}
		first = append(first, settlementLine("JS 7", 600, "王五", "2024-05-02", "100.00", "0"))
		for _, tc := range []struct {
			name          string
			rows          []string
			rows2, skip2  int
			wantNotInsure int
		}{
			{"new", first, 1201, 0, 1201},
			{"again in order", first, 1201, 1201, 0},
			{"scattered", []string{
				settlementLine("N0005", 510, "王五", "2024-05-02", "100.00", "0"),
				settlementLine("N0500x", 510, "王五", "2024-05-02", "100.00", "0"),
				settlementLine("N1190", 510, "王五", "2024-05-02", "100.00", "0")}, 3, 2, 1},
			{"with a space", []string{
				settlementLine("JS 7", 510, "王五", "2024-05-02", "100.00", "0"),
				settlementLine("JS 8", 510, "王五", "2024-05-02", "100.00", "0")}, 2, 1, 1},
		} {
			res, err := feed(t, db, office, tc.rows...)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if res.Rows != tc.rows2 || res.Skipped != tc.skip2 || len(res.NotInsured) != tc.wantNotInsure {
				t.Errorf("%s: rows %d, skipped %d, stored %d; want %d, %d, %d", tc.name, res.Rows, res.Skipped, len(res.NotInsured),
					tc.rows2, tc.skip2, tc.wantNotInsure)
			}
		}
		if n := countRows(t, db, "settlement_numbers"); n != 1203 {
			t.Errorf("%d numbers stored, want 1,203", n)
		}
	})
}

// TestAutoClaimsPipelined: the automatic claims of a county's feed, three
// households to a group and four groups to a transaction (the groups'
// statements on a pipe, proposals worked out beside them; on MySQL two
// transactions side by side), are the claims the default sizes give,
// household by household; a group whose writes fail fails the feed's
// claims without hanging, and leaves none of its transaction's claims
// behind.
func TestAutoClaimsPipelined(t *testing.T) {
	claims := func(t *testing.T, db *store.DB) map[string]string {
		t.Helper()
		var rows []struct{ HouseholdNo, Payable, Status string }
		if err := db.Gorm(context.Background()).Raw("SELECT household_no, payable, status FROM claims WHERE line = 'illness'").
			Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range rows {
			out[r.HouseholdNo] = r.Payable + " " + r.Status
		}
		return out
	}
	for _, engine := range []string{store.SQLite, store.MySQL} {
		t.Run(engine, func(t *testing.T) {
			load := func(group, span int, written func() error) (*store.MedicalImport, map[string]string, error) {
				t.Helper()
				db := storetest.Engine(t, engine)
				path := countyFeed(t, db, 40, 600, false)
				store.SetAutoGroups(t, group, span, written)
				res, err := db.ImportSettlements(context.Background(), znb.System, storetest.File(t, path))
				return res, claims(t, db), err
			}
			res, want, err := load(1000, 8, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Opened) < 20 {
				t.Fatalf("the county's feed opened %d claims; the test wants a few groups of them", len(res.Opened))
			}
			got, small, err := load(3, 4, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Opened) != len(res.Opened) || fmt.Sprint(small) != fmt.Sprint(want) {
				t.Errorf("in small groups: opened %d, claims\n%v\nwant %d,\n%v", len(got.Opened), small, len(res.Opened), want)
			}
			var groups atomic.Int64
			_, left, err := load(3, 4, func() error {
				if groups.Add(1) == 6 { // on SQLite, the second transaction's second group
					return errors.New("planted write fault")
				}
				return nil
			})
			if err == nil || !strings.Contains(err.Error(), "planted write fault") {
				t.Fatalf("err %v, want the planted fault", err)
			}
			// On MySQL two transactions run side by side: the one beside the
			// failed one, and one started before the fault, may commit too.
			if engine == store.SQLite && len(left) != 12 || len(left)%12 != 0 || len(left) >= len(want) {
				t.Errorf("%d claims left, want whole transactions of 12 (on SQLite the first one), fewer than %d", len(left), len(want))
			}
		})
	}
}

// TestAutoClaimsChainAtOnce: on SQLite the entries of automatic claims go
// straight into the hash chain in the claims' transaction, never through
// audit_pending (a trigger counts what is written there); on MySQL they go
// pending. Either way they follow an entry made before them and the chain
// verifies. A process without the key of a signed chain leaves them
// pending, and nothing is lost.
func TestAutoClaimsChainAtOnce(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.Open(t, dsn)
		newClaimWorld(t, db, "fpb-household")
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: claimCounty}
		g := db.Gorm(ctx)
		trigger := "CREATE TRIGGER count_pending AFTER INSERT ON audit_pending FOR EACH ROW UPDATE pending_claims SET n = n + (NEW.action LIKE 'claim.%')"
		if db.Dialect == store.SQLite {
			trigger = "CREATE TRIGGER count_pending AFTER INSERT ON audit_pending BEGIN UPDATE pending_claims SET n = n + (NEW.action LIKE 'claim.%'); END"
		}
		for _, q := range []string{"CREATE TABLE pending_claims (n INTEGER NOT NULL)", "INSERT INTO pending_claims (n) VALUES (0)", trigger} {
			if err := g.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { g.Exec("DROP TRIGGER count_pending") })
		if err := db.Audit(ctx, office, "claim.note", "claim:before", map[string]any{"note": "before the feed"}); err != nil {
			t.Fatal(err)
		}
		res, err := feed(t, db, office,
			settlementLine("JS-1", pHead1, "张三丰", "2024-05-01", "3000.00", "0"),
			settlementLine("JS-2", pSpouse1, "李四", "2024-05-20", "3000.00", "0"))
		if err != nil || len(res.Opened) != 1 {
			t.Fatalf("feed: %+v %v", res, err)
		}
		var pending int64
		if err := g.Raw("SELECT n FROM pending_claims").Scan(&pending).Error; err != nil {
			t.Fatal(err)
		}
		want := int64(1) // the entry made before the feed
		if db.Dialect == store.MySQL {
			want += 2 // and the claim's report and proposal
		}
		if pending != want {
			t.Errorf("%d claim entries written to audit_pending, want %d", pending, want)
		}
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		seq := map[string]int64{}
		for _, object := range []string{"claim:before", "claim:" + res.Opened[0]} {
			trail, err := db.AuditTrail(ctx, object, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range trail {
				seq[e.Action] = e.Seq
			}
		}
		if seq["claim.note"] == 0 || seq["claim.report"] <= seq["claim.note"] || seq["claim.assess"] <= seq["claim.report"] {
			t.Errorf("chain order %v", seq)
		}
		if broken, _, err := db.VerifyAudit(ctx); broken != 0 || err != nil {
			t.Errorf("chain broken at %d: %v", broken, err)
		}

		bare, err := store.Open(dsn) // a process without the key of this signed chain
		if err != nil {
			t.Fatal(err)
		}
		defer bare.Close()
		bare.Now = db.Now
		if _, err := bare.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		res, err = feed(t, bare, office, settlementLine("JS-3", pHead1, "张三丰", "2024-06-01", "500.00", "0"))
		if err != nil || len(res.Updated) != 1 {
			t.Fatalf("feed without the key: %+v %v", res, err)
		}
		if err := g.Raw("SELECT n FROM pending_claims").Scan(&pending).Error; err != nil || pending != want+1 {
			t.Errorf("%d claim entries written to audit_pending, want %d (%v)", pending, want+1, err)
		}
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		trail, err := db.AuditTrail(ctx, "claim:"+res.Updated[0], 10)
		if err != nil || len(trail) != 3 {
			t.Errorf("trail of the claim after the keyed flush: %d entries, %v", len(trail), err)
		}
		if broken, _, err := db.VerifyAudit(ctx); broken != 0 || err != nil {
			t.Errorf("chain broken at %d: %v", broken, err)
		}
	})
}
