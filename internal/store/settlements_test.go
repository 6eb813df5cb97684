package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestSettlementsMove: the settlements stored a row each before settlement
// sets move into sets by feed, household, certificate and claim, keeping
// every figure, their claim numbers and their numbers' feeds, and the old
// table goes.
func TestSettlementsMove(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.MigrateTo(ctx, "0023_certificate_village_index.sql"); err != nil {
			t.Fatal(err)
		}
		g := db.Gorm(ctx)
		for _, f := range []int{1, 2} {
			if err := g.Exec("INSERT INTO medical_feeds (id, feed_date, rows_read, loaded, skipped, not_insured, created_by, created_at) VALUES (?, '2024-06-01', 3, 3, 0, 0, 'office', 0)", f).Error; err != nil {
				t.Fatal(err)
			}
		}
		type old struct {
			no       string
			feed     int
			agr      int
			hh, cert string
			claim    string
			provider string
			admitted any
			total    string
			basic    string
		}
		olds := []old{
			{"JS-1", 1, 7, "H1", "C1", "CLM-1", "县人民医院", "2024-05-01", "3000.00", "1000.00"},
			{"JS-2", 1, 0, "", "", "", "外县医院", nil, "500.00", "0.00"},
			{"JS-3", 1, 7, "H1", "C1", "CLM-1", `镇卫生院,"二楼"`, nil, "2500.50", "0.00"},
			{"JS-4", 1, 7, "H1", "C1", "", "县人民医院", nil, "800.00", "100.00"},
			{"JS-5", 1, 7, "H2", "C2", "", "县人民医院", nil, "100.00", "0.00"},
			{"JS-6", 2, 7, "H1", "C1", "", "县人民医院", nil, "700.00", "0.00"},
		}
		for i, o := range olds {
			if err := g.Exec(`INSERT INTO medical_settlements (settlement_no, feed_id, id_number, name, provider, admitted_on,
				settled_on, total, basic_insurance_paid, critical_illness_paid, medical_assistance_paid, non_reimbursable,
				out_of_pocket, agreement_id, insurer, certificate_no, household_no, region_code, claim_no, created_at)
				VALUES (?, ?, '522625199001010011', '张三', ?, ?, ?, ?, ?, '0.00', '0.00', '0.00', ?, ?, 'PICC', ?, ?, '522625100001', ?, 0)`,
				o.no, o.feed, o.provider, o.admitted, fmt.Sprintf("2024-05-%02d", i+1), o.total, o.basic,
				decimal.RequireFromString(o.total).Sub(decimal.RequireFromString(o.basic)), o.agr, o.cert, o.hh, o.claim).Error; err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var tables int64
		if err := g.Raw("SELECT COUNT(*) FROM settlement_numbers").Scan(&tables).Error; err != nil || tables != 6 {
			t.Fatalf("%d numbers (%v), want 6", tables, err)
		}
		var feedOf int64
		if err := g.Raw("SELECT feed_id FROM settlement_numbers WHERE settlement_no = 'JS-6'").Scan(&feedOf).Error; err != nil || feedOf != 2 {
			t.Errorf("JS-6 loaded by feed %d (%v), want 2", feedOf, err)
		}
		if err := g.Exec("SELECT 1 FROM medical_settlements").Error; err == nil {
			t.Error("medical_settlements is still there")
		}
		var sets []struct {
			FeedID               int64
			AgreementID          int64
			HouseholdNo, ClaimNo string
			Settlements          int
			OutOfPocket          decimal.Decimal
			Body                 string
		}
		if err := g.Raw("SELECT feed_id, agreement_id, household_no, COALESCE(claim_no, '') AS claim_no, settlements, out_of_pocket, body" +
			" FROM settlement_sets LEFT JOIN settlement_set_claims ON set_id = id ORDER BY id").
			Scan(&sets).Error; err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		read := map[string]fpb.SettlementRow{}
		for _, s := range sets {
			rows, err := fpb.ParseSettlements(s.Body)
			if err != nil || len(rows) != s.Settlements {
				t.Fatalf("set %+v: %d lines (%v)", s, len(rows), err)
			}
			nos := ""
			for _, r := range rows {
				nos += r.No + " "
				read[r.No] = r
			}
			got[fmt.Sprintf("%d/%d/%s/%s", s.FeedID, s.AgreementID, s.HouseholdNo, s.ClaimNo)] = nos + money.String(s.OutOfPocket)
		}
		want := map[string]string{
			"1/7/H1/CLM-1": "JS-1 JS-3 4500.50",
			"1/0//":        "JS-2 500.00",
			"1/7/H1/":      "JS-4 700.00",
			"1/7/H2/":      "JS-5 100.00",
			"2/7/H1/":      "JS-6 700.00",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("sets\n got %v\nwant %v", got, want)
		}
		for i, o := range olds {
			r := read[o.no]
			if r.Provider != o.provider || r.SettledOn.String() != fmt.Sprintf("2024-05-%02d", i+1) || money.String(r.Total) != o.total ||
				money.String(r.BasicInsurancePaid) != o.basic || r.IDNumber != "522625199001010011" || (o.admitted != nil) != !r.AdmittedOn.IsZero() {
				t.Errorf("%s moved as %+v", o.no, r)
			}
		}
	})
}
