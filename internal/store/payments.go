package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Bank accounts and payment batches: approved claims go to the bank as one
// file, and only the bank's 成功 makes a claim paid.

type accountRow struct {
	ID          int64
	County      string
	HouseholdNo string
	AccountNo   string
	Bank        string
	Holder      string
	Current     int
	CreatedBy   string
	CreatedAt   int64
}

func (accountRow) TableName() string { return "bank_accounts" }

// AccountLoad is what loading an account file did.
type AccountLoad struct {
	Rows      int
	Added     int // new or changed accounts
	Unchanged int
	Rejected  []registry.Reject
}

// LoadAccounts loads a county's bank account file (户编号, 户名, 账号, 开户行):
// all or nothing, every bad row named (a bad number or check digit, a
// household not on the county's certificates). An account that differs from
// a household's current one replaces it; the old one is kept as history.
func (db *DB) LoadAccounts(ctx context.Context, by znb.Actor, county string, f registry.File) (*AccountLoad, error) {
	county, err := disaster.CheckAccountsUpload(by, county)
	if err != nil {
		return nil, err
	}
	rows, err := f.Open()
	if err != nil {
		return nil, err
	}
	accounts, rej, err := disaster.ReadAccounts(rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	res := &AccountLoad{Rows: len(accounts) + len(rej)}
	err = db.BulkTx(ctx, func(tx *gorm.DB) error {
		res.Rejected = nil
		for i := 0; i < len(accounts); i += feedChunk {
			chunk := accounts[i:min(i+feedChunk, len(accounts))]
			hs := make([]string, len(chunk))
			for j, a := range chunk {
				hs[j] = a.HouseholdNo
			}
			var known []struct {
				HouseholdNo string
				InsurerCode string
			}
			if err := tx.Raw(`SELECT DISTINCT c.household_no, a.insurer_code FROM `+indexed(tx, "certificates c", "certificates_household")+`
				JOIN agreements a ON a.id = c.agreement_id
				WHERE c.county = ? AND c.household_no IN ?`, county, hs).Scan(&known).Error; err != nil {
				return err
			}
			ok := map[string]bool{}
			for _, k := range known {
				ok[k.HouseholdNo] = ok[k.HouseholdNo] || by.Sees(county, k.InsurerCode)
			}
			for j, a := range chunk {
				if !ok[a.HouseholdNo] {
					res.Rejected = append(res.Rejected, registry.Reject{Row: i + j + 2, Column: "户编号", Code: "unknown_household",
						Message: "户 " + a.HouseholdNo + " 不在本县的参保户中"})
				}
			}
		}
		res.Rejected = append(res.Rejected, rej...)
		if len(res.Rejected) > 0 {
			disaster.SortRejects(res.Rejected)
			return disaster.AccountsRefusal(res.Rejected)
		}
		var err error
		if res.Added, res.Unchanged, err = db.saveAccounts(ctx, tx, by, county, accounts); err != nil {
			return err
		}
		return db.audit(tx, by, scope{region: county}, "accounts.load", "accounts:"+county, map[string]any{
			"file": f.Name, "sha256": f.SHA256, "added": res.Added, "unchanged": res.Unchanged})
	})
	if err != nil {
		if znb.CodeOf(err) == "accounts_rejected" {
			return res, err
		}
		return nil, znb.Wrap(err, "保存银行账户")
	}
	return res, nil
}

// saveAccounts stores the county's households' checked accounts in the
// transaction, a few thousand households per query: an account that is a
// household's current one is left as it is; one that differs replaces it,
// the old one kept as history (current = 0). It returns how many accounts
// were added and how many were unchanged.
func (db *DB) saveAccounts(ctx context.Context, tx *gorm.DB, by znb.Actor, county string, accounts []disaster.Account) (added, unchanged int, err error) {
	rows := newBatch(ctx, db, tx, "bank_accounts", "county", "household_no", "account_no", "bank", "holder", "current",
		"created_by", "created_at")
	defer rows.close()
	at := db.nowMS()
	for i := 0; i < len(accounts); i += feedChunk {
		chunk := accounts[i:min(i+feedChunk, len(accounts))]
		hs := make([]string, len(chunk))
		for j, a := range chunk {
			hs[j] = a.HouseholdNo
		}
		var cur []accountRow
		if err := tx.Where("county = ? AND household_no IN ? AND current = 1", county, hs).Find(&cur).Error; err != nil {
			return 0, 0, err
		}
		now := map[string]accountRow{}
		for _, c := range cur {
			now[c.HouseholdNo] = c
		}
		var old []int64
		for _, a := range chunk {
			if c, had := now[a.HouseholdNo]; had && c.AccountNo == a.Number && c.Bank == a.Bank && c.Holder == a.Holder {
				unchanged++
				continue
			} else if had {
				old = append(old, c.ID)
			}
			if err := rows.add(county, a.HouseholdNo, a.Number, a.Bank, a.Holder, 1, by.Username, at); err != nil {
				return 0, 0, err
			}
			added++
		}
		if len(old) > 0 {
			if err := tx.Model(&accountRow{}).Where("id IN ?", old).Update("current", 0).Error; err != nil {
				return 0, 0, err
			}
		}
	}
	return added, unchanged, rows.close()
}

// AccountHistory returns a household's accounts, the current one first,
// numbers masked unless the actor pays.
func (db *DB) AccountHistory(ctx context.Context, by znb.Actor, county, householdNo string) ([]disaster.Account, error) {
	if err := znb.Allow(by, znb.ReadClaims); err != nil {
		return nil, err
	}
	if by.Regional() && !by.SeesRegion(county) {
		return nil, znb.ErrNotFound("银行账户")
	}
	var rows []accountRow
	if err := db.Gorm(ctx).Where("county = ? AND household_no = ?", county, householdNo).Order("current DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取银行账户")
	}
	out := make([]disaster.Account, len(rows))
	for i, r := range rows {
		out[i] = disaster.Account{HouseholdNo: r.HouseholdNo, Number: r.AccountNo, Bank: r.Bank, Holder: r.Holder}.Shown(by)
	}
	return out, nil
}

