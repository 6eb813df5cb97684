package policy

import (
	"os"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func insured(name, relation, start, end, premium string) Insured {
	return Insured{IDNumber: name, Name: name, Relation: relation,
		Cover: Cover{Start: znb.MustDate(start), End: znb.MustDate(end)}, Premium: amt(premium)}
}

func TestCertificateHeadName(t *testing.T) {
	tests := []struct {
		name    string
		members []Insured
		want    string
	}{
		{"head listed first", []Insured{insured("张三", "户主", "2024-01-01", "2024-12-31", "60"), insured("李四", "配偶", "2024-01-01", "2024-12-31", "60")}, "张三"},
		{"head listed later", []Insured{insured("李四", "配偶", "2024-01-01", "2024-12-31", "60"), insured("张三", "户主", "2024-01-01", "2024-12-31", "60")}, "张三"},
		{"no head: the first member", []Insured{insured("李四", "配偶", "2024-01-01", "2024-12-31", "60"), insured("王五", "子", "2024-01-01", "2024-12-31", "60")}, "李四"},
		{"no members", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Certificate{Members: tt.members}
			if got := c.HeadName(); got != tt.want {
				t.Errorf("HeadName = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCertificatePeriodAndPremium(t *testing.T) {
	tests := []struct {
		name       string
		members    []Insured
		start, end string // "" for the zero date
		premium    string
	}{
		{"one cover", []Insured{insured("A", "户主", "2024-01-01", "2024-12-31", "60")}, "2024-01-01", "2024-12-31", "60.00"},
		{"earliest start to latest end", []Insured{
			insured("A", "户主", "2024-03-01", "2024-06-30", "20"),
			insured("B", "配偶", "2024-01-01", "2024-04-30", "19.5"),
			insured("C", "子", "2024-07-01", "2024-12-31", "30.16"),
		}, "2024-01-01", "2024-12-31", "69.66"},
		{"emptied cover left out", []Insured{
			insured("A", "户主", "2024-07-01", "2024-12-31", "30.16"),
			insured("B", "配偶", "2024-06-01", "2024-05-31", "0"),
		}, "2024-07-01", "2024-12-31", "30.16"},
		{"no covers", nil, "", "", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Certificate{Members: tt.members}
			p := c.Period()
			if got, want := p.Start.String()+".."+p.End.String(), date(tt.start)+".."+date(tt.end); got != want {
				t.Errorf("Period = %s, want %s", got, want)
			}
			if got := c.Premium().StringFixed(2); got != tt.premium {
				t.Errorf("Premium = %s, want %s", got, tt.premium)
			}
		})
	}
}

// date is the text of a date, or of the zero date for "".
func date(s string) string {
	if s == "" {
		return znb.Date{}.String()
	}
	return znb.MustDate(s).String()
}

func TestCertificateStatus(t *testing.T) {
	for _, tt := range []struct {
		status    CertificateStatus
		cancelled bool
	}{{CertActive, false}, {CertCancelled, true}} {
		t.Run(string(tt.status), func(t *testing.T) {
			if got := (&Certificate{Status: tt.status}).Cancelled(); got != tt.cancelled {
				t.Errorf("Cancelled = %v, want %v", got, tt.cancelled)
			}
		})
	}
}

// TestCertificateSelfPaid: the household pays its category's self share of
// the premium, rounded as the split rounds (self, the last source, takes
// the remainder), under the example agreement shipped in configs/.
func TestCertificateSelfPaid(t *testing.T) {
	data, err := os.ReadFile("../../configs/agreements/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := mustAgreement(t, string(data))
	for _, tt := range []struct {
		category znb.Category
		premium  string
		want     string
	}{
		{znb.Marginal, "60.00", "18.00"},
		{znb.Marginal, "240.00", "72.00"},
		{znb.Marginal, "45.55", "13.66"}, // 13.665 would round up; self takes what the 30/20/20 leave
		{znb.Marginal, "0.00", "0.00"},
		{znb.Lifted, "240.00", "0.00"},
		{znb.NotLifted, "60.00", "0.00"},
		{znb.SuddenHardship, "60.00", "0.00"},
	} {
		t.Run(string(tt.category)+"/"+tt.premium, func(t *testing.T) {
			shares, err := a.SplitPremium(tt.category, amt(tt.premium))
			if err != nil {
				t.Fatal(err)
			}
			c := &Certificate{Category: tt.category, Shares: shares}
			if got := c.SelfPaid().StringFixed(2); got != tt.want {
				t.Errorf("SelfPaid = %s, want %s", got, tt.want)
			}
		})
	}
}
