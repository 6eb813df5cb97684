package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zhunongbao/zhunongbao/internal/config"
	"github.com/zhunongbao/zhunongbao/internal/notify"
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
	sweepCtx, endSweep := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() { defer close(swept); sweep(sweepCtx, db, e.log) }()
	// Every server sends from the outbox; each message is taken by one.
	sender := &store.Sender{DB: db, Log: e.log}
	if e.cfg.Notify.SMS.URL != "" {
		sender.Gateway = &notify.HTTPGateway{URL: e.cfg.Notify.SMS.URL, Key: e.cfg.Notify.SMS.Key}
	} else {
		e.log.Warn("no SMS gateway configured (notify.sms.url / ZNB_SMS_URL): SMS wait in the outbox")
	}
	sent := make(chan struct{})
	go func() { defer close(sent); sender.Run(sweepCtx, time.Duration(e.cfg.Notify.EverySeconds)*time.Second) }()
	noted := make(chan struct{})
	go func() { defer close(noted); noteExpiries(sweepCtx, db, e.log) }()
	defer func() { endSweep(); <-swept; <-sent; <-noted }()
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

// sweepEvery is how often a server looks for issue runs whose runner is
// gone; a killed runner's lease runs out after 30 s, so such a run resumes
// on some server within about 35 s.
const sweepEvery = 5 * time.Second

// sweep resumes, on this server, issue runs left by a runner that is gone
// (killed, or stopped by SIGTERM), one at a time, until ctx ends: with
// several servers on one database, a job survives the loss of the process
// that ran it. Whichever server takes a run's lease first resumes it; the
// others find it taken.
func sweep(ctx context.Context, db *store.DB, log *slog.Logger) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			res, err := db.ResumeStale(ctx, store.IssueOptions{})
			if res == nil && err == nil {
				break
			}
			switch {
			case err == nil:
				log.Info("issue job resumed and finished", "job", res.RunID, "certificates", res.Certificates,
					"persons", res.Persons, "premium", res.Premium.StringFixed(2))
			case res == nil:
				log.Warn("looking for issue jobs to resume", "err", err)
			case ctx.Err() != nil:
				log.Info("resumed issue job interrupted by shutdown", "job", res.RunID)
			default:
				log.Error("resumed issue job failed", "job", res.RunID, "err", err)
			}
			if res == nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// noteExpiries records in the audit trail, every hour until ctx ends, the
// exclusion-list entries whose end has passed; with several servers each
// entry is recorded once (store.DB.ExpireExclusions).
func noteExpiries(ctx context.Context, db *store.DB, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := db.ExpireExclusions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("recording expired exclusions", "err", err)
		} else if n > 0 {
			log.Info("exclusions expired", "entries", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
