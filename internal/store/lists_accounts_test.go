package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// listWithAccounts is countyList with the bank account columns: H1's on its
// head's row, H2's on both rows, H3 without one; edit changes a cell of it.
func listWithAccounts(t *testing.T, c string, edit func(rows [][]string)) string {
	t.Helper()
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(countyList(c)), "\n") {
		rows = append(rows, strings.Split(l, ","))
	}
	accounts := [][]string{{"6222021234567894", "镇远农商行", "张三丰"}, {"", "", ""},
		{"12345678901234", "镇远信用社", "王五"}, {"12345678901234", "镇远信用社", "王五"}, {"", "", ""}}
	for i := range rows {
		rows[i] = append(rows[i], accounts[i]...)
	}
	if edit != nil {
		edit(rows)
	}
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(header, "\n") + ",银行账号,开户行,账户户名\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	p := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func accountCount(t *testing.T, db *store.DB) int64 {
	var n int64
	if err := db.Gorm(context.Background()).Raw("SELECT COUNT(*) FROM bank_accounts").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportListAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := "522625"
		opts := store.ImportOptions{County: c, Effective: znb.MustDate("2024-01-01")}
		clerk := znb.Actor{Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}

		// A bad account (check digit) refuses the whole list, that row named.
		before := tableCounts(t, db)
		res, err := db.ImportList(ctx, office, storetest.File(t, listWithAccounts(t, c, func(r [][]string) {
			r[0][9] = "6222021234567890"
		})), opts)
		if znb.CodeOf(err) != "list_rejected" {
			t.Fatalf("bad account: err = %v, want list_rejected", err)
		}
		if len(res.Rejected) != 1 || res.Rejected[0].Row != 2 || res.Rejected[0].Column != "account_no" ||
			res.Rejected[0].Code != "account_check_digit" {
			t.Errorf("rejected %+v, want row 2 account_no account_check_digit", res.Rejected)
		}
		if after := tableCounts(t, db); after != before || accountCount(t, db) != 0 {
			t.Errorf("the refused list stored something: %v → %v, %d accounts", before, after, accountCount(t, db))
		}

		// A good list: the accounts are stored, whole for the payer, masked
		// for the office.
		res, err = db.ImportList(ctx, office, storetest.File(t, listWithAccounts(t, c, nil)), opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Accounts != 2 || res.List.Households != 3 {
			t.Errorf("import = %d accounts, %+v; want 2 accounts, 3 households", res.Accounts, res.List)
		}
		if acc, err := db.AccountHistory(ctx, clerk, c, "H1"); err != nil || len(acc) != 1 || acc[0].Number != "6222021234567894" ||
			acc[0].Bank != "镇远农商行" || acc[0].Holder != "张三丰" {
			t.Errorf("the payer sees %+v %v", acc, err)
		}
		if acc, err := db.AccountHistory(ctx, office, c, "H2"); err != nil || len(acc) != 1 || acc[0].Number != "1234******1234" {
			t.Errorf("the office sees %+v %v", acc, err)
		}
		if acc, _ := db.AccountHistory(ctx, clerk, c, "H3"); len(acc) != 0 {
			t.Errorf("H3 gave no account but has %+v", acc)
		}

		// The same list again changes no account; a changed one keeps the
		// old as history, as the account file does.
		if res, err = db.ImportList(ctx, office, storetest.File(t, listWithAccounts(t, c, nil)), opts); err != nil || res.Accounts != 0 {
			t.Fatalf("same list again: %v, %d accounts added", err, res.Accounts)
		}
		if _, err = db.ImportList(ctx, office, storetest.File(t, listWithAccounts(t, c, func(r [][]string) {
			r[2][9], r[3][9] = "87654321", "87654321"
		})), opts); err != nil {
			t.Fatal(err)
		}
		if acc, err := db.AccountHistory(ctx, clerk, c, "H2"); err != nil || len(acc) != 2 || acc[0].Number != "87654321" ||
			acc[1].Number != "12345678901234" {
			t.Errorf("H2's history %+v %v, want the new account first, then the old", acc, err)
		}

		// A list without the columns imports as before and leaves the
		// accounts alone.
		n := accountCount(t, db)
		res, err = db.ImportList(ctx, office, storetest.File(t, writeList(t, countyList(c))), opts)
		if err != nil || res.Accounts != 0 || res.List.Households != 3 || res.List.Members != 5 {
			t.Fatalf("plain list: %v %+v", err, res)
		}
		if accountCount(t, db) != n {
			t.Errorf("a list without accounts changed them")
		}
	})
}
