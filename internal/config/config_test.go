package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	os.WriteFile(file, []byte("db: mysql:u:p@tcp(db:3306)/znb\nlisten: \":9000\"\npdf:\n  font: /fonts/a.ttf\n"), 0o644)

	c, err := Load(filepath.Join(dir, "missing.yaml"))
	if err != nil || c.DB != "sqlite:data/zhunongbao.db" || c.Listen != ":8080" {
		t.Errorf("defaults = %+v, %v", c, err)
	}
	c, err = Load(file)
	if err != nil || c.DB != "mysql:u:p@tcp(db:3306)/znb" || c.Listen != ":9000" || c.PDF.Font != "/fonts/a.ttf" || c.Claims.MaxUploadMB != 10 {
		t.Errorf("file = %+v, %v", c, err)
	}
	t.Setenv("ZNB_DB", "sqlite:/tmp/x.db")
	t.Setenv("ZNB_LISTEN", ":7000")
	t.Setenv("ZNB_SECRET", "s3cret")
	t.Setenv("ZNB_PDF_FONT", "/fonts/b.ttf")
	c, err = Load(file)
	if err != nil || c.DB != "sqlite:/tmp/x.db" || c.Listen != ":7000" || c.Secret != "s3cret" || c.PDF.Font != "/fonts/b.ttf" {
		t.Errorf("environment = %+v, %v", c, err)
	}
	t.Setenv("ZNB_MAX_IMPORT_MB", "100")
	t.Setenv("ZNB_MAX_JSON_KB", "64")
	if c, err := Load(file); err != nil || c.Limits.ImportMB != 100 || c.Limits.JSONKB != 64 {
		t.Errorf("limits = %+v, %v", c.Limits, err)
	}
	if c.SQLite.Synchronous != "full" {
		t.Errorf("default sqlite.synchronous = %q, want full", c.SQLite.Synchronous)
	}
	if c.Limits.ImportMB != 512 || c.Limits.JSONKB != 1024 {
		t.Errorf("default limits = %+v", c.Limits)
	}
	t.Setenv("ZNB_MAX_UPLOAD_MB", "zero")
	if _, err := Load(file); err == nil {
		t.Error("a bad ZNB_MAX_UPLOAD_MB was accepted")
	}
	os.WriteFile(file, []byte("db: [unclosed"), 0o644)
	if _, err := Load(file); err == nil {
		t.Error("a broken file was accepted")
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://znb.example.gov.cn/":     "https://znb.example.gov.cn",
		" http://10.0.0.5:8080/znb// ":    "http://10.0.0.5:8080/znb",
		"https://znb.example.gov.cn":      "https://znb.example.gov.cn",
		"ftp://znb.example.gov.cn":        "",
		"znb.example.gov.cn":              "",
		"https://znb.example.gov.cn/?a=1": "",
		"https://":                        "",
		"https://u:p@znb.example.gov.cn":  "",
	} {
		got, err := ParseBaseURL(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("ParseBaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	t.Setenv("ZNB_BASE_URL", "not a url")
	if _, err := Load(""); err == nil {
		t.Error("a bad ZNB_BASE_URL was accepted")
	}
	t.Setenv("ZNB_BASE_URL", "")
	if c, err := Load(""); err != nil || c.BaseURL != "" || !c.Development() {
		t.Errorf("no base URL by default (%q, %v), development on the default SQLite file (%v)", c.BaseURL, err, c.Development())
	}
	t.Setenv("ZNB_DB", "sqlite:/srv/znb.db")
	if c, _ := Load(""); c.Development() {
		t.Error("another database is taken for development")
	}
}

// TestAuditKey: the audit key comes from audit.key or ZNB_AUDIT_KEY, which
// wins; none by default.
func TestAuditKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if c, err := Load(file); err != nil || c.Audit.Key != "" {
		t.Errorf("default audit key = %q, %v", c.Audit.Key, err)
	}
	os.WriteFile(file, []byte("audit:\n  key: from-file\n"), 0o644)
	if c, err := Load(file); err != nil || c.Audit.Key != "from-file" {
		t.Errorf("audit.key = %q, %v", c.Audit.Key, err)
	}
	t.Setenv("ZNB_AUDIT_KEY", "from-env")
	if c, err := Load(file); err != nil || c.Audit.Key != "from-env" {
		t.Errorf("ZNB_AUDIT_KEY = %q, %v", c.Audit.Key, err)
	}
}

func TestSQLiteSynchronous(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if c, err := Load(file); err != nil || c.SQLite.Synchronous != "full" {
		t.Errorf("default sqlite.synchronous = %q, %v; want full", c.SQLite.Synchronous, err)
	}
	os.WriteFile(file, []byte("sqlite:\n  synchronous: normal\n"), 0o644)
	if c, err := Load(file); err != nil || c.SQLite.Synchronous != "normal" {
		t.Errorf("sqlite.synchronous from the file = %q, %v", c.SQLite.Synchronous, err)
	}
	t.Setenv("ZNB_SQLITE_SYNCHRONOUS", "full")
	if c, err := Load(file); err != nil || c.SQLite.Synchronous != "full" {
		t.Errorf("ZNB_SQLITE_SYNCHRONOUS = %q, %v", c.SQLite.Synchronous, err)
	}
	t.Setenv("ZNB_SQLITE_SYNCHRONOUS", "off")
	if _, err := Load(file); err == nil {
		t.Error("synchronous off was accepted")
	}
}
