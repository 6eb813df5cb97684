package storetest

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Engine opens a fresh migrated database of the engine (store.SQLite or
// store.MySQL), skipping the test when MySQL is asked for and ZNB_TEST_MYSQL
// is unset.
func Engine(t testing.TB, engine string) *store.DB {
	t.Helper()
	if engine != store.MySQL {
		return SQLite(t)
	}
	db := MySQL(t)
	if db == nil {
		t.Skip("ZNB_TEST_MYSQL is unset")
	}
	return db
}

// CountyList returns the path and member count of the generated list of
// county 522625 with the given number of households (seed 1, as of
// 2024-06-15; 295,000 households are about a million members, 88,000 about
// 300,000 insured persons). The file is written once per machine into the
// temporary folder and reused by every benchmark that asks for that size.
func CountyList(t testing.TB, households int) (string, int) {
	t.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("znb-bench-522625-%d.csv", households))
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, countLines(t, path) - 1
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n := Generate(t, w, "522625", households, 1, znb.MustDate("2024-06-15"))
	err = w.Flush()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	return path, n
}

func countLines(t testing.TB, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for s.Scan() {
		n++
	}
	return n
}

// WriteSettlements writes to path a medical settlement file (医保结算) of n
// settlements cycling over the living persons of the list file, settled
// in the first half of 2024, with out-of-pocket amounts from 0 to about
// 1,900.
func WriteSettlements(t testing.TB, list, path string, n int) {
	t.Helper()
	in, err := os.Open(list)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r := csv.NewReader(bufio.NewReader(in))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	var ids, names []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if s := col["成员状态"]; s < len(rec) && rec[s] != "" && rec[s] != "正常" {
			continue
		}
		ids, names = append(ids, rec[col["身份证号"]]), append(names, rec[col["姓名"]])
	}
	writeFile(t, path, func(w *bufio.Writer) {
		fmt.Fprint(w, "结算单号,身份证号,姓名,医疗机构,入院日期,出院日期,结算日期,总费用,基本医保支付,大病保险支付,医疗救助支付,目录外费用\n")
		start := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
		for i := 0; i < n; i++ {
			p := i % len(ids)
			day := start.AddDate(0, 0, i%160).Format("2006-01-02")
			total := 200 + (i*37)%3000
			fmt.Fprintf(w, "JS%09d,%s,%s,县人民医院,%s,%s,%s,%d.00,%d.00,0,0,0\n", i, ids[p], names[p], day, day, day, total, total*4/10)
		}
	})
}

// WriteLossSheet writes to path a filled flood worksheet: every household
// of hs with a house structure loss (房屋主体损失) of 1,000 to 21,000.
func WriteLossSheet(t testing.TB, path string, hs []disaster.Household) {
	t.Helper()
	writeFile(t, path, func(w *bufio.Writer) {
		w.WriteString("户编号,分户凭证号,房屋主体损失\n")
		for j, h := range hs {
			fmt.Fprintf(w, "%s,%s,%d\n", h.HouseholdNo, h.CertificateNo, 1000+(j*137)%20000)
		}
	})
}

// WriteAccounts writes to path a bank account file (户编号, 户名, 账号,
// 开户行) with one account in the head's name for every household of hs.
func WriteAccounts(t testing.TB, path string, hs []disaster.Household) {
	t.Helper()
	writeFile(t, path, func(w *bufio.Writer) {
		w.WriteString("户编号,户名,账号,开户行\n")
		for j, h := range hs {
			fmt.Fprintf(w, "%s,%s,%014d,镇远农商行\n", h.HouseholdNo, h.Head, 10000000000000+int64(j))
		}
	})
}

// writeFile writes path through a buffer filled by fill, via a temporary
// file renamed at the end.
func writeFile(t testing.TB, path string, fill func(w *bufio.Writer)) {
	t.Helper()
	f, err := os.Create(path + ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fill(w)
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	if err != nil {
		t.Fatal(err)
	}
}
