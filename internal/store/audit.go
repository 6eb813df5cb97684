package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

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
	PrevHash string
	Hash     string
}

func (auditRow) TableName() string { return "audit_log" }

// entryHash chains an entry to the one before it: changing any field of any
// entry, or removing one, breaks every hash after it.
func entryHash(r *auditRow) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", r.Seq, r.AtMs, r.Actor, r.Role, r.Action, r.Object, r.Detail, r.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// audit appends an entry inside tx, so the entry exists exactly when the
// change it records does. Bumping audit_head first takes its row lock
// (MySQL) or the write lock (SQLite), serialising appenders.
func (db *DB) audit(tx *gorm.DB, by znb.Actor, action, object string, detail any) error {
	if err := tx.Exec("UPDATE audit_head SET seq = seq + 1 WHERE id = 1").Error; err != nil {
		return err
	}
	var head struct {
		Seq  int64
		Hash string
	}
	if err := tx.Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
		return err
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	actor := by.Username
	if actor == "" {
		actor = "anonymous"
	}
	row := auditRow{Seq: head.Seq, AtMs: db.nowMS(), Actor: actor, Role: string(by.Role), Action: action,
		Object: object, Detail: string(d), PrevHash: head.Hash}
	row.Hash = entryHash(&row)
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	return tx.Exec("UPDATE audit_head SET hash = ? WHERE id = 1", row.Hash).Error
}

// Audit records an event that changes nothing else, such as a read of full ID
// numbers or a household's self-service request.
func (db *DB) Audit(ctx context.Context, by znb.Actor, action, object string, detail any) error {
	return znb.Wrap(db.Tx(ctx, func(tx *gorm.DB) error { return db.audit(tx, by, action, object, detail) }), "写审计日志")
}

// AuditEntry is one entry of the trail as shown to auditors.
type AuditEntry struct {
	Seq    int64
	AtMs   int64
	Actor  string
	Role   string
	Action string
	Object string
	Detail string
	Hash   string
}

// VerifyAudit walks the whole chain and returns the sequence number of the
// first entry whose hash, link or numbering is wrong, or 0 when the chain is
// intact; checked is the number of entries read.
func (db *DB) VerifyAudit(ctx context.Context) (broken int64, checked int64, err error) {
	prev := "0000000000000000000000000000000000000000000000000000000000000000"
	want := int64(1)
	var rows []auditRow
	for {
		rows = rows[:0]
		if err := db.Gorm(ctx).Where("seq >= ?", want).Order("seq").Limit(5000).Find(&rows).Error; err != nil {
			return 0, checked, znb.Wrap(err, "读取审计日志")
		}
		for i := range rows {
			r := &rows[i]
			if r.Seq != want || r.PrevHash != prev || entryHash(r) != r.Hash {
				return want, checked, nil
			}
			prev = r.Hash
			want++
			checked++
		}
		if len(rows) < 5000 {
			break
		}
	}
	// The head must point at the last entry: a deleted tail shows here.
	var head struct {
		Seq  int64
		Hash string
	}
	if err := db.Gorm(ctx).Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
		return 0, checked, znb.Wrap(err, "读取审计日志")
	}
	if head.Seq != want-1 || head.Hash != prev {
		return want, checked, nil
	}
	return 0, checked, nil
}

// AuditTrail returns entries about object (all when empty), newest first.
func (db *DB) AuditTrail(ctx context.Context, object string, limit int) ([]AuditEntry, error) {
	var rows []auditRow
	q := db.Gorm(ctx).Order("seq DESC").Limit(limit)
	if object != "" {
		q = q.Where("object = ?", object)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取审计日志")
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = AuditEntry{r.Seq, r.AtMs, r.Actor, r.Role, r.Action, r.Object, r.Detail, r.Hash}
	}
	return out, nil
}
