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

// GetReconciliation returns a reconciliation with its result; one outside the
// actor's scope (its county for office and auditors, its insurer for the
// insurer's staff) is not found.
func (db *DB) GetReconciliation(ctx context.Context, by znb.Actor, id int64) (*subsidy.Reconciliation, error) {
	rec, _, err := db.getRecon(db.Gorm(ctx), by, id, "")
	return rec, err
}

// getRecon reads reconciliation id within the actor's scope, with lock
// ("" or db.forUpdate()), and how its detail rows are kept.
func (db *DB) getRecon(g *gorm.DB, by znb.Actor, id int64, lock string) (*subsidy.Reconciliation, int, error) {
	rec, format, err := db.readRecon(g, id, lock)
	if err != nil {
		return nil, 0, err
	}
	if !by.Sees(rec.County, rec.InsurerCode) {
		return nil, 0, znb.ErrNotFound("对账")
	}
	return rec, format, nil
}

// readRecon reads reconciliation id with its findings, whoever asks, and
// returns how its detail rows are kept (itemsInTable or itemsInBlocks).
func (db *DB) readRecon(g *gorm.DB, id int64, lock string) (*subsidy.Reconciliation, int, error) {
	var row reconRow
	if err := g.Raw("SELECT * FROM reconciliations WHERE id = ?"+lock, id).Scan(&row).Error; err != nil {
		return nil, 0, znb.Wrap(err, "读取对账")
	}
	if row.ID == 0 {
		return nil, 0, znb.ErrNotFound("对账")
	}
	var fs []findingRow
	if err := g.Where("reconciliation_id = ?", id).Order("finding").Find(&fs).Error; err != nil {
		return nil, 0, znb.Wrap(err, "读取对账")
	}
	r := &subsidy.Reconciliation{ID: row.ID, AgreementID: row.AgreementID, ListID: row.ListID, County: row.County,
		InsurerCode: row.InsurerCode, BillSource: subsidy.BillSource(row.BillSource), StatementName: row.StatementName,
		StatementSHA256: row.StatementSha256, Status: subsidy.Status(row.Status),
		CreatedBy: row.CreatedBy, CreatedAt: row.CreatedAt, ConfirmedBy: row.ConfirmedBy,
		ConfirmedAt: row.ConfirmedAt, SettledBy: row.SettledBy, SettledAt: row.SettledAt}
	if err := json.Unmarshal([]byte(row.Terms), &r.Terms); err != nil {
		return nil, 0, znb.Wrap(err, "读取对账条款")
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
	return r, row.ItemsFormat, nil
}

// itemsFormat returns how the detail rows of reconciliation id are kept.
func (db *DB) itemsFormat(ctx context.Context, id int64) (int, error) {
	var format []int
	if err := db.Gorm(ctx).Model(&reconRow{}).Where("id = ?", id).Pluck("items_format", &format).Error; err != nil {
		return 0, znb.Wrap(err, "读取对账")
	}
	if len(format) == 0 {
		return 0, znb.ErrNotFound("对账")
	}
	return format[0], nil
}

// ItemQuery selects detail rows: one finding or all (empty), one page.
type ItemQuery struct {
	Finding subsidy.Finding
	Page    znb.Page // see ItemPage
}

// ItemPage normalises a requested page of detail rows: from 1, 100 rows
// unless asked, at most 1000.
func ItemPage(number, size int) znb.Page { return znb.NewPage(number, size, 100, 1000) }

// ReconciliationItems returns one page of a reconciliation's detail rows,
// ordered by finding (the findings' order) and then as produced, with the number
// of rows the query selects in all.
func (db *DB) ReconciliationItems(ctx context.Context, by znb.Actor, id int64, q ItemQuery) (*subsidy.Reconciliation, []subsidy.Detail, int64, error) {
	rec, format, err := db.getRecon(db.Gorm(ctx), by, id, "")
	if err != nil {
		return nil, nil, 0, err
	}
	if err := q.Finding.CheckFilter(); err != nil {
		return nil, nil, 0, err
	}
	p := ItemPage(q.Page.Number, q.Page.Size)
	var total int64
	if q.Finding != "" {
		total = int64(rec.Result.Tally(q.Finding).Count)
	} else {
		for _, f := range rec.Result.Findings {
			total += int64(f.Count)
		}
	}
	if format == itemsInBlocks {
		out, err := db.blockPage(ctx, rec, q.Finding, p.Offset(), p.Size)
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
	if err := g.Order("finding, seq").Offset(p.Offset()).Limit(p.Size).Find(&rows).Error; err != nil {
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
func (db *DB) EachReconciliationItem(ctx context.Context, rec *subsidy.Reconciliation, f subsidy.Finding, fn func(*subsidy.Detail) error) error {
	format, err := db.itemsFormat(ctx, rec.ID)
	if err != nil {
		return err
	}
	if format == itemsInBlocks {
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
// premium by the list's, give back exactly what the run computed
// (the same split, same rounding, same terms).
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
// and subsidy.Reconciliation.Confirm decides.
func (db *DB) ConfirmReconciliation(ctx context.Context, by znb.Actor, id int64) (*subsidy.Reconciliation, error) {
	rec, format, err := db.getRecon(db.Gorm(ctx), by, id, "")
	if err != nil {
		return nil, err
	}
	if err := rec.CanConfirm(by); err != nil {
		return nil, err
	}
	hash, err := db.rehash(ctx, rec, format)
	if err != nil {
		return nil, err
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		// Read again under lock: another confirmation may have come first.
		if rec, _, err = db.getRecon(tx, by, id, db.forUpdate()); err != nil {
			return err
		}
		if err := rec.Confirm(by, hash, db.nowMS()); err != nil {
			return err
		}
		if err := tx.Model(&reconRow{}).Where("id = ?", id).Updates(map[string]any{
			"status": string(rec.Status), "confirmed_by": rec.ConfirmedBy, "confirmed_at": rec.ConfirmedAt}).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{rec.County, rec.InsurerCode}, "reconciliation.confirm", reconObject(id), map[string]any{
			"state": map[string]string{"status": string(rec.Status)}, "from": subsidy.Draft, "to": rec.Status, "inputs_hash": hash})
	})
	if err != nil {
		return nil, znb.Wrap(err, "确认对账")
	}
	return rec, nil
}

// SettleReconciliation marks a confirmed reconciliation settled (结算) as
// subsidy.Reconciliation.Settle decides: the allowed subsidy has been paid.
func (db *DB) SettleReconciliation(ctx context.Context, by znb.Actor, id int64) (*subsidy.Reconciliation, error) {
	var rec *subsidy.Reconciliation
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		if rec, _, err = db.getRecon(tx, by, id, db.forUpdate()); err != nil {
			return err
		}
		if err := rec.Settle(by, db.nowMS()); err != nil {
			return err
		}
		if err := tx.Model(&reconRow{}).Where("id = ?", id).Updates(map[string]any{
			"status": string(rec.Status), "settled_by": rec.SettledBy, "settled_at": rec.SettledAt}).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{rec.County, rec.InsurerCode}, "reconciliation.settle", reconObject(id), map[string]any{
			"state": map[string]string{"status": string(rec.Status)}, "from": subsidy.Confirmed, "to": rec.Status, "allowed": money.String(rec.Result.Allowed.Premium)})
	})
	if err != nil {
		return nil, znb.Wrap(err, "结算对账")
	}
	return rec, nil
}

// rehash reads the inputs of rec again and returns their hash.
func (db *DB) rehash(ctx context.Context, rec *subsidy.Reconciliation, format int) (string, error) {
	var row listRow
	if err := db.Gorm(ctx).Where("id = ?", rec.ListID).Take(&row).Error; err != nil {
		return "", notFound(err, "名单版本")
	}
	list, err := db.listEntries(ctx, row.version(), rec.Terms)
	if err != nil {
		return "", err
	}
	in := subsidy.Input{Terms: rec.Terms, List: list}
	if rec.BillSource == subsidy.BillCertificates {
		in.Bill = db.certificateBill(ctx, rec.AgreementID)
	} else if format == itemsInBlocks {
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
