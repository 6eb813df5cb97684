package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Fraud signals: the store gathers what the rules look at (oversight.Case)
// and keeps what they found; the rules are oversight.Signals. A report is
// checked before it is written, an assessment inside its transaction.

type signalRow struct {
	ID      int64
	ClaimID int64
	Code    string
	Reason  string
}

func (signalRow) TableName() string { return "claim_signals" }

type reviewRow struct {
	ID         int64
	ClaimID    int64
	ReviewerID int64
	Reviewer   string
	Note       string
	AtMs       int64
}

func (reviewRow) TableName() string { return "claim_reviews" }

// signalCase gathers the case of claim r (r.ID is 0 for a report not yet
// written) whose cover started on coverStart.
func (db *DB) signalCase(g *gorm.DB, r *claimRow, coverStart znb.Date) (oversight.Case, error) {
	c := newCase(r, coverStart)
	// The household's claims of the cover year and, on a hospitalization
	// claim, the person's other stays, in one read; the line's claims in
	// the village around the incident counted by day and cause, so that a
	// village reporting thousands of losses after a storm reads a few rows.
	// A report is the busiest write, and each query waits for one of
	// SQLite's few connections.
	mine := g.Where("household_no = ? AND agreement_id = ?", r.HouseholdNo, r.AgreementID)
	if stayKey(r) != "" {
		mine = mine.Or("member_id_number = ? AND line = ?", stayKey(r), string(znb.Hospitalization))
	}
	var others []claimRow
	if err := g.Select(otherColumns).Where("id <> ?", r.ID).Where(mine).Find(&others).Error; err != nil {
		return c, err
	}
	var near []nearRow
	lo, hi := clusterSpan(r.IncidentDate)
	if err := g.Raw(`SELECT region_code, line, incident_date, cause, COUNT(*) AS n FROM claims
		WHERE region_code = ? AND line = ? AND incident_date BETWEEN ? AND ? AND id <> ?
		GROUP BY region_code, line, incident_date, cause`, r.RegionCode, r.Line, lo, hi, r.ID).Scan(&near).Error; err != nil {
		return c, err
	}
	withClaims(&c, r, others, near)
	if r.ID != 0 {
		if err := g.Raw(`SELECT DISTINCT d2.sha256, c2.claim_no, c2.household_no, c2.insurer
			FROM claim_documents d
			JOIN claim_documents d2 ON d2.sha256 = d.sha256 AND d2.claim_id <> d.claim_id
			JOIN claims c2 ON c2.id = d2.claim_id
			WHERE d.claim_id = ? AND (c2.household_no <> ? OR c2.agreement_id <> ?)
			ORDER BY c2.claim_no`, r.ID, r.HouseholdNo, r.AgreementID).Scan(&c.Documents).Error; err != nil {
			return c, err
		}
	}
	var err error
	if c.Death, c.LeftList, err = db.listFate(g, r); err != nil {
		return c, err
	}
	c.Accounts, err = db.sharedAccounts(g, r)
	return c, err
}

// newCase is the case of claim r as the claim itself tells it.
func newCase(r *claimRow, coverStart znb.Date) oversight.Case {
	return oversight.Case{ClaimNo: r.ClaimNo, Insurer: r.Insurer, HouseholdNo: r.HouseholdNo, Member: r.MemberIDNumber, Line: znb.Line(r.Line),
		Village: r.RegionCode, Cause: r.Cause, Incident: r.IncidentDate, CoverStart: coverStart,
		Stay: oversight.Stay{From: r.StayStart, To: r.StayEnd}}
}

// otherColumns are what a claim's case reads of the other claims.
const otherColumns = "id, claim_no, household_no, agreement_id, line, member_id_number, incident_date, cause, status, stay_start, stay_end"

// nearRow counts the claims of a line in a village on a day with a cause.
type nearRow struct {
	RegionCode   string
	Line         string
	IncidentDate znb.Date
	Cause        string
	N            int
}

