package store

import (
	"context"
	"encoding/json"
	"iter"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// seesRecon says whether the actor may read a reconciliation: the office and
// auditors of its county, the staff of its insurer, admins.
func seesRecon(by znb.Actor, county, insurer string) bool {
	switch {
	case by.Role == znb.Admin:
		return true
	case by.Role.Insurer():
		return by.SeesInsurer(insurer)
	}
	return by.SeesRegion(county)
}

// GetReconciliation returns a reconciliation with its result; one outside the
// actor's scope is not found.
func (db *DB) GetReconciliation(ctx context.Context, by znb.Actor, id int64) (*Reconciliation, error) {
	return db.getRecon(db.Gorm(ctx), by, id, "")
}

func (db *DB) getRecon(g *gorm.DB, by znb.Actor, id int64, lock string) (*Reconciliation, error) {
	var row reconRow
	if err := g.Raw("SELECT * FROM reconciliations WHERE id = ?"+lock, id).Scan(&row).Error; err != nil {
		return nil, znb.Wrap(err, "读取对账")
	}
	if row.ID == 0 || !seesRecon(by, row.County, row.InsurerCode) {
		return nil, znb.ErrNotFound("对账")
	}
	var fs []findingRow
	if err := g.Where("reconciliation_id = ?", id).Order("finding").Find(&fs).Error; err != nil {
		return nil, znb.Wrap(err, "读取对账")
	}
	r := &Reconciliation{ID: row.ID, AgreementID: row.AgreementID, ListID: row.ListID, County: row.County,
		InsurerCode: row.InsurerCode, BillSource: row.BillSource, StatementName: row.StatementName,
		StatementSHA256: row.StatementSha256, Status: ReconciliationStatus(row.Status),
		CreatedBy: row.CreatedBy, CreatedAt: row.CreatedAt, ConfirmedBy: row.ConfirmedBy,
		ConfirmedAt: row.ConfirmedAt, SettledBy: row.SettledBy, SettledAt: row.SettledAt, itemsFormat: row.ItemsFormat}
	if err := json.Unmarshal([]byte(row.Terms), &r.Terms); err != nil {
		return nil, znb.Wrap(err, "读取对账条款")
	}
	res := &r.Result
	res.Billed, res.Allowed, res.Disallowed = row.money()
	res.Rows, res.Listed, res.Eligible, res.InputsHash = row.RowsRead, row.Listed, row.Eligible, row.InputsHash
	res.Findings = make([]subsidy.Tally, len(subsidy.Findings))
	for i, f := range subsidy.Findings {
		res.Findings[i] = subsidy.Tally{Finding: f, Billed: decimal.Zero, Expected: decimal.Zero,
			Allowed: decimal.Zero, Disallowed: decimal.Zero}
	}
	for _, f := range fs {
		if f.Finding >= 0 && f.Finding < len(res.Findings) {
			res.Findings[f.Finding] = subsidy.Tally{Finding: subsidy.Findings[f.Finding], Count: f.ItemCount,
				Billed: f.Billed, Expected: f.Expected, Allowed: f.Allowed, Disallowed: f.Disallowed}
		}
	}
	return r, nil
}

// ItemQuery selects detail rows: one finding or all (empty), one page.
type ItemQuery struct {
	Finding  subsidy.Finding
	Page     int // from 1
	PageSize int // at most 1000; 0 means 100
}

// ReconciliationItems returns one page of a reconciliation's detail rows,
// ordered by finding (SPEC §8's order) and then as produced, with the number
// of rows the query selects in all.
func (db *DB) ReconciliationItems(ctx context.Context, by znb.Actor, id int64, q ItemQuery) (*Reconciliation, []subsidy.Detail, int64, error) {
	rec, err := db.GetReconciliation(ctx, by, id)
	if err != nil {
		return nil, nil, 0, err
	}
	if q.Finding != "" && !q.Finding.Valid() {
		return nil, nil, 0, znb.Errorf(znb.Invalid, "invalid_finding", "未知的核对结果：%q", q.Finding)
	}
	if q.Page < 1 {
		q.Page = 1
	}
	switch {
	case q.PageSize <= 0:
		q.PageSize = 100
	case q.PageSize > 1000:
		q.PageSize = 1000
	}
	var total int64
	if q.Finding != "" {
		total = int64(rec.Result.Tally(q.Finding).Count)
	} else {
		for _, f := range rec.Result.Findings {
			total += int64(f.Count)
		}
	}
	if rec.itemsFormat == itemsInBlocks {
		out, err := db.blockPage(ctx, rec, q.Finding, (q.Page-1)*q.PageSize, q.PageSize)
		if err != nil {
			return nil, nil, 0, err
		}
		return rec, out, total, nil
	}
	g := db.Gorm(ctx).Table("reconciliation_items").Where("reconciliation_id = ?", id)
	if q.Finding != "" {
		g = g.Where("finding = ?", findingNo(q.Finding))
	}
	var rows []itemRow
	if err := g.Order("finding, seq").Offset((q.Page - 1) * q.PageSize).Limit(q.PageSize).Find(&rows).Error; err != nil {
		return nil, nil, 0, znb.Wrap(err, "读取对账明细")
	}
	sp := newSplits(rec.Terms)
	out := make([]subsidy.Detail, len(rows))
	for i := range rows {
		out[i] = rows[i].detail(sp)
	}
	return rec, out, total, nil
}

// EachReconciliationItem streams the detail rows of rec (already read with
// the actor's scope) for one finding, or all when f is empty, in the order
// of ReconciliationItems, to fn; the *Detail is reused between calls.
func (db *DB) EachReconciliationItem(ctx context.Context, rec *Reconciliation, f subsidy.Finding, fn func(*subsidy.Detail) error) error {
	if rec.itemsFormat == itemsInBlocks {
		sp := newSplits(rec.Terms)
		finding := -1
		if f != "" {
			finding = findingNo(f)
		}
		var d subsidy.Detail
		return db.eachBlock(ctx, rec.ID, finding, 0, -1, func(b *blockRow) error {
			return eachItem(b, func(_ int, r *rawItem) error {
				row := r.itemRow(b.finding)
				d = row.detail(sp)
				return fn(&d)
			})
		})
	}
	g := db.Gorm(ctx).Table("reconciliation_items").Where("reconciliation_id = ?", rec.ID)
	if f != "" {
		g = g.Where("finding = ?", findingNo(f))
	}
	rows, err := g.Order("finding, seq").Rows()
	if err != nil {
		return znb.Wrap(err, "读取对账明细")
	}
	defer rows.Close()
	sp := newSplits(rec.Terms)
	var (
		r itemRow
		d subsidy.Detail
	)
	for rows.Next() {
		if err := rows.Scan(&r.ReconciliationID, &r.Finding, &r.Seq, &r.RowNo, &r.CertificateNo, &r.HouseholdNo,
			&r.IDNumber, &r.Name, &r.ListCategory, &r.BilledCategory, &r.CoverageStart, &r.CoverageEnd,
			&r.Premium, &r.Expected, &r.Allowed, &r.Note); err != nil {
			return znb.Wrap(err, "读取对账明细")
		}
		d = r.detail(sp)
		if err := fn(&d); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return znb.Wrap(err, "读取对账明细")
	}
	return nil
}

type itemRow struct {
	ReconciliationID int64
	Finding          int
	Seq              int
	RowNo            int
	CertificateNo    string
	HouseholdNo      string
	IDNumber         string `gorm:"column:id_number"`
	Name             string
	ListCategory     string
	BilledCategory   string
	CoverageStart    znb.Date
	CoverageEnd      znb.Date
	Premium          decimal.Decimal
	Expected         decimal.Decimal
	Allowed          decimal.Decimal
	Note             string
}

// detail rebuilds a detail row. The amounts by funding source were not
// stored: the billed premium split by the billed category, and the allowed
// premium by the list's, give back exactly what the run computed (SPEC §8;
// the same split, same rounding, same terms).
func (r *itemRow) detail(sp *splits) subsidy.Detail {
	f := subsidy.Findings[max(0, min(r.Finding, len(subsidy.Findings)-1))]
	d := subsidy.Detail{Row: r.RowNo, CertificateNo: r.CertificateNo, HouseholdNo: r.HouseholdNo,
		IDNumber: r.IDNumber, Name: r.Name, ListCategory: znb.Category(r.ListCategory),
		BilledCategory: znb.Category(r.BilledCategory), CoverageStart: r.CoverageStart, CoverageEnd: r.CoverageEnd,
		Finding: f, Expected: r.Expected.Round(2), Difference: r.Premium.Sub(r.Expected).Round(2), Note: r.Note}
	d.Billed = sp.of(d.BilledCategory, r.Premium)
	d.Allowed = sp.of(d.ListCategory, r.Allowed)
	d.Disallowed.Premium = d.Billed.Premium.Sub(d.Allowed.Premium)
	for i := range d.Disallowed.Sources {
		d.Disallowed.Sources[i] = d.Billed.Sources[i].Sub(d.Allowed.Sources[i])
	}
	return d
}

// splits splits amounts by a category's percentages, remembering the few
// distinct amounts a reconciliation repeats.
type splits struct {
	t     subsidy.Terms
	cache map[splitKey]subsidy.Money
}

type splitKey struct {
	c znb.Category
	a string
}

func newSplits(t subsidy.Terms) *splits { return &splits{t: t, cache: map[splitKey]subsidy.Money{}} }

func (s *splits) of(c znb.Category, amount decimal.Decimal) subsidy.Money {
	amount = amount.Round(2)
	var m subsidy.Money
	m.Premium = amount
	for i := range m.Sources {
		m.Sources[i] = decimal.Zero
	}
	pcts, ok := s.t.Splits[c]
	if !ok || amount.IsZero() {
		return m
	}
	k := splitKey{c, amount.String()}
	if v, ok := s.cache[k]; ok {
		return v
	}
	copy(m.Sources[:], money.Split(amount, pcts[:]))
	if len(s.cache) < 1<<14 {
		s.cache[k] = m
	}
	return m
}

// ConfirmReconciliation freezes a draft: the office of the county reads its
// inputs again (the agreement terms it stored, the list version, and the
// bill — the certificates as they are now, or the statement rows it kept)
// and confirms only when they hash to the inputs hash of the run
// (reconciliation_stale otherwise: re-run it). A confirmed reconciliation
// never changes again.
func (db *DB) ConfirmReconciliation(ctx context.Context, by znb.Actor, id int64) (*Reconciliation, error) {
	rec, err := db.GetReconciliation(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if !(by.Role == znb.Admin || by.Role == znb.Office && by.SeesRegion(rec.County)) {
		return nil, znb.Errorf(znb.Forbidden, "forbidden", "只有县扶贫办可以确认对账")
	}
	if rec.Status != ReconDraft {
		return nil, znb.Errorf(znb.Conflict, "reconciliation_not_draft", "对账 %d 已%s，不能再次确认", id, statusName(rec.Status))
	}
	hash, err := db.rehash(ctx, rec)
	if err != nil {
		return nil, err
	}
	if hash != rec.Result.InputsHash {
		return nil, znb.Errorf(znb.Conflict, "reconciliation_stale", "对账 %d 的输入（名单或承保数据）已变化，请重新对账后再确认", id)
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		cur, err := db.getRecon(tx, by, id, db.forUpdate())
		if err != nil {
			return err
		}
		if cur.Status != ReconDraft {
			return znb.Errorf(znb.Conflict, "reconciliation_not_draft", "对账 %d 已%s，不能再次确认", id, statusName(cur.Status))
		}
		now := db.nowMS()
		if err := tx.Model(&reconRow{}).Where("id = ?", id).Updates(map[string]any{
			"status": string(ReconConfirmed), "confirmed_by": by.Username, "confirmed_at": now}).Error; err != nil {
			return err
		}
		rec.Status, rec.ConfirmedBy, rec.ConfirmedAt = ReconConfirmed, by.Username, now
		return db.audit(tx, by, "reconciliation.confirm", reconObject(id), map[string]any{
			"from": ReconDraft, "to": ReconConfirmed, "inputs_hash": hash})
	})
	if err != nil {
		return nil, znb.Wrap(err, "确认对账")
	}
	return rec, nil
}

// SettleReconciliation marks a confirmed reconciliation settled (结算): the
// allowed subsidy has been paid.
func (db *DB) SettleReconciliation(ctx context.Context, by znb.Actor, id int64) (*Reconciliation, error) {
	var rec *Reconciliation
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		if rec, err = db.getRecon(tx, by, id, db.forUpdate()); err != nil {
			return err
		}
		if !(by.Role == znb.Admin || by.Role == znb.Office && by.SeesRegion(rec.County)) {
			return znb.Errorf(znb.Forbidden, "forbidden", "只有县扶贫办或管理员可以办理结算")
		}
		if rec.Status != ReconConfirmed {
			return znb.Errorf(znb.Conflict, "reconciliation_not_confirmed", "对账 %d 当前为%s，须先确认才能结算", id, statusName(rec.Status))
		}
		now := db.nowMS()
		if err := tx.Model(&reconRow{}).Where("id = ?", id).Updates(map[string]any{
			"status": string(ReconSettled), "settled_by": by.Username, "settled_at": now}).Error; err != nil {
			return err
		}
		rec.Status, rec.SettledBy, rec.SettledAt = ReconSettled, by.Username, now
		return db.audit(tx, by, "reconciliation.settle", reconObject(id), map[string]any{
			"from": ReconConfirmed, "to": ReconSettled, "allowed": money.String(rec.Result.Allowed.Premium)})
	})
	if err != nil {
		return nil, znb.Wrap(err, "结算对账")
	}
	return rec, nil
}

