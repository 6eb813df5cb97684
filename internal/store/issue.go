package store

import (
	"context"
	"encoding/json"
	"errors"
	"sort"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// DefaultIssueChunk is how many households one issue transaction writes.
const DefaultIssueChunk = 5000

// IssueOptions tune a bulk issue.
type IssueOptions struct {
	// Chunk is the number of households per transaction; DefaultIssueChunk
	// when 0.
	Chunk int
	// Progress is called after each committed chunk with the list
	// households done so far by the run (every attempt) and their total.
	Progress func(done, total int)
}

// IssueResult is what one call of Issue wrote: a call that finds
// its run finished writes, and reports, nothing.
type IssueResult struct {
	RunID          int64
	MasterPolicyNo string
	Certificates   int             // certificates created
	Persons        int             // covers written for people newly insured
	Premium        decimal.Decimal // premiums of new certificates plus endorsement deltas
	Endorsements   int
	Excluded       []policy.Exclusion
}

type runRow struct {
	ID              int64
	AgreementID     int64
	ListID          int64
	Kind            string
	Status          string
	CursorNo        string
	HouseholdsTotal int
	HouseholdsDone  int
	Certificates    int
	Persons         int
	Premium         decimal.Decimal
	Endorsements    int
	Excluded        int
	Error           *string
	StartedBy       string
	StartedAt       int64
	UpdatedAt       int64
	FinishedAt      *int64
	Runner          string
	LeaseUntil      int64
}

func (runRow) TableName() string { return "issue_runs" }

func (r *runRow) job() *policy.IssueJob {
	j := &policy.IssueJob{ID: r.ID, AgreementID: r.AgreementID, ListID: r.ListID, Kind: policy.RunKind(r.Kind), Status: policy.RunStatus(r.Status),
		HouseholdsTotal: r.HouseholdsTotal, HouseholdsDone: r.HouseholdsDone, Certificates: r.Certificates,
		Persons: r.Persons, Premium: money.Round(r.Premium), Endorsements: r.Endorsements, Excluded: r.Excluded,
		StartedBy: r.StartedBy, StartedAt: r.StartedAt, UpdatedAt: r.UpdatedAt}
	if r.Error != nil {
		j.Error = *r.Error
	}
	if r.FinishedAt != nil {
		j.FinishedAt = *r.FinishedAt
	}
	return j
}

func runObject(id int64) string { return "issue_run:" + itoa(id) }

// run is one issue in progress: the fixed inputs of every chunk.
type run struct {
	by     znb.Actor
	a      *policy.Agreement
	list   *registry.ListVersion
	id     int64
	kind   policy.RunKind
	master string
	chunk  int
}

// PrepareIssue checks that the actor may issue the agreement with the list
// and returns its run, creating it (and the master policy) the first time.
// Issuing is znb.IssueAgreement within the agreement's scope; whether the
// agreement may be issued, and with this list after its earlier runs, is
// policy's to say (Agreement.CheckIssue, Agreement.NextRun).
func (db *DB) PrepareIssue(ctx context.Context, by znb.Actor, agreementID, listID int64) (*policy.IssueJob, error) {
	r, err := db.prepare(ctx, by, agreementID, listID)
	if err != nil {
		return nil, err
	}
	var row runRow
	if err := db.Gorm(ctx).Where("id = ?", r.id).Take(&row).Error; err != nil {
		return nil, znb.Wrap(err, "读取出单任务")
	}
	return row.job(), nil
}

func (db *DB) prepare(ctx context.Context, by znb.Actor, agreementID, listID int64) (*run, error) {
	g := db.Gorm(ctx)
	a, err := db.agreement(g, by, agreementID, "")
	if err != nil {
		return nil, err
	}
	if err := znb.Allow(by, znb.IssueAgreement); err != nil {
		return nil, err
	}
	if err := a.CheckIssue(); err != nil {
		return nil, err
	}
	list, err := db.listOf(g, by, listID, a.County)
	if err != nil {
		return nil, err
	}
	r := &run{by: by, a: a, list: list}
	// The agreement's runs are read and the new run created in one
	// transaction holding the agreement's row, so that two starts at once
	// find each other's run instead of both creating one.
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var locked int64
		if err := tx.Raw("SELECT id FROM agreements WHERE id = ?"+db.forUpdate(), agreementID).Scan(&locked).Error; err != nil {
			return err
		}
		prior, err := db.priorRuns(tx, agreementID)
		if err != nil {
			return err
		}
		next, err := a.NextRun(policy.RunList{ID: list.ID, County: list.County, Effective: list.Effective}, prior)
		if err != nil {
			return err
		}
		r.id, r.kind = next.ID, next.Kind
		if r.master, err = db.ensureMaster(tx, a); err != nil {
			return err
		}
		if r.id != 0 {
			return nil
		}
		now := db.nowMS()
		row := runRow{AgreementID: agreementID, ListID: listID, Kind: string(r.kind), Status: string(policy.RunRunning),
			HouseholdsTotal: list.Households, Premium: decimal.Zero, StartedBy: by.Username, StartedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		r.id = row.ID
		return db.audit(tx, by, scope{a.County, a.Insurer.Code}, "issue.start", runObject(row.ID), map[string]any{
			"agreement_id": agreementID, "list_id": listID, "kind": r.kind, "master_policy_no": r.master})
	})
	if err != nil {
		return nil, znb.Wrap(err, "创建出单任务")
	}
	return r, nil
}

