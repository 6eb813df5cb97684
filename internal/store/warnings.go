package store

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/fpb"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Warnings: the six rules of package fpb read over a county's latest lists,
// approved claims and medical settlements; each warning is stored once per
// household, rule and year (the unique key of warnings), so evaluating again
// raises nothing new.

type warningRow struct {
	ID          int64
	County      string
	HouseholdNo string
	Rule        string
	Year        int
	RegionCode  string
	Village     string
	HeadName    string
	Figures     string
	Status      string
	RaisedOn    znb.Date
	UpdatedAt   int64
}

func (warningRow) TableName() string { return "warnings" }

type warningEventRow struct {
	ID         int64
	WarningID  int64
	AtMs       int64
	Actor      string
	FromStatus string
	ToStatus   string
	Note       string
}

func (warningEventRow) TableName() string { return "warning_events" }

func (r *warningRow) warning() fpb.Warning {
	w := fpb.Warning{ID: r.ID, County: r.County, HouseholdNo: r.HouseholdNo, Rule: fpb.Rule(r.Rule), Year: r.Year,
		RegionCode: r.RegionCode, Village: r.Village, HeadName: r.HeadName, Status: fpb.Status(r.Status),
		RaisedOn: r.RaisedOn, UpdatedAt: msToTime(r.UpdatedAt)}
	_ = json.Unmarshal([]byte(r.Figures), &w.Figures)
	return w
}

// householdInfo is where a household lives and who heads it, as its
// county's latest list says.
type householdInfo struct {
	RegionCode, Village, Head string
}

// raise collects the warnings of one evaluation.
type raise struct {
	county string
	today  znb.Date
	rows   []warningRow
	now    int64
}

// add keeps a warning with where the rule saw the household; place then
// replaces that with what the latest list says.
func (r *raise) add(household string, rule fpb.Rule, year int, region, village, head string, figures map[string]string) {
	fig, _ := json.Marshal(figures)
	r.rows = append(r.rows, warningRow{County: r.county, HouseholdNo: household, Rule: string(rule), Year: year,
		RegionCode: region, Village: village, HeadName: head, Figures: string(fig), Status: string(fpb.New),
		RaisedOn: r.today, UpdatedAt: r.now})
}

// claimsBy is the claims table read by a county's evaluation: through the
// household index when it evaluates some households (after each approval),
// through the agreement's when it evaluates the county.
func claimsBy(g *gorm.DB, households []string) string {
	if len(households) > 0 {
		return indexed(g, "claims", "claims_household")
	}
	return indexed(g, "claims", "claims_subject")
}

