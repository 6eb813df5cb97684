package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// SetAuditKey sets the key, kept outside the database, that signs audit
// entries, checkpoints and certificate seals; call it before Migrate starts
// the chainer. Without it the chain is a plain hash chain, which anyone who
// holds the database can recompute after a change.
func (db *DB) SetAuditKey(key string) { db.auditKey = []byte(key) }

// AuditKeyed reports whether an audit key is set.
func (db *DB) AuditKeyed() bool { return len(db.auditKey) > 0 }

// sign is the HMAC of msg under the audit key, "" without a key; kind keeps
// the signatures of entries, checkpoints and seals apart.
func (db *DB) sign(kind, msg string) string {
	if !db.AuditKeyed() {
		return ""
	}
	m := hmac.New(sha256.New, db.auditKey)
	fmt.Fprintf(m, "znb-%s\x1f%s", kind, msg)
	return hex.EncodeToString(m.Sum(nil))
}

// certSeal is what a certificate's status and premium are sealed with: the
// audit key's signature, or a plain hash without a key (which still shows a
// careless UPDATE).
func (db *DB) certSeal(no, status string, premium decimal.Decimal) string {
	msg := no + "\x1f" + status + "\x1f" + money.String(premium)
	if s := db.sign("certificate", msg); s != "" {
		return s
	}
	h := sha256.Sum256([]byte("znb-certificate\x1f" + msg))
	return hex.EncodeToString(h[:])
}

// xorHex folds b into a, two hex digests of equal length; "" is zero.
func xorHex(a, b string) string {
	if b == "" {
		return a
	}
	x, _ := hex.DecodeString(b)
	if a != "" {
		y, _ := hex.DecodeString(a)
		for i := range x {
			if i < len(y) {
				x[i] ^= y[i]
			}
		}
	}
	return hex.EncodeToString(x)
}

// Checkpoint is a signed statement of the chain's head: the chain had
// Entries entries ending in Head at At. Printed and kept outside the
// database, it later proves that the chain still holds that head, so a
// deleted tail or a rewritten past shows.
type Checkpoint struct {
	Entries int64
	Head    string
	At      time.Time
	Mac     string
}

const checkpointPrefix = "ZNB1"

func (c Checkpoint) body() string {
	return fmt.Sprintf("%s.%d.%s.%s", checkpointPrefix, c.Entries, c.At.UTC().Format("20060102T150405Z"), c.Head)
}

// String is the checkpoint's one line: ZNB1.entries.time.head.signature.
func (c Checkpoint) String() string { return c.body() + "." + c.Mac }

