package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/zhunongbao/zhunongbao/internal/config"
)

// unopenable is a database that cannot be opened: its file would sit under
// a regular file. A command that touches the database fails on it.
func unopenable(t *testing.T, dir string) string {
	t.Helper()
	blocker := filepath.Join(dir, "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return "sqlite:" + filepath.Join(blocker, "znb.db")
}

// TestHelp asks every registered command for its help, as --help and -h:
// it exits 0, prints to stdout the command's Chinese description, its usage
// and every flag with its Chinese description, and opens no database.
func TestHelp(t *testing.T) {
	dir := t.TempDir()
	dsn := unopenable(t, dir)
	for name, cmd := range commands {
		fs := commandFlags(t, name, cmd, dsn)
		if !chinese(summaries[name]) {
			t.Errorf("%s has no Chinese description: %q", name, summaries[name])
		}
		for _, h := range []string{"--help", "-h"} {
			t.Run(name+" "+h, func(t *testing.T) {
				code, out, errs := cliOn(t, dsn, dir, append(strings.Fields(name), h)...)
				if code != 0 {
					t.Fatalf("exit %d, want 0; stdout %s stderr %s", code, out, errs)
				}
				if strings.Contains(out+errs, "help requested") {
					t.Errorf("Go's English help message: %s %s", out, errs)
				}
				for _, want := range []string{usageLine(name, cmd) + "\n", summaries[name], "退出码"} {
					if !strings.Contains(out, want) {
						t.Errorf("stdout lacks %q:\n%s", want, out)
					}
				}
				fs.VisitAll(func(f *flag.Flag) {
					if !chinese(f.Usage) {
						t.Errorf("flag %s has no Chinese description: %q", f.Name, f.Usage)
					}
					if line := flagName(f) + " "; !strings.Contains(out, line) || !strings.Contains(out, flagUsage(f)) {
						t.Errorf("stdout lacks the flag %s%s:\n%s", line, flagUsage(f), out)
					}
				})
			})
		}
	}
	code, out, _ := cliOn(t, dsn, dir, "--help")
	for name := range commands {
		if code != 0 || !strings.Contains(out, name) || !strings.Contains(out, summaries[name]) {
			t.Errorf("zhunongbao --help: exit %d, lacks %s and its description:\n%s", code, name, out)
		}
	}
}

// commandFlags runs a command with --help alone and returns the flags it
// declares.
func commandFlags(t *testing.T, name string, cmd command, dsn string) *flag.FlagSet {
	t.Helper()
	cfg := config.Default()
	cfg.DB = dsn
	e := &env{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil)), stdout: io.Discard, stderr: io.Discard}
	var help helpRequested
	if err := cmd.run(t.Context(), e, []string{"--help"}); !errors.As(err, &help) || e.db != nil {
		t.Fatalf("%s --help: %v, database opened: %v", name, err, e.db != nil)
	}
	return help.fs
}

func chinese(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestCLIDoc keeps docs/cli.md in step with the commands: a section for
// each, naming each of its flags.
func TestCLIDoc(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	dsn := unopenable(t, t.TempDir())
	for name, cmd := range commands {
		heading := "### `zhunongbao " + name + "`"
		i := strings.Index(doc, heading)
		if i < 0 {
			t.Errorf("docs/cli.md has no section %s", heading)
			continue
		}
		section := doc[i+len(heading):]
		if j := strings.Index(section, "\n### "); j >= 0 {
			section = section[:j]
		}
		commandFlags(t, name, cmd, dsn).VisitAll(func(f *flag.Flag) {
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-"
			}
			if !strings.Contains(section, "`"+dash+f.Name) {
				t.Errorf("docs/cli.md, %s: flag %s%s is not described", name, dash, f.Name)
			}
		})
	}
	for _, code := range []string{"0", "1", "2", "3"} {
		if !strings.Contains(doc, "| "+code+" |") {
			t.Errorf("docs/cli.md does not list exit status %s", code)
		}
	}
}

// errorJSON is the error object every failing command prints on stdout.
type errorJSON struct {
	Error struct{ Code, Message string }
}

func TestUnknownCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := cliOn(t, unopenable(t, dir), dir, "frobnicate", "--now")
	var e errorJSON
	if code != 2 || json.Unmarshal([]byte(out), &e) != nil || e.Error.Code != "unknown_command" {
		t.Fatalf("unknown command: exit %d, stdout %s; want 2 and unknown_command", code, out)
	}
	if !strings.Contains(errs, "未知命令 frobnicate") || !strings.Contains(errs, "cards") {
		t.Errorf("stderr says %q, want the message and the list", errs)
	}
}

// TestUsageErrorsAreJSON: a usage error prints its error object on stdout
// and exits 2.
func TestUsageErrorsAreJSON(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"list", "import", "--county", "522625"},
		{"cards", "-o", "x.pdf"},
		{"audit", "verify", "extra"},
		{"cards", "--nonsense"},
	} {
		code, out, _ := cliOn(t, unopenable(t, t.TempDir()), dir, args...)
		var e errorJSON
		if code != 2 || json.Unmarshal([]byte(out), &e) != nil || e.Error.Code != "usage" || e.Error.Message == "" {
			t.Errorf("%s: exit %d, stdout %q; want 2 and a usage error object", strings.Join(args, " "), code, out)
		}
	}
}