// EvaluateWarnings runs the six rules over a county (or, when households
// are given, over those households of it) and stores the warnings not
// raised before. It returns how many it raised.
func (db *DB) EvaluateWarnings(ctx context.Context, county string, households ...string) (int, error) {
	county, err := znb.ParseCounty(county)
	if err != nil {
		return 0, err
	}
	g := db.Gorm(ctx)
	th := fpb.DefaultThresholds
	r := &raise{county: county, today: znb.DateOf(db.Now().In(znb.CST)), now: db.nowMS()}
	only := func(q *gorm.DB, col string) *gorm.DB {
		if len(households) > 0 {
			return q.Where(col+" IN ?", households)
		}
		return q
	}
	var lists []listRow
	if err := g.Where("county = ?", county).Order("id DESC").Limit(2).Find(&lists).Error; err != nil {
		return 0, znb.Wrap(err, "读取名单")
	}
	years, err := db.agreementYears(g, county)
	if err != nil {
		return 0, err
	}

	// medical_burden: out-of-pocket of the cover year.
	var burdens []struct {
		AgreementID int64
		HouseholdNo string
		RegionCode  string
		Total       decimal.Decimal
	}
	// The county's settlements and claims are those of its agreements:
	// selected by agreement and household, both engines use the household
	// indexes, where a region prefix made MariaDB read the whole county's
	// rows to evaluate one household after its claim was approved.
	agreements := make([]int64, 0, len(years))
	for id := range years {
		agreements = append(agreements, id)
	}
	if len(agreements) == 0 {
		agreements = append(agreements, 0) // no agreement: nothing of the county is insured
	}
	q := g.Table("settlement_sets").Select("agreement_id, household_no, MAX(region_code) AS region_code, SUM(out_of_pocket) AS total").
		Where("agreement_id IN ?", agreements)
	if err := only(q, "household_no").Group("agreement_id, household_no").Scan(&burdens).Error; err != nil {
		return 0, znb.Wrap(err, "读取医保结算")
	}
	for _, b := range burdens {
		if th.Burdened(b.Total) {
			r.add(b.HouseholdNo, fpb.MedicalBurden, years[b.AgreementID], b.RegionCode, "", "",
				map[string]string{"out_of_pocket": money.String(b.Total), "threshold": money.String(th.MedicalBurden)})
		}
	}

	// large_loss and labour_loss: approved claims.
	var claims []claimRow
	q = g.Table(claimsBy(g, households)).Select("agreement_id, household_no, region_code, village, head_name, line, member_id_number, incident_date, assessment, claim_no").
		Where("agreement_id IN ? AND status IN ? AND line IN ?", agreements, []string{string(claim.Approved), string(claim.Paid)},
			[]string{string(znb.Property), string(znb.Agriculture), string(znb.Disaster), string(znb.Accident)})
	if err := only(q, "household_no").Order("id").Find(&claims).Error; err != nil {
		return 0, znb.Wrap(err, "读取理赔案件")
	}
	type hk struct {
		agreement int64
		household string
	}
	losses := map[hk]decimal.Decimal{}
	var lossOrder []hk
	at := map[hk]*claimRow{}
	for i := range claims {
		c := &claims[i]
		if c.Assessment == nil {
			continue
		}
		k := hk{c.AgreementID, c.HouseholdNo}
		if znb.Line(c.Line) == znb.Accident {
			var a claim.AccidentAssessment
			if json.Unmarshal([]byte(*c.Assessment), &a) != nil {
				continue
			}
			_, terms, err := db.claimLineTerms(g, c.AgreementID, znb.Accident)
			if err != nil || terms == nil {
				continue
			}
			_, birth, err := registry.ValidateID(c.MemberIDNumber, c.IncidentDate)
			if err != nil {
				continue
			}
			grade := a.Grade(terms)
			if th.LostLabour(a.Outcome == claim.Death, grade, birth, c.IncidentDate) {
				outcome := "伤残 " + itoa(int64(grade)) + " 级"
				if a.Outcome == claim.Death {
					outcome = "身故"
				}
				r.add(c.HouseholdNo, fpb.LabourLoss, years[c.AgreementID], c.RegionCode, c.Village, c.HeadName,
					map[string]string{"claim_no": c.ClaimNo, "outcome": outcome, "age": itoa(int64(fpb.Age(birth, c.IncidentDate))),
						"incident_date": c.IncidentDate.String()})
			}
			continue
		}
		a, err := claim.DecodeAssessment(znb.Line(c.Line), *c.Assessment)
		if err != nil {
			continue
		}
		if _, seen := losses[k]; !seen {
			lossOrder = append(lossOrder, k)
			at[k] = c
		}
		losses[k] = losses[k].Add(fpb.AssessedLoss(a))
	}
	for _, k := range lossOrder {
		if th.LostLarge(losses[k]) {
			c := at[k]
			r.add(k.household, fpb.LargeLoss, years[k.agreement], c.RegionCode, c.Village, c.HeadName,
				map[string]string{"losses": money.String(losses[k]), "threshold": money.String(th.LargeLoss)})
		}
	}

	// the list rules: the latest list against the one before. The queries
	// leave out rows no rule can raise on (a null income or risk, an income
	// that did not fall), so that an evaluation after each import reads the
	// few candidates rather than the whole list; the rules decide.
	if len(lists) > 0 {
		latest, year := lists[0].ID, lists[0].EffectiveDate.Year()
		var poor []householdRow
		q := g.Table("households").Select("household_no, region_code, village_name, income_per_capita, risk_eliminated").
			Where("list_id = ? AND risk_eliminated = 0 AND income_per_capita IS NOT NULL", latest)
		if err := only(q, "household_no").Order("household_no").Scan(&poor).Error; err != nil {
			return 0, znb.Wrap(err, "读取名单")
		}
		for _, h := range poor {
			risk := *h.RiskEliminated != 0
			if income := nullable(h.IncomePerCapita); th.Poor(income, &risk) {
				r.add(h.HouseholdNo, fpb.LowIncome, year, h.RegionCode, h.VillageName, "",
					map[string]string{"income_per_capita": money.String(*income), "monitoring_line": money.String(th.MonitoringLine)})
			}
		}
		if len(lists) > 1 {
			prev := lists[1].ID
			var drops []struct {
				HouseholdNo, RegionCode, VillageName string
				IncomeBefore, IncomeAfter            decimal.Decimal
			}
			q := g.Table("households l").
				Select("l.household_no, l.region_code, l.village_name, p.income_per_capita AS income_before, l.income_per_capita AS income_after").
				Joins("JOIN households p ON p.list_id = ? AND p.household_no = l.household_no", prev).
				Where("l.list_id = ? AND p.income_per_capita > 0 AND l.income_per_capita < p.income_per_capita", latest)
			if err := only(q, "l.household_no").Order("l.household_no").Scan(&drops).Error; err != nil {
				return 0, znb.Wrap(err, "读取名单")
			}
			for _, d := range drops {
				if th.Dropped(&d.IncomeBefore, &d.IncomeAfter) {
					r.add(d.HouseholdNo, fpb.IncomeDrop, year, d.RegionCode, d.VillageName, "",
						map[string]string{"income_before": money.String(d.IncomeBefore), "income_after": money.String(d.IncomeAfter),
							"list_before": itoa(prev), "list_after": itoa(latest)})
				}
			}
			var gone []string
			q = g.Table("households p").Select("p.household_no").
				Where("p.list_id = ? AND NOT EXISTS (SELECT 1 FROM households l WHERE l.list_id = ? AND l.household_no = p.household_no)", prev, latest)
			if err := only(q, "p.household_no").Order("p.household_no").Scan(&gone).Error; err != nil {
				return 0, znb.Wrap(err, "读取名单")
			}
			if err := db.removedWithOpenClaims(g, r, county, year, latest, gone); err != nil {
				return 0, err
			}
		}
	}
	if err := r.dropRaised(g, only); err != nil {
		return 0, err
	}
	if len(lists) > 0 {
		if err := db.place(g, lists[0].ID, r.rows); err != nil {
			return 0, err
		}
	}
	return db.storeWarnings(ctx, r.rows)
}

