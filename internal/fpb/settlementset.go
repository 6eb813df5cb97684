package fpb

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// A feed keeps the settlements of one household together, as lines in the
// export's own twelve columns (dates as YYYY-MM-DD, amounts to the cent):
// a county sends a million settlements a year, and a stored row each cost
// more than everything else a feed does. What is read back is what the
// export said, in the order the file gave it.

// AppendSettlement appends s to the lines b, as one CSV line.
func AppendSettlement(b []byte, s SettlementRow) []byte {
	b = appendField(b, s.No)
	for _, f := range [...]string{s.IDNumber, s.Name, s.Provider, dateField(s.AdmittedOn), dateField(s.DischargedOn),
		s.SettledOn.String(), money.String(s.Total), money.String(s.BasicInsurancePaid), money.String(s.CriticalIllnessPaid),
		money.String(s.MedicalAssistancePaid), money.String(s.NonReimbursable)} {
		b = appendField(append(b, ','), f)
	}
	return append(b, '\n')
}

// ParseSettlements reads lines written by AppendSettlement. Row is each
// settlement's place in the lines, from 1.
func ParseSettlements(lines string) ([]SettlementRow, error) {
	return AppendSettlements(make([]SettlementRow, 0, strings.Count(lines, "\n")+1), lines)
}

// AppendSettlements is ParseSettlements appending to dst (which it may
// reuse): a claim's proposal reads its sets one after another.
func AppendSettlements(dst []SettlementRow, lines string) ([]SettlementRow, error) {
	out, before := dst, len(dst)
	var f [12]string
	for len(lines) > 0 {
		i := strings.IndexByte(lines, '\n')
		if i < 0 {
			i = len(lines)
		}
		line := lines[:i]
		if strings.IndexByte(line, '"') >= 0 {
			// A quoted field may hold a line break: the rest is read as
			// CSV, which knows its quotes.
			rest, err := parseQuoted(lines, len(out)-before)
			return append(out, rest...), err
		}
		lines = lines[min(i+1, len(lines)):]
		n := 0
		for n < len(f)-1 {
			j := strings.IndexByte(line, ',')
			if j < 0 {
				break
			}
			f[n], line = line[:j], line[j+1:]
			n++
		}
		if f[n] = line; n != len(f)-1 || strings.IndexByte(line, ',') >= 0 {
			return nil, fmt.Errorf("settlement line %d: want %d fields", len(out)-before+1, len(f))
		}
		s, err := settlementOf(f[:], len(out)-before+1)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// parseQuoted reads lines holding quoted fields, numbering them on from
// before.
func parseQuoted(lines string, before int) ([]SettlementRow, error) {
	r := csv.NewReader(strings.NewReader(lines))
	r.FieldsPerRecord = len(settlementColumns)
	r.ReuseRecord = true
	var out []SettlementRow
	for {
		f, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		s, err := settlementOf(f, before+len(out)+1)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
}

// settlementOf reads the twelve fields of a line.
func settlementOf(f []string, row int) (SettlementRow, error) {
	// The fields share the lines' memory: a set's settlements are read
	// for the moment a claim is worked out.
	s := SettlementRow{Row: row, IDNumber: f[colID], Name: f[colName], Provider: f[colProvider]}
	s.No = f[colNo]
	var errs [8]error
	s.AdmittedOn, errs[0] = optDate(f[colAdmitted])
	s.DischargedOn, errs[1] = optDate(f[colDischarged])
	s.SettledOn, errs[2] = znb.ParseDate(f[colSettled])
	s.Total, errs[3] = decimal.NewFromString(f[colTotal])
	s.BasicInsurancePaid, errs[4] = decimal.NewFromString(f[colBasic])
	s.CriticalIllnessPaid, errs[5] = decimal.NewFromString(f[colCritical])
	s.MedicalAssistancePaid, errs[6] = decimal.NewFromString(f[colAssistance])
	s.NonReimbursable, errs[7] = decimal.NewFromString(f[colNonReimb])
	for _, err := range errs {
		if err != nil {
			return SettlementRow{}, fmt.Errorf("settlement line %d: %w", row, err)
		}
	}
	return s, nil
}

func dateField(d znb.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func optDate(v string) (znb.Date, error) {
	if v == "" {
		return znb.Date{}, nil
	}
	return znb.ParseDate(v)
}

// appendField appends v, quoted when it holds a comma, a quote or a line
// break.
func appendField(b []byte, v string) []byte {
	if !strings.ContainsAny(v, ",\"\r\n") {
		return append(b, v...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(v, `"`, `""`)...)
	return append(b, '"')
}
