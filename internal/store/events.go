package store

import (
	"context"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Disaster events: the event itself, the worksheet of the insured
// households of a village or township, the filled worksheet loaded as
// assessed claims in one transaction, and approval by area, each claim
// under its limit's lock as if approved alone.

type disasterRow struct {
	ID         int64
	Name       string
	Cause      string
	FirstDay   znb.Date
	LastDay    znb.Date
	Regions    string
	DeclaredOn znb.Date
	DeclaredBy string
	Scope      string
	CreatedAt  int64
}

func (disasterRow) TableName() string { return "disaster_events" }

func (r *disasterRow) event() *disaster.Event {
	return &disaster.Event{ID: r.ID, Name: r.Name, Cause: r.Cause, First: r.FirstDay, Last: r.LastDay,
		Regions: strings.Split(r.Regions, ","), DeclaredOn: r.DeclaredOn, DeclaredBy: r.DeclaredBy, Scope: r.Scope}
}

func eventObject(id int64) string { return "event:" + itoa(id) }

// DeclareEvent records a disaster event declared today by an office or an
// insurer's clerk within its scope (disaster.Declare), with its audit entry.
func (db *DB) DeclareEvent(ctx context.Context, by znb.Actor, d disaster.Declaration) (*disaster.Event, error) {
	e, err := disaster.Declare(by, d, znb.DateOf(db.Now().In(znb.CST)))
	if err != nil {
		return nil, err
	}
	row := disasterRow{Name: e.Name, Cause: e.Cause, FirstDay: e.First, LastDay: e.Last, Regions: strings.Join(e.Regions, ","),
		DeclaredOn: e.DeclaredOn, DeclaredBy: e.DeclaredBy, Scope: e.Scope, CreatedAt: db.nowMS()}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return db.audit(tx, by, actorScope(by), "event.declare", eventObject(row.ID), map[string]any{
			"name": e.Name, "cause": e.Cause, "first_day": e.First, "last_day": e.Last, "regions": e.Regions})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存灾害事件")
	}
	e.ID = row.ID
	return e, nil
}

// GetEvent returns an event the actor may see; others are not found.
func (db *DB) GetEvent(ctx context.Context, by znb.Actor, id int64) (*disaster.Event, error) {
	return db.eventIn(db.Gorm(ctx), by, id)
}

func (db *DB) eventIn(g *gorm.DB, by znb.Actor, id int64) (*disaster.Event, error) {
	if err := znb.Allow(by, znb.ReadEvents); err != nil {
		return nil, err
	}
	var rows []disasterRow
	if err := g.Where("id = ?", id).Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取灾害事件")
	}
	if len(rows) == 0 || !rows[0].event().Visible(by) {
		return nil, znb.ErrNotFound("灾害事件")
	}
	return rows[0].event(), nil
}

// ListEvents returns the events the actor may see, newest first.
func (db *DB) ListEvents(ctx context.Context, by znb.Actor) ([]disaster.Event, error) {
	if err := znb.Allow(by, znb.ReadEvents); err != nil {
		return nil, err
	}
	var rows []disasterRow
	if err := db.Gorm(ctx).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取灾害事件")
	}
	out := []disaster.Event{}
	for i := range rows {
		if e := rows[i].event(); e.Visible(by) {
			out = append(out, *e)
		}
	}
	return out, nil
}

