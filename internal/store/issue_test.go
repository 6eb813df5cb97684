package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

const issueCounty = "522625"

var (
	issuer    = znb.Actor{Username: "issuer-picc", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	ixStart   = znb.MustDate("2024-01-01")
	ixEnd     = znb.MustDate("2024-12-31")
	perPerson = money.MustParse("60.00")
	eff1      = znb.MustDate("2024-01-01")
	eff2      = znb.MustDate("2024-06-01")
)

// issueAgreementYAML is the example agreement for the test county; it leaves out
// sudden_hardship, so such households are excluded besides the two
// categories not covered by default.
func issueAgreementYAML(no string) []byte {
	return storetest.AgreementYAML(storetest.AgreementSpec{No: no, County: issueCounty,
		Categories: []znb.Category{znb.Lifted, znb.NotLifted, znb.Returned, znb.UnstableLifted, znb.Marginal}})
}

// splitPcts is the split of the agreement above, written out again for the test.
func splitPcts(c znb.Category) []int64 {
	if c == znb.Marginal {
		return []int64{0, 30, 20, 20, 30}
	}
	return []int64{50, 20, 15, 15, 0}
}

// listFile is a list read back as rows, so tests can edit and rewrite it.
type listFile struct {
	header []string
	col    map[string]int
	rows   [][]string
}

func readListFile(t testing.TB, path string) *listFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	f := &listFile{header: recs[0], col: map[string]int{}, rows: recs[1:]}
	for i, h := range f.header {
		f.col[h] = i
	}
	return f
}

func (f *listFile) get(r []string, h string) string { return r[f.col[h]] }
func (f *listFile) set(r []string, h, v string)     { r[f.col[h]] = v }

