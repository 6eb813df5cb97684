package main

import (
	"context"

	"github.com/zhunongbao/zhunongbao/internal/config"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// baseURLSetting names the public address of QR codes in the settings.
const baseURLSetting = "base_url"

func init() {
	commands["config set-base-url"] = command{"URL", setBaseURL}
	summaries["config set-base-url"] = "设置或更换明白卡二维码里的对外地址（保存在数据库里，服务与命令行共用；更换后须重启服务）"
}

// baseURL is the public address printed in QR codes: one for every process
// that prints, the one kept in the database settings. The first process
// given an address (base_url / ZNB_BASE_URL) keeps it; a process given a
// different one is refused rather than printing cards that disagree with
// those already printed: changing it is `config set-base-url`. With none
// kept and none given, only development (the default SQLite file) prints,
// pointing at localhost.
func baseURL(ctx context.Context, cfg config.Config, db *store.DB) (string, error) {
	if cfg.BaseURL == "" {
		stored, ok, err := db.LookupSetting(ctx, baseURLSetting)
		switch {
		case err != nil:
			return "", err
		case ok:
			return stored, nil
		case cfg.Development():
			return config.DevBaseURL, nil
		}
		return "", znb.Errorf(znb.Unavailable, "base_url_unset",
			"尚未设置明白卡二维码里的对外地址：设置 ZNB_BASE_URL（或配置 base_url）后启动服务，或运行 zhunongbao config set-base-url https://…")
	}
	stored, err := db.Setting(ctx, baseURLSetting, func() string { return cfg.BaseURL })
	if err != nil {
		return "", err
	}
	if stored != cfg.BaseURL {
		return "", znb.Errorf(znb.Conflict, "base_url_mismatch",
			"数据库里保存的二维码对外地址是 %s，本次配置（base_url / ZNB_BASE_URL）给的是 %s。去掉这项配置即沿用已保存的地址；"+
				"确要更换，运行 zhunongbao config set-base-url %s（已印发的明白卡仍指向旧地址）", stored, cfg.BaseURL, cfg.BaseURL)
	}
	return stored, nil
}

// setBaseURL stores the public address of QR codes, replacing any; the
// change is audited. A running service keeps the address it started with
// until it is restarted.
func setBaseURL(ctx context.Context, e *env, args []string) error {
	arg, err := oneArg(args, "对外地址（如 https://znb.example.gov.cn）")
	if err != nil {
		return err
	}
	url, err := config.ParseBaseURL(arg)
	if err != nil {
		return usagef("%v", err)
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	previous, err := db.SetSetting(ctx, znb.System, baseURLSetting, url)
	if err != nil {
		return err
	}
	if previous != "" && previous != url {
		e.log.Warn("base URL changed: cards printed before still point at the previous address; restart the service", "previous", previous)
	}
	return e.print(map[string]string{"base_url": url, "previous": previous})
}
