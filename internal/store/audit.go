package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type auditRow struct {
	Seq      int64 `gorm:"primaryKey;autoIncrement:false"`
	AtMs     int64
	Actor    string
	Role     string
	Action   string
	Object   string
	Detail   string
	Region   string
	Insurer  string
	PrevHash string
	Hash     string
	V        int
	Mac      string
}

func (auditRow) TableName() string { return "audit_log" }

// entryHash chains an entry to the one before it: changing any field of any
// entry, or removing one, breaks every hash after it. Entries of form 2 also
// cover their scope, so no one moves an entry out of an auditor's sight;
// those of form 1 were written before entries had one.
func entryHash(r *auditRow) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", r.Seq, r.AtMs, r.Actor, r.Role, r.Action, r.Object, r.Detail, r.PrevHash)
	if r.V >= 2 {
		fmt.Fprintf(h, "\x1fv2\x1f%s\x1f%s", r.Region, r.Insurer)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// scope is where an audit entry belongs: the region and/or insurer of the
// object it records. An entry with neither is read by admin only.
type scope struct{ region, insurer string }

// actorScope is the scope an account works in: its region or its insurer.
func actorScope(a znb.Actor) scope {
	switch {
	case a.Regional():
		return scope{region: a.Scope}
	case a.Role.Insurer():
		return scope{insurer: a.Scope}
	}
	return scope{}
}

// audit records an entry inside tx, so the entry exists exactly when the
// change it records does. It goes to audit_pending, which any number of
// writers append to without waiting for each other; the chainer then gives
// it its place and hash in audit_log (see chain).
func (db *DB) audit(tx *gorm.DB, by znb.Actor, where scope, action, object string, detail any) error {
	vals, err := db.auditValues(by, where, action, object, detail)
	if err != nil {
		return err
	}
	return tx.Exec("INSERT INTO audit_pending (at_ms, actor, role, action, object, detail, region, insurer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", vals...).Error
}

// auditColumns are the columns of an audit_pending row, in auditValues order.
var auditColumns = []string{"at_ms", "actor", "role", "action", "object", "detail", "region", "insurer"}

func (db *DB) auditValues(by znb.Actor, where scope, action, object string, detail any) ([]any, error) {
	d, err := json.Marshal(detail)
	if err != nil {
		return nil, err
	}
	d, object = capDetail(d), cut(object, auditObjectMax)
	actor := by.Username
	if actor == "" {
		actor = "anonymous"
	}
	return []any{db.nowMS(), actor, string(by.Role), action, object, bound(d), where.region, where.insurer}, nil
}

const (
	auditFieldMax  = 1 << 10  // bytes of one string in an entry
	auditDetailMax = 16 << 10 // bytes of an entry's detail, as JSON
	auditObjectMax = 96       // bytes of its object, marker aside (the column holds 128 characters)
)

// capDetail bounds what one entry holds, whatever a request sent: strings of
// the detail longer than auditFieldMax are cut with a marker that says how
// long they were, and a detail still over auditDetailMax keeps only its
// start, marked the same way.
func capDetail(d []byte) []byte {
	if len(d) <= auditFieldMax || longestString(d) <= auditFieldMax && len(d) <= auditDetailMax {
		return d
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(d))
	dec.UseNumber()
	if dec.Decode(&v) == nil {
		if b, err := json.Marshal(cutStrings(v)); err == nil {
			d = b
		}
	}
	if len(d) <= auditDetailMax {
		return d
	}
	b, _ := json.Marshal(map[string]string{"truncated": cut(string(d), auditDetailMax/2)})
	return b
}

// longestString is the length in bytes of the longest string of the JSON d,
// as written (an escaped string is never shorter than its text): a detail
// whose strings are all short enough is kept as it is, without decoding it
// (an automatic claim's detail lists its settlements, and decoding each
// cost a third of proposing it).
func longestString(d []byte) int {
	longest, start, in := 0, 0, false
	for i := 0; i < len(d); i++ {
		switch c := d[i]; {
		case !in && c == '"':
			in, start = true, i+1
		case in && c == '\\':
			i++
		case in && c == '"':
			in, longest = false, max(longest, i-start)
		}
	}
	if in {
		return len(d) // not JSON: let the decoder decide
	}
	return longest
}

func cutStrings(v any) any {
	switch x := v.(type) {
	case string:
		return cut(x, auditFieldMax)
	case map[string]any:
		for k, e := range x {
			x[k] = cutStrings(e)
		}
	case []any:
		for i, e := range x {
			x[i] = cutStrings(e)
		}
	}
	return v
}

// cut shortens s to at most max bytes on a character boundary, marked.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s…〔已截断，原长 %d 字节〕", s[:n], len(s))
}

