package rest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestOutOfScopeLooksAbsent: every endpoint that takes a list id or an
// agreement id answers another county's (or insurer's) object exactly as it
// answers an id that does not exist, so ids cannot be probed.
func TestOutOfScopeLooksAbsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		officeA := h.user("office-a", znb.Office, "522625")
		clerkA := h.user("clerk-a", znb.InsurerClerk, "PICC-ZY")
		auditorA := h.user("auditor-a", znb.Auditor, "522625")

		admin := znb.Actor{Username: "admin", Role: znb.Admin}
		agA := storetest.ActiveAgreement(t, db, admin, storetest.AgreementSpec{No: "ZY-A", County: "522625", Insurer: "PICC-ZY"})
		agB := storetest.ActiveAgreement(t, db, admin, storetest.AgreementSpec{No: "ZY-B", County: "522626", Insurer: "CPIC-ZY"})
		list := func(county string) int64 {
			var buf bytes.Buffer
			storetest.Generate(t, &buf, county, 5, 3, znb.MustDate("2024-01-01"))
			res, err := db.ImportList(ctx, admin, storetest.File(t, storetest.WriteFile(t, "list.csv", buf.String())),
				store.ImportOptions{County: county, Effective: znb.MustDate("2024-01-01")})
			if err != nil {
				t.Fatal(err)
			}
			return res.List.ID
		}
		listA, listB := list("522625"), list("522626")
		const missing = 999999

		for _, c := range []struct {
			name, key, method string
			path              func(id int64) string
			body              func(id int64) any
			foreign           int64
		}{
			{"ReconcileListOfOtherCounty", officeA, "POST", func(int64) string { return "/api/v1/reconciliations" },
				func(id int64) any { return map[string]any{"agreement_id": agA.ID, "list_id": id} }, listB},
			{"ReconcileAgreementOfOtherCounty", officeA, "POST", func(int64) string { return "/api/v1/reconciliations" },
				func(id int64) any { return map[string]any{"agreement_id": id, "list_id": listA} }, agB.ID},
			{"IssueListOfOtherCounty", clerkA, "POST", func(int64) string { return fmt.Sprintf("/api/v1/agreements/%d/issue", agA.ID) },
				func(id int64) any { return map[string]any{"list_id": id} }, listB},
			{"IssueAgreementOfOtherInsurer", clerkA, "POST", func(id int64) string { return fmt.Sprintf("/api/v1/agreements/%d/issue", id) },
				func(int64) any { return map[string]any{"list_id": listA} }, agB.ID},
			{"GetList", officeA, "GET", func(id int64) string { return fmt.Sprintf("/api/v1/lists/%d", id) }, nil, listB},
			{"DiffOld", officeA, "GET", func(id int64) string { return fmt.Sprintf("/api/v1/lists/%d/diff/%d", id, listA) }, nil, listB},
			{"DiffNew", officeA, "GET", func(id int64) string { return fmt.Sprintf("/api/v1/lists/%d/diff/%d", listA, id) }, nil, listB},
			{"HouseholdsInList", officeA, "GET", func(id int64) string { return fmt.Sprintf("/api/v1/households?list_id=%d&household_no=H1", id) }, nil, listB},
			{"GetAgreement", officeA, "GET", func(id int64) string { return fmt.Sprintf("/api/v1/agreements/%d", id) }, nil, agB.ID},
			{"ActivateAgreement", officeA, "POST", func(id int64) string { return fmt.Sprintf("/api/v1/agreements/%d/activate", id) }, nil, agB.ID},
			{"AgreementCards", clerkA, "GET", func(id int64) string { return fmt.Sprintf("/api/v1/agreements/%d/cards.pdf", id) }, nil, agB.ID},
			{"AnnualReport", auditorA, "GET", func(id int64) string { return fmt.Sprintf("/api/v1/reports/annual?agreement_id=%d", id) }, nil, agB.ID},
			{"ClaimNotice", auditorA, "GET", func(id int64) string {
				return fmt.Sprintf("/api/v1/reports/notice.pdf?agreement_id=%d&month=2024-06&village=522625100200", id)
			}, nil, agB.ID},
		} {
			t.Run(c.name, func(t *testing.T) {
				send := func(id int64) (int, []byte) {
					var body any
					if c.body != nil {
						body = c.body(id)
					}
					return h.call(c.method, c.path(id), c.key, body)
				}
				fc, fb := send(c.foreign)
				mc, mb := send(missing)
				if mc != http.StatusNotFound {
					t.Errorf("missing id: %d %s, want 404", mc, mb)
				}
				if fc != mc || !bytes.Equal(fb, mb) {
					t.Errorf("out of scope: %d %s\nmissing:      %d %s", fc, fb, mc, mb)
				}
				for _, leak := range []string{"522626", "CPIC"} {
					if strings.Contains(string(fb), leak) {
						t.Errorf("answer names %s: %s", leak, fb)
					}
				}
			})
		}
	})
}

// TestCrossCountyWarningHTTP: the import answer names the other county of a
// person it also lists, not that county's list id or household number.
func TestCrossCountyWarningHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		officeA := h.user("office-a", znb.Office, "522625")
		officeB := h.user("office-b", znb.Office, "522626")
		file, rows := generated(t, "522625", 3)
		if code, b := h.upload("/api/v1/lists", officeA, "file", "a.csv", file, map[string]string{"county": "522625", "effective_date": "2024-01-01"}); code != http.StatusCreated {
			t.Fatalf("upload a: %d %s", code, b)
		}
		header := strings.SplitN(strings.TrimPrefix(string(file), "\ufeff"), "\n", 2)[0]
		f := append([]string(nil), rows[0]...)
		foreign := f[0]
		f[0], f[1] = "K1", "522626"+f[1][6:]
		code, b := h.upload("/api/v1/lists", officeB, "file", "b.csv", []byte(header+"\n"+strings.Join(f, ",")+"\n"),
			map[string]string{"county": "522626", "effective_date": "2024-01-01"})
		var out struct {
			CrossCounty []map[string]any `json:"cross_county"`
		}
		decodeJSON(t, b, &out)
		if code != http.StatusCreated || len(out.CrossCounty) != 1 {
			t.Fatalf("upload b: %d %s; want one cross-county warning", code, b)
		}
		w := out.CrossCounty[0]
		if len(w) != 4 || w["county"] != "522625" || w["row"] != float64(2) || w["id_number"] != f[5] || w["name"] != f[4] {
			t.Errorf("warning = %v, want row 2, its ID number and name, county 522625, nothing else", w)
		}
		if strings.Contains(string(b), foreign) {
			t.Errorf("answer shows the other county's household %s: %s", foreign, b)
		}
	})
}
