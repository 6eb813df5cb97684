// Package registry holds the office's household register: ID-number rules,
// the list file format and its checks, the comparison of two list
// versions, list versions and cross-county findings, and a generator of
// synthetic lists. It reads and writes sheets through its own Rows and
// Writer interfaces, which the sheet package satisfies, and stores nothing
// itself.
package registry

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idChecks = "10X98765432"

// CheckDigit returns the GB 11643 check character ('0'–'9' or 'X') of the
// first 17 digits of an ID number. It panics unless first17 is 17 digits.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 {
		panic("registry.CheckDigit: need 17 digits")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			panic("registry.CheckDigit: need 17 digits")
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idChecks[sum%11]
}

// ValidateID checks an 18-character resident ID number against GB 11643 and
// returns it with a lower-case x made upper, and the birth date it carries.
// today is the caller's clock, so that a birth date after it is refused.
// Error codes: id_length, id_format, id_birth_date, id_future_birth,
// id_check_digit; messages never show the number.
func ValidateID(s string, today znb.Date) (string, znb.Date, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n != 18 {
		if n == 15 {
			return "", znb.Date{}, znb.Errorf(znb.Invalid, "id_length", "身份证号为 15 位旧号码，请换成 18 位号码")
		}
		return "", znb.Date{}, znb.Errorf(znb.Invalid, "id_length", "身份证号应为 18 位，实为 %d 位", n)
	}
	if s[17] == 'x' {
		s = s[:17] + "X"
	}
	for i := 0; i < 18; i++ {
		c := s[i]
		if (c < '0' || c > '9') && !(i == 17 && c == 'X') {
			return "", znb.Date{}, znb.Errorf(znb.Invalid, "id_format", "身份证号只能由数字组成，最后一位可为 X")
		}
	}
	birth, ok := idBirth(s)
	if !ok {
		return "", znb.Date{}, znb.Errorf(znb.Invalid, "id_birth_date", "身份证号中的出生日期 %s 不是有效日期", s[6:14])
	}
	if birth.After(today) {
		return "", znb.Date{}, znb.Errorf(znb.Invalid, "id_future_birth", "身份证号中的出生日期 %s 晚于今天", birth)
	}
	if CheckDigit(s[:17]) != s[17] {
		return "", znb.Date{}, znb.Errorf(znb.Invalid, "id_check_digit", "身份证号校验位错误，请核对号码")
	}
	return s, birth, nil
}

// idBirth reads digits 7–14 as a calendar date; it refuses dates that
// time.Date would roll over (0230) and years before 1900.
func idBirth(s string) (znb.Date, bool) {
	y := atoi(s[6:10])
	m := atoi(s[10:12])
	d := atoi(s[12:14])
	if y < 1900 || m < 1 || m > 12 || d < 1 {
		return znb.Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return znb.Date{}, false
	}
	return znb.DateOf(t), true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// idKey packs a well-formed ID number into an integer, so that a set of a
// million of them costs a map of integers rather than of strings.
func idKey(id string) uint64 {
	k := uint64(0)
	for i := 0; i < 17; i++ {
		k = k*10 + uint64(id[i]-'0')
	}
	last := uint64(10)
	if c := id[17]; c != 'X' && c != 'x' {
		last = uint64(id[17] - '0')
	}
	return k*11 + last
}

// wellFormed reports whether id is 17 digits and a digit or X, the shape
// idKey needs.
func wellFormed(id string) bool {
	if len(id) != 18 {
		return false
	}
	for i := 0; i < 18; i++ {
		if c := id[i]; (c < '0' || c > '9') && !(i == 17 && (c == 'X' || c == 'x')) {
			return false
		}
	}
	return true
}

// MaskID shows the first 6 and last 4 characters of an ID number with eight
// '*' between, whatever its length, so that a malformed number in
// an error message does not leak either. Strings shorter than 10 characters
// are masked entirely.
func MaskID(id string) string {
	r := []rune(strings.TrimSpace(id))
	if len(r) < 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + "********" + string(r[len(r)-4:])
}

// MaskName hides a name for public pages: the first character stays, the
// last stays when the name has three or more, everything between becomes
// one '*' per character (张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧**娜).
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0, 1:
		return string(r)
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}
