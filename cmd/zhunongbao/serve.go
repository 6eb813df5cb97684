package main

import (
	"context"
	"errors"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/config"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/web"
)

func init() {
	commands["serve"] = command{"[--listen ADDR]", serve}
}

func serve(ctx context.Context, e *env, args []string) error {
	fs := flags("serve")
	listen := fs.String("listen", e.cfg.Listen, "")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	seeded, err := db.SeedProducts(ctx, e.cfg.Products)
	if err != nil {
		return err
	}
	for _, p := range seeded {
		e.log.Info("product loaded", "code", p.Code, "version", p.Version)
	}
	secret, err := cardSecret(ctx, e.cfg, db)
	if err != nil {
		return err
	}
	srv := rest.New(rest.Deps{
		DB: db, Log: e.log, Secret: secret, BaseURL: e.cfg.BaseURL, FontPath: e.cfg.PDF.Font,
		DocumentsDir: e.cfg.Claims.DocumentsDir, MaxUploadBytes: e.cfg.Claims.MaxUploadMB << 20,
		MaxJSONBytes: e.cfg.Limits.JSONKB << 10, MaxImportBytes: e.cfg.Limits.ImportMB << 20,
		PublicPerMinute: e.cfg.Public.PerMinute, TrustProxy: e.cfg.Public.TrustProxy,
		Console: web.Mount(web.Config{Idle: time.Duration(e.cfg.Console.IdleMinutes) * time.Minute, Secure: e.cfg.Console.SecureCookie}),
	})
	errc := make(chan error, 1)
	go func() { errc <- srv.App().Listen(*listen) }()
	e.log.Info("serving", "listen", *listen, "db", db.Dialect)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	e.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// cardSecret is ZNB_SECRET, or the key generated and kept on first start.
func cardSecret(ctx context.Context, cfg config.Config, db *store.DB) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	s, err := db.Setting(ctx, "card_secret", config.NewSecret)
	return []byte(s), err
}
