package main

import (
	"context"
	"flag"
	"io"
	"path/filepath"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["report monthly"] = command{"--region CODE --month YYYY-MM [-o FILE.xlsx]", reportMonthly}
	summaries["report monthly"] = "一个地区一个月的承保与理赔统计，可另存为工作簿"
	commands["report annual"] = command{"--agreement ID|NO [-o FILE.xlsx|FILE.pdf]", reportAnnual}
	summaries["report annual"] = "一份协议的年度运行情况评估，可另存为工作簿或 PDF"
	commands["report notice"] = command{"--agreement ID|NO --village CODE --month YYYY-MM -o FILE.pdf", reportNotice}
	summaries["report notice"] = "一个村一个月的理赔公示 PDF，张贴在村务公开栏"
}

// reportExt is the lower-case extension of path without its dot.
func reportExt(path string) string {
	return strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
}

// regionFlag adds the --region of the commands that work on an area.
func regionFlag(fs *flag.FlagSet) *string {
	return fs.String("region", "", "地区：6 位县、9 位乡镇或 12 位村的行政区划 `CODE`")
}

// needRegion refuses a command run without its --region.
func needRegion(region string) error {
	if region == "" {
		return usagef("须给出 --region（6 位县、9 位乡镇或 12 位村代码）")
	}
	return nil
}

func monthFlag(s string) (report.Period, error) {
	if s == "" {
		return report.Period{}, usagef("须给出 --month YYYY-MM")
	}
	m, err := report.ParseMonth(s)
	if err != nil {
		return report.Period{}, usagef("--month 须为 YYYY-MM")
	}
	return m, nil
}

// reportMonthly prints the monthly statistics of a region as the API
// answers them and, with -o, writes the workbook.
func reportMonthly(ctx context.Context, e *env, args []string) error {
	fs := flags("report monthly")
	region := regionFlag(fs)
	month := fs.String("month", "", "月份 `YYYY-MM`")
	out := fs.String("o", "", "另存为工作簿 `FILE`.xlsx")
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
	if *out != "" && reportExt(*out) != "xlsx" {
		return usagef("-o 须为 .xlsx 文件")
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
	r, err := db.MonthlyReport(ctx, znb.System, *region, m)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := writeAtomic(*out, func(f io.Writer) error {
			return workbook(f, func(w report.Writer) error { return report.WriteMonthly(w, r, *region, m) })
		}); err != nil {
			return err
		}
	}
	return e.print(rest.MonthlyOut(r, *region, m))
}

// reportAnnual prints an agreement's annual evaluation and, with -o, writes
// it as a workbook or as the PDF (年度运行情况评估).
func reportAnnual(ctx context.Context, e *env, args []string) error {
	fs := flags("report annual")
	agreement := agreementFlag(fs)
	out := fs.String("o", "", "另存为 `FILE`：.xlsx 工作簿或 .pdf")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *agreement == "" {
		return usagef("须给出 --agreement（协议 id 或协议编号）")
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
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	ag, err := findAgreement(ctx, db, *agreement)
	if err != nil {
		return err
	}
	a, err := db.AnnualReport(ctx, znb.System, ag.ID)
	if err != nil {
		return err
	}
	switch format {
	case "xlsx":
		err = writeAtomic(*out, func(f io.Writer) error {
			return workbook(f, func(w report.Writer) error { return report.WriteAnnual(w, a) })
		})
	case "pdf":
		var r *card.Renderer
		if r, err = reportRenderer(e); err == nil {
			today := znb.Clock(db.Now).Today()
			err = writeAtomic(*out, func(w io.Writer) error { return r.WriteEvaluation(w, rest.EvaluationOf(a, today)) })
		}
	}
	if err != nil {
		return err
	}
	return e.print(rest.AnnualOut(a))
}

// workbook writes an XLSX workbook to out through write.
func workbook(out io.Writer, write func(report.Writer) error) error {
	w, err := sheet.NewWriter(out, "xlsx")
	if err != nil {
		return err
	}
	return write(w)
}

// reportRenderer makes the PDF renderer of a command from the configured
// font (pdf.font / ZNB_PDF_FONT) or the system's.
func reportRenderer(e *env) (*card.Renderer, error) {
	font, err := card.FindFont(e.cfg.PDF.Font)
	if err != nil {
		return nil, err
	}
	return card.NewRenderer(font)
}

// reportNotice writes the claim notice (公示) of a village for a month and
// prints {"file","claims"}.
func reportNotice(ctx context.Context, e *env, args []string) error {
	fs := flags("report notice")
	agreement := agreementFlag(fs)
	village := fs.String("village", "", "12 位村代码 `CODE`")
	month := fs.String("month", "", "月份 `YYYY-MM`：公示这个月支付的理赔")
	out := fs.String("o", "", "输出 `FILE`.pdf")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *agreement == "":
		return usagef("须给出 --agreement（协议 id 或协议编号）")
	case *village == "":
		return usagef("须给出 --village（12 位村代码）")
	case *out == "" || reportExt(*out) != "pdf":
		return usagef("须用 -o 指定 .pdf 输出文件")
	}
	m, err := monthFlag(*month)
	if err != nil {
		return err
	}
	if err := checkOutput(*out); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	a, err := findAgreement(ctx, db, *agreement)
	if err != nil {
		return err
	}
	notice, err := db.NoticeClaims(ctx, znb.System, a.ID, *village, m)
	if err != nil {
		return err
	}
	r, err := reportRenderer(e)
	if err != nil {
		return err
	}
	n := rest.NoticeOf(notice, m, znb.Clock(db.Now).Today(), db.Holidays)
	if err := writeAtomic(*out, func(w io.Writer) error { return r.WriteNotice(w, n) }); err != nil {
		return err
	}
	return e.print(map[string]any{"file": *out, "claims": len(notice.Claims)})
}