type paymentBatchRow struct {
	ID           int64
	BatchNo      string
	Insurer      string
	EventID      int64
	FromDay      *znb.Date
	ToDay        *znb.Date
	Status       string
	ItemCount    int
	Total        decimal.Decimal
	SuccessCount int
	SuccessTotal decimal.Decimal
	FailureCount int
	FailureTotal decimal.Decimal
	CreatedBy    string
	CreatedAt    int64
	ClosedBy     string
	ClosedAt     int64
}

func (paymentBatchRow) TableName() string { return "payment_batches" }

type paymentItemRow struct {
	ID        int64
	BatchID   int64
	Seq       int
	ClaimNo   string
	Holder    string
	AccountNo string
	Bank      string
	Amount    decimal.Decimal
	Outcome   string
	Reason    string
	OpenClaim *string
}

func (paymentItemRow) TableName() string { return "payment_items" }

// Batch is a payment batch with its items and totals.
type Batch struct {
	ID       int64
	No       string
	Insurer  string
	EventID  int64
	From, To znb.Date
	Status   disaster.BatchStatus
	Totals   disaster.Totals
	Items    []disaster.Item
	// Unpayable lists the approved claims the build left out because their
	// household has no bank account on file.
	Unpayable []string
}

func batchObject(id int64) string { return "payment_batch:" + itoa(id) }

