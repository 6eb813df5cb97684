package store

import (
	"context"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// maxGroup bounds how many reports one commit carries.
const maxGroup = 64

// mysqlGroups is how many groups are written at once on MySQL: one commits
// (and waits for its log flush) while the next is being written.
const mysqlGroups = 3

// reportQueue holds the claim reports waiting to be written. Reports are the
// platform's busiest write: on the days after a hailstorm a county's
// villages report thousands of losses within hours.
type reportQueue struct {
	mu   sync.Mutex
	jobs []*reportJob
}

// reportJob is one report: what was reported, then, once the group's
// leader has checked it (claims_check.go), its rows (the claim, its first
// event, its signals and its audit entry) or its refusal.
type reportJob struct {
	by          znb.Actor
	in          ClaimReport
	rep         claim.Report
	ev          *disaster.Event
	today       znb.Date
	agreementID int64        // once the certificate is known, for a duplicate's claim number
	refused     error        // why the checks refused it
	claim       *claim.Claim // the claim as reported

	row     *claimRow
	event   claimEventRow // ClaimID is set once the claim has its id
	signals []oversight.Signal
	audit   []any // auditValues
	news    *news // the messages of the report (outbox.go), nil for none
	done    chan error
}

// writeReport checks a report and stores its rows, or returns its refusal.
// Reports that queue while others are being written are checked and written
// together by whichever of them gets a slot first (lead): a few reads for
// the lot, then one multi-row INSERT per table and one commit. On
// SQLite the slot is the write gate, and the group writes the pages its
// reports share (the claims table's last leaf, its index leaves, the audit
// queue) once instead of once each; on MySQL a few groups go at once, and
// each saves its reports most of their statements and a log flush apiece.
// If the group fails (a duplicate that raced another report), it is rolled
// back and each report is written alone, so only the duplicate is refused.
func (db *DB) writeReport(ctx context.Context, j *reportJob) error {
	j.done = make(chan error, 1)
	q := &db.reports
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	q.mu.Unlock()
	t := time.NewTimer(busyWait)
	defer t.Stop()
	select {
	case err := <-j.done:
		return err
	case db.slots <- struct{}{}:
	case <-t.C:
		if db.unqueue(j) {
			return errBusy()
		}
		return <-j.done // a leader has it
	}
	for {
		select {
		case err := <-j.done:
			<-db.slots
			return err
		default:
		}
		if !db.lead(context.WithoutCancel(ctx)) {
			<-db.slots // free the slot while another leader writes j
			return <-j.done
		}
	}
}

// unqueue takes j out of the queue; false if a leader has taken it already.
func (db *DB) unqueue(j *reportJob) bool {
	q := &db.reports
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.jobs {
		if x == j {
			q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
			return true
		}
	}
	return false
}

// lead writes the oldest queued reports; false when none was queued.
func (db *DB) lead(ctx context.Context) bool {
	q := &db.reports
	q.mu.Lock()
	n := min(len(q.jobs), maxGroup)
	jobs := append([]*reportJob(nil), q.jobs[:n]...)
	q.jobs = append(q.jobs[:0], q.jobs[n:]...)
	q.mu.Unlock()
	if n == 0 {
		return false
	}
	// The refused are answered once the group is written, so that a
	// duplicate of a report earlier in the group finds its claim number.
	db.checkReports(ctx, jobs)
	refused := slices.DeleteFunc(slices.Clone(jobs), func(j *reportJob) bool { return j.refused == nil })
	jobs = slices.DeleteFunc(jobs, func(j *reportJob) bool { return j.refused != nil })
	defer func() {
		for _, j := range refused {
			j.done <- j.refused
		}
	}()
	n = len(jobs)
	if n == 0 {
		return true
	}
	err := db.writeGroup(ctx, jobs)
	if err == nil || n == 1 || isDiskFull(err) {
		db.committed(err)
		for _, j := range jobs {
			j.done <- err
		}
		return true
	}
	for _, j := range jobs {
		err := db.writeGroup(ctx, []*reportJob{j})
		db.committed(err)
		j.done <- err
	}
	return true
}

// writeGroup writes the reports in one transaction. It runs behind a slot
// (the gate on SQLite) that the caller holds, so it takes none itself.
//
// A retry (here, or lead's one report at a time) can find the group already
// written: on a cluster the node that took the commit may die before it
// answers, while the other nodes apply it. The inserts then meet the
// reports' own claim numbers, which no other report can hold, and the
// reports are stored.
func (db *DB) writeGroup(ctx context.Context, jobs []*reportJob) error {
	return retrying(ctx, func() error {
		return db.transaction(ctx, func(tx *gorm.DB) error {
			err := db.writeReports(tx, jobs)
			if err != nil && znb.CodeOf(err) == "duplicate_claim" {
				if ok, werr := written(tx, jobs); werr != nil || ok {
					return werr
				}
			}
			return err
		})
	})
}

// written reports whether every claim of jobs is stored, and sets their ids.
func written(tx *gorm.DB, jobs []*reportJob) (bool, error) {
	nos := make([]string, len(jobs))
	for i, j := range jobs {
		nos[i] = j.row.ClaimNo
	}
	ids, err := claimIDs(tx, nos)
	if err != nil || len(ids) != len(jobs) {
		return false, err
	}
	for _, j := range jobs {
		j.row.ID = ids[j.row.ClaimNo]
	}
	return true, nil
}

// committed counts a commit for the checkpointer and wakes the chainer.
func (db *DB) committed(err error) {
	if err == nil {
		db.commits.Add(1)
		db.kickChainer()
	}
}

// claimColumns are the columns a report writes.
var claimColumns = []string{"claim_no", "certificate_no", "agreement_id", "insurer", "household_no", "region_code",
	"village", "head_name", "line", "member_id_number", "member_name", "subject", "incident_date", "reported_on",
	"cause", "description", "flags", "status", "dup_key", "created_by", "created_at", "updated_at", "signals", "signals_at", "event_id"}

// reportValues are the values of claimColumns, in their order.
func (r *claimRow) reportValues() []any {
	return []any{r.ClaimNo, r.CertificateNo, r.AgreementID, r.Insurer, r.HouseholdNo, r.RegionCode,
		r.Village, r.HeadName, r.Line, r.MemberIDNumber, r.MemberName, r.Subject, r.IncidentDate, r.ReportedOn,
		r.Cause, r.Description, r.Flags, r.Status, r.DupKey, r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.Signals, r.SignalsAt, r.EventID}
}

// writeReports inserts the reports' claims, takes their ids (on SQLite
// from the INSERT itself, elsewhere read back), then inserts their events,
// signals and audit entries: a statement per table for the group.
func (db *DB) writeReports(tx *gorm.DB, jobs []*reportJob) error {
	if len(jobs) == 0 {
		return nil
	}
	ctx := tx.Statement.Context
	claims := newFewBatch(ctx, db, tx, "claims", claimColumns...)
	nos := make([]string, len(jobs))
	at := make(map[string]*reportJob, len(jobs))
	for i, j := range jobs {
		r := j.row
		if err := claims.add(r.reportValues()...); err != nil {
			claims.close()
			return err
		}
		nos[i], at[r.ClaimNo] = r.ClaimNo, j
	}
	if err := claims.close(); err != nil {
		if isUniqueViolation(err) {
			return errDuplicateClaim()
		}
		return err
	}
	if ids := claims.ids(); len(ids) == len(jobs) {
		for i, j := range jobs {
			j.row.ID = ids[i]
		}
	} else {
		ids, err := claimIDs(tx, nos)
		if err != nil {
			return err
		}
		for no, id := range ids {
			at[no].row.ID = id
		}
	}
	events := newFewBatch(ctx, db, tx, "claim_events", claimEventColumns...)
	audits := newFewBatch(ctx, db, tx, "audit_pending", auditColumns...)
	signals := newFewBatch(ctx, db, tx, "claim_signals", "claim_id", "code", "reason")
	err := func() error {
		for _, j := range jobs {
			e := &j.event
			if err := events.add(j.row.ID, e.AtMs, e.ActorID, e.Actor, e.Role, e.FromStatus, e.ToStatus, e.Note); err != nil {
				return err
			}
			if err := audits.add(j.audit...); err != nil {
				return err
			}
			for _, sg := range j.signals {
				if err := signals.add(j.row.ID, string(sg.Code), sg.Reason); err != nil {
					return err
				}
			}
		}
		return nil
	}()
	if err := closeAll(err, events, signals, audits); err != nil {
		return err
	}
	return db.writeReportNews(tx, jobs)
}

// writeReportNews writes the messages of the reports, in their transaction.
func (db *DB) writeReportNews(tx *gorm.DB, jobs []*reportJob) error {
	subs, err := subscriptions(tx)
	if err != nil {
		return err
	}
	var homes []home
	for _, j := range jobs {
		if j.news != nil {
			homes = append(homes, home{j.row.RegionCode[:6], j.row.HouseholdNo})
		}
	}
	phones, err := db.householdPhones(tx, homes)
	if err != nil {
		return err
	}
	var ns []news
	for _, j := range jobs {
		if j.news != nil {
			j.news.phone = phones[home{j.row.RegionCode[:6], j.row.HouseholdNo}]
			ns = append(ns, *j.news)
		}
	}
	return db.writeMessages(tx, subs, ns)
}

// claimIDs reads the ids of the claims numbered nos.
func claimIDs(tx *gorm.DB, nos []string) (map[string]int64, error) {
	var rows []struct {
		ID      int64
		ClaimNo string
	}
	if err := tx.Table("claims").Select("id, claim_no").Where("claim_no IN ?", nos).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.ClaimNo] = r.ID
	}
	return out, nil
}

// claimEventColumns are the columns a claim's events are written with in
// batches.
var claimEventColumns = []string{"claim_id", "at_ms", "actor_id", "actor", "role", "from_status", "to_status", "note"}
