package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zhunongbao/zhunongbao/internal/config"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/web"
)

func init() {
	commands["serve"] = command{"[--listen ADDR]", serve}
	summaries["serve"] = "启动 HTTP 服务（先执行尚未执行的数据库迁移）"
}

func serve(ctx context.Context, e *env, args []string) error {
	fs := flags("serve")
	listen := fs.String("listen", e.cfg.Listen, "监听地址 `ADDR`，如 :8080 或 127.0.0.1:8080；不给时取配置 listen / ZNB_LISTEN")
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
	base, err := baseURL(ctx, e.cfg, db)
	if err != nil {
		return err
	}
	e.log.Info("card QR codes point at", "base_url", base)
	// Redis, when configured, holds what several server processes share.
	var shared redis.UniversalClient
	if e.cfg.Redis != "" {
		opt, err := redis.ParseURL(e.cfg.Redis)
		if err != nil {
			return fmt.Errorf("ZNB_REDIS_URL: %w", err)
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		shared = rdb
	}
	srv := rest.New(rest.Deps{
		DB: db, Log: e.log, Secret: secret, BaseURL: base, FontPath: e.cfg.PDF.Font,
		DocumentsDir: e.cfg.Claims.DocumentsDir, MaxUploadBytes: e.cfg.Claims.MaxUploadMB << 20,
		MaxJSONBytes: e.cfg.Limits.JSONKB << 10, MaxImportBytes: e.cfg.Limits.ImportMB << 20,
		PublicPerMinute: e.cfg.Public.PerMinute, TrustProxy: e.cfg.Public.TrustProxy, Redis: shared,
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
	// SIGTERM or Ctrl-C: no new connections; short requests finish; issue
	// jobs stop after their last whole chunk (interrupted, resumable) and
	// card downloads being drawn answer 503 shutting_down. The database
	// closes only after all of them.
	e.log.Info("shutting down: finishing requests in flight, stopping jobs and long downloads")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	e.log.Info("stopped")
	return nil
}

// shutdownGrace is how long a stopping server waits for work in flight;
// container runtimes send SIGKILL after 30 s by default.
const shutdownGrace = 25 * time.Second

// cardSecret is ZNB_SECRET, or the key generated and kept on first start.
func cardSecret(ctx context.Context, cfg config.Config, db *store.DB) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	s, err := db.Setting(ctx, "card_secret", config.NewSecret)
	return []byte(s), err
}