func (f *listFile) write(t testing.TB, path string) {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(f.header)
	w.WriteAll(f.rows)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cover is what the test expects of one member cover.
type wantCover struct {
	start, end znb.Date
	premium    decimal.Decimal
}

// expectation is what the test computes from the list rows alone.
type expectation struct {
	certs    map[string]map[string]wantCover // household_no → id_number → cover
	cats     map[string]znb.Category
	excluded map[string]string // household_no → reason (household-level)
	persons  int
	premium  decimal.Decimal
}

func prorate(start, end znb.Date) decimal.Decimal {
	return money.ProRate(perPerson, znb.DaysInclusive(start, end), znb.DaysInclusive(ixStart, ixEnd))
}

// expectFirst applies the issuing rules by hand to the rows of a first list effective eff1.
func expectFirst(f *listFile) *expectation {
	covered := map[znb.Category]bool{znb.Lifted: true, znb.NotLifted: true, znb.Returned: true, znb.UnstableLifted: true, znb.Marginal: true}
	x := &expectation{certs: map[string]map[string]wantCover{}, cats: map[string]znb.Category{}, excluded: map[string]string{}, premium: decimal.Zero}
	for _, r := range f.rows {
		no := f.get(r, "户编号")
		cat, _ := znb.ParseCategory(f.get(r, "户类型"))
		x.cats[no] = cat
		if !covered[cat] {
			x.excluded[no] = policy.ReasonCategoryNotCovered
			continue
		}
		if x.certs[no] == nil {
			x.certs[no] = map[string]wantCover{}
		}
		start, end := znb.MaxDate(ixStart, eff1), ixEnd
		if st, _ := registry.ParseStatus(f.get(r, "成员状态")); st.Gone() {
			end = znb.MinDate(end, znb.MustDate(f.get(r, "状态变更日期")))
		}
		if end.Before(start) {
			continue
		}
		p := prorate(start, end)
		x.certs[no][f.get(r, "身份证号")] = wantCover{start, end, p}
		x.persons++
		x.premium = x.premium.Add(p)
	}
	for no, ms := range x.certs {
		if len(ms) == 0 {
			delete(x.certs, no)
			x.excluded[no] = policy.ReasonNoLivingMember
		}
	}
	return x
}

func (x *expectation) total() decimal.Decimal {
	t := decimal.Zero
	for _, ms := range x.certs {
		for _, c := range ms {
			t = t.Add(c.premium)
		}
	}
	return t
}

// fixture is an agreement with its first list imported.
type fixture struct {
	agreementID int64
	list1       int64
	file1       *listFile
	dir         string
}

func setupIssue(t *testing.T, db *store.DB, households int) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := db.SeedProducts(ctx, filepath.Join("..", "..", "configs", "products")); err != nil {
		t.Fatal(err)
	}
	a, err := db.CreateAgreement(ctx, office, issueAgreementYAML("ZY-2024-001"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ActivateAgreement(ctx, office, a.ID); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "v1.csv")
	var buf bytes.Buffer
	storetest.Generate(t, &buf, issueCounty, households, 7, znb.DateOf(storetest.Now))
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	imp, err := db.ImportList(ctx, office, storetest.File(t, path), store.ImportOptions{County: issueCounty, Effective: eff1})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{agreementID: a.ID, list1: imp.List.ID, file1: readListFile(t, path), dir: dir}
}

// snapshot is every certificate of an agreement in a comparable form. It
// checks that each stored premium is the sum of the certificate's covers.
func snapshot(t *testing.T, db *store.DB, agreementID int64) map[string]*policy.Certificate {
	t.Helper()
	out := map[string]*policy.Certificate{}
	err := db.EachCertificate(context.Background(), agreementID, "", func(c *policy.Certificate) error {
		if out[c.HouseholdNo] != nil {
			return fmt.Errorf("household %s has two certificates", c.HouseholdNo)
		}
		cp := *c
		out[c.HouseholdNo] = &cp
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var stored []struct {
		HouseholdNo string
		Premium     decimal.Decimal
	}
	err = db.Gorm(context.Background()).Raw("SELECT household_no, premium FROM certificates WHERE agreement_id = ?", agreementID).Scan(&stored).Error
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range stored {
		if c := out[r.HouseholdNo]; c == nil || !c.Premium().Equal(r.Premium) {
			t.Errorf("household %s: stored premium %s, covers add to %s", r.HouseholdNo, r.Premium, c.Premium())
		}
	}
	return out
}

// checkCerts compares the stored certificates with the expectation.
func checkCerts(t *testing.T, got map[string]*policy.Certificate, x *expectation, cancelled map[string]znb.Date) {
	t.Helper()
	if len(got) != len(x.certs)+len(cancelled) {
		t.Errorf("certificates: got %d, want %d live + %d cancelled", len(got), len(x.certs), len(cancelled))
	}
	for no, want := range x.certs {
		c := got[no]
		if c == nil {
			t.Errorf("household %s: no certificate", no)
			continue
		}
		if c.Status != policy.CertActive {
			t.Errorf("household %s: status %s", no, c.Status)
		}
		checkMembers(t, c, want)
	}
	for no, from := range cancelled {
		c := got[no]
		if c == nil || c.Status != policy.CertCancelled || c.CancelledFrom != from {
			t.Errorf("household %s: want cancelled from %s, got %+v", no, from, c)
		}
	}
}

func checkMembers(t *testing.T, c *policy.Certificate, want map[string]wantCover) {
	t.Helper()
	got := map[string]wantCover{}
	sum := decimal.Zero
	for _, m := range c.Members {
		if _, dup := got[m.IDNumber]; dup {
			t.Errorf("%s: member %s twice", c.No, m.IDNumber)
		}
		got[m.IDNumber] = wantCover{m.Cover.Start, m.Cover.End, m.Premium}
		sum = sum.Add(m.Premium)
	}
	if len(got) != len(want) {
		t.Errorf("%s (%s): %d members, want %d", c.No, c.HouseholdNo, len(got), len(want))
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok || g.start != w.start || g.end != w.end || !g.premium.Equal(w.premium) {
			t.Errorf("%s member %s: got %v %v %s, want %v %v %s", c.No, id, g.start, g.end, g.premium, w.start, w.end, w.premium)
		}
	}
	if !c.Premium().Equal(sum) {
		t.Errorf("%s: premium %s, members add to %s", c.No, c.Premium(), sum)
	}
	// The split: each share rounded half-up, the last non-zero source
	// takes the rest, so the shares add to the premium exactly.
	ps := splitPcts(c.Category)
	last := 0
	for i, p := range ps {
		if p != 0 {
			last = i
		}
	}
	rest := c.Premium()
	for i, p := range ps {
		want := c.Premium().Mul(decimal.NewFromInt(p)).Div(decimal.NewFromInt(100)).Round(2)
		if i == last {
			want = rest
		}
		rest = rest.Sub(want)
		if !c.Shares[i].Equal(want) {
			t.Errorf("%s (%s %s): share %d = %s, want %s", c.No, c.Category, c.Premium(), i, c.Shares[i], want)
		}
	}
}

func TestIssueEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setupIssue(t, db, 120)
		x1 := expectFirst(fx.file1)
		if len(x1.certs) < 60 || len(x1.excluded) == 0 {
			t.Fatalf("generated list too uniform: %d eligible, %d excluded", len(x1.certs), len(x1.excluded))
		}
		master := "ZNB" + issueCounty + "2024001"
		var snap1, snap2 map[string]*policy.Certificate
		var v2 *version2

		ok := t.Run("FirstIssue", func(t *testing.T) {
			var progress []int
			res, err := db.Issue(ctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 17,
				Progress: func(done, total int) { progress = append(progress, done) }})
			if err != nil {
				t.Fatal(err)
			}
			if res.MasterPolicyNo != master || res.Certificates != len(x1.certs) || res.Persons != x1.persons ||
				!res.Premium.Equal(x1.premium) || res.Endorsements != 0 {
				t.Fatalf("first issue: got %s %d certs %d persons %s premium %d endorsements; want %s %d %d %s 0",
					res.MasterPolicyNo, res.Certificates, res.Persons, res.Premium, res.Endorsements, master, len(x1.certs), x1.persons, x1.premium)
			}
			if len(progress) != (120+16)/17 || progress[len(progress)-1] != 120 {
				t.Errorf("progress calls %v", progress)
			}
			gotEx := map[string]string{}
			for _, e := range res.Excluded {
				gotEx[e.HouseholdNo] = e.Reason
			}
			if fmt.Sprint(gotEx) != fmt.Sprint(x1.excluded) {
				t.Errorf("excluded: got %v, want %v", gotEx, x1.excluded)
			}
			snap1 = snapshot(t, db, fx.agreementID)
			checkCerts(t, snap1, x1, nil)
			// Numbers follow household order.
			var nos []string
			for no := range x1.certs {
				nos = append(nos, no)
			}
			sort.Strings(nos)
			for i, no := range nos {
				if want := policy.CertificateNo(master, i+1); snap1[no].No != want {
					t.Errorf("household %s: certificate %s, want %s", no, snap1[no].No, want)
				}
			}
		}) && t.Run("SecondRunWritesNothing", func(t *testing.T) {
			again, err := db.Issue(ctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if again.Certificates != 0 || again.Persons != 0 || !again.Premium.IsZero() || again.Endorsements != 0 || len(again.Excluded) != 0 {
				t.Errorf("second run wrote %+v", again)
			}
		}) && t.Run("NewerListEndorses", func(t *testing.T) {
			v2 = makeVersion2(t, db, fx, x1)
			died, moved, removed, dropped, joined, newHH := v2.died, v2.moved, v2.removed, v2.dropped, v2.joined, v2.newHH
			// Expected after v2: the issuing rules applied by hand.
			x2 := &expectation{certs: map[string]map[string]wantCover{}}
			for no, ms := range x1.certs {
				x2.certs[no] = map[string]wantCover{}
				for id, c := range ms {
					x2.certs[no][id] = c
				}
			}
			shorten := func(no, id string, end znb.Date) {
				c := x2.certs[no][id]
				c.end = end
				c.premium = prorate(c.start, end)
				x2.certs[no][id] = c
			}
			shorten(died, v2.diedID, znb.MustDate("2024-04-10"))
			shorten(moved, v2.movedID, znb.MustDate("2024-05-31"))
			shorten(dropped, v2.droppedID, eff2.AddDays(-1))
			x2.certs[joined][idn(issueCounty, 901)] = wantCover{eff2, ixEnd, prorate(eff2, ixEnd)}
			x2.certs[newHH] = map[string]wantCover{
				idn(issueCounty, 902): {eff2, ixEnd, prorate(eff2, ixEnd)},
				idn(issueCounty, 903): {eff2, ixEnd, prorate(eff2, ixEnd)},
			}
			cancelledCovers := map[string]wantCover{}
			for id, c := range x1.certs[removed] {
				cancelledCovers[id] = wantCover{c.start, eff2.AddDays(-1), prorate(c.start, eff2.AddDays(-1))}
			}
			delete(x2.certs, removed)
			wantDelta := x2.total().Add(money.Sum(func() []decimal.Decimal {
				var ps []decimal.Decimal
				for _, c := range cancelledCovers {
					ps = append(ps, c.premium)
				}
				return ps
			}()...)).Sub(x1.total())
			res2, err := db.Issue(ctx, issuer, fx.agreementID, v2.listID, store.IssueOptions{Chunk: 13})
			if err != nil {
				t.Fatal(err)
			}
			if res2.Certificates != 1 || res2.Persons != 3 || res2.Endorsements != 6 || !res2.Premium.Equal(wantDelta) {
				t.Errorf("endorse run: got %d certs %d persons %d endorsements %s; want 1 3 6 %s",
					res2.Certificates, res2.Persons, res2.Endorsements, res2.Premium, wantDelta)
			}
			snap2 = snapshot(t, db, fx.agreementID)
			checkCerts(t, snap2, x2, map[string]znb.Date{removed: eff2})
			checkMembers(t, snap2[removed], cancelledCovers)
			if want := policy.CertificateNo(master, len(x1.certs)+1); snap2[newHH] == nil || snap2[newHH].No != want {
				t.Errorf("new household's certificate: %+v, want number %s", snap2[newHH], want)
			}
			history := map[string]string{died: "member_removed 2024-04-10", moved: "member_removed 2024-05-31",
				dropped: "member_removed 2024-06-01", joined: "member_added 2024-06-01",
				removed: "certificate_cancelled 2024-06-01", newHH: "household_added 2024-06-01"}
			total := decimal.Zero
			for no, c := range snap2 {
				var es []string
				deltas := decimal.Zero
				for _, e := range c.Endorsements {
					es = append(es, string(e.Type)+" "+e.Effective.String())
					deltas = deltas.Add(e.PremiumDelta)
				}
				if strings.Join(es, ",") != history[no] {
					t.Errorf("household %s: history %v, want %q", no, es, history[no])
				}
				issued := snap1[no]
				base := decimal.Zero
				if issued != nil {
					base = issued.Premium()
				}
				if !base.Add(deltas).Equal(c.Premium()) {
					t.Errorf("household %s: issued %s + deltas %s != premium %s", no, base, deltas, c.Premium())
				}
				total = total.Add(c.Premium())
			}
			if want := x1.total().Add(wantDelta); !total.Equal(want) {
				t.Errorf("premium total %s, want %s", total, want)
			}
		})
		if !ok {
			return
		}
		t.Run("LookUps", func(t *testing.T) {
			died, diedID := v2.died, v2.diedID
			cs, err := db.FindCertificates(ctx, office, "", diedID)
			if err != nil || len(cs) != 1 || cs[0].HouseholdNo != died {
				t.Errorf("by id number: %v %v", cs, err)
			}
			if cs, _ := db.FindCertificates(ctx, znb.Actor{Role: znb.Office, Scope: "522626", Username: "o2"}, died, ""); len(cs) != 0 {
				t.Errorf("another county sees %d certificates", len(cs))
			}
			if _, err := db.GetCertificate(ctx, znb.Actor{Role: znb.InsurerClerk, Scope: "OTHER"}, snap2[died].No); znb.CodeOf(err) != "not_found" {
				t.Errorf("other insurer: %v", err)
			}
			hits, err := db.CoveringCertificates(ctx, diedID, znb.MustDate("2024-04-11"), znb.MustDate("2024-12-31"))
			if err != nil || len(hits) != 0 {
				t.Errorf("cover after death: %v %v", hits, err)
			}
			hits, _ = db.CoveringCertificates(ctx, diedID, znb.MustDate("2024-04-10"), znb.MustDate("2024-04-10"))
			if len(hits) != 1 || hits[0].CertificateNo != snap2[died].No {
				t.Errorf("cover on the day of death: %v", hits)
			}
			if broken, _, err := db.VerifyAudit(ctx); broken != 0 || err != nil {
				t.Errorf("audit chain broken at %d: %v", broken, err)
			}
		})
	})
}

