package store

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The 医保 settlement feed: a file is checked whole (all or nothing), then
// each settlement not loaded before is stored once with the household and
// agreement of the person insured on its settlement date; afterwards each
// household that took settlements gets its automatic illness claim opened
// or brought up to date, one transaction per household under the lock of
// its illness limit.

type medicalFeedRow struct {
	ID         int64
	FeedDate   znb.Date
	FileName   string
	RowsRead   int
	Loaded     int
	Skipped    int
	NotInsured int
	CreatedBy  string
	CreatedAt  int64
}

func (medicalFeedRow) TableName() string { return "medical_feeds" }

// MedicalImport is what one settlement feed did.
type MedicalImport struct {
	FeedID     int64
	FeedDate   znb.Date
	Rows       int // data rows of the file
	Loaded     int // settlements stored for an insured person
	Skipped    int // settlement numbers loaded before
	NotInsured []NotInsured
	Opened     []string // automatic illness claims opened
	Updated    []string // automatic illness claims that took new settlements
	Rejected   []registry.Reject
}

// NotInsured is a settlement whose person no agreement in the uploader's
// scope insured on the settlement date: stored (so a repeat is skipped) but
// never accrued or claimed. The ID number is masked.
type NotInsured struct {
	Row          int
	SettlementNo string
	IDNumber     string
	Name         string
	SettledOn    znb.Date
}

// feedChunk is how many settlements are looked up and written at once.
const feedChunk = 500

// ImportSettlements loads a settlement file. A file with a bad row is
// refused whole (settlements_rejected, every bad row in the details) and
// nothing is stored: the file is read once, in the transaction that stores
// it, and the transaction is rolled back when any row is rejected. The file
// is parsed on a goroutine of its own, and its settlements looked up on
// another (numbers loaded before, the covers of their persons), each a
// chunk ahead of the writes.
func (db *DB) ImportSettlements(ctx context.Context, by znb.Actor, f registry.File) (*MedicalImport, error) {
	if err := znb.Allow(by, znb.ImportSettlements); err != nil {
		return nil, err
	}
	start := time.Now()
	today := znb.DateOf(db.Now().In(znb.CST))
	res := &MedicalImport{FeedDate: today}
	touched := map[accrualKey]bool{}
	var order []accrualKey
	var refused error
	err := db.BulkTx(ctx, func(tx *gorm.DB) error {
		feed := medicalFeedRow{FeedDate: today, FileName: clipRunes(f.Name, 255), CreatedBy: by.Username, CreatedAt: db.nowMS()}
		if err := tx.Create(&feed).Error; err != nil {
			return err
		}
		res.FeedID = feed.ID
		rows, err := f.Open()
		if err != nil {
			return err
		}
		defer rows.Close()
		out := db.newSetWriter(tx, feed.ID)
		defer out.close()
		ahead := readAhead(rows, today)
		defer ahead.stop()
		look := lookAhead(db.Gorm(ctx), by, ahead)
		defer look.stop()
		var werr error
		for chunk := range look.chunks {
			if werr != nil {
				continue
			}
			var keys []accrualKey
			if keys, werr = storeSettlements(out, chunk, res); werr != nil {
				look.stop()
			}
			for _, k := range keys {
				if !touched[k] {
					touched[k] = true
					order = append(order, k)
				}
			}
		}
		if werr != nil {
			return werr
		}
		if look.err != nil {
			return look.err
		}
		if ahead.err != nil {
			return ahead.err
		}
		res.Rows, res.Rejected = ahead.rows, ahead.rejected
		if refused = fpb.SettlementsRefusal(ahead.rejected); refused != nil {
			return refused
		}
		if err := out.close(); err != nil {
			return err
		}
		if err := tx.Model(&medicalFeedRow{}).Where("id = ?", feed.ID).Updates(map[string]any{"rows_read": res.Rows,
			"loaded": res.Loaded, "skipped": res.Skipped, "not_insured": len(res.NotInsured)}).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{region: by.Scope}, "medical.import", "medical_feed:"+itoa(feed.ID), map[string]any{
			"file": f.Name, "sha256": f.SHA256, "rows": res.Rows, "loaded": res.Loaded, "skipped": res.Skipped,
			"not_insured": len(res.NotInsured)})
	})
	if refused != nil {
		// What the refused file would have loaded is not reported.
		return &MedicalImport{FeedDate: today, Rows: res.Rows, Rejected: res.Rejected}, refused
	}
	if err != nil {
		return nil, znb.Wrap(err, "保存医保结算数据")
	}
	db.Log.Info("medical feed stored", "feed", res.FeedID, "rows", res.Rows, "loaded", res.Loaded, "skipped", res.Skipped,
		"not_insured", len(res.NotInsured), "households", len(order), "elapsed", time.Since(start).Round(time.Millisecond))
	candidates, open, err := db.illnessCandidates(ctx, order)
	if err != nil {
		return nil, err
	}
	if res.Opened, res.Updated, err = db.autoIllnessAll(ctx, candidates, open, today); err != nil {
		return nil, err
	}
	db.Log.Info("medical feed claims", "feed", res.FeedID, "opened", len(res.Opened), "updated", len(res.Updated),
		"elapsed", time.Since(start).Round(time.Millisecond))
	defer func() {
		db.Log.Info("medical feed warnings evaluated", "feed", res.FeedID, "elapsed", time.Since(start).Round(time.Millisecond))
	}()
	counties := map[string][]string{}
	for _, k := range order {
		a, err := db.claimAgreement(db.Gorm(ctx), k.agreementID)
		if err != nil {
			return nil, err
		}
		counties[a.County] = append(counties[a.County], k.householdNo)
	}
	for county, hs := range counties {
		db.warnAfter(ctx, county, hs...)
	}
	return res, nil
}