// clusterSpan is the days whose claims may share a cluster with a claim of
// the incident day.
func clusterSpan(incident znb.Date) (lo, hi znb.Date) {
	return incident.AddDays(1 - oversight.ClusterDays), incident.AddDays(oversight.ClusterDays - 1)
}

// withClaims sets the case's count of the household's earlier claims, the
// member's other stays and the village's neighbours from other claims
// (others, the household's and, on a hospitalization claim, the member's;
// near, counted by village, line, day and cause), which may hold claims of
// other households and villages: a group of reports reads them together.
func withClaims(c *oversight.Case, r *claimRow, others []claimRow, near []nearRow) {
	for _, o := range others {
		if o.HouseholdNo == r.HouseholdNo && o.AgreementID == r.AgreementID && (r.ID == 0 || o.ID < r.ID) {
			c.Earlier++
		}
		if stayKey(r) != "" && o.MemberIDNumber == r.MemberIDNumber && o.Line == r.Line && o.Status != string(claim.Rejected) {
			st := oversight.Stay{From: o.StayStart, To: o.StayEnd}
			if st.From.IsZero() {
				st = oversight.Stay{From: o.IncidentDate, To: o.IncidentDate}
			}
			c.Stays = append(c.Stays, oversight.OtherStay{ClaimNo: o.ClaimNo, Stay: st})
		}
	}
	lo, hi := clusterSpan(r.IncidentDate)
	for _, n := range near {
		if n.RegionCode == r.RegionCode && n.Line == r.Line && !n.IncidentDate.Before(lo) && !n.IncidentDate.After(hi) {
			c.Neighbours = append(c.Neighbours, oversight.Neighbour{Incident: n.IncidentDate, Cause: n.Cause, Count: n.N})
		}
	}
}

// signalsOf computes the signals of claim r. Declared events matter only to
// a cluster, so they are read only when the claim would be in one without
// them: most reports are not.
func (db *DB) signalsOf(g *gorm.DB, r *claimRow, coverStart znb.Date) ([]oversight.Signal, error) {
	c, err := db.signalCase(g, r, coverStart)
	if err != nil {
		return nil, err
	}
	return signalsWith(c, func() ([]oversight.Event, error) { return db.declaredEvents(g, r) })
}

// signalsWith computes the signals of case c, with the declared events
// (read by events) when c would be in a cluster without them.
func signalsWith(c oversight.Case, events func() ([]oversight.Event, error)) ([]oversight.Signal, error) {
	signals := oversight.Signals(c)
	for _, s := range signals {
		if s.Code == oversight.Cluster {
			var err error
			if c.Events, err = events(); err != nil {
				return nil, err
			}
			return oversight.Signals(c), nil
		}
	}
	return signals, nil
}

// stayKey is the person whose other hospital stays the claim is compared
// with: the member of a hospitalization claim, nobody otherwise.
func stayKey(r *claimRow) string {
	if r.Line != string(znb.Hospitalization) {
		return ""
	}
	return r.MemberIDNumber
}

// listFate reads what the county's latest list says of the claim: the
// member's recorded death (per-person lines), or, when the household is no
// longer on it, the effective date of the first version without it. The
// list can run ahead of the certificates: a death recorded in a list not yet
// applied as endorsements leaves the cover in force, and that is what the
// after_death signal catches.
func (db *DB) listFate(g *gorm.DB, r *claimRow) (death, left znb.Date, err error) {
	county := r.RegionCode[:min(6, len(r.RegionCode))]
	var versions []listVersion
	if err := g.Raw(`SELECT v.id, v.effective_date,
			CASE WHEN EXISTS (SELECT 1 FROM households h WHERE h.list_id = v.id AND h.household_no = ?) THEN 1 ELSE 0 END AS listed
		FROM list_versions v WHERE v.county = ? ORDER BY v.id`, r.HouseholdNo, county).Scan(&versions).Error; err != nil || len(versions) == 0 {
		return death, left, err
	}
	latest := versions[len(versions)-1]
	if r.MemberIDNumber != "" && latest.Listed == 1 {
		var m []memberFate
		if err := g.Table("members").Select("status, status_date").Where("list_id = ? AND id_number = ?", latest.ID, r.MemberIDNumber).
			Find(&m).Error; err != nil {
			return death, left, err
		}
		if len(m) > 0 {
			death = m[0].death()
		}
	}
	listed := make([]bool, len(versions))
	for i, v := range versions {
		listed[i] = v.Listed == 1
	}
	return death, leftOn(versions, listed), nil
}

