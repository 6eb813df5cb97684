package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// listInForce returns the county's list in force on day: its latest version
// with an effective date on or before it (the last imported among several of
// one day).
func (db *DB) listInForce(ctx context.Context, county string, day znb.Date) (*registry.ListVersion, error) {
	var row listRow
	err := db.Gorm(ctx).Where("county = ? AND effective_date <= ?", county, day).
		Order("effective_date DESC, id DESC").Take(&row).Error
	if err != nil {
		if e := notFound(err, ""); znb.CodeOf(e) == "not_found" {
			// The query found no version: said as the request's fault (a day
			// before the county's first list), as it always was.
			return nil, znb.Errorf(znb.Invalid, "no_list_in_force", "县 %s 在 %s 没有生效的名单", county, day)
		}
		return nil, znb.Wrap(err, "读取名单")
	}
	return row.version(), nil
}

// listEntries reads the people of list version l for a reconciliation under
// terms t: ID number, name, household, the household's category, status and
// status date.
//
// CoverFrom follows the cover rule: cover starts on the effective date of the list
// version that first brought the person in. That version is found by walking
// back from l through the county's earlier versions (by effective date, then
// import order) while the person is in each; the walk stops at the first
// version effective on or before the term start, since anyone already in it
// is covered from the start. A person who left and came back counts from
// their return. When l itself is effective on or before the term start, no
// earlier version is read at all.
//
// The households' categories are read first into a map and the members
// then without a join, each with its household number taken from the map's
// key: a million members allocate only their ID numbers and names. Members
// come in the order the database finds cheapest and are put in file order
// here by their row numbers.
func (db *DB) listEntries(ctx context.Context, l *registry.ListVersion, t subsidy.Terms) ([]subsidy.Entry, error) {
	list, err := db.readListEntries(ctx, l)
	if err != nil {
		return nil, znb.Wrap(err, "读取名单")
	}
	if !l.Effective.After(t.Start) {
		return list, nil
	}
	return list, db.coverFrom(ctx, l, t, list)
}

type listHousehold struct {
	no       string
	category znb.Category
}

func (db *DB) readListEntries(ctx context.Context, l *registry.ListVersion) ([]subsidy.Entry, error) {
	g := db.Gorm(ctx)
	// The pure-Go SQLite driver spends more per column than per row, so
	// there each row travels packed into one text column. Only the last
	// value of a packed row, or one with its length before it, may hold a
	// comma: categories, statuses, dates and ID numbers never do.
	packed := db.Dialect == SQLite
	q := "SELECT household_no, category FROM households WHERE list_id = ?"
	if packed {
		q = "SELECT category || ',' || household_no FROM households WHERE list_id = ?"
	}
	rows, err := g.Raw(q, l.ID).Rows()
	if err != nil {
		return nil, err
	}
	households := make(map[string]listHousehold, l.Households)
	var line, no, cat sql.RawBytes
	for rows.Next() {
		if packed {
			err = rows.Scan(&line)
			cat, no, _ = bytes.Cut(line, []byte{','})
		} else {
			err = rows.Scan(&no, &cat)
		}
		if err != nil {
			rows.Close()
			return nil, err
		}
		h := listHousehold{no: string(no), category: internCategory(string(cat))}
		households[h.no] = h
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}

	q = "SELECT id_number, name, household_no, status, status_date, row_no FROM members WHERE list_id = ?"
	if packed {
		q = `SELECT row_no || ',' || status || ',' || IFNULL(status_date, '') || ',' ||
				length(CAST(household_no AS BLOB)) || ',' || household_no || id_number || ',' || name
			FROM members WHERE list_id = ?`
	}
	rows, err = g.Raw(q, l.ID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := make([]subsidy.Entry, 0, l.Members)
	order := make([]int32, 0, l.Members)
	sorted := true
	// e is declared once: Scan takes its address, so a variable of the
	// loop's would be a heap object per member (a million of them, 86 MB).
	var (
		id, name, status sql.RawBytes
		row              int32
		text             textArena
		e                subsidy.Entry
	)
	for rows.Next() {
		e = subsidy.Entry{}
		if packed {
			if err := rows.Scan(&line); err != nil {
				return nil, err
			}
			if no, id, name, err = unpackMember(line, &e, &row); err != nil {
				return nil, err
			}
		} else {
			if err := rows.Scan(&id, &name, &no, &status, &e.StatusDate, &row); err != nil {
				return nil, err
			}
			e.Status = internStatus(string(status))
		}
		h, ok := households[string(no)]
		if !ok { // cannot happen: every stored member has a stored household
			return nil, fmt.Errorf("member %s: household %s missing", id, no)
		}
		e.HouseholdNo, e.Category = h.no, h.category
		if n := len(order); n > 0 && row < order[n-1] {
			sorted = false
		}
		list = append(list, e)
		order = append(order, row)
		text.add(list, id, name)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	text.flush(list)
	if !sorted {
		byRow(list, order)
	}
	return list, nil
}

// unpackMember reads "row,status,status_date,n,household_no id_number,name"
// (the packed column of readListEntries, n the household number's length
// in bytes) into e and row, and returns the household number, ID number
// and name.
func unpackMember(b []byte, e *subsidy.Entry, row *int32) (no, id, name []byte, err error) {
	rowText, rest, ok1 := bytes.Cut(b, []byte{','})
	status, rest, ok2 := bytes.Cut(rest, []byte{','})
	date, rest, ok3 := bytes.Cut(rest, []byte{','})
	size, rest, ok4 := bytes.Cut(rest, []byte{','})
	n, ok5 := digitsOf(rowText)
	h, ok6 := digitsOf(size)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || int(h) > len(rest) {
		return nil, nil, nil, fmt.Errorf("member row %q: bad packed columns", b)
	}
	no = rest[:h]
	id, name, ok := bytes.Cut(rest[h:], []byte{','})
	if !ok {
		return nil, nil, nil, fmt.Errorf("member row %q: bad packed columns", b)
	}
	*row = n
	e.Status = internStatus(string(status))
	e.StatusDate = znb.Date{}
	if len(date) > 0 {
		err = e.StatusDate.Scan(date)
	}
	return no, id, name, err
}

// textArena gives the entries of a list their ID numbers and names cut
// from one string per 64 KB: a million people then make a few hundred
// objects instead of two million, each no larger than its text.
type textArena struct {
	buf  []byte
	ends []int32 // where each ID number and each name ends in buf
	from int     // the entry the first ID number in buf belongs to
}

// add queues the ID number and name of list's last entry.
func (a *textArena) add(list []subsidy.Entry, id, name []byte) {
	a.buf = append(a.buf, id...)
	a.ends = append(a.ends, int32(len(a.buf)))
	a.buf = append(a.buf, name...)
	a.ends = append(a.ends, int32(len(a.buf)))
	if len(a.buf) >= 64<<10 {
		a.flush(list)
	}
}

// flush sets the queued strings on their entries.
func (a *textArena) flush(list []subsidy.Entry) {
	s, at := string(a.buf), int32(0)
	for k := 0; k < len(a.ends); k += 2 {
		e := &list[a.from+k/2]
		e.IDNumber, e.Name = s[at:a.ends[k]], s[a.ends[k]:a.ends[k+1]]
		at = a.ends[k+1]
	}
	a.from += len(a.ends) / 2
	a.buf, a.ends = a.buf[:0], a.ends[:0]
}

// digitsOf reads a non-empty decimal number small enough for an int32.
func digitsOf(b []byte) (int32, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := int32(0)
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int32(c-'0')
	}
	return n, true
}

// byRow puts list in the order of its row numbers, in place.
func byRow(list []subsidy.Entry, rows []int32) {
	idx := make([]int32, len(list))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return cmp.Compare(rows[a], rows[b]) })
	// idx[k] is the entry that belongs at k; follow each cycle once.
	for k := range idx {
		if idx[k] < 0 || int(idx[k]) == k {
			continue
		}
		tmp := list[k]
		j := k
		for {
			src := int(idx[j])
			idx[j] = -1
			if src == k {
				list[j] = tmp
				break
			}
			list[j] = list[src]
			j = src
		}
	}
}