// dropRaised leaves out the warnings raised before (and repeats within the
// evaluation), so that an evaluation that finds nothing new looks up and
// writes nothing: the rules raise the same warnings each time they run.
func (r *raise) dropRaised(g *gorm.DB, only func(*gorm.DB, string) *gorm.DB) error {
	if len(r.rows) == 0 {
		return nil
	}
	type key struct {
		HouseholdNo, Rule string
		Year              int
	}
	var have []key
	q := g.Table("warnings").Select("household_no, rule, year").Where("county = ?", r.county)
	if err := only(q, "household_no").Scan(&have).Error; err != nil {
		return znb.Wrap(err, "读取预警")
	}
	seen := make(map[key]bool, len(have)+len(r.rows))
	for _, k := range have {
		seen[k] = true
	}
	kept := r.rows[:0]
	for _, w := range r.rows {
		k := key{w.HouseholdNo, w.Rule, w.Year}
		if !seen[k] {
			seen[k] = true
			kept = append(kept, w)
		}
	}
	r.rows = kept
	return nil
}

// warnAfter evaluates the warnings of the county's households (all of them
// when none is named) after a change that has committed: an import, an
// approval, a feed. A failed evaluation (two Galera nodes raising the same
// warning for one household, again and again) is logged, not answered as
// the change's failure: the change stands, and the next evaluation of the
// household or the county (every list import evaluates its county) raises
// what this one did not.
func (db *DB) warnAfter(ctx context.Context, county string, households ...string) {
	if len(households) == 0 {
		if _, err := db.EvaluateWarnings(ctx, county); err != nil {
			db.Log.Warn("warnings not evaluated", "county", county, "err", err)
		}
		return
	}
	if len(households) > warnWhole {
		db.warnAfter(ctx, county)
		return
	}
	for i := 0; i < len(households); i += feedChunk {
		part := households[i:min(i+feedChunk, len(households))]
		if _, err := db.EvaluateWarnings(ctx, county, part...); err != nil {
			db.Log.Warn("warnings not evaluated", "county", county, "households", len(part), "err", err)
		}
	}
}

