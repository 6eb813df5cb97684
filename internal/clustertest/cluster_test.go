// Package clustertest runs the built service as two `zhunongbao serve`
// processes on a three-node MariaDB Galera cluster behind HAProxy
// (deploy/galera/cluster.sh) and checks what must hold there: no lost or
// doubled acknowledged write while a node is killed and rejoins, limits that
// hold when approvals race on different nodes, one rate limit for all
// processes, and an intact audit chain on every node.
//
// It runs only with ZNB_TEST_CLUSTER=1 (`make test-cluster`): it starts the
// cluster when it is not up, kills a database node and takes minutes.
package clustertest

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

func TestMain(m *testing.M) {
	if os.Getenv("ZNB_TEST_CLUSTER") != "1" {
		fmt.Println("clustertest: skipped: needs a Galera cluster; `make test-cluster` runs it (ZNB_TEST_CLUSTER=1)")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	balancer = "127.0.0.1:3310" // HAProxy in front of the nodes
	killed   = 2                // the node that is SIGKILLed and restarted
	county   = "522625"
)

var nodes = []int{1, 2, 3}

// cst is the service's calendar (China Standard Time).
var cst = time.FixedZone("CST", 8*3600)

type env struct {
	t      testing.TB
	root   string // repository root
	tmp    string
	bin    string
	dbAddr string
	dbName string
	vars   []string // ZNB_* for the service and the command line
	urls   []string // the serve processes
	procs  []*exec.Cmd
	http   *http.Client
}

func TestCluster(t *testing.T) {
	up(t)
	e := setup(t, balancer)
	keys := e.users()
	certs, agreement := e.issue(keys)
	t.Logf("issued agreement %d: %d certificates", agreement, len(certs))

	t.Run("claim reports while a node dies", func(t *testing.T) { e.claimsDuringNodeLoss(t, keys, certs[:len(certs)-1]) })
	t.Run("approvals race for one household limit", func(t *testing.T) { e.approvalsRace(t, keys, certs[len(certs)-1]) })
	t.Run("shared public rate limit", e.sharedRateLimit)
	t.Run("certification conflicts retried", e.certificationConflicts)
	t.Run("issue job survives its server", func(t *testing.T) { e.issueSurvivesServer(t, keys) })
	e.stopAll() // the audit chain is complete once the processes have stopped
	t.Run("audit verify on every node", e.auditEveryNode)
}

// up starts the cluster when it is not up.
func up(t testing.TB) {
	cmd := exec.Command("deploy/galera/cluster.sh", "up")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	t.Logf("cluster.sh up:\n%s", out)
	if err != nil {
		t.Fatalf("cluster.sh up: %v", err)
	}
}

// setup builds the binary, creates a database on the MariaDB server at
// dbAddr (HAProxy in front of the cluster, or a single server) and starts
// two server processes on it.
func setup(t testing.TB, dbAddr string) *env {
	e := setupDB(t, dbAddr)
	for i := range 2 {
		e.serve(i) // one after the other: each loads the products on start
	}
	return e
}

// setupDB builds the binary and creates and migrates a database on the
// MariaDB server at dbAddr, starting no server.
func setupDB(t testing.TB, dbAddr string) *env {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, root: root, tmp: t.TempDir(), dbAddr: dbAddr, http: &http.Client{Timeout: 60 * time.Second}}
	e.bin = filepath.Join(e.tmp, "zhunongbao")
	build := exec.Command("go", "build", "-o", e.bin, "./cmd/zhunongbao")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	e.dbName = fmt.Sprintf("znbcluster_%d", time.Now().Unix())
	admin := e.sqlDB(dbAddr, "")
	if _, err := admin.Exec("CREATE DATABASE " + e.dbName + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	t.Cleanup(func() {
		e.stopAll()
		if t.Failed() {
			t.Logf("database %s kept for inspection; server logs in %s", e.dbName, e.tmp)
			return
		}
		if a := e.sqlDB(dbAddr, ""); a != nil {
			a.Exec("DROP DATABASE IF EXISTS " + e.dbName)
			a.Close()
		}
	})
	e.vars = []string{
		"ZNB_DB=mysql:root:@tcp(" + dbAddr + ")/" + e.dbName,
		"ZNB_SECRET=cluster-test-secret",
		"ZNB_BASE_URL=https://znb.example.cn",
		"ZNB_DOCUMENTS_DIR=" + filepath.Join(e.tmp, "documents"),
		"ZNB_REDIS_URL=redis://127.0.0.1:6379/14",
		"ZNB_TRUST_PROXY=true",
	}
	// The command line migrates the database once, before any server runs.
	e.cli("audit", "verify")
	return e
}

func (e *env) sh(args ...string) {
	e.t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = e.root
	out, err := cmd.CombinedOutput()
	e.t.Logf("%s:\n%s", strings.Join(args, " "), out)
	if err != nil {
		e.t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
}

// cli runs the command line on the cluster (or, with dbAddr, on one node).
func (e *env) cli(args ...string) []byte {
	e.t.Helper()
	return e.cliOn("", args...)
}

func (e *env) cliOn(dbAddr string, args ...string) []byte {
	e.t.Helper()
	cmd := exec.Command(e.bin, args...)
	cmd.Dir = e.root
	cmd.Env = append(os.Environ(), e.vars...)
	if dbAddr != "" {
		cmd.Env = append(cmd.Env, "ZNB_DB=mysql:root:@tcp("+dbAddr+")/"+e.dbName)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("zhunongbao %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

func (e *env) serve(i int) {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(filepath.Join(e.tmp, fmt.Sprintf("serve%d.log", i+1)))
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(e.bin, "serve", "--listen", addr)
	cmd.Dir = e.root
	cmd.Env = append(os.Environ(), e.vars...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.procs = append(e.procs, cmd)
	url := "http://" + addr
	e.urls = append(e.urls, url)
	for range 300 {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.t.Fatalf("serve %d on %s not ready; log %s", i+1, addr, logf.Name())
}

// stopAll stops the server processes as an operator would (SIGTERM).
func (e *env) stopAll() {
	for _, p := range e.procs {
		p.Process.Signal(syscall.SIGTERM)
		p.Wait()
	}
	e.procs = nil
}

func (e *env) sqlDB(addr, db string) *sql.DB {
	e.t.Helper()
	d, err := sql.Open("mysql", "root:@tcp("+addr+")/"+db+"?parseTime=true")
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func nodeAddr(n int) string { return fmt.Sprintf("127.0.0.1:331%d", n) }

// call sends a JSON request (body nil, JSON bytes, or a value) with header
// pairs, and returns the status and the answer; a transport error is
// status 0.
func (e *env) call(method, url, key string, body any, header ...string) (int, []byte) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, url, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (e *env) must(want int, method, url, key string, body any, header ...string) map[string]any {
	e.t.Helper()
	code, out := e.call(method, url, key, body, header...)
	if code != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, url, code, out, want)
	}
	var m map[string]any
	json.Unmarshal(out, &m)
	return m
}

func errCode(b []byte) string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal(b, &e)
	return e.Error.Code
}

type keys struct{ office, clerk, adjuster, approver, reviewer string }

func (e *env) users() keys {
	e.t.Helper()
	key := func(args ...string) string {
		var u struct {
			APIKey string `json:"api_key"`
		}
		if err := json.Unmarshal(e.cli(append([]string{"user", "create"}, args...)...), &u); err != nil || u.APIKey == "" {
			e.t.Fatalf("user create %v: %v", args, err)
		}
		return u.APIKey
	}
	return keys{
		office:   key("--username", "office", "--role", "office", "--scope", county),
		clerk:    key("--username", "clerk", "--role", "insurer_clerk", "--scope", "PICC-ZY"),
		adjuster: key("--username", "adjuster", "--role", "adjuster", "--scope", "PICC-ZY"),
		approver: key("--username", "approver", "--role", "approver", "--scope", "PICC-ZY"),
		reviewer: key("--username", "reviewer", "--role", "approver", "--scope", "PICC-ZY"),
	}
}

// issue uploads a generated list of 1,000 households, signs and activates
// the example agreement for this year, issues it and returns the
// certificate numbers.
func (e *env) issue(k keys) ([]string, int64) {
	e.t.Helper()
	year := time.Now().In(cst).Year()
	csv := filepath.Join(e.tmp, "list.csv")
	e.cli("gen", "households", "--county", county, "--households", "1000", "-o", csv)
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	w.WriteField("county", county)
	w.WriteField("effective_date", fmt.Sprintf("%d-01-01", year))
	f, _ := w.CreateFormFile("file", "list.csv")
	data, err := os.ReadFile(csv)
	if err != nil {
		e.t.Fatal(err)
	}
	f.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", e.urls[0]+"/api/v1/lists", &form)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+k.office)
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	var list struct {
		ListID int64 `json:"list_id"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if resp.StatusCode != 201 || list.ListID == 0 {
		e.t.Fatalf("list upload: %d", resp.StatusCode)
	}
	yaml, err := os.ReadFile(filepath.Join(e.root, "configs/agreements/example.yaml"))
	if err != nil {
		e.t.Fatal(err)
	}
	yaml = bytes.ReplaceAll(yaml, []byte("2026"), []byte(fmt.Sprint(year)))
	req, _ = http.NewRequest("POST", e.urls[0]+"/api/v1/agreements", bytes.NewReader(yaml))
	req.Header.Set("Content-Type", "application/yaml")
	req.Header.Set("Authorization", "Bearer "+k.office)
	resp, err = e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	var ag struct{ ID int64 }
	json.NewDecoder(resp.Body).Decode(&ag)
	resp.Body.Close()
	if resp.StatusCode != 201 || ag.ID == 0 {
		e.t.Fatalf("agreement: %d", resp.StatusCode)
	}
	e.must(200, "POST", fmt.Sprintf("%s/api/v1/agreements/%d/activate", e.urls[1], ag.ID), k.office, nil)
	res := e.must(200, "POST", fmt.Sprintf("%s/api/v1/agreements/%d/issue", e.urls[1], ag.ID), k.clerk,
		map[string]int64{"list_id": list.ListID})
	e.t.Logf("issue: %v certificates, %v persons, premium %v", res["certificates"], res["persons"], res["premium"])

	db := e.sqlDB(e.dbAddr, e.dbName)
	defer db.Close()
	rows, err := db.Query("SELECT certificate_no FROM certificates WHERE agreement_id = ? ORDER BY certificate_no", ag.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var certs []string
	for rows.Next() {
		var no string
		rows.Scan(&no)
		certs = append(certs, no)
	}
	if len(certs) < 100 {
		e.t.Fatalf("%d certificates issued", len(certs))
	}
	return certs, ag.ID
}

var causes = []string{"火灾", "爆炸", "地震", "自然灾害"}

// report is the n-th distinct property claim report over certs: each
// certificate, cause and incident date (going back from today) once.
func report(certs []string, n int) map[string]string {
	today := time.Now().In(cst)
	c := len(certs)
	date := today.AddDate(0, 0, -(n / (c * len(causes)))).Format("2006-01-02")
	return map[string]string{"certificate_no": certs[n%c], "line": "property", "incident_date": date,
		"cause": causes[(n/c)%len(causes)], "description": fmt.Sprintf("cluster-%d", n)}
}

type outcome struct {
	status int
	code   string
	claim  string // claim number of an acknowledged report
	desc   string
	at     time.Time
	took   time.Duration
}

// claimsDuringNodeLoss posts claim reports to both processes from eight
// clients while node 2 is SIGKILLed, left dead, restarted and rejoins.
func (e *env) claimsDuringNodeLoss(t *testing.T, k keys, certs []string) {
	var (
		seq  atomic.Int64
		stop atomic.Bool
		mu   sync.Mutex
		outs []outcome
		wg   sync.WaitGroup
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n := int(seq.Add(1) - 1)
				body := report(certs, n)
				start := time.Now()
				code, out := e.call("POST", e.urls[(n+w)%2]+"/api/v1/claims", k.clerk, body)
				o := outcome{status: code, desc: body["description"], at: time.Now(), took: time.Since(start)}
				if code == 201 {
					var c struct {
						ClaimNo string `json:"claim_no"`
					}
					json.Unmarshal(out, &c)
					o.claim = c.ClaimNo
				} else {
					o.code = errCode(out)
					if o.code == "" {
						o.code = strings.TrimSpace(string(out[:min(len(out), 80)]))
					}
				}
				mu.Lock()
				outs = append(outs, o)
				mu.Unlock()
			}
		}()
	}
	begin := time.Now()
	time.Sleep(5 * time.Second)
	killedAt := time.Now()
	e.sh("deploy/galera/cluster.sh", "kill", fmt.Sprint(killed))
	time.Sleep(10 * time.Second)
	restartAt := time.Now()
	e.sh("deploy/galera/cluster.sh", "start", fmt.Sprint(killed)) // returns once Synced
	syncedAt := time.Now()
	time.Sleep(5 * time.Second)
	stop.Store(true)
	wg.Wait()
	end := time.Now()
	t.Logf("timeline: load from 0s, node%d SIGKILL at %.1fs, restarted at %.1fs, Synced at %.1fs, load stopped at %.1fs",
		killed, killedAt.Sub(begin).Seconds(), restartAt.Sub(begin).Seconds(), syncedAt.Sub(begin).Seconds(), end.Sub(begin).Seconds())

	// What the clients saw.
	statuses := map[string]int{}
	acked := map[string]string{} // description → claim number
	lastOK := begin
	var gap, slowest time.Duration
	sort.Slice(outs, func(i, j int) bool { return outs[i].at.Before(outs[j].at) })
	for _, o := range outs {
		statuses[fmt.Sprintf("%d %s", o.status, o.code)]++
		slowest = max(slowest, o.took)
		if o.status == 201 {
			if prev, dup := acked[o.desc]; dup {
				t.Errorf("report %s acknowledged twice: %s and %s", o.desc, prev, o.claim)
			}
			acked[o.desc] = o.claim
			gap = max(gap, o.at.Sub(lastOK))
			lastOK = o.at
		}
	}
	t.Logf("requests: %d in %.1fs; answers: %v", len(outs), end.Sub(begin).Seconds(), statuses)
	t.Logf("longest time without an acknowledged report: %.2fs; slowest answer %.2fs", gap.Seconds(), slowest.Seconds())
	if len(acked) < 100 {
		t.Errorf("only %d reports acknowledged", len(acked))
	}
	for s, n := range statuses {
		// A request on a connection cut by the node's death answers 503.
		if s != "201 " && s != "503 database_unavailable" {
			t.Errorf("%d answers %q", n, s)
		}
	}
	if gap > 20*time.Second {
		t.Errorf("no acknowledged report for %.1fs", gap.Seconds())
	}
	e.serverErrors(t)

	// What every node stored, once the killed node has caught up.
	e.sh("deploy/galera/cluster.sh", "wait")
	for _, n := range nodes {
		db := e.sqlDB(nodeAddr(n), e.dbName)
		stored := map[string][]string{} // description → claim numbers
		rows, err := db.Query("SELECT description, claim_no FROM claims WHERE description LIKE 'cluster-%'")
		if err != nil {
			t.Fatalf("node%d: %v", n, err)
		}
		for rows.Next() {
			var d, no string
			rows.Scan(&d, &no)
			stored[d] = append(stored[d], no)
		}
		rows.Close()
		db.Close()
		lost, doubled, unacked := 0, 0, 0
		for d, no := range acked {
			switch got := stored[d]; {
			case len(got) == 0:
				lost++
			case len(got) > 1:
				doubled++
			case got[0] != no:
				t.Errorf("node%d: report %s stored as %s, acknowledged as %s", n, d, got[0], no)
			}
		}
		for d := range stored {
			if _, ok := acked[d]; !ok {
				unacked++
			}
		}
		t.Logf("node%d: %d claim rows for %d acknowledged reports: %d lost, %d stored twice, %d stored without acknowledgement",
			n, len(stored), len(acked), lost, doubled, unacked)
		if lost > 0 || doubled > 0 {
			t.Errorf("node%d: %d acknowledged reports lost, %d stored twice", n, lost, doubled)
		}
	}
}

// serverErrors shows the errors the server processes logged, the causes of
// any 500 answers.
func (e *env) serverErrors(t *testing.T) {
	for i := range e.urls {
		b, _ := os.ReadFile(filepath.Join(e.tmp, fmt.Sprintf("serve%d.log", i+1)))
		var errs []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "level=ERROR") {
				errs = append(errs, l)
			}
		}
		t.Logf("serve%d logged %d errors", i+1, len(errs))
		for _, l := range errs[:min(len(errs), 5)] {
			t.Logf("  %.300s", l)
		}
	}
}

// approvalsRace approves 50 assessed claims of one household at once,
// spread over both processes (and so over the nodes): the household's
// property limit of 20,000.00 holds and every refusal is limit_exceeded.
func (e *env) approvalsRace(t *testing.T, k keys, cert string) {
	var claims []string
	for i := range 50 {
		rep := report([]string{cert}, i)
		rep["description"] = fmt.Sprintf("race-%d", i)
		c := e.must(201, "POST", e.urls[i%2]+"/api/v1/claims", k.clerk, rep)
		no, _ := c["claim_no"].(string)
		a := e.must(200, "POST", e.urls[i%2]+"/api/v1/claims/"+no+"/assess", k.adjuster,
			map[string]string{"structure_loss": "2000.00"})
		if a["payable"] != "1800.00" {
			t.Fatalf("assessed %s: payable %v, want 1800.00", no, a["payable"])
		}
		// From the household's third claim of the year on, a claim is
		// signalled (frequent) and needs a second approver's note.
		if signals, _ := a["signals"].([]any); len(signals) > 0 {
			e.must(200, "POST", e.urls[i%2]+"/api/v1/claims/"+no+"/review", k.reviewer, map[string]string{"note": "已核实"})
		}
		claims = append(claims, no)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers = map[string]int{}
	)
	start := make(chan struct{})
	for i, no := range claims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			code, out := e.call("POST", e.urls[i%2]+"/api/v1/claims/"+no+"/approve", k.approver, nil)
			mu.Lock()
			answers[fmt.Sprintf("%d %s", code, errCode(out))]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("50 approvals: %v", answers)
	for a, n := range answers {
		if a != "200 " && a != "409 limit_exceeded" {
			t.Errorf("%d approvals answered %q, want 200 or 409 limit_exceeded", n, a)
		}
	}
	for _, n := range nodes {
		db := e.sqlDB(nodeAddr(n), e.dbName)
		var approved int
		var sum string
		err := db.QueryRow("SELECT COUNT(*), COALESCE(SUM(payable), 0) FROM claims WHERE certificate_no = ? AND status = 'approved'", cert).
			Scan(&approved, &sum)
		db.Close()
		if err != nil {
			t.Fatalf("node%d: %v", n, err)
		}
		t.Logf("node%d: %d approved, %s of the 20000.00 limit", n, approved, sum)
		if approved != answers["200 "] || approved > 11 {
			t.Errorf("node%d: %d approved claims (%s), %d approvals answered 200; the limit allows 11", n, approved, sum, answers["200 "])
		}
	}
}

// sharedRateLimit sends 11 public requests from one address, alternating
// between the processes: the 11th is refused.
func (e *env) sharedRateLimit(t *testing.T) {
	addr := fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), rand.IntN(256))
	var codes []int
	for i := range 11 {
		code, _ := e.call("POST", e.urls[i%2]+"/api/v1/public/card", "",
			map[string]string{"name": "李四", "id_number": "522625198001010011"}, "X-Forwarded-For", addr)
		codes = append(codes, code)
	}
	t.Logf("11 public requests from %s over 2 processes: %v", addr, codes)
	if slices.Contains(codes[:10], 429) || codes[10] != 429 {
		t.Errorf("answers %v: want the 11th (only) to be 429", codes)
	}
}

func (e *env) auditEveryNode(t *testing.T) {
	for _, n := range nodes {
		var v struct {
			Intact  bool
			Checked int
		}
		out := e.cliOn(nodeAddr(n), "audit", "verify")
		if err := json.Unmarshal(out, &v); err != nil || !v.Intact {
			t.Errorf("node%d: audit verify: %s", n, out)
			continue
		}
		t.Logf("node%d: audit chain intact, %d entries", n, v.Checked)
	}
}