// listOf reads a list version to issue an agreement of county with: a list
// the actor may not see there is not_found, exactly as a missing one.
func (db *DB) listOf(g *gorm.DB, by znb.Actor, id int64, county string) (*registry.ListVersion, error) {
	var row listRow
	if err := g.Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, notFound(err, "名单版本")
	}
	l := row.version()
	if err := l.VisibleUnder(by, county); err != nil {
		return nil, err
	}
	return l, nil
}

// priorRuns reads the agreement's issue runs in the order they started,
// each with its list version.
func (db *DB) priorRuns(g *gorm.DB, agreementID int64) ([]policy.PriorRun, error) {
	var rows []struct {
		ID, ListID    int64
		Kind, Status  string
		County        string
		EffectiveDate znb.Date
	}
	err := g.Raw(`SELECT r.id, r.list_id, r.kind, r.status, l.county, l.effective_date
		FROM issue_runs r JOIN list_versions l ON l.id = r.list_id
		WHERE r.agreement_id = ? ORDER BY r.id`, agreementID).Scan(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "读取出单任务")
	}
	out := make([]policy.PriorRun, len(rows))
	for i, x := range rows {
		out[i] = policy.PriorRun{ID: x.ID, Kind: policy.RunKind(x.Kind), Status: policy.RunStatus(x.Status),
			List: policy.RunList{ID: x.ListID, County: x.County, Effective: x.EffectiveDate}}
	}
	return out, nil
}

