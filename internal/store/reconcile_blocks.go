package store

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync/atomic"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// How a reconciliation's detail rows are stored (reconciliations.items_format).
const (
	itemsInTable  = 0 // one reconciliation_items row each (runs stored before migration 0007)
	itemsInBlocks = 1 // deflated blocks of blockItems rows in reconciliation_blocks
)

// blockItems is the number of detail rows of one finding a block holds
// (items_format 1): item k of a finding is in block k / blockItems. It is
// part of the stored format and must not change for items_format 1.
const blockItems = 1024

// rawItem is one detail row as a block stores it: the values the run
// produced that cannot be recomputed, amounts in cents. The amounts by
// funding source are recomputed when read (see itemRow.detail).
type rawItem struct {
	row                        int
	cert, household, id, name  string
	listCat, billedCat         znb.Category
	start, end                 znb.Date
	premium, expected, allowed int64
	note                       string
}

// blockCats numbers categories in blocks; the order is part of the stored
// format (new categories go at the end). Code 0xFF is followed by the text
// of a category not in the table.
var blockCats = []znb.Category{"", znb.Lifted, znb.NotLifted, znb.Returned, znb.UnstableLifted,
	znb.Marginal, znb.SuddenHardship, znb.StableLifted, znb.FiveGuaranteeCentralized}

const catText = 0xFF