// BuildBatch builds a payment batch of the insurer's approved, unpaid
// claims that are in no open batch, each paid to its household's current
// bank account, in one transaction: a claim whose household has no account
// is listed as unpayable and left for a later batch. A claim is never in two
// open batches: the unique index on payment_items.open_claim refuses a
// racing build. progress, when set, is told in the transaction how many
// claims are written into the batch so far, out of how many.
func (db *DB) BuildBatch(ctx context.Context, by znb.Actor, q disaster.BatchQuery, progress func(done, total int)) (*Batch, error) {
	if err := q.CheckBuild(by); err != nil {
		return nil, err
	}
	if q.EventID != 0 {
		if _, err := db.GetEvent(ctx, by, q.EventID); err != nil {
			return nil, err
		}
	}
	out := &Batch{Insurer: by.Scope, EventID: q.EventID, From: q.From, To: q.To, Status: disaster.BatchOpen}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		out.Items, out.Unpayable = nil, nil
		g := tx.Table("claims c").Select("c.claim_no, c.region_code, c.household_no, c.payable").
			Joins("LEFT JOIN payment_items p ON p.open_claim = c.claim_no").
			Where("c.insurer = ? AND c.status = ? AND p.id IS NULL", by.Scope, string(claim.Approved))
		if q.EventID != 0 {
			g = g.Where("c.event_id = ?", q.EventID)
		} else {
			g = g.Where("c.updated_at >= ? AND c.updated_at < ?", dayStartMS(q.From), dayStartMS(q.To.AddDays(1)))
		}
		var claims []struct {
			ClaimNo, RegionCode, HouseholdNo string
			Payable                          decimal.Decimal
		}
		if err := g.Order("c.region_code, c.household_no, c.id").Scan(&claims).Error; err != nil {
			return err
		}
		row := paymentBatchRow{Insurer: by.Scope, EventID: q.EventID, Status: string(disaster.BatchOpen), Total: decimal.Zero,
			SuccessTotal: decimal.Zero, FailureTotal: decimal.Zero, CreatedBy: by.Username, CreatedAt: db.nowMS(),
			BatchNo: fmt.Sprintf("PB-PENDING-%d", time.Now().UnixNano())}
		if q.EventID == 0 {
			row.FromDay, row.ToDay = &q.From, &q.To
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out.ID = row.ID
		out.No = "PB" + strings.ReplaceAll(znb.DateOf(db.Now().In(znb.CST)).String(), "-", "") + fmt.Sprintf("%06d", row.ID)
		items := newBatch(tx.Statement.Context, db, tx, "payment_items", "batch_id", "seq", "claim_no", "holder", "account_no",
			"bank", "amount", "outcome", "reason", "open_claim")
		defer items.close()
		for i := 0; i < len(claims); i += feedChunk {
			if progress != nil {
				progress(i, len(claims))
			}
			chunk := claims[i:min(i+feedChunk, len(claims))]
			hs := make([]string, len(chunk))
			counties := map[string]bool{}
			for j, c := range chunk {
				hs[j], counties[c.RegionCode[:6]] = c.HouseholdNo, true
			}
			var acc []accountRow
			if err := tx.Table(indexed(tx, "bank_accounts", "bank_accounts_household")).
				Where("county IN ? AND household_no IN ? AND current = 1", slices.Collect(maps.Keys(counties)), hs).Find(&acc).Error; err != nil {
				return err
			}
			byHH := map[string]accountRow{}
			for _, a := range acc {
				byHH[a.County+"|"+a.HouseholdNo] = a
			}
			for _, c := range chunk {
				a, ok := byHH[c.RegionCode[:6]+"|"+c.HouseholdNo]
				if !ok {
					out.Unpayable = append(out.Unpayable, c.ClaimNo)
					continue
				}
				it := disaster.Item{Seq: len(out.Items) + 1, ClaimNo: c.ClaimNo, Holder: a.Holder, Account: a.AccountNo, Bank: a.Bank,
					Amount: c.Payable, Outcome: disaster.Pending}
				out.Items = append(out.Items, it)
				if err := items.add(row.ID, it.Seq, it.ClaimNo, it.Holder, it.Account, it.Bank, it.Amount, it.Outcome, "", it.ClaimNo); err != nil {
					return err
				}
			}
		}
		if err := disaster.CheckPayable(len(out.Items)); err != nil {
			return err
		}
		if err := items.close(); err != nil {
			if isUniqueViolation(err) {
				return znb.Errorf(znb.Conflict, "claim_in_open_batch", "部分案件已进入另一个未回盘的付款批次，请重新生成")
			}
			return err
		}
		out.Totals = disaster.Tally(out.Items)
		if err := tx.Model(&paymentBatchRow{}).Where("id = ?", row.ID).Updates(map[string]any{
			"batch_no": out.No, "item_count": out.Totals.Count, "total": out.Totals.Amount}).Error; err != nil {
			return err
		}
		return db.audit(tx, by, actorScope(by), "payments.build", batchObject(row.ID), map[string]any{
			"batch_no": out.No, "event_id": q.EventID, "count": out.Totals.Count, "total": money.String(out.Totals.Amount),
			"unpayable": len(out.Unpayable)})
	})
	if err != nil {
		return nil, znb.Wrap(err, "生成付款批次")
	}
	return out, nil
}