// settlementsAhead is a settlement file being parsed on a goroutine of its
// own: its clean rows come in chunks of feedChunk; once chunks is closed,
// the file's rejects, data rows and fault are set.
type settlementsAhead struct {
	chunks   chan []fpb.SettlementRow
	halt     chan struct{}
	halted   sync.Once
	rejected []registry.Reject
	rows     int
	err      error
}

var errStopped = errors.New("settlement feed stopped")

// readAhead starts parsing the file.
func readAhead(rows registry.Rows, today znb.Date) *settlementsAhead {
	a := &settlementsAhead{chunks: make(chan []fpb.SettlementRow, 2), halt: make(chan struct{})}
	go func() {
		defer close(a.chunks)
		send := func(chunk []fpb.SettlementRow) error {
			select {
			case a.chunks <- chunk:
				return nil
			case <-a.halt:
				return errStopped
			}
		}
		chunk := make([]fpb.SettlementRow, 0, feedChunk)
		a.rejected, a.rows, a.err = fpb.ReadSettlements(rows, today, func(s fpb.SettlementRow) error {
			if chunk = append(chunk, s); len(chunk) < feedChunk {
				return nil
			}
			err := send(chunk)
			chunk = make([]fpb.SettlementRow, 0, feedChunk)
			return err
		})
		if a.err == nil && len(chunk) > 0 {
			a.err = send(chunk)
		}
	}()
	return a
}

// stop tells the parser that no more chunks are wanted: the writes failed,
// or the caller returns.
func (a *settlementsAhead) stop() { a.halted.Do(func() { close(a.halt) }) }

// accrualKey is a household under an agreement, whose year accrues.
type accrualKey struct {
	agreementID int64
	householdNo string
}

// personCover is a cover period of a person on a certificate, with where it
// belongs.
type personCover struct {
	IDNumber      string `gorm:"column:id_number"`
	CoverStart    znb.Date
	CoverEnd      znb.Date
	CertificateNo string
	AgreementID   int64
	HouseholdNo   string
	RegionCode    string
	CancelledFrom znb.Date
	InsurerCode   string
}

// covers reports whether the cover insured its person on day d.
func (c *personCover) covers(d znb.Date) bool {
	return !d.Before(c.CoverStart) && !d.After(c.CoverEnd) && (c.CancelledFrom.IsZero() || d.Before(c.CancelledFrom))
}

// coverCache holds the covers of the persons a feed has met, by ID number
// (an empty list for a person no certificate names), and the certificates
// they are on: a county's file names each person several times, and a
// household's persons share a certificate; looking them up again cost a
// tenth of the feed. It is emptied when it reaches coverCacheSize persons,
// so that its memory stays bounded whatever the file.
type coverCache struct {
	persons map[string][]*personCover
	certs   map[string]*certCover // nil: no such certificate (or agreement)
}

