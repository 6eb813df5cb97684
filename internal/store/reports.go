package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// reportScope is what a report may read: certificates and claims whose
// region starts with Region, of agreements of Insurer when set, or of one
// agreement when Agreement is set.
type reportScope struct {
	Region    string
	Insurer   string
	Agreement int64
}

// reportRegion is report.RegionFor as the scope of a report's queries.
func reportRegion(by znb.Actor, region string) (reportScope, error) {
	region, insurer, err := report.RegionFor(by, region)
	return reportScope{Region: region, Insurer: insurer}, err
}

// MonthlyReport draws up the monthly statistics (每月统计上报) of a
// region for a month: see report.Builder for what each figure counts. Office
// and auditor read their region (the default when region is empty); insurer
// staff read their own agreements' households and claims in the region.
func (db *DB) MonthlyReport(ctx context.Context, by znb.Actor, region string, month report.Period) (*report.Report, error) {
	sc, err := reportRegion(by, region)
	if err != nil {
		return nil, err
	}
	w, err := report.MonthlyWindow(month, db.today())
	if err != nil {
		return nil, err
	}
	b := report.NewBuilder(w)
	if err := db.feedReport(ctx, sc, w, b); err != nil {
		return nil, err
	}
	r := b.Report()
	if r.Warnings, err = db.warningCounts(ctx, by, sc.Region, report.Period{End: w.Claims.End}); err != nil {
		return nil, err
	}
	names, err := db.RegionNames(ctx, r.Unnamed())
	if err != nil {
		return nil, err
	}
	r.SetNames(names)
	return r, nil
}

// AnnualReport draws up the annual evaluation (年度运行情况评估) of an
// agreement: the monthly figures over its whole term (claims up to today),
// the coverage rate against the list it was last issued from, the causes
// of loss and the outcome of its latest confirmed or settled reconciliation.
// An agreement the actor may not see is not found.
func (db *DB) AnnualReport(ctx context.Context, by znb.Actor, agreementID int64) (*report.Annual, error) {
	a, err := db.GetAgreement(ctx, by, agreementID)
	if err != nil {
		return nil, err
	}
	w, err := report.AnnualWindow(report.Period{Start: a.Term.Start, End: a.Term.End}, db.today())
	if err != nil {
		return nil, err
	}
	b := report.NewBuilder(w)
	if err := db.feedReport(ctx, reportScope{Agreement: a.ID}, w, b); err != nil {
		return nil, err
	}
	out := &report.Annual{Report: *b.Report(), AgreementID: a.ID, AgreementNo: a.No, County: a.County,
		Insurer: a.Insurer.Name, Hotline: a.Insurer.Hotline, Term: report.Period{Start: a.Term.Start, End: a.Term.End}}
	if out.Warnings, err = db.warningCounts(ctx, by, a.County, w.Claims); err != nil {
		return nil, err
	}
	names, err := db.RegionNames(ctx, append(out.Unnamed(), a.County))
	if err != nil {
		return nil, err
	}
	out.SetNames(names)
	out.CountyName = names[a.County]
	if out.Coverage, err = db.coverage(ctx, a); err != nil {
		return nil, err
	}
	if out.Reconciliation, err = db.reconOutcome(ctx, a.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// warningCounts counts the warnings of a region raised in p (from its start
// when set, up to its end), by rule and then status as they stand now. It
// is nil for a reader who may not see warnings: they carry income, which
// is the office's.
func (db *DB) warningCounts(ctx context.Context, by znb.Actor, region string, p report.Period) (map[string]map[string]int, error) {
	if !znb.Can(by, znb.ReadWarnings) {
		return nil, nil
	}
	g := db.Gorm(ctx).Table("warnings").Select("rule, status, COUNT(*) AS n").
		Where("region_code LIKE ? AND raised_on <= ?", region+"%", p.End)
	if !p.Start.IsZero() {
		g = g.Where("raised_on >= ?", p.Start)
	}
	var rows []struct {
		Rule, Status string
		N            int
	}
	if err := g.Group("rule, status").Scan(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "统计预警")
	}
	out := map[string]map[string]int{}
	for _, r := range rows {
		if out[r.Rule] == nil {
			out[r.Rule] = map[string]int{}
		}
		out[r.Rule][r.Status] = r.N
	}
	return out, nil
}

// agreements returns the agreements of sc whose term meets the window.
func (db *DB) agreements(ctx context.Context, sc reportScope, w report.Window) ([]int64, error) {
	if sc.Agreement != 0 {
		return []int64{sc.Agreement}, nil
	}
	county := sc.Region
	if len(county) > 6 {
		county = county[:6]
	}
	g := db.Gorm(ctx).Table("agreements").Where("county LIKE ? AND term_start <= ? AND term_end >= ?", county+"%", w.Claims.End, w.Cover.Start)
	if sc.Insurer != "" {
		g = g.Where("insurer_code = ?", sc.Insurer)
	}
	var ids []int64
	if err := g.Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, znb.Wrap(err, "读取协议")
	}
	return ids, nil
}

