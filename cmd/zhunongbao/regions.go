package main

import (
	"context"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["region load"] = command{"FILE(.csv|.xlsx)", regionLoad}
	summaries["region load"] = "载入区划名称文件（区划代码,名称），报表里的县、乡镇、村就显示名称；有错行时整份拒绝"
}

// regionLoad stores the region names of a file (区划代码,名称) and prints
// what it did; a file with a bad row is refused whole, its rows printed.
func regionLoad(ctx context.Context, e *env, args []string) error {
	path, err := oneArg(args, "一个区划文件（CSV 或 XLSX）")
	if err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	f, err := sheetFile(path)
	if err != nil {
		return err
	}
	res, err := db.LoadRegions(ctx, znb.System, f)
	if res == nil {
		res = &store.RegionLoad{}
	}
	if znb.CodeOf(err) == "regions_rejected" {
		e.print(rest.RegionLoadOut(res))
		return rejected{err}
	}
	if err != nil {
		return err
	}
	return e.print(rest.RegionLoadOut(res))
}
