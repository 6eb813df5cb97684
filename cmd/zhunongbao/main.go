// Command zhunongbao is the 助农保 platform: the HTTP service and the
// operator's command line (docs/cli.md). Machine-readable output goes to
// stdout as JSON, errors too; progress and logs go to stderr.
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
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/zhunongbao/zhunongbao/internal/config"
	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// command is one verb of the command line. run declares its flags (flags,
// with a Chinese description each) and parses them (parse) before anything
// else, so that --help/-h prints its usage without side effects.
type command struct {
	usage string
	run   func(ctx context.Context, e *env, args []string) error
}

// commands is filled by the files of each area.
var commands = map[string]command{}

// summaries holds each command's one-line Chinese description, shown in the
// command list and in its --help; every command has one (TestHelp).
var summaries = map[string]string{}

// exitCodes ends every help text.
const exitCodes = "退出码: 0 完成，1 错误，2 用法错误，3 输入被拒绝（未保存任何数据）。\n" +
	"结果与错误都以 JSON 写到标准输出（错误为 {\"error\":{\"code\",\"message\"}}），进度与日志写到标准错误。"

// env is what every command may use; the database opens on first use.
type env struct {
	cfg     config.Config
	log     *slog.Logger
	stdout  io.Writer
	stderr  io.Writer
	db      *store.DB
	printed bool // stdout holds the command's answer: a failure adds no error object
}

