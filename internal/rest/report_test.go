package rest_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// reportClaims runs two claims of the claim world, with the clock set to
// each step's day: K1, a fire at H1 (青山村) reported 03-03, 4,800.00 paid
// 03-10; K2, 赵六's accident (白水村) reported 03-15, 3,000.00 paid 04-02.
func reportClaims(t *testing.T, db *store.DB, w *claimWorld, insurer string) map[string]string {
	t.Helper()
	ctx := context.Background()
	clerk := znb.Actor{ID: 1, Username: "c", Role: znb.InsurerClerk, Scope: insurer}
	adj := znb.Actor{ID: 2, Username: "a", Role: znb.Adjuster, Scope: insurer}
	appr := znb.Actor{ID: 3, Username: "p", Role: znb.Approver, Scope: insurer}
	on := func(day string) {
		d := znb.MustDate(day).Time().Add(2 * time.Hour)
		db.Now = func() time.Time { return d }
	}
	defer func() { db.Now = func() time.Time { return storetest.Now } }()
	nos := map[string]string{}
	step := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	on("2024-03-03")
	c, err := db.ReportClaim(ctx, clerk, store.ClaimReport{CertificateNo: w.cert["H1"], Line: znb.Property,
		IncidentDate: znb.MustDate("2024-03-03"), ReportedOn: znb.MustDate("2024-03-03"), Cause: "火灾"})
	step(err)
	nos["K1"] = c.No
	_, err = db.AssessClaim(ctx, adj, c.No, claim.PropertyAssessment{StructureLoss: money.MustParse("5000"),
		DecorationLoss: decimal.Zero, ApplianceLoss: decimal.Zero}, "")
	step(err)
	_, err = db.ApproveClaim(ctx, appr, c.No, "")
	step(err)
	on("2024-03-10")
	_, err = db.PayClaim(ctx, clerk, c.No, "P1", "")
	step(err)
	on("2024-03-15")
	c, err = db.ReportClaim(ctx, clerk, store.ClaimReport{CertificateNo: w.cert["H4"], Line: znb.Accident,
		MemberIDNumber: w.person(pHead4), IncidentDate: znb.MustDate("2024-03-15"), ReportedOn: znb.MustDate("2024-03-15"), Cause: "意外伤害"})
	step(err)
	nos["K2"] = c.No
	on("2024-03-20")
	_, err = db.AssessClaim(ctx, adj, c.No, claim.AccidentAssessment{Outcome: "disability", Injuries: []claim.Injury{{Grade: 10}}}, "")
	step(err)
	_, err = db.ApproveClaim(ctx, appr, c.No, "")
	step(err)
	on("2024-04-02")
	_, err = db.PayClaim(ctx, clerk, c.No, "P2", "")
	step(err)
	return nos
}

type figuresAnswer struct {
	Level         string            `json:"level"`
	RegionCode    string            `json:"region_code"`
	Name          string            `json:"name"`
	Households    int               `json:"households"`
	Persons       int               `json:"persons"`
	Premium       map[string]string `json:"premium"`
	EarnedPremium string            `json:"earned_premium"`
	Reported      map[string]struct {
		Count  int    `json:"count"`
		Amount string `json:"amount"`
	} `json:"reported"`
	Paid map[string]struct {
		Count  int    `json:"count"`
		Amount string `json:"amount"`
	} `json:"paid"`
	LossRatio    *string        `json:"loss_ratio"`
	AvgDaysToPay *string        `json:"avg_days_to_pay"`
	OpenClaims   map[string]int `json:"open_claims"`
}