// ensureMaster returns the agreement's master policy number, creating the
// master policy with the county's next sequence number of the term's year.
func (db *DB) ensureMaster(tx *gorm.DB, a *policy.Agreement) (string, error) {
	var nos []string
	if err := tx.Table("master_policies").Where("agreement_id = ?", a.ID).Pluck("master_policy_no", &nos).Error; err != nil {
		return "", err
	}
	if len(nos) > 0 {
		return nos[0], nil
	}
	year := a.Term.Start.Year()
	var seq int
	if err := tx.Raw("SELECT COALESCE(MAX(seq), 0) FROM master_policies WHERE county = ? AND year = ?", a.County, year).Scan(&seq).Error; err != nil {
		return "", err
	}
	no := policy.MasterPolicyNo(a.County, year, seq+1)
	err := tx.Exec("INSERT INTO master_policies (master_policy_no, agreement_id, county, year, seq, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		no, a.ID, a.County, year, seq+1, db.nowMS()).Error
	if err != nil {
		return "", err
	}
	return no, db.audit(tx, znb.System, scope{a.County, a.Insurer.Code}, "master_policy.create", agreementObject(a.ID), map[string]any{"master_policy_no": no})
}

// Issue bulk-issues the agreement with a list version: the
// agreement's first list gets one certificate per eligible household, a
// newer one is applied as endorsements effective on its date. It works in
// household_no order, Chunk households per transaction, each transaction
// also moving the run's cursor; so a run stopped at any point (a cancelled
// context, a killed process) and started again continues where the last
// commit left it and ends with exactly the certificates of an uninterrupted
// run. A call on a finished run writes nothing.
func (db *DB) Issue(ctx context.Context, by znb.Actor, agreementID, listID int64, o IssueOptions) (*IssueResult, error) {
	r, err := db.prepare(ctx, by, agreementID, listID)
	if err != nil {
		return nil, err
	}
	lease, err := db.takeRun(ctx, r.id)
	if err != nil {
		return nil, err
	}
	return db.work(ctx, r, lease, o)
}

// work issues run r, whose lease this call holds, chunk after chunk to the
// end or until ctx is cancelled.
func (db *DB) work(ctx context.Context, r *run, lease *runLease, o IssueOptions) (*IssueResult, error) {
	defer lease.stop()
	r.chunk = o.Chunk
	if r.chunk <= 0 {
		r.chunk = DefaultIssueChunk
	}
	res := &IssueResult{RunID: r.id, MasterPolicyNo: r.master, Premium: decimal.Zero, Excluded: []policy.Exclusion{}}
	for {
		var c chunkResult
		var st runRow
		err := db.BulkTx(ctx, func(tx *gorm.DB) error {
			c = chunkResult{premium: decimal.Zero}
			var err error
			st, err = db.issueChunk(ctx, tx, r, &c)
			return err
		})
		if err != nil {
			lease.release(ctx, err)
			return res, znb.Wrap(err, "出单")
		}
		res.Certificates += c.certificates
		res.Persons += c.persons
		res.Premium = res.Premium.Add(c.premium)
		res.Endorsements += c.endorsements
		res.Excluded = append(res.Excluded, c.excluded...)
		if o.Progress != nil {
			o.Progress(st.HouseholdsDone, st.HouseholdsTotal)
		}
		if policy.RunStatus(st.Status) == policy.RunDone {
			return res, nil
		}
		if ctx.Err() != nil {
			// Stopped between chunks: nothing half-written to undo.
			lease.release(ctx, ctx.Err())
			return res, znb.Wrap(ctx.Err(), "出单")
		}
	}
}

// IssueJobOf returns an issue run as a progress report, for those who may
// read its agreement.
func (db *DB) IssueJobOf(ctx context.Context, by znb.Actor, id int64) (*policy.IssueJob, error) {
	var row runRow
	if err := db.Gorm(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, notFound(err, "出单任务")
	}
	if _, err := db.agreement(db.Gorm(ctx), by, row.AgreementID, ""); err != nil {
		return nil, znb.ErrNotFound("出单任务")
	}
	return row.job(), nil
}

// IssueExclusions returns up to limit exclusions recorded by a run, in
// household order; scope is checked through IssueJobOf.
func (db *DB) IssueExclusions(ctx context.Context, runID int64, limit int) ([]policy.Exclusion, error) {
	var rows []struct {
		HouseholdNo, IDNumber, Reason, OtherCertificate string
	}
	err := db.Gorm(ctx).Raw(`SELECT household_no, id_number, reason, other_certificate FROM issue_exclusions
		WHERE run_id = ? ORDER BY household_no, id_number LIMIT ?`, runID, limit).Scan(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "读取除外清单")
	}
	out := make([]policy.Exclusion, len(rows))
	for i, x := range rows {
		out[i] = policy.Exclusion{HouseholdNo: x.HouseholdNo, IDNumber: x.IDNumber, Reason: x.Reason, OtherCertificate: x.OtherCertificate}
	}
	return out, nil
}

// chunkResult is what one chunk wrote, merged into the result once its
// transaction commits.
type chunkResult struct {
	certificates, persons, endorsements int
	premium                             decimal.Decimal
	excluded                            []policy.Exclusion
	seals                               string // XOR of the seals it removed and wrote (see certSeal)
}

// listed is a household of the list with what certificates print of its
// members.
type listed struct {
	h       policy.ListedHousehold
	region  string
	village string
	who     map[string][2]string // id_number → name, relation
	head    string               // the head's name, for the certificate's SMS
	phone   string               // the mobile number it is texted at ("" for none)
	byHead  bool                 // phone is the head's
}

// note keeps a member's name and number where the household's SMS needs
// them: the head's mobile number, else the first member's (the rule of
// householdPhones).
func (l *listed) note(name, rel, phone string) {
	head := rel == registry.Head
	if head {
		l.head = name
	}
	if notify.Mobile(phone) && !l.byHead && (head || l.phone == "") {
		l.phone, l.byHead = phone, head
	}
}

