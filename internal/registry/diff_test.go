package registry

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// slice is a Stream over members given as "household|id|name|relation|status|category".
type slice struct {
	rows []string
	i    int
}

func (s *slice) Next() bool { s.i++; return s.i <= len(s.rows) }
func (s *slice) Err() error { return nil }
func (s *slice) Current() (Household, Member) {
	f := strings.Split(s.rows[s.i-1], "|")
	h := Household{No: f[0], Region: "522625101201", Village: "石坪村", Category: znb.Category(f[5])}
	m := Member{HouseholdNo: f[0], IDNumber: f[1], Name: f[2], Relation: f[3], Status: Status(f[4])}
	if m.Status.Gone() {
		m.StatusDate = znb.MustDate("2024-03-01")
	}
	return h, m
}

func TestDiff(t *testing.T) {
	old := &slice{rows: []string{
		"H1|A|张一|户主|normal|lifted",
		"H1|B|李二|配偶|normal|lifted",
		"H2|C|王三|户主|normal|marginal",
		"H3|D|赵四|户主|normal|lifted",
		"H3|E|赵五|子|normal|lifted",
	}}
	new := &slice{rows: []string{
		"H1|A|张一|户主|normal|lifted",
		"H1|B|李二|配偶|deceased|lifted", // died
		"H1|F|张六|子|normal|lifted",    // born
		"H2|C|王叁|户主|normal|returned", // renamed, household changed category
		"H4|E|赵五|户主|normal|lifted",   // H3 gone, E heads a new household
	}}
	ch, err := Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	type hc struct {
		kind   ChangeKind
		no     string
		fields []string
	}
	var hs []hc
	for _, c := range ch.Households {
		no := c.New.No
		if c.Kind == Removed {
			no = c.Old.No
		}
		hs = append(hs, hc{c.Kind, no, c.Fields})
	}
	wantH := []hc{{Changed, "H2", []string{"category"}}, {Removed, "H3", nil}, {Added, "H4", nil}}
	if !reflect.DeepEqual(hs, wantH) {
		t.Errorf("households %v, want %v", hs, wantH)
	}
	type mc struct {
		kind   ChangeKind
		key    string
		fields []string
	}
	var ms []mc
	for _, c := range ch.Members {
		m := c.New
		if c.Kind == Removed {
			m = c.Old
		}
		ms = append(ms, mc{c.Kind, m.HouseholdNo + "/" + m.IDNumber, c.Fields})
	}
	wantM := []mc{
		{Changed, "H1/B", []string{"member_status", "status_date"}},
		{Added, "H1/F", nil},
		{Changed, "H2/C", []string{"name"}},
		{Removed, "H3/D", nil},
		{Removed, "H3/E", nil},
		{Added, "H4/E", nil},
	}
	if !reflect.DeepEqual(ms, wantM) {
		t.Errorf("members %v, want %v", ms, wantM)
	}
}

func TestDiffEdges(t *testing.T) {
	one := []string{"H1|A|张一|户主|normal|lifted"}
	tests := []struct {
		name             string
		old, new         []string
		households, mems int
		code             string
	}{
		{"both empty", nil, nil, 0, 0, ""},
		{"all new", nil, one, 1, 1, ""},
		{"all gone", one, nil, 1, 1, ""},
		{"same", one, one, 0, 0, ""},
		{"unsorted", []string{"H2|A|x|户主|normal|lifted", "H1|B|y|户主|normal|lifted"}, one, 0, 0, "internal"},
		{"id twice", []string{"H1|A|x|户主|normal|lifted", "H1|A|y|子|normal|lifted"}, one, 0, 0, "internal"},
	}
	for _, tt := range tests {
		ch, err := Diff(&slice{rows: tt.old}, &slice{rows: tt.new})
		if code := znb.CodeOf(err); code != tt.code {
			t.Errorf("%s: error %v, want code %q", tt.name, err, tt.code)
			continue
		}
		if err == nil && (len(ch.Households) != tt.households || len(ch.Members) != tt.mems) {
			t.Errorf("%s: %d household and %d member changes, want %d and %d", tt.name, len(ch.Households), len(ch.Members), tt.households, tt.mems)
		}
	}
}

// TestHouseholdFieldsIncome: the diff names a change of 人均纯收入 and of
// 风险是否消除, including one given where the list was silent.
func TestHouseholdFieldsIncome(t *testing.T) {
	yes, no := true, false
	inc := func(s string) decimal.NullDecimal { return decimal.NewNullDecimal(decimal.RequireFromString(s)) }
	base := Household{No: "H1", Category: znb.Lifted, Income: inc("8000.00"), RiskEliminated: &yes}
	tests := []struct {
		name string
		edit func(h *Household)
		want []string
	}{
		{"same", func(h *Household) {}, nil},
		{"same income written otherwise", func(h *Household) { h.Income = inc("8000") }, nil},
		{"income fell", func(h *Household) { h.Income = inc("5000.00") }, []string{"income_per_capita"}},
		{"income left out", func(h *Household) { h.Income = decimal.NullDecimal{} }, []string{"income_per_capita"}},
		{"risk back", func(h *Household) { h.RiskEliminated = &no }, []string{"risk_eliminated"}},
		{"risk left out", func(h *Household) { h.RiskEliminated = nil }, []string{"risk_eliminated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := base
			tt.edit(&h)
			if got := householdFields(base, h); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields %v, want %v", got, tt.want)
			}
		})
	}
}
