package store_test

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// BenchmarkImportFloor is what each engine does alone with the list file
// of BenchmarkImportMillion, the floor its figure is read against: SQLite's
// own shell imports the CSV into one table (`sqlite3 .import`), MariaDB
// loads it with LOAD DATA LOCAL INFILE, and each then builds the two
// indexes a list is looked up by (household number, ID number). No
// checking, no households table, no audit: the platform does all of that
// on top. SQLite's floor needs the sqlite3 program (Debian: sqlite3).
//
// The "-indexed" lines are the floor with the product's indexes: the same
// load into a table that already has the three indexes the platform's
// members table has (household, ID number, and the console's name search),
// so each engine maintains them row by row, as it must for a list that
// joins the lists already stored, instead of sorting them once after.
func BenchmarkImportFloor(b *testing.B) {
	path, members := millionList(b)
	const indexes = `CREATE INDEX floor_household ON members (household_no);
CREATE INDEX floor_id ON members (id_number);`
	const productIndexes = indexes + `
CREATE INDEX floor_name ON members (name);`
	// The platform's page size and cache: row-by-row index upkeep depends on
	// them much more than a sort does.
	const pages = "PRAGMA page_size=16384;\nPRAGMA cache_size=-65536;"
	for _, f := range []struct{ name, setup, before, after string }{
		{store.SQLite, "", "", indexes},
		{store.SQLite + "-indexed", pages, productIndexes, ""},
	} {
		b.Run(f.name, func(b *testing.B) { sqliteFloor(b, path, members, f.setup, f.before, f.after) })
	}
	for _, f := range []struct{ name, before, after string }{
		{store.MySQL, "", indexes},
		{store.MySQL + "-indexed", productIndexes, ""},
	} {
		b.Run(f.name, func(b *testing.B) { mysqlFloor(b, path, members, f.before, f.after) })
	}
}

// sqliteFloor imports the list with SQLite's shell, set up by the pragmas
// of setup, into a table with the indexes of before, then builds those of
// after.
func sqliteFloor(b *testing.B, path string, members int, setup, before, after string) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Skip("sqlite3 is not installed (apt-get install sqlite3)")
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := filepath.Join(b.TempDir(), "floor.db")
		script := fmt.Sprintf(`%s
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE members (household_no TEXT, region_code TEXT, village TEXT, category TEXT, name TEXT, id_number TEXT,
  relation TEXT, income TEXT, risk_eliminated TEXT, status TEXT, status_date TEXT, phone TEXT);
%s
.mode csv
.import --skip 1 %s members
%s
SELECT count(*) FROM members;
`, setup, before, path, after)
		b.StartTimer()
		cmd := exec.Command(shell, db)
		cmd.Stdin = strings.NewReader(script)
		out, err := cmd.CombinedOutput()
		b.StopTimer()
		if err != nil {
			b.Fatalf("sqlite3: %v\n%s", err, out)
		}
		if got := strings.TrimSpace(lastLine(string(out))); got != fmt.Sprint(members) {
			b.Fatalf("sqlite3 imported %s members, want %d\n%s", got, members, out)
		}
	}
	reportFloor(b, members)
}

// mysqlFloor loads the list with LOAD DATA into a table with the indexes
// of before, then builds those of after.
func mysqlFloor(b *testing.B, path string, members int, before, after string) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dsn := storetest.MySQLDSN(b)
		if dsn == "" {
			b.Skip("ZNB_TEST_MYSQL is unset")
		}
		cfg, err := mysql.ParseDSN(strings.TrimPrefix(dsn, "mysql:"))
		if err != nil {
			b.Fatal(err)
		}
		cfg.AllowAllFiles = true
		cfg.MultiStatements = true
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE members (household_no VARCHAR(64), region_code VARCHAR(12), village VARCHAR(100),
  category VARCHAR(32), name VARCHAR(64), id_number VARCHAR(18), relation VARCHAR(16), income VARCHAR(20),
  risk_eliminated VARCHAR(4), status VARCHAR(16), status_date VARCHAR(10), phone VARCHAR(16))
  ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`); err != nil {
			b.Fatal(err)
		}
		if before != "" {
			if _, err := db.Exec(before); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		_, err = db.Exec(`LOAD DATA LOCAL INFILE '` + path + `' INTO TABLE members CHARACTER SET utf8mb4
  FIELDS TERMINATED BY ',' LINES TERMINATED BY '\n' IGNORE 1 LINES`)
		if err == nil && after != "" {
			_, err = db.Exec(after)
		}
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM members").Scan(&n); err != nil || n != members {
			b.Fatalf("loaded %d members (%v), want %d", n, err, members)
		}
		db.Close()
	}
	reportFloor(b, members)
}

func reportFloor(b *testing.B, members int) {
	b.ReportMetric(float64(members)*float64(b.N)/b.Elapsed().Seconds(), "members/s")
	fmt.Fprintf(os.Stderr, "import floor %s: %d members in %.1f s\n", strings.TrimPrefix(b.Name(), "BenchmarkImportFloor/"),
		members, b.Elapsed().Seconds()/float64(b.N))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
