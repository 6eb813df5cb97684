package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type claimRow struct {
	ID              int64
	ClaimNo         string
	CertificateNo   string
	AgreementID     int64
	Insurer         string
	HouseholdNo     string
	RegionCode      string
	Village         string
	HeadName        string
	Line            string
	MemberIDNumber  string `gorm:"column:member_id_number"`
	MemberName      string
	Subject         string
	IncidentDate    znb.Date
	ReportedOn      znb.Date
	Cause           string
	Description     string
	Flags           string
	Status          string
	DupKey          *string
	Assessment      *string
	Breakdown       *string
	Payable         decimal.NullDecimal
	RemainingBefore decimal.NullDecimal
	RemainingAfter  decimal.NullDecimal
	AssessorID      int64
	Assessor        string
	ReasonCode      string
	PaymentRef      string
	EventID         int64
	CreatedBy       string
	CreatedAt       int64
	UpdatedAt       int64
	Signals         string   // the signal codes as last computed, comma-separated
	SignalsAt       int64    // when they were computed (ms)
	StayStart       znb.Date // a hospitalization claim's stay, from its assessment
	StayEnd         znb.Date
}

func (claimRow) TableName() string { return "claims" }

type claimEventRow struct {
	ID         int64
	ClaimID    int64
	AtMs       int64
	ActorID    int64
	Actor      string
	Role       string
	FromStatus string
	ToStatus   string
	Note       string
}

func (claimEventRow) TableName() string { return "claim_events" }

type limitRow struct {
	ID          int64
	AgreementID int64
	Line        string
	Subject     string
	Used        decimal.Decimal
	UpdatedAt   int64
}

func (limitRow) TableName() string { return "claim_limits" }

// stepJSON is a breakdown step as stored.
type stepJSON struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Amount string `json:"amount"`
}

// marshalSteps is json.Marshal(steps), written directly when no text needs
// escaping: an automatic claim's breakdown has a step per settlement, and
// a county's feed writes tens of thousands of them.
func marshalSteps(steps []stepJSON) ([]byte, error) {
	b := make([]byte, 0, 16+96*len(steps))
	b = append(b, '[')
	for i, s := range steps {
		if !jsonSafe(s.Code) || !jsonSafe(s.Label) || !jsonSafe(s.Amount) {
			return json.Marshal(steps)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, `{"code":"`...), s.Code...), `","label":"`...)
		b = append(append(append(b, s.Label...), `","amount":"`...), s.Amount...)
		b = append(b, `"}`...)
	}
	return append(b, ']'), nil
}

// jsonSafe reports whether encoding/json writes s between quotes as it is:
// text a JSON batch writes as it is (plain), without the HTML characters
// encoding/json escapes (<, >, &) and U+2028, U+2029.
func jsonSafe(s string) bool {
	return plain(s) && !strings.ContainsAny(s, "<>&\u2028\u2029")
}

// claim converts the row to the domain claim, without its history.
func (r *claimRow) claim() (*claim.Claim, error) {
	c := &claim.Claim{
		No: r.ClaimNo, CertificateNo: r.CertificateNo, AgreementID: r.AgreementID, HouseholdNo: r.HouseholdNo,
		HeadName: r.HeadName, RegionCode: r.RegionCode, Village: r.Village, Insurer: r.Insurer, Line: znb.Line(r.Line),
		Member: r.MemberIDNumber, MemberName: r.MemberName, Subject: r.Subject, IncidentDate: r.IncidentDate,
		ReportedOn: r.ReportedOn, Cause: r.Cause, Description: r.Description, Flags: splitFlags(r.Flags),
		ReportedBy: r.CreatedBy, ReportedAt: msToTime(r.CreatedAt), UpdatedAt: msToTime(r.UpdatedAt),
		Status: claim.Status(r.Status), AssessorID: r.AssessorID, Assessor: r.Assessor,
		Reason: claim.Reason(r.ReasonCode), PaymentRef: r.PaymentRef, SignalsAt: msToTime(r.SignalsAt),
	}
	for _, code := range splitFlags(r.Signals) {
		c.Signals = append(c.Signals, oversight.Signal{Code: oversight.Code(code)})
	}
	if r.Payable.Valid {
		c.Assessed = true
		c.Payable, c.RemainingBefore, c.Remaining = r.Payable.Decimal, r.RemainingBefore.Decimal, r.RemainingAfter.Decimal
	}
	if r.Assessment != nil && *r.Assessment != "" && *r.Assessment != "null" {
		in, err := claim.DecodeAssessment(c.Line, *r.Assessment)
		if err != nil {
			return nil, znb.Wrap(err, "读取理算数据")
		}
		c.Input = in
	}
	if r.Breakdown != nil {
		var steps []stepJSON
		if err := json.Unmarshal([]byte(*r.Breakdown), &steps); err != nil {
			return nil, znb.Wrap(err, "读取理算明细")
		}
		for _, s := range steps {
			amt, err := decimal.NewFromString(s.Amount)
			if err != nil {
				return nil, znb.Wrap(err, "读取理算明细")
			}
			c.Breakdown = append(c.Breakdown, claim.Step{Code: s.Code, Label: s.Label, Amount: amt})
		}
	}
	return c, nil
}

