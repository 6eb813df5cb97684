package rest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type listAnswer struct {
	ListID     int64  `json:"list_id"`
	County     string `json:"county"`
	Households int    `json:"households"`
	Members    int    `json:"members"`
	Rejected   []struct {
		Row    int    `json:"row"`
		Column string `json:"column"`
		Code   string `json:"code"`
	} `json:"rejected"`
}

func generated(t *testing.T, county string, households int) ([]byte, [][]string) {
	var buf bytes.Buffer
	storetest.Generate(t, &buf, county, households, 7, znb.MustDate("2024-06-15"))
	var rows [][]string
	for i, line := range strings.Split(strings.TrimSpace(strings.TrimPrefix(buf.String(), "\ufeff")), "\n") {
		if i > 0 {
			rows = append(rows, strings.Split(line, ","))
		}
	}
	return buf.Bytes(), rows
}

func TestListsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		officeA := h.user("office-a", znb.Office, "522625")
		officeB := h.user("office-b", znb.Office, "522626")
		auditor := h.user("auditor", znb.Auditor, "5226")
		clerk := h.user("clerk", znb.InsurerClerk, "PICC-ZY")

		file, rows := generated(t, "522625", 40)
		form := map[string]string{"county": "522625", "effective_date": "2024-01-01"}
		if code, _ := h.upload("/api/v1/lists", "", "file", "list.csv", file, form); code != http.StatusUnauthorized {
			t.Errorf("no key: %d, want 401", code)
		}
		if code, _ := h.upload("/api/v1/lists", clerk, "file", "list.csv", file, form); code != http.StatusForbidden {
			t.Errorf("insurer uploads a list: %d, want 403", code)
		}
		code, body := h.upload("/api/v1/lists", officeA, "file", "list.csv", file, form)
		if code != http.StatusCreated {
			t.Fatalf("upload: %d %s", code, body)
		}
		var l listAnswer
		decodeJSON(t, body, &l)
		households := map[string]bool{}
		for _, r := range rows {
			households[r[0]] = true
		}
		if l.Households != len(households) || l.Members != len(rows) || l.County != "522625" {
			t.Errorf("list = %+v, want %d households and %d members", l, len(households), len(rows))
		}

		path := fmt.Sprintf("/api/v1/lists/%d", l.ListID)
		if code, _ := h.call("GET", path, officeB, nil); code != http.StatusNotFound {
			t.Errorf("other county reads the list: %d, want 404", code)
		}
		if code, _ := h.call("GET", path, auditor, nil); code != http.StatusOK {
			t.Errorf("auditor of the city reads the list: %d, want 200", code)
		}

		// Household look-up: full ID for the office, masked for the auditor,
		// nothing for another county.
		id := rows[0][5]
		var found struct {
			Items []struct {
				HouseholdNo string `json:"household_no"`
				Members     []struct {
					IDNumber string `json:"id_number"`
				} `json:"members"`
			} `json:"items"`
		}
		_, body = h.call("GET", "/api/v1/households?id_number="+id, officeA, nil)
		decodeJSON(t, body, &found)
		if len(found.Items) != 1 || found.Items[0].HouseholdNo != rows[0][0] || found.Items[0].Members[0].IDNumber != id {
			t.Errorf("office look-up = %s", body)
		}
		_, body = h.call("GET", "/api/v1/households?household_no="+rows[0][0], auditor, nil)
		if !strings.Contains(string(body), registry.MaskID(id)) || strings.Contains(string(body), id) {
			t.Errorf("auditor sees %s, want the ID masked", body)
		}
		_, body = h.call("GET", "/api/v1/households?id_number="+id, officeB, nil)
		decodeJSON(t, body, &found)
		if len(found.Items) != 0 {
			t.Errorf("other county finds %d households", len(found.Items))
		}
		trail, _ := db.AuditTrail(t.Context(), "households", 10)
		if len(trail) != 1 || trail[0].Actor != "office-a" {
			t.Errorf("full-ID reads audited = %+v, want one entry by office-a", trail)
		}
		// By a member's whole name: the office's county only.
		byName := "/api/v1/households?name=" + url.QueryEscape(rows[0][4])
		_, body = h.call("GET", byName, officeA, nil)
		decodeJSON(t, body, &found)
		if len(found.Items) == 0 || !strings.Contains(string(body), `"household_no":"`+rows[0][0]+`"`) {
			t.Errorf("office look-up by name %s = %s", rows[0][4], body)
		}
		_, body = h.call("GET", byName, officeB, nil)
		decodeJSON(t, body, &found)
		if len(found.Items) != 0 {
			t.Errorf("other county finds %d households by name", len(found.Items))
		}

		// A bad list is refused with every bad row and stores nothing.
		bad := strings.Replace(string(file), rows[3][5], rows[3][5][:17]+"0", 1)
		if rows[3][5][17] == '0' {
			bad = strings.Replace(string(file), rows[3][5], rows[3][5][:17]+"1", 1)
		}
		code, body = h.upload("/api/v1/lists", officeA, "file", "bad.csv", []byte(bad), form)
		var rej listAnswer
		decodeJSON(t, body, &rej)
		if code != http.StatusUnprocessableEntity || errorCode(t, body) != "list_rejected" || len(rej.Rejected) != 1 ||
			rej.Rejected[0].Row != 5 || rej.Rejected[0].Code != "id_check_digit" {
			t.Errorf("bad list: %d %s, want 422 list_rejected naming row 5", code, body)
		}

		// A second version: one household gone, one member dead.
		var v2 []string
		for i, line := range strings.Split(strings.TrimSpace(string(file)), "\n") {
			if i > 0 && strings.HasPrefix(line, rows[0][0]+",") {
				continue
			}
			v2 = append(v2, line)
		}
		code, body = h.upload("/api/v1/lists", officeA, "file", "v2.csv", []byte(strings.Join(v2, "\n")+"\n"),
			map[string]string{"county": "522625", "effective_date": "2024-07-01"})
		if code != http.StatusCreated {
			t.Fatalf("second version: %d %s", code, body)
		}
		var l2 listAnswer
		decodeJSON(t, body, &l2)
		var diff struct {
			Removed struct {
				Households []struct {
					Now struct {
						HouseholdNo string `json:"household_no"`
					} `json:"now"`
				} `json:"households"`
			} `json:"removed"`
			Added struct {
				Households []any `json:"households"`
			} `json:"added"`
		}
		_, body = h.call("GET", fmt.Sprintf("/api/v1/lists/%d/diff/%d", l.ListID, l2.ListID), officeA, nil)
		decodeJSON(t, body, &diff)
		if len(diff.Removed.Households) != 1 || diff.Removed.Households[0].Now.HouseholdNo != rows[0][0] || len(diff.Added.Households) != 0 {
			t.Errorf("diff = %s, want household %s removed", body, rows[0][0])
		}
		if code, _ := h.call("GET", fmt.Sprintf("/api/v1/lists/%d/diff/%d", l.ListID, l2.ListID), officeB, nil); code != http.StatusNotFound {
			t.Errorf("other county diff: %d, want 404", code)
		}
	})
}
