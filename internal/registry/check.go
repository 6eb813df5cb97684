package registry

import (
	"hash/maphash"
	"sort"
	"strconv"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Reject is one fault of one row: the spreadsheet row number (header = 1),
// the column identifier, a stable code and a Chinese message in which any
// ID number is masked.
type Reject struct {
	Row     int
	Column  string
	Code    string
	Message string
}

// Verdict is the outcome of checking a whole list.
type Verdict struct {
	// Rejected lists every fault of every bad row, sorted by row and then by
	// column in the order of the list format.
	Rejected []Reject
	// Households and Members count the clean households and their members,
	// those that an import with the partial option stores.
	Households, Members int
	// TotalHouseholds and TotalMembers count everything the list holds.
	TotalHouseholds, TotalMembers int
	index                         map[string]int32
	clean                         []bool
}

// OK reports whether the list holds the household with that number and none
// of its rows is bad, so that an import with the partial option keeps it.
func (v *Verdict) OK(householdNo string) bool {
	i, ok := v.index[householdNo]
	return ok && v.clean[i]
}

// household is what Check keeps of a household while reading: its rows, for
// reporting a household fault on each of them, and a hash of each repeated
// field to see that every row agrees.
type household struct {
	no       string
	rows     []int32
	sig      [colAccount]uint32 // hashes of the household columns of the first row
	heads    int32
	mismatch uint16 // bit per column that disagrees with the first row
	bad      bool
	account  uint32 // hash of the bank account of the first row giving one, 0 before
}

// householdCols are the columns repeated on every row of a household.
var householdCols = []column{colRegion, colVillage, colCategory, colIncome, colRisk}

// seen is where an ID number was met first.
type seen struct{ row, hh int32 }

type checker struct {
	county string
	today  znb.Date
	seed   maphash.Seed
	index  map[string]int32
	hhs    []household
	ids    map[uint64]seen
	dups   map[uint64][]seen
	rej    []Reject
	// faulty is set by the first row that breaks a rule, its own or one
	// across rows, as soon as it is seen.
	faulty bool
}

// Check reads a whole list file once and applies every rule to
// it, for the county with that 6-digit code; today bounds birth and status
// dates. A row-level or household-level fault is a Reject in the Verdict;
// a fault of the file itself (unreadable, empty, missing column) is returned
// as a *znb.Error instead. Memory grows by a few dozen bytes per person, not
// by a row per person, so a list of a million people checks in well under a
// gigabyte.
func Check(rows Rows, county string, today znb.Date) (*Verdict, error) {
	return CheckEach(rows, county, today, nil)
}

// CheckEach is Check that also hands rows on while it reads, so that a list
// taken whole or not at all is read once: fn is called for each row, in file
// order, as long as no rule has been broken yet by that row or any before
// it, whether a rule of the row alone or one across rows seen so far (an ID
// number met before, a second 户主, a household field or bank account that
// disagrees with the household's first row). A household without 户主
// shows only at the end. So fn never gets a second row of an ID number nor
// a second 户主 of a household, and when the Verdict rejects nothing, fn
// got every row. An error from fn stops the reading and is returned.
func CheckEach(rows Rows, county string, today znb.Date, fn func(Household, Member) error) (*Verdict, error) {
	l, headerRow, err := readHeader(rows)
	if err != nil {
		return nil, err
	}
	c := &checker{county: county, today: today, seed: maphash.MakeSeed(),
		index: map[string]int32{}, ids: map[uint64]seen{}, dups: map[uint64][]seen{}}
	var p parsed
	row := headerRow
	for rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		parseRow(&p, &l, cells, row, county, today)
		checkText(&p)
		c.add(&p, row)
		if fn != nil && !c.faulty {
			if err := fn(p.h, p.m); err != nil {
				return nil, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return c.verdict(), nil
}

func (c *checker) add(p *parsed, row int) {
	for _, f := range p.faults {
		c.reject(row, f.col, f.code, f.msg)
	}
	if len(p.faults) > 0 {
		c.faulty = true
	}
	hh := int32(-1)
	if no := p.h.No; no != "" {
		i, ok := c.index[no]
		if !ok {
			i = int32(len(c.hhs))
			// Clone: the cell may share memory with the whole line.
			c.hhs = append(c.hhs, household{no: strings.Clone(no), rows: make([]int32, 0, 4)})
			c.index[c.hhs[i].no] = i
		}
		hh = i
		h := &c.hhs[i]
		c.addToHousehold(h, p, row, !ok)
		if h.heads > 1 || h.mismatch != 0 {
			c.faulty = true
		}
	}
	if id := p.raw[colID]; wellFormed(id) {
		k := idKey(id)
		if first, ok := c.ids[k]; ok {
			if c.dups[k] == nil {
				c.dups[k] = []seen{first}
			}
			c.dups[k] = append(c.dups[k], seen{int32(row), hh})
			c.faulty = true
		} else {
			c.ids[k] = seen{int32(row), hh}
		}
	}
}

func (c *checker) addToHousehold(h *household, p *parsed, row int, first bool) {
	h.rows = append(h.rows, int32(row))
	if len(p.faults) > 0 {
		h.bad = true
	}
	if p.m.Relation == Head {
		h.heads++
	}
	for _, col := range householdCols {
		v := p.raw[col]
		switch {
		case col == colCategory && p.h.Category != "":
			v = string(p.h.Category)
		case col == colIncome && p.h.Income.Valid:
			v = p.h.Income.Decimal.String()
		}
		s := uint32(maphash.String(c.seed, v))
		if first {
			h.sig[col] = s
		} else if h.sig[col] != s {
			h.mismatch |= 1 << col
		}
	}
	// The bank account may be given on the 户主's row only, or repeated on
	// other rows; rows that give one must agree.
	if a := p.h.Account; a != (BankAccount{}) {
		s := uint32(maphash.String(c.seed, a.Number+"\x00"+a.Bank+"\x00"+a.Holder)) | 1
		if h.account == 0 {
			h.account = s
		} else if h.account != s {
			h.mismatch |= 1 << colAccount
		}
	}
}

func (c *checker) reject(row int, col column, code, msg string) {
	c.rej = append(c.rej, Reject{Row: row, Column: columns[col].id, Code: code, Message: msg})
}

func (c *checker) verdict() *Verdict {
	v := &Verdict{index: c.index, clean: make([]bool, len(c.hhs))}
	for k, copies := range c.dups {
		rows := make([]string, len(copies))
		for i, s := range copies {
			rows[i] = strconv.Itoa(int(s.row))
		}
		msg := "身份证号 " + MaskID(unkey(k)) + " 在名单中出现了 " + strconv.Itoa(len(copies)) + " 次（第 " + strings.Join(rows, "、") + " 行）"
		for _, s := range copies {
			c.reject(int(s.row), colID, "duplicate_id", msg)
			if s.hh >= 0 {
				c.hhs[s.hh].bad = true
			}
		}
	}
	for i := range c.hhs {
		h := &c.hhs[i]
		var faults []fault
		switch {
		case h.heads == 0:
			faults = append(faults, fault{colRelation, "no_head", "户 " + h.no + " 没有户主"})
		case h.heads > 1:
			faults = append(faults, fault{colRelation, "multiple_heads", "户 " + h.no + " 有 " + strconv.Itoa(int(h.heads)) + " 个户主，应只有一个"})
		}
		for col := column(0); col < numCols; col++ {
			if h.mismatch&(1<<col) != 0 {
				faults = append(faults, fault{col, "household_mismatch", "户 " + h.no + " 各成员行的“" + columns[col].header + "”不一致"})
			}
		}
		for _, f := range faults {
			for _, r := range h.rows {
				c.reject(int(r), f.col, f.code, f.msg)
			}
		}
		v.TotalHouseholds++
		v.TotalMembers += len(h.rows)
		if h.bad || len(faults) > 0 {
			continue
		}
		v.clean[i] = true
		v.Households++
		v.Members += len(h.rows)
	}
	order := map[string]int{}
	for i, col := range columns {
		order[col.id] = i
	}
	sort.SliceStable(c.rej, func(i, j int) bool {
		a, b := c.rej[i], c.rej[j]
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return order[a.Column] < order[b.Column]
	})
	v.Rejected = c.rej
	return v
}

// unkey turns an idKey back into the ID number.
func unkey(k uint64) string {
	last := k % 11
	s := strconv.FormatUint(k/11, 10)
	s = strings.Repeat("0", 17-len(s)) + s
	if last == 10 {
		return s + "X"
	}
	return s + string(byte('0'+last))
}

// Each reads a list file again, after Check, and calls fn for every row in
// file order that breaks no rule of its own, with the household fields of
// that row. It does not repeat the whole-list checks: callers skip the
// households that Verdict.OK refuses. An error from fn stops the reading and
// is returned.
func Each(rows Rows, county string, fn func(Household, Member) error) error {
	l, row, err := readHeader(rows)
	if err != nil {
		return err
	}
	// Dates were checked against the real today by Check.
	farFuture := znb.NewDate(9999, 12, 31)
	var p parsed
	for rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		parseRow(&p, &l, cells, row, county, farFuture)
		if len(p.faults) > 0 {
			continue
		}
		if err := fn(p.h, p.m); err != nil {
			return err
		}
	}
	return rows.Err()
}
