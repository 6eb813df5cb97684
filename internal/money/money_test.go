package money

import (
	"testing"

	"github.com/shopspring/decimal"
)

func pcts(ss ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = MustParse(s)
	}
	return out
}

func TestSplit(t *testing.T) {
	tests := []struct {
		amount string
		pcts   []decimal.Decimal
		want   []string
	}{
		{"98.36", pcts("50", "20", "15", "15", "0"), []string{"49.18", "19.67", "14.75", "14.76", "0.00"}},
		{"60.00", pcts("50", "20", "15", "15", "0"), []string{"30.00", "12.00", "9.00", "9.00", "0.00"}},
		{"60.00", pcts("0", "30", "20", "20", "30"), []string{"0.00", "18.00", "12.00", "12.00", "18.00"}},
		{"0.01", pcts("50", "20", "15", "15", "0"), []string{"0.01", "0.00", "0.00", "0.00", "0.00"}},
		{"0.03", pcts("34", "33", "33", "0", "0"), []string{"0.01", "0.01", "0.01", "0.00", "0.00"}},
		{"10.00", pcts("33.33", "33.33", "33.34", "0", "0"), []string{"3.33", "3.33", "3.34", "0.00", "0.00"}},
		{"-5.05", pcts("50", "20", "15", "15", "0"), []string{"-2.53", "-1.01", "-0.76", "-0.75", "0.00"}},
		{"100.00", pcts("0", "0", "0", "0", "0"), []string{"0.00", "0.00", "0.00", "0.00", "0.00"}},
		{"33.33", pcts("100", "0", "0", "0", "0"), []string{"33.33", "0.00", "0.00", "0.00", "0.00"}},
	}
	for _, tt := range tests {
		got := Split(MustParse(tt.amount), tt.pcts)
		sum := decimal.Zero
		for i, g := range got {
			sum = sum.Add(g)
			if String(g) != tt.want[i] {
				t.Errorf("Split(%s)[%d] = %s, want %s", tt.amount, i, String(g), tt.want[i])
			}
		}
		allZero := true
		for _, p := range tt.pcts {
			allZero = allZero && p.IsZero()
		}
		if !allZero && !sum.Equal(MustParse(tt.amount)) {
			t.Errorf("Split(%s) sums to %s", tt.amount, sum)
		}
	}
}

func TestProRate(t *testing.T) {
	tests := []struct {
		name           string
		perYear        string
		days, termDays int
		want           string
	}{
		{"full year", "60.00", 365, 365, "60.00"},
		{"leap year full", "60.00", 366, 366, "60.00"},
		{"half leap year", "60.00", 183, 366, "30.00"},
		{"one day", "60.00", 1, 365, "0.16"},
		{"one day leap", "60.00", 1, 366, "0.16"},
		{"last day of term", "60.00", 1, 365, "0.16"},
		{"half-up at .5", "0.10", 1, 4, "0.03"},
		{"none", "60.00", 0, 365, "0.00"},
		{"over the term is capped", "60.00", 400, 365, "60.00"},
		{"100 days", "60.00", 100, 365, "16.44"},
	}
	for _, tt := range tests {
		got := ProRate(MustParse(tt.perYear), tt.days, tt.termDays)
		if String(got) != tt.want {
			t.Errorf("%s: ProRate(%s, %d, %d) = %s, want %s", tt.name, tt.perYear, tt.days, tt.termDays, String(got), tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, s := range []string{"1.234", "abc", "", "1e"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	for s, want := range map[string]string{"60": "60.00", "1.5": "1.50", "1.230": "1.23", "-3.2": "-3.20"} {
		d, err := Parse(s)
		if err != nil || String(d) != want {
			t.Errorf("Parse(%q) = %v, %v; want %s", s, String(d), err, want)
		}
	}
}
