package store

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// A feed's settlements are stored by household: a settlement set holds the
// settlements one feed loaded for one household under one certificate, as
// lines of the export (fpb.AppendSettlement), with their count, dates and
// out-of-pocket sum beside them; settlement_numbers holds every number once,
// so that a number met again is skipped. A set goes into one illness claim
// whole: a claim takes all of a household's settlements in no claim yet.

// setLines bounds the lines of one set (TEXT holds 65,535 bytes on MySQL);
// setBuffer bounds what a feed holds before it writes its open sets.
var (
	setLines  = 32_000
	setBuffer = 16 << 20
)

// settlementRow is a stored settlement as a claim reads it: what the export
// said, and the set that holds it (Row is its place there).
type settlementRow struct {
	fpb.SettlementRow
	SetID int64
}

// sortSettlements puts settlements in the order they accrue: by settlement
// date, then as the feeds gave them.
func sortSettlements(s []settlementRow) {
	slices.SortFunc(s, func(a, b settlementRow) int {
		if c := a.SettledOn.Compare(b.SettledOn); c != 0 {
			return c
		}
		if c := cmp.Compare(a.SetID, b.SetID); c != 0 {
			return c
		}
		return cmp.Compare(a.Row, b.Row)
	})
}

// storedSet is a stored settlement set: where it belongs, its figures in
// sum, and its lines as stored.
type storedSet struct {
	ID            int64
	AgreementID   int64
	Insurer       string
	CertificateNo string
	HouseholdNo   string
	ClaimNo       string
	Settlements   int
	LastOn        znb.Date
	OutOfPocket   decimal.Decimal
	Body          string
}

// setClaims joins settlement_sets to the claims its sets went into: a set
// in no claim yet has no row there (set_id NULL).
const setClaims = "LEFT JOIN settlement_set_claims ON set_id = settlement_sets.id"