func splitFlags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func claimObject(no string) string { return "claim:" + no }

// ClaimReport is what a report of a loss says (POST /api/v1/claims).
type ClaimReport struct {
	CertificateNo  string
	Line           znb.Line
	MemberIDNumber string // accident and hospitalization
	IncidentDate   znb.Date
	ReportedOn     znb.Date // the zero date means today
	Cause          string
	Description    string
	// EventID links the claim to a disaster event: it is then reported on
	// the event's declaration day, whatever ReportedOn says, and never
	// flagged late; its cause, incident date and village must be the
	// event's.
	EventID int64
}

// ReportClaim records a report as a reported claim once the domain has
// checked it (claim.CheckFiling: who reports, description, line;
// claim.CheckReport: certificate, cover on the incident date, cause,
// duplicate, dates). Insurer staff report for their insurer's certificates,
// offices for the villages of their region (the village brings the report to
// them). The checks that read the database are made with the other reports
// queued at the same time (claims_check.go, claims_queue.go).
func (db *DB) ReportClaim(ctx context.Context, by znb.Actor, in ClaimReport) (*claim.Claim, error) {
	in.CertificateNo = strings.TrimSpace(in.CertificateNo)
	today := znb.DateOf(db.Now().In(znb.CST))
	if in.ReportedOn.IsZero() {
		in.ReportedOn = today
	}
	rep := claim.Report{Line: in.Line, Member: strings.ToUpper(strings.TrimSpace(in.MemberIDNumber)),
		Cause: strings.TrimSpace(in.Cause), IncidentDate: in.IncidentDate, ReportedOn: in.ReportedOn, Today: today,
		Description: in.Description}
	if err := claim.CheckFiling(by, rep); err != nil {
		return nil, err
	}
	var ev *disaster.Event
	if in.EventID != 0 {
		var err error
		if ev, err = db.GetEvent(ctx, by, in.EventID); err != nil {
			return nil, err
		}
		if err := ev.Admits(rep.Cause, in.IncidentDate); err != nil {
			return nil, err
		}
		in.ReportedOn, rep.ReportedOn = ev.DeclaredOn, ev.DeclaredOn
	}
	j := &reportJob{by: by, in: in, rep: rep, ev: ev, today: today}
	if err := db.writeReport(ctx, j); err != nil {
		if j.agreementID != 0 {
			err = db.withExistingClaim(ctx, err, j.agreementID, j.rep.Key())
		}
		return nil, znb.Wrap(err, "保存报案")
	}
	return j.claim, nil
}

// errDuplicateClaim is claim.CheckReport's duplicate_claim raised by the
// database: two reports of one loss that raced past the check meet at the
// unique index on dup_key, and the second is refused as the check would have.
func errDuplicateClaim() error {
	return znb.Errorf(znb.Conflict, "duplicate_claim", "同一出险对象、险种、出险日期和原因已报案")
}

// reportedCertificate reads what a report is checked against, the
// certificate and its members' covers, in one query: a report is the
// platform's busiest write and every round trip shows in its rate. Nil when
// there is no such certificate.
func (db *DB) reportedCertificate(g *gorm.DB, no string) (*policy.Certificate, error) {
	certs, err := db.reportedCertificates(g, []string{no})
	return certs[no], err
}

