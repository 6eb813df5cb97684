package registry

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestHiddenRune(t *testing.T) {
	tests := []struct {
		in   string
		want rune
		bad  bool
	}{
		{"张三", 0, false},
		{"a\tb", 0, false},
		{"Zoë 阿依古丽·买买提", 0, false},
		{"张\u202E三", 0x202E, true},
		{"张\u2066三", 0x2066, true},
		{"\u200F张三", 0x200F, true},
		{"张\u200E", 0x200E, true},
		{"a\u061Cb", 0x061C, true},
		{"a\x00b", 0, true},
		{"a\x1Bb", 0x1B, true},
		{"a\x7Fb", 0x7F, true},
		{"a\u0085b", 0x85, true},
		{"a\nb", '\n', true},
	}
	for _, tt := range tests {
		r, bad := hiddenRune(tt.in)
		if bad != tt.bad || r != tt.want {
			t.Errorf("hiddenRune(%q) = %U, %v; want %U, %v", tt.in, r, bad, tt.want, tt.bad)
		}
	}
}

func TestCheckRefusesHiddenCharacters(t *testing.T) {
	r := fixture()
	r[2][at("姓名")] = "李\u202E梅"
	r[3][at("村名")] = "龙\u200F溪村"
	r[3][at("联系电话")] = "1380013800\x07"
	v, err := checkFile(t, tempFile(t, "list.csv", csvOf(r)))
	if err != nil {
		t.Fatal(err)
	}
	got := faultsOf(v)
	want := []want{{3, "name", "control_character"}, {4, "village_name", "control_character"},
		{4, "phone", "bad_phone"}, {4, "phone", "control_character"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rejects %v, want %v", got, want)
	}
	if v.OK("H1") || v.OK("H2") || v.Households != 0 {
		t.Errorf("a household with a hidden character is clean (%d clean)", v.Households)
	}
	if msg := v.Rejected[0].Message; !strings.Contains(msg, "姓名") || !strings.Contains(msg, "U+202E") {
		t.Errorf("message %q names neither the column nor the character", msg)
	}
}

// An open quote in a notes column at row 21 of a 50-household list used to
// swallow the rest of the file into one cell, so 9 households were accepted
// where the file has 50.
func TestCheckRefusesUnterminatedQuote(t *testing.T) {
	rows := [][]string{append(append([]string(nil), chineseHeader...), "备注")}
	for i := 0; i < 50; i++ {
		r := fixture()[1]
		r[0] = fmt.Sprintf("H%02d", i)
		r[at("身份证号")] = makeID("19700101", fmt.Sprintf("%03d", i))
		note := ""
		if len(rows) == 20 { // spreadsheet row 21
			note = `"见附件`
		}
		rows = append(rows, append(r, note))
	}
	v, err := checkFile(t, tempFile(t, "list.csv", csvOf(rows)))
	if znb.CodeOf(err) != "csv_quote" {
		t.Fatalf("verdict %+v, error %v; want csv_quote", v, err)
	}
	if msg := znb.ErrorOf(err).Message; !strings.Contains(msg, "第 21 行") {
		t.Errorf("message %q does not name row 21", msg)
	}
}
