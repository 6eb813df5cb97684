package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["user disable"] = command{"USERNAME", userChange("user disable", (*store.DB).DisableUser)}
	commands["user enable"] = command{"USERNAME", userChange("user enable", (*store.DB).EnableUser)}
	commands["user rotate-key"] = command{"USERNAME", userRotateKey}
	commands["audit checkpoint"] = command{"", auditCheckpoint}
	summaries["user disable"] = "停用一个账号：它的 API 密钥和登录在所有服务进程里立即失效"
	summaries["user enable"] = "重新启用一个停用的账号"
	summaries["user rotate-key"] = "给账号换一个新的 API 密钥并打印（只显示这一次），旧密钥立即失效"
	summaries["audit checkpoint"] = "打印一行带签名的审计检查点（链头），请打印或另存在数据库之外，日后交给 audit verify 核对"
}

// auditKey gives the database the audit key of the configuration, and
// says loudly when there is none: without it whoever holds the database can
// rewrite the audit trail and recompute it unseen.
func (e *env) auditKey(db *store.DB) {
	db.SetAuditKey(e.cfg.Audit.Key)
	if e.cfg.Audit.Key == "" {
		e.log.Warn("未设置审计密钥 ZNB_AUDIT_KEY（或配置 audit.key）：审计日志没有签名，掌握数据库的人可以改写它而不被发现；生产环境必须设置，见 docs/audit.md")
	}
}

type accountOut struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Scope    string `json:"scope"`
	Disabled bool   `json:"disabled"`
	APIKey   string `json:"api_key,omitempty"`
}

// oneUser reads the one USERNAME argument of a user command.
func oneUser(name string, args []string) (string, error) {
	pos, err := parse(flags(name), args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usagef("需要一个用户名")
	}
	return pos[0], nil
}

// userChange is user disable or user enable: the account's key stops, or
// starts again, working at once in every server process.
func userChange(name string, change func(*store.DB, context.Context, znb.Actor, string) (*store.Account, error)) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		username, err := oneUser(name, args)
		if err != nil {
			return err
		}
		db, err := e.open(ctx)
		if err != nil {
			return err
		}
		a, err := change(db, ctx, znb.System, username)
		if err != nil {
			return err
		}
		return e.print(accountOut{a.Username, string(a.Role), a.Scope, a.Disabled, ""})
	}
}

// userRotateKey gives the account a new key, printed once; the old one
// stops working at once.
func userRotateKey(ctx context.Context, e *env, args []string) error {
	username, err := oneUser("user rotate-key", args)
	if err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	key, a, err := db.RotateKey(ctx, znb.System, username)
	if err != nil {
		return err
	}
	return e.print(accountOut{a.Username, string(a.Role), a.Scope, a.Disabled, key})
}

// auditCheckpoint prints a signed line stating the chain's head, to be kept
// outside the database (printed, filed) and given to audit verify later.
func auditCheckpoint(ctx context.Context, e *env, args []string) error {
	if _, err := parse(flags("audit checkpoint"), args); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	c, unsigned, err := db.AuditCheckpoint(ctx)
	if err != nil {
		return err
	}
	out := map[string]any{"checkpoint": c.String(), "entries": c.Entries, "head": c.Head, "at": c.At.Format(time.RFC3339)}
	if unsigned > 0 {
		out["unsigned"] = unsigned
		e.log.Warn("检查点为没有签名的旧记录作保：只应在设置审计密钥后第一次这样做（升级旧库），见 docs/audit.md", "unsigned", unsigned)
	}
	return e.print(out)
}

// auditVerify checks the chain, its signatures, a checkpoint when given,
// and that claims, certificates and reconciliations are as the trail left
// them; anything wrong is printed and exits 1.
func auditVerify(ctx context.Context, e *env, args []string) error {
	fs := flags("audit verify")
	checkpoint := fs.String("checkpoint", "", "audit checkpoint 打印的检查点行：核对审计链仍包含它（尾部是否被删）")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("audit verify 不接受参数：%s", strings.Join(pos, " "))
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := db.CheckAudit(ctx, *checkpoint)
	if err != nil {
		return err
	}
	out := map[string]any{"intact": r.Intact(), "checked": r.Checked, "keyed": r.Keyed}
	if bad := r.FirstBad(); bad != 0 {
		out["first_broken"] = bad
	}
	if r.Unsigned != 0 {
		out["unsigned"], out["first_unsigned"] = r.Unsigned, r.FirstUnsigned
	}
	if r.Checkpoint != "" {
		out["checkpoint"] = r.Checkpoint
	}
	if r.DiffCount != 0 {
		out["differences"], out["differs"] = r.DiffCount, r.Differs
	}
	if r.Unchecked != 0 || r.Unsealed != 0 {
		out["unchecked"], out["unsealed"] = r.Unchecked, r.Unsealed
	}
	if !r.Keyed {
		e.log.Warn("未设置审计密钥（ZNB_AUDIT_KEY）：只能发现没有重算哈希的改动；重算整条链或删除末尾都发现不了")
	}
	if !r.Intact() {
		e.print(out)
		switch {
		case r.Broken != 0:
			return fmt.Errorf("审计链在第 %d 条记录处断开（被修改、删除、插入或签名不对）", r.Broken)
		case r.FirstBad() != 0:
			return fmt.Errorf("第 %d 条起有 %d 条记录没有签名，且没有检查点为它们作保", r.FirstUnsigned, r.Unsigned)
		case r.Checkpoint == "forged":
			return fmt.Errorf("检查点的签名不是本平台审计密钥签的")
		case r.Checkpoint == "missing":
			return fmt.Errorf("审计链里已没有检查点记下的第 %s 条记录：末尾被删除或被改写", checkpointEntries(*checkpoint))
		}
		return fmt.Errorf("%d 处业务数据与审计记录不符（见 differs）", r.DiffCount)
	}
	e.log.Info("audit chain intact", "entries", r.Checked, "took", time.Since(start).Round(time.Millisecond))
	return e.print(out)
}

func checkpointEntries(line string) string {
	c, _ := store.ParseCheckpoint(line)
	return fmt.Sprint(c.Entries)
}