var warningColumns = []string{"county", "household_no", "rule", "year", "region_code", "village", "head_name", "figures",
	"status", "raised_on", "updated_at"}

// warnWhole is how many households from which warnAfter evaluates the
// county whole: a feed names most of a county's households, and their
// evaluation a chunk at a time read the county's list and agreements again
// for each chunk.
const warnWhole = 8 * feedChunk

// storeWarnings writes the warnings not stored before.
func (db *DB) storeWarnings(ctx context.Context, rows []warningRow) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	// MySQL counts a row its ON DUPLICATE KEY clause left alone as
	// affected, so what was raised is counted, not taken from the inserts.
	var before, after int64
	count := countWarnings(rows)
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := count(tx, &before); err != nil {
			return err
		}
		// A county's evaluation raises warnings by the ten thousand: GORM's
		// inserts bound so many arguments that the driver spent seconds
		// binding them.
		out := newBatch(ctx, db, tx, "warnings", warningColumns...)
		out.skipDuplicates()
		for _, r := range rows {
			if err := out.add(r.County, r.HouseholdNo, r.Rule, r.Year, r.RegionCode, r.Village, r.HeadName, r.Figures,
				r.Status, r.RaisedOn, r.UpdatedAt); err != nil {
				out.close()
				return err
			}
		}
		if err := out.close(); err != nil {
			return err
		}
		if err := count(tx, &after); err != nil {
			return err
		}
		return db.warningNews(tx, rows)
	})
	raised := after - before
	if err != nil {
		return 0, znb.Wrap(err, "保存预警")
	}
	return int(raised), nil
}

// countWarnings returns a count of the stored warnings of the county of
// rows, only of rows' households when they are few: an approval evaluates
// one household, and counting every warning of the county for it made each
// approval slower as the county's warnings grew.
func countWarnings(rows []warningRow) func(tx *gorm.DB, n *int64) error {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.HouseholdNo] = true
	}
	var hs []string
	if len(seen) <= 100 {
		hs = slices.Collect(maps.Keys(seen))
	}
	return func(tx *gorm.DB, n *int64) error {
		q := tx.Model(&warningRow{}).Where("county = ?", rows[0].County)
		if hs != nil {
			q = q.Where("household_no IN ?", hs)
		}
		return q.Count(n).Error
	}
}

// warningNews writes, in the warnings' transaction, the warning.raised
// messages of rows (warnings not raised before: EvaluateWarnings dropped
// those) to the office's subscriptions that hear the event. A warning raised
// twice at once is told of once: its message's key is the warning's own.
func (db *DB) warningNews(tx *gorm.DB, rows []warningRow) error {
	subs, err := subscriptions(tx)
	if err != nil {
		return err
	}
	hearing := subs[:0:0]
	for _, s := range subs {
		if s.Insurer == "" && s.lists(notify.WarningRaised) {
			hearing = append(hearing, s)
		}
	}
	if len(hearing) == 0 {
		return nil
	}
	at := db.Now()
	ns := make([]news, len(rows))
	for i, r := range rows {
		d := notify.WarningData{County: r.County, HouseholdNo: r.HouseholdNo, Rule: r.Rule, Year: r.Year,
			RegionCode: r.RegionCode, Village: r.Village, HeadName: r.HeadName, RaisedOn: r.RaisedOn.String()}
		ns[i] = news{event: notify.WarningRaised, subject: r.County + "-" + r.HouseholdNo + "/" + r.Rule + "/" + itoa(int64(r.Year)),
			region: r.RegionCode, hook: func(key string) string { return notify.WarningBody(key, d, at) }}
	}
	return db.writeMessages(tx, hearing, ns)
}

func nullable(d decimal.NullDecimal) *decimal.Decimal {
	if !d.Valid {
		return nil
	}
	return &d.Decimal
}