func (e *env) open(ctx context.Context) (*store.DB, error) {
	if e.db != nil {
		return e.db, nil
	}
	db, err := store.Open(e.cfg.DB, store.Synchronous(e.cfg.SQLite.Synchronous))
	if err != nil {
		return nil, err
	}
	e.auditKey(db)
	if err := e.holidays(db); err != nil {
		db.Close()
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	e.db = db
	return db, nil
}

// holidays loads the holiday file (configuration holidays) into the
// database's calendar of working days. A missing file leaves weekends
// only, with a warning; a malformed one stops the command.
func (e *env) holidays(db *store.DB) error {
	b, err := os.ReadFile(e.cfg.Holidays)
	if errors.Is(err, fs.ErrNotExist) {
		e.log.Warn("holiday file missing: objection deadlines count weekends only", "path", e.cfg.Holidays)
		return nil
	}
	if err != nil {
		return err
	}
	cal, err := objection.ParseCalendar(b)
	if err != nil {
		return fmt.Errorf("%s: %w", e.cfg.Holidays, err)
	}
	db.Holidays = cal
	year := znb.Clock(db.Now).Today().Year()
	for _, y := range []int{year, year + 1} {
		if !cal.Covers(y) {
			e.log.Warn("holiday file does not list the year: deadlines in it count weekends only", "path", e.cfg.Holidays, "year", y)
		}
	}
	if p := cal.Pending(); len(p) > 0 {
		e.log.Warn("holiday file lists years not yet checked against the State Council notice", "path", e.cfg.Holidays, "years", p)
	}
	return nil
}

// print writes v as JSON on stdout.
func (e *env) print(v any) error {
	e.printed = true
	return printJSON(e.stdout, v)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printError writes the error object on stdout.
func printError(w io.Writer, code, msg string) {
	printJSON(w, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// usageError makes the command exit with status 2; code is "usage" unless
// the mistake has a code of its own.
type usageError struct{ code, msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return usageError{"usage", fmt.Sprintf(format, args...)}
}

// helpRequested makes the command print its help and exit 0.
type helpRequested struct{ fs *flag.FlagSet }

func (helpRequested) Error() string { return "help requested" }

// rejected makes the command exit with status 3 after printing its report.
type rejected struct{ err error }

func (r rejected) Error() string { return r.err.Error() }

// refusal prints report and makes the command exit 3 when err is the
// refusal of a file (code); any other error passes through.
func (e *env) refusal(err error, code string, report any) error {
	var ze *znb.Error
	if errors.As(err, &ze) && ze.Code == code {
		e.print(report)
		return rejected{err}
	}
	return err
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("zhunongbao", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	cfgPath := global.String("config", "configs/config.yaml", "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return 0
		}
		return listUsage(stdout, stderr, flagMessage(err))
	}
	args = global.Args()
	switch {
	case len(args) == 0:
		return listUsage(stdout, stderr, "须给出命令")
	case args[0] == "help" && len(args) == 1:
		printUsage(stdout)
		return 0
	case args[0] == "help":
		args = append(args[1:], "--help")
	}
	name, cmd, rest := lookup(args)
	if name == "" {
		msg := "未知命令 " + unknownName(args)
		printError(stdout, "unknown_command", msg)
		fmt.Fprintf(stderr, "%s\n\n", msg)
		printUsage(stderr)
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		printError(stdout, "config_invalid", "配置错误: "+err.Error())
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

// listUsage answers a command line without a command it can run: the
// error object, the message and the list, exit 2.
func listUsage(stdout, stderr io.Writer, msg string) int {
	printError(stdout, "usage", msg)
	fmt.Fprintf(stderr, "%s\n\n", msg)
	printUsage(stderr)
	return 2
}

// unknownName is the command args tried to name: two words when the first
// starts some command's name ("report foo"), else one.
func unknownName(args []string) string {
	if len(args) >= 2 && !strings.HasPrefix(args[1], "-") {
		for n := range commands {
			if strings.HasPrefix(n, args[0]+" ") {
				return args[0] + " " + args[1]
			}
		}
	}
	return args[0]
}

func exitCode(e *env, name string, cmd command, err error) int {
	var ue usageError
	var rj rejected
	var help helpRequested
	fail := func(code, msg string) {
		if !e.printed {
			printError(e.stdout, code, msg)
		}
	}
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		printHelp(e.stdout, name, cmd, help.fs)
		return 0
	case errors.As(err, &ue):
		fail(ue.code, ue.msg)
		fmt.Fprintf(e.stderr, "%s\n%s\n（zhunongbao %s --help 查看全部参数）\n", ue.msg, usageLine(name, cmd), name)
		return 2
	case errors.As(err, &rj):
		ze := znb.ErrorOf(rj.err)
		fail(ze.Code, ze.Message)
		fmt.Fprintln(e.stderr, "输入被拒绝:", ze.Message)
		return 3
	}
	ze := znb.ErrorOf(err)
	if ze.Kind == znb.Invalid {
		fail(ze.Code, ze.Message)
		fmt.Fprintln(e.stderr, "输入被拒绝:", ze.Message)
		return 3
	}
	msg := ze.Message
	if ze.Kind == znb.Internal && ze.Err != nil {
		// The operator at the command line is the one to act on the cause
		// (a full disk, a locked file), so it is shown, unlike over HTTP.
		msg += "：" + ze.Err.Error()
	}
	fail(ze.Code, msg)
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

// printUsage lists every command with its description.
func printUsage(w io.Writer) {
	fmt.Fprintln(w, "zhunongbao — 助农保 保险服务平台\n\n"+
		"用法: zhunongbao [-config FILE] 命令 [参数]\n"+
		"      zhunongbao 命令 --help     查看一个命令的说明与参数\n\n命令:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-20s %s\n", n, summaries[n])
	}
	fmt.Fprintf(w, "\n全局参数:\n  %-20s %s\n\n%s\n", "-config FILE",
		"配置文件（默认 configs/config.yaml）；环境变量 ZNB_* 优先于其中的值", exitCodes)
}

// printHelp prints a command's description, usage and flags.
func printHelp(w io.Writer, name string, cmd command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "zhunongbao %s — %s\n\n%s\n", name, summaries[name], usageLine(name, cmd))
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\n参数:")
			first = false
		}
		fmt.Fprintf(w, "  %-24s %s\n", flagName(f), flagUsage(f))
	})
	fmt.Fprintf(w, "\n%s\n", exitCodes)
}

// usageLine is "用法: zhunongbao NAME ARGS".
func usageLine(name string, cmd command) string {
	return strings.TrimSpace("用法: zhunongbao " + name + " " + cmd.usage)
}

// flagName is how a flag is written: --name (-o for one letter) and its
// value's placeholder, the `quoted` word of its description or its type.
func flagName(f *flag.Flag) string {
	dash := "--"
	if len(f.Name) == 1 {
		dash = "-"
	}
	value, _ := flag.UnquoteUsage(f)
	switch value {
	case "":
		return dash + f.Name
	case "string", "value":
		value = "TEXT"
	case "int", "uint", "float":
		value = "N"
	}
	return dash + f.Name + " " + value
}

// flagUsage is a flag's description and its default, if any.
func flagUsage(f *flag.Flag) string {
	_, usage := flag.UnquoteUsage(f)
	switch f.DefValue {
	case "", "0", "false":
		return usage
	}
	return usage + "（默认 " + f.DefValue + "）"
}

// flags returns a flag set whose errors are usage errors.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags allowing positional arguments between them; --help
// or -h anywhere asks for the command's help.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpRequested{fs}
			}
			return nil, usageError{"usage", flagMessage(err)}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// noArgs parses the arguments of a command that takes none.
