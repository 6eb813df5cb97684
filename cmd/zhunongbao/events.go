package main

import (
	"context"
	"flag"
	"io"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["event declare"] = command{"--name N --cause C --from D --to D --regions CODES [--as U]", eventDeclare}
	summaries["event declare"] = "宣布一次灾害事件（名称、原因、起止日期、受灾的县/乡镇/村）：事件的理赔一律以宣布日为报案日，不算逾期报案"
	commands["event list"] = command{"[--as U]", eventList}
	summaries["event list"] = "列出灾害事件，新的在前"
	commands["event worksheet"] = command{"--event ID --region CODE -o FILE.xlsx [--as U]", eventWorksheet}
	summaries["event worksheet"] = "生成一个受灾乡镇或村的定损表：灾害期间在保的每户一行，各险种损失列留空，交查勘人员入户填写"
	commands["event load"] = command{"--event ID --as U FILE", eventLoad}
	summaries["event load"] = "上传填好的定损表：每个有损失的险种立一个案并按该行数字理算，整份一次完成；有错行时整份拒绝并列出错行；同一文件再传不产生任何变化"
	commands["event approve"] = command{"--event ID --region CODE --as U [--note TEXT]", eventApprove}
	summaries["event approve"] = "按乡镇或村批量核赔事件的已理算案件：每案在限额锁下逐一核赔，限额不足或核赔人即理算人的列出拒绝原因"
	commands["event dashboard"] = command{"--event ID [-o FILE.xlsx|FILE.pdf] [--as U]", eventDashboard}
	summaries["event dashboard"] = "灾害事件理赔进度：受灾户数、按状态与险种的案件、按村应赔与已付、宣布至付款天数；可导出工作簿或带分村图表的 PDF"
	commands["bank load"] = command{"--county C [--as U] FILE", bankLoad}
	summaries["bank load"] = "导入一个县参保户的银行账户（户编号、户名、账号、开户行）：校验账号与银行卡校验位，有错行时整份拒绝；新账户替换旧账户，旧账户留作历史"
	commands["batch build"] = command{"--as U (--event ID | --from D --to D)", batchBuild}
	summaries["batch build"] = "把已核赔未支付、不在其他未回盘批次中的案件生成一个付款批次（按灾害事件或核赔日期范围）"
	commands["batch export"] = command{"--id N --as U -o FILE.csv|FILE.xlsx", batchExport}
	summaries["batch export"] = "导出付款批次的银行代发文件（序号、户名、账号、开户行、金额、摘要，末行合计）"
	commands["batch return"] = command{"--id N --as U FILE", batchReturn}
	summaries["batch return"] = "导入银行回盘文件：状态为成功的案件记为已支付，失败的保留失败原因、留待下一批次；批次成功与失败合计等于批次总额"
	commands["batch cancel"] = command{"--id N --as U [--note TEXT]", batchCancel}
	summaries["batch cancel"] = "撤销尚未导入回盘文件的付款批次，其中的案件可进入下一批次"
}

// asFlag is the account a command acts as: its role and scope decide what
// it may do, and the maker–checker rule tells accounts apart.
func asFlag(fs *flag.FlagSet) *string {
	return fs.String("as", "", "以账号 `U` 的角色与范围执行（须为已有且未停用的账号）")
}

// actorOf is the account named by --as, or the system when none is named
// and the command allows it.
func actorOf(ctx context.Context, db *store.DB, name string, required bool) (znb.Actor, error) {
	if name == "" {
		if required {
			return znb.Actor{}, usagef("须用 --as 指明执行的账号（理算、核赔与付款须由具名人员完成）")
		}
		return znb.System, nil
	}
	return db.UserByName(ctx, name)
}

