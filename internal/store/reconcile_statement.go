package store

import (
	"fmt"
	"iter"
	"strings"
	"sync/atomic"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// maxRejections bounds the rejections a refused statement reports; the count
// of all of them is still given.
const maxRejections = 1000

// statement streams the rows of an uploaded statement file (SPEC §12), in
// Chinese or identifier headers, parsed with subsidy.ParseRow. Rows with a
// refused cell are not yielded but collected, so that one pass both
// reconciles a good file and reports every fault of a bad one; the caller
// checks rejected() afterwards and throws the run away when it is not empty.
type statement struct {
	rows  sheet.Rows
	terms subsidy.Terms
	cols  [7]int // index of each subsidy.Columns entry in the file
	rej   []subsidy.Rejection
	bad   int // rejected cells, including those not kept
	count int // data rows read
	// refused is set as soon as a row is rejected, for a reader in another
	// goroutine than the one parsing.
	refused atomic.Bool
}

// openStatement opens the file and reads its header. A file that is not a
// spreadsheet, or whose header lacks a column, is refused at once.
func openStatement(path string, t subsidy.Terms) (*statement, error) {
	rows, err := sheet.Open(path)
	if err != nil {
		return nil, err
	}
	s := &statement{rows: rows, terms: t}
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, znb.Errorf(znb.Invalid, "empty_file", "对账单为空")
	}
	for i := range s.cols {
		s.cols[i] = -1
	}
	for i, h := range rows.Row() {
		id, ok := subsidy.ColumnOf(strings.TrimPrefix(h, "\ufeff"))
		if !ok {
			continue // other columns (序号, 备注 …) are allowed and ignored
		}
		for j, c := range subsidy.Columns {
			if c.ID != id {
				continue
			}
			if s.cols[j] >= 0 {
				rows.Close()
				return nil, statementRejected([]subsidy.Rejection{{Row: 1, Column: id, Code: "statement_duplicate_column",
					Message: "表头中“" + c.Header + "”列出现了两次"}}, 1)
			}
			s.cols[j] = i
		}
	}
	var missing []subsidy.Rejection
	for j, c := range subsidy.Columns {
		if s.cols[j] < 0 {
			missing = append(missing, subsidy.Rejection{Row: 1, Column: c.ID, Code: "statement_missing_column",
				Message: fmt.Sprintf("表头缺少“%s”（%s）列", c.Header, c.ID)})
		}
	}
	if len(missing) > 0 {
		rows.Close()
		return nil, statementRejected(missing, len(missing))
	}
	return s, nil
}

func (s *statement) close() { s.rows.Close() }

// bill yields the good rows in file order; blank rows are skipped.
func (s *statement) bill() iter.Seq2[subsidy.Row, error] {
	return func(yield func(subsidy.Row, error) bool) {
		row := 1
		for s.rows.Next() {
			row++
			cells := s.rows.Row()
			if blank(cells) {
				continue
			}
			s.count++
			raw := subsidy.RawRow{Row: row, HouseholdNo: s.cell(cells, 0), IDNumber: s.cell(cells, 1),
				Name: s.cell(cells, 2), Category: s.cell(cells, 3), CoverageStart: s.cell(cells, 4),
				CoverageEnd: s.cell(cells, 5), Premium: s.cell(cells, 6)}
			r, rej := subsidy.ParseRow(s.terms, raw)
			if len(rej) > 0 {
				s.bad += len(rej)
				s.refused.Store(true)
				if room := maxRejections - len(s.rej); room > 0 {
					s.rej = append(s.rej, rej[:min(room, len(rej))]...)
				}
				continue
			}
			if !yield(r, nil) {
				return
			}
		}
		if err := s.rows.Err(); err != nil {
			yield(subsidy.Row{}, err)
		}
	}
}

func (s *statement) cell(cells []string, col int) string {
	if i := s.cols[col]; i < len(cells) {
		return cells[i]
	}
	return ""
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rejected returns the refusal of a statement with bad rows, or nil.
func (s *statement) rejected() error {
	if s.bad == 0 {
		if s.count == 0 {
			return znb.Errorf(znb.Invalid, "empty_file", "对账单中没有数据行")
		}
		return nil
	}
	return statementRejected(s.rej, s.bad)
}

// statementRejected is the error of a refused statement: code
// statement_rejected, the rejections in Details under "rejected" as a list
// import reports them.
func statementRejected(rej []subsidy.Rejection, total int) error {
	msg := fmt.Sprintf("对账单有 %d 处错误，未保存任何数据；请改正后重新上传", total)
	if total > len(rej) {
		msg += fmt.Sprintf("（仅列出前 %d 处）", len(rej))
	}
	e := znb.Errorf(znb.Invalid, "statement_rejected", "%s", msg)
	e.Details = map[string]any{"rejected": rej}
	return e
}

// Rejections returns the rejected cells carried by a statement_rejected
// error, or nil.
func Rejections(err error) []subsidy.Rejection {
	if err == nil {
		return nil
	}
	m, ok := znb.ErrorOf(err).Details.(map[string]any)
	if !ok {
		return nil
	}
	rej, _ := m["rejected"].([]subsidy.Rejection)
	return rej
}

// ahead runs bill in a goroutine of its own, up to about a million rows
// ahead of the reader, so that parsing a statement overlaps reading the
// list and reconciling. The reader gets the rows, then the bill's error if
// any; stop (idempotent) ends the goroutine early and waits for it, and
// must be called before the bill's source is closed or its state read.
func ahead(bill iter.Seq2[subsidy.Row, error]) (rows iter.Seq2[subsidy.Row, error], stop func()) {
	const chunk = 4096
	ch := make(chan []subsidy.Row, 256)
	quit, done := make(chan struct{}), make(chan struct{})
	var err error
	go func() {
		defer close(done)
		defer close(ch)
		buf := make([]subsidy.Row, 0, chunk)
		for r, e := range bill {
			if e != nil {
				err = e
				break
			}
			if buf = append(buf, r); len(buf) == chunk {
				select {
				case ch <- buf:
				case <-quit:
					return
				}
				buf = make([]subsidy.Row, 0, chunk)
			}
		}
		if len(buf) > 0 {
			select {
			case ch <- buf:
			case <-quit:
			}
		}
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			close(quit)
			<-done
		}
	}
	rows = func(yield func(subsidy.Row, error) bool) {
		for buf := range ch {
			for _, r := range buf {
				if !yield(r, nil) {
					return
				}
			}
		}
		<-done
		if err != nil {
			yield(subsidy.Row{}, err)
		}
	}
	return rows, stop
}