// WorksheetHouseholds returns the worksheet rows of an event's village or
// township: every household whose certificate the actor sees was in force
// on some day of the event (a member's cover overlaps the event's days and
// the certificate was not cancelled before its first day), under an
// agreement whose product offers a worksheet line; ordered by village and
// household number.
func (db *DB) WorksheetHouseholds(ctx context.Context, by znb.Actor, eventID int64, region string) (*disaster.Event, []disaster.Household, error) {
	g := db.Gorm(ctx)
	e, err := db.eventIn(g, by, eventID)
	if err != nil {
		return nil, nil, err
	}
	if region, err = e.Area(region); err != nil {
		return nil, nil, err
	}
	var rows []struct {
		CertificateNo, HouseholdNo, RegionCode, VillageName, HeadName string
		AgreementID                                                   int64
		InsurerCode                                                   string
	}
	err = g.Raw(`SELECT c.certificate_no, c.household_no, c.region_code, c.village_name, c.agreement_id, a.insurer_code,
		MAX(CASE WHEN m.relation = ? THEN m.name ELSE '' END) AS head_name
		FROM certificates c JOIN agreements a ON a.id = c.agreement_id
		JOIN certificate_members m ON m.certificate_no = c.certificate_no
		WHERE c.region_code LIKE ? AND m.cover_start <= m.cover_end AND m.cover_start <= ? AND m.cover_end >= ?
		AND (c.cancelled_from IS NULL OR c.cancelled_from > ?)
		GROUP BY c.certificate_no, c.household_no, c.region_code, c.village_name, c.agreement_id, a.insurer_code
		ORDER BY c.region_code, c.household_no`,
		registry.Head, region+"%", e.Last, e.First, e.First).Scan(&rows).Error
	if err != nil {
		return nil, nil, znb.Wrap(err, "读取受灾户")
	}
	lines := map[int64][]znb.Line{}
	out := make([]disaster.Household, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		if !by.Sees(r.RegionCode, r.InsurerCode) || !e.Struck(r.RegionCode) {
			continue
		}
		ls, ok := lines[r.AgreementID]
		if !ok {
			for _, l := range disaster.SheetLines {
				_, t, err := db.claimLineTerms(g, r.AgreementID, l)
				if err != nil {
					return nil, nil, err
				}
				if t != nil {
					ls = append(ls, l)
				}
			}
			lines[r.AgreementID] = ls
		}
		if len(ls) == 0 {
			continue
		}
		out = append(out, disaster.Household{HouseholdNo: r.HouseholdNo, Head: r.HeadName, CertificateNo: r.CertificateNo,
			Village: r.VillageName, RegionCode: r.RegionCode, Lines: ls})
	}
	return e, out, nil
}

// WorksheetLoad is what loading a filled worksheet did.
type WorksheetLoad struct {
	ID       int64 // the worksheet's record
	EventID  int64
	Rows     int // data rows of the file
	Claims   []string
	Payable  decimal.Decimal // the sum of the claims' payables
	Repeated bool            // the same file was loaded before: nothing changed
	Rejected []registry.Reject
}

type worksheetRow struct {
	ID        int64
	EventID   int64
	SHA256    string `gorm:"column:sha256"`
	FileName  string
	RowsRead  int
	Claims    int
	Payable   decimal.Decimal
	CreatedBy string
	CreatedAt int64
}

func (worksheetRow) TableName() string { return "event_worksheets" }

// eventClaim is a worksheet entry made into a claim reported on the
// event's declaration date and assessed by the uploader.
type eventClaim struct {
	row          claimRow
	c            *claim.Claim
	signals      []oversight.Signal
	open, assess claim.Event
	report       map[string]any // the audit details
	assessed     map[string]any
}

