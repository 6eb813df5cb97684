package rest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// claimIDN makes a valid ID number of a person born in 1980 in county.
func claimIDN(county string, seq int) string {
	s := fmt.Sprintf("%s19800101%03d", county, seq)
	return s + string(registry.CheckDigit(s))
}

// claimWorld is one county insured under one agreement (the list of
// 2024-01-01 issued, the list of 2024-04-01 applied as endorsements: H1
// gains a child, H4 leaves), with the insurer's staff as API keys.
type claimWorld struct {
	county      string
	agreementID int64
	cert        map[string]string // household_no → certificate_no
	// API keys
	clerk, adjuster, approver, approver2, office, auditor, otherClerk string
}

func (w *claimWorld) person(seq int) string { return claimIDN(w.county, seq) }

const (
	pHead1  = 1 // 张三丰, H1 head
	pSpouse = 2 // 李四, H1
	pHead2  = 3 // 王五, H2 head
	pSon2   = 4 // 王小五, H2, died 2024-03-01
	pHead4  = 5 // 赵六, H4 head; H4 leaves on 2024-04-01
	pChild1 = 6 // 张小丰, H1 from 2024-04-01
)

const claimListHeader = "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期\n"

func worldList(county string, withH4, withChild bool) string {
	v := county + "101001"
	rows := []string{
		fmt.Sprintf("H1,%s,青山村,已脱贫户,张三丰,%s,户主,正常,", v, claimIDN(county, pHead1)),
		fmt.Sprintf("H1,%s,青山村,已脱贫户,李四,%s,配偶,正常,", v, claimIDN(county, pSpouse)),
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王五,%s,户主,正常,", v, claimIDN(county, pHead2)),
		fmt.Sprintf("H2,%s,青山村,边缘易致贫户,王小五,%s,子,死亡,2024-03-01", v, claimIDN(county, pSon2)),
	}
	if withChild {
		rows = append(rows, fmt.Sprintf("H1,%s,青山村,已脱贫户,张小丰,%s,子,正常,", v, claimIDN(county, pChild1)))
	}
	if withH4 {
		rows = append(rows, fmt.Sprintf("H4,%s,白水村,已脱贫户,赵六,%s,户主,正常,", county+"101002", claimIDN(county, pHead4)))
	}
	return strings.Join(rows, "\n") + "\n"
}

// newClaimWorld insures county under product with insurer; user names are
// suffixed with the county so that two worlds share a database.
func newClaimWorld(t testing.TB, h *harness, county, insurer, product string) *claimWorld {
	t.Helper()
	ctx := context.Background()
	db := h.db
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
	a := storetest.ActiveAgreement(t, db, office, storetest.AgreementSpec{No: "ZY-" + county, County: county,
		Insurer: insurer, Product: product, Categories: []znb.Category{znb.Lifted, znb.Marginal}})
	for _, v := range []struct {
		eff             string
		withH4, withKid bool
	}{{"2024-01-01", true, false}, {"2024-04-01", false, true}} {
		p := storetest.WriteFile(t, "list.csv", claimListHeader+worldList(county, v.withH4, v.withKid))
		storetest.ImportAndIssue(t, db, office, a.ID, p, store.ImportOptions{County: county, Effective: znb.MustDate(v.eff)})
	}
	w := &claimWorld{county: county, agreementID: a.ID, cert: map[string]string{}}
	for _, hh := range []string{"H1", "H2", "H4"} {
		cs, err := db.FindCertificates(ctx, office, hh, "")
		if err != nil || len(cs) != 1 {
			t.Fatalf("certificate of %s: %v, %v", hh, cs, err)
		}
		w.cert[hh] = cs[0].No
	}
	key := func(name string, role znb.Role, scope string) string {
		k, err := db.CreateUser(ctx, znb.System, name+"-"+county, role, scope)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	w.clerk = key("clerk", znb.InsurerClerk, insurer)
	w.adjuster = key("adjuster", znb.Adjuster, insurer)
	w.approver = key("approver", znb.Approver, insurer)
	w.approver2 = key("approver2", znb.Approver, insurer)
	w.office = key("office", znb.Office, county)
	w.auditor = key("auditor", znb.Auditor, county)
	w.otherClerk = key("otherclerk", znb.InsurerClerk, "OTHER-"+insurer)
	return w
}

// claimAnswer is the claim as the API answers it.
type claimAnswer struct {
	ClaimNo         string   `json:"claim_no"`
	Status          string   `json:"status"`
	Flags           []string `json:"flags"`
	Line            string   `json:"line"`
	MemberIDNumber  string   `json:"member_id_number"`
	MemberName      string   `json:"member_name"`
	HeadName        string   `json:"head_name"`
	Payable         *string  `json:"payable"`
	RemainingBefore *string  `json:"remaining_before"`
	RemainingAfter  *string  `json:"remaining_after"`
	ReasonCode      string   `json:"reason_code"`
	PaymentRef      string   `json:"payment_ref"`
	ReportedOn      string   `json:"reported_on"`
	Breakdown       []struct {
		Step, Label, Amount string
	} `json:"breakdown"`
	History []struct {
		Actor, Role, From, To, Note, At string
	} `json:"history"`
}

// report posts a claim report and decodes a 201 answer.
func (h *harness) report(key string, body map[string]any) (int, claimAnswer, []byte) {
	h.t.Helper()
	code, b := h.call("POST", "/api/v1/claims", key, body)
	var c claimAnswer
	if code == 201 {
		decodeJSON(h.t, b, &c)
	}
	return code, c, b
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
