package store

import (
	"cmp"
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Automatic illness claims (主动理赔): after a feed, each household whose
// settlements not yet in a claim add something to pay gets an illness claim
// the platform opens and proposes itself, or its open automatic claim takes
// them and is proposed again.

// autoGroup is how many households' automatic illness claims one
// transaction brings up to date. A group is read with a few statements
// (limits, accruals, settlements, open claims, certificates) and written
// with a few more (claims, events, audit entries, the settlements' claim
// numbers): a county's feed opens tens of thousands of claims, and a
// statement per claim and step made that minutes. A group's transaction
// ends in a commit to disk, which at 200 households a group was a sixth
// of a county's feed.
var autoGroup = 1000

// autoIllnessAll brings the automatic illness claims of the candidate
// households up to date, autoGroup households to a transaction. A household
// without an open automatic claim (open) gets a claim number before the
// transaction, as a report does; one whose claim was closed meanwhile is
// done again alone by autoIllness.
func (db *DB) autoIllnessAll(ctx context.Context, cands []accrualKey, open map[accrualKey]bool, today znb.Date) (opened, updated []string, err error) {
	terms := map[int64]*policy.LineTerms{}
	for _, k := range cands {
		if _, seen := terms[k.agreementID]; !seen {
			if _, terms[k.agreementID], err = db.claimLineTerms(db.Gorm(ctx), k.agreementID, znb.Illness); err != nil {
				return nil, nil, err
			}
		}
	}
	// Every household without an open claim is given its number at once:
	// a reservation is a commit of its own.
	nos := make([]string, len(cands))
	var need []int
	for j, k := range cands {
		if !open[k] && terms[k.agreementID] != nil {
			need = append(need, j)
		}
	}
	if len(need) > 0 {
		taken, err := db.claimNos(ctx, today, len(need))
		if err != nil {
			return nil, nil, err
		}
		for i, j := range need {
			nos[j] = taken[i]
		}
	}
	spans := make([][]autoDone, (len(cands)+autoGroup*autoSpan-1)/(autoGroup*autoSpan))
	err = db.eachSpan(len(spans), func(s int) error {
		i := s * autoGroup * autoSpan
		span := cands[i:min(i+autoGroup*autoSpan, len(cands))]
		if db.Dialect == SQLite { // for autoSpan's reads beside the transaction
			if err := db.ensureIllnessLimits(ctx, span, terms); err != nil {
				return znb.Wrap(err, "生成因病主动理赔案件")
			}
		}
		err := db.committedTx(ctx, func(tx *gorm.DB) error {
			var err error
			spans[s], err = db.autoSpan(ctx, tx, span, terms, today, nos[i:i+len(span)])
			return err
		})
		return znb.Wrap(err, "生成因病主动理赔案件")
	})
	if err != nil {
		return nil, nil, err
	}
	for _, dones := range spans {
		for _, done := range dones {
			opened, updated = append(opened, done.opened...), append(updated, done.updated...)
			for _, k := range done.again {
				op, up, err := db.autoIllness(ctx, k, today)
				if err != nil {
					return nil, nil, err
				}
				opened, updated = append(opened, op...), append(updated, up...)
			}
		}
	}
	return opened, updated, nil
}

// autoSpans is how many spans of automatic claims run side by side on
// MySQL, each in a transaction of its own: the server then works on one
// span's statements while the other's proposals are worked out, where one
// transaction's statements wait for each other. SQLite has one writer.
var autoSpans = 2

// eachSpan runs fn for the spans 0 to n-1, side by side on MySQL, and
// returns the first error; after one fails no other span starts.
func (db *DB) eachSpan(n int, fn func(s int) error) error {
	workers := 1
	if db.Dialect == MySQL {
		workers = autoSpans
	}
	var next atomic.Int64
	errs := make([]error, n)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := int(next.Add(1) - 1); s < n && !failed.Load(); s = int(next.Add(1) - 1) {
				if errs[s] = fn(s); errs[s] != nil {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ensureIllnessLimits creates, in a transaction of its own, the illness
// limit rows missing for the households of span whose agreements have the
// line.
func (db *DB) ensureIllnessLimits(ctx context.Context, span []accrualKey, terms map[int64]*policy.LineTerms) error {
	var keys []limitKey
	for _, k := range span {
		if terms[k.agreementID] != nil {
			keys = append(keys, illnessLimit(k))
		}
	}
	return db.Tx(ctx, func(tx *gorm.DB) error { return db.ensureAmounts(tx, "claim_limits", keys) })
}

// autoSpan is how many groups one transaction takes.
var autoSpan = 8

// autoAhead is how many groups' reads run at once beside an automatic-claims
// transaction on SQLite.
var autoAhead = 2

// autoSpan brings the claims of a span of groups up to date in the
// transaction tx. The statements run in order on a goroutine of their own
// (a pipe): each group's reads, queued before the previous group's writes,
// so that a group's proposals are worked out while the statements of the
// groups beside it run. Groups have no household in common.
func (db *DB) autoSpan(ctx context.Context, tx *gorm.DB, span []accrualKey, terms map[int64]*policy.LineTerms, today znb.Date, nos []string) ([]autoDone, error) {
	type read struct {
		plan *autoPlan
		err  error
	}
	p := newPipe(ctx)
	// On SQLite the transaction holds the write lock, so nothing but its
	// own groups changes the tables while it runs, and groups have no
	// household in common: a group's reads on a connection of their own
	// see what they would see in the transaction, and run beside the
	// previous group's writes instead of before them. The caller made the
	// limit rows the reads lock in a transaction of their own.
	reader, aside := tx, db.Dialect == SQLite
	if aside {
		reader = db.Gorm(ctx)
	}
	queue := func(at int) <-chan read {
		got := make(chan read, 1)
		end := min(at+autoGroup, len(span))
		run := func() error {
			plan, err := db.autoRead(reader, aside, span[at:end], terms, today, nos[at:end])
			got <- read{plan, err}
			return err
		}
		if aside {
			go run()
		} else {
			p.do(run)
		}
		return got
	}
	// Reads beside the transaction run two groups ahead, on connections of
	// their own: one group's reads take longer than its proposals.
	depth := 1
	if aside {
		depth = autoAhead
	}
	var dones []autoDone
	var ahead []<-chan read
	for at := 0; at < len(span) && len(ahead) < depth; at += autoGroup {
		ahead = append(ahead, queue(at))
	}
	for at := 0; at < len(span); at += autoGroup {
		var r read
		select {
		case r = <-ahead[0]:
		case <-p.fail:
			return nil, p.wait()
		}
		ahead = ahead[1:]
		if r.err != nil {
			return nil, errors.Join(r.err, p.wait())
		}
		if next := at + depth*autoGroup; next < len(span) {
			ahead = append(ahead, queue(next))
		}
		r.plan.work(db)
		p.do(func() error { return db.autoWrites(tx, r.plan) })
		dones = append(dones, r.plan.done)
	}
	return dones, p.wait()
}

// autoIllness brings one household's automatic illness claim up to date,
// taking a claim number when it opens one.
func (db *DB) autoIllness(ctx context.Context, k accrualKey, today znb.Date) (opened, updated []string, err error) {
	_, t, err := db.claimLineTerms(db.Gorm(ctx), k.agreementID, znb.Illness)
	if err != nil || t == nil {
		return nil, nil, err
	}
	terms := map[int64]*policy.LineTerms{k.agreementID: t}
	no := ""
	for {
		var done autoDone
		err = db.Tx(ctx, func(tx *gorm.DB) error {
			var err error
			done, err = db.autoIllnessGroup(tx, []accrualKey{k}, terms, today, []string{no})
			return err
		})
		if err != nil {
			return nil, nil, znb.Wrap(err, "生成因病主动理赔案件")
		}
		if len(done.again) == 0 {
			return done.opened, done.updated, nil
		}
		if no, err = db.claimNo(ctx, today); err != nil {
			return nil, nil, err
		}
	}
}

// autoDone is what a group transaction did: the claims it opened and
// updated, and the households that need a claim but were given no number.
type autoDone struct {
	opened, updated []string
	again           []accrualKey
}

// autoHousehold is what a group transaction knows of one household.
type autoHousehold struct {
	key   accrualKey
	no    string      // the number for a new claim, if any
	fresh []storedSet // settlement sets in no claim yet
	open  *claimRow   // its open automatic claim
	held  []storedSet // the sets that claim holds already
}

// autoIllnessGroup brings the automatic illness claims of a group of
// households up to date under the locks of their illness limits: their
// settlements not yet in a claim go into the open automatic claim if there
// is one, else they open a new claim numbered nos[i] when they add
// something to pay (claim.OpensIllnessClaim); each claim is then proposed
// again on all its settlements.
func (db *DB) autoIllnessGroup(tx *gorm.DB, group []accrualKey, terms map[int64]*policy.LineTerms, today znb.Date, nos []string) (autoDone, error) {
	plan, err := db.autoRead(tx, false, group, terms, today, nos)
	if err != nil {
		return autoDone{}, err
	}
	plan.work(db)
	return plan.done, db.autoWrites(tx, plan)
}

// autoPlan is a group's claims as read and decided, and their proposals.
type autoPlan struct {
	done autoDone
	ps   []*proposal
}

// autoRead locks and reads what a group's claims need, and decides which
// claims open and which take new settlements.
func (db *DB) autoRead(tx *gorm.DB, ensured bool, group []accrualKey, terms map[int64]*policy.LineTerms, today znb.Date, nos []string) (*autoPlan, error) {
	plan := &autoPlan{}
	done := &plan.done
	hs := make([]*autoHousehold, 0, len(group))
	at := make(map[accrualKey]*autoHousehold, len(group))
	var agreements []int64
	var subjects []string
	seenA := map[int64]bool{}
	for j, k := range group {
		if terms[k.agreementID] == nil || at[k] != nil {
			continue
		}
		h := &autoHousehold{key: k, no: nos[j]}
		hs, at[k] = append(hs, h), h
		if !seenA[k.agreementID] {
			seenA[k.agreementID] = true
			agreements = append(agreements, k.agreementID)
		}
		subjects = append(subjects, k.householdNo)
	}
	if len(hs) == 0 {
		return plan, nil
	}
	line := string(znb.Illness)
	used, acc, err := db.lockIllness(tx, hs, ensured)
	if err != nil {
		return nil, err
	}
	var open []claimRow
	if err := tx.Raw("SELECT * FROM "+indexed(tx, "claims", "claims_subject")+
		" WHERE agreement_id IN ? AND line = ? AND subject IN ? AND status IN (?, ?) AND flags LIKE ? ORDER BY id"+db.forUpdate(),
		agreements, line, subjects, string(claim.Reported), string(claim.Assessed), "%"+claim.FlagAuto+"%").Scan(&open).Error; err != nil {
		return nil, err
	}
	for i := range open {
		if h := at[accrualKey{open[i].AgreementID, open[i].Subject}]; h != nil && h.open == nil {
			h.open = &open[i]
		}
	}
	if err := groupSettlements(tx, at, agreements, subjects); err != nil {
		return nil, err
	}

	// Who gets a new claim, and where their certificates say they live.
	var news []*autoHousehold
	var certs []string
	for _, h := range hs {
		if len(h.fresh) == 0 || h.open != nil {
			continue
		}
		sum := decimal.Zero
		for _, s := range h.fresh {
			sum = sum.Add(s.OutOfPocket)
		}
		if !claim.OpensIllnessClaim(terms[h.key.agreementID], acc[h.key], used[h.key], sum) {
			h.fresh = nil
			continue
		}
		if h.no == "" {
			done.again = append(done.again, h.key)
			h.fresh = nil
			continue
		}
		news = append(news, h)
		certs = append(certs, lastSet(h.fresh).CertificateNo)
	}
	homes, err := certificateHomes(tx, certs)
	if err != nil {
		return nil, err
	}

	for _, h := range hs {
		if len(h.fresh) == 0 {
			continue
		}
		p := &proposal{h: h, terms: terms[h.key.agreementID], used: used[h.key], acc: acc[h.key]}
		if h.open != nil {
			p.r = h.open
			done.updated = append(done.updated, p.r.ClaimNo)
		} else {
			last := lastSet(h.fresh)
			p.r = db.autoClaimRow(h.no, last, homes[last.CertificateNo], today)
			done.opened = append(done.opened, h.no)
		}
		plan.ps = append(plan.ps, p)
	}
	return plan, nil
}

// work works out the plan's proposals side by side: each reads and writes
// nothing but its own household's figures.
func (plan *autoPlan) work(db *DB) {
	ps := plan.ps
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ps)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(ps)); i = next.Add(1) - 1 {
				ps[i].work(db)
			}
		}()
	}
	wg.Wait()
}

