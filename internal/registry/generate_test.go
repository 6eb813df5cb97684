package registry

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// generate writes a generated list to w in format through the sheet writer.
func generate(t testing.TB, w io.Writer, format string, households int, seed int64) int {
	t.Helper()
	out, err := sheet.NewWriter(w, format)
	if err != nil {
		t.Fatal(err)
	}
	n, err := Generate(out, county, households, seed, today)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func generateFile(t testing.TB, format string, households int, seed int64) (string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "list."+format)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n := generate(t, f, format, households, seed)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, n
}

func TestGeneratePassesCheck(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		path, n := generateFile(t, format, 1500, 7)
		v, err := checkFile(t, path)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if len(v.Rejected) != 0 {
			t.Errorf("%s: %d rejects, first %+v", format, len(v.Rejected), v.Rejected[0])
		}
		if v.Households != 1500 || v.Members != n || v.TotalMembers != n {
			t.Errorf("%s: verdict %d households %d members (of %d), want 1500 and %d", format, v.Households, v.Members, v.TotalMembers, n)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	generate(t, &a, "csv", 200, 1)
	generate(t, &b, "csv", 200, 1)
	generate(t, &c, "csv", 200, 2)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed gave different lists")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds gave the same list")
	}
}

// TestGenerateRealistic reads a generated list back and checks the shape
// the demos rely on: category mix, household sizes, relations that
// fit ages and sexes, statuses.
func TestGenerateRealistic(t *testing.T) {
	const households = 4000
	path, n := generateFile(t, "csv", households, 3)
	rows, err := sheet.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cats := map[znb.Category]int{}
	size := map[string]int{}
	villages := map[string]string{}
	heads := map[string]struct {
		birth znb.Date
		male  bool
	}{}
	var gone, phones int
	var bad []string
	err = Each(rows, county, func(h Household, m Member) error {
		size[h.No]++
		if name, ok := villages[h.Region]; ok && name != h.Village {
			bad = append(bad, "village "+h.Region+" has two names")
		}
		villages[h.Region] = h.Village
		_, birth, err := ValidateID(m.IDNumber, today)
		if err != nil {
			bad = append(bad, "invalid id")
			return nil
		}
		male := (m.IDNumber[16]-'0')%2 == 1
		if m.Relation == Head {
			cats[h.Category]++
			heads[h.No] = struct {
				birth znb.Date
				male  bool
			}{birth, male}
			if m.Phone != "" {
				phones++
			}
			return nil
		}
		head := heads[h.No]
		switch m.Relation {
		case "子", "孙子", "父亲":
			if !male {
				bad = append(bad, m.Relation+" is female")
			}
		case "女", "孙女", "母亲", "儿媳":
			if male {
				bad = append(bad, m.Relation+" is male")
			}
		case "配偶":
			if male == head.male {
				bad = append(bad, "spouse of the same sex")
			}
		}
		switch m.Relation {
		case "子", "女", "孙子", "孙女":
			if !birth.After(head.birth.AddDays(15 * 365)) {
				bad = append(bad, m.Relation+" not younger than the head by 15 years")
			}
		case "父亲", "母亲":
			if !birth.Before(head.birth.AddDays(-15 * 365)) {
				bad = append(bad, m.Relation+" not older than the head by 15 years")
			}
		}
		if m.Status.Gone() {
			gone++
			if m.StatusDate.Before(today.AddDays(-366)) || m.StatusDate.After(today) {
				bad = append(bad, "status date outside the past year")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("%d inconsistencies, first: %s", len(bad), bad[0])
	}
	if len(heads) != households || phones != households {
		t.Errorf("%d heads with %d phones, want %d each", len(heads), phones, households)
	}
	sizes := map[int]int{}
	for _, s := range size {
		sizes[s]++
		if s < 1 || s > 7 {
			t.Errorf("household of %d members", s)
		}
	}
	if mid := sizes[2] + sizes[3] + sizes[4] + sizes[5]; mid*100 < households*70 {
		t.Errorf("only %d of %d households have 2–5 members", mid, households)
	}
	for _, c := range categoryMix {
		got := cats[c.cat] * 100 / households
		if d := got - c.pct; d < -3 || d > 3 {
			t.Errorf("%s: %d%% of households, want about %d%%", c.cat, got, c.pct)
		}
	}
	if share := gone * 1000 / n; share < 10 || share > 30 {
		t.Errorf("%d of %d members died or moved out (%d‰), want about 2%%", gone, n, share)
	}
	if len(villages) < 50 {
		t.Errorf("%d villages, want 10–20 townships of 5–15 villages", len(villages))
	}
}

// BenchmarkCheckEach measures the two passes of an import over a generated
// list of about 200,000 members.
func BenchmarkCheckEach(b *testing.B) {
	path, n := generateFile(b, "csv", 58000, 1)
	b.ReportMetric(float64(n), "members")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := sheet.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		v, err := Check(rows, county, today)
		rows.Close()
		if err != nil || len(v.Rejected) > 0 {
			b.Fatal(err, len(v.Rejected))
		}
		rows, err = sheet.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		count := 0
		err = Each(rows, county, func(h Household, m Member) error {
			if v.OK(h.No) {
				count++
			}
			return nil
		})
		rows.Close()
		if err != nil || count != n {
			b.Fatal(err, count)
		}
	}
}

// BenchmarkGenerate measures writing a list of about 1,000,000 members.
func BenchmarkGenerate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		var w countWriter
		n := generate(b, &w, "csv", 290000, 1)
		b.ReportMetric(float64(n), "members")
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func TestGenerateRefusesCounty(t *testing.T) {
	for _, c := range []struct{ name, county string }{{"FiveDigits", "52262"}, {"Letters", "52262X"}, {"Township", "522625101"}} {
		t.Run(c.name, func(t *testing.T) {
			out, err := sheet.NewWriter(io.Discard, "csv")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Generate(out, c.county, 10, 1, today); znb.CodeOf(err) != "invalid_region" {
				t.Errorf("Generate(%q): %v, want invalid_region", c.county, err)
			}
		})
	}
}