// ParseCheckpoint reads a line printed by String.
func ParseCheckpoint(line string) (Checkpoint, error) {
	bad := znb.Errorf(znb.Invalid, "invalid_checkpoint", "检查点格式不对，应为 audit checkpoint 打印的一行 ZNB1.条数.时间.哈希.签名")
	f := strings.Split(strings.TrimSpace(line), ".")
	if len(f) != 5 || f[0] != checkpointPrefix || len(f[3]) != 64 || len(f[4]) != 64 {
		return Checkpoint{}, bad
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || n <= 0 {
		return Checkpoint{}, bad
	}
	at, err := time.Parse("20060102T150405Z", f[2])
	if err != nil {
		return Checkpoint{}, bad
	}
	return Checkpoint{Entries: n, At: at, Head: strings.ToLower(f[3]), Mac: strings.ToLower(f[4])}, nil
}

func errNoKey() error {
	return znb.Errorf(znb.Invalid, "audit_key_missing", "未设置审计密钥（环境变量 ZNB_AUDIT_KEY 或配置 audit.key），无法签名或核验")
}

// AuditCheckpoint signs the chain's head as it stands, after checking the
// chain: a checkpoint never vouches for a broken one. It does vouch for
// leading unsigned entries, written before the key was set (unsigned says
// how many): that is how an installation older than the key covers them.
func (db *DB) AuditCheckpoint(ctx context.Context) (c Checkpoint, unsigned int64, err error) {
	if !db.AuditKeyed() {
		return c, 0, errNoKey()
	}
	r, err := db.walkAudit(ctx, nil)
	if err != nil {
		return c, 0, err
	}
	if r.Broken != 0 {
		return c, 0, znb.Errorf(znb.Conflict, "audit_broken", "审计链在第 %d 条记录处断开，不能为它签检查点", r.Broken)
	}
	c = Checkpoint{Entries: r.Checked, Head: r.head, At: db.Now().UTC().Truncate(time.Second)}
	if c.Entries == 0 {
		return c, 0, znb.Errorf(znb.Conflict, "audit_empty", "审计日志还没有记录")
	}
	c.Mac = db.sign("checkpoint", c.body())
	return c, r.Unsigned, nil
}

// AuditReport is what CheckAudit found.
type AuditReport struct {
	Keyed   bool  // entries' signatures were checked
	Checked int64 // entries read
	// Broken is the first entry whose hash, link, numbering or signature is
	// wrong, or that lost its signature after signed ones; 0 when none.
	// FirstBad adds unsigned entries no checkpoint covers.
	Broken int64
	// Unsigned entries lead the chain, written before the key was set (or
	// stripped of their signatures). A checkpoint given to CheckAudit covers
	// those up to its head.
	Unsigned      int64
	FirstUnsigned int64
	// Checkpoint: "" without one, else "ok", "forged" (its signature is not
	// the key's) or "missing" (the chain no longer holds its head).
	Checkpoint string
	Differs    []StateDiff // objects whose state is not what the trail says
	DiffCount  int         // all differences (Differs holds the first 100)
	Unchecked  int         // claims and reconciliations written before their state was audited
	Unsealed   int         // certificates written before they were sealed

	head    string
	claims  map[string]map[string]string // claim no → last audited state
	seen    map[string]bool              // claim nos with any entry
	recons  map[string]map[string]string // reconciliation id → last audited state
	seals   map[int64]string             // agreement id → XOR of its certificates' seals
	sealed  map[int64]bool               // agreements with sealed issue chunks
	covered int64                        // entries vouched for by the checkpoint
}

// StateDiff names an object whose current state differs from its last
// audited event.
type StateDiff struct {
	Object  string `json:"object"`
	Field   string `json:"field"`
	Audited string `json:"audited"`
	Current string `json:"current"`
}

// Intact reports whether nothing is wrong.
func (r *AuditReport) Intact() bool {
	return r.FirstBad() == 0 && r.Checkpoint != "forged" && r.Checkpoint != "missing" && r.DiffCount == 0
}

// FirstBad is the first entry that fails: broken, or unsigned with a key
// set and not covered by a checkpoint.
func (r *AuditReport) FirstBad() int64 {
	if r.Broken != 0 {
		return r.Broken
	}
	if r.Keyed && r.Unsigned > 0 && r.FirstUnsigned+r.Unsigned-1 > r.covered {
		return max(r.FirstUnsigned, r.covered+1)
	}
	return 0
}

// CheckAudit verifies the chain (with the key: every signature), the
// checkpoint when one is given, and that the current state of every claim
// (status, payable), certificate (status, premium, by its seal and its
// agreement's issue runs) and reconciliation (status) is what its last
// audited event left.
func (db *DB) CheckAudit(ctx context.Context, checkpoint string) (*AuditReport, error) {
	var cp *Checkpoint
	if checkpoint != "" {
		if !db.AuditKeyed() {
			return nil, errNoKey()
		}
		c, err := ParseCheckpoint(checkpoint)
		if err != nil {
			return nil, err
		}
		cp = &c
	}
	r, err := db.walkAudit(ctx, cp)
	if err != nil {
		return nil, err
	}
	if err := db.checkState(ctx, r); err != nil {
		return nil, znb.Wrap(err, "核对业务数据")
	}
	return r, nil
}

// walkAudit reads the whole chain once, checking it and gathering the last
// audited state of each object.
func (db *DB) walkAudit(ctx context.Context, cp *Checkpoint) (*AuditReport, error) {
	if err := db.FlushAudit(ctx); err != nil {
		return nil, err
	}
	r := &AuditReport{Keyed: db.AuditKeyed(), claims: map[string]map[string]string{}, seen: map[string]bool{},
		recons: map[string]map[string]string{}, seals: map[int64]string{}, sealed: map[int64]bool{}}
	if cp != nil {
		r.Checkpoint = "missing"
		if db.sign("checkpoint", cp.body()) != cp.Mac {
			r.Checkpoint = "forged"
		}
	}
	prev := strings.Repeat("0", 64)
	want := int64(1)
	signed := false
	var rows []auditRow
	for {
		rows = rows[:0]
		if err := db.Gorm(ctx).Where("seq >= ?", want).Order("seq").Limit(5000).Find(&rows).Error; err != nil {
			return nil, znb.Wrap(err, "读取审计日志")
		}
		for i := range rows {
			e := &rows[i]
			if r.Broken == 0 && (e.Seq != want || e.PrevHash != prev || entryHash(e) != e.Hash) {
				r.Broken = want
			}
			if r.Keyed && r.Broken == 0 {
				switch {
				case e.Mac == "" && signed:
					r.Broken = e.Seq
				case e.Mac == "":
					if r.Unsigned == 0 {
						r.FirstUnsigned = e.Seq
					}
					r.Unsigned++
				case e.Mac != db.sign("entry", e.Hash):
					r.Broken = e.Seq
				default:
					signed = true
				}
			}
			if cp != nil && r.Checkpoint == "missing" && e.Seq == cp.Entries && e.Hash == cp.Head && r.Broken == 0 {
				r.Checkpoint, r.covered = "ok", cp.Entries
			}
			r.gather(e)
			prev = e.Hash
			want++
			r.Checked++
		}
		if len(rows) < 5000 {
			break
		}
	}
	// The head must point at the last entry: a deleted tail shows here
	// unless the head was moved too, which a checkpoint shows.
	var head struct {
		Seq  int64
		Hash string
	}
	if err := db.Gorm(ctx).Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
		return nil, znb.Wrap(err, "读取审计日志")
	}
	if r.Broken == 0 && (head.Seq != want-1 || head.Hash != prev) {
		r.Broken = want
	}
	r.head = prev
	return r, nil
}

