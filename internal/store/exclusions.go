package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// The exclusion list (失信名单): entries are added and removed by offices
// within their region, expire on their own (the first look after the end
// records the expiry in the audit trail), and bar reports for the person
// everywhere on the platform.

type exclusionRow struct {
	ID          int64
	IDNumber    string `gorm:"column:id_number"`
	Name        string
	Reason      string
	Source      string
	SourceRef   string
	RegionCode  string
	ValidFrom   znb.Date
	ValidUntil  znb.Date
	CreatedBy   string
	CreatedAt   int64
	RemovedBy   string
	RemovedAt   int64
	RemovalNote string
	ExpiryNoted int
}

func (exclusionRow) TableName() string { return "exclusions" }

func (r *exclusionRow) exclusion() oversight.Exclusion {
	e := oversight.Exclusion{ID: r.ID, IDNumber: r.IDNumber, Name: r.Name, Reason: r.Reason, Source: oversight.Source(r.Source),
		SourceRef: r.SourceRef, RegionCode: r.RegionCode, From: r.ValidFrom, Until: r.ValidUntil, AddedBy: r.CreatedBy,
		AddedAt: msToTime(r.CreatedAt), RemovedBy: r.RemovedBy, RemovalNote: r.RemovalNote, ExpiryNoted: r.ExpiryNoted != 0}
	if r.RemovedAt != 0 {
		e.RemovedAt = msToTime(r.RemovedAt)
	}
	return e
}

func exclusionObject(id int64) string { return "exclusion:" + itoa(id) }

// excludedPerson is whom the exclusion list is checked for on a report:
// the insured member on per-person lines, the head of household (who is
// paid) on household lines; "" for nobody.
func excludedPerson(cert *policy.Certificate, line znb.Line, member string) string {
	if line.PerPerson() {
		return member
	}
	if h, ok := cert.Head(); ok {
		return h.IDNumber
	}
	return member
}

// checkExcluded refuses a report (excluded_person) when the entries of its
// person still valid on today (rows) hold one in force.
func checkExcluded(rows []exclusionRow, today znb.Date) error {
	entries := make([]oversight.Exclusion, 0, len(rows))
	for i := range rows {
		if !rows[i].ValidUntil.Before(today) {
			entries = append(entries, rows[i].exclusion())
		}
	}
	return oversight.CheckReport(entries, today)
}

// AddExclusion puts a person on the exclusion list (oversight.NewExclusion
// checks the entry) and audits it.
func (db *DB) AddExclusion(ctx context.Context, by znb.Actor, in oversight.ExclusionInput) (*oversight.Exclusion, error) {
	e, err := oversight.NewExclusion(by, in, znb.DateOf(db.Now().In(znb.CST)), db.Now())
	if err != nil {
		return nil, err
	}
	row := exclusionRow{IDNumber: e.IDNumber, Name: e.Name, Reason: e.Reason, Source: string(e.Source), SourceRef: e.SourceRef,
		RegionCode: e.RegionCode, ValidFrom: e.From, ValidUntil: e.Until, CreatedBy: by.Username, CreatedAt: db.nowMS()}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{region: row.RegionCode}, "exclusion.add", exclusionObject(row.ID), map[string]any{
			"id_number": registry.MaskID(row.IDNumber), "reason": row.Reason, "source": row.Source, "source_ref": row.SourceRef,
			"valid_from": row.ValidFrom, "valid_until": row.ValidUntil})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存失信名单")
	}
	out := row.exclusion()
	return &out, nil
}

// RemoveExclusion takes an entry off the list before its end, with a note;
// audited.
func (db *DB) RemoveExclusion(ctx context.Context, by znb.Actor, id int64, note string) (*oversight.Exclusion, error) {
	var out oversight.Exclusion
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var row exclusionRow
		res := tx.Raw("SELECT * FROM exclusions WHERE id = ?"+db.forUpdate(), id).Scan(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 || !by.SeesRegion(row.RegionCode) {
			return znb.ErrNotFound("失信名单条目")
		}
		e := row.exclusion()
		if err := e.Remove(by, db.Now(), note); err != nil {
			return err
		}
		if err := tx.Model(&exclusionRow{}).Where("id = ?", id).Updates(map[string]any{"removed_by": e.RemovedBy,
			"removed_at": e.RemovedAt.UnixMilli(), "removal_note": e.RemovalNote}).Error; err != nil {
			return err
		}
		out = e
		return db.audit(tx, by, scope{region: row.RegionCode}, "exclusion.remove", exclusionObject(id), map[string]any{
			"id_number": registry.MaskID(row.IDNumber), "note": e.RemovalNote, "valid_until": row.ValidUntil})
	})
	if err != nil {
		return nil, znb.Wrap(err, "移出失信名单")
	}
	return &out, nil
}

// ExpireExclusions records in the audit trail, once each, the entries whose
// end has passed, and returns how many. Listing the exclusions runs it, and
// so does the server once a day.
func (db *DB) ExpireExclusions(ctx context.Context) (int, error) {
	today := znb.DateOf(db.Now().In(znb.CST))
	var due []exclusionRow
	if err := db.Gorm(ctx).Where("removed_at = 0 AND expiry_noted = 0 AND valid_until < ?", today).Order("id").Find(&due).Error; err != nil {
		return 0, znb.Wrap(err, "查询失信名单")
	}
	n := 0
	for _, row := range due {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			res := tx.Model(&exclusionRow{}).Where("id = ? AND expiry_noted = 0", row.ID).Update("expiry_noted", 1)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error // another process noted it
			}
			n++
			return db.audit(tx, znb.System, scope{region: row.RegionCode}, "exclusion.expire", exclusionObject(row.ID), map[string]any{
				"id_number": registry.MaskID(row.IDNumber), "valid_until": row.ValidUntil})
		})
		if err != nil {
			return n, znb.Wrap(err, "记录失信名单到期")
		}
	}
	return n, nil
}

// ExclusionQuery filters the list: by status on today (empty = all) and by
// a whole ID number.
type ExclusionQuery struct {
	Status   oversight.ExclusionStatus
	IDNumber string
}

// ListExclusions returns the entries in the actor's region, newest first,
// after recording the expiries that are due.
func (db *DB) ListExclusions(ctx context.Context, by znb.Actor, q ExclusionQuery) ([]oversight.Exclusion, error) {
	if err := znb.Allow(by, znb.ReadExclusions); err != nil {
		return nil, err
	}
	if _, err := db.ExpireExclusions(ctx); err != nil {
		return nil, err
	}
	g := db.Gorm(ctx).Model(&exclusionRow{})
	if by.Regional() {
		g = g.Where("region_code LIKE ?", by.Scope+"%")
	}
	if id := strings.ToUpper(strings.TrimSpace(q.IDNumber)); id != "" {
		g = g.Where("id_number = ?", id)
	}
	var rows []exclusionRow
	if err := g.Order("id DESC").Limit(5000).Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "查询失信名单")
	}
	today := znb.DateOf(db.Now().In(znb.CST))
	out := []oversight.Exclusion{}
	for i := range rows {
		e := rows[i].exclusion()
		if q.Status == "" || e.Status(today) == q.Status {
			out = append(out, e)
		}
	}
	return out, nil
}
