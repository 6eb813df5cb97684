package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// A report is checked against its certificate, the certificate's earlier
// claims and the exclusion list, and gets its fraud signals, which read the
// household's claims, the village's claims around the incident, the latest
// list and the bank accounts. Reports that queue together (claims_queue.go)
// are checked together by the group's leader: each of those reads is one
// query for the whole group instead of one per report, the report's round
// trips and statement parsing being most of what it costs. The reports are
// then decided in the group's order, each seeing those accepted before it
// in the group as stored claims, as it would had they been written one at
// a time.

// reportFacts is what a group's checks read.
type reportFacts struct {
	earlier  map[earlier]earlierKeys
	others   []claimRow // the households' claims under their agreements, and the hospitalised members'
	near     []nearRow  // the villages' claims around the incidents
	excluded map[string][]exclusionRow
	versions map[string][]listVersion // by county, in order
	listed   map[inList]bool
	members  map[inList]memberFate
	accounts map[home][]string
	events   []oversight.Event // declared events, read when a report first needs them
	eventsOK bool
	lo, hi   znb.Date // the days any report's cluster may span
}

// inList names a household, or a member (by id number), in a list version.
type inList struct {
	list int64
	key  string
}

// reportTarget is what a report stands on: its certificate, agreement and
// the terms of its line, all nil for a certificate missing or out of sight.
type reportTarget struct {
	cert  *policy.Certificate
	ag    *claimAgreement
	terms *policy.LineTerms
}

// checkReports decides the reports of jobs that are not decided yet: each
// gets its rows to write, or its refusal in refused. The caller holds the
// write gate (the group's slot).
func (db *DB) checkReports(ctx context.Context, jobs []*reportJob) {
	var todo []*reportJob
	for _, j := range jobs {
		if j.row == nil && j.refused == nil {
			todo = append(todo, j)
		}
	}
	if len(todo) == 0 {
		return
	}
	g := db.Gorm(ctx)
	targets, f, err := db.reportFacts(g, todo)
	if err != nil {
		for _, j := range todo {
			j.refused = err
		}
		return
	}
	for i, j := range todo {
		if targets[i].ag != nil {
			j.agreementID = targets[i].ag.ID
		}
		if j.refused = targets[i].err; j.refused == nil {
			j.refused = db.decideReport(ctx, g, f, targets[i].reportTarget, j)
		}
	}
}

// failingTarget is a report's target, or why it could not be read.
type failingTarget struct {
	reportTarget
	err error
}