// version2 is a second list version made by editing the first list's rows
// (effective eff2): a member dies, another moves out, a household leaves
// the list, a member is dropped from it, a grandchild joins and a new
// household of two arrives.
type version2 struct {
	listID                                       int64
	died, moved, removed, dropped, joined, newHH string // household numbers
	diedID, movedID, droppedID                   string
}

func makeVersion2(t *testing.T, db *store.DB, fx *fixture, x1 *expectation) *version2 {
	t.Helper()
	ctx := context.Background()
	f2 := &listFile{header: fx.file1.header, col: fx.file1.col}
	pick := pickHouseholds(fx.file1, x1, 5)
	died, moved, removed, dropped, joined := pick[0], pick[1], pick[2], pick[3], pick[4]
	var diedID, movedID, droppedID string
	var region string
	for _, r := range fx.file1.rows {
		r = append([]string(nil), r...)
		no, rel := f2.get(r, "户编号"), f2.get(r, "与户主关系")
		switch {
		case no == removed:
			continue
		case no == died && rel != registry.Head && diedID == "":
			diedID = f2.get(r, "身份证号")
			f2.set(r, "成员状态", "死亡")
			f2.set(r, "状态变更日期", "2024-04-10")
		case no == moved && rel != registry.Head && movedID == "":
			movedID = f2.get(r, "身份证号")
			f2.set(r, "成员状态", "迁出")
			f2.set(r, "状态变更日期", "2024-05-31")
		case no == dropped && rel != registry.Head && droppedID == "":
			droppedID = f2.get(r, "身份证号")
			continue
		}
		region = f2.get(r, "行政区划代码")
		f2.rows = append(f2.rows, r)
		if no == joined && rel == registry.Head {
			n := append([]string(nil), r...)
			f2.set(n, "姓名", "新成员")
			f2.set(n, "身份证号", idn(issueCounty, 901))
			f2.set(n, "与户主关系", "孙子")
			f2.rows = append(f2.rows, n)
		}
	}
	newHH := "NEW0000001"
	for i, rel := range []string{registry.Head, "配偶"} {
		r := make([]string, len(f2.header))
		f2.set(r, "户编号", newHH)
		f2.set(r, "行政区划代码", region)
		f2.set(r, "户类型", "已脱贫户")
		f2.set(r, "姓名", []string{"新户主", "新配偶"}[i])
		f2.set(r, "身份证号", idn(issueCounty, 902+i))
		f2.set(r, "与户主关系", rel)
		f2.set(r, "成员状态", "正常")
		f2.rows = append(f2.rows, r)
	}
	p2 := filepath.Join(fx.dir, "v2.csv")
	f2.write(t, p2)
	imp, err := db.ImportList(ctx, office, storetest.File(t, p2), store.ImportOptions{County: issueCounty, Effective: eff2})
	if err != nil {
		t.Fatalf("import v2: %v %+v", err, znb.ErrorOf(err).Details)
	}
	return &version2{listID: imp.List.ID, died: died, moved: moved, removed: removed, dropped: dropped,
		joined: joined, newHH: newHH, diedID: diedID, movedID: movedID, droppedID: droppedID}
}