// where returns the conditions of sc on certificates or claims aliased x
// of the agreements numbered ids. The agreements are named, not joined:
// given them, MariaDB sorts the certificates before it joins their members;
// joined, it put every member row into a temporary table and sorted that,
// which doubled the time of the certificates' query.
func (sc reportScope) where(x string, ids []int64) (string, []any) {
	if sc.Agreement != 0 {
		return x + ".agreement_id = ?", []any{sc.Agreement}
	}
	// The agreement filter lets the certificate scan use its agreement
	// index; the region filter then keeps the villages asked for.
	return x + ".agreement_id IN ? AND " + x + ".region_code LIKE ?", []any{ids, sc.Region + "%"}
}

// feedReport feeds the builder the certificates and claims of sc in the
// window.
func (db *DB) feedReport(ctx context.Context, sc reportScope, w report.Window, b *report.Builder) error {
	ids, err := db.agreements(ctx, sc, w)
	if err != nil || len(ids) == 0 {
		return err
	}
	cond, args := sc.where("c", ids)
	if err := db.reportCertificates(ctx, cond, args, w, b); err != nil {
		return err
	}
	return db.reportClaims(ctx, cond, args, w, b)
}

// reportCertificates feeds the builder every certificate in scope with its
// covers that meet the window, one certificate at a time. Each row repeats
// its certificate's columns; they are read as bytes and converted once per
// certificate, which took a third of the report's own time.
func (db *DB) reportCertificates(ctx context.Context, cond string, args []any, w report.Window, b *report.Builder) error {
	rows, err := db.Gorm(ctx).Raw(`SELECT c.certificate_no, c.region_code, c.village_name, c.premium,
		c.central, c.provincial, c.municipal, c.county_share, c.self, m.id_number, `+dateText("m.cover_start")+`,
		`+dateText("m.cover_end")+`, m.premium
		FROM certificates c JOIN certificate_members m ON m.certificate_no = c.certificate_no
		WHERE `+cond+` AND m.cover_start <= ? AND m.cover_end >= ? AND m.cover_end >= m.cover_start
		ORDER BY c.agreement_id, c.household_seq`, append(args, w.Cover.End, w.Cover.Start)...).Rows()
	if err != nil {
		return znb.Wrap(err, "统计参保")
	}
	defer rows.Close()
	var (
		cur              report.Certificate
		no, region, vill sql.RawBytes
		amounts          [6]sql.RawBytes // premium, then the shares
		cv               report.Cover
	)
	for rows.Next() {
		if err := rows.Scan(&no, &region, &vill, &amounts[0], &amounts[1], &amounts[2], &amounts[3], &amounts[4], &amounts[5],
			&cv.Person, &cv.Start, &cv.End, &cv.Premium); err != nil {
			return znb.Wrap(err, "统计参保")
		}
		if string(no) != cur.No {
			if cur.No != "" {
				b.AddCertificate(&cur)
			}
			cur = report.Certificate{No: string(no), Region: string(region), Village: string(vill), Covers: cur.Covers[:0]}
			for i, a := range amounts {
				d, err := cents(a)
				if err != nil {
					return znb.Wrap(err, "统计参保")
				}
				if i == 0 {
					cur.Premium = d
				} else {
					cur.Shares[i-1] = d
				}
			}
		}
		cv.Premium = roundCents(cv.Premium)
		cur.Covers = append(cur.Covers, cv)
	}
	if err := rows.Err(); err != nil {
		return znb.Wrap(err, "统计参保")
	}
	if cur.No != "" {
		b.AddCertificate(&cur)
	}
	return nil
}

