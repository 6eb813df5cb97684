package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestServeShutdown sends a built `zhunongbao serve` SIGTERM while a
// background issue job runs, and again while a county's cards are drawn:
// each time it exits 0 within the grace period, the job is left
// interrupted (and the issue command then finishes it exactly as one run
// would), the download answers 503 shutting_down rather than an empty
// reply, and no temporary file is left behind.
func TestServeShutdown(t *testing.T) {
	const households = 20000
	bin := filepath.Join(t.TempDir(), "zhunongbao")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The reference: the same list issued in one run.
	refDir := t.TempDir()
	_, refOut := issueThisYear(t, refDir, "ZY-REF-001", households, nil)
	var ref struct {
		Certificates int
		Premium      string
	}
	if err := json.Unmarshal([]byte(refOut), &ref); err != nil || ref.Certificates == 0 {
		t.Fatalf("reference issue: %v %s", err, refOut)
	}

	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		year := time.Now().Year()
		list, agreement := filepath.Join(dir, "list.csv"), filepath.Join(dir, "agreement.yaml")
		spec := storetest.AgreementSpec{No: "ZY-SIG-001", County: "522625",
			Start: fmt.Sprintf("%d-01-01", year), End: fmt.Sprintf("%d-12-31", year)}
		if err := os.WriteFile(agreement, storetest.AgreementYAML(spec), 0o644); err != nil {
			t.Fatal(err)
		}
		var key string
		for _, args := range [][]string{
			{"gen", "households", "--county", "522625", "--households", fmt.Sprint(households), "-o", list},
			{"list", "import", "--county", "522625", "--effective", fmt.Sprintf("%d-01-01", year), list},
			{"product", "load", storetest.ProductFile("znb-standard")},
			{"agreement", "create", agreement},
			{"agreement", "activate", "1"},
			{"user", "create", "--username", "ops", "--role", "admin"},
		} {
			code, out, errs := cliOn(t, dsn, dir, args...)
			if code != 0 {
				t.Fatalf("%s: exit %d %s %s", strings.Join(args, " "), code, out, errs)
			}
			if args[0] == "user" {
				var u struct {
					APIKey string `json:"api_key"`
				}
				json.Unmarshal([]byte(out), &u)
				key = u.APIKey
			}
		}

		// SIGTERM while the issue job runs.
		srv := startServe(t, bin, dsn, dir)
		code, body := srv.do(t, "POST", "/api/v1/agreements/1/issue?async=true", key, `{"list_id":1}`)
		if code != http.StatusAccepted {
			t.Fatalf("issue: %d %s", code, body)
		}
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			_, body := srv.do(t, "GET", "/api/v1/jobs/1", key, "")
			var j struct {
				Status         string
				HouseholdsDone int `json:"households_done"`
			}
			json.Unmarshal(body, &j)
			if j.HouseholdsDone > 0 && j.Status == "running" {
				break
			}
			if j.Status == "done" || time.Now().After(deadline) {
				t.Fatalf("the job did not stop half-way to be interrupted: %s", body)
			}
		}
		srv.stop(t)
		db, err := store.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		job, err := db.IssueJobOf(context.Background(), znb.System, 1)
		if err != nil || job.Status != policy.RunInterrupted || job.HouseholdsDone == 0 || job.HouseholdsDone == households {
			t.Fatalf("job after SIGTERM: %+v %v, want interrupted half-way", job, err)
		}
		// The issue command resumes it; together they make one run's certificates.
		code, out, errs := cliOn(t, dsn, dir, "issue", "--agreement", "1", "--list", "1")
		if code != 0 {
			t.Fatalf("resuming: exit %d %s %s", code, out, errs)
		}
		job, err = db.IssueJobOf(context.Background(), znb.System, 1)
		if err != nil || job.Status != policy.RunDone || job.HouseholdsDone != households || job.Certificates != ref.Certificates ||
			job.Premium.StringFixed(2) != ref.Premium {
			t.Fatalf("job after resuming: %+v %v, want done with %d certificates, premium %s", job, err, ref.Certificates, ref.Premium)
		}
		var n int
		db.EachCertificate(context.Background(), 1, "", func(*policy.Certificate) error { n++; return nil })
		if n != ref.Certificates {
			t.Errorf("%d certificates stored, one run makes %d", n, ref.Certificates)
		}

		// SIGTERM while the county's cards are drawn.
		srv = startServe(t, bin, dsn, dir)
		type answer struct {
			code       int
			body       string
			retryAfter string
			err        error
		}
		got := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest("GET", srv.url+"/api/v1/agreements/1/cards.pdf", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				got <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			got <- answer{code: resp.StatusCode, body: string(b), retryAfter: resp.Header.Get("Retry-After")}
		}()
		time.Sleep(1500 * time.Millisecond)
		select {
		case a := <-got:
			t.Fatalf("the cards were answered before SIGTERM: %+v", a)
		default:
		}
		srv.stop(t)
		a := <-got
		if a.err != nil || a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, `"shutting_down"`) || a.retryAfter == "" {
			t.Errorf("the download cut short: %+v, want 503 shutting_down with Retry-After", a)
		}
		if left, _ := os.ReadDir(srv.tmp); len(left) > 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
	})
}

