package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// polID makes a valid ID number born 1975 in county 522625.
func polID(seq int) string {
	s := fmt.Sprintf("52262519750101%03d", seq)
	return s + string(registry.CheckDigit(s))
}

func polAgreement(no, insurer string) string {
	return string(storetest.AgreementYAML(storetest.AgreementSpec{No: no, County: "522625", Insurer: insurer,
		Categories: []znb.Category{znb.Lifted, znb.Marginal}}))
}

type polCert struct {
	CertificateNo  string `json:"certificate_no"`
	MasterPolicyNo string `json:"master_policy_no"`
	HouseholdNo    string `json:"household_no"`
	Status         string `json:"status"`
	PeriodStart    string `json:"period_start"`
	PeriodEnd      string `json:"period_end"`
	Premium        string `json:"premium"`
	Members        []struct {
		Name       string `json:"name"`
		IDNumber   string `json:"id_number"`
		Relation   string `json:"relation"`
		CoverStart string `json:"cover_start"`
		CoverEnd   string `json:"cover_end"`
		Premium    string `json:"premium"`
	} `json:"members"`
	Endorsements []any `json:"endorsements"`
}

type polIssue struct {
	MasterPolicyNo string `json:"master_policy_no"`
	Certificates   int    `json:"certificates"`
	Persons        int    `json:"persons"`
	Premium        string `json:"premium"`
	Endorsements   int    `json:"endorsements"`
	Excluded       []struct {
		HouseholdNo      string `json:"household_no"`
		Reason           string `json:"reason"`
		IDNumber         string `json:"id_number"`
		OtherCertificate string `json:"other_certificate"`
	} `json:"excluded"`
	JobID int64 `json:"job_id"`
}

func TestPolicyHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		office := h.user("office", znb.Office, "522625")
		otherOffice := h.user("office2", znb.Office, "522626")
		auditor := h.user("auditor", znb.Auditor, "522625")
		clerk := h.user("clerk", znb.InsurerClerk, "PICC-ZY")
		otherClerk := h.user("clerk2", znb.InsurerClerk, "CPIC-ZY")

		var path string              // the first agreement
		var issueBody map[string]any // its list

		ok := t.Run("Products", func(t *testing.T) {
			// Products: raw YAML body or a multipart file; versions are immutable.
			std := readFile(t, filepath.Join("..", "..", "configs", "products", "znb-standard.yaml"))
			if code, b := h.call("POST", "/api/v1/products", clerk, std); code != 201 || !strings.Contains(string(b), `"code":"znb-standard","version":1`) {
				t.Fatalf("load product: %d %s", code, b)
			}
			if code, b := h.call("POST", "/api/v1/products", clerk, std); code != 200 || !strings.Contains(string(b), `"loaded":false`) {
				t.Errorf("identical reload: %d %s", code, b)
			}
			changed := []byte(strings.Replace(string(std), `premium_per_person: "60.00"`, `premium_per_person: "70.00"`, 1))
			if code, b := h.call("POST", "/api/v1/products", clerk, changed); code != 409 || errorCode(t, b) != "product_version_exists" {
				t.Errorf("changed same version: %d %s", code, b)
			}
			if code, _ := h.call("POST", "/api/v1/products", office, std); code != 403 {
				t.Errorf("office loads a product: %d", code)
			}
			fpb := readFile(t, filepath.Join("..", "..", "configs", "products", "fpb-tiered.yaml"))
			if code, b := h.upload("/api/v1/products", clerk, "file", "fpb.yaml", fpb, nil); code != 201 {
				t.Errorf("multipart product: %d %s", code, b)
			}
			var products struct{ Items []struct{ Code string } }
			_, b := h.call("GET", "/api/v1/products", auditor, nil)
			decodeJSON(t, b, &products)
			if len(products.Items) != 2 || products.Items[0].Code != "fpb-tiered" {
				t.Errorf("products: %s", b)
			}
		}) && t.Run("Agreements", func(t *testing.T) {
			// Agreements: created and activated by the county's office.
			if code, _ := h.call("POST", "/api/v1/agreements", otherOffice, []byte(polAgreement("ZY-1", "PICC-ZY"))); code != 403 {
				t.Errorf("other county creates: %d", code)
			}
			var ag struct {
				ID             int64  `json:"id"`
				AgreementNo    string `json:"agreement_no"`
				Status         string `json:"status"`
				MasterPolicyNo string `json:"master_policy_no"`
			}
			code, b := h.call("POST", "/api/v1/agreements", office, []byte(polAgreement("ZY-1", "PICC-ZY")))
			decodeJSON(t, b, &ag)
			if code != 201 || ag.Status != "draft" || ag.AgreementNo != "ZY-1" {
				t.Fatalf("create agreement: %d %s", code, b)
			}
			path = fmt.Sprintf("/api/v1/agreements/%d", ag.ID)
			if code, b := h.call("POST", path+"/issue", clerk, map[string]any{"list_id": 1}); code != 409 || errorCode(t, b) != "agreement_not_active" {
				t.Errorf("issue a draft: %d %s", code, b)
			}
			if code, _ := h.call("POST", path+"/activate", otherOffice, nil); code != 404 {
				t.Errorf("other county activates: %d", code)
			}
			if code, b := h.call("POST", path+"/activate", office, nil); code != 200 || !strings.Contains(string(b), `"status":"active"`) {
				t.Fatalf("activate: %d %s", code, b)
			}
			if code, _ := h.call("GET", path, otherClerk, nil); code != 404 {
				t.Errorf("other insurer reads agreement: %d", code)
			}
			if code, _ := h.call("GET", path, clerk, nil); code != 200 {
				t.Errorf("insurer reads agreement: %d", code)
			}
		}) && t.Run("Issue", func(t *testing.T) {
			// A list: H1 two members, H2 one marginal member who died on
			// 2024-03-31, H3 stable_lifted (not covered).
			v := "522625101001"
			body := "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期\n" +
				fmt.Sprintf("H1,%s,青山村,已脱贫户,张三丰,%s,户主,正常,\n", v, polID(1)) +
				fmt.Sprintf("H1,%s,青山村,已脱贫户,李四,%s,配偶,正常,\n", v, polID(2)) +
				fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王五,%s,户主,死亡,2024-03-31\n", v, polID(3)) +
				fmt.Sprintf("H3,%s,青山村,稳定脱贫户,赵六,%s,户主,正常,\n", v, polID(4))
			lp := filepath.Join(t.TempDir(), "l.csv")
			os.WriteFile(lp, []byte(body), 0o644)
			imp, err := db.ImportList(context.Background(), znb.Actor{Username: "o", Role: znb.Office, Scope: "522625"}, storetest.File(t, lp),
				store.ImportOptions{County: "522625", Effective: znb.MustDate("2024-01-01")})
			if err != nil {
				t.Fatal(err)
			}
			issueBody = map[string]any{"list_id": imp.List.ID}
			if code, _ := h.call("POST", path+"/issue", office, issueBody); code != 403 {
				t.Errorf("office issues: %d", code)
			}
			if code, _ := h.call("POST", path+"/issue", otherClerk, issueBody); code != 404 {
				t.Errorf("other insurer issues: %d", code)
			}
			code, b := h.call("POST", path+"/issue", clerk, issueBody)
			var res polIssue
			decodeJSON(t, b, &res)
			// H2: 91 days of 366 (Jan 1 to Mar 31, 2024 is a leap year).
			h2 := money.ProRate(money.MustParse("60"), 91, 366)
			want := money.String(money.MustParse("120").Add(h2))
			if code != 200 || res.MasterPolicyNo != "ZNB5226252024001" || res.Certificates != 2 || res.Persons != 3 ||
				res.Premium != want || res.Endorsements != 0 || len(res.Excluded) != 1 ||
				res.Excluded[0].HouseholdNo != "H3" || res.Excluded[0].Reason != "category_not_covered" {
				t.Fatalf("issue: %d %s (want premium %s)", code, b, want)
			}
			code, b = h.call("POST", path+"/issue", clerk, issueBody)
			if code != 200 || !strings.Contains(string(b), `"certificates":0,"persons":0,"premium":"0.00","endorsements":0,"excluded":[]`) {
				t.Errorf("second issue: %d %s", code, b)
			}
		}) && t.Run("LookUps", func(t *testing.T) {
			// Look-ups: the API's certificate shape, masked for the auditor.
			var list struct{ Items []json.RawMessage }
			_, b := h.call("GET", "/api/v1/certificates?household_no=H1", clerk, nil)
			decodeJSON(t, b, &list)
			if len(list.Items) != 1 {
				t.Fatalf("by household: %s", b)
			}
			var keys map[string]any
			json.Unmarshal(list.Items[0], &keys)
			for _, k := range []string{"certificate_no", "master_policy_no", "household_no", "status", "period_start", "period_end", "premium", "members", "endorsements"} {
				if _, ok := keys[k]; !ok {
					t.Errorf("certificate JSON lacks %q: %s", k, list.Items[0])
				}
			}
			var c polCert
			json.Unmarshal(list.Items[0], &c)
			if c.CertificateNo != "ZNB5226252024001-000001" || c.Status != "active" || c.PeriodStart != "2024-01-01" ||
				c.PeriodEnd != "2024-12-31" || c.Premium != "120.00" || len(c.Members) != 2 ||
				c.Members[0].IDNumber != polID(1) || c.Members[0].Premium != "60.00" || c.Members[0].Relation != "户主" {
				t.Errorf("certificate: %s", list.Items[0])
			}
			var raw map[string][]map[string]any
			json.Unmarshal(list.Items[0], &raw)
			if got := polKeys(raw["members"][0]); !reflect.DeepEqual(got, []string{"cover_end", "cover_start", "id_number", "name", "premium", "relation"}) {
				t.Errorf("member keys %v", got)
			}
			code, b := h.call("GET", "/api/v1/certificates/ZNB5226252024001-000002", auditor, nil)
			if code != 200 || !strings.Contains(string(b), `"id_number":"`+registry.MaskID(polID(3))+`"`) ||
				!strings.Contains(string(b), `"cover_end":"2024-03-31"`) || strings.Contains(string(b), polID(3)) {
				t.Errorf("auditor reads certificate: %d %s", code, b)
			}
			_, b = h.call("GET", "/api/v1/certificates?id_number="+polID(2), office, nil)
			if !strings.Contains(string(b), `"household_no":"H1"`) {
				t.Errorf("by id number: %s", b)
			}
			if _, b := h.call("GET", "/api/v1/certificates?household_no=H1", otherOffice, nil); string(b) != `{"items":[]}` {
				t.Errorf("other county finds: %s", b)
			}
			for _, k := range []string{otherOffice, otherClerk} {
				if code, _ := h.call("GET", "/api/v1/certificates/ZNB5226252024001-000001", k, nil); code != 404 {
					t.Errorf("out of scope certificate: %d", code)
				}
			}
			// Full-ID reads are audited (the clerk's and the office's), masked
			// ones are not (the auditor's).
			trail, _ := db.AuditTrail(context.Background(), "certificate:ZNB5226252024001-000001", 10)
			if len(trail) != 2 || trail[0].Action != "certificate.read_full_id" || trail[0].Actor != "office" || trail[1].Actor != "clerk" {
				t.Errorf("full-ID reads audited: %+v", trail)
			}
			if trail, _ := db.AuditTrail(context.Background(), "certificate:ZNB5226252024001-000002", 10); len(trail) != 0 {
				t.Errorf("masked read audited: %+v", trail)
			}
		})
		if !ok {
			return
		}
		t.Run("SecondAgreementRunsAsJob", func(t *testing.T) {
			// A second agreement (another insurer) over the same people runs as a
			// job and excludes everyone already covered, naming the certificate.
			code, b := h.call("POST", "/api/v1/agreements", office, []byte(`{"agreement_no":"ZY-2","county":"522625",
				"insurer":{"code":"CPIC-ZY","name":"太平洋","hotline":"95500"},
				"service_contact":{"name":"高坡村村委会","phone":"13800000000"},"product":{"code":"znb-standard","version":1},
				"term":{"start":"2024-06-01","end":"2025-05-31"},"premium_per_person":"60.00",
				"split":{"lifted":{"central":"50","provincial":"20","municipal":"15","county":"15","self":"0"}}}`))
			var ag2 struct{ ID int64 }
			decodeJSON(t, b, &ag2)
			if code != 201 {
				t.Fatalf("JSON agreement: %d %s", code, b)
			}
			if !bytes.Contains(b, []byte(`"service_contact":{"name":"高坡村村委会","phone":"13800000000"}`)) {
				t.Errorf("JSON agreement answer without its service contact: %s", b)
			}
			path2 := fmt.Sprintf("/api/v1/agreements/%d", ag2.ID)
			h.call("POST", path2+"/activate", office, nil)
			code, b = h.call("POST", path2+"/issue?async=true", otherClerk, issueBody)
			var job struct {
				JobID  int64  `json:"job_id"`
				Status string `json:"status"`
			}
			decodeJSON(t, b, &job)
			if code != 202 || job.JobID == 0 {
				t.Fatalf("async issue: %d %s", code, b)
			}
			var done struct {
				Status       string `json:"status"`
				Certificates int    `json:"certificates"`
				Excluded     []struct {
					HouseholdNo      string `json:"household_no"`
					Reason           string `json:"reason"`
					OtherCertificate string `json:"other_certificate"`
				} `json:"excluded"`
			}
			for i := 0; i < 200 && done.Status != "done"; i++ {
				time.Sleep(20 * time.Millisecond)
				_, b = h.call("GET", fmt.Sprintf("/api/v1/jobs/%d", job.JobID), otherClerk, nil)
				decodeJSON(t, b, &done)
			}
			var got []string
			for _, x := range done.Excluded {
				got = append(got, x.HouseholdNo+" "+x.Reason+" "+x.OtherCertificate)
			}
			wantEx := []string{"H1 already_covered ZNB5226252024001-000001", "H1 already_covered ZNB5226252024001-000001",
				"H2 category_not_covered ", "H3 category_not_covered "}
			if done.Status != "done" || done.Certificates != 0 || !reflect.DeepEqual(got, wantEx) {
				t.Errorf("job: %s\nexcluded %q", b, got)
			}
			if code, _ := h.call("GET", fmt.Sprintf("/api/v1/jobs/%d", job.JobID), clerk, nil); code != 404 {
				t.Errorf("other insurer reads job: %d", code)
			}
			if code, _ := h.call(http.MethodGet, "/api/v1/certificates", clerk, nil); code != 422 {
				t.Errorf("look-up without a key: %d", code)
			}
		})
	})
}

func polKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
