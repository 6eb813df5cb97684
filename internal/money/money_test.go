package money

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
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
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"60", "60.00"},
		{"1.5", "1.50"},
		{"1.230", "1.23"},
		{"-3.2", "-3.20"},
		{"0", "0.00"},
		{"007.10", "7.10"},
		{"9999999999999999.99", "9999999999999999.99"},
		{"-9999999999999999.99", "-9999999999999999.99"},
		{"00000000000000000001", "1.00"},
		{"1.234", ""},
		{"0.001", ""},
		{"abc", ""},
		{"", ""},
		{"-", ""},
		{".", ""},
		{".5", ""},
		{"1.", ""},
		{"1e", ""},
		{"1e2", ""},
		{"1e309", ""},
		{"1E9999", ""},
		{"Inf", ""},
		{"-Infinity", ""},
		{"NaN", ""},
		{"0x10", ""},
		{"+5", ""},
		{" 5", ""},
		{"5 ", ""},
		{"1,000", ""},
		{"１２", ""},
		{"--1", ""},
		{"10000000000000000", ""},
		{"99999999999999999999", ""},
		{"1." + strings.Repeat("0", 41), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := Parse("premium", tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want refused", tt.in, d)
				}
				if e := znb.ErrorOf(err); e.Code != "invalid_amount" || !strings.Contains(e.Message, "premium") {
					t.Errorf("Parse(%q) error %v, want invalid_amount naming premium", tt.in, err)
				}
				return
			}
			if err != nil || String(d) != tt.want {
				t.Errorf("Parse(%q) = %s, %v; want %s", tt.in, String(d), err, tt.want)
			}
		})
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		in     string
		places int32
		want   string // "" means refused
	}{
		{"3", 0, "3"},
		{"3.0", 0, "3"},
		{"2.5", 0, ""},
		{"33.333", 2, ""},
		{"33.33", 2, "33.33"},
		{"0.125", 3, "0.125"},
		{"1e309", 2, ""},
		{"1E9999", 4, ""},
		{"99999999999999999999", 2, ""},
		{"NaN", 2, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.in, tt.places), func(t *testing.T) {
			d, ok := Decimal(tt.in, tt.places)
			if got := map[bool]string{true: d.String()}[ok]; got != tt.want {
				t.Errorf("Decimal(%q, %d) = %q, want %q", tt.in, tt.places, got, tt.want)
			}
		})
	}
}

func TestAmountJSON(t *testing.T) {
	var v struct{ Premium Amount }
	for in, want := range map[string]string{`"60.5"`: "60.50", `60.5`: "60.50", `null`: "0.00"} {
		v.Premium = Amount{}
		if err := json.Unmarshal([]byte(`{"Premium":`+in+`}`), &v); err != nil || String(v.Premium.Decimal) != want {
			t.Errorf("unmarshal %s = %s, %v; want %s", in, String(v.Premium.Decimal), err, want)
		}
	}
	for _, in := range []string{`"1e309"`, `1e309`, `"99999999999999999999"`, `0.001`, `"Inf"`, `true`} {
		err := json.Unmarshal([]byte(`{"Premium":`+in+`}`), &v)
		if znb.CodeOf(err) != "invalid_amount" {
			t.Errorf("unmarshal %s: %v, want invalid_amount", in, err)
		}
	}
	b, err := json.Marshal(struct{ Premium Amount }{Amount{MustParse("1234.5")}})
	if err != nil || string(b) != `{"Premium":"1234.50"}` {
		t.Errorf("marshal = %s, %v", b, err)
	}
}

// FuzzParse checks that whatever Parse accepts is a whole number of cents
// that fits DECIMAL(18,2) and reads back the same from its text form.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"60", "1.230", "-0.01", "1e309", "9999999999999999.99", "0x1p3", ".5", "+1", "Inf"} {
		f.Add(s)
	}
	limit := decimal.New(1, maxDigits)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse("amount", s)
		if err != nil {
			if znb.CodeOf(err) != "invalid_amount" {
				t.Fatalf("Parse(%q) error %v", s, err)
			}
			return
		}
		if !d.Equal(Round(d)) || d.Abs().GreaterThanOrEqual(limit) {
			t.Fatalf("Parse(%q) = %s: not cents or too large", s, d)
		}
		back, err := Parse("amount", String(d))
		if err != nil || !back.Equal(d) {
			t.Fatalf("Parse(%q) = %s reads back as %s, %v", s, d, back, err)
		}
	})
}

