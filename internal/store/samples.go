package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Post-payment sampling (抽查): once a month has ended, a share of the
// claims an insurer paid in it (within a region, or all) is drawn with a
// seed kept beside the sample (oversight.Draw), and a reviewer records a
// finding on each.

type sampleRow struct {
	ID         int64
	Insurer    string
	Region     string
	Month      string
	Seed       int64
	Rate       decimal.Decimal
	Population int64
	Size       int64
	CreatedBy  string
	CreatedAt  int64
}

func (sampleRow) TableName() string { return "claim_samples" }

type sampleItemRow struct {
	ID         int64
	SampleID   int64
	ClaimID    int64
	ClaimNo    string
	Paid       decimal.Decimal
	Outcome    string
	Recovered  decimal.Decimal
	Note       string
	Reviewer   string
	ReviewedAt int64
}

func (sampleItemRow) TableName() string { return "claim_sample_items" }

// Sample is a drawn sample with its claims.
type Sample struct {
	ID         int64
	Insurer    string
	Region     string // region-code prefix; "" for all the insurer's regions
	Month      string
	Seed       uint64
	Rate       decimal.Decimal
	Population int // claims paid in the month
	DrawnBy    string
	DrawnAt    time.Time
	Items      []oversight.Item
}

// SampleRequest asks for a month's sample. Seed nil draws a fresh one;
// Rate zero means oversight.DefaultRate.
type SampleRequest struct {
	Insurer string
	Region  string
	Month   string
	Rate    decimal.Decimal
	Seed    *uint64
}

func sampleObject(id int64) string { return "sample:" + itoa(id) }

// paidIn returns the claims of the unit paid within the month: id, number
// and payable.
func (db *DB) paidIn(g *gorm.DB, insurer, region string, m oversight.Month) ([]claimRow, error) {
	start, end := m.Span()
	var rows []claimRow
	err := g.Raw(`SELECT c.id, c.claim_no, c.payable FROM claims c
		JOIN claim_events e ON e.claim_id = c.id AND e.to_status = ?
		WHERE c.insurer = ? AND c.region_code LIKE ? AND c.status = ? AND e.at_ms >= ? AND e.at_ms < ?
		ORDER BY c.claim_no`, string(claim.Paid), insurer, region+"%", string(claim.Paid), start.UnixMilli(), end.UnixMilli()).
		Scan(&rows).Error
	return rows, err
}

// DrawSample draws the month's sample of the unit once it has ended; a
// sample already drawn for the unit and month is returned as it is (a
// month is sampled once). The draw is audited with its seed.
func (db *DB) DrawSample(ctx context.Context, by znb.Actor, in SampleRequest) (*Sample, error) {
	if err := znb.Allow(by, znb.SampleClaims); err != nil {
		return nil, err
	}
	insurer, region, err := oversight.SampleUnit(by, in.Insurer, in.Region)
	if err != nil {
		return nil, err
	}
	m, err := oversight.ParseMonth(in.Month)
	if err != nil {
		return nil, err
	}
	if err := m.CheckDrawable(znb.DateOf(db.Now().In(znb.CST))); err != nil {
		return nil, err
	}
	rate := in.Rate
	if rate.IsZero() {
		rate = oversight.DefaultRate
	}
	if err := oversight.CheckRate(rate); err != nil {
		return nil, err
	}
	var seed uint64
	if in.Seed != nil {
		seed = *in.Seed
	} else {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, znb.Wrap(err, "生成抽查种子")
		}
		seed = binary.BigEndian.Uint64(b[:])
	}
	seed &= 1<<63 - 1 // kept in a signed BIGINT
	var id int64
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var old []sampleRow
		if err := tx.Where("insurer = ? AND region = ? AND month = ?", insurer, region, m.String()).Find(&old).Error; err != nil {
			return err
		}
		if len(old) > 0 {
			id = old[0].ID
			return nil
		}
		paid, err := db.paidIn(tx, insurer, region, m)
		if err != nil {
			return err
		}
		nos := make([]string, len(paid))
		byNo := make(map[string]*claimRow, len(paid))
		for i := range paid {
			nos[i], byNo[paid[i].ClaimNo] = paid[i].ClaimNo, &paid[i]
		}
		drawn := oversight.Draw(seed, nos, oversight.SampleSize(len(paid), rate))
		row := sampleRow{Insurer: insurer, Region: region, Month: m.String(), Seed: int64(seed), Rate: rate,
			Population: int64(len(paid)), Size: int64(len(drawn)), CreatedBy: by.Username, CreatedAt: db.nowMS()}
		if err := tx.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return errSampleRace()
			}
			return err
		}
		id = row.ID
		items := newBatch(ctx, db, tx, "claim_sample_items", "sample_id", "claim_id", "claim_no", "paid")
		for _, no := range drawn {
			c := byNo[no]
			if err := items.add(row.ID, c.ID, no, c.Payable.Decimal.StringFixed(2)); err != nil {
				items.close()
				return err
			}
		}
		if err := items.close(); err != nil {
			return err
		}
		return db.audit(tx, by, scope{region, insurer}, "sample.draw", sampleObject(row.ID), map[string]any{
			"month": row.Month, "seed": seed, "rate": rate.String(), "population": len(paid), "claims": drawn})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存抽查样本")
	}
	return db.GetSample(ctx, by, id)
}