// openAs opens the database and reads the actor named by as (the flags
// are parsed before).
func (e *env) openAs(ctx context.Context, as string, required bool) (*store.DB, znb.Actor, error) {
	if required && as == "" {
		return nil, znb.Actor{}, usagef("须用 --as 指明执行的账号（理算、核赔与付款须由具名人员完成）")
	}
	db, err := e.open(ctx)
	if err != nil {
		return nil, znb.Actor{}, err
	}
	by, err := actorOf(ctx, db, as, required)
	return db, by, err
}

// parseAs parses the flags, then opens the database as the account --as
// names.
func (e *env) parseAs(ctx context.Context, fs *flag.FlagSet, as *string, required bool, args []string) ([]string, *store.DB, znb.Actor, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, znb.Actor{}, err
	}
	db, by, err := e.openAs(ctx, *as, required)
	return pos, db, by, err
}

// fileAs is parseAs for a command that takes one spreadsheet, named in
// missing when it is not given.
func (e *env) fileAs(ctx context.Context, fs *flag.FlagSet, as *string, required bool, args []string, missing string) (*store.DB, znb.Actor, registry.File, error) {
	pos, db, by, err := e.parseAs(ctx, fs, as, required, args)
	if err != nil {
		return nil, by, registry.File{}, err
	}
	if len(pos) != 1 {
		return nil, by, registry.File{}, usagef("须给出一个%s", missing)
	}
	f, err := sheetFile(pos[0])
	return db, by, f, err
}

// writeSheet writes a spreadsheet of the format to path atomically.
func writeSheet(path, format string, write func(w sheet.Writer) error) error {
	return writeAtomic(path, func(f io.Writer) error {
		w, err := sheet.NewWriter(f, format)
		if err != nil {
			return err
		}
		return write(w)
	})
}

func eventDeclare(ctx context.Context, e *env, args []string) error {
	fs := flags("event declare")
	name := fs.String("name", "", "事件名称 `N`，如“7·10 洪灾”")
	cause := fs.String("cause", "", "灾害原因 `C`："+strings.Join(disaster.Causes(), "、"))
	from := fs.String("from", "", "灾害开始日期 `D`（YYYY-MM-DD）")
	to := fs.String("to", "", "灾害结束日期 `D`（YYYY-MM-DD）")
	regions := fs.String("regions", "", "受灾区划 `CODES`：6 位县、9 位乡镇或 12 位村代码，多个用逗号分隔")
	as := asFlag(fs)
	_, db, by, err := e.parseAs(ctx, fs, as, false, args)
	if err != nil {
		return err
	}
	first, err1 := znb.ParseDate(*from)
	last, err2 := znb.ParseDate(*to)
	if err1 != nil || err2 != nil {
		return usagef("--from 与 --to 须为 YYYY-MM-DD 格式的日期")
	}
	ev, err := db.DeclareEvent(ctx, by, disaster.Declaration{Name: *name, Cause: *cause, First: first, Last: last,
		Regions: strings.Split(*regions, ",")})
	if err != nil {
		return err
	}
	return e.print(rest.EventOut(ev))
}

func eventList(ctx context.Context, e *env, args []string) error {
	fs := flags("event list")
	as := asFlag(fs)
	_, db, by, err := e.parseAs(ctx, fs, as, false, args)
	if err != nil {
		return err
	}
	es, err := db.ListEvents(ctx, by)
	if err != nil {
		return err
	}
	items := make([]rest.EventJSON, len(es))
	for i := range es {
		items[i] = rest.EventOut(&es[i])
	}
	return e.print(map[string]any{"items": items})
}

