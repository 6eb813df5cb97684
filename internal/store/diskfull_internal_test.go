package store

import (
	"errors"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type codedErr int

func (c codedErr) Error() string { return "sqlite error" }
func (c codedErr) Code() int     { return int(c) }

func TestIsDiskFull(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{codedErr(13), true},                 // SQLITE_FULL
		{znb.Wrap(codedErr(13), "写入"), true}, // wrapped inside a transaction
		{codedErr(5), false},                 // SQLITE_BUSY
		{errors.New("Error 1114 (HY000): The table 'claims' is full"), true},
		{errors.New("Error 1021 (HY000): Disk full (/tmp/#sql_1.MAI); waiting for someone to free some space..."), true},
		{errors.New("Error 1062 (23000): Duplicate entry"), false},
		{znb.ErrDiskFull(nil), true},
		{nil, false},
	} {
		if got := isDiskFull(c.err); got != c.want {
			t.Errorf("isDiskFull(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
