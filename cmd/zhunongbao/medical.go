package main

import (
	"context"
	"io"

	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["medical import"] = command{"FILE", medicalImport}
	summaries["medical import"] = "导入县医保局导出的医保结算数据（CSV 或 XLSX）：按户累计个人自付费用，超过因病赔付启动线时平台主动立案；有错行时整份拒绝并列出错行"
}

func medicalImport(ctx context.Context, e *env, args []string) error {
	fs := flags("medical import")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("须给出一个医保结算文件")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	f, err := sheetFile(pos[0])
	if err != nil {
		return err
	}
	res, err := db.ImportSettlements(ctx, znb.System, f)
	if res == nil {
		res = &store.MedicalImport{}
	}
	out := rest.MedicalImportOut(res)
	if err != nil {
		return e.refusal(err, "settlements_rejected", out)
	}
	for _, n := range out.NotInsured {
		e.log.Warn("not insured on the settlement date", "row", n.Row, "settlement_no", n.SettlementNo, "id_number", n.IDNumber)
	}
	return e.print(out)
}

func init() {
	commands["warnings evaluate"] = command{"--county C", warningsEvaluate}
	summaries["warnings evaluate"] = "按六条预警规则重新核查一个县的全部户，只新增尚未发出的预警（同一户、同一规则、同一年度只发一次）"
	commands["warnings list"] = command{"--region CODE [--rule R] [--status S] [--page N] [--page-size N]", warningsList}
	summaries["warnings list"] = "列出一个地区的预警（可按规则、状态筛选，分页）"
	commands["warnings status"] = command{"--id N --to visiting|assisted|dismissed [--note TEXT]", warningsStatus}
	summaries["warnings status"] = "登记预警的核实与帮扶进展：新预警 → 核实中 → 已帮扶或已排除（办结须填写说明）"
	commands["warnings export"] = command{"--region CODE --month YYYY-MM -o FILE.xlsx", warningsExport}
	summaries["warnings export"] = "导出一个地区的月度预警排查结果工作簿（按乡镇、村汇总各规则、各状态的数量，附预警户明细）"
}

func warningsEvaluate(ctx context.Context, e *env, args []string) error {
	fs := flags("warnings evaluate")
	county := fs.String("county", "", "6 位县级行政区划代码 `C`")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if _, err := znb.ParseCounty(*county); err != nil {
		return usagef("--county 须为 6 位县级行政区划代码")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	n, err := db.EvaluateWarnings(ctx, *county)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"county": *county, "raised": n})
}

func warningsList(ctx context.Context, e *env, args []string) error {
	fs := flags("warnings list")
	region := regionFlag(fs)
	rule := fs.String("rule", "", "预警规则 `R`：medical_burden、large_loss、labour_loss、low_income、income_drop、removed_with_open_claim")
	status := fs.String("status", "", "预警状态 `S`：new、visiting、assisted、dismissed")
	page := fs.Int("page", 1, "页码 `N`，从 1 开始")
	size := fs.Int("page-size", 50, "每页条数 `N`，最多 500")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := needRegion(*region); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	q := store.WarningQuery{Region: *region, Rule: fpb.Rule(*rule), Status: fpb.Status(*status), Page: *page, PageSize: *size}
	ws, total, err := db.ListWarnings(ctx, znb.System, q)
	if err != nil {
		return err
	}
	items := make([]rest.WarningJSON, len(ws))
	for i := range ws {
		items[i] = rest.WarningOut(&ws[i])
	}
	p := store.WarningPage(q.Page, q.PageSize)
	return e.print(map[string]any{"items": items, "total": total, "page": p.Number, "page_size": p.Size})
}

func warningsStatus(ctx context.Context, e *env, args []string) error {
	fs := flags("warnings status")
	id := fs.Int64("id", 0, "预警编号 `N`")
	to := fs.String("to", "", "新状态 `S`：visiting（核实中）、assisted（已帮扶）或 dismissed（已排除）")
	note := fs.String("note", "", "说明 `TEXT`：核实情况、帮扶措施或排除理由（办结时必填）")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 || *to == "" {
		return usagef("须给出 --id 和 --to")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	w, err := db.MoveWarning(ctx, znb.System, *id, fpb.Status(*to), *note)
	if err != nil {
		return err
	}
	return e.print(rest.WarningOut(w))
}

func warningsExport(ctx context.Context, e *env, args []string) error {
	fs := flags("warnings export")
	region := regionFlag(fs)
	month := fs.String("month", "", "月份 `YYYY-MM`：导出截至该月月末发出的预警及其当前状态")
	out := fs.String("o", "", "输出工作簿 `FILE`.xlsx")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := needRegion(*region); err != nil {
		return err
	}
	m, err := monthFlag(*month)
	if err != nil {
		return err
	}
	if reportExt(*out) != "xlsx" {
		return usagef("-o 须为 .xlsx 文件")
	}
	if err := checkOutput(*out); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	ws, err := db.AllWarnings(ctx, znb.System, store.WarningQuery{Region: *region, RaisedTo: m.End})
	if err != nil {
		return err
	}
	if err := writeAtomic(*out, func(f io.Writer) error {
		w, err := sheet.NewWriter(f, "xlsx")
		if err != nil {
			return err
		}
		return fpb.WriteWarnings(w, *region, m.Start.String()[:7], ws)
	}); err != nil {
		return err
	}
	return e.print(map[string]any{"file": *out, "warnings": len(ws)})
}
