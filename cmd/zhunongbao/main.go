// Command zhunongbao is the 助农保 platform: the HTTP service and the
// operator's command line (SPEC §12). Machine-readable output goes to stdout
// as JSON; progress and logs go to stderr.
//
// Exit status: 0 done, 1 error, 2 usage, 3 input rejected (nothing stored).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/config"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// command is one verb of the command line.
type command struct {
	usage string
	run   func(ctx context.Context, e *env, args []string) error
}

// commands is filled by the files of each area.
var commands = map[string]command{}

// env is what every command may use; the database opens on first use.
type env struct {
	cfg    config.Config
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
	db     *store.DB
}

func (e *env) open(ctx context.Context) (*store.DB, error) {
	if e.db != nil {
		return e.db, nil
	}
	db, err := store.Open(e.cfg.DB, store.Synchronous(e.cfg.SQLite.Synchronous))
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	e.db = db
	return db, nil
}

// print writes v as JSON on stdout.
func (e *env) print(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// usageError makes the command exit with status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// rejected makes the command exit with status 3 after printing its report.
type rejected struct{ err error }

func (r rejected) Error() string { return r.err.Error() }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("zhunongbao", flag.ContinueOnError)
	global.SetOutput(stderr)
	cfgPath := global.String("config", "configs/config.yaml", "configuration file")
	global.Usage = func() { printUsage(stderr) }
	if err := global.Parse(args); err != nil {
		return 2
	}
	args = global.Args()
	name, cmd, rest := lookup(args)
	if name == "" {
		printUsage(stderr)
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "配置错误:", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := &env{cfg: cfg, log: log, stdout: stdout, stderr: stderr}
	defer func() {
		if e.db != nil {
			e.db.Close()
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = cmd.run(ctx, e, rest)
	return exitCode(e, name, cmd, err)
}

func exitCode(e *env, name string, cmd command, err error) int {
	var ue usageError
	var rj rejected
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "%s\n用法: zhunongbao %s %s\n", ue.msg, name, cmd.usage)
		return 2
	case errors.As(err, &rj):
		fmt.Fprintln(e.stderr, "输入被拒绝:", znb.ErrorOf(rj.err).Message)
		return 3
	}
	ze := znb.ErrorOf(err)
	if ze.Kind == znb.Invalid {
		e.print(map[string]any{"error": map[string]string{"code": ze.Code, "message": ze.Message}})
		fmt.Fprintln(e.stderr, "输入被拒绝:", ze.Message)
		return 3
	}
	e.log.Error(name+" failed", "code", ze.Code, "err", err)
	return 1
}

// lookup finds the longest command name (one or two words) at the start of args.
func lookup(args []string) (string, command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return args[0] + " " + args[1], c, args[2:]
		}
	}
	if len(args) >= 1 {
		if c, ok := commands[args[0]]; ok {
			return args[0], c, args[1:]
		}
	}
	return "", command{}, nil
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "zhunongbao — 助农保 保险服务平台\n\n用法: zhunongbao [-config FILE] COMMAND [flags]\n\n命令:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-20s %s\n", n, commands[n].usage)
	}
}

// flags returns a flag set whose errors are usage errors.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags allowing positional arguments between them.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func init() {
	commands["migrate"] = command{"", func(ctx context.Context, e *env, args []string) error {
		db, err := store.Open(e.cfg.DB, store.Synchronous(e.cfg.SQLite.Synchronous))
		if err != nil {
			return err
		}
		e.db = db
		ran, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		if ran == nil {
			ran = []string{}
		}
		return e.print(map[string]any{"applied": ran})
	}}
	commands["user create"] = command{"--username U --role R [--scope S]", userCreate}
	commands["audit verify"] = command{"", auditVerify}
}

func userCreate(ctx context.Context, e *env, args []string) error {
	fs := flags("user create")
	username := fs.String("username", "", "")
	role := fs.String("role", "", "")
	scope := fs.String("scope", "", "")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" || *role == "" {
		return usagef("--username 和 --role 必填")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	key, err := db.CreateUser(ctx, znb.System, *username, znb.Role(*role), strings.TrimSpace(*scope))
	if err != nil {
		return err
	}
	return e.print(struct {
		Username string `json:"username"`
		Role     string `json:"role"`
		Scope    string `json:"scope"`
		APIKey   string `json:"api_key"`
	}{*username, *role, *scope, key})
}

func auditVerify(ctx context.Context, e *env, args []string) error {
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	broken, checked, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if broken != 0 {
		e.print(map[string]any{"intact": false, "first_broken": broken, "checked": checked})
		return fmt.Errorf("审计链在第 %d 条记录处断开（被修改、删除或插入）", broken)
	}
	e.log.Info("audit chain intact", "entries", checked, "took", time.Since(start).Round(time.Millisecond))
	return e.print(map[string]any{"intact": true, "checked": checked})
}