// autoWritten, when set, is called as each group's writes start (a test's
// fault).
var autoWritten func() error

// autoWrites writes a plan's claims, events, audit entries and the claim
// numbers of the sets they took.
func (db *DB) autoWrites(tx *gorm.DB, plan *autoPlan) error {
	if autoWritten != nil {
		if err := autoWritten(); err != nil {
			return err
		}
	}
	w := db.newAutoWrite(tx)
	defer w.close()
	for _, p := range plan.ps {
		if err := w.take(p); err != nil {
			return err
		}
	}
	return w.finish()
}

// lastSet is the set holding the latest of sets' settlements.
func lastSet(sets []storedSet) storedSet {
	last := sets[0]
	for _, s := range sets[1:] {
		if c := s.LastOn.Compare(last.LastOn); c > 0 || c == 0 && s.ID > last.ID {
			last = s
		}
	}
	return last
}

// lockIllness creates the illness limit rows of the households at zero when
// they are missing, locks them, and reads what the limits have used and the
// households' cumulative amounts of approved claims.
func (db *DB) lockIllness(tx *gorm.DB, hs []*autoHousehold, ensured bool) (used, acc map[accrualKey]decimal.Decimal, err error) {
	keys := make([]limitKey, len(hs))
	for i, h := range hs {
		keys[i] = illnessLimit(h.key)
	}
	var limits map[limitKey]*amountRow
	if ensured {
		limits, err = amountRows(tx, "claim_limits", "used", keys, db.forUpdate())
	} else {
		limits, err = db.lockAmounts(tx, "claim_limits", "used", keys)
	}
	if err != nil {
		return nil, nil, err
	}
	accrued, err := readAmounts(tx, "claim_accruals", "accumulated", keys)
	if err != nil {
		return nil, nil, err
	}
	used, acc = make(map[accrualKey]decimal.Decimal, len(hs)), make(map[accrualKey]decimal.Decimal, len(hs))
	for i, h := range hs {
		if l := limits[keys[i]]; l != nil {
			used[h.key] = l.Amount
		}
		acc[h.key] = accrued[keys[i]]
	}
	return used, acc, nil
}