// appendItem encodes detail d: varints and length-prefixed strings.
func appendItem(b []byte, d *subsidy.Detail) ([]byte, error) {
	premium, ok1 := centsOf(d.Billed.Premium)
	expected, ok2 := centsOf(d.Expected)
	allowed, ok3 := centsOf(d.Allowed.Premium)
	if !ok1 || !ok2 || !ok3 || d.Row < 0 {
		return b, fmt.Errorf("detail row %d: amounts not in whole cents", d.Row)
	}
	b = binary.AppendUvarint(b, uint64(d.Row))
	b = appendStrs(b, d.CertificateNo, d.HouseholdNo, d.IDNumber, d.Name)
	b = appendCat(b, d.ListCategory)
	b = appendCat(b, d.BilledCategory)
	b = appendDates(b, d.CoverageStart, d.CoverageEnd)
	b = binary.AppendVarint(b, premium)
	b = binary.AppendVarint(b, expected)
	b = binary.AppendVarint(b, allowed)
	return appendStr(b, d.Note), nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrs(b []byte, ss ...string) []byte {
	for _, s := range ss {
		b = appendStr(b, s)
	}
	return b
}

// appendDates encodes dates as days, as itemReader.date reads them.
func appendDates(b []byte, ds ...znb.Date) []byte {
	for _, d := range ds {
		b = binary.AppendVarint(b, int64(d.DaysSince(znb.Date{})))
	}
	return b
}

func appendCat(b []byte, c znb.Category) []byte {
	for i, x := range blockCats {
		if x == c {
			return append(b, byte(i))
		}
	}
	return appendStr(append(b, catText), string(c))
}

// centsOf returns an amount of whole cents as an integer.
func centsOf(d decimal.Decimal) (int64, bool) {
	if d.Exponent() == -2 && d.NumDigits() < 18 {
		return d.CoefficientInt64(), true
	}
	s := d.Shift(2)
	if !s.IsInteger() || s.NumDigits() >= 18 {
		return 0, false
	}
	return s.IntPart(), true
}

// appendRow encodes bill row r as ahead queues it: its strings
// length-prefixed, the premium in cents when it is a whole number of them
// (a statement's always is) and as text otherwise.
func appendRow(b []byte, r *subsidy.Row) []byte {
	b = binary.AppendVarint(b, int64(r.Row))
	b = appendStrs(b, r.CertificateNo, r.HouseholdNo, r.IDNumber, r.Name)
	b = appendCat(b, r.Category)
	b = appendDates(b, r.CoverageStart, r.CoverageEnd)
	if c, ok := centsOf(r.Premium); ok {
		return binary.AppendVarint(append(b, 0), c)
	}
	return appendStr(append(b, 1), r.Premium.String())
}

var errBadBlock = errors.New("reconciliation block is corrupt")

// itemReader decodes the items of one inflated block, or the rows of one
// chunk that ahead queued.
type itemReader struct {
	p []byte
	// text, when set, holds the same bytes as p did at the start: strings
	// are then cut from it instead of being allocated one by one.
	text string
	// premiums, when set, keeps the premiums decoded so far by their cents:
	// the rows of a statement share a few hundred amounts.
	premiums map[int64]decimal.Decimal
	err      error
}

// row decodes the next row appendRow encoded into r.
func (x *itemReader) row(r *subsidy.Row) error {
	r.Row = int(x.varint())
	r.CertificateNo, r.HouseholdNo, r.IDNumber, r.Name = x.str(), x.str(), x.str(), x.str()
	r.Category = x.cat()
	r.CoverageStart, r.CoverageEnd = x.date(), x.date()
	if len(x.p) == 0 {
		return errBadBlock
	}
	tag := x.p[0]
	x.p = x.p[1:]
	switch tag {
	case 0:
		r.Premium = x.cents(x.varint())
	case 1:
		var err error
		if r.Premium, err = decimal.NewFromString(x.str()); err != nil && x.err == nil {
			x.err = errBadBlock
		}
	default:
		x.err = errBadBlock
	}
	return x.err
}

func (x *itemReader) cents(c int64) decimal.Decimal {
	if d, ok := x.premiums[c]; ok {
		return d
	}
	d := decimal.New(c, -2)
	if x.premiums != nil && len(x.premiums) < 4096 {
		x.premiums[c] = d
	}
	return d
}

func (x *itemReader) uvarint() uint64 {
	v, n := binary.Uvarint(x.p)
	if n <= 0 {
		x.err, x.p = errBadBlock, nil
		return 0
	}
	x.p = x.p[n:]
	return v
}

func (x *itemReader) varint() int64 {
	v, n := binary.Varint(x.p)
	if n <= 0 {
		x.err, x.p = errBadBlock, nil
		return 0
	}
	x.p = x.p[n:]
	return v
}

func (x *itemReader) str() string {
	n := x.uvarint()
	if n > uint64(len(x.p)) {
		x.err, x.p = errBadBlock, nil
		return ""
	}
	var s string
	if x.text != "" {
		at := len(x.text) - len(x.p)
		s = x.text[at : at+int(n)]
	} else {
		s = string(x.p[:n])
	}
	x.p = x.p[n:]
	return s
}

func (x *itemReader) cat() znb.Category {
	if len(x.p) == 0 {
		x.err = errBadBlock
		return ""
	}
	c := x.p[0]
	x.p = x.p[1:]
	if int(c) < len(blockCats) {
		return blockCats[c]
	}
	if c != catText {
		x.err, x.p = errBadBlock, nil
		return ""
	}
	return internCategory(x.str())
}

func (x *itemReader) date() znb.Date { return znb.Date{}.AddDays(int(x.varint())) }

// next decodes the next item into r.
func (x *itemReader) next(r *rawItem) error {
	r.row = int(x.uvarint())
	r.cert, r.household, r.id, r.name = x.str(), x.str(), x.str(), x.str()
	r.listCat, r.billedCat = x.cat(), x.cat()
	r.start, r.end = x.date(), x.date()
	r.premium, r.expected, r.allowed = x.varint(), x.varint(), x.varint()
	r.note = x.str()
	return x.err
}

// itemRow turns a stored item of finding f into the row itemRow.detail
// rebuilds a Detail from.
func (r *rawItem) itemRow(f int) itemRow {
	return itemRow{Finding: f, RowNo: r.row, CertificateNo: r.cert, HouseholdNo: r.household,
		IDNumber: r.id, Name: r.name, ListCategory: string(r.listCat), BilledCategory: string(r.billedCat),
		CoverageStart: r.start, CoverageEnd: r.end, Premium: decimal.New(r.premium, -2),
		Expected: decimal.New(r.expected, -2), Allowed: decimal.New(r.allowed, -2), Note: r.note}
}

// billRow is the bill row a billed item was made from.
func (r *rawItem) billRow() subsidy.Row {
	return subsidy.Row{Row: r.row, CertificateNo: r.cert, HouseholdNo: r.household, IDNumber: r.id,
		Name: r.name, Category: r.billedCat, CoverageStart: r.start, CoverageEnd: r.end,
		Premium: decimal.New(r.premium, -2)}
}

func inflate(body []byte) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(body))
	defer r.Close()
	return io.ReadAll(r)
}

