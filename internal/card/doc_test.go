package card

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestCreationDate: a PDF is dated when it is made (the renderer's clock),
// not 1 January 1970.
func TestCreationDate(t *testing.T) {
	r := newRenderer(t)
	r.Now = func() time.Time { return time.Date(2026, 3, 9, 2, 30, 0, 0, time.UTC) }
	date := regexp.MustCompile(`/CreationDate \(D:(\d{14})`)
	for name, write := range map[string]func(*bytes.Buffer) error{
		"notice": func(b *bytes.Buffer) error {
			return r.WriteNotice(b, Notice{Title: "公示", Period: "2026年2月", IssueDate: znb.MustDate("2026-03-09")})
		},
		"cards": func(b *bytes.Buffer) error {
			return r.Write(b, func(yield func(Card) error) error {
				return yield(testCard("00001", Active, family(300, "罗正华")))
			})
		},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := write(&buf); err != nil {
				t.Fatal(err)
			}
			m := date.FindSubmatch(buf.Bytes())
			if m == nil {
				t.Fatal("no /CreationDate in the PDF")
			}
			// 02:30 UTC is 10:30 China Standard Time.
			if got, want := string(m[1]), "20260309103000"; got != want {
				t.Errorf("CreationDate %s, want %s", got, want)
			}
		})
	}
}
