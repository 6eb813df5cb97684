package main

import (
	"context"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["sample draw"] = command{"--insurer I --month YYYY-MM [--region CODE] [--rate P] [--seed N]", sampleDraw}
	summaries["sample draw"] = "抽取一个月已支付理赔案件的抽查样本（按种子抽样，可复算）；该月已抽过的，打印已保存的样本"
	commands["exclusions expire"] = command{"", exclusionsExpire}
	summaries["exclusions expire"] = "把已到期的失信名单条目记入审计（每条只记一次；服务运行时每小时自动执行）"
}

func sampleDraw(ctx context.Context, e *env, args []string) error {
	fs := flags("sample draw")
	insurer := fs.String("insurer", "", "承保机构代码 `I`")
	month := fs.String("month", "", "已结束的月份 `YYYY-MM`")
	region := fs.String("region", "", "行政区划代码前缀 `CODE`（不填为该机构全部地区）")
	rate := fs.String("rate", "5", "抽查比例，百分数 `P`，最多两位小数")
	seed := fs.String("seed", "", "种子，十进制整数 `N`（不填则随机生成）")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *insurer == "" || *month == "" {
		return usagef("须给出 --insurer 和 --month")
	}
	r, ok := money.Decimal(*rate, 2)
	if !ok {
		return usagef("--rate 须为百分数，最多两位小数")
	}
	req := store.SampleRequest{Insurer: *insurer, Region: *region, Month: *month, Rate: r}
	if *seed != "" {
		n, err := strconv.ParseUint(*seed, 10, 63)
		if err != nil {
			return usagef("--seed 须为 0 至 9223372036854775807 的整数")
		}
		req.Seed = &n
	}
	if req.Rate.Equal(decimal.Zero) {
		return usagef("--rate 须大于 0")
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	sm, err := db.DrawSample(ctx, znb.System, req)
	if err != nil {
		return err
	}
	return e.print(rest.SampleOut(sm))
}

func exclusionsExpire(ctx context.Context, e *env, args []string) error {
	if _, err := parse(flags("exclusions expire"), args); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	n, err := db.ExpireExclusions(ctx)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"expired": n})
}
