package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["reconcile"] = command{"--agreement ID|NO (--list LIST_ID | --as-of YYYY-MM-DD) [--statement FILE] [-o FILE.xlsx|.csv]", reconcile}
	summaries["reconcile"] = "保费补贴对账：把协议的承保与扶贫办名单（及承保机构的对账单）逐人核对，打印结果"
}

// reconcile runs a reconciliation as the operator, prints its result and,
// with -o, writes the export. A refused statement prints its
// rejected rows and exits 3.
func reconcile(ctx context.Context, e *env, args []string) error {
	fs := flags("reconcile")
	agreement := agreementFlag(fs)
	list := fs.Int64("list", 0, "与之核对的名单版本 `LIST_ID`")
	asOf := fs.String("as-of", "", "或：与该日有效的名单版本核对，日期 `YYYY-MM-DD`")
	statement := fs.String("statement", "", "承保机构的保费对账单 `FILE`（CSV 或 XLSX），逐人核对其中的金额")
	out := fs.String("o", "", "另把对账结果导出为 `FILE`：.xlsx 或 .csv")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	o := store.ReconcileOptions{ListID: *list, Statement: *statement,
		OpenStatement: func(path string) (subsidy.RowReader, error) { return sheet.Open(path) }}
	switch {
	case *agreement == "":
		return usagef("须给出 --agreement")
	case *list <= 0 && *asOf == "":
		return usagef("须给出 --list 或 --as-of")
	}
	if *asOf != "" {
		d, err := znb.ParseDate(*asOf)
		if err != nil {
			return usagef("--as-of 须为 YYYY-MM-DD")
		}
		o.AsOf = d
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
	if *out != "" && format != "xlsx" && format != "csv" {
		return usagef("-o 须为 .xlsx 或 .csv 文件")
	}
	if *out != "" {
		if err := checkOutput(*out); err != nil {
			return err
		}
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	a, err := findAgreement(ctx, db, *agreement)
	if err != nil {
		return err
	}
	o.AgreementID = a.ID
	bar := newBar(e, -1, "对账")
	o.Progress = func(rows int) { bar.Set(rows) }
	start := time.Now()
	rec, err := db.Reconcile(ctx, znb.System, o)
	bar.Finish()
	fmt.Fprintln(e.stderr)
	if err != nil {
		if rej := subsidy.Rejections(err); rej != nil {
			out := make([]statementReject, len(rej))
			for i, r := range rej {
				out[i] = statementReject{r.Row, r.Column, r.Code, r.Message}
			}
			ze := znb.ErrorOf(err)
			e.print(map[string]any{"error": map[string]string{"code": ze.Code, "message": ze.Message}, "rejected": out})
			return rejected{err}
		}
		return err
	}
	e.log.Info("reconciled", "id", rec.ID, "rows", rec.Result.Rows, "took", time.Since(start).Round(time.Millisecond))
	if *out != "" {
		if err := writeExport(ctx, db, rec.ID, *out, format); err != nil {
			return err
		}
	}
	return e.print(rest.ReconciliationOut(rec))
}

// statementReject is one refused cell of a statement, as printed.
type statementReject struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeExport(ctx context.Context, db *store.DB, id int64, path, format string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	out, err := sheet.NewWriter(w, format)
	if err == nil {
		_, err = db.ExportReconciliation(ctx, znb.System, id, out, format)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