func errSampleRace() error {
	return znb.Errorf(znb.Conflict, "sample_in_progress", "该月样本正在由他人抽取，请稍后查看")
}

// GetSample returns a sample with its items; one outside the actor's scope
// is not found.
func (db *DB) GetSample(ctx context.Context, by znb.Actor, id int64) (*Sample, error) {
	if err := znb.Allow(by, znb.ReadSamples); err != nil {
		return nil, err
	}
	g := db.Gorm(ctx)
	var row sampleRow
	res := g.Where("id = ?", id).Limit(1).Find(&row)
	if res.Error != nil {
		return nil, znb.Wrap(res.Error, "读取抽查样本")
	}
	if res.RowsAffected == 0 || !sees(by, row) {
		return nil, znb.ErrNotFound("抽查样本")
	}
	return db.sampleOf(g, row)
}

// sees reports whether the actor may read a sample: insurer staff their
// insurer's, offices and auditors those within their region.
func sees(by znb.Actor, s sampleRow) bool {
	switch {
	case by.Role == znb.Admin:
		return true
	case by.Role.Insurer():
		return by.Scope == s.Insurer
	}
	return strings.HasPrefix(s.Region, by.Scope)
}

func (db *DB) sampleOf(g *gorm.DB, row sampleRow) (*Sample, error) {
	s := &Sample{ID: row.ID, Insurer: row.Insurer, Region: row.Region, Month: row.Month, Seed: uint64(row.Seed),
		Rate: row.Rate, Population: int(row.Population), DrawnBy: row.CreatedBy, DrawnAt: msToTime(row.CreatedAt),
		Items: []oversight.Item{}}
	var items []sampleItemRow
	if err := g.Where("sample_id = ?", row.ID).Order("claim_no").Find(&items).Error; err != nil {
		return nil, znb.Wrap(err, "读取抽查样本")
	}
	for _, it := range items {
		s.Items = append(s.Items, it.item())
	}
	return s, nil
}

func (it *sampleItemRow) item() oversight.Item {
	out := oversight.Item{ClaimNo: it.ClaimNo, Paid: it.Paid, Outcome: oversight.Outcome(it.Outcome),
		Recovered: it.Recovered, Note: it.Note, Reviewer: it.Reviewer}
	if it.ReviewedAt != 0 {
		out.ReviewedAt = msToTime(it.ReviewedAt)
	}
	return out
}

// Redraw draws the sample again from its recorded seed over the claims paid
// in its month as they stand now, and reports whether the same claims come
// out: anyone can check that the sample was not picked by hand.
func (db *DB) Redraw(ctx context.Context, by znb.Actor, id int64) (bool, error) {
	s, err := db.GetSample(ctx, by, id)
	if err != nil {
		return false, err
	}
	m, err := oversight.ParseMonth(s.Month)
	if err != nil {
		return false, err
	}
	paid, err := db.paidIn(db.Gorm(ctx), s.Insurer, s.Region, m)
	if err != nil {
		return false, znb.Wrap(err, "读取已支付案件")
	}
	nos := make([]string, len(paid))
	for i := range paid {
		nos[i] = paid[i].ClaimNo
	}
	again := oversight.Draw(s.Seed, nos, oversight.SampleSize(len(paid), s.Rate))
	if len(again) != len(s.Items) {
		return false, nil
	}
	for i, it := range s.Items {
		if again[i] != it.ClaimNo {
			return false, nil
		}
	}
	return true, nil
}

