package subsidy

import (
	"fmt"
	"iter"
	"strings"
	"sync/atomic"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// RowReader reads a spreadsheet row by row, as sheet.Rows does: Next moves
// to the next row (blank rows included, so that the n-th row is the
// spreadsheet's row n), Row returns its trimmed cells (reused by the next
// Next), Err the error that stopped the reading.
type RowReader interface {
	Next() bool
	Row() []string
	Err() error
	Close() error
}

// maxRejections bounds the rejections a refused statement reports; the count
// of all of them is still given.
const maxRejections = 1000

// Statement streams the rows of an uploaded statement file, in
// Chinese or identifier headers, parsed with ParseRow. Rows with a refused
// cell are not yielded but collected, so that one pass both reconciles a
// good file and reports every fault of a bad one; the caller checks
// Rejected afterwards and throws the run away when it is not nil.
type Statement struct {
	rows  RowReader
	terms Terms
	cols  [7]int // index of each Columns entry in the file
	rej   []Rejection
	// premiums are the amounts read so far (parseRow).
	premiums map[string]decimal.Decimal
	bad      int // rejected cells, including those not kept
	count    int // data rows read
	// refused is set as soon as a row is rejected, for a reader in another
	// goroutine than the one parsing.
	refused atomic.Bool
}

// ReadStatement reads the header of a statement for the agreement's terms.
// A file whose header lacks a column, or names one twice, is refused at once
// (statement_rejected), as is a file without even a header (empty_file); the
// rows are closed then. Otherwise the Statement owns rows and Close closes
// them.
func ReadStatement(rows RowReader, t Terms) (*Statement, error) {
	s := &Statement{rows: rows, terms: t, premiums: map[string]decimal.Decimal{}}
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
		id, ok := ColumnOf(strings.TrimPrefix(h, "\ufeff"))
		if !ok {
			continue // other columns (序号, 备注 …) are allowed and ignored
		}
		for j, c := range Columns {
			if c.ID != id {
				continue
			}
			if s.cols[j] >= 0 {
				rows.Close()
				return nil, statementRejected([]Rejection{{Row: 1, Column: id, Code: "statement_duplicate_column",
					Message: "表头中“" + c.Header + "”列出现了两次"}}, 1)
			}
			s.cols[j] = i
		}
	}
	var missing []Rejection
	for j, c := range Columns {
		if s.cols[j] < 0 {
			missing = append(missing, Rejection{Row: 1, Column: c.ID, Code: "statement_missing_column",
				Message: fmt.Sprintf("表头缺少“%s”（%s）列", c.Header, c.ID)})
		}
	}
	if len(missing) > 0 {
		rows.Close()
		return nil, statementRejected(missing, len(missing))
	}
	return s, nil
}

// Close closes the rows.
func (s *Statement) Close() error { return s.rows.Close() }

// Bill yields the good rows in file order; blank rows are skipped.
func (s *Statement) Bill() iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		row := 1
		for s.rows.Next() {
			row++
			cells := s.rows.Row()
			if blank(cells) {
				continue
			}
			s.count++
			raw := RawRow{Row: row, HouseholdNo: s.cell(cells, 0), IDNumber: s.cell(cells, 1),
				Name: s.cell(cells, 2), Category: s.cell(cells, 3), CoverageStart: s.cell(cells, 4),
				CoverageEnd: s.cell(cells, 5), Premium: s.cell(cells, 6)}
			r, rej := parseRow(s.terms, raw, s.premiums)
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
			yield(Row{}, err)
		}
	}
}

// Refused reports, from any goroutine, whether a row has been rejected so
// far: the run will be thrown away, so its detail rows need not be kept.
func (s *Statement) Refused() bool { return s.refused.Load() }

// Rejected returns the refusal of a statement once Bill is done: every bad
// cell (statement_rejected), or empty_file when it had no data row; nil
// when the statement is good.
func (s *Statement) Rejected() error {
	if s.bad == 0 {
		if s.count == 0 {
			return znb.Errorf(znb.Invalid, "empty_file", "对账单中没有数据行")
		}
		return nil
	}
	return statementRejected(s.rej, s.bad)
}

func (s *Statement) cell(cells []string, col int) string {
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

// statementRejected is the error of a refused statement: code
// statement_rejected, the first rejections in Details under "rejected" as a
// list import reports them, total the count of all.
func statementRejected(rej []Rejection, total int) error {
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
func Rejections(err error) []Rejection {
	if err == nil {
		return nil
	}
	m, ok := znb.ErrorOf(err).Details.(map[string]any)
	if !ok {
		return nil
	}
	rej, _ := m["rejected"].([]Rejection)
	return rej
}
