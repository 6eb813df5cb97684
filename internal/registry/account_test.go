package registry

import (
	"reflect"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
)

// withAccounts is the fixture with the bank account columns: H1's on the
// 户主's row only, H2's on its one row.
func withAccounts(header ...string) [][]string {
	rows := fixture()
	rows[0] = append(rows[0], header...)
	rows[1] = append(rows[1], "6222 0212 3456 7894", "镇远农商行", "张三丰")
	rows[2] = append(rows[2], "", "", "")
	rows[3] = append(rows[3], "12345678901234", "镇远信用社", "王五")
	return rows
}

func TestListAccounts(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		edit   func(r [][]string)
		want   []want
	}{
		{"Chinese headers", []string{"银行账号", "开户行", "账户户名"}, func([][]string) {}, nil},
		{"the account file's headers", []string{"账号", "开户行", "户名"}, func([][]string) {}, nil},
		{"English headers", []string{"account_no", "bank", "holder"}, func([][]string) {}, nil},
		{"repeated on a member's row", []string{"银行账号", "开户行", "账户户名"}, func(r [][]string) {
			r[2][12], r[2][13], r[2][14] = "6222021234567894", "镇远农商行", "张三丰"
		}, nil},
		{"check digit", []string{"银行账号", "开户行", "账户户名"}, func(r [][]string) { r[1][12] = "6222021234567890" },
			[]want{{2, "account_no", "account_check_digit"}}},
		{"letters and no bank", []string{"银行账号", "开户行", "账户户名"}, func(r [][]string) { r[3][12], r[3][13] = "1234567890A", "" },
			[]want{{4, "account_no", "invalid_account"}, {4, "bank", "missing_value"}}},
		{"two accounts for one household", []string{"银行账号", "开户行", "账户户名"}, func(r [][]string) {
			r[2][12], r[2][13], r[2][14] = "12345678", "镇远农商行", "李梅"
		}, []want{{2, "account_no", "household_mismatch"}, {3, "account_no", "household_mismatch"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list := withAccounts(tc.header...)
			tc.edit(list)
			path := tempFile(t, "l.csv", csvOf(list))
			v, err := checkFile(t, path)
			if err != nil {
				t.Fatal(err)
			}
			if got := faultsOf(v); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("faults %+v, want %+v", got, tc.want)
			}
			if tc.want != nil {
				return
			}
			rows, err := sheet.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got := map[string]BankAccount{}
			err = Each(rows, county, func(h Household, m Member) error {
				if h.Account != (BankAccount{}) {
					got[h.No] = h.Account
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]BankAccount{"H1": {"6222021234567894", "镇远农商行", "张三丰"}, "H2": {"12345678901234", "镇远信用社", "王五"}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("accounts %+v, want %+v", got, want)
			}
		})
	}
	// Without the columns a household has no account.
	v, err := checkFile(t, tempFile(t, "l.csv", csvOf(fixture())))
	if err != nil || len(v.Rejected) > 0 {
		t.Fatalf("plain list: %v %+v", err, v)
	}
}
