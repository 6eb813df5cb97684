package card

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestChunkedFile draws the same cards as one gofpdf document and as chunks
// of two merged into one file: the two must read the same, page for page,
// with the font embedded once and poppler finding nothing wrong.
func TestChunkedFile(t *testing.T) {
	var households [][]person
	names := []string{"罗正华", "张美兰", "罗小龙", "潘永福", "龙文军", "石秀芝"}
	for i := 0; i < 7; i++ {
		households = append(households, family(500+10*i, names[:1+i%len(names)]...))
	}
	cards := func(yield func(Card) error) error {
		for i, h := range households {
			status := Active
			if i == 3 {
				status = Cancelled // alpha and transforms survive the merge
			}
			if err := yield(testCard(fmt.Sprintf("%05d", i+1), status, h)); err != nil {
				return err
			}
		}
		return nil
	}
	whole, chunked := newRenderer(t), newRenderer(t)
	chunked.chunkCards = 2
	var one, merged bytes.Buffer
	if err := whole.Write(&one, cards); err != nil {
		t.Fatal(err)
	}
	if err := chunked.Write(&merged, cards); err != nil {
		t.Fatal(err)
	}
	keepPNG(merged.Bytes(), "chunked")
	if bytes.Equal(one.Bytes(), merged.Bytes()) {
		t.Fatal("the chunked file is gofpdf's own output: the merge did not run")
	}
	want, got := pdfText(t, one.Bytes()), pdfText(t, merged.Bytes())
	if got != want {
		t.Errorf("merged text differs from the one-document text:\n--- merged\n%s\n--- one document\n%s", got, want)
	}
	if pages := strings.Count(got, "\f"); pages != 2*len(households) {
		t.Errorf("%d pages, want %d (a front and a back a card)", pages, 2*len(households))
	}
	for i, h := range households {
		page := strings.Split(got, "\f")[2*i]
		assertContains(t, page, fmt.Sprintf("ZNB5226252024000001-%05d", i+1), "“助农保”保险服务明白卡", "10,000.00")
		for _, p := range h {
			assertContains(t, page, p.name, mask(p.id))
		}
		assertNoFullIDs(t, merged.Bytes(), got, h)
	}
	assertContains(t, pdfText(t, merged.Bytes(), "-raw"), "已注销", "CANCELLED")
	if n := bytes.Count(merged.Bytes(), []byte("/FontFile2")); n != 1 {
		t.Errorf("font embedded %d times, want 1", n)
	}
	// pdfinfo reports a broken xref or page tree on stderr.
	path := filepath.Join(t.TempDir(), "merged.pdf")
	if err := os.WriteFile(path, merged.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("Error")) || bytes.Contains(out, []byte("Syntax")) {
		t.Errorf("pdfinfo: %v\n%s", err, out)
	}
	if !regexp.MustCompile(fmt.Sprintf(`Pages:\s+%d\n`, 2*len(households))).Match(out) {
		t.Errorf("pdfinfo does not count %d pages:\n%s", 2*len(households), out)
	}
}

func TestRenumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<</Parent 1 0 R /Contents 4 0 R>>", "<</Parent 101 0 R /Contents 104 0 R>>"},
		{"/Kids [3 0 R 5 0 R ]", "/Kids [103 0 R 105 0 R ]"},
		{"/BBox [0.00 0.00 595.28 351.29]", "/BBox [0.00 0.00 595.28 351.29]"},
		{"/Matrix [1 0 0 1 0 0] /Width 45", "/Matrix [1 0 0 1 0 0] /Width 45"},
		{"/F4a 7 0 R\n/I8 15 0 R>>", "/F4a 107 0 R\n/I8 115 0 R>>"},
		{"/Length 10 0 Rx", "/Length 10 0 Rx"},
		{"/X 2.5 0 R", "/X 2.5 0 R"},
	} {
		got := string(renumber([]byte(tc.in), func(n int) int { return n + 100 }))
		if got != tc.want {
			t.Errorf("renumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWriteStopsSource: a bad card half-way through a chunked file stops
// the card source (a database cursor in production) and names the card.
func TestWriteStopsSource(t *testing.T) {
	r := newRenderer(t)
	r.chunkCards = 2
	people := family(700, "罗正华", "张美兰")
	yielded, sourceErr := 0, error(nil)
	cards := func(yield func(Card) error) error {
		for i := 0; i < 1000; i++ {
			c := testCard(fmt.Sprintf("%05d", i+1), Active, people)
			if i == 4 {
				c.Members[1].MaskedID = people[1].id // a full ID number
			}
			yielded++
			if err := yield(c); err != nil {
				sourceErr = err
				return err
			}
		}
		return nil
	}
	err := r.Write(io.Discard, cards)
	if code := znb.CodeOf(err); code != "id_not_masked" {
		t.Fatalf("Write: %v, want id_not_masked", err)
	}
	if !strings.Contains(err.Error(), "ZNB5226252024000001-00005") {
		t.Errorf("error %q does not name the card", err)
	}
	if sourceErr == nil || yielded > 5+40 {
		t.Errorf("source yielded %d cards and saw %v; it should stop soon after the bad card", yielded, sourceErr)
	}
}

// TestWorkingFont: a card looks the same, pixel for pixel, whether its
// file was the renderer's first (drawn with the face), brought characters
// the working font lacked, or found them all there.
func TestWorkingFont(t *testing.T) {
	c := testCard("00031", Cancelled, family(800, "龙德琨", "杨秀凤", "龙小燕"))
	raster := func(r *Renderer, name string) [][]byte {
		t.Helper()
		var buf bytes.Buffer
		if err := r.WriteCard(&buf, c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "card.pdf")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-r", "80", "-gray", path, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "p-*.pgm"))
		var out [][]byte
		for _, p := range pages {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		if len(out) != 2 {
			t.Fatalf("%s: %d pages, want 2", name, len(out))
		}
		return out
	}
	want := raster(newRenderer(t), "the face")

	r := newRenderer(t)
	if err := r.Write(io.Discard, villageCards(3)); err != nil {
		t.Fatal(err)
	}
	if r.work.has == nil || r.work.has.has('琨') {
		t.Fatal("no working font after a file, or one with 琨 already")
	}
	for _, step := range []string{"new characters", "all characters known"} {
		got := raster(r, step)
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("%s: page %d differs from the card drawn with the face", step, i+1)
			}
		}
		if !r.work.has.has('琨') {
			t.Fatalf("%s: the working font did not grow", step)
		}
	}
}
