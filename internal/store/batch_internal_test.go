package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// appendJSON writes what encoding/json would, as JSON values: the same
// value once decoded, whatever the text.
func TestAppendJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"empty", ""},
		{"ascii", "JS-2024-000001"},
		{"chinese", "县人民医院 张三丰"},
		{"quote", `他说"好"`},
		{"backslash", `C:\path`},
		{"control", "a\nb\tc\x01"},
		{"html", "<a href='x'>&</a>"},
		{"line separator", "a\u2028b"},
		{"invalid utf8", "ab\xffcd"},
		{"invalid after chinese", "张\xe5"},
		{"int64", int64(-9007199254740993)},
		{"int", 42},
		{"int32", int32(7)},
		{"bool", true},
		{"float", 1.5},
		{"decimal", decimal.RequireFromString("1234.50")},
		{"date", znb.MustDate("2024-06-15")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendJSON([]byte("x"), tc.v)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(tc.v)
			if string(got[:1]) != "x" {
				t.Fatalf("appendJSON lost the buffer: %q", got)
			}
			var g, w any
			dec := func(b []byte, v *any) {
				d := json.NewDecoder(bytes.NewReader(b))
				d.UseNumber()
				if err := d.Decode(v); err != nil {
					t.Fatalf("%q: %v", b, err)
				}
			}
			dec(got[1:], &g)
			dec(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("appendJSON(%q) = %s, decodes to %#v; encoding/json %s, %#v", tc.v, got[1:], g, want, w)
			}
		})
	}
}