// reportedCertificates is reportedCertificate for many certificates in one
// query; a number without a certificate is missing from the map.
func (db *DB) reportedCertificates(g *gorm.DB, nos []string) (map[string]*policy.Certificate, error) {
	rows, err := g.Raw(`SELECT c.certificate_no, c.agreement_id, c.household_no, c.region_code, c.village_name, c.status, c.cancelled_from,
			m.id_number, m.name, m.relation, m.cover_start, m.cover_end
		FROM certificates c LEFT JOIN certificate_members m ON m.certificate_no = c.certificate_no
		WHERE c.certificate_no IN ? ORDER BY m.id`, nos).Rows()
	if err != nil {
		return nil, znb.Wrap(err, "读取分户凭证")
	}
	defer rows.Close()
	out := make(map[string]*policy.Certificate, len(nos))
	for rows.Next() {
		// database/sql, not GORM's reflection: a report group reads a
		// few hundred members
		var (
			c                    certRow
			id, name, relation   sql.NullString
			coverStart, coverEnd znb.Date
		)
		if err := rows.Scan(&c.CertificateNo, &c.AgreementID, &c.HouseholdNo, &c.RegionCode, &c.VillageName, &c.Status, &c.CancelledFrom,
			&id, &name, &relation, &coverStart, &coverEnd); err != nil {
			return nil, znb.Wrap(err, "读取分户凭证")
		}
		cert := out[c.CertificateNo]
		if cert == nil {
			v := c.cert()
			cert = &v
			out[c.CertificateNo] = cert
		}
		if id.String != "" {
			showCover(cert, &coverRow{IDNumber: id.String, Name: name.String, Relation: relation.String, CoverStart: coverStart, CoverEnd: coverEnd})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, znb.Wrap(err, "读取分户凭证")
	}
	return out, nil
}

// coverOf is claim.CoverFor over the certificate's covers.
func coverOf(cert *policy.Certificate, line znb.Line, member string, incident znb.Date) (claim.Cover, string) {
	members := make([]claim.MemberCover, len(cert.Members))
	for i, m := range cert.Members {
		members[i] = claim.MemberCover{IDNumber: m.IDNumber, Name: m.Name, Cover: claim.Cover(m.Cover)}
	}
	return claim.CoverFor(line, member, incident, claim.Cover(cert.Period()), members)
}

// dupKey is the unique key of a loss within an agreement.
func dupKey(agreementID int64, k claim.Key) string {
	return fmt.Sprintf("%d|%s|%s|%s|%s", agreementID, k.Line, k.Subject, k.IncidentDate, k.Cause)
}

// earlier names a certificate's claims under an agreement.
type earlier struct {
	agreementID int64
	certNo      string
}

// earlierKeys are the duplicate keys of a certificate's claims: those that
// still count against a new report (all but the rejected), and those of
// rejected claims.
type earlierKeys struct{ counting, rejected []claim.Key }

// earlierClaimsOf reads the earlier claims of many certificates in one query.
func (db *DB) earlierClaimsOf(g *gorm.DB, certNos []string) (map[earlier]earlierKeys, error) {
	var rows []claimRow
	err := g.Select("certificate_no, agreement_id, line, household_no, member_id_number, incident_date, cause, status").
		Where("certificate_no IN ?", certNos).Find(&rows).Error
	if err != nil {
		return nil, znb.Wrap(err, "查询已报案件")
	}
	out := map[earlier]earlierKeys{}
	for i := range rows {
		addEarlier(out, &rows[i])
	}
	return out, nil
}

// addEarlier adds claim r to the earlier claims of its certificate.
func addEarlier(out map[earlier]earlierKeys, r *claimRow) {
	c := claim.Claim{Line: znb.Line(r.Line), HouseholdNo: r.HouseholdNo, Member: r.MemberIDNumber, IncidentDate: r.IncidentDate, Cause: r.Cause}
	k := earlier{r.AgreementID, r.CertificateNo}
	e := out[k]
	if r.Status == string(claim.Rejected) {
		e.rejected = append(e.rejected, c.Key())
	} else {
		e.counting = append(e.counting, c.Key())
	}
	out[k] = e
}

type counterRow struct {
	Day string `gorm:"primaryKey"`
	Seq int64
}

func (counterRow) TableName() string { return "claim_counters" }

func (db *DB) addEvent(tx *gorm.DB, claimID int64, e claim.Event) error {
	r := eventRow(claimID, e)
	return tx.Create(&r).Error
}

func eventRow(claimID int64, e claim.Event) claimEventRow {
	return claimEventRow{ClaimID: claimID, AtMs: e.At.UnixMilli(), ActorID: e.ActorID, Actor: e.Actor,
		Role: string(e.Role), FromStatus: string(e.From), ToStatus: string(e.To), Note: clipRunes(e.Note, 1000)}
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// isUniqueViolation recognises a unique-index refusal on SQLite, MySQL and
// TiDB.
func isUniqueViolation(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "Duplicate entry") || strings.Contains(s, "Error 1062")
}

// GetClaim returns a claim with its history; another insurer's or region's
// claim is not found.
func (db *DB) GetClaim(ctx context.Context, by znb.Actor, no string) (*claim.Claim, error) {
	g := db.Gorm(ctx)
	row, err := db.claimRow(g, by, no, false)
	if err != nil {
		return nil, err
	}
	c, err := db.withHistory(g, row)
	if err != nil {
		return nil, err
	}
	return c, db.withOversight(g, []claimRow{*row}, []*claim.Claim{c})
}

// claimRow reads a claim in scope, locking it when lock is set (inside a
// transaction that is about to change it).
func (db *DB) claimRow(g *gorm.DB, by znb.Actor, no string, lock bool) (*claimRow, error) {
	r, err := db.readClaim(g, no, lock)
	if err != nil {
		return nil, err
	}
	if !by.Sees(r.RegionCode, r.Insurer) {
		return nil, znb.ErrNotFound("理赔案件")
	}
	return r, nil
}

// readClaim reads the claim numbered no, whoever may see it, for the
// functions that have checked their caller themselves.
func (db *DB) readClaim(g *gorm.DB, no string, lock bool) (*claimRow, error) {
	var row claimRow
	q := "SELECT * FROM claims WHERE claim_no = ?"
	if lock {
		q += db.forUpdate()
	}
	res := g.Raw(q, strings.TrimSpace(no)).Scan(&row)
	if res.Error != nil {
		return nil, znb.Wrap(res.Error, "读取理赔案件")
	}
	if res.RowsAffected == 0 {
		return nil, znb.ErrNotFound("理赔案件")
	}
	return &row, nil
}

// ClaimQuery filters the claims list. Village is a region-code prefix when
// it is all digits, else a village name; From and To bound the report date,
// both included.
type ClaimQuery struct {
	Status   claim.Status
	Line     znb.Line
	Signal   oversight.Code // claims carrying this signal
	Queue    bool           // the review queue: signalled open claims without a valid review, oldest first
	Village  string
	From, To znb.Date
	// Proposed keeps the automatic claims whose platform proposal awaits
	// an adjuster's confirmation.
	Proposed bool
	Page     int // from 1
	PageSize int // at most 500; 50 when unset
}

// ClaimPage is the page of the claims list a request asks for: 50 claims
// unless it says otherwise, at most 500.
func ClaimPage(number, size int) znb.Page { return znb.NewPage(number, size, 50, 500) }

// ListClaims returns a page of the claims the actor may see, newest report
// first, and how many match in all.
func (db *DB) ListClaims(ctx context.Context, by znb.Actor, q ClaimQuery) ([]claim.Claim, int64, error) {
	if err := claim.CheckListFilter(q.Status, q.Line); err != nil {
		return nil, 0, err
	}
	if err := oversight.CheckCode(q.Signal); err != nil {
		return nil, 0, err
	}
	page := ClaimPage(q.Page, q.PageSize)
	g := db.Gorm(ctx).Model(&claimRow{})
	switch {
	case !znb.Can(by, znb.ReadClaims):
		return []claim.Claim{}, 0, nil
	case by.Regional():
		g = g.Where("region_code LIKE ?", by.Scope+"%")
	case by.Role.Insurer():
		g = g.Where("insurer = ?", by.Scope)
	}
	if q.Status != "" {
		g = g.Where("status = ?", string(q.Status))
	}
	if q.Line != "" {
		g = g.Where("line = ?", string(q.Line))
	}
	if v := strings.TrimSpace(q.Village); v != "" {
		if strings.Trim(v, "0123456789") == "" {
			g = g.Where("region_code LIKE ?", v+"%")
		} else {
			g = g.Where("village = ?", v)
		}
	}
	if q.Signal != "" {
		g = g.Where("EXISTS (SELECT 1 FROM claim_signals s WHERE s.claim_id = claims.id AND s.code = ?)", string(q.Signal))
	}
	order := "reported_on DESC, id DESC"
	if q.Queue {
		// a review counts when made since the signals were last computed
		// by someone other than the assessor (oversight.CheckApproval)
		g = g.Where("signals <> '' AND status IN ?", []string{string(claim.Reported), string(claim.Assessed)}).
			Where("NOT EXISTS (SELECT 1 FROM claim_reviews v WHERE v.claim_id = claims.id AND v.at_ms >= claims.signals_at AND v.reviewer <> claims.assessor)")
		order = "reported_on, id"
	}
	if q.Proposed {
		g = g.Where("status = ? AND assessor_id = 0 AND assessor = ? AND flags LIKE ?", string(claim.Assessed), claim.Proposer, "%"+claim.FlagAuto+"%")
	}
	if !q.From.IsZero() {
		g = g.Where("reported_on >= ?", q.From)
	}
	if !q.To.IsZero() {
		g = g.Where("reported_on <= ?", q.To)
	}
	var total int64
	if err := g.Count(&total).Error; err != nil {
		return nil, 0, znb.Wrap(err, "查询理赔案件")
	}
	var rows []claimRow
	if err := g.Order(order).Offset(page.Offset()).Limit(page.Size).Find(&rows).Error; err != nil {
		return nil, 0, znb.Wrap(err, "查询理赔案件")
	}
	out := make([]claim.Claim, len(rows))
	ptrs := make([]*claim.Claim, len(rows))
	for i := range rows {
		c, err := rows[i].claim()
		if err != nil {
			return nil, 0, err
		}
		out[i], ptrs[i] = *c, &out[i]
	}
	return out, total, db.withOversight(db.Gorm(ctx), rows, ptrs)
}
