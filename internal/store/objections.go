package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"

	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type objectionRow struct {
	ID          int64
	ObjectionNo string
	Category    string
	Source      string
	Holder      string
	Name        string
	Phone       string
	ClaimNo     string
	RegionCode  string
	Insurer     string
	Body        string
	ReceivedOn  znb.Date
	AckDue      znb.Date
	ResolveDue  znb.Date
	Status      string
	AckedOn     *znb.Date
	Reply       string
	AnsweredBy  string
	AnsweredOn  *znb.Date
	Blocks      int
	RecordedBy  string
	CreatedAt   int64
	UpdatedAt   int64
}

func (objectionRow) TableName() string { return "objections" }

func (r *objectionRow) item() objection.Item {
	it := objection.Item{No: r.ObjectionNo, Category: objection.Category(r.Category), Source: objection.Source(r.Source),
		Holder: objection.Holder(r.Holder), Name: r.Name, Phone: r.Phone, ClaimNo: r.ClaimNo, Text: r.Body,
		ReceivedOn: r.ReceivedOn, AckDue: r.AckDue, ResolveDue: r.ResolveDue, Status: objection.Status(r.Status),
		Reply: r.Reply, RecordedBy: r.RecordedBy, AnsweredBy: r.AnsweredBy, RegionCode: r.RegionCode, Insurer: r.Insurer}
	if r.ClaimNo == "" {
		it.Village = r.RegionCode
	}
	if r.AckedOn != nil {
		it.AckedOn = *r.AckedOn
	}
	if r.AnsweredOn != nil {
		it.AnsweredOn = *r.AnsweredOn
	}
	return it
}

func objectionObject(no string) string { return "objection:" + no }

// sees says whether the actor may read the item: office and auditor by
// region, insurer staff the items about their insurer's claims, admin all.
func seesObjection(by znb.Actor, region, insurer string) bool {
	if by.Role.Insurer() {
		return insurer != "" && by.Scope == insurer
	}
	return by.Sees(region, insurer)
}

// FileObjection records an objection or complaint. The public form comes
// as the household actor with source public; staff record what arrives by
// hotline or in person within their scope. A claim named must exist (and,
// for staff, be in their scope); it places the item in the claim's village
// and with its insurer.
func (db *DB) FileObjection(ctx context.Context, by znb.Actor, f objection.Filing) (*objection.Item, error) {
	public := f.Source == objection.Public
	if !public {
		if err := znb.Allow(by, znb.RecordObjection); err != nil {
			return nil, err
		}
	}
	if err := f.Check(); err != nil {
		return nil, err
	}
	region, insurer := f.Village, ""
	if f.ClaimNo != "" {
		var c struct{ RegionCode, Insurer string }
		res := db.Gorm(ctx).Raw("SELECT region_code, insurer FROM claims WHERE claim_no = ?", f.ClaimNo).Scan(&c)
		if res.Error != nil {
			return nil, znb.Wrap(res.Error, "读取理赔案件")
		}
		if res.RowsAffected == 0 || (!public && !by.Sees(c.RegionCode, c.Insurer)) {
			return nil, znb.Errorf(znb.NotFound, "unknown_claim", "没有理赔编号 %s 的案件", f.ClaimNo)
		}
		region, insurer = c.RegionCode, c.Insurer
	} else if !public && !by.Role.Insurer() && !by.SeesRegion(region) {
		return nil, znb.Errorf(znb.NotFound, "unknown_region", "村 %s 不在您的范围内", region)
	}
	it := objection.New(f, db.Holidays, znb.DateOf(db.Now().In(znb.CST)), region, insurer, by.Username)
	if by.Role.Insurer() && insurer == "" {
		it.Insurer = by.Scope // a complaint about the insurer taken by the insurer
	}
	now := db.nowMS()
	row := objectionRow{Category: string(it.Category), Source: string(it.Source), Holder: string(it.Holder), Name: it.Name,
		Phone: it.Phone, ClaimNo: it.ClaimNo, RegionCode: region, Insurer: it.Insurer, Body: it.Text, ReceivedOn: it.ReceivedOn,
		AckDue: it.AckDue, ResolveDue: it.ResolveDue, Status: string(it.Status), RecordedBy: by.Username, CreatedAt: now, UpdatedAt: now}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		row.ID = 0
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		row.ObjectionNo = objection.Number(it.ReceivedOn, row.ID)
		if err := tx.Model(&objectionRow{}).Where("id = ?", row.ID).Update("objection_no", row.ObjectionNo).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{region, it.Insurer}, "objection.file", objectionObject(row.ObjectionNo), map[string]any{
			"category": it.Category, "source": it.Source, "holder": it.Holder, "claim_no": it.ClaimNo,
			"ack_due": it.AckDue, "resolve_due": it.ResolveDue})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存异议")
	}
	out := row.item()
	return &out, nil
}