func statusName(s ReconciliationStatus) string {
	switch s {
	case ReconDraft:
		return "草稿"
	case ReconConfirmed:
		return "确认"
	case ReconSettled:
		return "结算"
	}
	return string(s)
}

// rehash reads the inputs of rec again and returns their hash.
func (db *DB) rehash(ctx context.Context, rec *Reconciliation) (string, error) {
	var row listRow
	if err := db.Gorm(ctx).Where("id = ?", rec.ListID).Take(&row).Error; err != nil {
		return "", notFound(err, "名单版本")
	}
	list, err := db.listEntries(ctx, row.version(), rec.Terms)
	if err != nil {
		return "", err
	}
	in := subsidy.Input{Terms: rec.Terms, List: list}
	if rec.BillSource == BillCertificates {
		in.Bill = db.certificateBill(ctx, rec.AgreementID)
	} else if rec.itemsFormat == itemsInBlocks {
		in.Bill = db.blockBill(ctx, rec.ID)
	} else {
		in.Bill = db.storedBill(ctx, rec.ID)
	}
	return subsidy.InputsHash(in)
}

// storedBill streams the billed rows a reconciliation stored before
// migration 0007 kept in reconciliation_items, in file order: the statement
// file itself is not kept, its rows are.
func (db *DB) storedBill(ctx context.Context, id int64) iter.Seq2[subsidy.Row, error] {
	return func(yield func(subsidy.Row, error) bool) {
		rows, err := db.Gorm(ctx).Raw(`SELECT row_no, certificate_no, household_no, id_number, name, billed_category,
				coverage_start, coverage_end, premium
			FROM reconciliation_items WHERE reconciliation_id = ? AND row_no > 0 ORDER BY seq`, id).Rows()
		if err != nil {
			yield(subsidy.Row{}, znb.Wrap(err, "读取对账明细"))
			return
		}
		defer rows.Close()
		var cat string
		for rows.Next() {
			var r subsidy.Row
			if err := rows.Scan(&r.Row, &r.CertificateNo, &r.HouseholdNo, &r.IDNumber, &r.Name, &cat,
				&r.CoverageStart, &r.CoverageEnd, &r.Premium); err != nil {
				yield(subsidy.Row{}, znb.Wrap(err, "读取对账明细"))
				return
			}
			r.Category = internCategory(cat)
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(subsidy.Row{}, znb.Wrap(err, "读取对账明细"))
		}
	}
}