// SampleQuery filters samples by month (YYYY-MM) and insurer.
type SampleQuery struct{ Month, Insurer string }

// ListSamples returns the samples the actor sees, newest month first.
func (db *DB) ListSamples(ctx context.Context, by znb.Actor, q SampleQuery) ([]Sample, error) {
	if err := znb.Allow(by, znb.ReadSamples); err != nil {
		return nil, err
	}
	g := db.Gorm(ctx)
	w := g.Model(&sampleRow{})
	switch {
	case by.Role.Insurer():
		w = w.Where("insurer = ?", by.Scope)
	case by.Regional():
		w = w.Where("region LIKE ?", by.Scope+"%")
	}
	if q.Month != "" {
		m, err := oversight.ParseMonth(q.Month)
		if err != nil {
			return nil, err
		}
		w = w.Where("month = ?", m.String())
	}
	if q.Insurer != "" {
		w = w.Where("insurer = ?", q.Insurer)
	}
	var rows []sampleRow
	if err := w.Order("month DESC, id DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "查询抽查样本")
	}
	out := make([]Sample, 0, len(rows))
	for _, r := range rows {
		s, err := db.sampleOf(g, r)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, nil
}

// RecordSampleOutcome records the finding on one sampled claim
// (oversight.Item.Record says which findings are valid); audited.
func (db *DB) RecordSampleOutcome(ctx context.Context, by znb.Actor, id int64, claimNo string, o oversight.Outcome, amount decimal.Decimal, note string) (*oversight.Item, error) {
	if _, err := db.GetSample(ctx, by, id); err != nil {
		return nil, err
	}
	if err := znb.Allow(by, znb.SampleClaims); err != nil {
		return nil, err
	}
	var out oversight.Item
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var row sampleItemRow
		res := tx.Raw("SELECT * FROM claim_sample_items WHERE sample_id = ? AND claim_no = ?"+db.forUpdate(), id, strings.TrimSpace(claimNo)).Scan(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return znb.ErrNotFound("抽查案件")
		}
		it := row.item()
		if err := it.Record(by, db.Now(), o, amount, note); err != nil {
			return err
		}
		if err := tx.Model(&sampleItemRow{}).Where("id = ?", row.ID).Updates(map[string]any{"outcome": string(it.Outcome),
			"recovered": it.Recovered, "note": it.Note, "reviewer": it.Reviewer, "reviewed_at": it.ReviewedAt.UnixMilli()}).Error; err != nil {
			return err
		}
		var c claimRow
		if err := tx.Select("region_code, insurer").Where("id = ?", row.ClaimID).Take(&c).Error; err != nil {
			return err
		}
		out = it
		return db.audit(tx, by, scope{c.RegionCode, c.Insurer}, "sample.review", claimObject(row.ClaimNo), map[string]any{
			"sample_id": id, "outcome": string(it.Outcome), "recovered": it.Recovered.StringFixed(2), "note": it.Note})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存抽查结果")
	}
	return &out, nil
}

// SampleReport tallies the samples the actor sees by insurer and month:
// sampled, confirmed, recovered (count and amount), pending.
func (db *DB) SampleReport(ctx context.Context, by znb.Actor, q SampleQuery) ([]oversight.Tally, error) {
	samples, err := db.ListSamples(ctx, by, q)
	if err != nil {
		return nil, err
	}
	at := map[[2]string]*oversight.Tally{}
	var out []*oversight.Tally
	for _, s := range samples {
		k := [2]string{s.Insurer, s.Month}
		t := at[k]
		if t == nil {
			t = &oversight.Tally{Insurer: s.Insurer, Month: s.Month, Paid: decimal.Zero, RecoveredAmount: decimal.Zero}
			at[k] = t
			out = append(out, t)
		}
		t.Population += s.Population
		for _, it := range s.Items {
			t.Add(it)
		}
	}
	res := make([]oversight.Tally, len(out))
	for i, t := range out {
		res[i] = *t
	}
	return res, nil
}