// held is a certificate as stored, for endorsing.
type held struct {
	row  certRow
	cert policy.Certificate
}

// issueChunk does one chunk inside tx and returns the run as it then stands.
func (db *DB) issueChunk(ctx context.Context, tx *gorm.DB, r *run, c *chunkResult) (runRow, error) {
	var st runRow
	if err := tx.Raw("SELECT * FROM issue_runs WHERE id = ?"+db.forUpdate(), r.id).Scan(&st).Error; err != nil {
		return st, err
	}
	if policy.RunStatus(st.Status) == policy.RunDone {
		return st, nil
	}
	hs, err := db.listedAfter(tx, r.list.ID, st.CursorNo, r.chunk)
	if err != nil {
		return st, err
	}
	var cs []held
	if r.kind == policy.RunEndorse {
		if cs, err = db.heldAfter(tx, r.a.ID, st.CursorNo, r.chunk); err != nil {
			return st, err
		}
	}
	// The chunk ends at the last household both sides have surely read.
	upper := ""
	if len(hs) == r.chunk {
		upper = hs[len(hs)-1].h.No
	}
	if len(cs) == r.chunk && (upper == "" || cs[len(cs)-1].row.HouseholdNo < upper) {
		upper = cs[len(cs)-1].row.HouseholdNo
	}
	if upper != "" {
		hs = hs[:sort.Search(len(hs), func(i int) bool { return hs[i].h.No > upper })]
		cs = cs[:sort.Search(len(cs), func(i int) bool { return cs[i].row.HouseholdNo > upper })]
	}
	if len(hs) > 0 {
		if err := db.listedMembers(tx, r.list.ID, st.CursorNo, hs[len(hs)-1].h.No, hs); err != nil {
			return st, err
		}
	}
	lookup, err := db.otherCovers(tx, r.a, hs)
	if err != nil {
		return st, err
	}
	w := newChunkWriter(ctx, db, tx, r, c)
	if r.kind == policy.RunIssue {
		err = w.issue(hs, lookup)
	} else {
		err = w.endorse(hs, cs, lookup)
	}
	if err == nil {
		err = w.close()
	} else {
		w.abort()
	}
	if err != nil {
		return st, err
	}

	st.HouseholdsDone += len(hs)
	st.Certificates += c.certificates
	st.Persons += c.persons
	st.Premium = money.Round(st.Premium).Add(c.premium)
	st.Endorsements += c.endorsements
	st.Excluded += len(c.excluded)
	st.UpdatedAt = db.nowMS()
	if upper == "" {
		st.Status = string(policy.RunDone)
		st.FinishedAt = &st.UpdatedAt
	} else {
		st.CursorNo = upper
	}
	err = tx.Model(&runRow{}).Where("id = ?", r.id).Updates(map[string]any{
		"status": st.Status, "cursor_no": st.CursorNo, "households_done": st.HouseholdsDone,
		"certificates": st.Certificates, "persons": st.Persons, "premium": st.Premium,
		"endorsements": st.Endorsements, "excluded": st.Excluded, "error": nil,
		"updated_at": st.UpdatedAt, "finished_at": st.FinishedAt}).Error
	if err != nil {
		return st, err
	}
	action := "issue.chunk"
	if policy.RunStatus(st.Status) == policy.RunDone {
		action = "issue.done"
	}
	return st, db.audit(tx, r.by, scope{r.a.County, r.a.Insurer.Code}, action, runObject(r.id), map[string]any{
		"agreement_id": r.a.ID, "list_id": r.list.ID, "through": upper, "households": len(hs),
		"certificates": c.certificates, "persons": c.persons, "premium": money.String(c.premium),
		"endorsements": c.endorsements, "excluded": len(c.excluded), "seals": c.seals})
}

// listedAfter reads up to n households of the list after household cursor.
func (db *DB) listedAfter(tx *gorm.DB, listID int64, cursor string, n int) ([]listed, error) {
	rows, err := tx.Raw(`SELECT household_no, region_code, village_name, category FROM households
		WHERE list_id = ? AND household_no > ? ORDER BY household_no LIMIT ?`, listID, cursor, n).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]listed, 0, n)
	for rows.Next() {
		var l listed
		var cat string
		if err := rows.Scan(&l.h.No, &l.region, &l.village, &cat); err != nil {
			return nil, err
		}
		l.h.Category = znb.Category(cat)
		out = append(out, l)
	}
	return out, rows.Err()
}