type served struct {
	cmd      *exec.Cmd
	url, tmp string
	log      *os.File
}

// startServe runs the built binary's serve on dsn, with its own TMPDIR, and
// waits until it is ready.
func startServe(t *testing.T, bin, dsn, dir string) *served {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	// The base URL is the public one the cards print, the same on every
	// start (a changed one refuses to start), not this server's address.
	s := &served{url: "http://" + addr, tmp: t.TempDir()}
	s.log, err = os.CreateTemp(dir, "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "-config", filepath.Join(dir, "none.yaml"), "serve")
	s.cmd.Env = append(os.Environ(), "ZNB_DB="+dsn, "ZNB_LISTEN="+addr, "ZNB_BASE_URL=http://znb.example.test", "TMPDIR="+s.tmp)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(s.url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not get ready:\n%s", s.output())
		}
	}
}

func (s *served) output() string { b, _ := os.ReadFile(s.log.Name()); return string(b) }

func (s *served) do(t *testing.T, method, path, key, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// stop sends SIGTERM and wants exit 0 within the grace period.
func (s *served) stop(t *testing.T) {
	t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v (after %s)\n%s", err, time.Since(start), s.output())
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("serve did not stop within %s of SIGTERM\n%s", shutdownGrace, s.output())
	}
}

// TestIssueCommandWhileRunning: the issue command started while another
// process runs the same issue exits 1 with issue_running as JSON, naming
// the job.
func TestIssueCommandWhileRunning(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "znb.db")
	year := time.Now().Year()
	list, agreement := filepath.Join(dir, "list.csv"), filepath.Join(dir, "agreement.yaml")
	spec := storetest.AgreementSpec{No: "ZY-RUN-001", County: "522625",
		Start: fmt.Sprintf("%d-01-01", year), End: fmt.Sprintf("%d-12-31", year)}
	if err := os.WriteFile(agreement, storetest.AgreementYAML(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"gen", "households", "--county", "522625", "--households", "200", "-o", list},
		{"list", "import", "--county", "522625", "--effective", fmt.Sprintf("%d-01-01", year), list},
		{"product", "load", storetest.ProductFile("znb-standard")},
		{"agreement", "create", agreement},
		{"agreement", "activate", "1"},
	} {
		if code, out, errs := cliOn(t, dsn, dir, args...); code != 0 {
			t.Fatalf("%s: exit %d %s %s", strings.Join(args, " "), code, out, errs)
		}
	}
	// The other process: a run held after its first chunk.
	db, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	held, release := make(chan struct{}), make(chan struct{})
	ran := make(chan error, 1)
	go func() {
		first := true
		_, err := db.Issue(context.Background(), znb.System, 1, 1, store.IssueOptions{Chunk: 50, Progress: func(int, int) {
			if first {
				first = false
				close(held)
				<-release
			}
		}})
		ran <- err
	}()
	<-held
	code, out, errs := cliOn(t, dsn, dir, "issue", "--agreement", "1", "--list", "1")
	close(release)
	var e struct {
		Error struct {
			Code    string
			Details struct {
				JobID int64 `json:"job_id"`
			}
		}
	}
	if json.Unmarshal([]byte(out), &e); code != 1 || e.Error.Code != "issue_running" || e.Error.Details.JobID != 1 {
		t.Errorf("issue while another runs: exit %d %s %s, want 1 and issue_running naming job 1", code, out, errs)
	}
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}