// blockWriter stores the detail rows of a run in blocks as the engine
// produces them. The caller's goroutine encodes each row into the open
// block of its finding; a second goroutine deflates full blocks and inserts
// them through the transaction, so that the run's two halves use both cores.
type blockWriter struct {
	id    int64
	raw   [16][]byte // open block per finding
	n     [16]int    // rows in the open block
	next  [16]int    // number of the open block
	ch    chan rawBlock
	free  chan []byte
	done  chan struct{}
	stop  atomic.Bool // set by close(false): skip what is still queued
	fail  atomic.Bool
	err   error // the writer's first error, read after done
	count int
}

type rawBlock struct {
	finding, block, n int
	data              []byte
}

func newBlockWriter(ctx context.Context, tx *gorm.DB, id int64) *blockWriter {
	w := &blockWriter{id: id, ch: make(chan rawBlock, 16), free: make(chan []byte, 32), done: make(chan struct{})}
	go w.run(ctx, tx.Statement.ConnPool)
	return w
}

func (w *blockWriter) run(ctx context.Context, pool gorm.ConnPool) {
	defer close(w.done)
	var z bytes.Buffer
	zw, _ := flate.NewWriter(&z, flate.BestSpeed)
	for b := range w.ch {
		if w.err == nil && !w.stop.Load() {
			z.Reset()
			zw.Reset(&z)
			_, err := zw.Write(b.data)
			if err == nil {
				err = zw.Close()
			}
			if err == nil {
				_, err = pool.ExecContext(ctx, `INSERT INTO reconciliation_blocks
					(reconciliation_id, finding, block, item_count, body) VALUES (?, ?, ?, ?, ?)`,
					w.id, b.finding, b.block, b.n, z.Bytes())
			}
			if err != nil {
				w.err = err
				w.fail.Store(true)
			}
		}
		select {
		case w.free <- b.data[:0]:
		default:
		}
	}
}

var errBlockWriter = errors.New("writing reconciliation blocks failed")

// add appends detail d to the open block of its finding.
func (w *blockWriter) add(d *subsidy.Detail) error {
	if w.fail.Load() {
		return errBlockWriter
	}
	f := findingNo(d.Finding)
	if f < 0 || f >= len(w.raw) {
		return fmt.Errorf("unknown finding %q", d.Finding)
	}
	if w.raw[f] == nil {
		select {
		case w.raw[f] = <-w.free:
		default:
			w.raw[f] = make([]byte, 0, 128<<10)
		}
	}
	var err error
	if w.raw[f], err = appendItem(w.raw[f], d); err != nil {
		return err
	}
	w.count++
	if w.n[f]++; w.n[f] == blockItems {
		w.send(f)
	}
	return nil
}

func (w *blockWriter) send(f int) {
	w.ch <- rawBlock{finding: f, block: w.next[f], n: w.n[f], data: w.raw[f]}
	w.next[f]++
	w.n[f], w.raw[f] = 0, nil
}

// close writes the open blocks when keep is set (or drops what is queued
// when not) and waits for the writer; it returns the writer's error.
func (w *blockWriter) close(keep bool) error {
	if keep {
		for f := range w.raw {
			if w.n[f] > 0 {
				w.send(f)
			}
		}
	} else {
		w.stop.Store(true)
	}
	close(w.ch)
	<-w.done
	return w.err
}

// blockRow is a stored block as read back.
type blockRow struct {
	finding, block, n int
	body              []byte
}