type pendingRow struct {
	ID      int64
	AtMs    int64
	Actor   string
	Role    string
	Action  string
	Object  string
	Detail  string
	Region  string
	Insurer string
}

// chain moves pending entries into the hash chain, oldest first, in batches,
// until none is left. The head row is locked for the batch (FOR UPDATE on
// MySQL, the write lock on SQLite), so concurrent chainers, in this process
// or another, extend the chain one after the other.
func (db *DB) chain(ctx context.Context) error {
	for {
		n := 0
		err := db.tx(ctx, func(tx *gorm.DB) error {
			head, ok, err := db.lockHead(tx)
			if err != nil || !ok {
				return err
			}
			n, err = db.movePending(tx, &head)
			if err != nil || n == 0 {
				return err
			}
			return head.store(tx)
		})
		if err != nil || n < chainBatch {
			return err
		}
	}
}

// chainHead is the last entry of the chain.
type chainHead struct {
	Seq  int64
	Hash string
}

func (h *chainHead) store(tx *gorm.DB) error {
	return tx.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", h.Seq, h.Hash).Error
}

// lockHead reads the head of the chain and locks it for tx. ok is false
// when this process may not extend the chain: a signed chain is extended by
// signed entries only, so a process started without the key leaves its
// entries for one that has it, rather than break the chain.
func (db *DB) lockHead(tx *gorm.DB) (head chainHead, ok bool, err error) {
	if err := tx.Raw("SELECT seq, hash FROM audit_head WHERE id = 1" + db.forUpdate()).Scan(&head).Error; err != nil {
		return head, false, err
	}
	if !db.AuditKeyed() && head.Seq > 0 {
		var mac string
		if err := tx.Raw("SELECT mac FROM audit_log WHERE seq = ?", head.Seq).Scan(&mac).Error; err != nil {
			return head, false, err
		}
		if mac != "" {
			db.warnUnsigned.Do(func() {
				db.Log.Warn("audit chain is signed but this process has no audit key (ZNB_AUDIT_KEY); its entries wait for a process that has it")
			})
			return head, false, nil
		}
	}
	return head, true, nil
}

