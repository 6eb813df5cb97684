package storetest

import (
	"io"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// File is the spreadsheet at path as an import reads it, named after the
// path's base name.
func File(t testing.TB, path string) registry.File {
	t.Helper()
	f, err := registry.FileAt(path, "", func(p string) (registry.Rows, error) { return sheet.Open(p) })
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Generate writes a generated household list of the county to w as CSV and
// returns the number of members (see registry.Generate).
func Generate(t testing.TB, w io.Writer, county string, households int, seed int64, today znb.Date) int {
	t.Helper()
	out, err := sheet.NewWriter(w, "csv")
	if err != nil {
		t.Fatal(err)
	}
	n, err := registry.Generate(out, county, households, seed, today)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