// removedWithOpenClaims raises a warning for each household of gone that
// still has a claim open in the county.
func (db *DB) removedWithOpenClaims(g *gorm.DB, r *raise, county string, year int, latest int64, gone []string) error {
	var open []claimRow
	for i := 0; i < len(gone); i += 1000 {
		var part []claimRow
		if err := g.Select("household_no, region_code, village, head_name, claim_no").
			Where("household_no IN ? AND region_code LIKE ? AND status IN ?", gone[i:min(i+1000, len(gone))], county+"%",
				[]string{string(claim.Reported), string(claim.Assessed), string(claim.Approved)}).
			Order("id").Find(&part).Error; err != nil {
			return znb.Wrap(err, "读取理赔案件")
		}
		open = append(open, part...)
	}
	nos := map[string][]string{}
	first := map[string]*claimRow{}
	var order []string
	for i := range open {
		c := &open[i]
		if first[c.HouseholdNo] == nil {
			first[c.HouseholdNo] = c
			order = append(order, c.HouseholdNo)
		}
		nos[c.HouseholdNo] = append(nos[c.HouseholdNo], c.ClaimNo)
	}
	for _, h := range order {
		c := first[h]
		r.add(h, fpb.RemovedWithOpenClaim, year, c.RegionCode, c.Village, c.HeadName,
			map[string]string{"open_claims": strings.Join(nos[h], ","), "list_after": itoa(latest)})
	}
	return nil
}

// place sets where each warned household lives and who heads it, as the
// latest list says, for the households that list holds.
func (db *DB) place(g *gorm.DB, listID int64, rows []warningRow) error {
	var nos []string
	seen := map[string]bool{}
	for _, w := range rows {
		if !seen[w.HouseholdNo] {
			seen[w.HouseholdNo] = true
			nos = append(nos, w.HouseholdNo)
		}
	}
	info := make(map[string]householdInfo, len(nos))
	for i := 0; i < len(nos); i += 1000 {
		part := nos[i:min(i+1000, len(nos))]
		var hs []struct{ HouseholdNo, RegionCode, VillageName, Head string }
		if err := g.Table("households h").Select("h.household_no, h.region_code, h.village_name, m.name AS head").
			Joins("LEFT JOIN members m ON m.list_id = h.list_id AND m.household_no = h.household_no AND m.relation = ?", registry.Head).
			Where("h.list_id = ? AND h.household_no IN ?", listID, part).Scan(&hs).Error; err != nil {
			return znb.Wrap(err, "读取名单")
		}
		for _, h := range hs {
			info[h.HouseholdNo] = householdInfo{RegionCode: h.RegionCode, Village: h.VillageName, Head: h.Head}
		}
	}
	for i := range rows {
		if h, ok := info[rows[i].HouseholdNo]; ok {
			rows[i].RegionCode, rows[i].Village, rows[i].HeadName = h.RegionCode, h.Village, h.Head
		}
	}
	return nil
}

// agreementYears maps the county's agreements to the year their term
// starts: the cover year of what happens under them.
func (db *DB) agreementYears(g *gorm.DB, county string) (map[int64]int, error) {
	var rows []struct {
		ID        int64
		TermStart znb.Date
	}
	if err := g.Table("agreements").Select("id, term_start").Where("county = ?", county).Scan(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取协议")
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		if !r.TermStart.IsZero() {
			out[r.ID] = r.TermStart.Year()
		}
	}
	return out, nil
}

// WarningQuery filters the warnings list.
type WarningQuery struct {
	Region   string // a region-code prefix within the actor's scope
	Rule     fpb.Rule
	Status   fpb.Status
	RaisedTo znb.Date // raised on or before, when set
	Page     int
	PageSize int
}

// WarningPage is the page of warnings a request asks for: 50 unless it
// says otherwise, at most 500.
func WarningPage(number, size int) znb.Page { return znb.NewPage(number, size, 50, 500) }