// pickHouseholds chooses n certificate households with at least two
// members all living and listed, in household order.
func pickHouseholds(f *listFile, x *expectation, n int) []string {
	ok := map[string]bool{}
	size := map[string]int{}
	for _, r := range f.rows {
		no := f.get(r, "户编号")
		if _, seen := ok[no]; !seen {
			ok[no] = x.certs[no] != nil
		}
		if st, _ := registry.ParseStatus(f.get(r, "成员状态")); st.Gone() {
			ok[no] = false
		}
		size[no]++
	}
	var out []string
	for no, good := range ok {
		if good && size[no] >= 2 {
			out = append(out, no)
		}
	}
	sort.Strings(out)
	return out[:n]
}

// tripCtx is cancelled after its Done channel has been asked for limit
// times: a deterministic interruption at an arbitrary point of the work,
// inside a transaction as often as between two.
type tripCtx struct {
	context.Context
	n, limit int64
	once     sync.Once
	done     chan struct{}
}

func newTripCtx(limit int64) *tripCtx {
	return &tripCtx{Context: context.Background(), limit: limit, done: make(chan struct{})}
}

func (c *tripCtx) Done() <-chan struct{} {
	if atomic.AddInt64(&c.n, 1) > c.limit {
		c.once.Do(func() { close(c.done) })
	}
	return c.done
}

