package oversight

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func claimNos(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("CLM20240501%06d", i+1)
	}
	return out
}

func TestSampleSize(t *testing.T) {
	five := DefaultRate
	cases := []struct {
		paid int
		rate decimal.Decimal
		want int
	}{
		{0, five, 0},
		{1, five, 1},
		{19, five, 1},
		{20, five, 1},
		{21, five, 2},
		{1000, five, 50},
		{1001, five, 51},
		{3, decimal.NewFromInt(100), 3},
		{10, decimal.RequireFromString("0.01"), 1},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d@%s%%", tc.paid, tc.rate), func(t *testing.T) {
			if got := SampleSize(tc.paid, tc.rate); got != tc.want {
				t.Fatalf("SampleSize(%d) = %d, want %d", tc.paid, got, tc.want)
			}
			// and the draw holds exactly that many distinct claims
			got := Draw(42, claimNos(tc.paid), SampleSize(tc.paid, tc.rate))
			seen := map[string]bool{}
			for _, no := range got {
				seen[no] = true
			}
			if len(got) != tc.want || len(seen) != tc.want {
				t.Fatalf("draw = %d claims (%d distinct), want %d", len(got), len(seen), tc.want)
			}
		})
	}
}

func TestDrawReproducible(t *testing.T) {
	nos := claimNos(1000)
	first := Draw(20240601, nos, 50)
	shuffled := append([]string(nil), nos...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	t.Run("同一种子同一样本", func(t *testing.T) {
		if again := Draw(20240601, nos, 50); !reflect.DeepEqual(first, again) {
			t.Fatalf("two draws differ:\n%v\n%v", first, again)
		}
	})
	t.Run("与顺序无关", func(t *testing.T) {
		if again := Draw(20240601, shuffled, 50); !reflect.DeepEqual(first, again) {
			t.Fatalf("order changed the draw")
		}
	})
	t.Run("另一种子另一样本", func(t *testing.T) {
		if other := Draw(20240602, nos, 50); reflect.DeepEqual(first, other) {
			t.Fatalf("another seed gave the same sample")
		}
	})
	t.Run("按秩最小", func(t *testing.T) {
		// every claim left out ranks above every claim drawn
		in := map[string]bool{}
		maxIn := ""
		for _, no := range first {
			in[no] = true
			if r := Rank(20240601, no); r > maxIn {
				maxIn = r
			}
		}
		for _, no := range nos {
			if !in[no] && Rank(20240601, no) < maxIn {
				t.Fatalf("%s ranks below a drawn claim but was left out", no)
			}
		}
	})
	t.Run("秩可用 sha256sum 复算", func(t *testing.T) {
		// echo -n "7:A" | sha256sum
		if got, want := Rank(7, "A"), "0d3757a0a5954f3a59dba25eb71153bcc1e24a8fc61724724f5cea94eac6a7ef"; got != want {
			t.Fatalf("Rank(7, A) = %s, want %s", got, want)
		}
	})
}

func TestMonth(t *testing.T) {
	m, err := ParseMonth("2024-02")
	if err != nil || m.First() != d("2024-02-01") || m.Last() != d("2024-02-29") || m.String() != "2024-02" {
		t.Fatalf("month = %v %v %v %v", m, err, m.First(), m.Last())
	}
	if _, err := ParseMonth("2024-13"); code(err) != "invalid_month" {
		t.Errorf("2024-13: %v", err)
	}
	if err := m.CheckDrawable(d("2024-02-29")); code(err) != "month_not_over" {
		t.Errorf("drawable on its last day: %v", err)
	}
	if err := m.CheckDrawable(d("2024-03-01")); err != nil {
		t.Errorf("not drawable the day after: %v", err)
	}
	start, end := m.Span()
	if start.In(znb.CST).Day() != 1 || end.Sub(start).Hours() != 29*24 {
		t.Errorf("span %v – %v", start, end)
	}
}

func TestCheckRate(t *testing.T) {
	for s, want := range map[string]string{"5": "", "100": "", "0.5": "", "0": "invalid_rate", "-1": "invalid_rate", "100.01": "invalid_rate", "1.234": "invalid_rate"} {
		if got := code(CheckRate(decimal.RequireFromString(s))); got != want {
			t.Errorf("%s: %q, want %q", s, got, want)
		}
	}
}

func TestItemRecord(t *testing.T) {
	office := znb.Actor{ID: 7, Username: "office", Role: znb.Office, Scope: "522625"}
	paid := decimal.RequireFromString("1200.00")
	amt := decimal.RequireFromString
	cases := []struct {
		name    string
		by      znb.Actor
		outcome Outcome
		amount  decimal.Decimal
		note    string
		want    string
	}{
		{"核实无误", office, Confirmed, decimal.Zero, "", ""},
		{"追回部分", approver1, Recovered, amt("300.00"), "重复申报家电损失", ""},
		{"追回全额", office, Recovered, paid, "虚构事故", ""},
		{"追回超额", office, Recovered, amt("1200.01"), "x", "invalid_recovered_amount"},
		{"追回无金额", office, Recovered, decimal.Zero, "x", "invalid_recovered_amount"},
		{"追回无说明", office, Recovered, amt("1"), "", "review_note_required"},
		{"无误带金额", office, Confirmed, amt("1"), "", "amount_not_expected"},
		{"未知结果", office, Outcome("fine"), decimal.Zero, "", "invalid_outcome"},
		{"审计只读", znb.Actor{Username: "a", Role: znb.Auditor, Scope: "522625"}, Confirmed, decimal.Zero, "", "role_not_allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			it := Item{ClaimNo: "C1", Paid: paid}
			err := it.Record(tc.by, t0, tc.outcome, tc.amount, tc.note)
			if got := code(err); got != tc.want {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.want)
			}
			if err == nil {
				if it.Outcome != tc.outcome || !it.Recovered.Equal(tc.amount) || it.Reviewer != tc.by.Username {
					t.Fatalf("item = %+v", it)
				}
				if err := it.Record(tc.by, t0, Confirmed, decimal.Zero, ""); code(err) != "already_reviewed" {
					t.Fatalf("second record: %v", err)
				}
			}
		})
	}
}

