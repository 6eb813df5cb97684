package main

import (
	"context"
	"errors"

	"github.com/zhunongbao/zhunongbao/internal/rest"
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
		var ze *znb.Error
		if errors.As(err, &ze) && ze.Code == "settlements_rejected" {
			e.print(out)
			return rejected{err}
		}
		return err
	}
	for _, n := range out.NotInsured {
		e.log.Warn("not insured on the settlement date", "row", n.Row, "settlement_no", n.SettlementNo, "id_number", n.IDNumber)
	}
	return e.print(out)
}