// listedMembers fills in the members of hs, the households after cursor up
// to and including last.
func (db *DB) listedMembers(tx *gorm.DB, listID int64, cursor, last string, hs []listed) error {
	rows, err := tx.Raw(`SELECT household_no, id_number, name, relation, status, status_date, phone FROM members
		WHERE list_id = ? AND household_no > ? AND household_no <= ? ORDER BY household_no, row_no`, listID, cursor, last).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var no, id, name, rel, status, phone string
		var sd znb.Date
		if err := rows.Scan(&no, &id, &name, &rel, &status, &sd, &phone); err != nil {
			return err
		}
		for i < len(hs) && hs[i].h.No < no {
			i++
		}
		if i == len(hs) || hs[i].h.No != no {
			continue
		}
		m := policy.ListedMember{IDNumber: id, Name: name}
		if registry.Status(status).Gone() {
			m.Left = sd
		}
		l := &hs[i]
		l.h.Members = append(l.h.Members, m)
		if l.who == nil {
			l.who = make(map[string][2]string, 4)
		}
		l.who[id] = [2]string{name, rel}
		l.note(name, rel, phone)
	}
	return rows.Err()
}

// heldAfter reads up to n certificates of the agreement after household
// cursor, with every cover written on them.
func (db *DB) heldAfter(tx *gorm.DB, agreementID int64, cursor string, n int) ([]held, error) {
	var rows []certRow
	if err := tx.Where("agreement_id = ? AND household_no > ?", agreementID, cursor).Order("household_no").Limit(n).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]held, len(rows))
	at := make(map[string]int, len(rows))
	for i, r := range rows {
		out[i] = held{row: r, cert: policy.Certificate{No: r.CertificateNo, HouseholdNo: r.HouseholdNo, Status: policy.CertificateStatus(r.Status)}}
		at[r.CertificateNo] = i
	}
	if len(rows) == 0 {
		return out, nil
	}
	var covers []coverRow
	err := tx.Raw(`SELECT cm.* FROM certificate_members cm JOIN certificates c ON c.certificate_no = cm.certificate_no
		WHERE c.agreement_id = ? AND c.household_no > ? AND c.household_no <= ? ORDER BY cm.id`,
		agreementID, cursor, rows[len(rows)-1].HouseholdNo).Scan(&covers).Error
	if err != nil {
		return nil, err
	}
	for _, cv := range covers {
		h := &out[at[cv.CertificateNo]]
		h.cert.Members = append(h.cert.Members, policy.Insured{IDNumber: cv.IDNumber,
			Cover: policy.Cover{Start: cv.CoverStart, End: cv.CoverEnd}, Premium: money.Round(cv.Premium)})
	}
	return out, nil
}