// objectionRow reads an item in the actor's scope, locking it with lock.
func (db *DB) objectionRow(g *gorm.DB, by znb.Actor, no string, lock bool) (*objectionRow, error) {
	var row objectionRow
	q := "SELECT * FROM objections WHERE objection_no = ?"
	if lock {
		q += db.forUpdate()
	}
	res := g.Raw(q, strings.TrimSpace(no)).Scan(&row)
	if res.Error != nil {
		return nil, znb.Wrap(res.Error, "读取异议")
	}
	if res.RowsAffected == 0 || !seesObjection(by, row.RegionCode, row.Insurer) {
		return nil, znb.ErrNotFound("异议")
	}
	return &row, nil
}

// GetObjection returns one item in the actor's scope.
func (db *DB) GetObjection(ctx context.Context, by znb.Actor, no string) (*objection.Item, error) {
	if err := znb.Allow(by, znb.ReadObjections); err != nil {
		return nil, err
	}
	r, err := db.objectionRow(db.Gorm(ctx), by, no, false)
	if err != nil {
		return nil, err
	}
	it := r.item()
	return &it, nil
}

// AckObjection acknowledges an item (受理确认).
func (db *DB) AckObjection(ctx context.Context, by znb.Actor, no string) (*objection.Item, error) {
	return db.moveObjection(ctx, by, no, "objection.ack", func(tx *gorm.DB, r *objectionRow, it *objection.Item, today znb.Date) error {
		return it.Ack(by, today)
	})
}

// AnswerObjection ends an item as upheld or rejected with a reply. An
// upheld objection to a claim stops its payment until it is assessed
// again. Whoever objected with a phone number is texted the outcome, and
// subscribed systems are told, in the same transaction.
func (db *DB) AnswerObjection(ctx context.Context, by znb.Actor, no string, to objection.Status, reply string) (*objection.Item, error) {
	return db.moveObjection(ctx, by, no, "objection.answer", func(tx *gorm.DB, r *objectionRow, it *objection.Item, today znb.Date) error {
		if err := it.Answer(by, today, to, reply); err != nil {
			return err
		}
		if it.Blocks() {
			r.Blocks = 1
			if err := db.reopenClaim(tx, by, r.ClaimNo, "异议 "+r.ObjectionNo+" 成立，退回重新理算"); err != nil {
				return err
			}
		}
		hotline := "12317"
		if it.Holder == objection.InsurerHolder && r.ClaimNo != "" {
			var h string
			if err := tx.Raw("SELECT a.insurer_hotline FROM claims c JOIN agreements a ON a.id = c.agreement_id WHERE c.claim_no = ?",
				r.ClaimNo).Scan(&h).Error; err != nil {
				return err
			}
			if h != "" {
				hotline = h
			}
		}
		d := notify.ObjectionData{ObjectionNo: r.ObjectionNo, Category: r.Category, ClaimNo: r.ClaimNo, RegionCode: r.RegionCode,
			Status: string(it.Status)}
		at := db.Now()
		return db.enqueue(tx, news{event: notify.ObjectionAnswered, subject: r.ObjectionNo, region: r.RegionCode,
			insurer: r.Insurer, phone: r.Phone, text: notify.ObjectionText(r.ObjectionNo, it.Status == objection.Upheld, hotline),
			hook: func(key string) string { return notify.ObjectionBody(key, d, at) }})
	})
}

type objectionStep func(tx *gorm.DB, r *objectionRow, it *objection.Item, today znb.Date) error

func (db *DB) moveObjection(ctx context.Context, by znb.Actor, no, action string, step objectionStep) (*objection.Item, error) {
	if err := znb.Allow(by, znb.AnswerObjection); err != nil {
		return nil, err
	}
	var out objection.Item
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		r, err := db.objectionRow(tx, by, no, true)
		if err != nil {
			return err
		}
		it := r.item()
		today := znb.DateOf(db.Now().In(znb.CST))
		if err := step(tx, r, &it, today); err != nil {
			return err
		}
		set := map[string]any{"status": string(it.Status), "reply": it.Reply, "answered_by": it.AnsweredBy,
			"blocks": r.Blocks, "updated_at": db.nowMS()}
		if !it.AckedOn.IsZero() {
			set["acked_on"] = it.AckedOn
		}
		if !it.AnsweredOn.IsZero() {
			set["answered_on"] = it.AnsweredOn
		}
		if err := tx.Model(&objectionRow{}).Where("id = ?", r.ID).Updates(set).Error; err != nil {
			return err
		}
		out = it
		return db.audit(tx, by, scope{r.RegionCode, r.Insurer}, action, objectionObject(r.ObjectionNo), map[string]any{
			"status": it.Status, "reply": it.Reply})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存异议答复")
	}
	return &out, nil
}