func noArgs(name string, args []string) error {
	pos, err := parse(flags(name), args)
	if err == nil && len(pos) > 0 {
		err = usagef("%s 不接受参数：%s", name, strings.Join(pos, " "))
	}
	return err
}

// flagMessage says in Chinese what the flag package found wrong.
func flagMessage(err error) string {
	msg := err.Error()
	// The flag package names a flag -name; this command line writes
	// --name (and -o for one letter).
	dashed := func(s string) string {
		if name, ok := strings.CutPrefix(s, "-"); ok && len(name) > 1 && !strings.HasPrefix(name, "-") {
			return "-" + s
		}
		return s
	}
	for _, m := range []struct{ prefix, say string }{
		{"flag provided but not defined: ", "未知参数 %s"},
		{"flag needs an argument: ", "参数 %s 须给出值"},
		{"bad flag syntax: ", "参数写法有误：%s"},
	} {
		if rest, ok := strings.CutPrefix(msg, m.prefix); ok {
			return fmt.Sprintf(m.say, dashed(rest))
		}
	}
	// invalid value "x" for flag -n: parse error
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if value, flagName, ok := strings.Cut(rest, " for flag "); ok {
			flagName, _, _ = strings.Cut(flagName, ":")
			return fmt.Sprintf("参数 %s 的值 %s 无效", dashed(flagName), value)
		}
	}
	return msg
}

func init() {
	commands["migrate"] = command{"", migrate}
	summaries["migrate"] = "执行尚未执行的数据库迁移（serve 启动时也会自动执行）"
	commands["user create"] = command{"--username U --role R [--scope S]", userCreate}
	summaries["user create"] = "新建一个账号并打印它的 API 密钥（密钥只显示这一次）"
	commands["audit verify"] = command{"[--checkpoint LINE]", auditVerify}
	summaries["audit verify"] = "核对审计链是否完整：完整退出 0，否则退出 1 并指出第一条断开的记录"
}

func migrate(ctx context.Context, e *env, args []string) error {
	if err := noArgs("migrate", args); err != nil {
		return err
	}
	db, err := store.Open(e.cfg.DB, store.Synchronous(e.cfg.SQLite.Synchronous))
	if err != nil {
		return err
	}
	e.auditKey(db)
	e.db = db
	ran, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if ran == nil {
		ran = []string{}
	}
	return e.print(map[string]any{"applied": ran})
}

func userCreate(ctx context.Context, e *env, args []string) error {
	fs := flags("user create")
	username := fs.String("username", "", "登录名 `U`（必填）")
	role := fs.String("role", "", "角色 `R`（必填）：admin 管理员、office 县扶贫办、insurer_clerk 承保机构业务员、adjuster 查勘理算员、approver 核赔员、auditor 审计")
	scope := fs.String("scope", "", "辖区 `S`：office、auditor 填行政区划代码（如县 522625），承保机构各角色填承保机构代码（如 PICC-ZY），admin 不填")
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
