// Package config reads configs/config.yaml and the ZNB_* environment
// variables that override it.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the service's configuration.
type Config struct {
	DB      string `yaml:"db"`       // sqlite:PATH or mysql:DSN
	Listen  string `yaml:"listen"`   // e.g. :8080
	Secret  string `yaml:"secret"`   // HMAC key for card signatures
	BaseURL string `yaml:"base_url"` // public address printed in QR codes; kept in the database once given
	PDF     struct {
		Font string `yaml:"font"` // path to a TrueType CJK font
	} `yaml:"pdf"`
	Claims struct {
		DocumentsDir string `yaml:"documents_dir"`
		MaxUploadMB  int    `yaml:"max_upload_mb"`
	} `yaml:"claims"`
	Limits struct {
		JSONKB   int `yaml:"json_kb"`   // a JSON request body (or a product or agreement file)
		ImportMB int `yaml:"import_mb"` // an uploaded list, region table or statement, kept on disk
	} `yaml:"limits"`
	Public struct {
		PerMinute  int  `yaml:"per_minute"`  // self-service requests per client address
		TrustProxy bool `yaml:"trust_proxy"` // client address from X-Forwarded-For
	} `yaml:"public"`
	Redis    string `yaml:"redis"`    // redis://host:port/db shared by several server processes ("" = none)
	Products string `yaml:"products"` // folder of product files loaded on first start
	Holidays string `yaml:"holidays"` // public holidays and make-up working days of objection deadlines
	Audit    struct {
		// Key signs the audit trail, its checkpoints and certificate
		// seals. It is kept outside the database (environment or this
		// file), so that whoever holds the database cannot rewrite the
		// trail unseen.
		Key string `yaml:"key"`
	} `yaml:"audit"`
	SQLite struct {
		// Synchronous is "full" (an acknowledged write survives a power
		// loss) or "normal" (faster commits; a power loss or an
		// operating-system crash may undo the last ones).
		Synchronous string `yaml:"synchronous"`
	} `yaml:"sqlite"`
	Console struct {
		IdleMinutes  int  `yaml:"idle_minutes"`  // a session unused this long ends
		SecureCookie bool `yaml:"secure_cookie"` // TLS ends at a proxy in front: cookies Secure anyway
	} `yaml:"console"`
	Notify struct {
		SMS struct {
			URL string `yaml:"url"` // the gateway's HTTP address ("" = SMS wait in the outbox)
			Key string `yaml:"key"` // sent as a bearer token
		} `yaml:"sms"`
		EverySeconds int `yaml:"every_seconds"` // how often a server looks for messages due
	} `yaml:"notify"`
}

// Default returns the configuration used when no file says otherwise.
func Default() Config {
	var c Config
	c.DB = "sqlite:data/zhunongbao.db"
	c.Listen = ":8080"
	c.Claims.DocumentsDir = "data/documents"
	c.Claims.MaxUploadMB = 10
	c.Public.PerMinute = 10
	c.Limits.JSONKB = 1024
	c.Limits.ImportMB = 512
	c.Products = "configs/products"
	c.Holidays = "configs/holidays.yaml"
	c.SQLite.Synchronous = "full"
	c.Console.IdleMinutes = 30
	c.Notify.EverySeconds = 10
	return c
}

// Load reads path (a missing file is fine: defaults apply) and then the
// environment.
func Load(path string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return c, err
		default:
			if err := yaml.Unmarshal(b, &c); err != nil {
				return c, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	env := map[string]*string{
		"ZNB_DB": &c.DB, "ZNB_LISTEN": &c.Listen, "ZNB_SECRET": &c.Secret, "ZNB_BASE_URL": &c.BaseURL,
		"ZNB_PDF_FONT": &c.PDF.Font, "ZNB_DOCUMENTS_DIR": &c.Claims.DocumentsDir, "ZNB_AUDIT_KEY": &c.Audit.Key,
		"ZNB_REDIS_URL": &c.Redis,
		"ZNB_SMS_URL":   &c.Notify.SMS.URL, "ZNB_SMS_KEY": &c.Notify.SMS.Key,
		"ZNB_SQLITE_SYNCHRONOUS": &c.SQLite.Synchronous,
	}
	for k, p := range env {
		if v, ok := os.LookupEnv(k); ok && v != "" {
			*p = v
		}
	}
	switch c.SQLite.Synchronous {
	case "full", "normal":
	default:
		return c, fmt.Errorf("sqlite.synchronous (ZNB_SQLITE_SYNCHRONOUS) = %q: want full or normal", c.SQLite.Synchronous)
	}
	if v := os.Getenv("ZNB_TRUST_PROXY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("ZNB_TRUST_PROXY=%q: want true or false", v)
		}
		c.Public.TrustProxy = b
	}
	if u := c.Notify.SMS.URL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return c, fmt.Errorf("notify.sms.url (ZNB_SMS_URL) = %q: want an http:// or https:// address", u)
	}
	if c.Notify.EverySeconds <= 0 {
		return c, fmt.Errorf("notify.every_seconds = %d: want a positive number", c.Notify.EverySeconds)
	}
	if c.BaseURL != "" {
		u, err := ParseBaseURL(c.BaseURL)
		if err != nil {
			return c, err
		}
		c.BaseURL = u
	}
	for k, p := range map[string]*int{"ZNB_MAX_UPLOAD_MB": &c.Claims.MaxUploadMB, "ZNB_MAX_IMPORT_MB": &c.Limits.ImportMB,
		"ZNB_MAX_JSON_KB": &c.Limits.JSONKB} {
		if v := os.Getenv(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return c, fmt.Errorf("%s=%q: want a positive number", k, v)
			}
			*p = n
		}
	}
	return c, nil
}

// DevBaseURL is the address printed in QR codes in development when none
// is given or kept.
const DevBaseURL = "http://localhost:8080"

// Development says whether c runs on the default SQLite file, the one
// setting in which cards may point at DevBaseURL: anywhere else a card must
// carry an address a farmer's phone can open.
func (c Config) Development() bool { return c.DB == Default().DB }

// ParseBaseURL checks a public address for QR codes (an absolute http or
// https URL without query or fragment) and returns it without a trailing
// slash, so that one address has one spelling.
func ParseBaseURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("对外地址 %q 须是以 http:// 或 https:// 开头的完整地址（不带 ? 和 #），例如 https://znb.example.gov.cn", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// NewSecret returns a random key for card signatures, kept in the database
// the first time the service starts without ZNB_SECRET.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