// coverFrom sets CoverFrom on list, the people of version l (see listEntries).
func (db *DB) coverFrom(ctx context.Context, l *registry.ListVersion, t subsidy.Terms, list []subsidy.Entry) error {
	var earlier []listRow
	err := db.Gorm(ctx).Where("county = ? AND id <> ? AND (effective_date < ? OR (effective_date = ? AND id < ?))",
		l.County, l.ID, l.Effective, l.Effective, l.ID).Order("effective_date DESC, id DESC").Find(&earlier).Error
	if err != nil {
		return znb.Wrap(err, "读取名单")
	}
	// present holds the people still in every version walked so far.
	present := make(map[string]int, len(list))
	for i := range list {
		list[i].CoverFrom = l.Effective
		present[list[i].IDNumber] = i
	}
	for _, v := range earlier {
		if len(present) == 0 {
			break
		}
		found := make(map[string]int, len(present))
		rows, err := db.Gorm(ctx).Raw("SELECT id_number FROM members WHERE list_id = ?", v.ID).Rows()
		if err != nil {
			return znb.Wrap(err, "读取名单")
		}
		var id string
		for rows.Next() {
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return znb.Wrap(err, "读取名单")
			}
			if i, ok := present[id]; ok {
				found[id] = i
				if v.EffectiveDate.After(t.Start) {
					list[i].CoverFrom = v.EffectiveDate
				} else {
					list[i].CoverFrom = znb.Date{}
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return znb.Wrap(err, "读取名单")
		}
		if !v.EffectiveDate.After(t.Start) {
			break
		}
		present = found
	}
	return nil
}

// internCategory and internStatus return the package constants, so that a
// million entries share a handful of strings.
func internCategory(s string) znb.Category {
	for _, c := range znb.Categories {
		if string(c) == s {
			return c
		}
	}
	return znb.Category(s)
}

func internStatus(s string) subsidy.MemberStatus {
	switch subsidy.MemberStatus(s) {
	case subsidy.Normal:
		return subsidy.Normal
	case subsidy.Deceased:
		return subsidy.Deceased
	case subsidy.MovedOut:
		return subsidy.MovedOut
	}
	return subsidy.MemberStatus(s)
}