func eventWorksheet(ctx context.Context, e *env, args []string) error {
	fs := flags("event worksheet")
	id := fs.Int64("event", 0, "灾害事件编号 `ID`")
	region := fs.String("region", "", "9 位乡镇或 12 位村代码 `CODE`（须在事件受灾范围内）")
	out := fs.String("o", "", "输出定损表 `FILE`.xlsx")
	as := asFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if reportExt(*out) != "xlsx" {
		return usagef("-o 须为 .xlsx 文件")
	}
	if err := checkOutput(*out); err != nil {
		return err
	}
	db, by, err := e.openAs(ctx, *as, false)
	if err != nil {
		return err
	}
	ev, hs, err := db.WorksheetHouseholds(ctx, by, *id, *region)
	if err != nil {
		return err
	}
	if err := writeSheet(*out, "xlsx", func(w sheet.Writer) error { return disaster.WriteWorksheet(w, ev, hs) }); err != nil {
		return err
	}
	return e.print(map[string]any{"file": *out, "households": len(hs)})
}

func eventLoad(ctx context.Context, e *env, args []string) error {
	fs := flags("event load")
	id := fs.Int64("event", 0, "灾害事件编号 `ID`")
	as := asFlag(fs)
	db, by, f, err := e.fileAs(ctx, fs, as, true, args, "填好的定损表文件")
	if err != nil {
		return err
	}
	bar := newBar(e, -1, "定损表")
	started := false
	res, err := db.LoadWorksheet(ctx, by, *id, f, func(done, total int) {
		if !started {
			started = true
			e.log.Info("worksheet checked, writing claims", "entries", total)
		}
		bar.Set(done)
	})
	bar.Finish()
	if res == nil {
		res = &store.WorksheetLoad{EventID: *id}
	}
	if err != nil {
		return e.refusal(err, "worksheet_rejected", rest.WorksheetLoadOut(res))
	}
	return e.print(rest.WorksheetLoadOut(res))
}

func eventApprove(ctx context.Context, e *env, args []string) error {
	fs := flags("event approve")
	id := fs.Int64("event", 0, "灾害事件编号 `ID`")
	region := fs.String("region", "", "9 位乡镇或 12 位村代码 `CODE`")
	note := fs.String("note", "", "核赔意见 `TEXT`（不填时写明按事件与区划批量核赔）")
	as := asFlag(fs)
	_, db, by, err := e.parseAs(ctx, fs, as, true, args)
	if err != nil {
		return err
	}
	res, err := db.ApproveArea(ctx, by, *id, *region, *note)
	if err != nil {
		return err
	}
	return e.print(rest.AreaApprovalOut(res))
}

func eventDashboard(ctx context.Context, e *env, args []string) error {
	fs := flags("event dashboard")
	id := fs.Int64("event", 0, "灾害事件编号 `ID`")
	out := fs.String("o", "", "导出文件 `FILE`：.xlsx 工作簿或 .pdf 摘要；不填时只打印 JSON")
	as := asFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	format := reportExt(*out)
	if *out != "" && format != "xlsx" && format != "pdf" {
		return usagef("-o 须为 .xlsx 或 .pdf 文件")
	}
	if *out != "" {
		if err := checkOutput(*out); err != nil {
			return err
		}
	}
	db, by, err := e.openAs(ctx, *as, false)
	if err != nil {
		return err
	}
	d, err := db.EventDashboard(ctx, by, *id)
	if err != nil {
		return err
	}
	switch format {
	case "xlsx":
		err = writeSheet(*out, "xlsx", func(w sheet.Writer) error { return disaster.WriteDashboard(w, d) })
	case "pdf":
		r, rerr := reportRenderer(e)
		if rerr != nil {
			return rerr
		}
		err = writeAtomic(*out, func(f io.Writer) error { return r.WriteEventSummary(f, d, znb.Clock(db.Now).Today()) })
	}
	if err != nil {
		return err
	}
	return e.print(rest.DashboardOut(d))
}

func bankLoad(ctx context.Context, e *env, args []string) error {
	fs := flags("bank load")
	county := fs.String("county", "", "6 位县级行政区划代码 `C`")
	as := asFlag(fs)
	db, by, f, err := e.fileAs(ctx, fs, as, false, args, "银行账户文件")
	if err != nil {
		return err
	}
	res, err := db.LoadAccounts(ctx, by, *county, f)
	if res == nil {
		res = &store.AccountLoad{}
	}
	if err != nil {
		return e.refusal(err, "accounts_rejected", rest.AccountLoadOut(res))
	}
	return e.print(rest.AccountLoadOut(res))
}

