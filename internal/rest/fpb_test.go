package rest_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestMedicalSettlementsAPI: the office loads the 医保 export; H1 crossing the
// illness trigger gets an automatic claim the adjuster confirms and an
// approver approves; a bad file is refused with its rows; an auditor and an
// adjuster may not load.
func TestMedicalSettlementsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "fpb-household")
		file := "结算单号,身份证号,姓名,医疗机构,入院日期,出院日期,结算日期,总费用,基本医保支付,大病保险支付,医疗救助支付,目录外费用\n" +
			fmt.Sprintf("JS-1,%s,张三丰,县医院,2024-05-01,2024-05-09,2024-05-10,20000.00,8000.00,0,0,0\n", w.person(pHead1))
		for _, key := range []string{w.auditor, w.adjuster} {
			if code, body := h.upload("/api/v1/medical-settlements", key, "file", "js.csv", []byte(file), nil); code != 403 {
				t.Errorf("forbidden upload: %d %s", code, body)
			}
		}
		bad := file + "JS-2,123,李四,县医院,,,2024-05-10,abc,0,0,0,0\n"
		code, body := h.upload("/api/v1/medical-settlements", w.office, "file", "js.csv", []byte(bad), nil)
		var refused struct {
			Error    struct{ Code string }
			Rejected []struct {
				Row  int
				Code string
			}
		}
		decodeJSON(t, body, &refused)
		if code != 422 || refused.Error.Code != "settlements_rejected" || len(refused.Rejected) != 2 || refused.Rejected[0].Row != 3 {
			t.Fatalf("bad file: %d %s", code, body)
		}
		code, body = h.upload("/api/v1/medical-settlements", w.office, "file", "js.csv", []byte(file), nil)
		var res struct {
			Loaded       int      `json:"loaded"`
			ClaimsOpened []string `json:"claims_opened"`
		}
		decodeJSON(t, body, &res)
		if code != 201 || res.Loaded != 1 || len(res.ClaimsOpened) != 1 {
			t.Fatalf("feed: %d %s", code, body)
		}
		no := res.ClaimsOpened[0]
		// 12,000 out-of-pocket: 2,500 + 1,200 = 3,700.00 proposed.
		var c claimAnswer
		code, body = h.call("GET", "/api/v1/claims/"+no, w.clerk, nil)
		decodeJSON(t, body, &c)
		if code != 200 || c.Line != "illness" || c.Payable == nil || *c.Payable != "3700.00" || len(c.Flags) != 1 || c.Flags[0] != "auto" {
			t.Fatalf("auto claim: %d %s", code, body)
		}
		if code, body = h.call("POST", "/api/v1/claims/"+no+"/approve", w.approver, nil); code != 409 || errorCode(t, body) != "proposal_unconfirmed" {
			t.Errorf("approve the proposal: %d %s", code, body)
		}
		if code, body = h.call("POST", "/api/v1/claims/"+no+"/confirm", w.adjuster, map[string]string{"note": "已核对结算单"}); code != 200 {
			t.Fatalf("confirm: %d %s", code, body)
		}
		if code, body = h.call("POST", "/api/v1/claims/"+no+"/approve", w.approver, nil); code != 200 {
			t.Errorf("approve: %d %s", code, body)
		}
	})
}

// TestWarningsAPI: the office lists and follows up its county's warnings
// and exports the month; insurers are refused; another county sees none.
func TestWarningsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "fpb-household")
		other := h.user("office-b", "office", "522626")
		file := "结算单号,身份证号,姓名,医疗机构,入院日期,出院日期,结算日期,总费用,基本医保支付,大病保险支付,医疗救助支付,目录外费用\n" +
			fmt.Sprintf("JS-1,%s,张三丰,县医院,,,2024-05-10,3000.00,0,0,0,0\n", w.person(pHead1))
		if code, body := h.upload("/api/v1/medical-settlements", w.clerk, "file", "js.csv", []byte(file), nil); code != 201 {
			t.Fatalf("feed: %d %s", code, body)
		}
		var list struct {
			Items []struct {
				ID      int64             `json:"id"`
				Rule    string            `json:"rule"`
				Figures map[string]string `json:"figures"`
			} `json:"items"`
			Total int `json:"total"`
		}
		code, body := h.call("GET", "/api/v1/warnings?rule=medical_burden", w.office, nil)
		decodeJSON(t, body, &list)
		if code != 200 || list.Total != 1 || list.Items[0].Figures["out_of_pocket"] != "3000.00" {
			t.Fatalf("office list: %d %s", code, body)
		}
		if code, body = h.call("GET", "/api/v1/warnings", w.clerk, nil); code != 403 {
			t.Errorf("insurer: %d %s", code, body)
		}
		if code, body = h.call("GET", "/api/v1/warnings", other, nil); code != 200 || !strings.Contains(string(body), `"total":0`) {
			t.Errorf("other county: %d %s", code, body)
		}
		path := fmt.Sprintf("/api/v1/warnings/%d/status", list.Items[0].ID)
		if code, body = h.call("POST", path, other, map[string]string{"status": "visiting"}); code != 404 {
			t.Errorf("other county moves: %d %s", code, body)
		}
		if code, body = h.call("POST", path, w.auditor, map[string]string{"status": "visiting"}); code != 403 {
			t.Errorf("auditor moves: %d %s", code, body)
		}
		if code, body = h.call("POST", path, w.office, map[string]string{"status": "visiting", "note": "入户核实"}); code != 200 {
			t.Errorf("visiting: %d %s", code, body)
		}
		code, body = h.call("GET", "/api/v1/warnings/export.xlsx?month=2024-06", w.office, nil)
		if code != 200 || len(body) < 100 || string(body[:2]) != "PK" {
			t.Fatalf("export: %d %.200s", code, body)
		}
		p := tempPath(t, "w.xlsx")
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		rows, err := sheet.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var text []string
		for rows.Next() {
			text = append(text, strings.Join(rows.Row(), "|"))
		}
		if got := strings.Join(text, "\n"); !strings.Contains(got, "合计|522625||1") || !strings.Contains(got, "村|522625101001|青山村|1") {
			t.Errorf("export summary:\n%s", got)
		}
	})
}