// cents is an amount of a DECIMAL(18,2) column read as bytes (MySQL's text,
// or the number SQLite held written out), to its exact cents.
func cents(b []byte) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(string(b))
	return roundCents(d), err
}

// dateText is a DATE column read as its text. The SQLite driver turns a
// column declared DATE into time.Time by trying ten layouts, nine of which
// fail for a plain date with an error each: a third of a report's time on
// SQLite, for the two dates of every cover. An expression has no declared
// type, so its text comes as it is, and znb.Date reads it.
func dateText(col string) string { return "CAST(" + col + " AS CHAR)" }

// roundCents takes an amount read from a DECIMAL(18,2) column back to its exact
// cents: SQLite may hand it over as a binary float.
func roundCents(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// reportClaims feeds the builder the claims in scope that may count in the
// window: reported by its last day and not closed before its first (a
// closed claim's updated_at is the moment it closed; a day's margin covers
// the clock's zone).
func (db *DB) reportClaims(ctx context.Context, cond string, args []any, w report.Window, b *report.Builder) error {
	from := w.Claims.Start
	if w.Cover.Start.Before(from) {
		from = w.Cover.Start
	}
	sinceMS := from.Time().Add(-24 * time.Hour).UnixMilli()
	rows, err := db.Gorm(ctx).Raw(`SELECT c.id, c.claim_no, c.region_code, c.village, c.line, c.cause, `+dateText("c.reported_on")+`, c.payable,
		e.to_status, e.at_ms
		FROM claims c LEFT JOIN claim_events e ON e.claim_id = c.id AND e.to_status IN (?, ?)
		WHERE `+cond+` AND c.reported_on <= ? AND (c.status NOT IN (?, ?) OR c.updated_at >= ?)
		ORDER BY c.id`, append(append([]any{"paid", "rejected"}, args...), w.Claims.End, "paid", "rejected", sinceMS)...).Rows()
	if err != nil {
		return znb.Wrap(err, "统计理赔")
	}
	defer rows.Close()
	// A claim comes with a row per payment or rejection it has had (one
	// row without when it has none): it was paid (rejected) on the day of
	// its first.
	var (
		cur            report.Claim
		curID          int64
		paid, rejected *int64
	)
	flush := func() {
		if curID == 0 {
			return
		}
		if paid != nil {
			cur.PaidOn = dayOfMS(*paid)
		}
		if rejected != nil {
			cur.RejectedOn = dayOfMS(*rejected)
		}
		b.AddClaim(&cur)
	}
	for rows.Next() {
		var (
			c       report.Claim
			id      int64
			line    string
			payable decimal.NullDecimal
			status  *string
			at      *int64
		)
		if err := rows.Scan(&id, &c.No, &c.Region, &c.Village, &line, &c.Cause, &c.ReportedOn, &payable, &status, &at); err != nil {
			return znb.Wrap(err, "统计理赔")
		}
		if id != curID {
			flush()
			c.Line, c.Assessed, c.Payable = znb.Line(line), payable.Valid, roundCents(payable.Decimal)
			cur, curID, paid, rejected = c, id, nil, nil
		}
		if status == nil || at == nil {
			continue
		}
		switch {
		case *status == "paid" && (paid == nil || *at < *paid):
			paid = at
		case *status == "rejected" && (rejected == nil || *at < *rejected):
			rejected = at
		}
	}
	if err := rows.Err(); err != nil {
		return znb.Wrap(err, "统计理赔")
	}
	flush()
	return nil
}

// dayOfMS is the calendar day in China Standard Time of a ms timestamp.
func dayOfMS(ms int64) znb.Date { return znb.DateOf(time.UnixMilli(ms).In(znb.CST)) }

// coverage counts the eligible people of the list the agreement was last
// issued from (the eligibility: a covered category and a day of cover
// in the term) and how many of them the agreement insures.
func (db *DB) coverage(ctx context.Context, a *policy.Agreement) (report.Coverage, error) {
	g := db.Gorm(ctx)
	var lists []int64
	if err := g.Table("issue_runs").Where("agreement_id = ? AND status = ?", a.ID, string(policy.RunDone)).
		Order("id DESC").Limit(1).Pluck("list_id", &lists).Error; err != nil {
		return report.Coverage{}, znb.Wrap(err, "读取出单记录")
	}
	if len(lists) == 0 {
		return report.Coverage{}, nil
	}
	l, err := db.list(g, lists[0])
	if err != nil {
		return report.Coverage{}, err
	}
	terms := subsidy.TermsOf(a)
	entries, err := db.listEntries(ctx, l, terms)
	if err != nil {
		return report.Coverage{}, err
	}
	insured, err := db.insuredSet(g, a.ID)
	if err != nil {
		return report.Coverage{}, err
	}
	c := report.Coverage{ListID: l.ID}
	for i := range entries {
		if terms.Eligible(&entries[i]) {
			c.Eligible++
			if _, ok := insured[entries[i].IDNumber]; ok {
				c.Insured++
			}
		}
	}
	return c, nil
}

// insuredSet holds the ID numbers with a cover of at least a day under the
// agreement.
func (db *DB) insuredSet(g *gorm.DB, agreementID int64) (map[string]struct{}, error) {
	rows, err := g.Raw(`SELECT DISTINCT id_number FROM certificate_members
		WHERE agreement_id = ? AND cover_end >= cover_start`, agreementID).Rows()
	if err != nil {
		return nil, znb.Wrap(err, "统计参保")
	}
	defer rows.Close()
	set := map[string]struct{}{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, znb.Wrap(err, "统计参保")
		}
		set[id] = struct{}{}
	}
	return set, rows.Err()
}

