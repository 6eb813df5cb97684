package sheet

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// fiftyRows is a header and 50 data rows, each with a notes column.
func fiftyRows(note func(row int) string) []byte {
	var b bytes.Buffer
	b.WriteString("户编号,姓名,备注\n")
	for row := 2; row <= 51; row++ {
		fmt.Fprintf(&b, "%d,张三,%s\n", row, note(row))
	}
	return b.Bytes()
}

func TestCSVRefusesBadRows(t *testing.T) {
	long := strings.Repeat("长", MaxCellChars+1)
	tests := []struct {
		name, code, where string
		data              []byte
	}{
		{"unterminated quote", "csv_quote", "第 21 行", fiftyRows(func(row int) string {
			if row == 21 {
				return `"见附件`
			}
			return ""
		})},
		{"bare quote", "csv_quote", "第 3 行", []byte("a,b\n1,2\n3,5\"寸\n4,5\n")},
		{"quote after a multi-line cell", "csv_quote", "第 4 行", []byte("a,b\n1,\"两\n行\"\n\n3,x\"y\"\n")},
		{"nul after the first MiB", "nul_byte", "第 30001 行", func() []byte {
			var b bytes.Buffer
			b.WriteString("a,b\n")
			for i := 2; i <= 30000; i++ {
				fmt.Fprintf(&b, "%d,张三丰的备注写得很长很长很长\n", i)
			}
			b.WriteString("x,y\x00z\n")
			if b.Len() <= sniffSize {
				panic("not past the sniffed head")
			}
			return b.Bytes()
		}()},
		{"cell too long", "cell_too_long", "第 2 行 B 列", []byte("a,b\n1," + long + "\n")},
		{"too many columns", "too_many_columns", "第 2 行", []byte("a\n" + strings.Repeat(",", MaxColumns) + "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := readAll(t, writeFile(t, "x.csv", tt.data))
			if got := znb.CodeOf(err); got != tt.code {
				t.Fatalf("code %q (%v) after %d rows, want %q", got, err, len(rows), tt.code)
			}
			if msg := znb.ErrorOf(err).Message; !strings.Contains(msg, tt.where) {
				t.Errorf("message %q does not name %q", msg, tt.where)
			}
		})
	}
}

func TestCSVKeepsQuotedCells(t *testing.T) {
	got, err := readAll(t, writeFile(t, "x.csv", []byte("a,b\n\"x,\"\"y\"\"\",\"\"\n\"\",z\n")))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a", "b"}, {`x,"y"`, ""}, {"", "z"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
