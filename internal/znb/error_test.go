package znb

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// A file write that finds the disk full is not a bug: it answers disk_full
// (StorageFull), whether wrapped or met bare.
func TestDiskFull(t *testing.T) {
	enospc := &os.PathError{Op: "write", Path: "/data/documents/.upload-1", Err: syscall.ENOSPC}
	for name, err := range map[string]error{
		"Wrap":    Wrap(fmt.Errorf("copy: %w", enospc), "保存理赔材料"),
		"ErrorOf": ErrorOf(enospc),
	} {
		if e := ErrorOf(err); e.Kind != StorageFull || e.Code != "disk_full" {
			t.Errorf("%s: kind %d code %s, want StorageFull disk_full", name, e.Kind, e.Code)
		}
	}
	if e := ErrorOf(Wrap(os.ErrPermission, "x")); e.Kind != Internal || e.Code != "internal" {
		t.Errorf("other write errors: kind %d code %s, want Internal internal", e.Kind, e.Code)
	}
}
