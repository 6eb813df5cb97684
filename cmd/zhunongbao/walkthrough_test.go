package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestWalkthrough runs docs/walkthrough.sh, the README's first-use steps,
// with bash against a freshly built `zhunongbao serve` on a new database of
// each engine, so the README cannot drift from what the service does.
func TestWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "grep", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the walk-through needs %s: %v", tool, err)
		}
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "zhunongbao")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		work := t.TempDir()
		out := walkthrough(t, repo, bin, dsn, work)
		// Each step's answer, in order.
		wants := []string{
			`"username": "admin"`,
			`"role": "office"`,
			`"regions": 1`,
			`"households": 3000`,
			`"list_id":1,"county":"522625"`,
			`"household_no":"5226251012010001"`,
			`"row":5,"column":"id_number","code":"id_check_digit"`,
			`"list_id": `, // 2, or 3 on MySQL: InnoDB keeps the number a refused upload took
			`"from_list_id":1,"to_list_id":`,
			`"status":"draft"`,
			`"status":"active"`,
			`"role": "approver"`,
			`"master_policy_no":"ZNB522625` + time.Now().In(cst).Format("2006") + `001"`,
			`"file": "山堡村.pdf"`,
			`"certificate_no":"ZNB522625`,
			`"status":"reported"`,
			`"payable":"16300.00"`,
			`"status":"approved"`,
			`"status":"paid"`,
			`"matched": {`,
		}
		rest := out
		for _, w := range wants {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Fatalf("the walk-through did not print %s (in order); its output:\n%s", w, out)
			}
			rest = rest[i+len(w):]
		}
		if m := regexp.MustCompile(`"list_id": (\d+)(?s:.*?)"from_list_id":1,"to_list_id":(\d+)`).FindStringSubmatch(out); m == nil || m[1] != m[2] || m[1] == "1" {
			t.Errorf("the second list and the diff's: %q", m)
		}
		for file, magic := range map[string]string{"demo.csv": "\ufeff户编号", "山堡村.pdf": "%PDF", "对账.xlsx": "PK"} {
			b, err := os.ReadFile(filepath.Join(work, file))
			if err != nil || !bytes.HasPrefix(b, []byte(magic)) {
				t.Errorf("%s: %v, starts %q, want %q", file, err, b[:min(len(b), 8)], magic)
			}
		}
	})
}

var cst = time.FixedZone("CST", 8*3600)

// walkthrough serves dsn on a free port and runs the script in work, made to
// look like the repository root (configs, docs, bin/zhunongbao), returning
// what it printed.
func walkthrough(t *testing.T, repo, bin, dsn, work string) string {
	for _, d := range []string{"bin", "data"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, link := range [][2]string{{bin, "bin/zhunongbao"}, {repo + "/configs", "configs"}, {repo + "/docs", "docs"}} {
		if err := os.Symlink(link[0], filepath.Join(work, link[1])); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	url := "http://" + addr
	env := append(os.Environ(), "ZNB_DB="+dsn, "ZNB_LISTEN="+addr, "ZNB_BASE_URL="+url, "ZNB_URL="+url,
		"ZNB_DOCUMENTS_DIR="+filepath.Join(work, "data", "documents"))

	logFile, err := os.Create(filepath.Join(work, "data", "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	serverLog := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	ctx, cancel := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, bin, "serve")
	srv.Dir, srv.Env, srv.Stdout, srv.Stderr = work, env, logFile, logFile
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Wait() })
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not get ready at %s:\n%s", url, serverLog())
		}
	}

	script := exec.Command("bash", "docs/walkthrough.sh")
	script.Dir, script.Env = work, env
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("docs/walkthrough.sh: %v; its output:\n%s\nserver log:\n%s", err, out, serverLog())
	}
	return string(out)
}

// TestReadmeShowsWalkthrough keeps the README's first-use steps the same
// commands as docs/walkthrough.sh, which TestWalkthrough runs: the code
// blocks of those sections, joined, are the script's body line for line
// (its section divider aside).
func TestReadmeShowsWalkthrough(t *testing.T) {
	read := func(name string) []string {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(b), "\n")
	}
	var script []string
	body := false
	for _, l := range read("docs/walkthrough.sh") {
		switch {
		case l == "set -euo pipefail":
			body = true
		case body && l != "" && !strings.HasPrefix(l, "# ----"):
			script = append(script, l)
		}
	}
	var readme []string
	section, block := false, false
	for _, l := range read("README.md") {
		switch {
		case strings.HasPrefix(l, "## "):
			section = l == "## 五分钟上手" || l == "## 从协议到理赔、对账"
		case section && strings.HasPrefix(l, "```"):
			block = !block
		case section && block && l != "":
			readme = append(readme, l)
		}
	}
	if len(script) < 40 {
		t.Fatalf("docs/walkthrough.sh has %d command lines, want the whole walk-through", len(script))
	}
	for i := 0; i < max(len(script), len(readme)); i++ {
		var s, r string
		if i < len(script) {
			s = script[i]
		}
		if i < len(readme) {
			r = readme[i]
		}
		if s != r {
			t.Fatalf("README.md's walk-through differs from docs/walkthrough.sh at its line %d:\nscript: %s\nREADME: %s", i+1, s, r)
		}
	}
}
