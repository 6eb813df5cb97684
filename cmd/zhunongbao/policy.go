package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["product load"] = command{"FILE.yaml", productLoad}
	summaries["product load"] = "载入一个保险产品文件（格式见 docs/products.md）"
	commands["agreement create"] = command{"FILE.yaml", agreementCreate}
	summaries["agreement create"] = "按协议文件新建一份采购协议（草稿状态）"
	commands["agreement activate"] = command{"ID|NO", agreementActivate}
	summaries["agreement activate"] = "启用一份草稿协议（给出协议 id 或协议编号），启用后才能出单"
	commands["issue"] = command{"--agreement ID|NO --list LIST_ID [--chunk N]", issueCmd}
	summaries["issue"] = "按名单版本为协议出单：分户凭证、批改与保费；中断后重跑同一命令即从断点继续"
}

// oneArg reads the single positional argument of a command.
func oneArg(args []string, what string) (string, error) {
	fs := flags("")
	pos, err := parse(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usagef("须给出%s", what)
	}
	return pos[0], nil
}

// fileAndDB reads the file that the single argument names (what says what
// it should be) and opens the database.
func fileAndDB(ctx context.Context, e *env, args []string, what string) ([]byte, *store.DB, error) {
	path, err := oneArg(args, what)
	if err != nil {
		return nil, nil, err
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	db, err := e.open(ctx)
	return body, db, err
}

func productLoad(ctx context.Context, e *env, args []string) error {
	body, db, err := fileAndDB(ctx, e, args, "一个产品文件")
	if err != nil {
		return err
	}
	p, loaded, err := db.LoadProduct(ctx, znb.System, body)
	if err != nil {
		return err
	}
	if !loaded {
		e.log.Info("product already loaded with the same content", "code", p.Code, "version", p.Version)
	}
	return e.print(map[string]any{"code": p.Code, "version": p.Version})
}

type agreementOut struct {
	ID          int64  `json:"id"`
	AgreementNo string `json:"agreement_no"`
	Status      string `json:"status"`
}

func agreementCreate(ctx context.Context, e *env, args []string) error {
	body, db, err := fileAndDB(ctx, e, args, "一个协议文件")
	if err != nil {
		return err
	}
	a, err := db.CreateAgreement(ctx, znb.System, body)
	if err != nil {
		return err
	}
	return e.print(agreementOut{a.ID, a.No, string(a.Status)})
}

func agreementActivate(ctx context.Context, e *env, args []string) error {
	arg, err := oneArg(args, "协议 id 或协议编号")
	if err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	a, err := findAgreement(ctx, db, arg)
	if err != nil {
		return err
	}
	a, err = db.ActivateAgreement(ctx, znb.System, a.ID)
	if err != nil {
		return err
	}
	return e.print(agreementOut{a.ID, a.No, string(a.Status)})
}

type exclusionOut struct {
	HouseholdNo      string `json:"household_no"`
	Reason           string `json:"reason"`
	IDNumber         string `json:"id_number,omitempty"`
	OtherCertificate string `json:"other_certificate,omitempty"`
}

// issueCmd prints what this run wrote. Interrupted (Ctrl-C, a
// killed process), it can simply be run again: it resumes at the last
// committed chunk.
func issueCmd(ctx context.Context, e *env, args []string) error {
	fs := flags("issue")
	agreement := agreementFlag(fs)
	list := fs.Int64("list", 0, "名单版本 `LIST_ID`（导入名单时回答的 list_id）")
	chunk := fs.Int("chunk", 0, "每个事务写入的户数 `N`；0 即默认的 5000")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *agreement == "" || *list <= 0 {
		return usagef("须给出 --agreement 和 --list")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	a, err := findAgreement(ctx, db, *agreement)
	if err != nil {
		return err
	}
	job, err := db.PrepareIssue(ctx, znb.System, a.ID, *list)
	if err != nil {
		return err
	}
	bar := newBar(e, job.HouseholdsTotal, "出单")
	bar.Set(job.HouseholdsDone)
	start := time.Now()
	res, err := db.Issue(ctx, znb.System, a.ID, *list, store.IssueOptions{Chunk: *chunk,
		Progress: func(done, total int) { bar.Set(done) }})
	bar.Finish()
	fmt.Fprintln(e.stderr)
	if err != nil {
		if ctx.Err() != nil {
			e.log.Warn("issue interrupted; run the same command again to resume", "job", job.ID)
		}
		if ze := znb.ErrorOf(err); ze.Code == "issue_running" {
			// Another process runs it: say which run, as JSON, for scripts.
			e.print(map[string]any{"error": map[string]any{"code": ze.Code, "message": ze.Message, "details": ze.Details}})
		}
		return err
	}
	e.log.Info("issue finished", "job", res.RunID, "took", time.Since(start).Round(time.Millisecond))
	out := struct {
		MasterPolicyNo string         `json:"master_policy_no"`
		Certificates   int            `json:"certificates"`
		Persons        int            `json:"persons"`
		Premium        string         `json:"premium"`
		Endorsements   int            `json:"endorsements"`
		Excluded       []exclusionOut `json:"excluded"`
	}{res.MasterPolicyNo, res.Certificates, res.Persons, money.String(res.Premium), res.Endorsements, []exclusionOut{}}
	for _, x := range res.Excluded {
		o := exclusionOut{HouseholdNo: x.HouseholdNo, Reason: x.Reason, OtherCertificate: x.OtherCertificate}
		if x.IDNumber != "" {
			o.IDNumber = registry.MaskID(x.IDNumber)
		}
		out.Excluded = append(out.Excluded, o)
	}
	return e.print(out)
}
