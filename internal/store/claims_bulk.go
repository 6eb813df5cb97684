package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Approving many claims in one transaction (an event's village at once):
// each claim is decided exactly as a single approval decides it, in claim
// order, under the locks of all the chunk's limit rows, with what the
// claims approved before it in the chunk used of a limit (and added to a
// household's cumulative amount) counted against it. Reads and writes are
// grouped: a statement per step for the chunk, not per claim.

// limitKey is a limit (or cumulative amount) of an agreement's line for a
// subject.
type limitKey struct {
	agreementID int64
	line        string
	subject     string
}

func (r *claimRow) limitKey() limitKey { return limitKey{r.AgreementID, r.Line, r.Subject} }

// amountRow is a limit or accrual row's id and amount.
type amountRow struct {
	ID          int64
	AgreementID int64
	Line        string
	Subject     string
	Amount      decimal.Decimal
}

// approveMany approves the claims numbered nos that by sees, locked in tx.
// It returns the claims approved and those refused with the domain's
// error; a claim not found (moved or out of scope) is refused as not found.
func (db *DB) approveMany(tx *gorm.DB, by znb.Actor, nos []string, note string) ([]*claim.Claim, []RefusedClaim, error) {
	var rows []claimRow
	if err := tx.Raw("SELECT * FROM claims WHERE claim_no IN ? ORDER BY id"+db.forUpdate(), nos).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	var refused []RefusedClaim
	found := map[string]bool{}
	seen := rows[:0]
	for _, r := range rows {
		if by.Sees(r.RegionCode, r.Insurer) {
			seen, found[r.ClaimNo] = append(seen, r), true
		}
	}
	rows = seen
	for _, no := range nos {
		if !found[no] {
			ze := znb.ErrorOf(znb.ErrNotFound("理赔案件"))
			refused = append(refused, RefusedClaim{ClaimNo: no, Code: ze.Code, Message: ze.Message})
		}
	}
	if len(rows) == 0 {
		return nil, refused, nil
	}
	cs := make([]*claim.Claim, len(rows))
	for i := range rows {
		c, err := rows[i].claim()
		if err != nil {
			return nil, nil, err
		}
		cs[i] = c
	}
	if err := db.withOversight(tx, rows, cs); err != nil {
		return nil, nil, err
	}
	blocked, err := blockedClaims(tx, nos)
	if err != nil {
		return nil, nil, err
	}
	type lineOf struct {
		agreementID int64
		line        string
	}
	terms := map[lineOf]*policy.LineTerms{}
	var keys []limitKey
	for _, r := range rows {
		k := lineOf{r.AgreementID, r.Line}
		if _, ok := terms[k]; !ok {
			if _, terms[k], err = db.claimLineTerms(tx, r.AgreementID, znb.Line(r.Line)); err != nil {
				return nil, nil, err
			}
		}
		if terms[k] != nil {
			keys = append(keys, r.limitKey())
		}
	}
	limits, err := db.lockAmounts(tx, "claim_limits", "used", keys)
	if err != nil {
		return nil, nil, err
	}
	var accruing []limitKey
	for _, k := range keys {
		if znb.Line(k.line).Accrues() {
			accruing = append(accruing, k)
		}
	}
	accruals, err := db.lockAmounts(tx, "claim_accruals", "accumulated", accruing)
	if err != nil {
		return nil, nil, err
	}

	var approved []*claim.Claim
	var moved []claimRow
	var events []claim.Event
	now := db.Now()
	for i := range rows {
		r, c := &rows[i], cs[i]
		refuse := func(err error) {
			ze := znb.ErrorOf(err)
			refused = append(refused, RefusedClaim{ClaimNo: r.ClaimNo, HouseholdNo: r.HouseholdNo, Line: znb.Line(r.Line),
				Code: ze.Code, Message: ze.Message})
		}
		if nos := blocked[r.ClaimNo]; len(nos) > 0 {
			refuse(objection.ErrBlocked(r.ClaimNo, nos))
			continue
		}
		k := r.limitKey()
		t := terms[lineOf{r.AgreementID, r.Line}]
		used := decimal.Zero
		if lim := limits[k]; lim != nil {
			used = lim.Amount
		}
		if acc := accruals[k]; acc != nil {
			c.Accumulated = acc.Amount
		}
		ev, err := c.Approve(by, now, t, used, note)
		if err != nil {
			if znb.ErrorOf(err).Kind == znb.Internal {
				return nil, nil, err
			}
			refuse(err)
			continue
		}
		limits[k].Amount = used.Add(c.Payable)
		if before, after, ok := c.Accrual(); ok && accruals[k] != nil {
			accruals[k].Amount = accruals[k].Amount.Add(after.Sub(before))
		}
		approved, moved, events = append(approved, c), append(moved, *r), append(events, ev)
	}
	if len(moved) == 0 {
		return nil, refused, nil
	}
	if err := db.writeApprovals(tx, by, moved, approved, events, limits, accruals); err != nil {
		return nil, nil, err
	}
	return approved, refused, nil
}

// lockAmounts makes the rows of table for keys at zero where they are
// missing, locks them and reads their amounts (column).
func (db *DB) lockAmounts(tx *gorm.DB, table, column string, keys []limitKey) (map[limitKey]*amountRow, error) {
	if len(keys) == 0 {
		return map[limitKey]*amountRow{}, nil
	}
	if err := db.ensureAmounts(tx, table, keys); err != nil {
		return nil, err
	}
	return amountRows(tx, table, column, keys, db.forUpdate())
}

// ensureAmounts creates the rows of table (claim_limits or claim_accruals)
// missing for keys, at zero.
func (db *DB) ensureAmounts(tx *gorm.DB, table string, keys []limitKey) error {
	var missing []limitKey
	seen := make(map[limitKey]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var err error
	switch table {
	case "claim_limits":
		err = ensureRows(tx, missing, func(k limitKey) limitRow {
			return limitRow{AgreementID: k.agreementID, Line: k.line, Subject: k.subject, Used: decimal.Zero, UpdatedAt: db.nowMS()}
		})
	default:
		err = ensureRows(tx, missing, func(k limitKey) accrualRow {
			return accrualRow{AgreementID: k.agreementID, Line: k.line, Subject: k.subject, Accumulated: decimal.Zero, UpdatedAt: db.nowMS()}
		})
	}
	return err
}

// amountRows reads the rows of table (claim_limits or claim_accruals) for
// keys with their amounts (column), the query ending with lock; a key
// without a row is missing from the map.
func amountRows(g *gorm.DB, table, column string, keys []limitKey, lock string) (map[limitKey]*amountRow, error) {
	out := make(map[limitKey]*amountRow, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	want := make(map[limitKey]bool, len(keys))
	agreements, lines, subjects := map[int64]bool{}, map[string]bool{}, map[string]bool{}
	for _, k := range keys {
		want[k], agreements[k.agreementID], lines[k.line], subjects[k.subject] = true, true, true, true
	}
	var rows []amountRow
	if err := g.Raw("SELECT id, agreement_id, line, subject, "+column+" AS amount FROM "+indexed(g, table, table+"_subject")+
		" WHERE agreement_id IN ? AND line IN ? AND subject IN ?"+lock, setOf(agreements), setOf(lines), setOf(subjects)).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		if k := (limitKey{rows[i].AgreementID, rows[i].Line, rows[i].Subject}); want[k] {
			out[k] = &rows[i]
		}
	}
	return out, nil
}

// ensureRows inserts the row mk makes of each key, leaving the rows that
// exist as they are.
func ensureRows[T any](tx *gorm.DB, keys []limitKey, mk func(limitKey) T) error {
	rows := make([]T, len(keys))
	for i, k := range keys {
		rows[i] = mk(k)
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&rows, 200).Error
}

func setOf[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// writeApprovals stores the approvals of moved (the claims cs, with their
// events): the claims' status and remaining amounts, the limits' and
// accruals' new amounts, the events, the messages and the audit entries.
func (db *DB) writeApprovals(tx *gorm.DB, by znb.Actor, moved []claimRow, cs []*claim.Claim, events []claim.Event,
	limits, accruals map[limitKey]*amountRow) error {
	stamp := db.nowMS()
	ids := make([]int64, len(moved))
	before, after := make(map[int64]any, len(moved)), make(map[int64]any, len(moved))
	for i := range moved {
		ids[i] = moved[i].ID
		before[ids[i]], after[ids[i]] = cs[i].RemainingBefore, cs[i].Remaining
		moved[i].UpdatedAt, cs[i].UpdatedAt = stamp, msToTime(stamp)
	}
	if err := setByID(tx, "claims", ids, []caseColumn{{"remaining_before", before}, {"remaining_after", after}},
		"status = ?, updated_at = ?", string(claim.Approved), stamp); err != nil {
		return err
	}
	if err := setAmounts(tx, "claim_limits", "used", limits, stamp); err != nil {
		return err
	}
	if err := setAmounts(tx, "claim_accruals", "accumulated", accruals, stamp); err != nil {
		return err
	}
	details := make([]map[string]any, len(cs))
	for i, c := range cs {
		details[i] = map[string]any{"payable": money.String(c.Payable), "remaining_before": money.String(c.RemainingBefore),
			"remaining_after": money.String(c.Remaining)}
	}
	return db.recordMoves(tx, by, moved, cs, events, "claim.approve", details)
}

// recordMoves stores what moveClaim stores after a claim's row for claims
// moved together (their rows already updated): their events, their
// messages, and their audit entries (action, each with its detail and the
// state read back), with a statement per step for the lot.
func (db *DB) recordMoves(tx *gorm.DB, by znb.Actor, moved []claimRow, cs []*claim.Claim, events []claim.Event,
	action string, details []map[string]any) error {
	ctx := tx.Statement.Context
	evs := newBatch(ctx, db, tx, "claim_events", claimEventColumns...)
	defer evs.close()
	for i, ev := range events {
		e := eventRow(moved[i].ID, ev)
		if err := evs.add(e.ClaimID, e.AtMs, e.ActorID, e.Actor, e.Role, e.FromStatus, e.ToStatus, e.Note); err != nil {
			return err
		}
	}
	if err := evs.close(); err != nil {
		return err
	}
	if err := db.enqueueMoves(tx, moved, cs); err != nil {
		return err
	}
	// What the claims now hold, read back, is what audit verify compares
	// the table with.
	ids := make([]int64, len(moved))
	for i := range moved {
		ids[i] = moved[i].ID
	}
	var now []claimRow
	if err := tx.Select("id", "status", "payable").Where("id IN ?", ids).Find(&now).Error; err != nil {
		return err
	}
	state := make(map[int64]map[string]string, len(now))
	for _, n := range now {
		state[n.ID] = claimState(n.Status, n.Payable)
	}
	audits := newBatch(ctx, db, tx, "audit_pending", auditColumns...)
	defer audits.close()
	for i := range cs {
		r := &moved[i]
		details[i]["state"] = state[r.ID]
		vals, err := db.auditValues(by, scope{r.RegionCode, r.Insurer}, action, claimObject(r.ClaimNo), details[i])
		if err != nil {
			return err
		}
		if err := audits.add(vals...); err != nil {
			return err
		}
	}
	return audits.close()
}

// setAmounts writes the amounts of the rows m holds into column of table.
func setAmounts(tx *gorm.DB, table, column string, m map[limitKey]*amountRow, stamp int64) error {
	var ids []int64
	amounts := map[int64]any{}
	for _, a := range m {
		if a != nil {
			ids, amounts[a.ID] = append(ids, a.ID), a.Amount
		}
	}
	slices.Sort(ids) // rows locked in one order
	return setByID(tx, table, ids, []caseColumn{{column, amounts}}, "updated_at = ?", stamp)
}

// caseColumn is a column set to a value per row id.
type caseColumn struct {
	name   string
	values map[int64]any
}

// setByID sets, in the rows of table numbered ids, each of cols to its
// value for the row and the fixed assignments (if any) with their
// arguments: on MySQL a CASE of a hundred rows to a statement, on SQLite
// as setByIDJSON.
func setByID(tx *gorm.DB, table string, ids []int64, cols []caseColumn, fixed string, args ...any) error {
	if tx.Dialector.Name() == "sqlite" {
		return setByIDJSON(tx, table, ids, cols, fixed, args...)
	}
	const per = 100
	for i := 0; i < len(ids); i += per {
		part := ids[i:min(i+per, len(ids))]
		var q strings.Builder
		vals := append([]any{}, args...)
		q.WriteString("UPDATE " + table + " SET " + fixed)
		for j, col := range cols {
			if j > 0 || fixed != "" {
				q.WriteString(",")
			}
			q.WriteString(" " + col.name + " = CASE id")
			for _, id := range part {
				q.WriteString(" WHEN ? THEN ?")
				vals = append(vals, id, col.values[id])
			}
			q.WriteString(" END")
		}
		q.WriteString(" WHERE id IN ?")
		if err := tx.Exec(q.String(), append(vals, part)...).Error; err != nil {
			return err
		}
	}
	return nil
}

// setByIDJSON is setByID on SQLite: the rows' ids and values travel as one
// JSON array, [[id, value…], …], joined to the table by id (UPDATE … FROM), as
// the batch inserts travel. A CASE of a hundred branches per statement cost
// a feed of a county a twentieth of its time.
func setByIDJSON(tx *gorm.DB, table string, ids []int64, cols []caseColumn, fixed string, args ...any) error {
	const per = 4000
	q := setJSONQuery(table, cols, fixed)
	rows := make([]byte, 0, 4096)
	vals := make([]any, 1+len(cols))
	for i := 0; i < len(ids); i += per {
		rows = append(rows[:0], '[')
		for k, id := range ids[i:min(i+per, len(ids))] {
			if k > 0 {
				rows = append(rows, ',')
			}
			vals[0] = id
			for j, col := range cols {
				vals[1+j] = col.values[id]
			}
			var err error
			if rows, err = appendJSONRow(rows, vals); err != nil {
				return err
			}
		}
		rows = append(rows, ']')
		if err := tx.Exec(q, append(args[:len(args):len(args)], string(rows))...).Error; err != nil {
			return err
		}
	}
	return nil
}

// setJSONQuery is setByIDJSON's statement.
func setJSONQuery(table string, cols []caseColumn, fixed string) string {
	var q strings.Builder
	q.WriteString("UPDATE " + table + " SET " + fixed)
	for j, col := range cols {
		if j > 0 || fixed != "" {
			q.WriteString(",")
		}
		fmt.Fprintf(&q, " %s = json_extract(j.value, '$[%d]')", col.name, j+1)
	}
	q.WriteString(" FROM json_each(?) AS j WHERE " + table + ".id = json_extract(j.value, '$[0]')")
	return q.String()
}

// enqueueMoves is enqueueClaim for claims moved together (approved, or
// paid): the households' phones in one read, the times each claim reached
// its status in another, the messages in batches. (A rejection's message
// names the insurer's hotline, which enqueueClaim reads.)
func (db *DB) enqueueMoves(tx *gorm.DB, rows []claimRow, cs []*claim.Claim) error {
	subs, err := subscriptions(tx)
	if err != nil {
		return err
	}
	homes := make([]home, len(rows))
	ids := make([]int64, len(rows))
	for i := range rows {
		homes[i], ids[i] = home{rows[i].RegionCode[:6], rows[i].HouseholdNo}, rows[i].ID
	}
	phones, err := db.householdPhones(tx, homes)
	if err != nil {
		return err
	}
	var counts []struct {
		ClaimID  int64
		ToStatus string
		N        int64
	}
	if err := tx.Raw("SELECT claim_id, to_status, COUNT(*) AS n FROM claim_events WHERE claim_id IN ? GROUP BY claim_id, to_status", ids).
		Scan(&counts).Error; err != nil {
		return err
	}
	type reached struct {
		id     int64
		status string
	}
	times := map[reached]int64{}
	for _, c := range counts {
		times[reached{c.ClaimID, c.ToStatus}] = c.N
	}
	ns := make([]news, len(cs))
	for i, c := range cs {
		ns[i] = db.claimText(claimEvents[c.Status], c, "")
		ns[i].phone = phones[homes[i]]
		if t := times[reached{rows[i].ID, string(c.Status)}]; t > 1 {
			ns[i].occurrence = itoa(t)
		}
	}
	return db.writeMessages(tx, subs, ns)
}

// blockedClaims reads the upheld objections that stop the claims numbered
// nos from being paid or approved, by claim.
func blockedClaims(tx *gorm.DB, nos []string) (map[string][]string, error) {
	var rows []struct{ ClaimNo, ObjectionNo string }
	if err := tx.Raw("SELECT claim_no, objection_no FROM objections WHERE claim_no IN ? AND blocks = 1 ORDER BY id", nos).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.ClaimNo] = append(out[r.ClaimNo], r.ObjectionNo)
	}
	return out, nil
}
