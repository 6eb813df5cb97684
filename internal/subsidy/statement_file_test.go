package subsidy

import (
	"errors"
	"slices"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// table is a RowReader over rows held in memory.
type table struct {
	rows   [][]string
	at     int
	err    error // returned once the rows are read
	closed bool
}

func (t *table) Next() bool {
	if t.at >= len(t.rows) {
		return false
	}
	t.at++
	return true
}
func (t *table) Row() []string { return t.rows[t.at-1] }
func (t *table) Err() error {
	if t.at >= len(t.rows) {
		return t.err
	}
	return nil
}
func (t *table) Close() error { t.closed = true; return nil }

func TestReadStatement(t *testing.T) {
	header := []string{"\ufeff户编号", "身份证号码", "姓名", "户类型", "起保日期", "终保日期", "保费（元）", "备注"}
	good := func(n int) []string {
		return []string{"H1", makeID(n), "张三", "脱贫户", "2024-01-01", "2024-12-31", "60.00", "x"}
	}
	bad := []string{"H1", "123", "张三", "富裕户", "2024-01-01", "2024-12-31", "60.00"}
	tests := []struct {
		name     string
		rows     [][]string
		readErr  error
		openCode string   // refused at the header
		rows2    []int    // file rows of the good rows yielded
		rejected []string // column/code of each rejection
		endCode  string   // Rejected's code
	}{
		{name: "good", rows: [][]string{header, good(1), {}, {" ", ""}, good(2)}, rows2: []int{2, 5}},
		{name: "identifier headers, columns moved", rows: [][]string{
			{"premium", "name", "id_number", "household_no", "category", "coverage_end", "coverage_start"},
			{"60", "李四", makeID(3), "H2", "marginal", "2024-12-31", "2024-07-01"}}, rows2: []int{2}},
		{name: "empty file", rows: nil, openCode: "empty_file"},
		{name: "unreadable file", rows: nil, readErr: errors.New("disk"), openCode: "internal"},
		{name: "header only", rows: [][]string{header}, endCode: "empty_file"},
		{name: "missing column", rows: [][]string{header[:6]}, openCode: "statement_rejected",
			rejected: []string{"premium/statement_missing_column"}},
		{name: "duplicate column", rows: [][]string{append(header, "姓名")}, openCode: "statement_rejected",
			rejected: []string{"name/statement_duplicate_column"}},
		{name: "bad row", rows: [][]string{header, good(1), bad}, rows2: []int{2}, endCode: "statement_rejected",
			rejected: []string{"id_number/statement_bad_id_number", "category/statement_bad_category"}},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			src := &table{rows: c.rows, err: c.readErr}
			st, err := ReadStatement(src, testTerms())
			if c.openCode != "" || err != nil {
				if got := znb.CodeOf(err); got != c.openCode {
					t.Fatalf("ReadStatement = %v; want code %q", err, c.openCode)
				}
				if !src.closed {
					t.Error("a refused statement left its rows open")
				}
				checkRejections(t, err, c.rejected)
				return
			}
			var got []int
			for r, err := range st.Bill() {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r.Row)
			}
			if !slices.Equal(got, c.rows2) {
				t.Errorf("rows %v, want %v", got, c.rows2)
			}
			err = st.Rejected()
			if code := znb.CodeOf(err); code != c.endCode {
				t.Fatalf("Rejected = %v; want code %q", err, c.endCode)
			}
			if st.Refused() != (c.endCode == "statement_rejected") {
				t.Errorf("Refused = %v", st.Refused())
			}
			checkRejections(t, err, c.rejected)
			st.Close()
			if !src.closed {
				t.Error("Close left the rows open")
			}
		})
	}
}

func checkRejections(t *testing.T, err error, want []string) {
	t.Helper()
	rej := Rejections(err)
	if len(rej) != len(want) {
		t.Fatalf("rejections %+v, want %v", rej, want)
	}
	for i, r := range rej {
		if got := r.Column + "/" + r.Code; got != want[i] {
			t.Errorf("rejection %d = %s, want %s", i, got, want[i])
		}
	}
}

func TestStatementRejectionsCapped(t *testing.T) {
	rows := [][]string{{"household_no", "id_number", "name", "category", "coverage_start", "coverage_end", "premium"}}
	for i := 0; i < maxRejections+5; i++ {
		rows = append(rows, []string{"H1", makeID(i), "张三", "lifted", "2024-01-01", "2024-12-31", "-1"})
	}
	st, err := ReadStatement(&table{rows: rows}, testTerms())
	if err != nil {
		t.Fatal(err)
	}
	for range st.Bill() {
		t.Fatal("a bad row was yielded")
	}
	err = st.Rejected()
	if n := len(Rejections(err)); n != maxRejections {
		t.Errorf("%d rejections kept, want %d", n, maxRejections)
	}
	if msg := znb.ErrorOf(err).Message; msg != "对账单有 1005 处错误，未保存任何数据；请改正后重新上传（仅列出前 1000 处）" {
		t.Errorf("message %q", msg)
	}
}