// readSets reads the sets q picks.
func readSets(q *gorm.DB) ([]storedSet, error) {
	rows, err := q.Joins(setClaims).
		Select("id, agreement_id, insurer, certificate_no, household_no, COALESCE(claim_no, ''), settlements, " +
			dateText("last_on") + ", out_of_pocket, body").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedSet
	for rows.Next() {
		var s storedSet
		if err := rows.Scan(&s.ID, &s.AgreementID, &s.Insurer, &s.CertificateNo, &s.HouseholdNo, &s.ClaimNo, &s.Settlements,
			&s.LastOn, &s.OutOfPocket, &s.Body); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// parseSets reads the settlements of sets, in the order they accrue.
func parseSets(sets []storedSet) ([]settlementRow, error) {
	n := 0
	for _, set := range sets {
		n += set.Settlements
	}
	out := make([]settlementRow, 0, n)
	var ss []fpb.SettlementRow
	for _, set := range sets {
		var err error
		ss, err = fpb.AppendSettlements(ss[:0], set.Body)
		if err != nil {
			return nil, znb.Errorf(znb.Internal, "settlement_set_corrupt", "结算单组 %d 无法读取：%v", set.ID, err)
		}
		for _, s := range ss {
			out = append(out, settlementRow{SettlementRow: s, SetID: set.ID})
		}
	}
	sortSettlements(out)
	return out, nil
}

// setKey is what a set belongs to: an agreement's household under one
// certificate, and the claim its settlements went into (none, for a feed);
// the zero key holds the settlements of persons not insured.
type setKey struct {
	agreementID   int64
	householdNo   string
	certificateNo string
	claimNo       string
}

// openSet is a set being gathered.
type openSet struct {
	key         setKey
	insurer     string
	region      string
	lines       []byte
	n           int
	first, last znb.Date
	outOfPocket decimal.Decimal
}

// setWriter gathers a feed's settlements into sets and writes a set when
// its lines are full, and all of them when it holds setBuffer bytes, so
// that a feed's memory stays bounded whatever its file.
type setWriter struct {
	sets    *batch
	numbers *batch
	feedID  int64
	now     int64
	open    map[setKey]*openSet
	order   []*openSet
	held    int
	moving  bool // writing sets as migration 0024 left them: the claim number in the set's row
}

var setColumns = []string{"feed_id", "agreement_id", "household_no", "certificate_no", "insurer", "region_code",
	"settlements", "first_on", "last_on", "out_of_pocket", "body", "created_at"}

func (db *DB) newSetWriter(tx *gorm.DB, feedID int64) *setWriter {
	ctx := tx.Statement.Context
	w := &setWriter{sets: newBatch(ctx, db, tx, "settlement_sets", setColumns...),
		numbers: newBatch(ctx, db, tx, "settlement_numbers", "settlement_no", "feed_id"),
		feedID:  feedID, now: db.nowMS(), open: map[setKey]*openSet{}}
	w.sets.literal() // the lines hold line breaks, which JSON escapes at a cost
	w.numbers.column()
	return w
}

// add stores s, whose line (fpb.AppendSettlement) is given, in the set of
// k, which belongs to the insurer and region given (empty for a person not
// insured).
func (w *setWriter) add(k setKey, insurer, region string, s fpb.SettlementRow, line []byte) error {
	if w.numbers != nil {
		if err := w.numbers.add(s.No, w.feedID); err != nil {
			return err
		}
	}
	set := w.open[k]
	if set == nil {
		set = &openSet{key: k, insurer: insurer, region: region}
		w.open[k] = set
		w.order = append(w.order, set)
	}
	if len(set.lines) > 0 && len(set.lines)+len(line) > setLines {
		if err := w.write(set); err != nil {
			return err
		}
	}
	set.lines = append(set.lines, line...)
	w.held += len(line)
	if set.n == 0 || s.SettledOn.Before(set.first) {
		set.first = s.SettledOn
	}
	if set.n == 0 || s.SettledOn.After(set.last) {
		set.last = s.SettledOn
	}
	set.n++
	set.outOfPocket = set.outOfPocket.Add(s.OutOfPocket())
	if w.held > setBuffer {
		return w.flush()
	}
	return nil
}

// write stores the set and empties it.
func (w *setWriter) write(s *openSet) error {
	if s.n == 0 {
		return nil
	}
	vals := []any{w.feedID, s.key.agreementID, s.key.householdNo, s.key.certificateNo, s.insurer, s.region,
		s.n, s.first, s.last, s.outOfPocket, bound(s.lines), w.now}
	if w.moving {
		vals = append(vals, s.key.claimNo)
	}
	err := w.sets.add(vals...)
	w.held -= len(s.lines)
	s.lines, s.n, s.outOfPocket = s.lines[:0], 0, decimal.Zero
	return err
}

// flush stores every open set and forgets them.
func (w *setWriter) flush() error {
	for _, s := range w.order {
		if err := w.write(s); err != nil {
			return err
		}
	}
	clear(w.open)
	w.order, w.held = w.order[:0], 0
	return nil
}

// close stores what is left and finishes the writes.
func (w *setWriter) close() error {
	if w.numbers == nil {
		return closeAll(w.flush(), w.sets)
	}
	return closeAll(w.flush(), w.sets, w.numbers)
}

// loadedNumbers reads which of the settlement numbers were loaded by an
// earlier feed. An export numbers its settlements in order, so a chunk's
// numbers are first looked for by their range: a new file's range holds no
// stored number, and one loaded again holds about its own numbers. Only
// when the range holds more (numbers out of order) are they looked up one
// by one.
func loadedNumbers(tx *gorm.DB, nos []string) (map[string]bool, error) {
	var loaded []string
	ranged := !slices.ContainsFunc(nos, padded)
	if ranged {
		lo, hi := slices.Min(nos), slices.Max(nos)
		if err := tx.Table("settlement_numbers").Where("settlement_no BETWEEN ? AND ?", lo, hi).Limit(len(nos)+1).
			Pluck("settlement_no", &loaded).Error; err != nil {
			return nil, err
		}
	}
	if !ranged || len(loaded) > len(nos) {
		loaded = loaded[:0]
		if err := tx.Table("settlement_numbers").Where("settlement_no IN ?", nos).Pluck("settlement_no", &loaded).Error; err != nil {
			return nil, err
		}
	}
	done := make(map[string]bool, len(loaded))
	for _, no := range loaded {
		done[no] = true
	}
	return done, nil
}

// padded reports whether no holds a space or a control character: MySQL's
// binary collation compares text as if padded with spaces, so such a
// number may sort there otherwise than byte by byte.
func padded(no string) bool {
	return strings.IndexFunc(no, func(r rune) bool { return r <= ' ' }) >= 0
}

// moveSettlements moves the settlements stored a row each (before sets)
// into sets: a set per feed, household, certificate and claim, in the order
// they were loaded; their numbers go with the feed that loaded them. The
// rows are read a page at a time (MySQL runs no statement on a connection
// while it sends a result).
func moveSettlements(db *DB, tx *gorm.DB) error {
	if err := tx.Exec("INSERT INTO settlement_numbers (settlement_no, feed_id) SELECT settlement_no, feed_id FROM medical_settlements").Error; err != nil {
		return err
	}
	type old struct {
		id, feed     int64
		key          setKey
		insurer, reg string
		s            fpb.SettlementRow
	}
	w := db.newSetWriter(tx, 0)
	w.numbers.close()
	w.numbers = nil
	// Until migration 0027 the claim numbers stay in the sets' own rows.
	w.sets.close()
	w.sets, w.moving = newBatch(tx.Statement.Context, db, tx, "settlement_sets", append(setColumns, "claim_no")...), true
	w.sets.literal()
	after := int64(0)
	for {
		rows, err := tx.Raw(`SELECT id, feed_id, agreement_id, household_no, certificate_no, claim_no, insurer, region_code,
			settlement_no, id_number, name, provider, admitted_on, discharged_on, settled_on, total, basic_insurance_paid,
			critical_illness_paid, medical_assistance_paid, non_reimbursable
			FROM medical_settlements WHERE id > ? ORDER BY id LIMIT 5000`, after).Rows()
		if err != nil {
			return err
		}
		var page []old
		for rows.Next() {
			var o old
			var admit, dischar *znb.Date
			if err := rows.Scan(&o.id, &o.feed, &o.key.agreementID, &o.key.householdNo, &o.key.certificateNo, &o.key.claimNo,
				&o.insurer, &o.reg, &o.s.No, &o.s.IDNumber, &o.s.Name, &o.s.Provider, &admit, &dischar, &o.s.SettledOn,
				&o.s.Total, &o.s.BasicInsurancePaid, &o.s.CriticalIllnessPaid, &o.s.MedicalAssistancePaid, &o.s.NonReimbursable); err != nil {
				rows.Close()
				return err
			}
			if admit != nil {
				o.s.AdmittedOn = *admit
			}
			if dischar != nil {
				o.s.DischargedOn = *dischar
			}
			page = append(page, o)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if len(page) == 0 {
			return w.close()
		}
		for _, o := range page {
			if o.feed != w.feedID {
				if err := w.flush(); err != nil {
					return err
				}
				w.feedID = o.feed
			}
			if err := w.add(o.key, o.insurer, o.reg, o.s, fpb.AppendSettlement(nil, o.s)); err != nil {
				return err
			}
		}
		after = page[len(page)-1].id
	}
}