func batchBuild(ctx context.Context, e *env, args []string) error {
	fs := flags("batch build")
	id := fs.Int64("event", 0, "灾害事件编号 `ID`：该事件的已核赔案件")
	from := fs.String("from", "", "核赔日期自 `D`（YYYY-MM-DD，与 --to 一起使用）")
	to := fs.String("to", "", "核赔日期至 `D`（YYYY-MM-DD，含当天）")
	as := asFlag(fs)
	_, db, by, err := e.parseAs(ctx, fs, as, true, args)
	if err != nil {
		return err
	}
	q := disaster.BatchQuery{EventID: *id}
	if *id == 0 {
		var err1, err2 error
		q.From, err1 = znb.ParseDate(*from)
		q.To, err2 = znb.ParseDate(*to)
		if err1 != nil || err2 != nil {
			return usagef("须给出 --event，或 --from 与 --to（YYYY-MM-DD）")
		}
	}
	started := false
	b, err := db.BuildBatch(ctx, by, q, func(done, total int) {
		if !started {
			started = true
			e.log.Info("writing the payment batch", "claims", total)
		}
	})
	if err != nil {
		return err
	}
	return e.print(rest.BatchOut(b))
}

func batchExport(ctx context.Context, e *env, args []string) error {
	fs := flags("batch export")
	id := fs.Int64("id", 0, "付款批次编号 `N`")
	out := fs.String("o", "", "输出银行代发文件 `FILE`（.csv 或 .xlsx）")
	as := asFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	format := reportExt(*out)
	if format != "csv" && format != "xlsx" {
		return usagef("-o 须为 .csv 或 .xlsx 文件")
	}
	if err := checkOutput(*out); err != nil {
		return err
	}
	db, by, err := e.openAs(ctx, *as, true)
	if err != nil {
		return err
	}
	b, err := db.BankFile(ctx, by, *id)
	if err != nil {
		return err
	}
	if err := writeSheet(*out, format, func(w sheet.Writer) error { return disaster.WriteBankFile(w, b.No, b.Items) }); err != nil {
		return err
	}
	return e.print(map[string]any{"file": *out, "batch_no": b.No, "count": b.Totals.Count, "total": b.Totals.Amount.StringFixed(2)})
}

func batchReturn(ctx context.Context, e *env, args []string) error {
	fs := flags("batch return")
	id := fs.Int64("id", 0, "付款批次编号 `N`")
	as := asFlag(fs)
	db, by, f, err := e.fileAs(ctx, fs, as, true, args, "银行回盘文件")
	if err != nil {
		return err
	}
	b, err := db.LoadReturn(ctx, by, *id, f)
	if err != nil {
		var rs []rest.RejectJSON
		if d, ok := znb.ErrorOf(err).Details.(map[string]any); ok {
			if rej, ok := d["rejected"].([]registry.Reject); ok {
				rs = rest.RejectsOut(rej)
			}
		}
		return e.refusal(err, "return_rejected", map[string]any{"batch_id": *id, "rejected": rs})
	}
	return e.print(rest.BatchOut(b))
}

func batchCancel(ctx context.Context, e *env, args []string) error {
	fs := flags("batch cancel")
	id := fs.Int64("id", 0, "付款批次编号 `N`")
	note := fs.String("note", "", "撤销原因 `TEXT`")
	as := asFlag(fs)
	_, db, by, err := e.parseAs(ctx, fs, as, true, args)
	if err != nil {
		return err
	}
	b, err := db.CancelBatch(ctx, by, *id, *note)
	if err != nil {
		return err
	}
	return e.print(rest.BatchOut(b))
}