// reconOutcome reads the agreement's latest confirmed or settled
// reconciliation; nil when there is none. It reads the rows itself: the
// report has already decided who may see the agreement.
func (db *DB) reconOutcome(ctx context.Context, agreementID int64) (*report.Reconciliation, error) {
	g := db.Gorm(ctx)
	var row reconRow
	if err := g.Raw(`SELECT * FROM reconciliations WHERE agreement_id = ? AND status IN ? ORDER BY id DESC LIMIT 1`,
		agreementID, []string{string(subsidy.Confirmed), string(subsidy.Settled)}).Scan(&row).Error; err != nil {
		return nil, znb.Wrap(err, "读取对账")
	}
	if row.ID == 0 {
		return nil, nil
	}
	var fs []findingRow
	if err := g.Where("reconciliation_id = ?", row.ID).Find(&fs).Error; err != nil {
		return nil, znb.Wrap(err, "读取对账")
	}
	tally := make([]findingRow, len(subsidy.Findings))
	for _, f := range fs {
		if f.Finding >= 0 && f.Finding < len(tally) {
			tally[f.Finding] = f
		}
	}
	out := &report.Reconciliation{ID: row.ID, Status: row.Status, ListID: row.ListID}
	for i, f := range subsidy.Findings {
		out.Findings = append(out.Findings, report.Finding{Code: string(f), Name: f.Name(), Count: tally[i].ItemCount, Disallowed: tally[i].Disallowed})
	}
	billed, allowed, disallowed := row.money()
	out.Billed, out.Allowed, out.Disallowed = sixOf(billed), sixOf(allowed), sixOf(disallowed)
	return out, nil
}

// sixOf lays a premium and its split out as the premium, then each source.
func sixOf(m subsidy.Money) [6]decimal.Decimal {
	out := [6]decimal.Decimal{m.Premium}
	copy(out[1:], m.Sources[:])
	return out
}