// setByID on SQLite finds each row by its id, whatever the table's size:
// the JSON array is the outer loop of the join.
func TestSetByIDFindsRowsByID(t *testing.T) {
	db := sqliteDB(t)
	g := db.Gorm(context.Background())
	for _, tc := range []struct {
		table, fixed string
		cols         []caseColumn
	}{
		{"payment_items", "open_claim = NULL", []caseColumn{{name: "outcome"}, {name: "reason"}}},
		{"claims", "updated_at = ?", []caseColumn{{name: "remaining_before"}, {name: "remaining_after"}}},
	} {
		var plan []struct{ Detail string }
		if err := g.Raw("EXPLAIN QUERY PLAN "+setJSONQuery(tc.table, tc.cols, tc.fixed), 0, "[]").Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		if got := strings.Join(details, "; "); !strings.Contains(got, "SEARCH "+tc.table+" USING INTEGER PRIMARY KEY") {
			t.Errorf("%s: plan %s", tc.table, got)
		}
	}
	// and it writes what it is given
	now := int64(1)
	if err := g.Exec("INSERT INTO medical_feeds (id, feed_date, file_name, rows_read, loaded, skipped, not_insured, created_by, created_at) VALUES (7, '2024-06-15', 'f', 0, 0, 0, 0, 'x', ?)", now).Error; err != nil {
		t.Fatal(err)
	}
	if err := setByID(g, "medical_feeds", []int64{7}, []caseColumn{{"file_name", map[int64]any{7: `名"单\`}}, {"loaded", map[int64]any{7: 42}}}, "created_by = ?", "y"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		FileName, CreatedBy string
		Loaded              int
	}
	if err := g.Raw("SELECT file_name, created_by, loaded FROM medical_feeds WHERE id = 7").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got.FileName != `名"单\` || got.CreatedBy != "y" || got.Loaded != 42 {
		t.Errorf("row %+v", got)
	}
}

// capDetail keeps a detail whose strings are all short as it is, and cuts
// one with a long string as before, escapes counted as written.
func TestCapDetail(t *testing.T) {
	long := strings.Repeat("长", 400) // 1,200 bytes
	for _, tc := range []struct {
		name string
		v    any
		kept string // "yes", "no", or "" when either is right
	}{
		{"short", map[string]any{"a": "x", "n": 1}, "yes"},
		{"many short strings", map[string]any{"s": strings.Split(strings.Repeat("结算单,", 500), ",")}, "yes"},
		{"long string", map[string]any{"a": long}, "no"},
		{"long string in a list", map[string]any{"s": []any{"x", long}}, "no"},
		{"escaped past the limit, short as text", map[string]any{"a": strings.Repeat(`"`, 600)}, ""},
		{"at the limit", map[string]any{"a": strings.Repeat("a", auditFieldMax)}, "yes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := json.Marshal(tc.v)
			got := capDetail(d)
			if kept := map[bool]string{true: "yes", false: "no"}[bytes.Equal(got, d)]; tc.kept != "" && kept != tc.kept {
				t.Errorf("kept %s, want %s", kept, tc.kept)
			}
			// whatever the path, the result is what decoding and cutting gives
			var v any
			dec := json.NewDecoder(bytes.NewReader(d))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(cutStrings(v))
			var g, w any
			json.Unmarshal(got, &g)
			json.Unmarshal(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("capDetail = %.80s…, want %.80s…", got, want)
			}
		})
	}
}

// A batch on SQLite whose first row is wide goes as literals; a narrow one
// as JSON. Both store every row as given.
func TestBatchWideRows(t *testing.T) {
	db := sqliteDB(t)
	cols := []string{"id", "feed_date", "file_name", "rows_read", "loaded", "skipped", "not_insured", "created_by", "created_at"}
	for _, tc := range []struct {
		name    string
		file    string
		literal bool
	}{
		{"narrow", "名单.csv", false},
		{"wide", strings.Repeat("长", 700) + `"引号"\`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			g := db.Gorm(ctx)
			if err := g.Exec("DELETE FROM medical_feeds").Error; err != nil {
				t.Fatal(err)
			}
			var used bool
			err := db.BulkTx(ctx, func(tx *gorm.DB) error {
				b := newBatch(ctx, db, tx, "medical_feeds", cols...)
				for i := 1; i <= 20; i++ {
					if err := b.add(i, znb.MustDate("2024-06-15"), tc.file, i*10, i, 0, 0, "办事员", int64(i)); err != nil {
						return err
					}
				}
				used = b.lit != nil
				return b.close()
			})
			if err != nil {
				t.Fatal(err)
			}
			if used != tc.literal {
				t.Errorf("literals %v, want %v", used, tc.literal)
			}
			var rows []medicalFeedRow
			if err := g.Order("id").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) != 20 {
				t.Fatalf("%d rows, want 20", len(rows))
			}
			for i, r := range rows {
				if n := i + 1; r.ID != int64(n) || r.FileName != tc.file || r.RowsRead != n*10 || r.Loaded != n ||
					r.CreatedBy != "办事员" || r.FeedDate != znb.MustDate("2024-06-15") || r.CreatedAt != int64(n) {
					t.Errorf("row %d: %+v", n, r)
				}
			}
		})
	}
}

// sqliteDB is a fresh migrated SQLite database, closed when the test ends.
func sqliteDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open("sqlite:" + filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestBatchLiterals: a batch of wide rows on SQLite writes its values into
// the statement as literals, and stores exactly what binding each value would
// have stored — the same value of the same type in every column — for text
// with quotes, backslashes, NUL bytes and invalid UTF-8, integers at their
// limits, booleans, NULL, decimals and dates, and for the values it binds
// instead (floats, bytes, times), over more rows than one statement holds.
func TestBatchLiterals(t *testing.T) {
	db := sqliteDB(t)
	ctx := context.Background()
	g := db.Gorm(ctx)
	cols := []string{"k", "t", "i", "n", "d", "x", "w"}
	for _, table := range []string{"lit_rows", "bound_rows"} {
		if err := g.Exec("CREATE TABLE " + table + " (k INTEGER, t TEXT, i BIGINT, n DECIMAL(18,2), d DATE, x, w TEXT)").Error; err != nil {
			t.Fatal(err)
		}
	}
	values := []any{"plain", "张三丰", "it's", `a\b`, "''", "nul\x00inside", "bad\xffutf8", "", nil,
		int64(math.MaxInt64), int64(math.MinInt64), 0, int32(-7), true, false,
		decimal.RequireFromString("1200.50"), decimal.RequireFromString("0.10"), znb.MustDate("2024-06-15"), znb.Date{},
		1.5, []byte{0, 1, 2}, time.Date(2024, 6, 15, 8, 30, 0, 0, time.UTC), "1e3", "0012",
		bound("it's\nbound, 张三丰"), bound("")}
	wide := strings.Repeat("宽", 200) // makes the rows wide enough for literals
	row := func(k int) []any {
		v := values[k%len(values)]
		return []any{k, v, v, v, v, v, wide}
	}
	const n = litRows*2 + 17
	err := db.BulkTx(ctx, func(tx *gorm.DB) error {
		b := newBatch(ctx, db, tx, "lit_rows", cols...)
		for k := 0; k < n; k++ {
			if err := b.add(row(k)...); err != nil {
				return err
			}
		}
		if b.lit == nil {
			t.Error("the rows did not go as literals")
		}
		if err := b.close(); err != nil {
			return err
		}
		for k := 0; k < n; k++ {
			if err := tx.Exec("INSERT INTO bound_rows (k, t, i, n, d, x, w) VALUES (?, ?, ?, ?, ?, ?, ?)", row(k)...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(table string) []string {
		var out []string
		rows, err := g.Raw("SELECT k, typeof(t), quote(t), typeof(i), quote(i), typeof(n), quote(n), typeof(d), quote(d), typeof(x), quote(x), w FROM " + table + " ORDER BY k").Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k int
			var f [11]string
			if err := rows.Scan(&k, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10]); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(k, f))
		}
		return out
	}
	lit, bound := read("lit_rows"), read("bound_rows")
	if len(lit) != n || len(bound) != n {
		t.Fatalf("%d and %d rows, want %d", len(lit), len(bound), n)
	}
	for k := range lit {
		if lit[k] != bound[k] {
			t.Errorf("row %d (%T %v):\nliteral %s\nbound   %s", k, values[k%len(values)], values[k%len(values)], lit[k], bound[k])
		}
	}
}

// TestBatchSkipsDuplicates: a batch told to skip duplicates leaves out the
// rows whose unique key is stored or came earlier, however its rows travel
// (JSON, literals, bound arguments), and writes the others.
func TestBatchSkipsDuplicates(t *testing.T) {
	db := sqliteDB(t)
	g := db.Gorm(context.Background())
	if err := g.Exec("CREATE TABLE dups (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v TEXT NOT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"json", "literal", "values"} {
		if err := g.Exec("DELETE FROM dups").Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Exec("INSERT INTO dups (k, v) VALUES ('k1', 'stored')").Error; err != nil {
			t.Fatal(err)
		}
		b := newBatch(context.Background(), db, g, "dups", "k", "v")
		switch mode {
		case "literal":
			b.literal()
		case "values":
			b = newFewBatch(context.Background(), db, g, "dups", "k", "v")
		}
		b.skipDuplicates()
		for _, k := range []string{"k0", "k1", "k2", "k0", "k3"} {
			if err := b.add(k, "new"); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.close(); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		var got []string
		if err := g.Raw("SELECT k || '=' || v FROM dups ORDER BY k").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if want := "k0=new k1=stored k2=new k3=new"; strings.Join(got, " ") != want {
			t.Errorf("%s: %v, want %s", mode, got, want)
		}
	}
}

// TestBatchCountsBoundText: text bound beside literals counts toward the
// bytes a statement may carry (MariaDB refuses a statement over its
// max_allowed_packet), so a batch of long settlement sets is written in
// statements of about argBytes.
func TestBatchCountsBoundText(t *testing.T) {
	db := sqliteDB(t)
	g := db.Gorm(context.Background())
	if err := g.Exec("CREATE TABLE long_rows (k INTEGER, body TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	b := newBatch(context.Background(), db, g, "long_rows", "k", "body")
	b.literal()
	body := bound(strings.Repeat("行", argBytes/3/4+1)) // a quarter of argBytes and a little more
	for k := range 4 {
		if err := b.add(k, body); err != nil {
			t.Fatal(err)
		}
	}
	var n int64
	if err := g.Raw("SELECT COUNT(*) FROM long_rows").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 4 || b.n != 0 {
		t.Errorf("after four rows over argBytes: %d written, %d held", n, b.n)
	}
	if err := b.close(); err != nil {
		t.Fatal(err)
	}
}

// A flat batch stores each row as given: the first values from its JSON
// array, the others bound, a new statement when they change, duplicates
// left out.
func TestBatchColumn(t *testing.T) {
	db := sqliteDB(t)
	ctx := context.Background()
	g := db.Gorm(ctx)
	if err := g.Exec("CREATE TABLE flat_rows (no TEXT PRIMARY KEY, feed BIGINT, tag TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	type row struct {
		No   string
		Feed int64
		Tag  string
	}
	var want []row
	for k := 0; k < 20_000; k++ {
		no := fmt.Sprintf("S%06d", k)
		switch k % 997 {
		case 1:
			no += `"张\n` // text JSON escapes
		case 2:
			no = "S000000" // a duplicate: left out
		}
		feed, tag := int64(1), "a"
		if k >= 15_000 {
			feed, tag = 2, "b'"
		}
		want = append(want, row{no, feed, tag})
	}
	err := db.BulkTx(ctx, func(tx *gorm.DB) error {
		b := newBatch(ctx, db, tx, "flat_rows", "no", "feed", "tag")
		b.column()
		b.skipDuplicates()
		if !b.flat {
			t.Error("the batch is not flat")
		}
		for _, r := range want {
			if err := b.add(r.No, r.Feed, r.Tag); err != nil {
				return err
			}
		}
		return b.close()
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	if err := g.Raw("SELECT no, feed, tag FROM flat_rows ORDER BY no").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var kept []row
	for _, r := range want {
		if !seen[r.No] {
			seen[r.No] = true
			kept = append(kept, r)
		}
	}
	slices.SortFunc(kept, func(a, b row) int { return strings.Compare(a.No, b.No) })
	if !reflect.DeepEqual(got, kept) {
		t.Fatalf("stored %d rows, want %d; first stored %v", len(got), len(kept), got[:min(3, len(got))])
	}
}

// marshalSteps writes what json.Marshal writes, escaped text or not.
func TestMarshalSteps(t *testing.T) {
	labels := []string{"结算单 JS-1：总费用 1200.00，个人自付", "plain", "", `quote"d`, `back\slash`, "<b>&", "line\nbreak",
		"tab\t", "sep\u2028", "bad\xffutf8", "replacement\ufffd", "emoji 😀"}
	for _, l := range labels {
		for _, steps := range [][]stepJSON{nil, {}, {{"settlement", l, "1.5"}}, {{"a", "b", "0"}, {"code", l, "-3.25"}}} {
			got, err := marshalSteps(steps)
			want, werr := json.Marshal(steps)
			if steps == nil {
				want = []byte("[]") // a claim's breakdown is a list, never null
			}
			if err != nil || werr != nil || string(got) != string(want) {
				t.Errorf("marshalSteps(%q) = %s (%v), want %s", steps, got, err, want)
			}
		}
	}
}