// movePending chains up to chainBatch of the oldest pending entries after
// head, which it moves on, and returns how many it moved.
func (db *DB) movePending(tx *gorm.DB, head *chainHead) (int, error) {
	rows, err := pendingEntries(tx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	if err := db.appendEntries(tx, head, rows); err != nil {
		return 0, err
	}
	ids := make([]int64, len(rows))
	for i, p := range rows {
		ids[i] = p.ID
	}
	return len(rows), tx.Exec("DELETE FROM audit_pending WHERE id IN ?", ids).Error
}

// appendEntries writes rows into audit_log after head, each with its hash
// and signature, and moves head on.
func (db *DB) appendEntries(tx *gorm.DB, head *chainHead, rows []pendingRow) error {
	out := newBatch(tx.Statement.Context, db, tx, "audit_log", "seq", "at_ms", "actor", "role", "action", "object", "detail",
		"region", "insurer", "prev_hash", "hash", "v", "mac")
	for _, p := range rows {
		r := auditRow{Seq: head.Seq + 1, AtMs: p.AtMs, Actor: p.Actor, Role: p.Role, Action: p.Action,
			Object: p.Object, Detail: p.Detail, Region: p.Region, Insurer: p.Insurer, PrevHash: head.Hash, V: 2}
		r.Hash = entryHash(&r)
		r.Mac = db.sign("entry", r.Hash)
		if err := out.add(r.Seq, r.AtMs, r.Actor, r.Role, r.Action, r.Object, bound(r.Detail),
			r.Region, r.Insurer, r.PrevHash, r.Hash, r.V, r.Mac); err != nil {
			out.close()
			return err
		}
		head.Seq, head.Hash = r.Seq, r.Hash
	}
	return out.close()
}

// chainNow puts entries (auditValues rows) straight into the chain inside
// tx, after every entry pending that tx can see: a bulk job's hundred
// thousand entries are then written once, not written pending, read back,
// written again and deleted. It holds the chain's head until tx ends, so
// it is for SQLite, whose transaction holds the write lock anyway. It
// reports false, writing nothing, when the entries must go pending instead
// (see lockHead).
func (db *DB) chainNow(tx *gorm.DB, entries [][]any) (bool, error) {
	head, ok, err := db.lockHead(tx)
	if err != nil || !ok {
		return false, err
	}
	for {
		n, err := db.movePending(tx, &head)
		if err != nil {
			return false, err
		}
		if n < chainBatch {
			break
		}
	}
	rows := make([]pendingRow, len(entries))
	for i, e := range entries {
		if rows[i], ok = pendingOf(e); !ok {
			return false, fmt.Errorf("audit entry %v is not what auditValues makes", e)
		}
	}
	if err := db.appendEntries(tx, &head, rows); err != nil {
		return false, err
	}
	return true, head.store(tx)
}

// auditAll records the entries (auditValues rows) of a bulk job's
// transaction: on SQLite straight into the chain when this process may
// extend it, else pending. On MySQL they go pending: holding the chain's
// head through a long transaction would make a Galera cluster abort it
// whenever another node's chainer commits meanwhile.
func (db *DB) auditAll(tx *gorm.DB, entries [][]any) error {
	if len(entries) == 0 {
		return nil
	}
	if db.Dialect == SQLite {
		if done, err := db.chainNow(tx, entries); done || err != nil {
			return err
		}
	}
	b := newBatch(tx.Statement.Context, db, tx, "audit_pending", auditColumns...)
	for _, e := range entries {
		if err := b.add(e...); err != nil {
			b.close()
			return err
		}
	}
	return b.close()
}

// pendingOf is the entry of the values auditValues made.
func pendingOf(e []any) (pendingRow, bool) {
	if len(e) != len(auditColumns) {
		return pendingRow{}, false
	}
	at, ok0 := e[0].(int64)
	actor, ok1 := e[1].(string)
	role, ok2 := e[2].(string)
	action, ok3 := e[3].(string)
	object, ok4 := e[4].(string)
	detail, ok5 := e[5].(bound)
	region, ok6 := e[6].(string)
	insurer, ok7 := e[7].(string)
	return pendingRow{AtMs: at, Actor: actor, Role: role, Action: action, Object: object, Detail: string(detail),
		Region: region, Insurer: insurer}, ok0 && ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7
}

// chainBatch is how many pending entries one chaining transaction moves: a
// bulk job (a 医保 feed's automatic claims) leaves a hundred thousand.
const chainBatch = 2000

// pendingEntries reads the oldest pending entries, without GORM's
// reflection: their details are long and many.
func pendingEntries(tx *gorm.DB) ([]pendingRow, error) {
	rs, err := tx.Raw("SELECT id, at_ms, actor, role, action, object, detail, region, insurer FROM audit_pending ORDER BY id LIMIT ?",
		chainBatch).Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []pendingRow
	for rs.Next() {
		var p pendingRow
		if err := rs.Scan(&p.ID, &p.AtMs, &p.Actor, &p.Role, &p.Action, &p.Object, &p.Detail, &p.Region, &p.Insurer); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rs.Err()
}

// FlushAudit chains every pending entry now; readers of the trail call it
// first so they see every committed change.
func (db *DB) FlushAudit(ctx context.Context) error {
	return znb.Wrap(db.chain(ctx), "写审计日志")
}

// chainer runs in the background for the life of the DB, chaining soon after
// each commit and every second in case another process left entries.
func (db *DB) chainer() {
	defer close(db.chainDone)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-db.kick:
			// Let a burst of commits gather, so that one chaining
			// transaction takes many entries instead of one each.
			select {
			case <-time.After(50 * time.Millisecond):
			case <-db.stop:
				return
			}
		case <-tick.C:
		}
		if err := db.chain(context.Background()); err != nil && !busy(err) {
			db.Log.Error("audit chaining failed; entries stay pending", "err", err)
		}
	}
}

// kickChainer asks the chainer to run without waiting for it.
func (db *DB) kickChainer() {
	select {
	case db.kick <- struct{}{}:
	default:
	}
}

// Audit records an event that changes nothing else, such as a read of full ID
// numbers or a household's self-service request. The entry belongs where its
// object does (a certificate, claim or reconciliation named by the object);
// a read of several is where the reader works.
func (db *DB) Audit(ctx context.Context, by znb.Actor, action, object string, detail any) error {
	return znb.Wrap(db.Tx(ctx, func(tx *gorm.DB) error {
		where, err := db.objectScope(tx, by, object)
		if err != nil {
			return err
		}
		return db.audit(tx, by, where, action, object, detail)
	}), "写审计日志")
}

