package disaster

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Account is the bank account a household's payouts go to: the account
// number, the bank (开户行) and the holder's name as the bank knows it.
type Account struct {
	HouseholdNo string
	Number      string
	Bank        string
	Holder      string
}

// Bounds of an account number: passbook and card accounts of Chinese banks
// run from 8 to 30 digits.
const (
	minAccount = 8
	maxAccount = 30
	maxBank    = 100
	maxHolder  = 30
)

// CheckAccount reads an account as given: spaces and dashes inside the
// number go; the number is 8–30 digits; a bank card number (16–19 digits
// of a card scheme that carries a check digit: UnionPay 62, Visa 4,
// Mastercard 5) must pass the Luhn check; the bank and holder are required.
// Every fault is listed, each with the field it names (column) and a code.
func CheckAccount(a Account) (Account, []Fault) {
	var bad []Fault
	a.HouseholdNo = strings.TrimSpace(a.HouseholdNo)
	a.Number = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' {
			return -1
		}
		return r
	}, a.Number)
	a.Bank, a.Holder = strings.TrimSpace(a.Bank), strings.TrimSpace(a.Holder)
	if a.HouseholdNo == "" {
		bad = append(bad, Fault{"household_no", "missing_value", "“户编号”不能为空"})
	}
	switch {
	case a.Number == "":
		bad = append(bad, Fault{"account_no", "missing_value", "“账号”不能为空"})
	case !allDigits(a.Number):
		bad = append(bad, Fault{"account_no", "invalid_account", "账号只能由数字组成：" + clip(a.Number)})
	case len(a.Number) < minAccount || len(a.Number) > maxAccount:
		bad = append(bad, Fault{"account_no", "invalid_account", "账号须为 8–30 位数字，实为 " + strconv.Itoa(len(a.Number)) + " 位"})
	case IsCard(a.Number) && !Luhn(a.Number):
		bad = append(bad, Fault{"account_no", "account_check_digit", "银行卡号校验位不符，请核对：" + Mask(a.Number)})
	}
	if n := utf8.RuneCountInString(a.Bank); n == 0 || n > maxBank {
		bad = append(bad, Fault{"bank", "missing_value", "“开户行”须为 1–100 个字"})
	}
	if n := utf8.RuneCountInString(a.Holder); n == 0 || n > maxHolder {
		bad = append(bad, Fault{"holder", "missing_value", "“户名”须为 1–30 个字"})
	}
	return a, bad
}

// Fault is one fault of a field.
type Fault struct {
	Field, Code, Message string
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

// Mask shows an account number's first four and last four digits only.
func Mask(n string) string {
	if len(n) <= 8 {
		return strings.Repeat("*", len(n))
	}
	return n[:4] + strings.Repeat("*", len(n)-8) + n[len(n)-4:]
}

// Shown is the account as the actor may see it: whole to those who pay
// (the role that sends the bank file), masked to everyone else.
func (a Account) Shown(by znb.Actor) Account {
	if !znb.Can(by, znb.PayClaim) {
		a.Number = Mask(a.Number)
	}
	return a
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// The account file's columns.
var accountColumns = []registry.Column{
	{Zh: "户编号", En: "household_no"}, {Zh: "户名", En: "holder"}, {Zh: "账号", En: "account_no"}, {Zh: "开户行", En: "bank"},
}

// ReadAccounts reads an account file (户编号, 户名, 账号, 开户行): every
// account as checked by CheckAccount, and every fault of every bad row, a
// household given twice included.
func ReadAccounts(rows registry.Rows) ([]Account, []registry.Reject, error) {
	cols, row, err := registry.ReadHeader(rows, accountColumns, 0, 1, 2, 3)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]int{}
	var out []Account
	var rej []registry.Reject
	names := map[string]string{}
	for _, c := range accountColumns {
		names[c.En] = c.Zh
	}
	for rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		cell := func(col int) string {
			if i := cols[col]; i < len(cells) {
				return strings.Clone(cells[i])
			}
			return ""
		}
		a, bad := CheckAccount(Account{HouseholdNo: cell(0), Holder: cell(1), Number: cell(2), Bank: cell(3)})
		for _, f := range bad {
			rej = append(rej, registry.Reject{Row: row, Column: names[f.Field], Code: f.Code, Message: f.Message})
		}
		if a.HouseholdNo != "" {
			if at, dup := seen[a.HouseholdNo]; dup {
				rej = append(rej, registry.Reject{Row: row, Column: "户编号", Code: "duplicate_row",
					Message: "户 " + a.HouseholdNo + " 已在第 " + strconv.Itoa(at) + " 行出现"})
				continue
			}
			seen[a.HouseholdNo] = row
		}
		if len(bad) == 0 {
			out = append(out, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(out)+len(rej) == 0 {
		return nil, nil, znb.Errorf(znb.Invalid, "empty_file", "账户文件中没有任何数据")
	}
	return out, rej, nil
}

// AccountsRefusal refuses an account file with a bad row.
func AccountsRefusal(rej []registry.Reject) error {
	if len(rej) == 0 {
		return nil
	}
	return registry.Refusal("accounts_rejected", rej, "账户文件有 %d 处错误，未保存任何数据；请改正后重新上传", len(rej))
}
