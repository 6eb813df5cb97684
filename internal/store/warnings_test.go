package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const incomeHeader = "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,人均纯收入,风险是否消除\n"

// incomeRow is a one-person household of the county's village 101001 with
// its income and risk.
func incomeRow(county, household string, person int, name, income, risk string) string {
	return fmt.Sprintf("%s,%s101001,青山村,已脱贫户,%s,%s,户主,%s,%s\n", household, county, name, idn(county, person), income, risk)
}

// warningWorld plants, in county 522625, a household for each rule and one
// for its near miss:
//
//	low_income      W1 5,999.99 and 否      W2 6,000.00 and 否
//	income_drop     W3 10,000 → 7,000       W4 10,000 → 7,000.01
//	removed…claim   W5 leaves, claim open   W6 leaves, no claim
//	medical_burden  W1 2,500.00 own share   W2 2,499.99
//	large_loss      W1 5,000.00 approved    W2 4,999.99
//	labour_loss     W3 head dies at 44      W4 disability grade 5
//
// and in county 522626 one low-income household.
func warningWorld(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	const a = "522625"
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: a}
	ag := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{No: "ZY-W", County: a, Product: "fpb-household",
		Categories: []znb.Category{znb.Lifted}})
	v1 := incomeRow(a, "W1", 1, "甲一", "5999.99", "否") + incomeRow(a, "W2", 2, "乙二", "6000.00", "否") +
		incomeRow(a, "W3", 3, "丙三", "10000.00", "是") + incomeRow(a, "W4", 4, "丁四", "10000.00", "是") +
		incomeRow(a, "W5", 5, "戊五", "9000.00", "是") + incomeRow(a, "W6", 6, "己六", "9000.00", "是")
	storetest.ImportAndIssue(t, db, office, ag.ID, storetest.WriteFile(t, "v1.csv", incomeHeader+v1),
		store.ImportOptions{County: a, Effective: znb.MustDate("2024-01-01")})
	cert := func(h string) string {
		cs, err := db.FindCertificates(ctx, znb.System, h, "")
		if err != nil || len(cs) != 1 {
			t.Fatalf("certificate of %s: %v %v", h, cs, err)
		}
		return cs[0].No
	}
	report := func(h string, line znb.Line, person int, incident, cause string) string {
		r := store.ClaimReport{CertificateNo: cert(h), Line: line, IncidentDate: znb.MustDate(incident), ReportedOn: znb.MustDate(incident), Cause: cause}
		if person > 0 {
			r.MemberIDNumber = idn(a, person)
		}
		c, err := db.ReportClaim(ctx, clerk, r)
		if err != nil {
			t.Fatal(err)
		}
		return c.No
	}
	approve := func(no string, f *claim.Form) {
		if _, err := db.AssessClaim(ctx, adjuster, no, f, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveClaim(ctx, approver, no, ""); err != nil {
			t.Fatal(err)
		}
	}
	report("W5", znb.Property, 0, "2024-03-01", "火灾") // stays open
	approve(report("W1", znb.Property, 0, "2024-03-02", "火灾"), &claim.Form{StructureLoss: "5000.00"})
	approve(report("W2", znb.Property, 0, "2024-03-02", "火灾"), &claim.Form{StructureLoss: "4999.99"})
	approve(report("W3", znb.Accident, 3, "2024-03-03", "意外伤害"), &claim.Form{Outcome: "death"})
	approve(report("W4", znb.Accident, 4, "2024-03-03", "意外伤害"), &claim.Form{Outcome: "disability", Injuries: []claim.Injury{{Grade: 5}}})

	v2 := incomeRow(a, "W1", 1, "甲一", "5999.99", "否") + incomeRow(a, "W2", 2, "乙二", "6000.00", "否") +
		incomeRow(a, "W3", 3, "丙三", "7000.00", "是") + incomeRow(a, "W4", 4, "丁四", "7000.01", "是")
	storetest.ImportAndIssue(t, db, office, ag.ID, storetest.WriteFile(t, "v2.csv", incomeHeader+v2),
		store.ImportOptions{County: a, Effective: znb.MustDate("2024-04-01")})
	if _, err := feed(t, db, office,
		fmt.Sprintf("JS-W1,%s,甲一,县医院,,,2024-05-01,3000.00,500.00,0,0,0\n", idn(a, 1)),
		fmt.Sprintf("JS-W2,%s,乙二,县医院,,,2024-05-01,2499.99,0,0,0,0\n", idn(a, 2))); err != nil {
		t.Fatal(err)
	}

	const b = "522626"
	officeB := znb.Actor{Username: "officeB", Role: znb.Office, Scope: b}
	if _, err := db.ImportList(ctx, officeB, storetest.File(t, storetest.WriteFile(t, "b.csv", incomeHeader+incomeRow(b, "B1", 1, "庚七", "1000.00", "否"))),
		store.ImportOptions{County: b, Effective: znb.MustDate("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
}

// keys lists the warnings as "household rule" in order.
func keys(ws []fpb.Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.HouseholdNo + " " + string(w.Rule)
	}
	sort.Strings(out)
	return out
}

func TestWarnings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		warningWorld(t, db)
		officeA := znb.Actor{Username: "office", Role: znb.Office, Scope: "522625"}
		officeB := znb.Actor{Username: "officeB", Role: znb.Office, Scope: "522626"}
		want := []string{"W1 large_loss", "W1 low_income", "W1 medical_burden", "W3 income_drop", "W3 labour_loss", "W5 removed_with_open_claim"}

		t.Run("each rule and not its near miss", func(t *testing.T) {
			ws, total, err := db.ListWarnings(ctx, officeA, store.WarningQuery{})
			if err != nil || total != int64(len(want)) || strings.Join(keys(ws), ",") != strings.Join(want, ",") {
				t.Fatalf("warnings %v (%d) %v\nwant %v", keys(ws), total, err, want)
			}
			for _, w := range ws {
				if w.Status != fpb.New || w.Year != 2024 || w.RegionCode != "522625101001" || len(w.Figures) == 0 {
					t.Errorf("warning %+v", w)
				}
				if w.Rule == fpb.MedicalBurden && w.Figures["out_of_pocket"] != "2500.00" {
					t.Errorf("medical figures %v", w.Figures)
				}
				if w.Rule == fpb.LowIncome && w.HeadName != "甲一" {
					t.Errorf("head %q", w.HeadName)
				}
			}
		})
		t.Run("raised once however often evaluated", func(t *testing.T) {
			for i := 0; i < 3; i++ {
				if n, err := db.EvaluateWarnings(ctx, "522625"); err != nil || n != 0 {
					t.Fatalf("evaluation %d raised %d %v", i, n, err)
				}
			}
			if _, total, _ := db.ListWarnings(ctx, officeA, store.WarningQuery{}); total != int64(len(want)) {
				t.Errorf("total %d", total)
			}
		})
		t.Run("scope", func(t *testing.T) {
			ws, _, err := db.ListWarnings(ctx, officeB, store.WarningQuery{})
			if err != nil || strings.Join(keys(ws), ",") != "B1 low_income" {
				t.Errorf("county B: %v %v", keys(ws), err)
			}
			if ws, _, _ := db.ListWarnings(ctx, officeB, store.WarningQuery{Region: "522625"}); len(ws) != 0 {
				t.Errorf("county B asks for A: %v", keys(ws))
			}
			if _, _, err := db.ListWarnings(ctx, clerk, store.WarningQuery{}); znb.CodeOf(err) != "forbidden" {
				t.Errorf("insurer reads warnings: %v", err)
			}
			aud := znb.Actor{Username: "aud", Role: znb.Auditor, Scope: "522625"}
			ws, _, err = db.ListWarnings(ctx, aud, store.WarningQuery{Rule: fpb.LowIncome})
			if err != nil || len(ws) != 1 || ws[0].HeadName != "甲*" {
				t.Errorf("auditor: %+v %v", ws, err)
			}
			if _, _, err := db.ListWarnings(ctx, officeA, store.WarningQuery{Rule: "nope"}); znb.CodeOf(err) != "invalid_rule" {
				t.Errorf("bad rule: %v", err)
			}
		})
		t.Run("follow-up", func(t *testing.T) {
			ws, _, _ := db.ListWarnings(ctx, officeA, store.WarningQuery{Rule: fpb.IncomeDrop})
			id := ws[0].ID
			if _, err := db.MoveWarning(ctx, officeB, id, fpb.Visiting, ""); znb.CodeOf(err) != "not_found" {
				t.Errorf("county B moves A's: %v", err)
			}
			if _, err := db.MoveWarning(ctx, officeA, id, fpb.Visiting, "入户核实"); err != nil {
				t.Fatal(err)
			}
			w, err := db.MoveWarning(ctx, officeA, id, fpb.Assisted, "落实就业帮扶")
			if err != nil || w.Status != fpb.Assisted || len(w.History) != 2 || w.History[1].Note != "落实就业帮扶" {
				t.Fatalf("assisted: %+v %v", w, err)
			}
			if ws, _, _ := db.ListWarnings(ctx, officeA, store.WarningQuery{Status: fpb.Assisted}); len(ws) != 1 {
				t.Errorf("assisted list %v", keys(ws))
			}
		})
	})
}