// reportFacts reads the targets of the reports and what their checks and
// signals look at, a few queries for the lot.
func (db *DB) reportFacts(g *gorm.DB, jobs []*reportJob) ([]failingTarget, *reportFacts, error) {
	var nos []string
	for _, j := range jobs {
		if j.in.CertificateNo != "" {
			nos = append(nos, j.in.CertificateNo)
		}
	}
	certs := map[string]*policy.Certificate{}
	if len(nos) > 0 {
		var err error
		if certs, err = db.reportedCertificates(g, nos); err != nil {
			return nil, nil, err
		}
	}
	targets := make([]failingTarget, len(jobs))
	var (
		certNos, households, persons, members, regions, lines []string
		agreements                                            []int64
		byCounty                                              = map[string][]string{}
		lo, hi, today                                         znb.Date
	)
	for i, j := range jobs {
		cert := certs[j.in.CertificateNo]
		if cert == nil {
			continue
		}
		ag, terms, err := db.claimLineTerms(g, cert.AgreementID, j.in.Line)
		if err != nil {
			targets[i].err = err
			continue
		}
		if !j.by.Sees(cert.RegionCode, ag.InsurerCode) {
			continue
		}
		targets[i].reportTarget = reportTarget{cert, ag, terms}
		certNos = append(certNos, cert.No)
		households, agreements = append(households, cert.HouseholdNo), append(agreements, ag.ID)
		if p := excludedPerson(cert, j.in.Line, j.rep.Member); p != "" {
			persons = append(persons, p)
		}
		if j.rep.Member != "" {
			members = append(members, j.rep.Member)
		}
		county := cert.RegionCode[:min(6, len(cert.RegionCode))]
		byCounty[county] = append(byCounty[county], cert.HouseholdNo)
		regions, lines = append(regions, cert.RegionCode), append(lines, string(j.in.Line))
		from, to := clusterSpan(j.in.IncidentDate)
		if lo.IsZero() || from.Before(lo) {
			lo = from
		}
		if hi.IsZero() || to.After(hi) {
			hi = to
		}
		if today.IsZero() || j.today.Before(today) {
			today = j.today
		}
	}
	f := &reportFacts{earlier: map[earlier]earlierKeys{}, excluded: map[string][]exclusionRow{}, versions: map[string][]listVersion{},
		listed: map[inList]bool{}, members: map[inList]memberFate{}, accounts: map[home][]string{}, lo: lo, hi: hi}
	if len(certNos) == 0 {
		return targets, f, nil
	}
	// The certificates' claims (for duplicates) and the households' and
	// members' (for the signals) in one read; each part by its own index.
	q, args := "SELECT certificate_no, "+otherColumns+" FROM claims WHERE certificate_no IN ?", []any{certNos}
	q, args = q+" UNION SELECT certificate_no, "+otherColumns+" FROM claims WHERE household_no IN ? AND agreement_id IN ?", append(args, households, agreements)
	if len(members) > 0 {
		q, args = q+" UNION SELECT certificate_no, "+otherColumns+" FROM claims WHERE member_id_number IN ? AND line = ?", append(args, members, string(znb.Hospitalization))
	}
	if err := scanOthers(g, q+" ORDER BY id", args, &f.others); err != nil {
		return nil, nil, znb.Wrap(err, "查询已报案件")
	}
	group := make(map[string]bool, len(certNos))
	for _, no := range certNos {
		group[no] = true
	}
	for i := range f.others {
		if group[f.others[i].CertificateNo] {
			addEarlier(f.earlier, &f.others[i])
		}
	}
	if err := g.Raw(`SELECT region_code, line, incident_date, cause, COUNT(*) AS n FROM claims
		WHERE region_code IN ? AND line IN ? AND incident_date BETWEEN ? AND ?
		GROUP BY region_code, line, incident_date, cause`, regions, lines, lo, hi).Scan(&f.near).Error; err != nil {
		return nil, nil, znb.Wrap(err, "计算风险信号")
	}
	if len(persons) > 0 {
		var rows []exclusionRow
		if err := g.Where("id_number IN ? AND removed_at = 0 AND valid_until >= ?", persons, today).
			Order("id").Find(&rows).Error; err != nil {
			return nil, nil, znb.Wrap(err, "查询失信名单")
		}
		for _, r := range rows {
			f.excluded[r.IDNumber] = append(f.excluded[r.IDNumber], r)
		}
	}
	if err := f.readFates(g, byCounty, members); err != nil {
		return nil, nil, znb.Wrap(err, "计算风险信号")
	}
	for county, hs := range byCounty {
		shared, err := sharedAccountsOf(g, county, hs)
		if err != nil {
			return nil, nil, znb.Wrap(err, "计算风险信号")
		}
		for h, others := range shared {
			f.accounts[home{county, h}] = others
		}
	}
	return targets, f, nil
}

// scanOthers reads claims (their certificate_no and otherColumns) into out
// through database/sql: a group reads a few hundred, and GORM's reflection
// cost more than the query.
func scanOthers(g *gorm.DB, query string, args []any, out *[]claimRow) error {
	rows, err := g.Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r claimRow
		if err := rows.Scan(&r.CertificateNo, &r.ID, &r.ClaimNo, &r.HouseholdNo, &r.AgreementID, &r.Line, &r.MemberIDNumber,
			&r.IncidentDate, &r.Cause, &r.Status, &r.StayStart, &r.StayEnd); err != nil {
			return err
		}
		*out = append(*out, r)
	}
	return rows.Err()
}

