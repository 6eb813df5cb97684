package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Rows iterates over the rows of a sheet, as a spreadsheet numbers them: the
// n-th successful Next is row n, and blank rows come back empty rather than
// skipped, so the row numbers of a reject are those the user sees. Row
// returns the trimmed cells of the current row and may reuse its slice on
// the next call. Err is the first error that stopped the iteration. The
// sheet package's readers satisfy it; registry reads no file format itself.
type Rows interface {
	Next() bool
	Row() []string
	Err() error
	Close() error
}

// Writer writes a sheet one row at a time: Sheet starts a sheet with its
// header, Row writes one row of cells (string, int, decimal, znb.Date, bool
// or nil), Close finishes the file. The sheet package's writers satisfy it.
type Writer interface {
	Sheet(name string, header []string) error
	Row(cells ...any) error
	Close() error
}

// File is a spreadsheet to load: its name as the user knows it, the SHA-256
// of its bytes (kept with what it loaded and in the audit), and Open, which
// reads its rows from the start. A list import opens it once, to check and
// write together, or with the partial option twice: to check, then to write;
// a transaction run again opens it again.
type File struct {
	Name   string
	SHA256 string
	Open   func() (Rows, error)
}

// FileAt is the File at path, read by open (a sheet reader). The name is
// name, or the path's base name when name is empty.
func FileAt(path, name string, open func(path string) (Rows, error)) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, znb.Wrap(err, "读取文件")
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return File{}, znb.Wrap(err, "读取文件")
	}
	if name == "" {
		name = filepath.Base(path)
	}
	return File{Name: name, SHA256: hex.EncodeToString(h.Sum(nil)), Open: func() (Rows, error) { return open(path) }}, nil
}
