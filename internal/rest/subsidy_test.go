package rest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type reconAnswer struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Findings map[string]struct {
		Count   int    `json:"count"`
		Premium string `json:"premium"`
	} `json:"findings"`
	Billed     map[string]string `json:"billed"`
	Allowed    map[string]string `json:"allowed"`
	Disallowed map[string]string `json:"disallowed"`
	Rejected   []struct {
		Row    int    `json:"row"`
		Column string `json:"column"`
		Code   string `json:"code"`
	} `json:"rejected"`
}

// honestStatement bills every covered person of a generated list for the
// cover the list gives (60.00 a year, pro-rated by days over 366 for those
// who died or moved out in 2024), then plants one overbilled person, one
// person left out and one stranger named like a formula.
func honestStatement(t *testing.T, rows [][]string) (csv []byte, billed decimal.Decimal, gap decimal.Decimal, matched int) {
	var b strings.Builder
	b.WriteString("户编号,身份证号,姓名,户类型,起保日期,终保日期,保费\n")
	billed = decimal.Zero
	n := 0
	for _, r := range rows {
		end, ok := billable(r)
		if !ok {
			continue
		}
		days := znb.DaysInclusive(znb.MustDate("2024-01-01"), znb.MustDate(end))
		p := decimal.NewFromInt(int64(6000 * days)).Div(decimal.NewFromInt(366)).Round(0).Div(decimal.NewFromInt(100))
		n++
		switch n {
		case 1:
			p = decimal.NewFromInt(70) // overbilled by 10.00
			if end != "2024-12-31" {
				t.Fatalf("first covered person of the generated list is not covered all year")
			}
		case 2:
			gap = p
			continue
		default:
			matched++
		}
		billed = billed.Add(p)
		fmt.Fprintf(&b, "%s,%s,%s,%s,2024-01-01,%s,%s\n", r[0], r[5], r[4], r[3], end, p.StringFixed(2))
	}
	stranger := "522625" + "19900101" + "123"
	stranger += string(registry.CheckDigit(stranger))
	fmt.Fprintf(&b, "HX1,%s,=1+2,已脱贫户,2024-01-01,2024-12-31,60.00\n", stranger)
	billed = billed.Add(decimal.NewFromInt(60))
	return []byte(b.String()), billed, gap, matched
}

func TestReconciliationsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		office := h.user("office-a", znb.Office, "522625")
		officeB := h.user("office-b", znb.Office, "522626")
		auditor := h.user("auditor", znb.Auditor, "5226")
		clerk := h.user("clerk", znb.InsurerClerk, "PICC-ZY")
		otherClerk := h.user("clerk-b", znb.InsurerClerk, "CPIC-ZY")

		a := storetest.ActiveAgreement(t, db, znb.System, storetest.AgreementSpec{No: "ZY-2024-HTTP", County: "522625"})
		file, rows := generated(t, "522625", 60)
		code, body := h.upload("/api/v1/lists", office, "file", "list.csv", file, map[string]string{"county": "522625", "effective_date": "2024-01-01"})
		if code != http.StatusCreated {
			t.Fatalf("list upload: %d %s", code, body)
		}
		var l listAnswer
		decodeJSON(t, body, &l)

		stmt, billed, gap, matched := honestStatement(t, rows)
		form := map[string]string{"agreement_id": fmt.Sprint(a.ID), "list_id": fmt.Sprint(l.ListID)}

		var (
			r       reconAnswer
			path    string
			allowed decimal.Decimal
		)
		t.Run("RefuseBadStatement", func(t *testing.T) {
			// A bad row: 422 with the row, column and code, nothing stored.
			bad := bytes.Replace(stmt, []byte(",2024-12-31,60.00\n"), []byte(",2024-12-31,-60.00\n"), 1)
			code, body = h.upload("/api/v1/reconciliations", office, "statement", "bad.csv", bad, form)
			var rej reconAnswer
			decodeJSON(t, body, &rej)
			last := 0
			for i, line := range strings.Split(string(stmt), "\n") {
				if strings.HasSuffix(line, ",2024-12-31,60.00") {
					last = i + 1
					break
				}
			}
			if code != http.StatusUnprocessableEntity || errorCode(t, body) != "statement_rejected" || len(rej.Rejected) != 1 ||
				rej.Rejected[0].Row != last || rej.Rejected[0].Column != "premium" || rej.Rejected[0].Code != "statement_bad_premium" {
				t.Errorf("bad statement: %d %s", code, body)
			}
			if code, _ := h.call("GET", "/api/v1/reconciliations/1", office, nil); code != http.StatusNotFound {
				t.Errorf("a refused statement left reconciliation 1: %d", code)
			}
			if code, _ := h.upload("/api/v1/reconciliations", clerk, "statement", "s.csv", stmt, form); code != http.StatusForbidden {
				t.Errorf("insurer creates: %d, want 403", code)
			}
		})
		t.Run("Create", func(t *testing.T) {
			code, body = h.upload("/api/v1/reconciliations", office, "statement", "s.csv", stmt, form)
			if code != http.StatusCreated {
				t.Fatalf("reconcile: %d %s", code, body)
			}
			decodeJSON(t, body, &r)
			allowed = billed.Sub(decimal.NewFromInt(70)) // the stranger and the 10.00 overbilled
			if r.Status != "draft" || len(r.Findings) != 9 || r.Findings["matched"].Count != matched ||
				r.Findings["not_on_list"] != (struct {
					Count   int    `json:"count"`
					Premium string `json:"premium"`
				}{1, "60.00"}) || r.Findings["premium_mismatch"].Count != 1 || r.Findings["premium_mismatch"].Premium != "70.00" ||
				r.Findings["not_insured"].Count != 1 || r.Findings["not_insured"].Premium != gap.StringFixed(2) ||
				r.Findings["duplicate_billing"].Count != 0 || r.Billed["premium"] != billed.StringFixed(2) ||
				r.Allowed["premium"] != allowed.StringFixed(2) || r.Disallowed["premium"] != "70.00" {
				t.Errorf("result: %s", body)
			}
			for _, src := range znb.Sources {
				b, a, d := decimal.RequireFromString(r.Billed[string(src)]), decimal.RequireFromString(r.Allowed[string(src)]),
					decimal.RequireFromString(r.Disallowed[string(src)])
				if !b.Equal(a.Add(d)) || d.IsZero() && src == znb.Central {
					t.Errorf("%s: billed %s allowed %s disallowed %s", src, b, a, d)
				}
			}
			path = fmt.Sprintf("/api/v1/reconciliations/%d", r.ID)
		})
		if r.ID == 0 {
			return // nothing was created to read, export or confirm
		}
		t.Run("Scope", func(t *testing.T) {
			for _, key := range []string{officeB, otherClerk} {
				if code, _ := h.call("GET", path, key, nil); code != http.StatusNotFound {
					t.Errorf("out of scope read: %d, want 404", code)
				}
			}
			for _, key := range []string{clerk, auditor} {
				if code, _ := h.call("GET", path, key, nil); code != http.StatusOK {
					t.Errorf("in scope read: %d, want 200", code)
				}
			}
		})
		t.Run("Items", func(t *testing.T) {
			var items struct {
				Items []struct {
					IDNumber string `json:"id_number"`
					Name     string `json:"name"`
					Finding  string `json:"finding"`
					Premium  string `json:"premium"`
					Expected string `json:"expected"`
					Allowed  map[string]string
				} `json:"items"`
				Total int `json:"total"`
			}
			code, body = h.call("GET", path+"/items?finding=premium_mismatch", office, nil)
			decodeJSON(t, body, &items)
			if code != 200 || items.Total != 1 || len(items.Items) != 1 || items.Items[0].Premium != "70.00" ||
				items.Items[0].Expected != "60.00" || items.Items[0].IDNumber != rows[firstCovered(rows)][5] {
				t.Errorf("premium_mismatch items: %d %s", code, body)
			}
			code, body = h.call("GET", path+"/items?page_size=5&page=2", auditor, nil)
			decodeJSON(t, body, &items)
			if code != 200 || items.Total != matched+3 || len(items.Items) != 5 || !strings.Contains(items.Items[0].IDNumber, "********") {
				t.Errorf("auditor items: %d %s", code, body)
			}
			if code, _ := h.call("GET", path+"/items?finding=bogus", office, nil); code != http.StatusUnprocessableEntity {
				t.Errorf("unknown finding: %d", code)
			}
		})
		t.Run("Export", func(t *testing.T) {
			code, body = h.call("GET", path+"/export.xlsx", office, nil)
			if code != 200 {
				t.Fatalf("export.xlsx: %d %s", code, body)
			}
			x, err := excelize.OpenReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			sheets := x.GetSheetList()
			if len(sheets) != 10 || sheets[0] != "汇总" || sheets[1] != "核对一致" || sheets[9] != "应保未保" {
				t.Errorf("sheets = %v", sheets)
			}
			if v, _ := x.GetCellValue("名单外人员", "E2"); v != "'=1+2" {
				t.Errorf("stranger's name cell = %q, want it neutralised", v)
			}
			if f, _ := x.GetCellFormula("名单外人员", "E2"); f != "" {
				t.Errorf("formula in the export: %q", f)
			}
			if typ, _ := x.GetCellType("汇总", "D2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
				t.Errorf("billed amount cell type %v, want a number", typ)
			}
			if v, _ := x.GetCellValue("汇总", "C2"); v != fmt.Sprint(matched) {
				t.Errorf("matched count cell = %q", v)
			}
			if rows, _ := x.GetRows("核对一致"); len(rows) != matched+1 {
				t.Errorf("matched sheet has %d rows, want %d", len(rows), matched+1)
			}
			code, body = h.call("GET", path+"/export.csv", auditor, nil)
			if code != 200 || !bytes.HasPrefix(body, []byte("\ufeff项目")) || bytes.Contains(body, []byte(rows[firstCovered(rows)][5])) {
				t.Errorf("export.csv for the auditor: %d, full ID present or no header", code)
			}
		})
		t.Run("StatementPDF", func(t *testing.T) {
			code, body = h.call("GET", path+"/statement.pdf", clerk, nil)
			if code != 200 {
				t.Fatalf("statement.pdf: %d %s", code, body)
			}
			text := pdfToText(t, body)
			for _, want := range []string{"保险费补贴对账单", "ZY-2024-HTTP", "中国人民财产保险股份有限公司镇远支公司", yuanText(billed), yuanText(allowed), "70.00", "名单外人员", "承保机构（盖章）"} {
				if !strings.Contains(text, want) {
					t.Errorf("statement text lacks %q", want)
				}
			}
		})
		t.Run("ConfirmSettle", func(t *testing.T) {
			if code, _ := h.call("POST", path+"/confirm", clerk, nil); code != http.StatusForbidden {
				t.Errorf("insurer confirms: %d", code)
			}
			code, body = h.call("POST", path+"/confirm", office, nil)
			decodeJSON(t, body, &r)
			if code != 200 || r.Status != "confirmed" {
				t.Errorf("confirm: %d %s", code, body)
			}
			if code, _ := h.call("POST", path+"/confirm", office, nil); code != http.StatusConflict {
				t.Errorf("confirm twice: %d", code)
			}
			code, body = h.call("POST", path+"/settle", office, nil)
			decodeJSON(t, body, &r)
			if code != 200 || r.Status != "settled" {
				t.Errorf("settle: %d %s", code, body)
			}
		})
	})
}

// billable says whether the agreement covers a generated list row in 2024,
// and until when. The columns are those of registry.Header: 户编号 行政区划代码
// 村名 户类型 姓名 身份证号 与户主关系 人均纯收入 风险是否消除 成员状态 状态变更日期 联系电话.
func billable(r []string) (string, bool) {
	switch r[3] {
	case "已脱贫户", "未脱贫户", "返贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户":
	default:
		return "", false
	}
	if r[9] == "死亡" || r[9] == "迁出" {
		return r[10], r[10] >= "2024-01-01"
	}
	return "2024-12-31", true
}

func firstCovered(rows [][]string) int {
	for i, r := range rows {
		if _, ok := billable(r); ok {
			return i
		}
	}
	return -1
}

// yuanText writes an amount as the statement prints it: 1,234.50.
func yuanText(d decimal.Decimal) string {
	s := d.StringFixed(2)
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + frac
}

func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}