// readFates reads the counties' list versions, which of them list the
// households, and the members' status in the latest version of each county.
func (f *reportFacts) readFates(g *gorm.DB, byCounty map[string][]string, members []string) error {
	counties := make([]string, 0, len(byCounty))
	var households []string
	for c, hs := range byCounty {
		counties, households = append(counties, c), append(households, hs...)
	}
	var versions []listVersion
	if err := g.Raw("SELECT id, county, effective_date FROM list_versions WHERE county IN ? ORDER BY id", counties).
		Scan(&versions).Error; err != nil || len(versions) == 0 {
		return err
	}
	ids := make([]int64, len(versions))
	for i, v := range versions {
		ids[i] = v.ID
		f.versions[v.County] = append(f.versions[v.County], v)
	}
	rows, err := listings(g, ids, households)
	if err != nil {
		return err
	}
	for _, r := range rows {
		f.listed[inList{r.ListID, r.HouseholdNo}] = true
	}
	if len(members) == 0 {
		return nil
	}
	latest := make([]int64, 0, len(f.versions))
	for _, vs := range f.versions {
		latest = append(latest, vs[len(vs)-1].ID)
	}
	var ms []memberFate
	// By the person: led by the list, SQLite's planner read the county's
	// whole latest list for each group of reports.
	if err := g.Table(indexed(g, "members", "members_id_number")).Select("list_id, id_number, status, status_date").
		Where("list_id IN ? AND id_number IN ?", latest, members).Find(&ms).Error; err != nil {
		return err
	}
	for _, m := range ms {
		k := inList{m.ListID, m.IDNumber}
		if _, ok := f.members[k]; !ok {
			f.members[k] = m
		}
	}
	return nil
}

// fate is listFate of claim r from the facts.
func (f *reportFacts) fate(r *claimRow) (death, left znb.Date) {
	versions := f.versions[r.RegionCode[:min(6, len(r.RegionCode))]]
	if len(versions) == 0 {
		return death, left
	}
	in := make([]bool, len(versions))
	for i, v := range versions {
		in[i] = f.listed[inList{v.ID, r.HouseholdNo}]
	}
	latest := versions[len(versions)-1]
	if r.MemberIDNumber != "" && in[len(in)-1] {
		if m, ok := f.members[inList{latest.ID, r.MemberIDNumber}]; ok {
			death = m.death()
		}
	}
	return death, leftOn(versions, in)
}

// declared is declaredEvents of claim r, from one read of the events of
// every cause for the group's days.
func (f *reportFacts) declared(g *gorm.DB, r *claimRow) ([]oversight.Event, error) {
	if !f.eventsOK {
		var rows []disasterRow
		if err := g.Where("first_day <= ? AND last_day >= ?", f.hi, f.lo).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, e := range rows {
			f.events = append(f.events, oversight.Event{Name: e.Name, Cause: e.Cause, Regions: strings.Split(e.Regions, ","), First: e.FirstDay, Last: e.LastDay})
		}
		f.eventsOK = true
	}
	lo, hi := clusterSpan(r.IncidentDate)
	var out []oversight.Event
	for _, e := range f.events {
		if e.Cause == r.Cause && !e.First.After(hi) && !e.Last.Before(lo) {
			out = append(out, e)
		}
	}
	return out, nil
}