func TestTally(t *testing.T) {
	var tl Tally
	for _, it := range []Item{{Paid: decimal.NewFromInt(100), Outcome: Confirmed},
		{Paid: decimal.NewFromInt(200), Outcome: Recovered, Recovered: decimal.NewFromInt(50)},
		{Paid: decimal.NewFromInt(300)}} {
		tl.Add(it)
	}
	if tl.Sampled != 3 || tl.Confirmed != 1 || tl.Recovered != 1 || tl.Pending != 1 ||
		!tl.Paid.Equal(decimal.NewFromInt(600)) || !tl.RecoveredAmount.Equal(decimal.NewFromInt(50)) {
		t.Fatalf("tally = %+v", tl)
	}
}

// TestSampleUnit: insurer staff sample their own insurer, offices their
// region (their own by default), admin any named insurer; another's unit
// answers as missing, so scope cannot be probed.
func TestSampleUnit(t *testing.T) {
	admin := znb.Actor{Username: "root", Role: znb.Admin}
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: "522625"}
	approver := znb.Actor{Username: "appr", Role: znb.Approver, Scope: "PICC"}
	for _, tc := range []struct {
		name                string
		by                  znb.Actor
		insurer, region     string
		wantIns, wantRegion string
		want                string
	}{
		{"approver, own insurer by default", approver, "", "", "PICC", "", ""},
		{"approver, a village", approver, "PICC", "522625101001", "PICC", "522625101001", ""},
		{"approver, another insurer", approver, "CPIC", "", "", "", "not_found"},
		{"office, own county by default", office, "PICC", "", "PICC", "522625", ""},
		{"office, a township of its county", office, " PICC ", "522625101", "PICC", "522625101", ""},
		{"office, another county", office, "PICC", "522626", "", "", "not_found"},
		{"office names no insurer", office, "", "", "", "", "insurer_required"},
		{"admin names no insurer", admin, "", "", "", "", "insurer_required"},
		{"admin, any insurer", admin, "CPIC", "", "CPIC", "", ""},
		{"bad region", office, "PICC", "52262", "", "", "invalid_region"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins, region, err := SampleUnit(tc.by, tc.insurer, tc.region)
			if got := znb.CodeOf(err); got != tc.want {
				t.Fatalf("code %q, want %q", got, tc.want)
			}
			if err == nil && (ins != tc.wantIns || region != tc.wantRegion) {
				t.Fatalf("unit %q %q, want %q %q", ins, region, tc.wantIns, tc.wantRegion)
			}
		})
	}
}