// NoticeClaim is a paid claim on a village notice, with the full name and
// ID number of whom it paid for (the member, or the head of household on a
// household line): callers mask them before anything is printed.
type NoticeClaim struct {
	ClaimNo  string
	Village  string
	Line     znb.Line
	Incident znb.Date
	PaidOn   znb.Date
	Amount   decimal.Decimal
	Name     string
	IDNumber string
}

// Notice is what the claim notice (公示) of a village prints: the
// agreement, the village's place name (see report.PlaceName; "" when
// neither the list nor the region names know it) and its paid claims.
type Notice struct {
	Agreement *policy.Agreement
	Place     string
	Claims    []NoticeClaim
}

// NoticeClaims returns the notice of the claims of an agreement paid in
// month in the village (12-digit region code), in order of payment. An
// agreement the actor may not see is not found.
func (db *DB) NoticeClaims(ctx context.Context, by znb.Actor, agreementID int64, village string, month report.Period) (*Notice, error) {
	village, err := report.ParseVillage(village)
	if err != nil {
		return nil, err
	}
	a, err := db.GetAgreement(ctx, by, agreementID)
	if err != nil {
		return nil, err
	}
	if by.Regional() && !by.SeesRegion(village) {
		return nil, znb.ErrNotFound("村")
	}
	claims, err := db.noticeClaims(ctx, a.ID, village, month)
	if err != nil {
		return nil, err
	}
	names, err := db.RegionNames(ctx, report.PlaceCodes(village))
	if err != nil {
		return nil, err
	}
	listed := ""
	for _, c := range claims {
		if c.Village != "" {
			listed = c.Village
		}
	}
	return &Notice{Agreement: a, Place: report.PlaceName(village, listed, names), Claims: claims}, nil
}

// noticeClaims reads the claims of the agreement paid in month in the
// village, with the head of household named on household lines.
func (db *DB) noticeClaims(ctx context.Context, agreementID int64, village string, month report.Period) ([]NoticeClaim, error) {
	from := month.Start.Time().Add(-8 * time.Hour).UnixMilli() // midnight CST
	to := month.End.AddDays(1).Time().Add(-8 * time.Hour).UnixMilli()
	g := db.Gorm(ctx)
	rows, err := g.Raw(`SELECT c.claim_no, c.certificate_no, c.village, c.line, c.incident_date, c.payable,
		c.member_id_number, c.member_name, c.head_name, e.at_ms
		FROM claims c JOIN claim_events e ON e.claim_id = c.id AND e.to_status = ?
		WHERE c.agreement_id = ? AND c.region_code = ? AND c.status = ? AND e.at_ms >= ? AND e.at_ms < ?
		ORDER BY e.at_ms, c.claim_no`, "paid", agreementID, village, "paid", from, to).Rows()
	if err != nil {
		return nil, znb.Wrap(err, "读取理赔")
	}
	defer rows.Close()
	var (
		out   []NoticeClaim
		heads = map[string][]int{} // certificate → claims that name its head
	)
	for rows.Next() {
		var (
			n                  NoticeClaim
			cert, line, member string
			memberName, head   string
			payable            decimal.NullDecimal
			at                 int64
		)
		if err := rows.Scan(&n.ClaimNo, &cert, &n.Village, &line, &n.Incident, &payable, &member, &memberName, &head, &at); err != nil {
			return nil, znb.Wrap(err, "读取理赔")
		}
		n.Line, n.Amount, n.PaidOn = znb.Line(line), roundCents(payable.Decimal), dayOfMS(at)
		if member != "" {
			n.Name, n.IDNumber = memberName, member
		} else {
			n.Name = head
			heads[cert] = append(heads[cert], len(out))
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, znb.Wrap(err, "读取理赔")
	}
	for cert, at := range heads {
		var ids []string
		if err := g.Table("certificate_members").Where("certificate_no = ? AND relation = ?", cert, registry.Head).
			Order("id").Limit(1).Pluck("id_number", &ids).Error; err != nil {
			return nil, znb.Wrap(err, "读取户主")
		}
		for _, i := range at {
			if len(ids) > 0 {
				out[i].IDNumber = ids[0]
			}
		}
	}
	return out, nil
}