// certCover is where a certificate belongs.
type certCover struct {
	agreementID   int64
	householdNo   string
	regionCode    string
	cancelledFrom znb.Date
	insurerCode   string
}

var coverCacheSize = 1 << 19

// load reads the covers of the persons of ids not met before: their
// memberships first, then the certificates not met before. Two reads
// rather than one join, which found each person's certificate again.
func (cc *coverCache) load(tx *gorm.DB, ids []string) error {
	if cc.persons == nil || len(cc.persons)+len(ids) > coverCacheSize {
		cc.persons, cc.certs = map[string][]*personCover{}, map[string]*certCover{}
	}
	var missing []string
	for _, id := range ids {
		if _, met := cc.persons[id]; !met {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// Scanned without GORM's reflection, which cost twice the query.
	rows, err := tx.Raw(`SELECT id_number, `+dateText("cover_start")+`, `+dateText("cover_end")+`, certificate_no
		FROM `+indexed(tx, "certificate_members", "certificate_members_id_number")+` WHERE id_number IN ?`, missing).Rows()
	if err != nil {
		return err
	}
	var found []*personCover
	var certNos []string
	for rows.Next() {
		c := &personCover{}
		if err := rows.Scan(&c.IDNumber, &c.CoverStart, &c.CoverEnd, &c.CertificateNo); err != nil {
			rows.Close()
			return err
		}
		if _, met := cc.certs[c.CertificateNo]; !met {
			cc.certs[c.CertificateNo] = nil
			certNos = append(certNos, c.CertificateNo)
		}
		found = append(found, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := cc.loadCerts(tx, certNos); err != nil {
		return err
	}
	for _, id := range missing {
		cc.persons[id] = nil
	}
	for _, c := range found {
		cert := cc.certs[c.CertificateNo]
		if cert == nil {
			continue
		}
		c.AgreementID, c.HouseholdNo, c.RegionCode, c.CancelledFrom, c.InsurerCode =
			cert.agreementID, cert.householdNo, cert.regionCode, cert.cancelledFrom, cert.insurerCode
		cc.persons[c.IDNumber] = append(cc.persons[c.IDNumber], c)
	}
	return nil
}

// loadCerts reads the certificates of nos with their agreements' insurers.
func (cc *coverCache) loadCerts(tx *gorm.DB, nos []string) error {
	if len(nos) == 0 {
		return nil
	}
	rows, err := tx.Raw(`SELECT c.certificate_no, c.agreement_id, c.household_no, c.region_code, `+dateText("c.cancelled_from")+`, a.insurer_code
		FROM `+indexed(tx, "certificates c", "certificates_no")+` JOIN agreements a ON a.id = c.agreement_id
		WHERE c.certificate_no IN ?`, nos).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var no string
		c := &certCover{}
		if err := rows.Scan(&no, &c.agreementID, &c.householdNo, &c.regionCode, &c.cancelledFrom, &c.insurerCode); err != nil {
			return err
		}
		cc.certs[no] = c
	}
	return rows.Err()
}

// resolved is a chunk of clean settlements with what the lookups found:
// whether each number was loaded before, and the cover that insured its
// person on its date (nil: not insured).
type resolved struct {
	rows   []fpb.SettlementRow
	loaded []bool
	cover  []*personCover
	lines  []byte // each settlement's line in a set (fpb.AppendSettlement), ends at ends[i]
	ends   []int
}

// lookups resolves a feed's parsed chunks on a goroutine of its own.
type lookups struct {
	chunks chan resolved
	halt   chan struct{}
	halted sync.Once
	ahead  *settlementsAhead
	err    error // set before chunks is closed
}

// lookAhead starts resolving the chunks the parser sends, through g: not
// the feed's transaction but what was committed before it. A settlement
// number loaded before was loaded by a feed that committed (numbers the
// file gives twice the parser refuses), and a feed does not change covers.
// The cover of a settlement is that of a certificate in by's scope which
// covered the person on the settlement date.
func lookAhead(g *gorm.DB, by znb.Actor, ahead *settlementsAhead) *lookups {
	l := &lookups{chunks: make(chan resolved, 2), halt: make(chan struct{}), ahead: ahead}
	go func() {
		defer close(l.chunks)
		covers := &coverCache{}
		for chunk := range ahead.chunks {
			r, err := resolve(g, by, chunk, covers)
			if err != nil {
				l.err = err
				ahead.stop()
				return
			}
			select {
			case l.chunks <- r:
			case <-l.halt:
				return
			}
		}
	}()
	return l
}

// stop tells the lookups and the parser that no more chunks are wanted.
func (l *lookups) stop() {
	l.halted.Do(func() { close(l.halt) })
	l.ahead.stop()
}

// resolve looks up a chunk.
func resolve(g *gorm.DB, by znb.Actor, chunk []fpb.SettlementRow, byID *coverCache) (resolved, error) {
	r := resolved{rows: chunk, loaded: make([]bool, len(chunk)), cover: make([]*personCover, len(chunk))}
	nos := make([]string, len(chunk))
	ids := make([]string, 0, len(chunk))
	seenID := map[string]bool{}
	for i, s := range chunk {
		nos[i] = s.No
		if !seenID[s.IDNumber] {
			seenID[s.IDNumber] = true
			ids = append(ids, s.IDNumber)
		}
	}
	done, err := loadedNumbers(g, nos)
	if err != nil {
		return r, err
	}
	if err := byID.load(g, ids); err != nil {
		return r, err
	}
	r.ends = make([]int, len(chunk))
	r.lines = make([]byte, 0, 128*len(chunk))
	for i, s := range chunk {
		r.lines = fpb.AppendSettlement(r.lines, s)
		r.ends[i] = len(r.lines)
		r.loaded[i] = done[s.No]
		for _, c := range byID.persons[s.IDNumber] {
			if c.covers(s.SettledOn) && by.Sees(c.RegionCode, c.InsurerCode) {
				r.cover[i] = c
				break
			}
		}
	}
	return r, nil
}

// storeSettlements stores a resolved chunk: a settlement number loaded
// before is skipped; the others go into the set of the household whose
// certificate covered the person, or into the set of persons not insured
// (reported). It returns the households that took settlements.
func storeSettlements(out *setWriter, chunk resolved, res *MedicalImport) ([]accrualKey, error) {
	var keys []accrualKey
	from := 0
	for i, s := range chunk.rows {
		line := chunk.lines[from:chunk.ends[i]]
		from = chunk.ends[i]
		if chunk.loaded[i] {
			res.Skipped++
			continue
		}
		var err error
		if c := chunk.cover[i]; c == nil {
			res.NotInsured = append(res.NotInsured, NotInsured{Row: s.Row, SettlementNo: s.No,
				IDNumber: registry.MaskID(s.IDNumber), Name: s.Name, SettledOn: s.SettledOn})
			err = out.add(setKey{}, "", "", s, line)
		} else {
			res.Loaded++
			keys = append(keys, accrualKey{c.AgreementID, c.HouseholdNo})
			err = out.add(setKey{agreementID: c.AgreementID, householdNo: c.HouseholdNo, certificateNo: c.CertificateNo},
				c.InsurerCode, c.RegionCode, s, line)
		}
		if err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// optDate is an optional date as a column value: NULL when zero.
func optDate(d znb.Date) any {
	if d.IsZero() {
		return nil
	}
	return d
}

// claimSettlements reads the settlements the illness claim r holds, as its
// assessment.
func (db *DB) claimSettlements(tx *gorm.DB, r *claimRow) (claim.IllnessAssessment, error) {
	sets, err := readSets(tx.Table("settlement_sets").
		Where("agreement_id = ? AND household_no = ? AND claim_no = ?", r.AgreementID, r.HouseholdNo, r.ClaimNo))
	if err != nil {
		return claim.IllnessAssessment{}, err
	}
	rows, err := parseSets(sets)
	if err != nil {
		return claim.IllnessAssessment{}, err
	}
	in := claim.IllnessAssessment{Settlements: make([]claim.Settlement, len(rows))}
	for i := range rows {
		in.Settlements[i] = rows[i].Settlement
	}
	return in, nil
}

// assessedColumns are the columns an assessment sets on its claim, and its
// audit detail.
func assessedColumns(c *claim.Claim) (set, detail map[string]any, err error) {
	var input []byte
	if m, ok := c.Input.(json.Marshaler); ok {
		input, err = m.MarshalJSON() // as compact as json.Marshal makes it, without checking it again
	} else {
		input, err = json.Marshal(c.Input)
	}
	if err != nil {
		return nil, nil, err
	}
	steps := make([]stepJSON, len(c.Breakdown))
	for i, s := range c.Breakdown {
		steps[i] = stepJSON{s.Code, s.Label, s.Amount.String()}
	}
	bd, err := marshalSteps(steps)
	if err != nil {
		return nil, nil, err
	}
	set = map[string]any{"assessment": string(input), "breakdown": string(bd), "payable": c.Payable,
		"remaining_before": c.RemainingBefore, "remaining_after": c.Remaining, "assessor_id": c.AssessorID, "assessor": c.Assessor}
	detail = map[string]any{"payable": money.String(c.Payable), "remaining_before": money.String(c.RemainingBefore),
		"assessment": json.RawMessage(input)}
	return set, detail, nil
}

// ConfirmClaim is the adjuster's confirmation of an automatic illness
// claim: an assessment of their own on the settlements the claim holds, on
// the household's cumulative amount now. Other claims are refused with
// not_auto_claim (they are assessed with their figures).
func (db *DB) ConfirmClaim(ctx context.Context, by znb.Actor, no, note string) (*claim.Claim, error) {
	g := db.Gorm(ctx)
	r, err := db.claimRow(g, by, no, false)
	if err != nil {
		return nil, err
	}
	c, err := r.claim()
	if err != nil {
		return nil, err
	}
	if err := c.CheckConfirmable(); err != nil {
		return nil, err
	}
	in, err := db.claimSettlements(g, r)
	if err != nil {
		return nil, znb.Wrap(err, "读取医保结算单")
	}
	if note == "" {
		note = "确认平台建议金额"
	}
	return db.AssessClaim(ctx, by, no, in, note)
}

// illnessCandidates picks, from the households that took settlements, those
// whose automatic illness claim may change: an open automatic claim takes
// their new settlements, or these open a claim (claim.OpensIllnessClaim).
// It reads the figures of all of them in a few grouped queries, so that a
// feed of a whole county runs a claim transaction only where one is due;
// autoIllness decides again under the lock.
func (db *DB) illnessCandidates(ctx context.Context, touched []accrualKey) ([]accrualKey, map[accrualKey]bool, error) {
	g := db.Gorm(ctx)
	terms := map[int64]*policy.LineTerms{}
	var ids []int64
	for _, k := range touched {
		if _, seen := terms[k.agreementID]; seen {
			continue
		}
		_, t, err := db.claimLineTerms(g, k.agreementID, znb.Illness)
		if err != nil {
			return nil, nil, err
		}
		terms[k.agreementID] = t
		if t != nil {
			ids = append(ids, k.agreementID)
		}
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	read := func(q string, args ...any) (map[accrualKey]decimal.Decimal, error) {
		out, err := figures(g, q, args...)
		return out, znb.Wrap(err, "读取因病累计")
	}
	fresh, err := read("SELECT agreement_id, household_no AS subject, SUM(out_of_pocket) AS amount FROM "+
		indexed(g, "settlement_sets", "settlement_sets_household")+
		" "+setClaims+
		" WHERE set_id IS NULL AND agreement_id IN ? GROUP BY agreement_id, household_no", ids)
	if err != nil {
		return nil, nil, err
	}
	acc, err := read("SELECT agreement_id, subject, accumulated AS amount FROM claim_accruals WHERE line = ? AND agreement_id IN ?", string(znb.Illness), ids)
	if err != nil {
		return nil, nil, err
	}
	used, err := read("SELECT agreement_id, subject, used AS amount FROM claim_limits WHERE line = ? AND agreement_id IN ?", string(znb.Illness), ids)
	if err != nil {
		return nil, nil, err
	}
	open, err := read("SELECT agreement_id, subject, 0 AS amount FROM claims WHERE line = ? AND agreement_id IN ? AND status IN ? AND flags LIKE ?",
		string(znb.Illness), ids, []string{string(claim.Reported), string(claim.Assessed)}, "%"+claim.FlagAuto+"%")
	if err != nil {
		return nil, nil, err
	}
	var out []accrualKey
	isOpen := map[accrualKey]bool{}
	for _, k := range touched {
		t := terms[k.agreementID]
		sum, has := fresh[k]
		if t == nil || !has {
			continue
		}
		_, o := open[k]
		if o || claim.OpensIllnessClaim(t, acc[k], used[k], sum) {
			out = append(out, k)
			isOpen[k] = o
		}
	}
	return out, isOpen, nil
}
