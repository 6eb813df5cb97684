package rest_test

import (
	"fmt"
	"testing"

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
