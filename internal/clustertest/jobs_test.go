package clustertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/store"
)

// jobHouseholds is the size of the list whose issue job loses its server:
// several chunks of 5,000, so that the kill lands half-way.
const jobHouseholds = 30000

// cliWith runs the command line with env added to the test's settings (the
// last of a name wins) and decodes its JSON answer into out.
func (e *env) cliWith(env []string, out any, args ...string) {
	e.t.Helper()
	cmd := exec.Command(e.bin, args...)
	cmd.Dir = e.root
	cmd.Env = append(append(os.Environ(), e.vars...), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("zhunongbao %s: %v\n%s%s", strings.Join(args, " "), err, b, stderr.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("zhunongbao %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
}

// restart starts server i again after it was killed.
func (e *env) restart(i int) {
	e.t.Helper()
	procs, urls := e.procs, e.urls
	e.procs, e.urls = append([]*exec.Cmd(nil), procs[:i]...), append([]string(nil), urls[:i]...)
	e.serve(i)
	e.procs = append(e.procs, procs[i+1:]...)
	e.urls = append(e.urls, urls[i+1:]...)
}

type issueTotals struct {
	Certificates int
	Persons      int
	Premium      string
}

// issueSurvivesServer starts an issue job on server 1 and kills that
// process (SIGKILL) half-way: server 2 resumes the job once the lease has
// run out, and the certificates, persons and premium equal those of the
// same list and agreement issued in one run on a single SQLite server.
func (e *env) issueSurvivesServer(t *testing.T, k keys) {
	year := time.Now().In(cst).Year()
	csv := filepath.Join(e.tmp, "job.csv")
	e.cli("gen", "households", "--county", county, "--households", fmt.Sprint(jobHouseholds), "--seed", "2", "-o", csv)
	yaml, err := os.ReadFile(filepath.Join(e.root, "configs/agreements/example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml = bytes.ReplaceAll(bytes.ReplaceAll(yaml, []byte("2026"), []byte(fmt.Sprint(year))), []byte("-001"), []byte("-002"))
	agreementFile := filepath.Join(e.tmp, "agreement2.yaml")
	if err := os.WriteFile(agreementFile, yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	effective := fmt.Sprintf("%d-01-01", year)

	// The reference: one run on one server with SQLite, after the first
	// agreement as issue made it (people it covers are excluded here).
	ref := []string{"ZNB_DB=sqlite:" + filepath.Join(e.tmp, "ref.db")}
	first := filepath.Join(e.tmp, "agreement1.yaml")
	if err := os.WriteFile(first, bytes.ReplaceAll(yaml, []byte("-002"), []byte("-001")), 0o644); err != nil {
		t.Fatal(err)
	}
	var want issueTotals
	e.cliWith(ref, nil, "product", "load", filepath.Join(e.root, "configs/products/znb-standard.yaml"))
	for i, a := range [][2]string{{first, filepath.Join(e.tmp, "list.csv")}, {agreementFile, csv}} {
		n := fmt.Sprint(i + 1)
		e.cliWith(ref, nil, "agreement", "create", a[0])
		e.cliWith(ref, nil, "agreement", "activate", n)
		e.cliWith(ref, nil, "list", "import", "--county", county, "--effective", effective, a[1])
		e.cliWith(ref, &want, "issue", "--agreement", n, "--list", n)
	}

	var list struct {
		ListID int64 `json:"list_id"`
	}
	var ag struct{ ID int64 }
	e.cliWith(nil, &list, "list", "import", "--county", county, "--effective", effective, csv)
	e.cliWith(nil, &ag, "agreement", "create", agreementFile)
	e.cliWith(nil, nil, "agreement", "activate", fmt.Sprint(ag.ID))

	job := e.must(202, "POST", fmt.Sprintf("%s/api/v1/agreements/%d/issue?async=true", e.urls[0], ag.ID), k.clerk,
		map[string]int64{"list_id": list.ListID})
	jobURL := fmt.Sprintf("/api/v1/jobs/%v", job["job_id"])
	type progress struct {
		Status         string
		HouseholdsDone int `json:"households_done"`
		issueTotals
	}
	poll := func(url string) progress {
		var p progress
		if code, b := e.call("GET", url+jobURL, k.clerk, nil); code == 200 {
			json.Unmarshal(b, &p)
		}
		return p
	}
	var at progress
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if at = poll(e.urls[1]); at.Status == "running" && at.HouseholdsDone > 0 {
			break
		}
		if at.Status == "done" || time.Now().After(deadline) {
			t.Fatalf("the job did not get half-way to be killed: %+v", at)
		}
	}
	killedAt := time.Now()
	e.procs[0].Process.Kill()
	e.procs[0].Wait()
	t.Logf("server 1 SIGKILLed with the job at %d of %d households", at.HouseholdsDone, jobHouseholds)

	var end progress
	var resumedAt time.Duration
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		end = poll(e.urls[1])
		if resumedAt == 0 && end.HouseholdsDone > at.HouseholdsDone {
			resumedAt = time.Since(killedAt)
		}
		if end.Status == "done" || end.Status == "failed" || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("job resumed by server 2 %.1fs after the kill, %s %.1fs after it: %d households, %d certificates, %d persons, premium %s",
		resumedAt.Seconds(), end.Status, time.Since(killedAt).Seconds(), end.HouseholdsDone, end.Certificates, end.Persons, end.Premium)
	t.Logf("one run on SQLite: %d certificates, %d persons, premium %s", want.Certificates, want.Persons, want.Premium)
	if end.Status != "done" || end.HouseholdsDone != jobHouseholds || end.issueTotals != want {
		t.Errorf("the job after its server died: %+v, want done with %+v", end, want)
	}
	// What is stored, on every node.
	for _, n := range nodes {
		db := e.sqlDB(nodeAddr(n), e.dbName)
		var got issueTotals
		err := db.QueryRow(`SELECT COUNT(*), COALESCE(SUM(premium), 0),
			(SELECT COUNT(*) FROM certificate_members WHERE agreement_id = ? AND cover_end >= cover_start)
			FROM certificates WHERE agreement_id = ?`, ag.ID, ag.ID).Scan(&got.Certificates, &got.Premium, &got.Persons)
		db.Close()
		if err != nil {
			t.Fatalf("node%d: %v", n, err)
		}
		t.Logf("node%d: %d certificates, %d covers, premium %s", n, got.Certificates, got.Persons, got.Premium)
		if got != want {
			t.Errorf("node%d stores %+v, one run %+v", n, got, want)
		}
	}
	b, _ := os.ReadFile(filepath.Join(e.tmp, "serve2.log"))
	if !bytes.Contains(b, []byte("issue job resumed and finished")) {
		t.Errorf("server 2 did not log the job it resumed")
	}
	e.restart(0)
}

// certificationConflicts changes one row from two connection pools, one on
// node 1 and one on node 2, 40 transactions each at once: Galera refuses
// the loser of each conflict at COMMIT, the store runs it again, and every
// transaction lands exactly once.
func (e *env) certificationConflicts(t *testing.T) {
	ctx := context.Background()
	var dbs []*store.DB
	for _, n := range []int{1, 2} {
		db, err := store.Open("mysql:root:@tcp(" + nodeAddr(n) + ")/" + e.dbName)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	if err := dbs[0].Gorm(ctx).Exec("INSERT INTO claim_counters (day, seq) VALUES ('conflict', 0)").Error; err != nil {
		t.Fatal(err)
	}
	const each = 40
	total, conflicts := 0, int64(0)
	for round := 1; round <= 5 && conflicts == 0; round++ {
		var runs atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 2*each)
		start := make(chan struct{})
		for _, db := range dbs {
			for range each {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs <- db.Tx(ctx, func(tx *gorm.DB) error {
						runs.Add(1)
						return tx.Exec("UPDATE claim_counters SET seq = seq + 1 WHERE day = 'conflict'").Error
					})
				}()
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a transaction failed: %v", err)
			}
		}
		total += 2 * each
		conflicts += runs.Load() - 2*each
		t.Logf("round %d: %d transactions on two nodes ran %d times", round, 2*each, runs.Load())
	}
	if conflicts == 0 {
		t.Errorf("no conflict met in five rounds: the test did not exercise the retry")
	}
	e.sh("deploy/galera/cluster.sh", "wait")
	for _, n := range nodes {
		db := e.sqlDB(nodeAddr(n), e.dbName)
		var seq int
		err := db.QueryRow("SELECT seq FROM claim_counters WHERE day = 'conflict'").Scan(&seq)
		db.Close()
		if err != nil || seq != total {
			t.Errorf("node%d: counter %d %v, want %d", n, seq, err, total)
		}
	}
	t.Logf("%d transactions, %d runs again after a conflict, counter %d on every node", total, conflicts, total)
}