// eachBlock streams the blocks of reconciliation id in (finding, block)
// order: one finding's blocks from..to when finding ≥ 0 (to < 0: to the
// end), or every block when finding < 0.
func (db *DB) eachBlock(ctx context.Context, id int64, finding, from, to int, fn func(b *blockRow) error) error {
	q := "SELECT finding, block, item_count, body FROM reconciliation_blocks WHERE reconciliation_id = ?"
	args := []any{id}
	if finding >= 0 {
		q += " AND finding = ? AND block >= ?"
		args = append(args, finding, from)
		if to >= 0 {
			q += " AND block <= ?"
			args = append(args, to)
		}
	}
	rows, err := db.Gorm(ctx).Raw(q+" ORDER BY finding, block", args...).Rows()
	if err != nil {
		return znb.Wrap(err, "读取对账明细")
	}
	defer rows.Close()
	var b blockRow
	for rows.Next() {
		if err := rows.Scan(&b.finding, &b.block, &b.n, &b.body); err != nil {
			return znb.Wrap(err, "读取对账明细")
		}
		if err := fn(&b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return znb.Wrap(err, "读取对账明细")
	}
	return nil
}

// eachItem decodes block b and hands its items to fn with their number
// within the finding.
func eachItem(b *blockRow, fn func(k int, r *rawItem) error) error {
	raw, err := inflate(b.body)
	if err != nil {
		return znb.Wrap(err, "读取对账明细")
	}
	x := itemReader{p: raw}
	var r rawItem
	for i := 0; i < b.n; i++ {
		if err := x.next(&r); err != nil {
			return znb.Wrap(err, "读取对账明细")
		}
		if err := fn(b.block*blockItems+i, &r); err != nil {
			return err
		}
	}
	return nil
}

// blockPage returns rows offset … offset+limit−1 of the detail rows of
// rec in ReconciliationItems' order, from the finding counts of its result.
func (db *DB) blockPage(ctx context.Context, rec *subsidy.Reconciliation, only subsidy.Finding, offset, limit int) ([]subsidy.Detail, error) {
	sp := newSplits(rec.Terms)
	var out []subsidy.Detail
	for fi, t := range rec.Result.Findings {
		if limit == 0 {
			break
		}
		if only != "" && t.Finding != only {
			continue
		}
		if offset >= t.Count {
			offset -= t.Count
			continue
		}
		take := min(limit, t.Count-offset)
		first, last := offset, offset+take-1
		err := db.eachBlock(ctx, rec.ID, fi, first/blockItems, last/blockItems, func(b *blockRow) error {
			return eachItem(b, func(k int, r *rawItem) error {
				if k >= first && k <= last {
					row := r.itemRow(fi)
					out = append(out, row.detail(sp))
				}
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
		limit -= take
		offset = 0
	}
	return out, nil
}

// blockBill streams the bill a statement reconciliation kept in its blocks,
// in file order: the billed rows of every finding but not_insured, merged
// by row number (rows numbers rise through the file).
func (db *DB) blockBill(ctx context.Context, id int64) iter.Seq2[subsidy.Row, error] {
	return func(yield func(subsidy.Row, error) bool) {
		notInsured := findingNo(subsidy.NotInsured)
		var streams []*blockStream
		byFinding := map[int]*blockStream{}
		err := db.eachBlock(ctx, id, -1, 0, -1, func(b *blockRow) error {
			if b.finding == notInsured {
				return nil
			}
			s := byFinding[b.finding]
			if s == nil {
				s = &blockStream{}
				byFinding[b.finding] = s
				streams = append(streams, s)
			}
			s.blocks = append(s.blocks, *b) // Scan gave b a body of its own)
			return nil
		})
		if err != nil {
			yield(subsidy.Row{}, err)
			return
		}
		for _, s := range streams {
			if err := s.advance(); err != nil {
				yield(subsidy.Row{}, err)
				return
			}
		}
		for {
			var low *blockStream
			for _, s := range streams {
				if s.ok && (low == nil || s.cur.row < low.cur.row) {
					low = s
				}
			}
			if low == nil {
				return
			}
			if !yield(low.cur.billRow(), nil) {
				return
			}
			if err := low.advance(); err != nil {
				yield(subsidy.Row{}, err)
				return
			}
		}
	}
}

// blockStream reads the items of one finding's blocks in order.
type blockStream struct {
	blocks []blockRow
	x      itemReader
	left   int
	cur    rawItem
	ok     bool
}

func (s *blockStream) advance() error {
	for s.left == 0 {
		if len(s.blocks) == 0 {
			s.ok = false
			return nil
		}
		raw, err := inflate(s.blocks[0].body)
		if err != nil {
			return znb.Wrap(err, "读取对账明细")
		}
		s.x, s.left = itemReader{p: raw}, s.blocks[0].n
		s.blocks = s.blocks[1:]
	}
	if err := s.x.next(&s.cur); err != nil {
		return znb.Wrap(err, "读取对账明细")
	}
	s.left--
	s.ok = true
	return nil
}