// decideReport checks one report of a group against the facts and, when it
// is accepted, sets its rows and adds its claim to the facts for the
// reports after it; otherwise it returns the refusal.
func (db *DB) decideReport(ctx context.Context, g *gorm.DB, f *reportFacts, t reportTarget, j *reportJob) error {
	by, in, rep := j.by, &j.in, &j.rep
	cert, ag := t.cert, t.ag
	if j.ev != nil && cert != nil && !j.ev.Struck(cert.RegionCode) {
		return znb.Errorf(znb.Invalid, "region_not_in_event", "户 %s 所在村不在灾害事件“%s”的受灾范围内", cert.HouseholdNo, j.ev.Name)
	}
	var memberName, headName string
	if cert != nil {
		rep.CertificateFound = true
		rep.CancelledFrom = cert.CancelledFrom
		rep.HouseholdNo = cert.HouseholdNo
		rep.Terms = t.terms
		rep.Cover, memberName = coverOf(cert, in.Line, rep.Member, in.IncidentDate)
		headName = cert.HeadName()
		e := f.earlier[earlier{ag.ID, cert.No}]
		rep.Existing, rep.Rejected = e.counting, e.rejected
	}
	flags, err := claim.CheckReport(*rep)
	if err != nil {
		return err
	}
	if p := excludedPerson(cert, in.Line, rep.Member); p != "" {
		if err := checkExcluded(f.excluded[p], j.today); err != nil {
			return err
		}
	}
	if j.ev != nil {
		flags = dropFlag(flags, claim.FlagLateReport)
	}
	dup := dupKey(ag.ID, rep.Key())
	now := db.nowMS()
	row := claimRow{EventID: in.EventID, CertificateNo: cert.No, AgreementID: ag.ID, Insurer: ag.InsurerCode, HouseholdNo: cert.HouseholdNo,
		RegionCode: cert.RegionCode, Village: cert.Village, HeadName: headName, Line: string(in.Line),
		MemberIDNumber: rep.Member, MemberName: memberName, Subject: rep.Subject(), IncidentDate: in.IncidentDate,
		ReportedOn: in.ReportedOn, Cause: rep.Cause, Description: in.Description, Flags: strings.Join(flags, ","),
		Status: string(claim.Reported), DupKey: &dup, CreatedBy: by.Username, CreatedAt: now, UpdatedAt: now}
	if row.ClaimNo, err = db.claimNoHeld(ctx, j.today); err != nil {
		return err
	}
	cs := newCase(&row, rep.Cover.Start)
	withClaims(&cs, &row, f.others, f.near)
	cs.Death, cs.LeftList = f.fate(&row)
	cs.Accounts = f.accounts[home{row.RegionCode[:min(6, len(row.RegionCode))], row.HouseholdNo}]
	signals, err := signalsWith(cs, func() ([]oversight.Event, error) { return f.declared(g, &row) })
	if err != nil {
		return znb.Wrap(err, "计算风险信号")
	}
	row.Signals, row.SignalsAt = joinCodes(signals), now
	c, err := row.claim()
	if err != nil {
		return err
	}
	c.Signals = signals
	n := db.claimText(notify.ClaimReported, c, "")
	j.audit, err = db.auditValues(by, scope{cert.RegionCode, ag.InsurerCode}, "claim.report", claimObject(row.ClaimNo), map[string]any{
		"state":          claimState(row.Status, row.Payable),
		"certificate_no": cert.No, "line": in.Line, "incident_date": in.IncidentDate, "reported_on": in.ReportedOn,
		"cause": rep.Cause, "flags": flags, "signals": row.Signals, "event_id": in.EventID})
	if err != nil {
		return err
	}
	j.row, j.signals, j.news, j.claim = &row, signals, &n, c
	j.event = eventRow(0, c.Open(by, db.Now(), in.Description))
	// The reports after this one see it as a stored claim.
	k := earlier{ag.ID, cert.No}
	e := f.earlier[k]
	e.counting = append(e.counting, rep.Key())
	f.earlier[k] = e
	f.others = append(f.others, row)
	f.near = append(f.near, nearRow{RegionCode: row.RegionCode, Line: row.Line, IncidentDate: row.IncidentDate, Cause: row.Cause, N: 1})
	return nil
}