func illnessLimit(k accrualKey) limitKey {
	return limitKey{k.agreementID, string(znb.Illness), k.householdNo}
}

// figures reads an amount per household (agreement_id, subject, amount).
func figures(g *gorm.DB, q string, args ...any) (map[accrualKey]decimal.Decimal, error) {
	var rows []struct {
		AgreementID int64
		Subject     string
		Amount      decimal.Decimal
	}
	if err := g.Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[accrualKey]decimal.Decimal, len(rows))
	for _, r := range rows {
		out[accrualKey{r.AgreementID, r.Subject}] = r.Amount
	}
	return out, nil
}

// groupSettlements reads the settlement sets of a group's households
// through their household index, and hands each household those in no
// claim yet (fresh) and those its open automatic claim holds (held).
// Filtering on the claim number in SQL led the planners to read every
// settlement of the county not yet in a claim.
func groupSettlements(tx *gorm.DB, at map[accrualKey]*autoHousehold, agreements []int64, subjects []string) error {
	sets, err := readSets(tx.Table(indexed(tx, "settlement_sets", "settlement_sets_household")).
		Where("agreement_id IN ? AND household_no IN ?", agreements, subjects))
	if err != nil {
		return err
	}
	for _, s := range sets {
		h := at[accrualKey{s.AgreementID, s.HouseholdNo}]
		switch {
		case h == nil:
		case s.ClaimNo == "":
			h.fresh = append(h.fresh, s)
		case h.open != nil && h.open.ClaimNo == s.ClaimNo:
			h.held = append(h.held, s)
		}
	}
	return nil
}