// ObjectionQuery filters the list of objections.
type ObjectionQuery struct {
	Status  objection.Status
	ClaimNo string
	Overdue bool // only open items past a deadline on the day of the query
	Limit   int  // at most 500; 100 when unset
}

// ListObjections lists items in the actor's scope, oldest deadline first.
func (db *DB) ListObjections(ctx context.Context, by znb.Actor, q ObjectionQuery) ([]objection.Item, error) {
	if err := znb.Allow(by, znb.ReadObjections); err != nil {
		return nil, err
	}
	g := db.Gorm(ctx).Model(&objectionRow{})
	switch {
	case by.Role.Insurer():
		g = g.Where("insurer = ?", by.Scope)
	case by.Regional():
		g = g.Where("region_code LIKE ?", by.Scope+"%")
	}
	if q.Status != "" {
		g = g.Where("status = ?", string(q.Status))
	}
	if q.ClaimNo != "" {
		g = g.Where("claim_no = ?", strings.TrimSpace(q.ClaimNo))
	}
	today := znb.DateOf(db.Now().In(znb.CST))
	if q.Overdue {
		// Open and past one deadline; Item.Overdue says which.
		g = g.Where("status IN ? AND (resolve_due < ? OR (status = ? AND ack_due < ?))",
			[]string{string(objection.Received), string(objection.Acknowledged)}, today, string(objection.Received), today)
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []objectionRow
	if err := g.Order("resolve_due, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取异议")
	}
	out := make([]objection.Item, len(rows))
	for i := range rows {
		out[i] = rows[i].item()
	}
	return out, nil
}

// reopenClaim sends the claim back to assessment when it is approved and
// unpaid (claim.Claim.Reopen), giving back what its approval consumed of
// its limit and, on a household line, of the household's accrued total; a
// claim in any other status is left as it is (the objection stops its
// approval and payment all the same).
func (db *DB) reopenClaim(tx *gorm.DB, by znb.Actor, no, note string) error {
	r, err := db.readClaim(tx, no, true)
	if err != nil {
		return err
	}
	c, err := r.claim()
	if err != nil || c.Status != claim.Approved {
		return err
	}
	ev, err := c.Reopen(by, db.Now(), note)
	if err != nil {
		return err
	}
	if err := tx.Exec("UPDATE claim_limits SET used = used - ?, updated_at = ? WHERE agreement_id = ? AND line = ? AND subject = ?",
		c.Payable, db.nowMS(), r.AgreementID, r.Line, r.Subject).Error; err != nil {
		return err
	}
	if before, after, ok := c.Accrual(); ok && znb.Line(r.Line).Accrues() {
		if err := tx.Exec("UPDATE claim_accruals SET accumulated = accumulated - ?, updated_at = ? WHERE agreement_id = ? AND line = ? AND subject = ?",
			after.Sub(before), db.nowMS(), r.AgreementID, r.Line, r.Subject).Error; err != nil {
			return err
		}
	}
	if err := tx.Model(&claimRow{}).Where("id = ?", r.ID).Updates(map[string]any{"status": string(c.Status), "updated_at": db.nowMS()}).Error; err != nil {
		return err
	}
	if err := db.addEvent(tx, r.ID, ev); err != nil {
		return err
	}
	return db.audit(tx, by, scope{r.RegionCode, r.Insurer}, "claim.reopen", claimObject(r.ClaimNo),
		map[string]any{"from": string(ev.From), "to": string(ev.To), "note": note, "state": claimState(string(c.Status), r.Payable)})
}

// notBlocked refuses, with objection_upheld, the approval or payment of a
// claim under an upheld objection that no new assessment has answered.
func notBlocked(tx *gorm.DB, claimNo string) error {
	blocked, err := blockedClaims(tx, []string{claimNo})
	if err != nil {
		return err
	}
	if nos := blocked[claimNo]; len(nos) > 0 {
		return objection.ErrBlocked(claimNo, nos)
	}
	return nil
}

// clearObjections lifts the block of upheld objections once their claim
// has been assessed again.
func clearObjections(tx *gorm.DB, claimNo string) error {
	return tx.Exec("UPDATE objections SET blocks = 0 WHERE claim_no = ? AND blocks = 1", claimNo).Error
}
