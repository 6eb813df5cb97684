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
func BenchmarkImportFloor(b *testing.B) {
	path, members := millionList(b)
	const indexes = `CREATE INDEX floor_household ON members (household_no);
CREATE INDEX floor_id ON members (id_number);`
	b.Run(store.SQLite, func(b *testing.B) {
		shell, err := exec.LookPath("sqlite3")
		if err != nil {
			b.Skip("sqlite3 is not installed (apt-get install sqlite3)")
		}
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			db := filepath.Join(b.TempDir(), "floor.db")
			script := fmt.Sprintf(`PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE members (household_no TEXT, region_code TEXT, village TEXT, category TEXT, name TEXT, id_number TEXT,
  relation TEXT, income TEXT, risk_eliminated TEXT, status TEXT, status_date TEXT, phone TEXT);
.mode csv
.import --skip 1 %s members
%s
SELECT count(*) FROM members;
`, path, indexes)
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
	})
	b.Run(store.MySQL, func(b *testing.B) {
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
			b.StartTimer()
			_, err = db.Exec(`LOAD DATA LOCAL INFILE '` + path + `' INTO TABLE members CHARACTER SET utf8mb4
  FIELDS TERMINATED BY ',' LINES TERMINATED BY '\n' IGNORE 1 LINES`)
			if err == nil {
				_, err = db.Exec(indexes)
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
	})
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