// certificateHome is where a certificate's household lives and who heads it.
type certificateHome struct {
	RegionCode, VillageName, Head string
}

// certificateHomes reads the homes of the certificates numbered nos.
func certificateHomes(tx *gorm.DB, nos []string) (map[string]certificateHome, error) {
	out := make(map[string]certificateHome, len(nos))
	if len(nos) == 0 {
		return out, nil
	}
	var certs []struct{ CertificateNo, RegionCode, VillageName string }
	if err := tx.Table(indexed(tx, "certificates", "certificates_no")).Select("certificate_no, region_code, village_name").Where("certificate_no IN ?", nos).
		Scan(&certs).Error; err != nil {
		return nil, err
	}
	for _, c := range certs {
		out[c.CertificateNo] = certificateHome{RegionCode: c.RegionCode, VillageName: c.VillageName}
	}
	var heads []struct{ CertificateNo, Name string }
	if err := tx.Table(indexed(tx, "certificate_members", "certificate_members_cover")).Select("certificate_no, name").
		Where("certificate_no IN ? AND relation = ?", nos, registry.Head).
		Order("id").Scan(&heads).Error; err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, m := range heads {
		if c, ok := out[m.CertificateNo]; ok && !named[m.CertificateNo] {
			named[m.CertificateNo], c.Head = true, m.Name
			out[m.CertificateNo] = c
		}
	}
	return out, nil
}

