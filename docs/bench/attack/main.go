// Command attack measures the peak resident memory of a separate
// `zhunongbao serve` process while it is sent hostile uploads: bodies of
// hundreds of megabytes without a valid key, two at once, and as large
// multipart uploads with one, and two XLSX decompression bombs as lists with
// a valid key. Each scenario prints the server's peak RSS, what it answered,
// the lists stored and the files left in its temporary and documents
// folders; the target is under 300 MB for every one, and nothing stored.
//
//	go run ./docs/bench/attack -bin bin/zhunongbao [-mb 400] [-bombs=false] [-xlsx a.xlsx,b.xlsx]
//
// -bombs (on by default) builds the two bombs in a temporary folder: a
// workbook of about 520 KB whose one cell holds 512 MiB, and one of about
// 2 MB whose sheet is 2 GiB of whitespace. -xlsx uploads other files as
// lists too.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/sheet/sheettest"
)

func main() {
	// A flag set of its own: sheettest registers -update on the default one.
	fs := flag.NewFlagSet("attack", flag.ExitOnError)
	bin := fs.String("bin", "bin/zhunongbao", "the zhunongbao binary")
	mb := fs.Int64("mb", 400, "megabytes of each body")
	bombs := fs.Bool("bombs", true, "upload the two XLSX decompression bombs as lists with a valid key")
	xlsx := fs.String("xlsx", "", "comma-separated XLSX files to upload as lists with a valid key")
	fs.Parse(os.Args[1:])
	if err := run(*bin, *mb<<20, *bombs, *xlsx); err != nil {
		fmt.Fprintln(os.Stderr, "attack:", err)
		os.Exit(1)
	}
}

type server struct {
	addr, key string
	pid       int
	// tmp and docs are the server's temporary and documents folders,
	// which must stay empty.
	tmp, docs string
}

func run(bin string, size int64, bombs bool, xlsx string) error {
	work, err := os.MkdirTemp("", "znb-attack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	tmp, docs := filepath.Join(work, "tmp"), filepath.Join(work, "docs")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	env := append(os.Environ(), "ZNB_DB=sqlite:"+filepath.Join(work, "attack.db"), "ZNB_SECRET=attack-bench",
		"ZNB_DOCUMENTS_DIR="+docs, "ZNB_LISTEN=127.0.0.1:18181",
		"ZNB_BASE_URL=http://127.0.0.1:18181", "TMPDIR="+tmp)
	cli := func(args ...string) ([]byte, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Stderr = env, os.Stderr
		return cmd.Output()
	}
	if _, err := cli("migrate"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	out, err := cli("user", "create", "--username", "office", "--role", "office", "--scope", "522625")
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	var u struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(out, &u); err != nil || u.APIKey == "" {
		return fmt.Errorf("user create printed %s", out)
	}
	serve := exec.Command(bin, "serve")
	serve.Env = env
	serve.Stdout, serve.Stderr = io.Discard, io.Discard
	if err := serve.Start(); err != nil {
		return err
	}
	defer serve.Process.Kill()
	s := server{addr: "127.0.0.1:18181", key: u.APIKey, pid: serve.Process.Pid, tmp: tmp, docs: docs}
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", s.addr); err == nil {
			c.Close()
			break
		}
		if i == 100 {
			return fmt.Errorf("the server did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("server pid %d, idle RSS %.0f MB; bodies of %d MB\n", s.pid, s.rss("VmRSS"), size>>20)

	list := "multipart/form-data; boundary=x"
	s.scenario("unauthenticated chunked ×2 at once", func() string {
		var wg sync.WaitGroup
		answers := make([]string, 2)
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = s.send("/api/v1/lists", "wrong-key", list, size, true, zeros)
			}()
		}
		wg.Wait()
		return strings.Join(answers, "; ")
	})
	s.scenario("JSON route, valid key, chunked", func() string {
		return s.send("/api/v1/claims", s.key, "application/json", size, true, zeros)
	})
	s.scenario("multipart list upload, valid key, chunked", func() string {
		return s.send("/api/v1/lists", s.key, list, size, true, form(size))
	})
	s.scenario("multipart list upload, valid key, Content-Length", func() string {
		return s.send("/api/v1/lists", s.key, list, size, false, form(size))
	})
	var files []string
	if bombs {
		for _, b := range []struct {
			name  string
			parts map[string]sheettest.Part
		}{{"cell-512MiB.xlsx", sheettest.CellBomb()}, {"whitespace-2GiB.xlsx", sheettest.WhitespaceBomb()}} {
			// The bombs are built outside the server's folders, which
			// must stay empty.
			f := filepath.Join(work, b.name)
			if err := sheettest.Workbook(f, b.parts); err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			files = append(files, f)
		}
	}
	for _, f := range strings.Split(xlsx, ",") {
		if f != "" {
			files = append(files, f)
		}
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		s.scenario(fmt.Sprintf("XLSX %s (%d KB), valid key", filepath.Base(f), st.Size()>>10),
			func() string { return s.upload(f) })
	}
	return nil
}

