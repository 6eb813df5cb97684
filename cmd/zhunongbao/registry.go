package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["gen households"] = command{"--county C --households N [--seed S] -o FILE(.csv|.xlsx)", genHouseholds}
	summaries["gen households"] = "生成一份演示名单（身份证号校验位真实有效），用于演示和压力测试"
	commands["list import"] = command{"--county C --effective YYYY-MM-DD [--partial] FILE", listImport}
	summaries["list import"] = "导入一个县的名单文件（CSV 或 XLSX），成为该县新的名单版本；有错行时整份拒绝并列出错行"
}

func genHouseholds(ctx context.Context, e *env, args []string) error {
	fs := flags("gen households")
	county := fs.String("county", "", "6 位县级行政区划代码 `C`（如 522625）")
	n := fs.Int("households", 0, "户数 `N`")
	seed := fs.Int64("seed", 1, "随机数种子 `S`：同一种子生成同一份名单")
	out := fs.String("o", "", "输出文件 `FILE`：.csv 或 .xlsx")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
	_, badCounty := znb.ParseCounty(*county)
	switch {
	case badCounty != nil:
		return usagef("--county 须为 6 位县级行政区划代码")
	case *n <= 0:
		return usagef("--households 须为正整数")
	case format != "csv" && format != "xlsx":
		return usagef("-o 须为 .csv 或 .xlsx 文件")
	}
	if err := checkOutput(*out); err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	start := time.Now()
	sw, err := sheet.NewWriter(w, format)
	var members int
	if err == nil {
		members, err = registry.Generate(sw, *county, *n, *seed, znb.Clock(time.Now).Today())
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	e.log.Info("list generated", "households", *n, "members", members, "took", time.Since(start).Round(time.Millisecond))
	return e.print(map[string]any{"file": *out, "households": *n, "members": members})
}

type importJSON struct {
	ListID      *int64                 `json:"list_id"`
	Households  int                    `json:"households"`
	Members     int                    `json:"members"`
	Rejected    []rest.RejectJSON      `json:"rejected"`
	CrossCounty []rest.CrossCountyJSON `json:"cross_county"`
}

func listImport(ctx context.Context, e *env, args []string) error {
	fs := flags("list import")
	county := fs.String("county", "", "名单所属县：6 位县级行政区划代码 `C`")
	eff := fs.String("effective", "", "名单生效日期 `YYYY-MM-DD`")
	partial := fs.Bool("partial", false, "部分导入：有错行的整户不入库，其余户照常入库（不给时有错行即整份拒绝）")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *county == "" || *eff == "" {
		return usagef("须给出 --county、--effective 和一个名单文件")
	}
	effective, err := znb.ParseDate(*eff)
	if err != nil {
		return usagef("--effective 须为 YYYY-MM-DD")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	f, err := sheetFile(pos[0])
	if err != nil {
		return err
	}
	// Without --partial the file is read once, checked while it is written;
	// with it, checked whole first and then read again to write.
	phase, label := "import", "检查并写入名单"
	if *partial {
		phase, label = "check", "检查名单"
	}
	bar := newBar(e, -1, label)
	res, err := db.ImportList(ctx, znb.System, f, store.ImportOptions{
		County: *county, Effective: effective, Partial: *partial,
		Progress: func(p string, rows int) {
			if p != phase {
				bar.Finish()
				fmt.Fprintln(e.stderr)
				bar = newBar(e, -1, "写入数据库")
				phase = p
			}
			bar.Set(rows)
		}})
	bar.Finish()
	fmt.Fprintln(e.stderr)
	out := importJSON{Rejected: []rest.RejectJSON{}, CrossCounty: []rest.CrossCountyJSON{}}
	if res != nil {
		out.Rejected = rest.RejectsOut(res.Rejected)
		out.CrossCounty = rest.CrossCountyOut(res.CrossCounty, false)
		if res.List != nil {
			out.ListID = &res.List.ID
			out.Households, out.Members = res.List.Households, res.List.Members
		}
	}
	if err != nil {
		return e.refusal(err, "list_rejected", out)
	}
	for _, x := range out.CrossCounty {
		e.log.Warn("cross-county duplicate", "row", x.Row, "id_number", x.IDNumber, "other_county", x.County)
	}
	return e.print(out)
}

// sheetFile is the spreadsheet at path as the registry reads it.
func sheetFile(path string) (registry.File, error) {
	return registry.FileAt(path, "", func(p string) (registry.Rows, error) { return sheet.Open(p) })
}