// autoClaimRow is a new illness claim the platform opens for the household
// of the set s (the one holding the latest settlement): incident on that
// settlement's date, reported today, flagged auto. It takes no duplicate
// key: the settlements it holds are what make it unique.
func (db *DB) autoClaimRow(no string, s storedSet, home certificateHome, today znb.Date) *claimRow {
	return &claimRow{ClaimNo: no, CertificateNo: s.CertificateNo, AgreementID: s.AgreementID, Insurer: s.Insurer,
		HouseholdNo: s.HouseholdNo, RegionCode: home.RegionCode, Village: home.VillageName, HeadName: home.Head,
		Line: string(znb.Illness), Subject: s.HouseholdNo, IncidentDate: s.LastOn, ReportedOn: today, Cause: "疾病",
		Description: "医保结算数据显示本户全年个人自付医疗费用超过赔付启动线，平台主动立案", Flags: claim.FlagAuto,
		Status: string(claim.Reported), CreatedBy: claim.Proposer, CreatedAt: db.nowMS(), UpdatedAt: db.nowMS()}
}

// autoWrite gathers a group's writes: new claims in one batch, the updates
// of open claims one by one, then the events and audit entries of all in
// batches once the new claims have ids, and the settlements' claim numbers
// in a batch of their own.
type autoWrite struct {
	db      *DB
	tx      *gorm.DB
	claims  *batch
	newNos  []string
	events  []pendingEvent
	audits  [][]any
	settled []setClaim // the settlement sets the claims take
}

// pendingEvent is an event of a claim whose id may not be known yet.
type pendingEvent struct {
	claimNo string
	id      int64
	event   claim.Event
}

func (db *DB) newAutoWrite(tx *gorm.DB) *autoWrite {
	return &autoWrite{db: db, tx: tx, claims: newBatch(tx.Statement.Context, db, tx, "claims", assessedClaimColumns...)}
}

func (w *autoWrite) close() { w.claims.close() }

// proposal is a claim the platform proposes again on all its settlements
// (those it holds and the household's fresh ones): worked out by work, then
// written by take. A claim without an id is new and is opened first.
type proposal struct {
	r     *claimRow
	h     *autoHousehold
	terms *policy.LineTerms
	used  decimal.Decimal
	acc   decimal.Decimal

	c      *claim.Claim
	ev     claim.Event
	set    map[string]any
	opened claim.Event // of a new claim
	audits [][]any
	err    error
}

// work reads the settlements and works out the proposal, its events and
// its audit entries; it writes nothing.
func (p *proposal) work(db *DB) {
	p.err = p.propose(db)
}

