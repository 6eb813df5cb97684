package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// maxPage is the most any page may weigh, so that it loads on a weak
// connection.
const maxPage = 300 << 10

// TestOfficePages reads the office's and the insurer's pages over HTTP:
// households search, a list's summary and its diff with the version
// before, the claims queue; each page in Chinese and under 300 KB.
func TestOfficePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		claimNo := insured(t, db)
		office := znb.Actor{Username: "office", Role: znb.Office, Scope: county}
		second := storetest.WriteFile(t, "l2.csv", "户编号,行政区划代码,村名,户类型,姓名,身份证号,与户主关系,成员状态,状态变更日期\n"+
			"H1,522625101001,青山村,已脱贫户,张三丰,"+idn(1)+",户主,正常,\n"+
			"H1,522625101001,青山村,已脱贫户,李四,"+idn(2)+",配偶,正常,\n"+
			"H1,522625101001,青山村,已脱贫户,张小丰,"+idn(4)+",子,正常,\n")
		l2, err := db.ImportList(context.Background(), office, storetest.File(t, second),
			store.ImportOptions{County: county, Effective: znb.MustDate("2024-04-01")})
		if err != nil {
			t.Fatal(err)
		}
		o := s.client(t)
		o.signIn("office", password)
		i := s.client(t)
		i.signIn("clerk", password)
		for _, p := range []struct {
			c      *client
			path   string
			status int
			want   []string
		}{
			{o, "/office/lists", 200, []string{"第 1 版", "第 2 版"}},
			{o, fmt.Sprintf("/office/lists/%d", l2.List.ID), 200, []string{"摘要", "与其他版本比较"}},
			{o, fmt.Sprintf("/office/lists/%d/diff?from=1", l2.List.ID), 200, []string{"新增：0 户，1 人", "张小丰", idn(4), "移除：1 户"}},
			{o, "/office/households?household_no=H1", 200, []string{"张三丰", idn(1), "青山村"}},
			{o, "/office/households?id_number=" + idn(2), 200, []string{"李四", "张三丰"}},
			{o, "/office/households?household_no=H9", 200, []string{"没有找到"}},
			{o, "/office/lists/x", http.StatusNotFound, []string{"名单版本不存在"}},
			{o, "/office/agreements", 200, []string{"ZY-2024-001", "已生效", "新建协议"}},
			{i, "/insurer/claims", 200, []string{claimNo, "家庭财产保险", "已报案"}},
			{i, "/insurer/claims?status=reported", 200, []string{claimNo}},
			{i, "/insurer/claims?status=paid", 200, []string{"共 0 件"}},
		} {
			code, body, _ := p.c.get(p.path)
			if code != p.status {
				t.Errorf("%s: status %d, want %d", p.path, code, p.status)
			}
			if len(body) > maxPage {
				t.Errorf("%s weighs %d bytes, over %d", p.path, len(body), maxPage)
			}
			for _, w := range p.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s does not show %q", p.path, w)
				}
			}
		}
	})
}

// TestVerifyPage: the page a card's QR code opens, drawn by the console,
// says a genuine card is genuine and a forged one is not; JSON clients
// still get the API's answer.
func TestVerifyPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		insured(t, db)
		no, sig := signedCard(t, db)
		c := s.client(t)
		for _, p := range []struct{ path, want, not string }{
			{"/verify/" + no + "?sig=" + sig, "此明白卡真实有效", idn(1)},
			{"/verify/" + no + "?sig=forged", "无法核验", "张*丰"},
		} {
			code, body, _ := c.get(p.path)
			if code != 200 || !strings.Contains(body, p.want) || strings.Contains(body, p.not) || strings.Contains(body, "<style") {
				t.Fatalf("%s: %d\n%s", p.path, code, body)
			}
		}
		req, _ := http.NewRequest("GET", s.base+"/verify/"+no+"?sig="+sig, nil)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Valid bool }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.Valid {
			t.Fatalf("JSON verify: %v %+v", err, out)
		}
	})
}

// signedCard returns the certificate number of H1 and its card's signature.
func signedCard(t *testing.T, db *store.DB) (no, sig string) {
	t.Helper()
	cs, err := db.FindCertificates(context.Background(), znb.System, "H1", "")
	if err != nil || len(cs) != 1 {
		t.Fatal(cs, err)
	}
	a, err := db.GetAgreement(context.Background(), znb.System, cs[0].AgreementID)
	if err != nil {
		t.Fatal(err)
	}
	return cs[0].No, card.Signer{Key: []byte("test-secret")}.Sign(cs[0].No, a.Term.Start, a.Term.End)
}

// TestPartialImport: a partial import shows the summary of what was kept
// and the report of what was left out, row by row.
func TestPartialImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		o := s.client(t)
		o.signIn("office", password)
		_, _, token := o.get("/office/lists")
		bad, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", "有错的名单.csv"))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"csrf": token, "county": county, "effective_date": "2024-01-01", "partial": "1"} {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "有错的名单.csv")
		fw.Write(bad)
		mw.Close()
		resp, err := o.http.Post(s.base+"/office/lists", mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		want := apiRejects(t, db, filepath.Join("..", "..", "docs", "examples", "有错的名单.csv"))
		for _, w := range []string{"名单已保存为第 1 版", `data-row="5"`, want[5], "下载退回报告"} {
			if resp.StatusCode != 200 || !strings.Contains(string(body), w) {
				t.Fatalf("partial import: %d, page lacks %q", resp.StatusCode, w)
			}
		}
	})
}