// gather notes what an entry says of the state of its object.
func (r *AuditReport) gather(e *auditRow) {
	kind, name, _ := strings.Cut(e.Object, ":")
	if kind == "claim" {
		r.seen[name] = true
	}
	if !strings.Contains(e.Detail, `"state"`) && !strings.Contains(e.Detail, `"seals"`) {
		return
	}
	var d struct {
		State       map[string]string `json:"state"`
		Seals       string            `json:"seals"`
		AgreementID int64             `json:"agreement_id"`
	}
	if json.Unmarshal([]byte(e.Detail), &d) != nil {
		return
	}
	switch {
	case d.State != nil && kind == "claim":
		r.claims[name] = d.State
	case d.State != nil && kind == "reconciliation":
		r.recons[name] = d.State
	case d.Seals != "" && d.AgreementID != 0:
		r.seals[d.AgreementID] = xorHex(r.seals[d.AgreementID], d.Seals)
		r.sealed[d.AgreementID] = true
	}
}

func (r *AuditReport) differ(object, field, audited, current string) {
	r.DiffCount++
	if len(r.Differs) < 100 {
		r.Differs = append(r.Differs, StateDiff{object, field, audited, current})
	}
}

// compare notes each field of the audited state that the current one does
// not match.
func (r *AuditReport) compare(object string, audited, current map[string]string) {
	for _, f := range []string{"status", "payable"} {
		if v, ok := audited[f]; ok && v != current[f] {
			r.differ(object, f, v, current[f])
		}
	}
}

// claimState is a claim's state as its audit entries record it.
func claimState(status string, payable decimal.NullDecimal) map[string]string {
	p := ""
	if payable.Valid {
		p = money.String(payable.Decimal)
	}
	return map[string]string{"status": status, "payable": p}
}

// checkState compares the tables with what walkAudit gathered, reading each
// table once in slices of its primary key.
func (db *DB) checkState(ctx context.Context, r *AuditReport) error {
	g := db.Gorm(ctx)
	var last int64
	for {
		var rows []struct {
			ID      int64
			ClaimNo string
			Status  string
			Payable decimal.NullDecimal
		}
		if err := g.Raw("SELECT id, claim_no, status, payable FROM claims WHERE id > ? ORDER BY id LIMIT 5000", last).Scan(&rows).Error; err != nil {
			return err
		}
		for _, c := range rows {
			cur := claimState(c.Status, c.Payable)
			switch audited, ok := r.claims[c.ClaimNo]; {
			case ok:
				r.compare(claimObject(c.ClaimNo), audited, cur)
			case !r.seen[c.ClaimNo]:
				r.differ(claimObject(c.ClaimNo), "status", "", cur["status"])
			default:
				r.Unchecked++
			}
			last = c.ID
		}
		if len(rows) < 5000 {
			break
		}
	}
	var recs []struct {
		ID     int64
		Status string
	}
	if err := g.Raw("SELECT id, status FROM reconciliations ORDER BY id").Scan(&recs).Error; err != nil {
		return err
	}
	for _, x := range recs {
		if audited, ok := r.recons[itoa(x.ID)]; ok {
			r.compare(reconObject(x.ID), audited, map[string]string{"status": x.Status})
		} else {
			r.Unchecked++
		}
	}
	seals := map[int64]string{}
	last = 0
	for {
		var rows []struct {
			ID            int64
			CertificateNo string
			AgreementID   int64
			Status        string
			Premium       decimal.Decimal
			Seal          string
		}
		if err := g.Raw("SELECT id, certificate_no, agreement_id, status, premium, seal FROM certificates WHERE id > ? ORDER BY id LIMIT 5000", last).Scan(&rows).Error; err != nil {
			return err
		}
		for _, c := range rows {
			last = c.ID
			if c.Seal == "" {
				r.Unsealed++
				continue
			}
			seals[c.AgreementID] = xorHex(seals[c.AgreementID], c.Seal)
			if c.Seal != db.certSeal(c.CertificateNo, c.Status, c.Premium) {
				r.differ("certificate:"+c.CertificateNo, "status/premium", "", c.Status+" "+money.String(c.Premium))
			}
		}
		if len(rows) < 5000 {
			break
		}
	}
	// A certificate set back to an earlier state with its earlier seal, or
	// removed, fits no row check; its agreement's issue runs show it.
	for id := range r.sealed {
		if seals[id] != r.seals[id] {
			r.differ(agreementObject(id), "certificates", r.seals[id], seals[id])
		}
	}
	for id, s := range seals {
		if !r.sealed[id] && s != "" {
			r.differ(agreementObject(id), "certificates", "", s)
		}
	}
	return nil
}