// listVersion is a county's list version and whether it lists a household.
type listVersion struct {
	ID            int64
	County        string
	EffectiveDate znb.Date
	Listed        int
}

// memberFate is a member's status in a list.
type memberFate struct {
	ListID     int64
	IDNumber   string `gorm:"column:id_number"`
	Status     string
	StatusDate znb.Date
}

// death is the member's recorded death, the zero date for none.
func (m memberFate) death() znb.Date {
	if registry.Status(m.Status) == registry.Deceased {
		return m.StatusDate
	}
	return znb.Date{}
}

// leftOn is the effective date of the first of the county's list versions
// (in order) after the last one that listed the household (listed[i]), the
// zero date while the latest lists it or none ever did.
func leftOn(versions []listVersion, listed []bool) znb.Date {
	for i := len(versions) - 1; i >= 0; i-- {
		if listed[i] {
			if i < len(versions)-1 {
				return versions[i+1].EffectiveDate
			}
			break
		}
	}
	return znb.Date{}
}

// sharedAccounts returns the other households whose current bank account
// is the household's own current one.
func (db *DB) sharedAccounts(g *gorm.DB, r *claimRow) ([]string, error) {
	shared, err := sharedAccountsOf(g, r.RegionCode[:min(6, len(r.RegionCode))], []string{r.HouseholdNo})
	return shared[r.HouseholdNo], err
}

// sharedAccountsOf is sharedAccounts for many households of a county in one
// query, by household.
func sharedAccountsOf(g *gorm.DB, county string, households []string) (map[string][]string, error) {
	var rows []struct{ Mine, Other string }
	if err := g.Raw(`SELECT DISTINCT b.household_no AS mine, o.household_no AS other FROM bank_accounts b
		JOIN bank_accounts o ON o.account_no = b.account_no AND o.current = 1
		WHERE b.county = ? AND b.household_no IN ? AND b.current = 1 AND NOT (o.county = b.county AND o.household_no = b.household_no)
		ORDER BY o.household_no`, county, households).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Mine] = append(out[r.Mine], r.Other)
	}
	return out, nil
}

// declaredEvents returns the declared disaster events of the claim's cause
// whose days hold its incident: what may take it, and its neighbours, out
// of a cluster (oversight.Event.Covers decides by region).
func (db *DB) declaredEvents(g *gorm.DB, r *claimRow) ([]oversight.Event, error) {
	var rows []disasterRow
	if err := g.Where("cause = ? AND first_day <= ? AND last_day >= ?", r.Cause,
		r.IncidentDate.AddDays(oversight.ClusterDays-1), r.IncidentDate.AddDays(1-oversight.ClusterDays)).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]oversight.Event, len(rows))
	for i, e := range rows {
		out[i] = oversight.Event{Name: e.Name, Cause: e.Cause, Regions: strings.Split(e.Regions, ","), First: e.FirstDay, Last: e.LastDay}
	}
	return out, nil
}

// claimCoverStart is the start of the cover a claim stands on: the member's
// on per-person lines, the household's otherwise.
func (db *DB) claimCoverStart(g *gorm.DB, r *claimRow) (znb.Date, error) {
	cert, err := db.reportedCertificate(g, r.CertificateNo)
	if err != nil || cert == nil {
		return znb.Date{}, err
	}
	cover, _ := coverOf(cert, znb.Line(r.Line), r.MemberIDNumber, r.IncidentDate)
	return cover.Start, nil
}

