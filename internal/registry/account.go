package registry

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bank accounts: the account a household's payouts go to, given in its own
// account file or on the 户主's row of the list. Both are checked here.

// Bounds of an account: passbook and card accounts of Chinese banks run
// from 8 to 30 digits.
const (
	minAccount = 8
	maxAccount = 30
	maxBank    = 100
	maxHolder  = 30
)

// AccountFault is one fault of an account's field: account_no, bank or
// holder.
type AccountFault struct {
	Field, Code, Message string
}

// CheckAccount reads an account as given: spaces and dashes inside the
// number go; the number is 8–30 digits; a bank card number (16–19 digits
// of a card scheme that carries a check digit: UnionPay 62, Visa 4,
// Mastercard 5) must pass the Luhn check; the bank (开户行) and the holder
// (户名) are required. It returns the cleaned number, bank and holder and
// every fault, each naming its field.
func CheckAccount(number, bank, holder string) (string, string, string, []AccountFault) {
	var bad []AccountFault
	number = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' {
			return -1
		}
		return r
	}, number)
	bank, holder = strings.TrimSpace(bank), strings.TrimSpace(holder)
	switch {
	case number == "":
		bad = append(bad, AccountFault{"account_no", "missing_value", "“账号”不能为空"})
	case !digits(number):
		bad = append(bad, AccountFault{"account_no", "invalid_account", "账号只能由数字组成：" + Clip(number)})
	case len(number) < minAccount || len(number) > maxAccount:
		bad = append(bad, AccountFault{"account_no", "invalid_account", "账号须为 8–30 位数字，实为 " + strconv.Itoa(len(number)) + " 位"})
	case IsCard(number) && !Luhn(number):
		bad = append(bad, AccountFault{"account_no", "account_check_digit", "银行卡号校验位不符，请核对：" + MaskAccount(number)})
	}
	if n := utf8.RuneCountInString(bank); n == 0 || n > maxBank {
		bad = append(bad, AccountFault{"bank", "missing_value", "“开户行”须为 1–100 个字"})
	}
	if n := utf8.RuneCountInString(holder); n == 0 || n > maxHolder {
		bad = append(bad, AccountFault{"holder", "missing_value", "“户名”须为 1–30 个字"})
	}
	return number, bank, holder, bad
}

// Clip shortens a bad value to 40 characters for the message that quotes it.
func Clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// IsCard reports whether the number is a bank card of a scheme with a Luhn
// check digit: 16–19 digits starting 62 (UnionPay), 4 (Visa) or 5
// (Mastercard). Passbook and other accounts have no common check digit.
func IsCard(n string) bool {
	if len(n) < 16 || len(n) > 19 {
		return false
	}
	return strings.HasPrefix(n, "62") || n[0] == '4' || n[0] == '5'
}

// Luhn reports whether the digits pass the Luhn (mod 10) check.
func Luhn(n string) bool {
	sum, double := 0, false
	for i := len(n) - 1; i >= 0; i-- {
		d := int(n[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return n != "" && sum%10 == 0
}

// MaskAccount shows an account number's first four and last four digits
// only.
func MaskAccount(n string) string {
	if len(n) <= 8 {
		return strings.Repeat("*", len(n))
	}
	return n[:4] + strings.Repeat("*", len(n)-8) + n[len(n)-4:]
}