// ListWarnings returns a page of the warnings the actor may read (office
// and auditor, in their region; an auditor sees head names masked) and how
// many match in all. Insurers may not read warnings.
func (db *DB) ListWarnings(ctx context.Context, by znb.Actor, q WarningQuery) ([]fpb.Warning, int64, error) {
	if err := znb.Allow(by, znb.ReadWarnings); err != nil {
		return nil, 0, err
	}
	if err := fpb.CheckFilter(q.Rule, q.Status); err != nil {
		return nil, 0, err
	}
	g := db.Gorm(ctx).Model(&warningRow{})
	if q.Region != "" {
		region, err := znb.ParseRegion(q.Region)
		if err != nil {
			return nil, 0, err
		}
		if !by.SeesRegion(region) {
			return []fpb.Warning{}, 0, nil
		}
		g = g.Where("region_code LIKE ?", region+"%")
	}
	if by.Regional() {
		g = g.Where("region_code LIKE ?", by.Scope+"%")
	}
	if q.Rule != "" {
		g = g.Where("rule = ?", string(q.Rule))
	}
	if q.Status != "" {
		g = g.Where("status = ?", string(q.Status))
	}
	if !q.RaisedTo.IsZero() {
		g = g.Where("raised_on <= ?", q.RaisedTo)
	}
	var total int64
	if err := g.Count(&total).Error; err != nil {
		return nil, 0, znb.Wrap(err, "查询预警")
	}
	page := WarningPage(q.Page, q.PageSize)
	var rows []warningRow
	if err := g.Order("region_code, household_no, id").Offset(page.Offset()).Limit(page.Size).Find(&rows).Error; err != nil {
		return nil, 0, znb.Wrap(err, "查询预警")
	}
	out := make([]fpb.Warning, len(rows))
	for i := range rows {
		out[i] = rows[i].warning()
		if !by.NeedsFullID() {
			out[i].HeadName = registry.MaskName(out[i].HeadName)
		}
	}
	return out, total, nil
}

// AllWarnings reads every warning matching q (no paging), for the monthly
// export.
func (db *DB) AllWarnings(ctx context.Context, by znb.Actor, q WarningQuery) ([]fpb.Warning, error) {
	var all []fpb.Warning
	for page := 1; ; page++ {
		q.Page, q.PageSize = page, 500
		ws, total, err := db.ListWarnings(ctx, by, q)
		if err != nil {
			return nil, err
		}
		all = append(all, ws...)
		if int64(len(all)) >= total || len(ws) == 0 {
			break
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].RegionCode < all[j].RegionCode })
	return all, nil
}

// MoveWarning records the office's follow-up of a warning (fpb.Warning.Move)
// with its event and audit entry, and returns it with its history.
func (db *DB) MoveWarning(ctx context.Context, by znb.Actor, id int64, to fpb.Status, note string) (*fpb.Warning, error) {
	var out *fpb.Warning
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var row warningRow
		res := tx.Raw("SELECT * FROM warnings WHERE id = ?"+db.forUpdate(), id).Scan(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 || !by.SeesRegion(row.RegionCode) {
			return znb.ErrNotFound("预警")
		}
		w := row.warning()
		step, err := w.Move(by, db.Now(), to, note)
		if err != nil {
			return err
		}
		if err := tx.Model(&warningRow{}).Where("id = ?", id).Updates(map[string]any{"status": string(w.Status), "updated_at": db.nowMS()}).Error; err != nil {
			return err
		}
		ev := warningEventRow{WarningID: id, AtMs: step.At.UnixMilli(), Actor: step.Actor, FromStatus: string(step.From),
			ToStatus: string(step.To), Note: clipRunes(note, 1000)}
		if err := tx.Create(&ev).Error; err != nil {
			return err
		}
		if err := db.audit(tx, by, scope{region: row.RegionCode}, "warning.status", "warning:"+itoa(id),
			map[string]any{"from": string(step.From), "to": string(step.To), "note": note}); err != nil {
			return err
		}
		if w.History, err = db.warningHistory(tx, id); err != nil {
			return err
		}
		out = &w
		return nil
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存预警状态")
	}
	return out, nil
}

func (db *DB) warningHistory(g *gorm.DB, id int64) ([]fpb.Step, error) {
	var rows []warningEventRow
	if err := g.Where("warning_id = ?", id).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]fpb.Step, len(rows))
	for i, r := range rows {
		out[i] = fpb.Step{Actor: r.Actor, At: msToTime(r.AtMs), From: fpb.Status(r.FromStatus), To: fpb.Status(r.ToStatus), Note: r.Note}
	}
	return out, nil
}