// otherCovers preloads, for the people of a chunk, the covers of other active
// agreements whose terms overlap this one; when no such agreement has issued
// anything, the lookup is skipped altogether.
func (db *DB) otherCovers(tx *gorm.DB, a *policy.Agreement, hs []listed) (policy.CoverLookup, error) {
	var n int64
	err := tx.Raw(`SELECT COUNT(*) FROM agreements WHERE id <> ? AND status = ? AND term_start <= ? AND term_end >= ?
		AND id IN (SELECT agreement_id FROM master_policies)`, a.ID, string(policy.Active), a.Term.End, a.Term.Start).Scan(&n).Error
	if err != nil || n == 0 {
		return nil, err
	}
	var ids []string
	for _, h := range hs {
		for _, m := range h.h.Members {
			ids = append(ids, m.IDNumber)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	in, arg := db.inStrings("cm.id_number", ids)
	var hits []struct {
		IDNumber             string `gorm:"column:id_number"`
		CertificateNo        string
		CoverStart, CoverEnd znb.Date
	}
	err = tx.Raw(`SELECT cm.id_number, cm.certificate_no, cm.cover_start, cm.cover_end
		FROM certificate_members cm JOIN agreements a ON a.id = cm.agreement_id
		WHERE `+in+` AND cm.agreement_id <> ? AND a.status = ? AND cm.cover_end >= cm.cover_start
		ORDER BY cm.cover_start, cm.certificate_no`, arg, a.ID, string(policy.Active)).Scan(&hits).Error
	if err != nil {
		return nil, err
	}
	by := make(map[string][]policy.Cover)
	nos := make(map[string][]string)
	for _, h := range hits {
		by[h.IDNumber] = append(by[h.IDNumber], policy.Cover{Start: h.CoverStart, End: h.CoverEnd})
		nos[h.IDNumber] = append(nos[h.IDNumber], h.CertificateNo)
	}
	return func(id string, c policy.Cover) (string, bool, error) {
		for i, o := range by[id] {
			if o.Overlaps(c) {
				return nos[id][i], true, nil
			}
		}
		return "", false, nil
	}, nil
}

// inStrings is "col IN (...)" for many values: one JSON parameter unpacked
// by json_each on SQLite (whose driver binds many parameters slowly), an
// expanded list on MySQL.
func (db *DB) inStrings(col string, vals []string) (string, any) {
	if db.Dialect == MySQL {
		return col + " IN ?", vals
	}
	b, _ := json.Marshal(vals)
	return col + " IN (SELECT value FROM json_each(?))", string(b)
}

// chunkWriter batches the rows of one chunk.
type chunkWriter struct {
	ctx    context.Context
	db     *DB
	tx     *gorm.DB
	r      *run
	c      *chunkResult
	seq    int
	seqSet bool
	certs  *batch
	covers *batch
	ends   *batch
	excl   *batch
	sms    *batch // certificate.issued messages to the outbox
	pipe   *pipe
}

func newChunkWriter(ctx context.Context, db *DB, tx *gorm.DB, r *run, c *chunkResult) *chunkWriter {
	w := &chunkWriter{ctx: ctx, db: db, tx: tx, r: r, c: c,
		certs: newBatch(ctx, db, tx, "certificates", "certificate_no", "master_policy_no", "agreement_id", "household_no",
			"household_seq", "county", "region_code", "village_name", "category", "status", "premium", "issued_premium",
			"central", "provincial", "municipal", "county_share", "self", "list_id", "issued_at", "updated_at", "seal"),
		covers: newBatch(ctx, db, tx, "certificate_members", "certificate_no", "agreement_id", "id_number", "name",
			"relation", "cover_start", "cover_end", "premium"),
		ends: newBatch(ctx, db, tx, "endorsements", "certificate_no", "agreement_id", "list_id", "type", "effective_date",
			"premium_delta", "detail", "created_at"),
		excl: newBatch(ctx, db, tx, "issue_exclusions", "run_id", "household_no", "id_number", "reason", "other_certificate"),
		sms: newBatch(ctx, db, tx, "notification_outbox", "idem_key", "event", "channel", "target", "subject", "region_code",
			"body", "status", "next_at", "created_at"),
	}
	// The rows of a chunk are only read back in later chunks, so on SQLite
	// they are written on a second goroutine while the next are prepared.
	if db.Dialect == SQLite {
		w.pipe = newPipe(ctx)
		for _, b := range []*batch{w.certs, w.covers, w.ends, w.excl, w.sms} {
			b.pipe = w.pipe
		}
	}
	return w
}

func (w *chunkWriter) close() error {
	err := errors.Join(w.certs.close(), w.covers.close(), w.ends.close(), w.excl.close(), w.sms.close())
	if w.pipe != nil {
		err = errors.Join(err, w.pipe.wait())
	}
	return err
}

// abort waits for statements already queued, so that none runs after the
// transaction has been rolled back.
func (w *chunkWriter) abort() {
	if w.pipe != nil {
		w.pipe.wait()
	}
}

// nextNo numbers the next certificate of the agreement: household sequence
// numbers follow household_no order of first issue, then the order in
// which later lists brought households in.
func (w *chunkWriter) nextNo() (string, int, error) {
	if !w.seqSet {
		if err := w.tx.Raw("SELECT COALESCE(MAX(household_seq), 0) FROM certificates WHERE agreement_id = ?", w.r.a.ID).Scan(&w.seq).Error; err != nil {
			return "", 0, err
		}
		w.seqSet = true
	}
	w.seq++
	return policy.CertificateNo(w.r.master, w.seq), w.seq, nil
}

func (w *chunkWriter) exclude(xs []policy.Exclusion) error {
	for _, x := range xs {
		if err := w.excl.add(w.r.id, x.HouseholdNo, x.IDNumber, x.Reason, x.OtherCertificate); err != nil {
			return err
		}
		w.c.excluded = append(w.c.excluded, x)
	}
	return nil
}

// newCert writes a certificate row for household l with the given covers.
func (w *chunkWriter) newCert(l *listed, ms []policy.Insured, issued bool) (string, error) {
	no, seq, err := w.nextNo()
	if err != nil {
		return "", err
	}
	prem := decimal.Zero
	for _, m := range ms {
		prem = prem.Add(m.Premium)
	}
	sh := w.r.a.Splits[l.h.Category].Apply(prem)
	issuedPrem := decimal.Zero
	if issued {
		issuedPrem = prem
	}
	now := w.db.nowMS()
	seal := w.db.certSeal(no, string(policy.CertActive), prem)
	w.c.seals = xorHex(w.c.seals, seal)
	err = w.certs.add(no, w.r.master, w.r.a.ID, l.h.No, seq, w.r.a.County, l.region, l.village, string(l.h.Category),
		string(policy.CertActive), prem, issuedPrem, sh[0], sh[1], sh[2], sh[3], sh[4], w.r.list.ID, now, now, seal)
	if err != nil {
		return "", err
	}
	persons, until := 0, znb.Date{}
	for _, m := range ms {
		if err := w.addCover(no, l, m); err != nil {
			return "", err
		}
		if m.Cover.Days() > 0 {
			persons++
			if m.Cover.End.After(until) {
				until = m.Cover.End
			}
		}
	}
	w.c.certificates++
	return no, w.tell(no, l, persons, until, now)
}

// tell queues the SMS that tells household l its certificate no is issued,
// in the chunk's transaction; its key is the certificate's, so a
// certificate is told of once. A household with no mobile number on the
// list, or no member covered, is not texted.
func (w *chunkWriter) tell(no string, l *listed, persons int, until znb.Date, now int64) error {
	if l.phone == "" || persons == 0 {
		return nil
	}
	return w.sms.add(notify.Key(notify.CertificateIssued, no, notify.SMS, "household"), string(notify.CertificateIssued),
		string(notify.SMS), l.phone, no, l.region, notify.CertificateText(l.head, no, persons, until), string(notify.Pending), now, now)
}

func (w *chunkWriter) addCover(no string, l *listed, m policy.Insured) error {
	who := l.who[m.IDNumber]
	if m.Cover.Days() > 0 {
		w.c.persons++
	}
	return w.covers.add(no, w.r.a.ID, m.IDNumber, who[0], who[1], m.Cover.Start, m.Cover.End, m.Premium)
}

// issue writes the first issue of a chunk: a certificate per eligible
// household.
func (w *chunkWriter) issue(hs []listed, lookup policy.CoverLookup) error {
	eff := w.r.list.Effective
	for i := range hs {
		l := &hs[i]
		d, err := policy.Decide(w.r.a, l.h, eff, lookup)
		if err != nil {
			return err
		}
		if err := w.exclude(d.Excluded); err != nil {
			return err
		}
		if !d.Eligible() {
			continue
		}
		if _, err := w.newCert(l, d.Members, true); err != nil {
			return err
		}
		w.c.premium = w.c.premium.Add(d.Premium())
	}
	return nil
}

// endorse applies a newer list to a chunk: households of the list and
// certificates of the agreement merged in household_no order.
func (w *chunkWriter) endorse(hs []listed, cs []held, lookup policy.CoverLookup) error {
	i, j := 0, 0
	for i < len(hs) || j < len(cs) {
		var l *listed
		var h *held
		switch {
		case j == len(cs) || (i < len(hs) && hs[i].h.No < cs[j].row.HouseholdNo):
			l = &hs[i]
			i++
		case i == len(hs) || cs[j].row.HouseholdNo < hs[i].h.No:
			h = &cs[j]
			j++
		default:
			l, h = &hs[i], &cs[j]
			i++
			j++
		}
		if err := w.endorseOne(l, h, lookup); err != nil {
			return err
		}
	}
	return nil
}

type changeJSON struct {
	IDNumber   string   `json:"id_number"`
	OldStart   znb.Date `json:"old_start,omitempty"`
	OldEnd     znb.Date `json:"old_end,omitempty"`
	OldPremium string   `json:"old_premium,omitempty"`
	NewStart   znb.Date `json:"new_start"`
	NewEnd     znb.Date `json:"new_end"`
	NewPremium string   `json:"new_premium"`
}

func (w *chunkWriter) endorseOne(l *listed, h *held, lookup policy.CoverLookup) error {
	var cert *policy.Certificate
	if h != nil {
		cert = &h.cert
	}
	var lh *policy.ListedHousehold
	if l != nil {
		lh = &l.h
	}
	eff := w.r.list.Effective
	plan, err := policy.PlanEndorsements(w.r.a, cert, lh, eff, lookup)
	if err != nil {
		return err
	}
	if err := w.exclude(plan.Excluded); err != nil {
		return err
	}
	if len(plan.Endorsements) == 0 {
		return nil
	}
	after := policy.Apply(cert, plan.Endorsements)
	var no string
	if h == nil {
		// A household new to the agreement: its certificate comes from the
		// household_added endorsement alone.
		var added []policy.Insured
		for _, e := range plan.Endorsements {
			for _, ch := range e.Changes {
				added = append(added, ch.New)
			}
		}
		if no, err = w.newCert(l, added, false); err != nil {
			return err
		}
	} else {
		no = h.row.CertificateNo
		if err := w.updateCert(h, l, after, plan.Endorsements); err != nil {
			return err
		}
	}
	for _, e := range plan.Endorsements {
		detail := make([]changeJSON, 0, len(e.Changes))
		for _, ch := range e.Changes {
			cj := changeJSON{IDNumber: ch.New.IDNumber, NewStart: ch.New.Cover.Start, NewEnd: ch.New.Cover.End,
				NewPremium: money.String(ch.New.Premium)}
			if ch.Old.IDNumber != "" {
				cj.OldStart, cj.OldEnd, cj.OldPremium = ch.Old.Cover.Start, ch.Old.Cover.End, money.String(ch.Old.Premium)
			}
			detail = append(detail, cj)
			if h == nil {
				continue // covers written with the certificate
			}
			if ch.Old.IDNumber == "" {
				if err := w.addCover(no, l, ch.New); err != nil {
					return err
				}
				continue
			}
			err := w.tx.Exec(`UPDATE certificate_members SET cover_end = ?, premium = ?
				WHERE certificate_no = ? AND id_number = ? AND cover_start = ?`,
				ch.New.Cover.End, ch.New.Premium, no, ch.Old.IDNumber, ch.Old.Cover.Start).Error
			if err != nil {
				return err
			}
		}
		d, _ := json.Marshal(detail)
		if err := w.ends.add(no, w.r.a.ID, w.r.list.ID, string(e.Type), e.Effective, e.PremiumDelta, string(d), w.db.nowMS()); err != nil {
			return err
		}
		w.c.endorsements++
		w.c.premium = w.c.premium.Add(e.PremiumDelta)
	}
	return nil
}

// updateCert rewrites an endorsed certificate's status, premium and split.
// A household still listed in a covered category takes its new category,
// region and village; the split follows the category.
func (w *chunkWriter) updateCert(h *held, l *listed, after *policy.Certificate, es []policy.Endorsement) error {
	row := h.row
	if l != nil && w.r.a.Covers(l.h.Category) {
		row.Category, row.RegionCode, row.VillageName = string(l.h.Category), l.region, l.village
	}
	status, cancelled := policy.CertActive, any(nil)
	if after.Cancelled() {
		status = policy.CertCancelled
		for _, e := range es {
			if e.Type == policy.CertificateCancelled {
				cancelled = e.Effective
			}
		}
	}
	prem := after.Premium()
	sh := w.r.a.Splits[znb.Category(row.Category)].Apply(prem)
	seal := w.db.certSeal(row.CertificateNo, string(status), prem)
	w.c.seals = xorHex(xorHex(w.c.seals, row.Seal), seal)
	return w.tx.Exec(`UPDATE certificates SET status = ?, cancelled_from = ?, category = ?, region_code = ?, village_name = ?,
		premium = ?, central = ?, provincial = ?, municipal = ?, county_share = ?, self = ?, updated_at = ?, seal = ?
		WHERE certificate_no = ?`, string(status), cancelled, row.Category, row.RegionCode, row.VillageName,
		prem, sh[0], sh[1], sh[2], sh[3], sh[4], w.db.nowMS(), seal, row.CertificateNo).Error
}