type reportAnswer struct {
	Region    string          `json:"region"`
	Month     string          `json:"month"`
	CoverFrom string          `json:"cover_from"`
	CoverTo   string          `json:"cover_to"`
	AsOf      string          `json:"as_of"`
	Total     figuresAnswer   `json:"total"`
	Rows      []figuresAnswer `json:"rows"`
	// annual
	AgreementNo string `json:"agreement_no"`
	Coverage    struct {
		ListID   int64   `json:"list_id"`
		Eligible int     `json:"eligible"`
		Insured  int     `json:"insured"`
		Rate     *string `json:"rate"`
	} `json:"coverage"`
	TopCauses []struct {
		Cause     string `json:"cause"`
		Reported  int    `json:"reported"`
		PaidCount int    `json:"paid_count"`
		Paid      string `json:"paid"`
	} `json:"top_causes"`
	Reconciliation map[string]any `json:"reconciliation"`
}

// pro is premium × days ÷ of, rounded half-up to the cent.
func pro(premium string, days, of int) decimal.Decimal {
	return money.MustParse(premium).Mul(decimal.NewFromInt(int64(days))).Div(decimal.NewFromInt(int64(of))).Round(2)
}

func TestReportsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		const county = "522625"
		w := newClaimWorld(t, h, county, "PICC-ZY", "znb-standard")
		nos := reportClaims(t, db, w, "PICC-ZY")
		v1, v2 := county+"101001", county+"101002"

		// March. 青山村: 张三丰, 李四, 王五 for the month, 王小五 for its first
		// day (his 10.00 cover of 61 days); 张小丰 comes with April. H1's
		// premium is 60 + 60 + 60 × 275 / 366 = 165.08, H2's 70.00.
		// 白水村: 赵六, covered 01-01 to 03-31 (91 days, 14.92).
		earned1 := pro("60.00", 31, 366).Mul(decimal.NewFromInt(3)).Add(pro("10.00", 1, 61))
		earned2 := pro("14.92", 31, 91)
		t.Run("Monthly", func(t *testing.T) {
			code, b := h.call("GET", "/api/v1/reports/monthly?month=2024-03", w.office, nil)
			if code != 200 {
				t.Fatalf("monthly: %d %s", code, b)
			}
			var r reportAnswer
			decodeJSON(t, b, &r)
			if r.Region != county || r.Month != "2024-03" || r.CoverFrom != "2024-03-01" || r.CoverTo != "2024-03-31" || r.AsOf != "2024-03-31" {
				t.Errorf("header %+v", r)
			}
			if len(r.Rows) != 4 {
				t.Fatalf("rows %+v", r.Rows)
			}
			want := []struct {
				level, region, name string
				households, persons int
				premium, central    string
				earned              decimal.Decimal
				rep, paid           map[string]string // line → "count/amount"
				lossRatio, avg      string
				open                map[string]int
			}{
				{"county", county, "", 3, 5, "250.00", "90.00", earned1.Add(earned2),
					map[string]string{"property": "1/4800.00", "accident": "1/3000.00", "total": "2/7800.00", "agriculture": "0/0.00"},
					map[string]string{"property": "1/4800.00", "accident": "0/0.00", "total": "1/4800.00"},
					money.MustParse("480000").Div(earned1.Add(earned2)).Round(2).StringFixed(2), "7.0",
					map[string]int{"days_0_7": 0, "days_8_30": 1, "total": 1}},
				{"township", county + "101", "", 3, 5, "250.00", "90.00", earned1.Add(earned2), nil, nil, "", "7.0", nil},
				{"village", v1, "青山村", 2, 4, "235.08", "82.54", earned1,
					map[string]string{"property": "1/4800.00", "accident": "0/0.00"},
					map[string]string{"property": "1/4800.00", "total": "1/4800.00"},
					money.MustParse("480000").Div(earned1).Round(2).StringFixed(2), "7.0", map[string]int{"total": 0}},
				{"village", v2, "白水村", 1, 1, "14.92", "7.46", earned2,
					map[string]string{"accident": "1/3000.00"}, map[string]string{"accident": "0/0.00", "total": "0/0.00"},
					"0.00", "", map[string]int{"days_8_30": 1}},
			}
			for i, x := range want {
				g := r.Rows[i]
				if g.Level != x.level || g.RegionCode != x.region || g.Name != x.name || g.Households != x.households ||
					g.Persons != x.persons || g.Premium["premium"] != x.premium || g.Premium["central"] != x.central ||
					g.EarnedPremium != x.earned.StringFixed(2) {
					t.Errorf("row %d = %s %s %s %d %d %s %s %s; want %+v (earned %s)", i, g.Level, g.RegionCode, g.Name, g.Households,
						g.Persons, g.Premium["premium"], g.Premium["central"], g.EarnedPremium, x, x.earned.StringFixed(2))
				}
				for l, v := range x.rep {
					if got := fmt.Sprintf("%d/%s", g.Reported[l].Count, g.Reported[l].Amount); got != v {
						t.Errorf("row %d reported %s = %s, want %s", i, l, got, v)
					}
				}
				for l, v := range x.paid {
					if got := fmt.Sprintf("%d/%s", g.Paid[l].Count, g.Paid[l].Amount); got != v {
						t.Errorf("row %d paid %s = %s, want %s", i, l, got, v)
					}
				}
				if x.lossRatio != "" && str(g.LossRatio) != x.lossRatio {
					t.Errorf("row %d loss ratio %s, want %s", i, str(g.LossRatio), x.lossRatio)
				}
				if x.avg == "" && g.AvgDaysToPay != nil || x.avg != "" && str(g.AvgDaysToPay) != x.avg {
					t.Errorf("row %d average days %s, want %q", i, str(g.AvgDaysToPay), x.avg)
				}
				for k, n := range x.open {
					if g.OpenClaims[k] != n {
						t.Errorf("row %d open %s = %d, want %d", i, k, g.OpenClaims[k], n)
					}
				}
			}
			if r.Total.Persons != 5 || r.Total.Premium["premium"] != "250.00" {
				t.Errorf("total %+v", r.Total)
			}
		})

		// The same month as a workbook, both ways of asking.
		t.Run("MonthlyXLSX", func(t *testing.T) {
			for _, path := range []string{"/api/v1/reports/monthly.xlsx?month=2024-03&region=" + county,
				"/api/v1/reports/monthly?month=2024-03&format=xlsx"} {
				code, b := h.call("GET", path, w.auditor, nil)
				if code != 200 {
					t.Fatalf("%s: %d %s", path, code, b)
				}
				f, err := excelize.OpenReader(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				rows, err := f.GetRows("分区域统计")
				if err != nil || len(rows) != 6 {
					t.Fatalf("sheet rows %d, %v", len(rows), err)
				}
				col := map[string]int{}
				for i, hd := range rows[0] {
					col[hd] = i
				}
				v := rows[3] // 青山村
				if v[col["级别"]] != "村" || v[col["行政区划代码"]] != v1 || v[col["名称"]] != "青山村" || v[col["参保人数"]] != "4" ||
					v[col["保费"]] != "235.08" || v[col["已赚保费"]] != earned1.StringFixed(2) ||
					v[col["家庭财产保险赔付金额"]] != "4800.00" || v[col["报案至支付平均天数"]] != "7.0" {
					t.Errorf("village row %v", v)
				}
				if last := rows[5]; last[col["级别"]] != "合计" || last[col["赔付合计金额"]] != "4800.00" || last[col["未结案件8-30天"]] != "1" {
					t.Errorf("total row %v", last)
				}
				f.Close()
			}
		})

		// The annual evaluation, drawn up on 06-15: 167 days earned of the
		// year's covers; 张小丰 from 04-01 (76 of 275 days); 赵六's and
		// 王小五's whole covers.
		t.Run("Annual", func(t *testing.T) {
			code, b := h.call("GET", fmt.Sprintf("/api/v1/reports/annual?agreement_id=%d", w.agreementID), w.clerk, nil)
			if code != 200 {
				t.Fatalf("annual: %d %s", code, b)
			}
			var a reportAnswer
			decodeJSON(t, b, &a)
			earned := pro("60.00", 167, 366).Mul(decimal.NewFromInt(3)).Add(pro("45.08", 76, 275)).Add(money.MustParse("10.00")).Add(money.MustParse("14.92"))
			if a.AgreementNo != "ZY-"+county {
				t.Errorf("agreement %q", a.AgreementNo)
			}
			if a.Total.EarnedPremium != earned.StringFixed(2) {
				t.Errorf("earned %s, want %s", a.Total.EarnedPremium, earned.StringFixed(2))
			}
			if a.Total.Persons != 6 || a.Total.Households != 3 || a.Total.Paid["total"].Amount != "7800.00" || a.Total.Paid["total"].Count != 2 {
				t.Errorf("annual total %+v", a.Total)
			}
			// K1 paid 7 days after report, K2 18 days: 12.5.
			if str(a.Total.AvgDaysToPay) != "12.5" {
				t.Errorf("average days %s, want 12.5", str(a.Total.AvgDaysToPay))
			}
			if lr := money.MustParse("780000").Div(earned).Round(2).StringFixed(2); str(a.Total.LossRatio) != lr {
				t.Errorf("loss ratio %s, want %s", str(a.Total.LossRatio), lr)
			}
			// The list of 04-01 names five people (赵六's household left it),
			// all insured.
			if a.Coverage.Eligible != 5 || a.Coverage.Insured != 5 || str(a.Coverage.Rate) != "100.00" {
				t.Errorf("coverage %+v", a.Coverage)
			}
			if len(a.TopCauses) != 2 || a.TopCauses[0].Cause != "火灾" || a.TopCauses[0].Paid != "4800.00" ||
				a.TopCauses[1].Cause != "意外伤害" || a.TopCauses[1].PaidCount != 1 {
				t.Errorf("causes %+v", a.TopCauses)
			}
			if a.Reconciliation["status"] != "none" {
				t.Errorf("reconciliation %v, want none", a.Reconciliation)
			}
		})

		t.Run("AnnualPDF", func(t *testing.T) {
			code, b := h.call("GET", fmt.Sprintf("/api/v1/reports/annual.pdf?agreement_id=%d", w.agreementID), w.office, nil)
			if code != 200 || !bytes.HasPrefix(b, []byte("%PDF")) {
				t.Fatalf("annual.pdf: %d %.200s", code, b)
			}
			text := strings.Join(pagesText(t, b, "-layout"), "")
			assertHas(t, "evaluation", text, "年度运行情况评估", "ZY-"+county, "青山村", "白水村", "7,800.00", "100.00%", "火灾",
				"尚无已确认或已结算的对账", "制表日期：2024-06-15")
		})

		t.Run("AnnualXLSX", func(t *testing.T) {
			code, b := h.call("GET", fmt.Sprintf("/api/v1/reports/annual?agreement_id=%d&format=xlsx", w.agreementID), w.office, nil)
			if code != 200 {
				t.Fatalf("annual xlsx: %d", code)
			}
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			causes, _ := f.GetRows("出险原因")
			if len(causes) != 3 || causes[1][1] != "火灾" || causes[1][4] != "4800.00" {
				t.Errorf("causes sheet %v", causes)
			}
			f.Close()
		})

		// The notice of 青山村 for March: 张三丰's fire, masked.
		t.Run("NoticeHouseholdLine", func(t *testing.T) {
			code, b := h.call("GET", fmt.Sprintf("/api/v1/reports/notice.pdf?agreement_id=%d&village=%s&month=2024-03", w.agreementID, v1), w.office, nil)
			if code != 200 {
				t.Fatalf("notice: %d %s", code, b)
			}
			text := strings.Join(pagesText(t, b, "-layout"), "")
			assertHas(t, "notice", text, "青山村“助农保”理赔公示", "2024年3月", "张*丰", maskedID(w.person(pHead1)), "家庭财产保险",
				"4,800.00", "合计", "1件", "95518", "12317")
			// Posted on Saturday 2024-06-15: 7 days end on a Saturday, so on the Monday after.
			if !strings.Contains(strings.Join(strings.Fields(text), ""), "至2024-06-24（含当日）止") {
				t.Errorf("notice without the end of its objection period:\n%s", text)
			}
			assertNoFullID(t, b, text, w.person(pHead1))
			if strings.Contains(text, "张三丰") || strings.Contains(text, nos["K1"]) {
				t.Error("notice shows the full name or the claim number")
			}
		})

		// 白水村 in April: 赵六's accident.
		t.Run("NoticeMemberLine", func(t *testing.T) {
			code, b := h.call("GET", fmt.Sprintf("/api/v1/reports/notice.pdf?agreement_id=%d&village=%s&month=2024-04", w.agreementID, v2), w.auditor, nil)
			if code != 200 {
				t.Fatalf("notice: %d %s", code, b)
			}
			text := strings.Join(pagesText(t, b, "-layout"), "")
			assertHas(t, "notice", text, "赵*", maskedID(w.person(pHead4)), "意外伤害保险", "3,000.00")
			assertNoFullID(t, b, text, w.person(pHead4))
		})

		// Scope and refusals.
		otherOffice := h.user("office-other", znb.Office, "522626")
		notice := fmt.Sprintf("/api/v1/reports/notice.pdf?agreement_id=%d&village=%%s&month=2024-03", w.agreementID)
		for _, c := range []struct {
			name, path, key string
			status          int
			code            string
		}{
			{"MonthlyOtherCounty", "/api/v1/reports/monthly?month=2024-03&region=" + county, otherOffice, 404, "not_found"},
			{"MonthlyOwnScope", "/api/v1/reports/monthly?month=2024-03", otherOffice, 200, ""},
			{"AnnualOtherInsurer", fmt.Sprintf("/api/v1/reports/annual?agreement_id=%d", w.agreementID), w.otherClerk, 404, "not_found"},
			{"AnnualPDFOtherCounty", fmt.Sprintf("/api/v1/reports/annual.pdf?agreement_id=%d", w.agreementID), otherOffice, 404, "not_found"},
			{"NoticeOtherInsurer", fmt.Sprintf(notice, v1), w.otherClerk, 404, "not_found"},
			{"NoticeOtherCounty", fmt.Sprintf(notice, v1), otherOffice, 404, "not_found"},
			{"RegionRequired", "/api/v1/reports/monthly?month=2024-03", w.clerk, 422, "region_required"},
			{"MonthRequired", "/api/v1/reports/monthly", w.office, 422, "month_required"},
			{"InvalidMonth", "/api/v1/reports/monthly?month=2024-3", w.office, 422, "invalid_month"},
			{"MonthInFuture", "/api/v1/reports/monthly?month=2024-07", w.office, 422, "month_in_future"},
			{"BadFormat", "/api/v1/reports/monthly?month=2024-03&format=pdf", w.office, 422, "bad_format"},
			{"AgreementRequired", "/api/v1/reports/annual", w.office, 422, "agreement_id_required"},
			{"InvalidVillage", fmt.Sprintf(notice, county), w.office, 422, "invalid_village"},
		} {
			t.Run(c.name, func(t *testing.T) {
				code, b := h.call("GET", c.path, c.key, nil)
				if code != c.status || (c.code != "" && errorCode(t, b) != c.code) {
					t.Errorf("%s: %d %s, want %d %s", c.path, code, b, c.status, c.code)
				}
			})
		}
		t.Run("OtherInsurerMonthlyEmpty", func(t *testing.T) {
			code, b := h.call("GET", "/api/v1/reports/monthly?month=2024-03&region="+county, w.otherClerk, nil)
			var empty reportAnswer
			if decodeJSON(t, b, &empty); code != 200 || len(empty.Rows) != 0 || empty.Total.Persons != 0 {
				t.Errorf("other insurer: %d %s", code, b)
			}
		})
	})
}