func (c *tripCtx) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

func TestIssueResumes(t *testing.T) {
	// The reference: an uninterrupted run on its own database.
	ref := storetest.SQLite(t)
	rfx := setupIssue(t, ref, 90)
	if _, err := ref.Issue(context.Background(), issuer, rfx.agreementID, rfx.list1, store.IssueOptions{Chunk: 10}); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, ref, rfx.agreementID)

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setupIssue(t, db, 90)
		// Interrupt after a committed chunk, then at points inside chunks.
		ctx, cancel := context.WithCancel(context.Background())
		chunks := 0
		_, err := db.Issue(ctx, issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 10,
			Progress: func(int, int) {
				if chunks++; chunks == 2 {
					cancel()
				}
			}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		interrupted := 1
		for _, limit := range []int64{40, 75, 130, 220} {
			_, err := db.Issue(newTripCtx(limit), issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 7})
			if err == nil {
				break
			}
			if znb.CodeOf(err) != "internal" && !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted at %d: %v", limit, err)
			}
			interrupted++
		}
		if interrupted < 3 {
			t.Errorf("only %d interruptions happened", interrupted)
		}
		if _, err := db.Issue(context.Background(), issuer, fx.agreementID, fx.list1, store.IssueOptions{Chunk: 13}); err != nil {
			t.Fatal(err)
		}
		got := snapshot(t, db, fx.agreementID)
		if len(got) != len(want) {
			t.Fatalf("resumed run made %d certificates, a clean run %d", len(got), len(want))
		}
		for no, w := range want {
			g := got[no]
			if g == nil {
				t.Errorf("household %s: no certificate after resuming", no)
				continue
			}
			if g.No != w.No || !g.Premium().Equal(w.Premium()) || fmt.Sprint(g.Shares) != fmt.Sprint(w.Shares) || fmt.Sprint(g.Members) != fmt.Sprint(w.Members) {
				t.Errorf("household %s: resumed %s %s %v, clean %s %s %v", no, g.No, g.Premium(), g.Members, w.No, w.Premium(), w.Members)
			}
		}
		job, err := db.IssueJobOf(context.Background(), issuer, 1)
		if err != nil || job.Status != policy.RunDone || job.HouseholdsDone != 90 || job.Certificates != len(want) {
			t.Errorf("job after resuming: %+v %v", job, err)
		}
	})
}