// dayStartMS is the first millisecond of the day in China Standard Time.
func dayStartMS(d znb.Date) int64 {
	t := d.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, znb.CST).UnixMilli()
}

// GetBatch returns a batch of the actor's insurer with its items; account
// numbers are masked unless the actor pays.
func (db *DB) GetBatch(ctx context.Context, by znb.Actor, id int64) (*Batch, error) {
	return db.batchIn(db.Gorm(ctx), by, id, false)
}

func (db *DB) batchIn(g *gorm.DB, by znb.Actor, id int64, lock bool) (*Batch, error) {
	if err := znb.Allow(by, znb.ReadClaims); err != nil {
		return nil, err
	}
	b, err := db.readBatch(g, id, lock)
	if err != nil {
		return nil, err
	}
	if !by.SeesInsurer(b.Insurer) {
		return nil, znb.ErrNotFound("付款批次")
	}
	for i := range b.Items {
		b.Items[i].Account = disaster.Account{Number: b.Items[i].Account}.Shown(by).Number
	}
	return b, nil
}

// readBatch reads batch id with its items, account numbers whole, for the
// functions that check their caller themselves.
func (db *DB) readBatch(g *gorm.DB, id int64, lock bool) (*Batch, error) {
	var row paymentBatchRow
	q := "SELECT * FROM payment_batches WHERE id = ?"
	if lock {
		q += db.forUpdate()
	}
	res := g.Raw(q, id).Scan(&row)
	if res.Error != nil {
		return nil, znb.Wrap(res.Error, "读取付款批次")
	}
	if res.RowsAffected == 0 {
		return nil, znb.ErrNotFound("付款批次")
	}
	var items []paymentItemRow
	if err := g.Where("batch_id = ?", id).Order("seq").Find(&items).Error; err != nil {
		return nil, znb.Wrap(err, "读取付款批次")
	}
	b := &Batch{ID: row.ID, No: row.BatchNo, Insurer: row.Insurer, EventID: row.EventID, Status: disaster.BatchStatus(row.Status)}
	if row.FromDay != nil {
		b.From, b.To = *row.FromDay, *row.ToDay
	}
	for _, it := range items {
		b.Items = append(b.Items, disaster.Item{Seq: it.Seq, ClaimNo: it.ClaimNo, Holder: it.Holder,
			Account: it.AccountNo, Bank: it.Bank, Amount: it.Amount, Outcome: it.Outcome, Reason: it.Reason})
	}
	b.Totals = disaster.Tally(b.Items)
	return b, nil
}

// BankFile returns the items of an open batch for its bank file, account
// numbers whole: only those who pay may export it.
func (db *DB) BankFile(ctx context.Context, by znb.Actor, id int64) (*Batch, error) {
	if err := znb.Allow(by, znb.BuildPayments); err != nil {
		return nil, err
	}
	return db.GetBatch(ctx, by, id)
}

