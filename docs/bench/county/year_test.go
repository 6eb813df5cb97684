package county_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/rest"
	"github.com/zhunongbao/zhunongbao/internal/rss"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const county = "522625"

// The people who work the year: the county office, and the insurer's
// clerk, adjuster and two approvers (the second reviews signalled claims).
var (
	office   = znb.Actor{ID: 100, Username: "office", Role: znb.Office, Scope: county}
	clerk    = znb.Actor{ID: 101, Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	adjuster = znb.Actor{ID: 102, Username: "adjuster", Role: znb.Adjuster, Scope: "PICC-ZY"}
	approver = znb.Actor{ID: 103, Username: "approver", Role: znb.Approver, Scope: "PICC-ZY"}
	reviewer = znb.Actor{ID: 104, Username: "approver2", Role: znb.Approver, Scope: "PICC-ZY"}
)

// Size is how big a county's year is. Everything scales with Persons as the
// full year does at 300,000: about 88,000 households, 20,000 ordinary
// claims, a flood over 50,000 households, one medical settlement a person.
type Size struct {
	Persons     int
	Households  int // of the generated list
	Claims      int // ordinary claims, cycling over the four lines
	Flooded     int // households the flood's townships hold, at least
	Settlements int // rows of the medical settlement feed
}

// SizeOf scales the full year to persons.
func SizeOf(persons int) Size {
	return Size{Persons: persons, Households: max(persons*88/300, 20), Claims: max(persons/15, 8),
		Flooded: max(persons/6, 1), Settlements: persons}
}

// Stage is the wall time and peak resident memory of one stage.
type Stage struct {
	Name   string
	Took   time.Duration
	PeakMB float64
}

// Outcome is what the year did, for the test to check.
type Outcome struct {
	Stages []Stage
	// issue and mid-year version
	Households, Excluded    int // households of the first version; excluded by the issue run
	Certificates            int // issued on the first version
	Added, Endorsements     int // certificates and endorsements of the mid-year version
	Cards, CardFiles        int
	CardBytes               int64
	Claims, Approved, Paid  int // ordinary claims
	Failed                  int // their bank failures
	ClaimBatch              *store.Batch
	Settlements, AutoClaims int
	Warnings                int
	Flooded, FloodApproved  int
	FloodReviewed           int // held for a review note first
	FloodBatch              *store.Batch
	Reconciliation          *subsidy.Reconciliation
	Months                  int
	Annual                  *report.Annual
}

// year is one county's year on one database.
type year struct {
	t    testing.TB
	db   *store.DB
	ctx  context.Context
	size Size
	dir  string
	out  io.Writer
	res  Outcome

	mark        time.Time // when the stage's last step ended
	steps       []string  // the stage's steps, as printed
	untimed     time.Duration
	first, mid  string // list files of 2024-01-01 and 2024-07-01
	firstID     int64  // the first list version
	agreementID int64
}

// runYear runs the year of size on db, printing a line for each stage to
// out.
func runYear(t testing.TB, db *store.DB, size Size, out io.Writer) *Outcome {
	y := &year{t: t, db: db, ctx: context.Background(), size: size, dir: t.TempDir(), out: out}
	y.lists()
	fmt.Fprintf(out, "县域全年：%s，%d 户，约 %d 人，普通理赔 %d 件，洪灾不少于 %d 户，医保结算 %d 条\n",
		db.Dialect, size.Households, size.Persons, size.Claims, size.Flooded, size.Settlements)
	if db.Dialect == store.MySQL {
		// A county's server keeps its working set in memory; one that
		// does not measures its disk instead (docs/performance.md).
		var pool int64
		y.check(db.Gorm(y.ctx).Raw("SELECT @@innodb_buffer_pool_size").Scan(&pool).Error, "buffer pool")
		fmt.Fprintf(out, "InnoDB 缓冲池 %d MB\n", pool>>20)
	}
	fmt.Fprintf(out, "阶段                    耗时   峰值内存\n")
	y.stage("1 名单导入", "2024-06-15", y.importList)
	y.stage("2 出单", "2024-06-15", y.issue)
	y.stage("3 明白卡", "2024-06-15", y.cards)
	y.stage("4 年中名单与批改", "2024-07-01", y.midYear)
	y.stage("5 普通理赔与付款", "2024-08-25", y.claims)
	y.stage("6 医保结算与预警", "2024-09-01", y.medical)
	y.stage("7 洪灾事件", "2024-09-13", y.flood)
	y.stage("8 对账与报表", "2025-01-10", y.yearEnd)
	var total time.Duration
	peak := 0.0
	for _, s := range y.res.Stages {
		total += s.Took
		peak = max(peak, s.PeakMB)
	}
	printStage(out, Stage{Name: "合计", Took: total, PeakMB: peak})
	return &y.res
}

// stage runs fn on the day given, timed and with the peak RSS reset first.
func (y *year) stage(name, day string, fn func()) {
	d := znb.MustDate(day).Time().Add(10 * time.Hour)
	y.db.Now = func() time.Time { return d }
	rss.ResetPeak()
	start := time.Now()
	y.mark = start
	y.untimed = 0
	fn()
	s := Stage{Name: name, Took: time.Since(start) - y.untimed, PeakMB: rss.PeakMB()}
	y.res.Stages = append(y.res.Stages, s)
	printStage(y.out, s)
	for _, l := range y.steps {
		fmt.Fprint(y.out, l)
	}
	y.steps = nil
}

// prepare runs fn, which makes a stage's input as people and systems
// outside the platform would (an account file, a settlement feed, a filled
// worksheet, a bank's return), outside the stage's time.
func (y *year) prepare(fn func()) {
	start := time.Now()
	fn()
	d := time.Since(start)
	y.untimed += d
	y.mark = y.mark.Add(d)
}

// step notes how long the stage's step that just ended took, printed
// under the stage's line.
func (y *year) step(name string) {
	now := time.Now()
	y.steps = append(y.steps, fmt.Sprintf("  · %s：%.1f s\n", name, now.Sub(y.mark).Seconds()))
	y.mark = now
}

// printStage prints a stage's line: its name padded to 20 columns (a
// Chinese character takes two), seconds and peak MB.
func printStage(out io.Writer, s Stage) {
	pad := 20
	for _, r := range s.Name {
		pad--
		if r > 0x2e80 {
			pad--
		}
	}
	fmt.Fprintf(out, "%s%s %8.1f s %7.0f MB\n", s.Name, strings.Repeat(" ", max(pad, 1)), s.Took.Seconds(), s.PeakMB)
}

func (y *year) check(err error, what string) {
	y.t.Helper()
	if err != nil {
		y.t.Fatalf("%s: %v", what, err)
	}
}

// lists writes the two list versions of the year from the generated list
// of the county: the first leaves out every hundredth household (the
// fiftieth of each hundred), which the mid-year version adds; the mid-year
// version records the first household of each hundred as moved out on
// 2024-06-30 and a death on 2024-06-20 in the twenty-fifth.
func (y *year) lists() {
	full, _ := storetest.CountyList(y.t, y.size.Households)
	in, err := os.Open(full)
	y.check(err, "list")
	defer in.Close()
	y.first, y.mid = filepath.Join(y.dir, "list-2024-01.csv"), filepath.Join(y.dir, "list-2024-07.csv")
	files := make([]*os.File, 2)
	ws := make([]*bufio.Writer, 2)
	for i, p := range []string{y.first, y.mid} {
		files[i], err = os.Create(p)
		y.check(err, "list")
		ws[i] = bufio.NewWriterSize(files[i], 1<<20)
	}
	s := bufio.NewScanner(in)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	s.Scan()
	col := map[string]int{}
	for i, h := range strings.Split(s.Text(), ",") {
		col[h] = i
	}
	for _, w := range ws {
		w.WriteString(s.Text() + "\n")
	}
	household, n, died := "", -1, false
	for s.Scan() {
		f := strings.Split(s.Text(), ",")
		if f[0] != household {
			household, n, died = f[0], n+1, false
			y.res.Households += boolInt(n%100 != 50)
		}
		line := s.Text() + "\n"
		switch n % 100 {
		case 50: // added mid-year
			ws[1].WriteString(line)
			continue
		case 0: // moved out of the county on 2024-06-30
			ws[0].WriteString(line)
			if f[col["成员状态"]] == "正常" {
				f[col["成员状态"]], f[col["状态变更日期"]] = "迁出", "2024-06-30"
				line = strings.Join(f, ",") + "\n"
			}
			ws[1].WriteString(line)
		case 25:
			ws[0].WriteString(line)
			if !died && f[col["与户主关系"]] != "户主" && f[col["成员状态"]] == "正常" {
				f[col["成员状态"]], f[col["状态变更日期"]], died = "死亡", "2024-06-20", true
				line = strings.Join(f, ",") + "\n"
			}
			ws[1].WriteString(line)
		default:
			ws[0].WriteString(line)
			ws[1].WriteString(line)
		}
	}
	y.check(s.Err(), "list")
	for i := range ws {
		y.check(ws[i].Flush(), "list")
		y.check(files[i].Close(), "list")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (y *year) importList() {
	l, err := y.db.ImportList(y.ctx, office, storetest.File(y.t, y.first),
		store.ImportOptions{County: county, Effective: znb.MustDate("2024-01-01")})
	y.check(err, "import")
	y.firstID = l.List.ID
}

// issue creates and activates the agreement (防贫保 by household, every
// category) and issues it over the first list.
func (y *year) issue() {
	a := storetest.ActiveAgreement(y.t, y.db, office, storetest.AgreementSpec{No: "ZY-2024-COUNTY", County: county, Product: "fpb-household",
		Categories: []znb.Category{znb.Lifted, znb.NotLifted, znb.Returned, znb.UnstableLifted, znb.Marginal, znb.SuddenHardship}})
	y.agreementID = a.ID
	y.step("建立并生效协议")
	res, err := y.db.Issue(y.ctx, znb.System, a.ID, y.firstID, store.IssueOptions{})
	y.check(err, "issue")
	y.res.Certificates = res.Certificates
	for _, e := range res.Excluded {
		y.res.Excluded += boolInt(e.IDNumber == "")
	}
	y.step(fmt.Sprintf("出单 %d 户、%d 人", res.Certificates, res.Persons))
}

// cards prints every household's card, one PDF a village, villages side
// by side as `zhunongbao cards` prints them, each file removed once
// written and counted.
func (y *year) cards() {
	font, err := card.FindFont(os.Getenv("ZNB_PDF_FONT"))
	y.check(err, "font")
	r, err := card.NewRenderer(font)
	y.check(err, "renderer")
	p := &card.Printer{Source: y.db, Renderer: r, Secret: []byte("county year"), BaseURL: "https://znb.example.cn"}
	villages, err := y.db.CertificateVillages(y.ctx, y.agreementID)
	y.check(err, "villages")
	var mu sync.Mutex
	err = card.PrintAll(y.ctx, len(villages), func(ctx context.Context, i int) error {
		v := villages[i]
		path := filepath.Join(y.dir, card.VillageFileName(v.RegionCode, v.Name))
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer os.Remove(path)
		w := bufio.NewWriterSize(f, 1<<20)
		n := 0
		err = p.Village(ctx, w, znb.System, y.agreementID, v.RegionCode, func() { n++ })
		if err == nil {
			err = w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("cards of %s: %w", v.Name, err)
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		y.res.Cards += n
		y.res.CardFiles++
		y.res.CardBytes += st.Size()
		return nil
	})
	y.check(err, "cards")
	y.step(fmt.Sprintf("%d 张，%d 个村的文件，共 %.0f MB", y.res.Cards, y.res.CardFiles, float64(y.res.CardBytes)/(1<<20)))
}

// midYear imports the list of 2024-07-01 and applies it to the agreement
// as endorsements (and certificates for the households it adds).
func (y *year) midYear() {
	l, err := y.db.ImportList(y.ctx, office, storetest.File(y.t, y.mid),
		store.ImportOptions{County: county, Effective: znb.MustDate("2024-07-01")})
	y.check(err, "mid-year import")
	y.step("导入")
	res, err := y.db.Issue(y.ctx, znb.System, y.agreementID, l.List.ID, store.IssueOptions{})
	y.check(err, "endorse")
	y.step(fmt.Sprintf("新增 %d 户、批改 %d 次", res.Certificates, res.Endorsements))
	y.res.Added, y.res.Endorsements = res.Certificates, res.Endorsements
}

// target is a household an ordinary claim is reported for, with the
// member an accident or hospitalization claim is about.
type target struct {
	certificate, member string
}

// households reads the agreement's certificates in force: the bank account
// of each household, and the claim targets among them, households with a
// member covered since the day on (a loss within 30 days of the cover's
// start is a risk signal that needs a second approver's review).
func (y *year) households(on znb.Date) ([]disaster.Household, []target) {
	var hs []disaster.Household
	var ts []target
	err := y.db.EachCertificate(y.ctx, y.agreementID, "", func(c *policy.Certificate) error {
		if c.Cancelled() || len(c.Members) == 0 {
			return nil
		}
		head, member := c.Members[0].Name, ""
		for _, m := range c.Members {
			if m.Relation == "户主" {
				head = m.Name
			}
			if member == "" && !m.Cover.Start.After(on) && !m.Cover.End.Before(znb.MustDate("2024-12-31")) {
				member = m.IDNumber
			}
		}
		hs = append(hs, disaster.Household{HouseholdNo: c.HouseholdNo, Head: head, CertificateNo: c.No})
		if member != "" {
			ts = append(ts, target{c.No, member})
		}
		return nil
	})
	y.check(err, "certificates")
	return hs, ts
}

// claims loads every household's bank account, then reports, assesses and
// approves the ordinary claims (eight at a time, as the insurer's staff
// would through the API), builds their payment batch, writes its bank file
// and loads the bank's return, which fails one in a hundred.
func (y *year) claims() {
	today := znb.Clock(y.db.Now).Today()
	var hs []disaster.Household
	var ts []target
	accounts := filepath.Join(y.dir, "accounts.csv")
	y.prepare(func() {
		hs, ts = y.households(znb.MustDate("2024-05-31"))
		storetest.WriteAccounts(y.t, accounts, hs)
	})
	_, err := y.db.LoadAccounts(y.ctx, office, county, storetest.File(y.t, accounts))
	y.check(err, "accounts")
	y.step(fmt.Sprintf("银行账户 %d 户", len(hs)))

	n := y.size.Claims
	if n > len(ts) {
		y.t.Fatalf("%d claims for %d households", n, len(ts))
	}
	step := len(ts) / n
	jobs := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := y.claim(i, ts[i*step]); err != nil {
					errs <- err
					for range jobs {
					}
					return
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	y.check(<-errs, "claims")
	y.res.Claims, y.res.Approved = n, n
	y.step(fmt.Sprintf("报案、理算、核赔 %d 件", n))

	b, err := y.db.BuildBatch(y.ctx, clerk, disaster.BatchQuery{From: today, To: today}, nil)
	y.check(err, "claim batch")
	b = y.bankFile(b.ID, "claims")
	y.step("付款批次与银行文件")
	ret := filepath.Join(y.dir, "return.csv")
	y.prepare(func() { writeReturn(y.t, ret, b.Items) })
	b, err = y.db.LoadReturn(y.ctx, clerk, b.ID, storetest.File(y.t, ret))
	y.check(err, "return")
	y.res.ClaimBatch = b
	y.res.Paid, y.res.Failed = b.Totals.SuccessCount, b.Totals.FailureCount
	y.step("回盘")
}

// writeReturn writes the bank's return file of a batch: every hundredth
// item failed (账户冻结), the others paid.
func writeReturn(t testing.TB, path string, items []disaster.Item) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("序号,摘要,状态,失败原因\n")
	for _, it := range items {
		if it.Seq%100 == 0 {
			fmt.Fprintf(w, "%d,%s,失败,账户冻结\n", it.Seq, it.ClaimNo)
		} else {
			fmt.Fprintf(w, "%d,%s,成功,\n", it.Seq, it.ClaimNo)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// claim takes ordinary claim i of the year from report to approval: the
// line cycles over the four, the incident over July and August.
func (y *year) claim(i int, t target) error {
	line := znb.Lines[i%len(znb.Lines)]
	incident := znb.MustDate("2024-07-02").AddDays(i % 50)
	r := store.ClaimReport{CertificateNo: t.certificate, Line: line, IncidentDate: incident, ReportedOn: incident, Description: "县域全年基准"}
	var facts claim.Facts
	amount := decimal.NewFromInt(int64(1000 + (i*37)%4000))
	switch line {
	case znb.Agriculture:
		r.Cause = "疫病"
		facts = claim.AgricultureAssessment{Items: []claim.AgricultureItem{{Kind: "livestock", Subject: "猪", Quantity: decimal.NewFromInt(1), AssessedLoss: amount}}}
	case znb.Accident:
		r.Cause, r.MemberIDNumber = "意外伤害", t.member
		facts = claim.AccidentAssessment{Outcome: claim.Disability, Injuries: []claim.Injury{{Grade: 9 + i%2}}}
	case znb.Hospitalization:
		r.Cause, r.MemberIDNumber = "意外伤害", t.member
		facts = claim.HospitalizationAssessment{MedicalExpense: amount.Add(amount), BasicInsurancePaid: amount}
	case znb.Property:
		r.Cause = "火灾"
		facts = claim.PropertyAssessment{StructureLoss: amount}
	}
	c, err := y.db.ReportClaim(y.ctx, clerk, r)
	if err != nil {
		return fmt.Errorf("report %d (%s): %w", i, line, err)
	}
	a, err := y.db.AssessClaim(y.ctx, adjuster, c.No, facts, "")
	if err != nil {
		return fmt.Errorf("assess %s: %w", c.No, err)
	}
	// A county's summer brings clusters (five losses of a line in a village
	// within three days): a signalled claim gets a second approver's note,
	// as the console's users would write it.
	if len(a.Signals) > 0 {
		if _, err := y.db.ReviewClaim(y.ctx, reviewer, c.No, "已复核：逐户核实"); err != nil {
			return fmt.Errorf("review %s: %w", c.No, err)
		}
	}
	if _, err := y.db.ApproveClaim(y.ctx, approver, c.No, ""); err != nil {
		return fmt.Errorf("approve %s: %w", c.No, err)
	}
	return nil
}

// bankFile writes the bank file of batch id as `zhunongbao batch export`
// does and returns the batch.
func (y *year) bankFile(id int64, name string) *store.Batch {
	b, err := y.db.BankFile(y.ctx, clerk, id)
	y.check(err, "bank file")
	y.writeXLSX(name+"-bank.xlsx", func(w sheet.Writer) error { return disaster.WriteBankFile(w, b.No, b.Items) })
	return b
}

// writeXLSX writes a workbook into the year's folder.
func (y *year) writeXLSX(name string, write func(w sheet.Writer) error) {
	f, err := os.Create(filepath.Join(y.dir, name))
	y.check(err, name)
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := sheet.NewWriter(bw, "xlsx")
	y.check(err, name)
	y.check(write(w), name)
	y.check(bw.Flush(), name)
}

// medical loads a settlement feed of the year's first half (one row a
// person) with its automatic illness claims, then evaluates the county's
// warnings.
func (y *year) medical() {
	path := filepath.Join(y.dir, "settlements.csv")
	y.prepare(func() { storetest.WriteSettlements(y.t, y.first, path, y.size.Settlements) })
	res, err := y.db.ImportSettlements(y.ctx, office, storetest.File(y.t, path))
	y.check(err, "settlements")
	y.res.Settlements, y.res.AutoClaims = res.Loaded, len(res.Opened)
	y.step(fmt.Sprintf("医保结算 %d 条，自动立案 %d 件", res.Loaded, len(res.Opened)))
	y.res.Warnings, err = y.db.EvaluateWarnings(y.ctx, county)
	y.check(err, "warnings")
	y.step("预警核查")
}

// flood declares a flood over the first townships that together hold the
// flooded households, writes each township's worksheet, loads one filled
// sheet with a house loss for every household, approves village by village
// and writes the batch's bank file.
func (y *year) flood() {
	var towns []struct {
		Town       string
		Households int
	}
	var err error
	y.prepare(func() {
		err = y.db.Gorm(y.ctx).Raw(`SELECT SUBSTR(region_code, 1, 9) AS town, COUNT(*) AS households FROM certificates
		WHERE agreement_id = ? AND status <> ? GROUP BY SUBSTR(region_code, 1, 9) ORDER BY 1`, y.agreementID, string(policy.CertCancelled)).Scan(&towns).Error
	})
	y.check(err, "townships")
	var regions []string
	for held := 0; held < y.size.Flooded && len(regions) < len(towns); {
		regions = append(regions, towns[len(regions)].Town)
		held += towns[len(regions)-1].Households
	}
	e, err := y.db.DeclareEvent(y.ctx, office, disaster.Declaration{Name: "县域全年洪灾", Cause: "自然灾害",
		First: znb.MustDate("2024-09-10"), Last: znb.MustDate("2024-09-12"), Regions: regions})
	y.check(err, "declare")
	var hs []disaster.Household
	for _, tw := range regions {
		ev, part, err := y.db.WorksheetHouseholds(y.ctx, adjuster, e.ID, tw)
		y.check(err, "worksheet")
		y.writeXLSX("worksheet-"+tw+".xlsx", func(w sheet.Writer) error { return disaster.WriteWorksheet(w, ev, part) })
		hs = append(hs, part...)
	}
	y.step(fmt.Sprintf("宣布事件与 %d 个乡镇的定损表", len(regions)))
	sheetPath := filepath.Join(y.dir, "flood-filled.csv")
	y.prepare(func() { storetest.WriteLossSheet(y.t, sheetPath, hs) })
	load, err := y.db.LoadWorksheet(y.ctx, adjuster, e.ID, storetest.File(y.t, sheetPath), nil)
	y.check(err, "load worksheet")
	y.res.Flooded = len(load.Claims)
	y.step(fmt.Sprintf("上传定损表 %d 户", len(hs)))
	var villages []string
	for i, h := range hs {
		if i == 0 || h.RegionCode != hs[i-1].RegionCode {
			villages = append(villages, h.RegionCode)
		}
	}
	for _, v := range villages {
		y.approveVillage(e.ID, v)
	}
	y.step(fmt.Sprintf("按村核赔 %d 个村（其中 %d 案先复核）", len(villages), y.res.FloodReviewed))
	b, err := y.db.BuildBatch(y.ctx, clerk, disaster.BatchQuery{EventID: e.ID}, nil)
	y.check(err, "flood batch")
	y.res.FloodBatch = y.bankFile(b.ID, "flood")
	y.step("付款批次与银行文件")
}

// approveVillage approves the event's claims of a village; the claims it
// holds for their risk signals get the second approver's review note and
// the village is approved again, as the console's users do.
func (y *year) approveVillage(event int64, village string) {
	for round := 0; round < 2; round++ {
		res, err := y.db.ApproveArea(y.ctx, approver, event, village, "")
		y.check(err, "approve "+village)
		y.res.FloodApproved += len(res.Approved)
		if len(res.Refused) == 0 {
			return
		}
		for _, r := range res.Refused {
			if round > 0 || r.Code != "review_required" {
				y.t.Fatalf("approve %s: %s refused: %s %s", village, r.ClaimNo, r.Code, r.Message)
			}
			_, err := y.db.ReviewClaim(y.ctx, reviewer, r.ClaimNo, "已复核：洪灾统一查勘定损")
			y.check(err, "review "+r.ClaimNo)
			y.res.FloodReviewed++
		}
	}
}

// yearEnd reconciles the premium subsidy of the year against the list in
// force at its end (the bill computed from the certificates), then draws up
// the county's twelve monthly reports and the agreement's annual one, each
// written as `zhunongbao report` writes it.
func (y *year) yearEnd() {
	rec, err := y.db.Reconcile(y.ctx, office, store.ReconcileOptions{AgreementID: y.agreementID, AsOf: znb.MustDate("2024-12-31")})
	y.check(err, "reconcile")
	y.res.Reconciliation = rec
	y.step("对账")
	for m := 1; m <= 12; m++ {
		p, err := report.ParseMonth(fmt.Sprintf("2024-%02d", m))
		y.check(err, "month")
		r, err := y.db.MonthlyReport(y.ctx, znb.System, county, p)
		y.check(err, "monthly report")
		y.writeXLSX(fmt.Sprintf("monthly-2024-%02d.xlsx", m), func(w sheet.Writer) error { return report.WriteMonthly(w, r, county, p) })
		y.res.Months++
	}
	y.step("12 个月报")
	a, err := y.db.AnnualReport(y.ctx, znb.System, y.agreementID)
	y.check(err, "annual report")
	y.writeXLSX("annual.xlsx", func(w sheet.Writer) error { return report.WriteAnnual(w, a) })
	font, err := card.FindFont(os.Getenv("ZNB_PDF_FONT"))
	y.check(err, "font")
	r, err := card.NewRenderer(font)
	y.check(err, "renderer")
	f, err := os.Create(filepath.Join(y.dir, "annual.pdf"))
	y.check(err, "annual pdf")
	defer f.Close()
	y.check(r.WriteEvaluation(f, rest.EvaluationOf(a, znb.Clock(y.db.Now).Today())), "annual pdf")
	y.res.Annual = a
	y.step("年报（工作簿与 PDF）")
}