func (p *proposal) propose(db *DB) error {
	r, h := p.r, p.h
	c, err := r.claim()
	if err != nil {
		return err
	}
	at := scope{r.RegionCode, r.Insurer}
	if r.ID == 0 {
		p.opened = c.Open(claim.Platform, db.Now(), r.Description)
		a, err := db.auditValues(claim.Platform, at, "claim.report", claimObject(r.ClaimNo), map[string]any{
			"state": claimState(r.Status, r.Payable), "certificate_no": r.CertificateNo, "line": r.Line,
			"incident_date": r.IncidentDate, "reported_on": r.ReportedOn, "cause": r.Cause, "flags": []string{claim.FlagAuto}})
		if err != nil {
			return err
		}
		p.audits = append(p.audits, a)
	}
	all, err := parseSets(append(append([]storedSet{}, h.held...), h.fresh...))
	if err != nil {
		return err
	}
	in := claim.IllnessAssessment{Settlements: make([]claim.Settlement, len(all))}
	for i := range all {
		in.Settlements[i] = all[i].Settlement
	}
	c.Accumulated = p.acc
	fresh := 0
	for _, s := range h.fresh {
		fresh += s.Settlements
	}
	if p.ev, err = c.Propose(db.Now(), p.terms, p.used, in, "医保结算数据新增 "+itoa(int64(fresh))+" 张结算单，平台按累计自付费用重新理算，待理算人员确认"); err != nil {
		return err
	}
	set, detail, err := assessedColumns(c)
	if err != nil {
		return err
	}
	set["status"], set["updated_at"] = string(c.Status), db.nowMS()
	detail["state"] = claimState(string(c.Status), decimal.NullDecimal{Decimal: c.Payable, Valid: true})
	// The settlements are stored facts (settlement_sets): the entry names
	// them and their sum rather than copying each one, which wrote every
	// settlement twice more (the pending entry and the chained one).
	nos, oop := make([]string, len(in.Settlements)), decimal.Zero
	for i, s := range in.Settlements {
		nos[i], oop = s.No, oop.Add(s.OutOfPocket())
	}
	delete(detail, "assessment")
	detail["settlement_nos"], detail["out_of_pocket"] = nos, money.String(oop)
	a, err := db.auditValues(claim.Platform, at, "claim.assess", claimObject(r.ClaimNo), detail)
	if err != nil {
		return err
	}
	p.c, p.set, p.audits = c, set, append(p.audits, a)
	return nil
}

// take queues the writes of a proposal worked out.
func (w *autoWrite) take(p *proposal) error {
	if p.err != nil {
		return p.err
	}
	r := p.r
	if r.ID == 0 {
		w.events = append(w.events, pendingEvent{claimNo: r.ClaimNo, event: p.opened})
		r.keepAssessment(p.c, p.set)
		r.UpdatedAt = w.db.nowMS()
		if err := w.claims.add(r.assessedValues(p.c)...); err != nil {
			return err
		}
		w.newNos = append(w.newNos, r.ClaimNo)
	} else if err := w.tx.Model(&claimRow{}).Where("id = ?", r.ID).Updates(p.set).Error; err != nil {
		return err
	}
	w.events = append(w.events, pendingEvent{claimNo: r.ClaimNo, id: r.ID, event: p.ev})
	w.audits = append(w.audits, p.audits...)
	for _, s := range p.h.fresh {
		w.settled = append(w.settled, setClaim{s.ID, r.ClaimNo})
	}
	return nil
}

// finish writes what take gathered.
func (w *autoWrite) finish() error {
	if err := w.claims.close(); err != nil {
		return err
	}
	ids := map[string]int64{}
	if len(w.newNos) > 0 {
		var err error
		if ids, err = claimIDs(w.tx, w.newNos); err != nil {
			return err
		}
	}
	ctx := w.tx.Statement.Context
	events := newBatch(ctx, w.db, w.tx, "claim_events", claimEventColumns...)
	err := func() error {
		for _, p := range w.events {
			id := p.id
			if id == 0 {
				id = ids[p.claimNo]
			}
			e := eventRow(id, p.event)
			if err := events.add(e.ClaimID, e.AtMs, e.ActorID, e.Actor, e.Role, e.FromStatus, e.ToStatus, e.Note); err != nil {
				return err
			}
		}
		return nil
	}()
	if err := closeAll(err, events); err != nil {
		return err
	}
	if err := w.db.auditAll(w.tx, w.audits); err != nil {
		return err
	}
	return w.markSettled()
}

// setClaim is a settlement set and the claim it went into.
type setClaim struct {
	id      int64
	claimNo string
}

// markSettled writes the claim number of each set the claims took, in the
// order of the sets' ids.
func (w *autoWrite) markSettled() error {
	slices.SortFunc(w.settled, func(a, b setClaim) int { return cmp.Compare(a.id, b.id) })
	b := newBatch(w.tx.Statement.Context, w.db, w.tx, "settlement_set_claims", "set_id", "claim_no")
	for _, s := range w.settled {
		if err := b.add(s.id, s.claimNo); err != nil {
			return closeAll(err, b)
		}
	}
	return b.close()
}