// LoadReturn loads the bank's return file of an open batch: every item must
// be answered once (disaster.ReadReturn), or nothing is stored. In one
// transaction each 成功 pays its claim (payment reference: batch number and
// 序号), each 失败 keeps its reason and leaves the claim approved for the
// next batch, and the batch is closed as returned with totals that balance.
func (db *DB) LoadReturn(ctx context.Context, by znb.Actor, id int64, f registry.File) (*Batch, error) {
	if err := znb.Allow(by, znb.BuildPayments); err != nil {
		return nil, err
	}
	var out *Batch
	var refused []registry.Reject
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		b, err := db.readBatch(tx, id, true)
		if err != nil || !by.SeesInsurer(b.Insurer) {
			return znb.ErrNotFound("付款批次")
		}
		if err := disaster.CheckReturn(b.Status); err != nil {
			return err
		}
		rows, err := f.Open()
		if err != nil {
			return err
		}
		answers, rej, err := disaster.ReadReturn(rows, b.Items)
		rows.Close()
		if err != nil {
			return err
		}
		if len(rej) > 0 {
			refused = rej
			return disaster.ReturnRefusal(rej)
		}
		var paid []disaster.Item
		for _, a := range answers {
			it := &b.Items[a.Seq-1]
			if a.Success {
				it.Outcome = disaster.Success
				paid = append(paid, *it)
			} else {
				it.Outcome, it.Reason = disaster.Failure, clipRunes(a.Reason, 255)
			}
		}
		for i := 0; i < len(paid); i += returnChunk {
			if err := db.payItems(tx, by, b.No, paid[i:min(i+returnChunk, len(paid))]); err != nil {
				return err
			}
		}
		if err := closeItems(tx, id, b.Items); err != nil {
			return err
		}
		b.Totals = disaster.Tally(b.Items)
		if !b.Totals.Balanced() {
			return znb.Errorf(znb.Internal, "batch_unbalanced", "付款批次 %s 回盘后不平衡", b.No)
		}
		b.Status = disaster.BatchReturned
		t := b.Totals
		if err := tx.Model(&paymentBatchRow{}).Where("id = ?", id).Updates(map[string]any{"status": string(b.Status),
			"success_count": t.SuccessCount, "success_total": t.SuccessAmount, "failure_count": t.FailureCount,
			"failure_total": t.FailureAmount, "closed_by": by.Username, "closed_at": db.nowMS()}).Error; err != nil {
			return err
		}
		out = b
		return db.audit(tx, by, actorScope(by), "payments.return", batchObject(id), map[string]any{
			"file": f.Name, "sha256": f.SHA256, "success": t.SuccessCount, "success_total": money.String(t.SuccessAmount),
			"failure": t.FailureCount, "failure_total": money.String(t.FailureAmount)})
	})
	if err != nil {
		if refused != nil {
			return &Batch{ID: id}, err
		}
		return nil, znb.Wrap(err, "导入回盘文件")
	}
	return db.GetBatch(ctx, by, out.ID)
}

// returnChunk is how many claims of a return file are paid together.
const returnChunk = 200

// payItems pays the claims of a return file's successful items, in their
// order, as moveClaim with payStep pays one: the claims are locked in one
// statement, each is checked as a single payment checks it (in scope, not
// under an upheld objection, approved), and the first refusal fails the
// whole file; their rows, events, messages and audit entries are then
// written a statement per step.
func (db *DB) payItems(tx *gorm.DB, by znb.Actor, batchNo string, items []disaster.Item) error {
	nos := make([]string, len(items))
	for i, it := range items {
		nos[i] = it.ClaimNo
	}
	var rows []claimRow
	if err := tx.Raw("SELECT * FROM claims WHERE claim_no IN ? ORDER BY id"+db.forUpdate(), nos).Scan(&rows).Error; err != nil {
		return err
	}
	at := make(map[string]int, len(rows))
	cs := make([]*claim.Claim, len(rows))
	bad := make([]error, len(rows))
	for i := range rows {
		at[rows[i].ClaimNo] = i
		cs[i], bad[i] = rows[i].claim()
		if bad[i] != nil {
			cs[i] = &claim.Claim{}
		}
	}
	if err := db.withOversight(tx, rows, cs); err != nil {
		return err
	}
	blocked, err := blockedClaims(tx, nos)
	if err != nil {
		return err
	}
	moved := make([]claimRow, 0, len(items))
	done := make([]*claim.Claim, 0, len(items))
	events := make([]claim.Event, 0, len(items))
	details := make([]map[string]any, 0, len(items))
	refs := make(map[int64]any, len(items))
	now := db.Now()
	for _, it := range items {
		i, ok := at[it.ClaimNo]
		if !ok || !by.Sees(rows[i].RegionCode, rows[i].Insurer) {
			return znb.ErrNotFound("理赔案件")
		}
		if bad[i] != nil {
			return bad[i]
		}
		if nos := blocked[it.ClaimNo]; len(nos) > 0 {
			return objection.ErrBlocked(it.ClaimNo, nos)
		}
		ref := disaster.PaymentRef(batchNo, it.Seq)
		ev, err := cs[i].Pay(by, now, ref, "银行付款批次 "+batchNo+" 回盘成功")
		if err != nil {
			return err
		}
		moved, done, events = append(moved, rows[i]), append(done, cs[i]), append(events, ev)
		details, refs[rows[i].ID] = append(details, moveDetail(ev, "payment_ref", ref)), ref
	}
	stamp := db.nowMS()
	ids := make([]int64, len(moved))
	for i := range moved {
		ids[i] = moved[i].ID
		moved[i].UpdatedAt, done[i].UpdatedAt = stamp, msToTime(stamp)
	}
	if err := setByID(tx, "claims", ids, []caseColumn{{"payment_ref", refs}}, "status = ?, updated_at = ?",
		string(claim.Paid), stamp); err != nil {
		return err
	}
	return db.recordMoves(tx, by, moved, done, events, "claim.pay", details)
}

