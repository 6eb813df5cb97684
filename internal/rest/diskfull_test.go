//go:build linux

package rest_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestDiskFullSQLite fills a small file system under a served SQLite
// database: a claim report or a list import then answers 507 disk_full (not 500), the
// write-ahead log is given back, and once space is freed reports and list
// imports are stored again by the same process.
func TestDiskFullSQLite(t *testing.T) {
	// Room for the fixture and some twenty reports after the disk is freed:
	// each report commits some 15 pages of 16 KB to the log (claim, its
	// indexes, event, audit, signals, messages) before a checkpoint.
	dir := smallDisk(t, "24m")
	db, err := store.Open("sqlite:" + filepath.Join(dir, "znb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	db.Now = func() time.Time { return storetest.Now }
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, db)
	w := newClaimWorld(t, h, "522625", "PICC-ZY", "znb-standard")

	causes := []string{"火灾", "爆炸", "地震", "自然灾害"}
	next := 0
	report := func() (int, []byte) {
		t.Helper()
		i := next
		next++
		cert := w.cert[[]string{"H1", "H2"}[i%2]]
		day := znb.MustDate("2024-01-02").AddDays(i / 2 / len(causes) % 160)
		code, _, b := h.report(w.clerk, map[string]any{"certificate_no": cert, "line": "property",
			"incident_date": day.String(), "cause": causes[i/2%len(causes)], "description": "房屋受损"})
		return code, b
	}
	if code, b := report(); code != 201 {
		t.Fatalf("report before the disk is full: %d %s", code, b)
	}
	office := h.user("office-b", znb.Office, "522626")
	list, _ := generated(t, "522626", 200)
	form := map[string]string{"county": "522626", "effective_date": "2024-01-01"}

	fillDisk(t, filepath.Join(dir, "filler1"))
	code, b := report()
	for n := 0; code == 201 && n < 1000; n++ {
		code, b = report()
	}
	if code != 507 || errorCode(t, b) != "disk_full" {
		t.Fatalf("report on a full disk: %d %s; want 507 disk_full", code, b)
	}
	// Whatever the log gave back is taken too: still disk_full, still no
	// restart needed afterwards.
	fillDisk(t, filepath.Join(dir, "filler2"))
	for i := 0; i < 3; i++ {
		if code, b := report(); code != 507 || errorCode(t, b) != "disk_full" {
			t.Fatalf("report %d on a disk still full: %d %s; want 507 disk_full", i, code, b)
		}
	}

	full := walSize(dir)
	if code, b := h.upload("/api/v1/lists", office, "file", "list.csv", list, form); code != 507 || errorCode(t, b) != "disk_full" {
		t.Fatalf("list import on a full disk: %d %s; want 507 disk_full", code, b)
	}
	os.Remove(filepath.Join(dir, "filler1"))
	os.Remove(filepath.Join(dir, "filler2"))
	// The service gives the log's space back by itself once it can.
	for deadline := time.Now().Add(5 * time.Second); walSize(dir) > 512<<10; {
		if time.Now().After(deadline) {
			t.Fatalf("the log still holds %d bytes (%d on the full disk) 5 s after space was freed; want it truncated", walSize(dir), full)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := 0; i < 20; i++ {
		code, c, b := h.report(w.clerk, map[string]any{"certificate_no": w.cert["H1"], "line": "property",
			"incident_date": znb.MustDate("2024-06-01").AddDays(i % 14).String(), "cause": causes[i/14], "description": "房屋受损"})
		if code != 201 {
			t.Fatalf("report %d once space is back: %d %s", i, code, b)
		}
		if code, b := h.call("GET", "/api/v1/claims/"+c.ClaimNo, w.clerk, nil); code != 200 {
			t.Fatalf("claim %s once space is back: %d %s", c.ClaimNo, code, b)
		}
	}
	if code, b := h.upload("/api/v1/lists", office, "file", "list.csv", list, form); code != 201 {
		t.Fatalf("list import once space is back: %d %s", code, b)
	}
	if err := db.FlushAudit(context.Background()); err != nil {
		t.Fatalf("audit chain once space is back: %v", err)
	}
}

func walSize(dir string) int64 {
	fi, err := os.Stat(filepath.Join(dir, "znb.db-wal"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// smallDisk mounts a tmpfs of size on a temporary folder, unmounted when
// the test ends; it skips the test where mounting is not permitted.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("skipped: this test needs to mount a %s tmpfs to fill it, and mounting is not permitted here "+
			"(run as root or with CAP_SYS_ADMIN): %v", size, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes path until the file system has no byte left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for chunk := 1 << 20; chunk > 0; chunk /= 2 {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
}