// scenario runs attack and prints the server's peak RSS meanwhile and the
// number of lists stored.
func (s server) scenario(name string, attack func() string) {
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid), []byte("5"), 0)
	start := time.Now()
	answer := attack()
	fmt.Printf("%-50s peak RSS %5.0f MB  %5.1f s  lists stored %d  files left %d  answer %s\n", name, s.rss("VmHWM"),
		time.Since(start).Seconds(), s.lists(), files(s.tmp)+files(s.docs), answer)
}

// files counts the files under dir.
func files(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// rss reads a field of the server's /proc status, in MB.
func (s server) rss(field string) float64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func (s server) lists() int {
	req, _ := http.NewRequest("GET", "http://"+s.addr+"/api/v1/lists?county=522625", nil)
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var out struct{ Items []json.RawMessage }
	json.NewDecoder(resp.Body).Decode(&out)
	return len(out.Items)
}

type filler func(sent int64, p []byte) int

func zeros(_ int64, p []byte) int {
	clear(p)
	return len(p)
}

// form fills a multipart list upload of size bytes whose file is NUL bytes.
func form(size int64) filler {
	head := "--x\r\nContent-Disposition: form-data; name=\"county\"\r\n\r\n522625\r\n" +
		"--x\r\nContent-Disposition: form-data; name=\"effective_date\"\r\n\r\n2026-01-01\r\n" +
		"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\n\r\n"
	tail := "\r\n--x--\r\n"
	return func(sent int64, p []byte) int {
		switch left := size - sent; {
		case sent == 0:
			return copy(p, head)
		case left <= int64(len(tail)):
			return copy(p, tail[int64(len(tail))-left:])
		case left < int64(len(p))+int64(len(tail)):
			p = p[:left-int64(len(tail))]
		}
		clear(p)
		return len(p)
	}
}

// send posts size bytes made by fill, chunked or with Content-Length, over a
// raw connection, reading the answer meanwhile: a server that answers early
// and closes is what is hoped for.
func (s server) send(path, key, ctype string, size int64, chunked bool, fill filler) string {
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		return err.Error()
	}
	defer conn.Close()
	var sent int64
	var mu sync.Mutex
	go func() {
		w := bufio.NewWriterSize(conn, 256<<10)
		fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: znb\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n", path, key, ctype)
		if chunked {
			io.WriteString(w, "Transfer-Encoding: chunked\r\n\r\n")
		} else {
			fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", size)
		}
		buf := make([]byte, 256<<10)
		for n := int64(0); n < size; {
			k := fill(n, buf)
			if chunked {
				fmt.Fprintf(w, "%x\r\n", k)
			}
			if _, err := w.Write(buf[:k]); err != nil {
				return
			}
			if chunked {
				io.WriteString(w, "\r\n")
			}
			n += int64(k)
			mu.Lock()
			sent = n
			mu.Unlock()
		}
		if chunked {
			io.WriteString(w, "0\r\n\r\n")
		}
		w.Flush()
	}()
	conn.SetReadDeadline(time.Now().Add(10 * time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	mu.Lock()
	took := sent >> 20
	mu.Unlock()
	if err != nil {
		return fmt.Sprintf("no answer (%v) after %d MB", err, took)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return fmt.Sprintf("%d %s after %d MB sent", resp.StatusCode, bytes.TrimSpace(b), took)
}

// upload posts a file as a list with the valid key.
func (s server) upload(path string) string {
	content, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var body bytes.Buffer
	fmt.Fprintf(&body, "--x\r\nContent-Disposition: form-data; name=\"county\"\r\n\r\n522625\r\n"+
		"--x\r\nContent-Disposition: form-data; name=\"effective_date\"\r\n\r\n2026-01-01\r\n"+
		"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=%q\r\n\r\n", filepath.Base(path))
	body.Write(content)
	body.WriteString("\r\n--x--\r\n")
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/api/v1/lists", &body)
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}
