package rest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestEventAPI walks a flood through the API on both engines: declare,
// download the worksheet, a refused and a good upload, the same upload
// again, approval by village, accounts, a batch, its bank file, the bank's
// answer and the dashboard in its three forms.
func TestEventAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")
		flood := map[string]any{"name": "6·10 洪灾", "cause": "自然灾害", "first_day": "2024-06-10", "last_day": "2024-06-12",
			"regions": []string{"522625101"}}
		if code, b := h.call("POST", "/api/v1/events", w.auditor, flood); code != 403 {
			t.Fatalf("auditor declares: %d %s", code, b)
		}
		code, b := h.call("POST", "/api/v1/events", w.office, flood)
		if code != 201 {
			t.Fatalf("declare: %d %s", code, b)
		}
		var ev struct {
			ID         int64  `json:"id"`
			DeclaredOn string `json:"declared_on"`
		}
		decodeJSON(t, b, &ev)
		base := fmt.Sprintf("/api/v1/events/%d", ev.ID)

		code, b = h.call("GET", base+"/worksheet.xlsx?region=522625101001", w.adjuster, nil)
		if code != 200 {
			t.Fatalf("worksheet: %d %.300s", code, b)
		}
		p := filepath.Join(t.TempDir(), "ws.xlsx")
		os.WriteFile(p, b, 0o644)
		rows, err := sheet.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			got = append(got, strings.Join(rows.Row()[:3], "|"))
		}
		rows.Close()
		if len(got) != 3 || got[1] != "H1|张三丰|"+w.cert["H1"] || got[2] != "H2|王五|"+w.cert["H2"] {
			t.Fatalf("worksheet rows %v", got)
		}

		head := "户编号,分户凭证号,房屋主体损失,家用电器损失\n"
		bad := head + "H1," + w.cert["H1"] + ",abc,\nH2,NOPE,100,\n"
		code, b = h.upload(base+"/worksheets", w.adjuster, "file", "ws.csv", []byte(bad), nil)
		if code != 422 || !strings.Contains(string(b), `"worksheet_rejected"`) || !strings.Contains(string(b), `"row":2`) ||
			!strings.Contains(string(b), `"unknown_household"`) {
			t.Fatalf("bad sheet: %d %s", code, b)
		}
		good := []byte(head + "H1," + w.cert["H1"] + ",3000,500\nH2," + w.cert["H2"] + ",1200,\n")
		code, b = h.upload(base+"/worksheets", w.adjuster, "file", "ws.csv", good, nil)
		var load struct {
			Claims   []string `json:"claims"`
			Payable  string   `json:"payable"`
			Repeated bool     `json:"repeated"`
		}
		decodeJSON(t, b, &load)
		if code != 201 || len(load.Claims) != 2 || load.Payable != "4300.00" {
			t.Fatalf("good sheet: %d %s", code, b)
		}
		code, b = h.upload(base+"/worksheets", w.adjuster, "file", "ws.csv", good, nil)
		decodeJSON(t, b, &load)
		if code != 200 || !load.Repeated {
			t.Fatalf("same sheet again: %d %s", code, b)
		}

		code, b = h.call("POST", base+"/approve", w.approver, map[string]any{"region": "522625101"})
		if code != 200 || strings.Count(string(b), `"claim_no"`) != 2 || !strings.Contains(string(b), `"refused":[]`) {
			t.Fatalf("approve: %d %s", code, b)
		}

		acc := "户编号,户名,账号,开户行\nH1,张三丰,6222021234567894,镇远农商行\nH2,王五,12345678901234,镇远农商行\n"
		if code, b := h.upload("/api/v1/bank-accounts", w.office, "file", "acc.csv", []byte(acc), map[string]string{"county": "522625"}); code != 201 {
			t.Fatalf("accounts: %d %s", code, b)
		}
		if _, b := h.call("GET", "/api/v1/bank-accounts/522625/H1", w.auditor, nil); !strings.Contains(string(b), "6222********7894") {
			t.Errorf("auditor sees %s", b)
		}
		if _, b := h.call("GET", "/api/v1/bank-accounts/522625/H1", w.clerk, nil); !strings.Contains(string(b), "6222021234567894") {
			t.Errorf("the paying clerk sees %s", b)
		}

		code, b = h.call("POST", "/api/v1/payment-batches", w.clerk, map[string]any{"event_id": ev.ID})
		var batch struct {
			ID    int64  `json:"id"`
			No    string `json:"batch_no"`
			Count int    `json:"count"`
			Total string `json:"total"`
		}
		decodeJSON(t, b, &batch)
		if code != 201 || batch.Count != 2 || batch.Total != "4300.00" {
			t.Fatalf("batch: %d %s", code, b)
		}
		bp := fmt.Sprintf("/api/v1/payment-batches/%d", batch.ID)
		if code, b := h.call("GET", "/api/v1/payment-batches", w.clerk, nil); code != 200 || !strings.Contains(string(b), `"batch_no":"`+batch.No+`"`) ||
			!strings.Contains(string(b), `"total":1}`) {
			t.Errorf("the clerk's batches: %d %s", code, b)
		}
		if code, b := h.call("GET", "/api/v1/payment-batches", h.user("clerk-cpic", znb.InsurerClerk, "CPIC-ZY"), nil); code != 200 ||
			strings.Contains(string(b), batch.No) {
			t.Errorf("another insurer's batches: %d %s", code, b)
		}
		if code, _ := h.call("GET", bp+"/bank-file.csv", w.auditor, nil); code != 403 {
			t.Errorf("auditor exports the bank file: %d", code)
		}
		code, b = h.call("GET", bp+"/bank-file.csv", w.clerk, nil)
		if code != 200 || !strings.Contains(string(b), "合计,2 笔,,,4300.00,") || !strings.Contains(string(b), "6222021234567894") {
			t.Fatalf("bank file: %d %s", code, b)
		}
		if code, _ := h.call("GET", bp+"/bank-file.xlsx", w.clerk, nil); code != 200 {
			t.Errorf("bank file xlsx: %d", code)
		}
		ret := []byte("序号,状态,失败原因\n1,成功,\n2,失败,户名不符\n")
		code, b = h.upload(bp+"/return", w.clerk, "file", "ret.csv", ret, nil)
		if code != 200 || !strings.Contains(string(b), `"success_count":1`) || !strings.Contains(string(b), `"status":"returned"`) {
			t.Fatalf("return: %d %s", code, b)
		}
		if code, b := h.upload(bp+"/return", w.clerk, "file", "ret.csv", []byte("序号,状态\n1,成功\n"), nil); code != 409 {
			t.Errorf("second return: %d %s", code, b)
		}

		code, b = h.call("GET", base+"/dashboard", w.office, nil)
		var d struct {
			Households int    `json:"households"`
			Claims     int    `json:"claims"`
			Payable    string `json:"payable"`
			PaidClaims int    `json:"paid_claims"`
			Villages   []struct {
				Village string `json:"village"`
				Paid    string `json:"paid"`
			} `json:"villages"`
		}
		if err := json.Unmarshal(b, &d); err != nil || code != 200 {
			t.Fatalf("dashboard: %d %s", code, b)
		}
		if d.Households != 2 || d.Claims != 2 || d.Payable != "4300.00" || d.PaidClaims != 1 || len(d.Villages) != 1 || d.Villages[0].Village != "青山村" {
			t.Errorf("dashboard %s", b)
		}
		if code, b := h.call("GET", base+"/dashboard.xlsx", w.office, nil); code != 200 || !bytes.HasPrefix(b, []byte("PK")) {
			t.Errorf("dashboard.xlsx: %d", code)
		}
		code, b = h.call("GET", base+"/dashboard.pdf", w.office, nil)
		if code != 200 || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Fatalf("dashboard.pdf: %d %.200s", code, b)
		}
		assertHas(t, "summary", strings.Join(pagesText(t, b, "-layout"), ""), "理赔进度", "青山村", "4,300.00")
	})
}
