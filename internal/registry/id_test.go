package registry

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// makeID builds a valid ID number of the test county from a birth date
// (YYYYMMDD) and a 3-digit sequence.
func makeID(birth, seq string) string {
	s := "522625" + birth + seq
	return s + string(CheckDigit(s))
}

func TestCheckDigit(t *testing.T) {
	// The worked examples of GB 11643-1999.
	tests := []struct {
		first17 string
		want    byte
	}{
		{"11010519491231002", 'X'},
		{"44052418800101001", '4'},
	}
	for _, tt := range tests {
		if got := CheckDigit(tt.first17); got != tt.want {
			t.Errorf("CheckDigit(%s) = %c, want %c", tt.first17, got, tt.want)
		}
	}
	// Many more numbers against the standard's own formula.
	n := uint64(12345678901234567)
	for i := 0; i < 2000; i++ {
		n = (n*6364136223846793005 + 1442695040888963407) % 100000000000000000
		s := strconv.FormatUint(n, 10)
		s = strings.Repeat("0", 17-len(s)) + s
		if got, want := CheckDigit(s), handCheck(s); got != want {
			t.Fatalf("CheckDigit(%s) = %c, want %c", s, got, want)
		}
	}
}

// handCheck is the ISO 7064 MOD 11-2 definition GB 11643 refers to, written
// as the standard states it (Σ aᵢ·2^(i-1) mod 11, then (12 − sum) mod 11),
// which differs in form from the weight table CheckDigit uses.
func handCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		pos := 18 - i // position counted from the right, check digit is 1
		w := 1
		for k := 1; k < pos; k++ {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X'
	}
	return byte('0' + v)
}

func TestValidateID(t *testing.T) {
	today := znb.MustDate("2024-06-30")
	valid := makeID("19800229", "013")
	wrong := valid[:17] + string("0123456789X"[(int(valid[17]-'0')+1)%10])
	tests := []struct {
		name, in   string
		want, code string
		birth      string
	}{
		{"standard example", "11010519491231002X", "11010519491231002X", "", "1949-12-31"},
		{"lower-case x", "11010519491231002x", "11010519491231002X", "", "1949-12-31"},
		{"leap day", valid, valid, "", "1980-02-29"},
		{"born today", makeID("20240630", "001"), makeID("20240630", "001"), "", "2024-06-30"},
		{"surrounding spaces", " 11010519491231002X ", "11010519491231002X", "", "1949-12-31"},
		{"born before 1900", "440524188001010014", "", "id_birth_date", ""},
		{"wrong check digit", wrong, "", "id_check_digit", ""},
		{"15-digit old number", "522625800229013", "", "id_length", ""},
		{"17 digits", valid[:17], "", "id_length", ""},
		{"letters", "52262A" + valid[6:], "", "id_format", ""},
		{"X not last", "5226251980022901X" + "1", "", "id_format", ""},
		{"30 February", makeID("19900230", "011"), "", "id_birth_date", ""},
		{"month 13", makeID("19901301", "011"), "", "id_birth_date", ""},
		{"not a leap year", makeID("19000229", "011"), "", "id_birth_date", ""},
		{"born tomorrow", makeID("20240701", "011"), "", "id_future_birth", ""},
		{"born next century", makeID("21010101", "011"), "", "id_future_birth", ""},
	}
	for _, tt := range tests {
		got, birth, err := ValidateID(tt.in, today)
		if code := znb.CodeOf(err); code != tt.code {
			t.Errorf("%s: ValidateID(%q) code %q (%v), want %q", tt.name, tt.in, code, err, tt.code)
			continue
		}
		if got != tt.want || birth.String() != tt.birth {
			t.Errorf("%s: ValidateID(%q) = %q, %s; want %q, %s", tt.name, tt.in, got, birth, tt.want, tt.birth)
		}
		if err != nil && len(tt.in) >= 15 && strings.Contains(znb.ErrorOf(err).Message, tt.in) {
			t.Errorf("%s: message %q shows the ID number", tt.name, znb.ErrorOf(err).Message)
		}
	}
}

func TestMask(t *testing.T) {
	ids := []struct{ in, want string }{
		{"11010519491231002X", "110105********002X"},
		{"522625800229013", "522625********9013"},
		{"12345", "*****"},
		{"", ""},
	}
	for _, tt := range ids {
		if got := MaskID(tt.in); got != tt.want {
			t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	names := []struct{ in, want string }{
		{"张三丰", "张*丰"},
		{"张三", "张*"},
		{"张", "张"},
		{"欧阳娜娜", "欧**娜"},
		{"", ""},
	}
	for _, tt := range names {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
