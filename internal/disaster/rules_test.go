package disaster

import (
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var (
	admin     = znb.Actor{Username: "root", Role: znb.Admin}
	adjuster  = znb.Actor{Username: "adj", Role: znb.Adjuster, Scope: "PICC-ZY"}
	approver  = znb.Actor{Username: "appr", Role: znb.Approver, Scope: "PICC-ZY"}
	everybody = []znb.Actor{admin, office, auditor, clerk, adjuster, approver}
)

// TestEventWorkRoles: uploading a worksheet is an adjuster's work and
// approving an area an approver's, by name; admin takes neither.
func TestEventWorkRoles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(znb.Actor) error
		ok    znb.Role
	}{
		{"worksheet", CheckUploader, znb.Adjuster},
		{"area approval", CheckAreaApprover, znb.Approver},
	} {
		for _, a := range everybody {
			t.Run(tc.name+"/"+string(a.Role), func(t *testing.T) {
				want := "role_not_allowed"
				if a.Role == tc.ok {
					want = ""
				}
				if got := znb.CodeOf(tc.check(a)); got != want {
					t.Fatalf("code %q, want %q", got, want)
				}
			})
		}
	}
}

func TestCheckStruck(t *testing.T) {
	e := &Event{Name: "洪灾", Regions: []string{"522625101001", "522625102"}}
	for _, tc := range []struct {
		village string
		want    string
	}{
		{"522625101001", ""},
		{"522625102003", ""},
		{"522625101002", "region_not_in_event"},
		{"522626102003", "region_not_in_event"},
	} {
		t.Run(tc.village, func(t *testing.T) {
			if got := znb.CodeOf(e.CheckStruck(tc.village, "H1")); got != tc.want {
				t.Fatalf("code %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckAccountsUpload(t *testing.T) {
	for _, tc := range []struct {
		name   string
		by     znb.Actor
		county string
		want   string
	}{
		{"office of the county", office, "522625", ""},
		{"office of another county", office, "522626", "out_of_scope"},
		{"insurer clerk, any county", clerk, "522626", ""},
		{"admin", admin, "522626", ""},
		{"auditor", auditor, "522625", "forbidden"},
		{"adjuster", adjuster, "522625", "forbidden"},
		{"bad county", office, "52262", "invalid_region"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			county, err := CheckAccountsUpload(tc.by, tc.county)
			if got := znb.CodeOf(err); got != tc.want {
				t.Fatalf("code %q, want %q", got, tc.want)
			}
			if err == nil && county != tc.county {
				t.Fatalf("county %q, want %q", county, tc.county)
			}
		})
	}
}

func TestBatchQueryCheckBuild(t *testing.T) {
	day := today
	for _, tc := range []struct {
		name string
		by   znb.Actor
		q    BatchQuery
		want string
	}{
		{"clerk, event", clerk, BatchQuery{EventID: 1}, ""},
		{"approver, days", approver, BatchQuery{From: day, To: day.AddDays(3)}, ""},
		{"admin works for no insurer", admin, BatchQuery{EventID: 1}, "role_not_allowed"},
		{"office", office, BatchQuery{EventID: 1}, "forbidden"},
		{"adjuster", adjuster, BatchQuery{EventID: 1}, "forbidden"},
		{"neither event nor days", clerk, BatchQuery{}, "invalid_batch_query"},
		{"one day missing", clerk, BatchQuery{From: day}, "invalid_batch_query"},
		{"days reversed", clerk, BatchQuery{From: day, To: day.AddDays(-1)}, "invalid_batch_query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := znb.CodeOf(tc.q.CheckBuild(tc.by)); got != tc.want {
				t.Fatalf("code %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckPayable(t *testing.T) {
	if got := znb.CodeOf(CheckPayable(0)); got != "no_payable_claims" {
		t.Fatalf("empty batch: code %q", got)
	}
	if err := CheckPayable(1); err != nil {
		t.Fatal(err)
	}
}
