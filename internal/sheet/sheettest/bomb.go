package sheettest

// This file builds XLSX decompression bombs, for the tests of the XLSX reader
// and for the upload attack benchmark (docs/bench/attack): workbooks a few
// hundred kilobytes long whose parts inflate to gigabytes, written without
// ever holding or compressing the inflated content.

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"os"

	"github.com/xuri/excelize/v2"
)

// Part is the content of a zip entry: Head, then Fill repeated N times, then
// Tail. A bomb's fill is repeated far more than memory could hold.
type Part struct {
	Head, Fill, Tail string
	N                int64
}

// The XML around a worksheet's rows and around the shared strings.
const (
	SheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	SheetTail = `</sheetData></worksheet>`
	SSTHead   = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
)

// MiB is a mebibyte, the unit of the fills.
const MiB = 1 << 20

// Sheet1 replaces the first worksheet with p.
func Sheet1(p Part) map[string]Part { return map[string]Part{"xl/worksheets/sheet1.xml": p} }

// CellBomb is a workbook of about 520 KB whose cell B2 holds 512 MiB of text.
func CellBomb() map[string]Part {
	return Sheet1(Part{
		Head: SheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="2"><c r="A2"/><c r="B2" t="inlineStr"><is><t>`,
		Fill: "A", N: 512 * MiB, Tail: `</t></is></c></row>` + SheetTail})
}

// WhitespaceBomb is a workbook of about 2 MB whose sheet is 2 GiB of
// whitespace.
func WhitespaceBomb() map[string]Part {
	return Sheet1(Part{Head: SheetHead, Fill: " ", N: 2048 * MiB, Tail: SheetTail})
}

// Workbook writes to path an XLSX made by excelize (a header row 姓名, 村名)
// with the given parts replaced or added.
func Workbook(path string, parts map[string]Part) error {
	book := excelize.NewFile()
	book.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "村名"})
	var base bytes.Buffer
	if _, err := book.WriteTo(&base); err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(base.Bytes()), int64(base.Len()))
	if err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		if _, ok := parts[f.Name]; !ok {
			if err := zw.Copy(f); err != nil {
				return err
			}
		}
	}
	for name, p := range parts {
		if err := writeRaw(zw, name, p); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return out.Close()
}

// writeRaw adds p to zw compressed, without ever holding or compressing the
// whole inflated content: the fill is compressed once in chunks of 1 MiB
// and the compressed chunk repeated.
func writeRaw(zw *zip.Writer, name string, p Part) error {
	const chunk = 1 << 20
	per := int64(chunk)
	if len(p.Fill) > 0 {
		per = max(1, chunk/int64(len(p.Fill)))
	}
	crc := crc32.NewIEEE()
	var data bytes.Buffer
	add := func(block []byte, times int64) error {
		z, err := deflated(block)
		if err != nil {
			return err
		}
		for range times {
			data.Write(z)
			crc.Write(block)
		}
		return nil
	}
	if err := add([]byte(p.Head), 1); err != nil {
		return err
	}
	if full := p.N / per; full > 0 {
		if err := add(bytes.Repeat([]byte(p.Fill), int(per)), full); err != nil {
			return err
		}
	}
	if rest := p.N % per; rest > 0 {
		if err := add(bytes.Repeat([]byte(p.Fill), int(rest)), 1); err != nil {
			return err
		}
	}
	if err := add([]byte(p.Tail), 1); err != nil {
		return err
	}
	data.Write([]byte{0x03, 0x00}) // the final, empty block
	size := uint64(len(p.Head)+len(p.Tail)) + uint64(p.N)*uint64(len(p.Fill))
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(data.Len()), UncompressedSize64: size})
	if err != nil {
		return err
	}
	_, err = w.Write(data.Bytes())
	return err
}

// deflated compresses s as a run of non-final deflate blocks, which can be
// concatenated.
func deflated(s []byte) ([]byte, error) {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	w.Write(s)
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