// objectScope is the scope of the object an entry names, or the actor's
// when it names no one object.
func (db *DB) objectScope(tx *gorm.DB, by znb.Actor, object string) (scope, error) {
	kind, name, _ := strings.Cut(object, ":")
	var q string
	var key any = name
	switch kind {
	case "certificate":
		q = "SELECT c.region_code AS region, a.insurer_code AS insurer FROM certificates c JOIN agreements a ON a.id = c.agreement_id WHERE c.certificate_no = ?"
	case "claim":
		q = "SELECT region_code AS region, insurer FROM claims WHERE claim_no = ?"
	case "reconciliation":
		q = "SELECT county AS region, insurer_code AS insurer FROM reconciliations WHERE id = ?"
		id, err := strconv.ParseInt(name, 10, 64)
		if err != nil {
			return actorScope(by), nil
		}
		key = id
	default:
		return actorScope(by), nil
	}
	var row struct{ Region, Insurer string }
	if err := tx.Raw(q, key).Scan(&row).Error; err != nil {
		return scope{}, err
	}
	return scope{row.Region, row.Insurer}, nil
}

// agreementWhere is the scope of everything under an agreement.
func agreementWhere(s agreementScope) scope { return scope{s.County, s.InsurerCode} }

// AuditEntry is one entry of the trail as shown to auditors.
type AuditEntry struct {
	Seq     int64
	AtMs    int64
	Actor   string
	Role    string
	Action  string
	Object  string
	Detail  string
	Region  string
	Insurer string
	Hash    string
}

// VerifyAudit walks the whole chain and returns the sequence number of the
// first entry whose hash, link, numbering or signature is wrong, or 0 when
// the chain is intact; checked is the number of entries read. CheckAudit
// says more: unsigned entries, checkpoints, the state of claims,
// certificates and reconciliations.
func (db *DB) VerifyAudit(ctx context.Context) (broken int64, checked int64, err error) {
	r, err := db.walkAudit(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	return r.FirstBad(), r.Checked, nil
}

// AuditTrail returns entries about object (all when empty), newest first,
// from the whole trail: for the command line and for tests. Requests read
// through AuditTrailOf.
func (db *DB) AuditTrail(ctx context.Context, object string, limit int) ([]AuditEntry, error) {
	return db.auditTrail(ctx, object, 0, limit, everyEntry)
}

// everyEntry keeps the whole trail.
func everyEntry(q *gorm.DB) *gorm.DB { return q }

// AuditTrailOf returns the entries about object (all when empty) that the
// actor may read, newest first: admin every entry, others those of their
// region or insurer, like every other read.
func (db *DB) AuditTrailOf(ctx context.Context, by znb.Actor, object string, limit int) ([]AuditEntry, error) {
	return db.AuditTrailBefore(ctx, by, object, 0, limit)
}

// AuditTrailBefore is AuditTrailOf from the entry before seq on (from the
// newest when seq is 0): the console pages through the trail with it.
func (db *DB) AuditTrailBefore(ctx context.Context, by znb.Actor, object string, before int64, limit int) ([]AuditEntry, error) {
	if err := znb.Allow(by, znb.ReadAudit); err != nil {
		return nil, err
	}
	var within func(q *gorm.DB) *gorm.DB
	switch {
	case by.Role == znb.Admin:
		within = everyEntry
	case by.Regional():
		within = func(q *gorm.DB) *gorm.DB { return q.Where("region LIKE ?", by.Scope+"%") }
	case by.Role.Insurer():
		within = func(q *gorm.DB) *gorm.DB { return q.Where("insurer = ?", by.Scope) }
	default:
		return []AuditEntry{}, nil
	}
	return db.auditTrail(ctx, object, before, limit, within)
}

// auditTrail reads the entries about object (all when empty) before seq
// (from the newest when 0) that within keeps, newest first.
func (db *DB) auditTrail(ctx context.Context, object string, before int64, limit int, within func(*gorm.DB) *gorm.DB) ([]AuditEntry, error) {
	if err := db.FlushAudit(ctx); err != nil {
		return nil, err
	}
	var rows []auditRow
	q := db.Gorm(ctx).Order("seq DESC").Limit(limit)
	if object != "" {
		q = q.Where("object = ?", object)
	}
	if before > 0 {
		q = q.Where("seq < ?", before)
	}
	if err := within(q).Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取审计日志")
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = AuditEntry{r.Seq, r.AtMs, r.Actor, r.Role, r.Action, r.Object, r.Detail, r.Region, r.Insurer, r.Hash}
	}
	return out, nil
}

// busy reports whether err only says that another writer holds SQLite's
// lock, as a long import does; the chainer simply tries again later.
func busy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		znb.ErrorOf(err).Code == codeBusy
}