// LoadWorksheet loads a filled worksheet of the event: each row's losses
// become claims of their lines, reported on the event's declaration date
// (never late), incident on the row's date, assessed with the row's figures
// by the uploading adjuster through the line's calculator, and linked to
// the event — all in one transaction, or nothing when a row is bad (every
// bad row is named: an unknown household, a loss on a line not in force, a
// figure the calculator refuses, a duplicate of an existing claim). The
// same file loaded again changes nothing and answers what it did the first
// time. progress, when set, is told in the transaction how many entries are
// made into claims so far, out of how many.
func (db *DB) LoadWorksheet(ctx context.Context, by znb.Actor, eventID int64, f registry.File, progress func(done, total int)) (*WorksheetLoad, error) {
	if err := disaster.CheckUploader(by); err != nil {
		return nil, err
	}
	e, err := db.GetEvent(ctx, by, eventID)
	if err != nil {
		return nil, err
	}
	if done, err := db.loadedWorksheet(db.Gorm(ctx), eventID, f.SHA256); done != nil || err != nil {
		return done, err
	}
	rows, err := f.Open()
	if err != nil {
		return nil, err
	}
	entries, rej, n, err := disaster.ReadWorksheet(rows, e)
	rows.Close()
	if err != nil {
		return nil, err
	}
	res := &WorksheetLoad{EventID: eventID, Rows: n, Payable: decimal.Zero}
	today := znb.DateOf(db.Now().In(znb.CST))
	// A first pass outside the transaction names the bad rows and counts
	// the claims; neither pass keeps more than a chunk of claims.
	count := 0
	bad, err := db.eventClaims(db.Gorm(ctx), by, e, entries, today, nil, func(made []*eventClaim) error {
		count += len(made)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rej = append(rej, bad...); len(rej) > 0 {
		disaster.SortRejects(rej)
		res.Rejected = rej
		return res, disaster.WorksheetRefusal(rej)
	}
	// Claim numbers are taken before the transaction: their counter has
	// its own, and numbers a failed load took are only a gap.
	nos, err := db.claimNos(ctx, today, count)
	if err != nil {
		return nil, err
	}
	err = db.BulkTx(ctx, func(tx *gorm.DB) error {
		up := worksheetRow{EventID: eventID, SHA256: f.SHA256, FileName: clipRunes(f.Name, 255), RowsRead: n,
			Claims: count, Payable: decimal.Zero, CreatedBy: by.Username, CreatedAt: db.nowMS()}
		if err := tx.Create(&up).Error; err != nil {
			if isUniqueViolation(err) {
				return znb.Errorf(znb.Conflict, "worksheet_loading", "同一定损表正在由他人上传，请稍后刷新")
			}
			return err
		}
		// Checked and assessed again in the transaction, a chunk at a time
		// and written as it goes: a claim or an approval that came in
		// meanwhile counts, and a bad row still undoes the whole load.
		res.Claims, res.Payable = res.Claims[:0], decimal.Zero
		bad, err := db.eventClaims(tx, by, e, entries, today, progress, func(made []*eventClaim) error {
			if len(res.Claims)+len(made) > len(nos) { // numbers were reserved for the rows as first read
				return znb.Errorf(znb.Conflict, "worksheet_changed", "上传期间其他案件发生变化，请重新上传定损表")
			}
			for _, m := range made {
				no := nos[len(res.Claims)]
				m.row.ClaimNo, m.c.No = no, no
				res.Claims = append(res.Claims, no)
				res.Payable = res.Payable.Add(m.c.Payable)
			}
			return db.writeEventClaims(tx, by, made)
		})
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			disaster.SortRejects(bad)
			res.Rejected = bad
			return disaster.WorksheetRefusal(bad)
		}
		res.ID = up.ID
		if err := tx.Model(&worksheetRow{}).Where("id = ?", up.ID).Updates(map[string]any{"payable": res.Payable, "claims": len(res.Claims)}).Error; err != nil {
			return err
		}
		return db.audit(tx, by, actorScope(by), "event.worksheet", eventObject(eventID), map[string]any{
			"file": f.Name, "sha256": f.SHA256, "rows": n, "claims": len(res.Claims), "payable": money.String(res.Payable)})
	})
	if err != nil {
		if znb.CodeOf(err) == "worksheet_rejected" {
			return res, err
		}
		return nil, znb.Wrap(err, "保存定损表")
	}
	return res, nil
}

// loadedWorksheet answers a file the event loaded before: what it made
// then, marked repeated; nil when the file is new.
func (db *DB) loadedWorksheet(g *gorm.DB, eventID int64, sha string) (*WorksheetLoad, error) {
	var ups []worksheetRow
	if err := g.Where("event_id = ? AND sha256 = ?", eventID, sha).Find(&ups).Error; err != nil || len(ups) == 0 {
		return nil, znb.Wrap(err, "读取定损表记录")
	}
	u := ups[0]
	res := &WorksheetLoad{ID: u.ID, EventID: eventID, Rows: u.RowsRead, Payable: u.Payable, Repeated: true, Claims: []string{}}
	return res, nil
}

// eventClaims makes each entry a claim and assesses it, as ReportClaim and
// AssessClaim would one at a time, through g; what a claim cannot be is a
// fault of its row. In the transaction (write) the limit and accrual rows
// are read as an assessment reads them; before it, the same without the
// transaction. Entries are taken a chunk at a time: what the rows are
// checked against (certificates, earlier claims, limits, cumulative
// amounts) is read for the chunk, and the chunk's claims go to each, so
// that a county's sheet never holds all its claims in memory.
func (db *DB) eventClaims(g *gorm.DB, by znb.Actor, e *disaster.Event, entries []disaster.Entry, today znb.Date,
	progress func(done, total int), each func([]*eventClaim) error) ([]registry.Reject, error) {
	var rej []registry.Reject
	sheet := map[earlier]int{} // claims the sheet made so far, by certificate
	for i := 0; i < len(entries); i += feedChunk {
		if progress != nil {
			progress(i, len(entries))
		}
		part := entries[i:min(i+feedChunk, len(entries))]
		made, bad, err := db.eventChunk(g, by, e, part, today, sheet)
		if err != nil {
			return nil, err
		}
		rej = append(rej, bad...)
		if len(rej) == 0 {
			if err := each(made); err != nil {
				return nil, err
			}
		}
	}
	return rej, nil
}

// eventChunk is eventClaims for a chunk of entries; sheet counts the
// claims made of earlier rows, by certificate.
func (db *DB) eventChunk(g *gorm.DB, by znb.Actor, e *disaster.Event, entries []disaster.Entry, today znb.Date, sheet map[earlier]int) ([]*eventClaim, []registry.Reject, error) {
	var (
		out []*eventClaim
		rej []registry.Reject
		now = db.Now()
	)
	nos := make([]string, len(entries))
	for i, en := range entries {
		nos[i] = en.CertificateNo
	}
	certs, err := db.reportedCertificates(g, nos)
	if err != nil {
		return nil, nil, err
	}
	past, err := db.earlierClaimsOf(g, nos)
	if err != nil {
		return nil, nil, err
	}
	// The limits and cumulative amounts of every line the rows name: a
	// sheet row names no member, so its subject is the household, or
	// nobody on a line limited per person.
	var keys []limitKey
	for _, en := range entries {
		if cert := certs[en.CertificateNo]; cert != nil {
			keys = append(keys, limitKey{cert.AgreementID, string(en.Line), cert.HouseholdNo}, limitKey{cert.AgreementID, string(en.Line), ""})
		}
	}
	used, err := readAmounts(g, "claim_limits", "used", keys)
	if err != nil {
		return nil, nil, err
	}
	accrued, err := readAmounts(g, "claim_accruals", "accumulated", keys)
	if err != nil {
		return nil, nil, err
	}
	fates, err := db.householdFates(g, certs)
	if err != nil {
		return nil, nil, err
	}
	declared := []oversight.Event{{Name: e.Name, Cause: e.Cause, Regions: e.Regions, First: e.First, Last: e.Last}}
	for _, en := range entries {
		col := disaster.Column(en.Line)
		fault := func(column, code, msg string) {
			rej = append(rej, registry.Reject{Row: en.Row, Column: column, Code: code, Message: msg})
		}
		cert := certs[en.CertificateNo]
		var ag *claimAgreement
		if cert != nil {
			if ag, err = db.claimAgreement(g, cert.AgreementID); err != nil {
				return nil, nil, err
			}
		}
		switch {
		case cert == nil || !by.Sees(cert.RegionCode, ag.InsurerCode):
			fault("分户凭证号", "unknown_household", "分户凭证 "+en.CertificateNo+" 不存在或不属于本单位")
			continue
		case cert.HouseholdNo != en.HouseholdNo:
			fault("户编号", "household_mismatch", "分户凭证 "+cert.No+" 属于户 "+cert.HouseholdNo+"，不是 "+en.HouseholdNo)
			continue
		case !e.Struck(cert.RegionCode):
			fault("村", "region_not_in_event", "户 "+cert.HouseholdNo+" 所在村 "+cert.RegionCode+" 不在本次灾害的受灾范围内")
			continue
		}
		_, terms, err := db.claimLineTerms(g, cert.AgreementID, en.Line)
		if err != nil {
			return nil, nil, err
		}
		if terms == nil {
			fault(col, "line_not_in_force", "户 "+cert.HouseholdNo+" 没有在保的"+en.Line.Name())
			continue
		}
		desc := "灾害事件“" + e.Name + "”定损表第 " + itoa(int64(en.Row)) + " 行"
		rep := claim.Report{CertificateFound: true, CancelledFrom: cert.CancelledFrom, HouseholdNo: cert.HouseholdNo, Terms: terms,
			Line: en.Line, Cause: e.Cause, IncidentDate: en.IncidentDate, ReportedOn: e.DeclaredOn, Today: today, Description: desc}
		rep.Cover, _ = coverOf(cert, en.Line, "", en.IncidentDate)
		prior := past[earlier{ag.ID, cert.No}]
		rep.Existing, rep.Rejected = prior.counting, prior.rejected
		flags, err := claim.CheckReport(rep)
		if err != nil {
			fault(col, znb.CodeOf(err), znb.ErrorOf(err).Message)
			continue
		}
		flags = dropFlag(flags, claim.FlagLateReport)
		dup := dupKey(ag.ID, rep.Key())
		m := &eventClaim{row: claimRow{CertificateNo: cert.No, AgreementID: ag.ID, Insurer: ag.InsurerCode, HouseholdNo: cert.HouseholdNo,
			RegionCode: cert.RegionCode, Village: cert.Village, HeadName: cert.HeadName(), Line: string(en.Line),
			Subject: rep.Subject(), IncidentDate: en.IncidentDate, ReportedOn: e.DeclaredOn, Cause: e.Cause, Description: desc,
			Flags: strings.Join(flags, ","), Status: string(claim.Reported), DupKey: &dup, EventID: e.ID,
			CreatedBy: by.Username, CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli()}}
		if m.c, err = m.row.claim(); err != nil {
			return nil, nil, err
		}
		m.open = m.c.Open(by, now, desc)
		m.report = map[string]any{"state": claimState(string(claim.Reported), decimal.NullDecimal{}),
			"certificate_no": cert.No, "line": en.Line, "incident_date": en.IncidentDate, "reported_on": e.DeclaredOn,
			"cause": e.Cause, "flags": flags, "event_id": e.ID}
		k := m.row.limitKey()
		if znb.Line(m.row.Line).Accrues() {
			m.c.Accumulated = accrued[k]
		}
		form := en.Form
		if m.assess, err = m.c.Assess(by, now, terms, used[k], &form, desc); err != nil {
			if znb.ErrorOf(err).Kind == znb.Internal {
				return nil, nil, err
			}
			fault(col, znb.CodeOf(err), znb.ErrorOf(err).Message)
			continue
		}
		set, detail, err := assessedColumns(m.c)
		if err != nil {
			return nil, nil, err
		}
		m.row.keepAssessment(m.c, set)
		// The fraud signals, as a report's: the event covers the claim, so
		// it is in no cluster, and a new claim has no documents yet.
		key := earlier{ag.ID, cert.No}
		fate := fates[home{cert.RegionCode[:min(6, len(cert.RegionCode))], cert.HouseholdNo}]
		m.signals = oversight.Signals(oversight.Case{Insurer: ag.InsurerCode, HouseholdNo: cert.HouseholdNo, Line: en.Line,
			Village: cert.RegionCode, Cause: e.Cause, Incident: en.IncidentDate, CoverStart: rep.Cover.Start,
			LeftList: fate.left, Earlier: len(prior.counting) + len(prior.rejected) + sheet[key], Accounts: fate.accounts, Events: declared})
		sheet[key]++
		m.row.Signals, m.row.SignalsAt = joinCodes(m.signals), now.UnixMilli()
		detail["state"] = claimState(string(claim.Assessed), decimal.NullDecimal{Decimal: m.c.Payable, Valid: true})
		m.assessed = detail
		out = append(out, m)
	}
	return out, rej, nil
}

// fate is what a fraud signal needs of a household beyond its claims: the
// effective date of the first list version without it, and the other
// households paid into its bank account.
type fate struct {
	left     znb.Date
	accounts []string
}

// householdFates reads the fates of the certificates' households (listFate and sharedAccounts for many households, in
// three queries a county).
func (db *DB) householdFates(g *gorm.DB, certs map[string]*policy.Certificate) (map[home]fate, error) {
	out := map[home]fate{}
	counties := map[string][]string{}
	for _, c := range certs {
		county := c.RegionCode[:min(6, len(c.RegionCode))]
		counties[county] = append(counties[county], c.HouseholdNo)
	}
	for county, households := range counties {
		if err := db.countyFates(g, county, households, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// countyFates adds the fates of households of a county to out.
func (db *DB) countyFates(g *gorm.DB, county string, households []string, out map[home]fate) error {
	var versions []struct {
		ID            int64
		EffectiveDate znb.Date
	}
	if err := g.Raw("SELECT id, effective_date FROM list_versions WHERE county = ? ORDER BY id", county).Scan(&versions).Error; err != nil {
		return err
	}
	if len(versions) > 0 {
		ids := make([]int64, len(versions))
		at := map[int64]int{}
		for i, v := range versions {
			ids[i], at[v.ID] = v.ID, i
		}
		listed, err := listings(g, ids, households)
		if err != nil {
			return err
		}
		after := map[string]int{} // the version after the last one listing the household
		for _, l := range listed {
			if n := at[l.ListID] + 1; n > after[l.HouseholdNo] {
				after[l.HouseholdNo] = n
			}
		}
		for h, n := range after {
			if n < len(versions) {
				out[home{county, h}] = fate{left: versions[n].EffectiveDate}
			}
		}
	}
	shared, err := sharedAccountsOf(g, county, households)
	if err != nil {
		return err
	}
	for mine, others := range shared {
		h := home{county, mine}
		f := out[h]
		f.accounts = others
		out[h] = f
	}
	return nil
}

// listing is a household listed in a list version.
type listing struct {
	ListID      int64
	HouseholdNo string
}

// listings reads which of the list versions ids list which of households.
func listings(g *gorm.DB, ids []int64, households []string) ([]listing, error) {
	var out []listing
	err := g.Raw("SELECT list_id, household_no FROM households WHERE list_id IN ? AND household_no IN ?", ids, households).Scan(&out).Error
	return out, err
}

// readAmounts reads the amounts (column) of table's rows for keys, without
// locking them or making those missing (zero).
func readAmounts(g *gorm.DB, table, column string, keys []limitKey) (map[limitKey]decimal.Decimal, error) {
	rows, err := amountRows(g, table, column, keys, "")
	if err != nil {
		return nil, znb.Wrap(err, "读取限额")
	}
	out := make(map[limitKey]decimal.Decimal, len(rows))
	for k, r := range rows {
		out[k] = r.Amount
	}
	return out, nil
}

func dropFlag(flags []string, f string) []string {
	out := flags[:0:0]
	for _, x := range flags {
		if x != f {
			out = append(out, x)
		}
	}
	return out
}

// assessedClaimColumns are the columns of a claim written already assessed
// (a worksheet's, the platform's automatic one), in assessedValues order.
var assessedClaimColumns = append(append([]string(nil), claimColumns...),
	"assessment", "breakdown", "payable", "remaining_before", "remaining_after", "assessor_id", "assessor")

// keepAssessment puts the assessment of c (its columns set, as
// assessedColumns gives them) on the claim's row.
func (r *claimRow) keepAssessment(c *claim.Claim, set map[string]any) {
	r.Status = string(c.Status)
	a, b := set["assessment"].(string), set["breakdown"].(string)
	r.Assessment, r.Breakdown = &a, &b
	r.AssessorID, r.Assessor = c.AssessorID, c.Assessor
}

// assessedValues are the values of assessedClaimColumns.
func (r *claimRow) assessedValues(c *claim.Claim) []any {
	return append(r.reportValues(), bound(*r.Assessment), bound(*r.Breakdown), c.Payable, c.RemainingBefore, c.Remaining, r.AssessorID, r.Assessor)
}

// writeEventClaims inserts the claims, reads back their ids, and inserts
// their two events (reported, assessed) and audit entries.
func (db *DB) writeEventClaims(tx *gorm.DB, by znb.Actor, made []*eventClaim) error {
	ctx := tx.Statement.Context
	claims := newBatch(ctx, db, tx, "claims", assessedClaimColumns...)
	at := make(map[string]*eventClaim, len(made))
	for _, m := range made {
		r := &m.row
		if err := claims.add(r.assessedValues(m.c)...); err != nil {
			claims.close()
			return err
		}
		at[r.ClaimNo] = m
	}
	if err := claims.close(); err != nil {
		if isUniqueViolation(err) {
			return errDuplicateClaim()
		}
		return err
	}
	for i := 0; i < len(made); i += feedChunk {
		nos := make([]string, 0, feedChunk)
		for _, m := range made[i:min(i+feedChunk, len(made))] {
			nos = append(nos, m.row.ClaimNo)
		}
		ids, err := claimIDs(tx, nos)
		if err != nil {
			return err
		}
		for no, id := range ids {
			at[no].row.ID = id
		}
	}
	events := newBatch(ctx, db, tx, "claim_events", claimEventColumns...)
	audits := newBatch(ctx, db, tx, "audit_pending", auditColumns...)
	signals := newBatch(ctx, db, tx, "claim_signals", "claim_id", "code", "reason")
	var err error
	for _, m := range made {
		for _, sg := range m.signals {
			if err = signals.add(m.row.ID, string(sg.Code), sg.Reason); err != nil {
				break
			}
		}
		for _, step := range []struct {
			ev     claim.Event
			action string
			detail map[string]any
		}{{m.open, "claim.report", m.report}, {m.assess, "claim.assess", m.assessed}} {
			e := eventRow(m.row.ID, step.ev)
			if err = events.add(e.ClaimID, e.AtMs, e.ActorID, e.Actor, e.Role, e.FromStatus, e.ToStatus, e.Note); err != nil {
				break
			}
			var vals []any
			if vals, err = db.auditValues(by, scope{m.row.RegionCode, m.row.Insurer}, step.action, claimObject(m.row.ClaimNo), step.detail); err != nil {
				break
			}
			if err = audits.add(vals...); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	return closeAll(err, events, audits, signals)
}

// AreaApproval is what approving an event's area did: the claims approved
// and those refused, each with its code (limit_exceeded, same_assessor,
// …), which stay assessed.
type AreaApproval struct {
	EventID  int64
	Region   string
	Approved []ApprovedClaim
	Refused  []RefusedClaim
}

// ApprovedClaim is a claim an area approval approved.
type ApprovedClaim struct {
	ClaimNo, HouseholdNo string
	Line                 znb.Line
	Payable              decimal.Decimal
}

// RefusedClaim is a claim an area approval left assessed, and why.
type RefusedClaim struct {
	ClaimNo, HouseholdNo string
	Line                 znb.Line
	Code, Message        string
}

// ApproveArea approves the event's assessed claims of a village or township
// that the approver's insurer works, one by one in claim order, each under
// its limit's lock exactly as a single approval: a payable that no longer
// fits, or a claim the approver assessed, is refused and listed (nothing of
// it is written), and the others go on. The claims are approved a chunk per
// transaction, so that a county's claims do not wait on a commit each; a
// claim approved earlier in the chunk counts against the next, as it would
// had it been committed alone.
func (db *DB) ApproveArea(ctx context.Context, by znb.Actor, eventID int64, region, note string) (*AreaApproval, error) {
	e, err := db.GetEvent(ctx, by, eventID)
	if err != nil {
		return nil, err
	}
	if region, err = e.Area(region); err != nil {
		return nil, err
	}
	if err := disaster.CheckAreaApprover(by); err != nil {
		return nil, err
	}
	var nos []string
	if err := db.Gorm(ctx).Table("claims").
		Where("event_id = ? AND region_code LIKE ? AND status = ? AND insurer = ?", eventID, region+"%", string(claim.Assessed), by.Scope).
		Order("id").Pluck("claim_no", &nos).Error; err != nil {
		return nil, znb.Wrap(err, "读取待核赔案件")
	}
	res := &AreaApproval{EventID: eventID, Region: region, Approved: []ApprovedClaim{}, Refused: []RefusedClaim{}}
	if note == "" {
		note = "按灾害事件“" + e.Name + "”" + region + " 批量核赔"
	}
	counties := map[string][]string{}
	for i := 0; i < len(nos); i += approveChunk {
		var approved []ApprovedClaim
		var refused []RefusedClaim
		var touched [][2]string
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			cs, bad, err := db.approveMany(tx, by, nos[i:min(i+approveChunk, len(nos))], note)
			approved, refused, touched = nil, bad, nil
			for _, c := range cs {
				approved = append(approved, ApprovedClaim{ClaimNo: c.No, HouseholdNo: c.HouseholdNo, Line: c.Line, Payable: c.Payable})
				touched = append(touched, [2]string{c.RegionCode[:6], c.HouseholdNo})
			}
			return err
		})
		if err != nil {
			return nil, znb.Wrap(err, "保存核赔")
		}
		res.Approved, res.Refused = append(res.Approved, approved...), append(res.Refused, refused...)
		for _, t := range touched {
			counties[t[0]] = append(counties[t[0]], t[1])
		}
	}
	for county, hs := range counties {
		db.warnAfter(ctx, county, hs...)
	}
	return res, nil
}

// approveChunk is how many claims an area approval approves per
// transaction.
const approveChunk = 200

// EventDashboard adds up the event's claims the actor sees
// (disaster.Summarize): a claim is paid on the day its payment was
// recorded.
func (db *DB) EventDashboard(ctx context.Context, by znb.Actor, eventID int64) (*disaster.Dashboard, error) {
	g := db.Gorm(ctx)
	e, err := db.eventIn(g, by, eventID)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		RegionCode, Village, HouseholdNo, Line, Status, Insurer string
		Payable                                                 decimal.NullDecimal
		PaidAt                                                  *int64
	}
	err = g.Raw(`SELECT c.region_code, c.village, c.household_no, c.line, c.status, c.insurer, c.payable,
		(SELECT MAX(e.at_ms) FROM claim_events e WHERE e.claim_id = c.id AND e.to_status = ?) AS paid_at
		FROM claims c WHERE c.event_id = ? ORDER BY c.id`, string(claim.Paid), eventID).Scan(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "读取灾害事件的理赔案件")
	}
	facts := make([]disaster.Fact, 0, len(rows))
	for _, r := range rows {
		if !by.Sees(r.RegionCode, r.Insurer) {
			continue
		}
		f := disaster.Fact{RegionCode: r.RegionCode, Village: r.Village, HouseholdNo: r.HouseholdNo, Line: znb.Line(r.Line),
			Status: claim.Status(r.Status), Payable: r.Payable.Decimal}
		if r.PaidAt != nil {
			f.PaidOn = znb.DateOf(msToTime(*r.PaidAt).In(znb.CST))
		}
		facts = append(facts, f)
	}
	return disaster.Summarize(e, facts), nil
}