// closeItems stores the outcome of every item of a batch answered by its
// return file; none holds its claim open any longer.
func closeItems(tx *gorm.DB, batchID int64, items []disaster.Item) error {
	var rows []struct {
		ID  int64
		Seq int
	}
	if err := tx.Raw("SELECT id, seq FROM payment_items WHERE batch_id = ?", batchID).Scan(&rows).Error; err != nil {
		return err
	}
	ids := make([]int64, len(rows))
	outcome, reason := make(map[int64]any, len(rows)), make(map[int64]any, len(rows))
	for i, r := range rows {
		it := items[r.Seq-1]
		ids[i], outcome[r.ID], reason[r.ID] = r.ID, it.Outcome, it.Reason
	}
	return setByID(tx, "payment_items", ids, []caseColumn{{"outcome", outcome}, {"reason", reason}}, "open_claim = NULL")
}

// CancelBatch cancels an open batch: its claims are free for the next one.
func (db *DB) CancelBatch(ctx context.Context, by znb.Actor, id int64, note string) (*Batch, error) {
	if err := znb.Allow(by, znb.BuildPayments); err != nil {
		return nil, err
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		b, err := db.readBatch(tx, id, true)
		if err != nil || !by.SeesInsurer(b.Insurer) {
			return znb.ErrNotFound("付款批次")
		}
		if err := disaster.CheckCancel(b.Status); err != nil {
			return err
		}
		if err := tx.Model(&paymentItemRow{}).Where("batch_id = ?", id).Update("open_claim", nil).Error; err != nil {
			return err
		}
		if err := tx.Model(&paymentBatchRow{}).Where("id = ?", id).Updates(map[string]any{"status": string(disaster.BatchCancelled),
			"closed_by": by.Username, "closed_at": db.nowMS()}).Error; err != nil {
			return err
		}
		return db.audit(tx, by, actorScope(by), "payments.cancel", batchObject(id), map[string]any{"batch_no": b.No, "note": note})
	})
	if err != nil {
		return nil, znb.Wrap(err, "撤销付款批次")
	}
	return db.GetBatch(ctx, by, id)
}

// ListBatches returns a page of the payment batches the actor may read
// (an insurer's staff their own insurer's, the auditor and the
// administrator all), newest first, without their items, and how many
// there are in all.
func (db *DB) ListBatches(ctx context.Context, by znb.Actor, page znb.Page) ([]Batch, int64, error) {
	if err := znb.Allow(by, znb.ReadClaims); err != nil {
		return nil, 0, err
	}
	g := db.Gorm(ctx).Model(&paymentBatchRow{})
	switch {
	case by.Role.Insurer():
		g = g.Where("insurer = ?", by.Scope)
	case !by.SeesInsurer(""):
		return []Batch{}, 0, nil
	}
	var total int64
	if err := g.Count(&total).Error; err != nil {
		return nil, 0, znb.Wrap(err, "读取付款批次")
	}
	var rows []paymentBatchRow
	if err := g.Order("id DESC").Offset((page.Number - 1) * page.Size).Limit(page.Size).Find(&rows).Error; err != nil {
		return nil, 0, znb.Wrap(err, "读取付款批次")
	}
	out := make([]Batch, len(rows))
	for i, r := range rows {
		out[i] = Batch{ID: r.ID, No: r.BatchNo, Insurer: r.Insurer, EventID: r.EventID, Status: disaster.BatchStatus(r.Status),
			Totals: disaster.Totals{Count: r.ItemCount, Amount: r.Total, SuccessCount: r.SuccessCount, SuccessAmount: r.SuccessTotal,
				FailureCount: r.FailureCount, FailureAmount: r.FailureTotal}}
		if r.FromDay != nil {
			out[i].From, out[i].To = *r.FromDay, *r.ToDay
		}
	}
	return out, total, nil
}

// BatchPage is a page of the batch list: 20 batches unless asked, at most 200.
func BatchPage(number, size int) znb.Page { return znb.NewPage(number, size, 20, 200) }
