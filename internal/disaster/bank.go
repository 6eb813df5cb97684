package disaster

import (
	"strconv"
	"strings"

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

// CheckAccount reads an account of an account file as registry.CheckAccount
// does, and requires its household. Every fault is listed, each with the
// field it names and a code.
func CheckAccount(a Account) (Account, []Fault) {
	var bad []Fault
	a.HouseholdNo = strings.TrimSpace(a.HouseholdNo)
	if a.HouseholdNo == "" {
		bad = append(bad, Fault{Field: "household_no", Code: "missing_value", Message: "“户编号”不能为空"})
	}
	var faults []registry.AccountFault
	a.Number, a.Bank, a.Holder, faults = registry.CheckAccount(a.Number, a.Bank, a.Holder)
	return a, append(bad, faults...)
}

// Fault is one fault of a field.
type Fault = registry.AccountFault

// Mask shows an account number's first four and last four digits only.
func Mask(n string) string { return registry.MaskAccount(n) }

// Shown is the account as the actor may see it: whole to those who pay
// (the role that sends the bank file), masked to everyone else.
func (a Account) Shown(by znb.Actor) Account {
	if !znb.Can(by, znb.PayClaim) {
		a.Number = Mask(a.Number)
	}
	return a
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