// TestString compares the coefficient path with StringFixed on amounts of
// every exponent it takes and on those it leaves to StringFixed.
func TestString(t *testing.T) {
	cases := []string{"0", "-0", "0.00", "0.5", "-0.5", "0.05", "-0.05", "1", "-1", "10", "1234.5", "1234.50",
		"-1234.56", "9999999999999999.99", "-9999999999999999.99", "99999999999999999", "123456789012345678901234",
		"1.005", "1.004", "-1.005", "2.675", "0.001", "1e3", "1.5e1", "12.3e-1"}
	for c := int64(-100_000); c <= 100_000; c += 997 {
		for e := int32(-4); e <= 2; e++ {
			cases = append(cases, decimal.New(c, e).String())
		}
	}
	for _, s := range cases {
		d := decimal.RequireFromString(s)
		if got, want := String(d), d.StringFixed(2); got != want {
			t.Errorf("String(%s) = %q, want %q", s, got, want)
		}
	}
	for _, d := range []decimal.Decimal{decimal.New(-5, -2), decimal.New(123, 0), decimal.New(-7, -1), decimal.New(0, -2)} {
		if got, want := String(d), d.StringFixed(2); got != want {
			t.Errorf("String(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestDecimalSmall: numbers read from their digits are the decimals
// NewFromString makes, exponent and all, and refused alike.
func TestDecimalSmall(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.00", "-0.00", "7", "-7", "1.5", "1.50", "1.500", "1.505", "-1.25",
		"0001.10", "123456789012345678", "12345678901234567.8", "1234567890123456.78", "9999999999999999.99",
		"-9999999999999999.99", "0.000000000000000001", "1.2300000", "3.0", "2.5", "33.333"} {
		for places := int32(0); places <= 3; places++ {
			d, ok := Decimal(s, places)
			want, err := decimal.NewFromString(s)
			wantOK := plain(s) && err == nil && want.Equal(want.Round(places))
			if ok != wantOK || ok && (!d.Equal(want) || d.Exponent() != want.Exponent() || d.String() != want.String()) {
				t.Errorf("Decimal(%q, %d) = %v (exp %d) %v, want %v (exp %d) %v", s, places, d, d.Exponent(), ok, want, want.Exponent(), wantOK)
			}
		}
	}
}

// Diff gives the value and exponent of the chain of Subs it stands for,
// whether it works in int64 or not.
func TestDiff(t *testing.T) {
	d := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	for _, tc := range [][]string{
		{"100", "20.5", "0", "0.01", "0"},
		{"100.00", "20.50", "0.00", "0.00", "0.00"},
		{"0", "0"},
		{"5", "7.25"},
		{"-1.5", "-2"},
		{"9999999999999999", "1"},                   // 16 digits: int64
		{"99999999999999.99", "0.01", "0.01"},       // 16 digits at cents
		{"999999999999999.99", "0.01"},              // 17 digits at cents: big.Int
		{"12345678901234567890", "1"},               // past int64
		{"1.005", "0.001"},                          // three decimals
		{"1E3", "1"},                                // a positive exponent
		{"4000", "1200.5", "300.25", "100", "0.75"}, // a settlement
		{"-9999999999999999", "9999999999999999", "9999999999999999", "9999999999999999", "9999999999999999"},
	} {
		a, bs := d(tc[0]), make([]decimal.Decimal, 0, len(tc)-1)
		want := a
		for _, s := range tc[1:] {
			bs = append(bs, d(s))
			want = want.Sub(d(s))
		}
		got := Diff(a, bs...)
		if !got.Equal(want) || got.Exponent() != want.Exponent() {
			t.Errorf("Diff%v = %s (exp %d), want %s (exp %d)", tc, got, got.Exponent(), want, want.Exponent())
		}
	}
}
