package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
)

// TestCardsShareTheBaseURL prints one certificate's card from a running
// server started with ZNB_BASE_URL and from the command line run without
// it: both QR codes are the same image and the printed link under them
// starts with the server's address. A command line given another address
// is refused until the address is changed explicitly.
func TestCardsShareTheBaseURL(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ZNB_SECRET", "shared-secret")
	t.Setenv("ZNB_BASE_URL", "")
	issueThisYear(t, dir, "ZY-URL", 10, nil)
	code, out, errs := cli(t, dir, "user", "create", "--username", "clerk", "--role", "insurer_clerk", "--scope", "PICC-ZY")
	var u struct {
		APIKey string `json:"api_key"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &u) != nil {
		t.Fatalf("user create: exit %d %s %s", code, out, errs)
	}
	no := firstCertificate(t, dir)

	const public = "https://znb.example.test"
	url := serveBinary(t, dir, "ZNB_BASE_URL="+public, "ZNB_SECRET=shared-secret")
	req, _ := http.NewRequest("GET", url+"/api/v1/certificates/"+no+"/card.pdf", nil)
	req.Header.Set("Authorization", "Bearer "+u.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("server card: %d %s", resp.StatusCode, served)
	}
	fromServer := filepath.Join(dir, "server.pdf")
	os.WriteFile(fromServer, served, 0o644)

	fromCLI := filepath.Join(dir, "cli.pdf")
	if code, out, errs := cli(t, dir, "cards", "--agreement", "1", "--certificate", no, "-o", fromCLI); code != 0 {
		t.Fatalf("cards: exit %d %s %s", code, out, errs)
	}
	for _, f := range []string{fromServer, fromCLI} {
		if link := printedLink(t, f); !strings.HasPrefix(link, public+"/verify/"+no+"?sig=") {
			t.Errorf("%s prints the link %q, want one under %s", filepath.Base(f), link, public)
		}
	}
	if !bytes.Equal(qrImage(t, fromServer), qrImage(t, fromCLI)) {
		t.Error("the server's and the command line's QR codes differ")
	}

	// Another address on the command line is refused, not printed.
	t.Setenv("ZNB_BASE_URL", "http://localhost:8080")
	code, out, _ = cli(t, dir, "cards", "--agreement", "1", "--certificate", no, "-o", fromCLI)
	var e errorJSON
	if code != 1 || json.Unmarshal([]byte(out), &e) != nil || e.Error.Code != "base_url_mismatch" || !strings.Contains(e.Error.Message, public) {
		t.Errorf("a different ZNB_BASE_URL: exit %d %s, want 1 and base_url_mismatch naming %s", code, out, public)
	}
	// Changed explicitly, every later card carries the new address.
	const moved = "https://insure.example.test/znb"
	t.Setenv("ZNB_BASE_URL", "")
	if code, out, errs := cli(t, dir, "config", "set-base-url", moved+"/"); code != 0 || !strings.Contains(out, `"base_url": "`+moved+`"`) {
		t.Fatalf("config set-base-url: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := cli(t, dir, "cards", "--agreement", "1", "--certificate", no, "-o", fromCLI); code != 0 ||
		!strings.HasPrefix(printedLink(t, fromCLI), moved+"/verify/") {
		t.Errorf("after set-base-url: exit %d %s %s, link %q", code, out, errs, printedLink(t, fromCLI))
	}
}

// TestBaseURLUnset: outside development (the default SQLite file) a card
// is not printed before an address is known; in development it points at
// localhost.
func TestBaseURLUnset(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ZNB_SECRET", "s")
	t.Setenv("ZNB_BASE_URL", "")
	issueThisYear(t, dir, "ZY-UNSET", 5, nil)
	code, out, _ := cli(t, dir, "cards", "--agreement", "1", "-o", filepath.Join(dir, "cards"))
	var e errorJSON
	if code != 1 || json.Unmarshal([]byte(out), &e) != nil || e.Error.Code != "base_url_unset" {
		t.Errorf("no address outside development: exit %d %s, want 1 and base_url_unset", code, out)
	}

	dev := t.TempDir()
	t.Chdir(dev)
	if err := os.Mkdir("data", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "znb.db"), filepath.Join("data", "zhunongbao.db")); err != nil {
		t.Fatal(err)
	}
	var o bytes.Buffer
	t.Setenv("ZNB_DB", "")
	code = run([]string{"-config", "none.yaml", "cards", "--agreement", "1", "-o", "cards"}, &o, io.Discard)
	files, _ := filepath.Glob(filepath.Join("cards", "*.pdf"))
	if code != 0 || len(files) == 0 || !strings.HasPrefix(printedLink(t, files[0]), "http://localhost:8080/verify/") {
		t.Errorf("development: exit %d %s, files %v", code, o.String(), files)
	}
}

// firstCertificate is the number of a certificate in dir's database.
func firstCertificate(t *testing.T, dir string) string {
	t.Helper()
	db, err := store.Open("sqlite:" + filepath.Join(dir, "znb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var no string
	if err := db.Gorm(t.Context()).Raw("SELECT certificate_no FROM certificates ORDER BY certificate_no LIMIT 1").Scan(&no).Error; err != nil || no == "" {
		t.Fatalf("no certificate: %v", err)
	}
	return no
}

var printedURL = regexp.MustCompile(`https?://\S+/verify/[A-Za-z0-9-]+\?sig=[A-Za-z0-9_-]{22}`)

// printedLink is the verify link printed under the first card's QR code.
func printedLink(t *testing.T, pdf string) string {
	t.Helper()
	text, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", "-l", "1", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", pdf, err)
	}
	return printedURL.FindString(strings.ReplaceAll(string(text), "\n", ""))
}

// qrImage is the one image (the QR code) of a one-card PDF, as PNG.
func qrImage(t *testing.T, pdf string) []byte {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "img")
	if out, err := exec.Command("pdfimages", "-png", pdf, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v %s", err, out)
	}
	files, _ := filepath.Glob(prefix + "-*.png")
	if len(files) != 1 {
		t.Fatalf("%s has %d images, want the QR code only", pdf, len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serveBinary builds the command and runs `serve` on dir's database with
// the extra environment on a free port until the test ends; it returns the
// server's URL.
func serveBinary(t *testing.T, dir string, extra ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "zhunongbao")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, bin, "-config", filepath.Join(dir, "none.yaml"), "serve")
	var log bytes.Buffer
	srv.Env = append(os.Environ(), append([]string{"ZNB_DB=sqlite:" + filepath.Join(dir, "znb.db"), "ZNB_LISTEN=" + addr}, extra...)...)
	srv.Stdout, srv.Stderr = &log, &log
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Wait() })
	url := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not get ready at %s:\n%s", url, log.String())
		}
	}
}