// resignal computes the claim's signals again inside its transaction (on
// assessment), replaces the stored ones and sets them on c; set receives the
// columns to write with the claim.
func (db *DB) resignal(tx *gorm.DB, r *claimRow, c *claim.Claim, set map[string]any) error {
	start, err := db.claimCoverStart(tx, r)
	if err != nil {
		return err
	}
	signals, err := db.signalsOf(tx, r, start)
	if err != nil {
		return err
	}
	// A claim's signal rows are written with its signals column, so a
	// claim whose column is empty has none to delete.
	if r.Signals != "" {
		if err := tx.Where("claim_id = ?", r.ID).Delete(&signalRow{}).Error; err != nil {
			return err
		}
	}
	for _, s := range signals {
		if err := tx.Create(&signalRow{ClaimID: r.ID, Code: string(s.Code), Reason: s.Reason}).Error; err != nil {
			return err
		}
	}
	now := db.nowMS()
	set["signals"], set["signals_at"] = joinCodes(signals), now
	c.Signals, c.SignalsAt = signals, msToTime(now)
	return nil
}

func joinCodes(signals []oversight.Signal) string {
	codes := make([]string, len(signals))
	for i, s := range signals {
		codes[i] = string(s.Code)
	}
	return strings.Join(codes, ",")
}

// withOversight fills the reasons of the claims' signals and their review
// notes, in two queries for the lot.
func (db *DB) withOversight(g *gorm.DB, rows []claimRow, out []*claim.Claim) error {
	at := map[int64]*claim.Claim{}
	var idList []int64
	for i := range rows {
		if rows[i].Signals != "" {
			at[rows[i].ID] = out[i]
			idList = append(idList, rows[i].ID)
			out[i].Signals = out[i].Signals[:0]
		}
	}
	if len(idList) == 0 {
		return nil
	}
	var sigs []signalRow
	if err := g.Where("claim_id IN ?", idList).Order("id").Find(&sigs).Error; err != nil {
		return znb.Wrap(err, "读取风险信号")
	}
	for _, s := range sigs {
		c := at[s.ClaimID]
		c.Signals = append(c.Signals, oversight.Signal{Code: oversight.Code(s.Code), Reason: s.Reason})
	}
	var revs []reviewRow
	if err := g.Where("claim_id IN ?", idList).Order("id").Find(&revs).Error; err != nil {
		return znb.Wrap(err, "读取复核意见")
	}
	for _, v := range revs {
		c := at[v.ClaimID]
		c.Reviews = append(c.Reviews, oversight.Review{ReviewerID: v.ReviewerID, Reviewer: v.Reviewer, At: msToTime(v.AtMs), Note: v.Note})
	}
	return nil
}

// ReviewClaim records an approver's review note on a signalled claim that is
// still open (reported or assessed): oversight.NewReview says who may write
// one. The note is kept with the claim and audited.
func (db *DB) ReviewClaim(ctx context.Context, by znb.Actor, no, note string) (*claim.Claim, error) {
	var out *claim.Claim
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		r, c, err := db.lockedClaim(tx, by, no)
		if err != nil {
			return err
		}
		rv, err := c.Review(by, db.Now(), note)
		if err != nil {
			return err
		}
		row := reviewRow{ClaimID: r.ID, ReviewerID: rv.ReviewerID, Reviewer: rv.Reviewer, Note: rv.Note, AtMs: rv.At.UnixMilli()}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := db.audit(tx, by, scope{r.RegionCode, r.Insurer}, "claim.review", claimObject(r.ClaimNo),
			map[string]any{"signals": r.Signals, "note": rv.Note}); err != nil {
			return err
		}
		c.Reviews = append(c.Reviews, rv)
		c.History, err = db.claimEvents(tx, r.ID)
		out = c
		return err
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存复核意见")
	}
	return out, nil
}
