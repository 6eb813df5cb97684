package subsidy

import (
	"fmt"
	"iter"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Input is what a reconciliation reads. Bill is streamed once, in file order;
// an error it yields aborts the run. OtherCover may be nil.
type Input struct {
	Terms      Terms
	List       []Entry
	Bill       iter.Seq2[Row, error]
	OtherCover OtherCover
}

// Rows streams a bill held in memory.
func Rows(rows []Row) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Reconcile finds, for every bill row in file order and then for every
// eligible listed person nobody billed, exactly one finding, hands
// each to emit (which may be nil) and returns the totals. A bill row naming a
// category the agreement does not cover, with dates missing, reversed or
// outside the term, or with a premium negative or finer than a cent aborts
// the run with statement_invalid: its subsidy could not be split.
func Reconcile(in Input, emit func(Detail) error) (*Result, error) {
	r, err := newRun(in)
	if err != nil {
		return nil, err
	}
	defer r.hash.stop()
	for row, err := range in.Bill {
		if err != nil {
			return nil, err
		}
		if rej := checkRow(in.Terms, &row); rej != nil {
			return nil, &znb.Error{Kind: znb.Invalid, Code: "statement_invalid",
				Message: fmt.Sprintf("对账单第 %d 行：%s", rej.Row, rej.Message), Details: []Rejection{*rej}}
		}
		r.hash.row(&row)
		d := r.billed(&row)
		if emit != nil {
			if err := emit(d); err != nil {
				return nil, err
			}
		}
	}
	for i := range in.List {
		e := &in.List[i]
		if r.state[i] != unbilled || !in.Terms.Eligible(e) {
			continue
		}
		d := r.notInsured(e)
		if emit != nil {
			if err := emit(d); err != nil {
				return nil, err
			}
		}
	}
	return r.result(), nil
}

// Billing states of a listed person.
const (
	unbilled = iota
	billedOnce
	billedPayable // a copy reached the duplicate check: later copies are duplicates
)

// run holds one reconciliation's working state: the list indexed by a
// compact key, what has been billed, caches of splits and pro-rated premiums,
// and the running totals in cents.
type run struct {
	in    Input
	index listIndex
	state []uint8
	first []int32 // row of the first payable copy, for the duplicate note
	split splitter
	rate  prorater
	hash  *hasher

	totBilled, totAllowed, totDisallowed cents
	tallies                              [9]tally
	rows, eligible                       int
}

type tally struct {
	count                                 int
	billed, expected, allowed, disallowed int64
}

func newRun(in Input) (*run, error) {
	if err := in.Terms.validate(); err != nil {
		return nil, err
	}
	idx, err := newListIndex(in.List)
	if err != nil {
		return nil, err
	}
	r := &run{
		in:    in,
		index: idx,
		state: make([]uint8, len(in.List)),
		first: make([]int32, len(in.List)),
		split: newSplitter(in.Terms),
		rate:  newProrater(in.Terms),
		hash:  startHasher(in.Terms, in.List),
	}
	for i := range in.List {
		if in.Terms.Eligible(&in.List[i]) {
			r.eligible++
		}
	}
	return r, nil
}

// billed classifies one bill row: the first finding of the findings table that
// applies, with its amounts.
func (r *run) billed(row *Row) Detail {
	t := &r.in.Terms
	premium, _ := toCents(row.Premium)
	bs := r.split.of(row.Category, premium)
	d := Detail{
		Row: row.Row, CertificateNo: row.CertificateNo, HouseholdNo: row.HouseholdNo,
		IDNumber: row.IDNumber, Name: row.Name, BilledCategory: row.Category,
		CoverageStart: row.CoverageStart, CoverageEnd: row.CoverageEnd,
	}
	i, ok := r.index.find(row.IDNumber)
	if !ok {
		d.Finding = NotOnList
		return r.finish(&d, bs, &zeroShare, 0)
	}
	e := &r.in.List[i]
	d.ListCategory = e.Category
	state := r.state[i]
	if state == unbilled {
		r.state[i] = billedOnce // billed at all: never not_insured
	}
	if !t.Covers(e.Category) {
		d.Finding = IneligibleCategory
		d.Note = "名单户类型：" + categoryName(e.Category)
		return r.finish(&d, bs, &zeroShare, 0)
	}
	if e.Status.Gone() && !e.StatusDate.IsZero() && e.StatusDate.Before(row.CoverageStart) {
		d.Finding = DeceasedBeforeStart
		d.Note = fmt.Sprintf("名单状态：%s，变更日期 %s", e.Status.Name(), e.StatusDate)
		return r.finish(&d, bs, &zeroShare, 0)
	}
	start, end := t.Cover(e)
	start, end = znb.MaxDate(start, row.CoverageStart), znb.MinDate(end, row.CoverageEnd)
	days := znb.DaysInclusive(start, end)
	expected := r.rate.of(days)

	if r.in.OtherCover != nil {
		if cert, agreement, ok := r.in.OtherCover(row.IDNumber); ok {
			d.Finding = DuplicateBilling
			d.Note = fmt.Sprintf("已由协议 %d 承保，凭证号 %s", agreement, cert)
			return r.finish(&d, bs, &zeroShare, expected)
		}
	}
	if state == billedPayable {
		d.Finding = DuplicateBilling
		d.Note = fmt.Sprintf("与第 %d 行重复", r.first[i])
		return r.finish(&d, bs, &zeroShare, expected)
	}
	r.state[i], r.first[i] = billedPayable, int32(row.Row)

	switch {
	case premium != expected:
		d.Finding = PremiumMismatch
		if days == 0 {
			d.Note = "名单在申报期间内无保障"
		} else {
			d.Note = fmt.Sprintf("名单保障 %s 至 %s，共 %d 天", start, end, days)
		}
		if row.Category != e.Category { // later findings are shown, not applied
			d.Note += "；名单户类型：" + categoryName(e.Category)
		}
		if !sameName(row.Name, e.Name) {
			d.Note += "；名单姓名：" + e.Name
		}
		return r.finish(&d, bs, r.split.of(e.Category, expected), expected)
	case row.Category != e.Category:
		d.Finding = CategoryMismatch
		d.Note = "名单户类型：" + categoryName(e.Category)
		return r.finish(&d, bs, r.split.of(e.Category, premium), expected)
	case !sameName(row.Name, e.Name):
		d.Finding = NameMismatch
		d.Note = "名单姓名：" + e.Name
	default:
		d.Finding = Matched
	}
	return r.finish(&d, bs, bs, expected)
}

// finish fills in the amounts of a billed row and adds them to the totals.
func (r *run) finish(d *Detail, billed, allowed *share, expected int64) Detail {
	r.rows++
	d.Billed, d.Allowed = billed.money, allowed.money
	var dis cents
	switch allowed {
	case billed:
		d.Disallowed = zeroShare.money
	case &zeroShare:
		dis, d.Disallowed = billed.cents, billed.money
	default:
		dis = billed.cents.minus(allowed.cents)
		d.Disallowed = dis.money()
	}
	if expected == billed.cents.premium {
		d.Expected, d.Difference = billed.money.Premium, decimal.Zero
	} else {
		d.Expected = centsDecimal(expected)
		d.Difference = centsDecimal(billed.cents.premium - expected)
	}
	r.totBilled.add(billed.cents)
	r.totAllowed.add(allowed.cents)
	r.totDisallowed.add(dis)
	tl := &r.tallies[d.Finding.index()]
	tl.count++
	tl.billed += billed.cents.premium
	tl.expected += expected
	tl.allowed += allowed.cents.premium
	tl.disallowed += dis.premium
	return *d
}

// notInsured reports a listed, eligible person nobody billed: an action item
// without money.
func (r *run) notInsured(e *Entry) Detail {
	start, end := r.in.Terms.Cover(e)
	expected := r.rate.of(znb.DaysInclusive(start, end))
	d := Detail{
		HouseholdNo: e.HouseholdNo, IDNumber: e.IDNumber, Name: e.Name,
		ListCategory: e.Category, CoverageStart: start, CoverageEnd: end,
		Finding: NotInsured, Expected: centsDecimal(expected), Difference: centsDecimal(-expected),
		Billed: zeroShare.money, Allowed: zeroShare.money, Disallowed: zeroShare.money,
		Note: "名单内应保人员未申报",
	}
	if r.in.OtherCover != nil {
		if cert, agreement, ok := r.in.OtherCover(e.IDNumber); ok {
			d.Note = fmt.Sprintf("未申报；已由协议 %d 承保，凭证号 %s", agreement, cert)
		}
	}
	tl := &r.tallies[NotInsured.index()]
	tl.count++
	tl.expected += expected
	return d
}

func (r *run) result() *Result {
	res := &Result{
		Billed: r.totBilled.money(), Allowed: r.totAllowed.money(), Disallowed: r.totDisallowed.money(),
		Rows: r.rows, Listed: len(r.in.List), Eligible: r.eligible, InputsHash: r.hash.sum(),
	}
	for i, f := range Findings {
		t := r.tallies[i]
		res.Findings = append(res.Findings, Tally{Finding: f, Count: t.count,
			Billed: centsDecimal(t.billed), Expected: centsDecimal(t.expected),
			Allowed: centsDecimal(t.allowed), Disallowed: centsDecimal(t.disallowed)})
	}
	return res
}

// sameName compares names as people write them, ignoring surrounding spaces.
func sameName(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }

func categoryName(c znb.Category) string {
	if n := c.Name(); n != "" {
		return n
	}
	return string(c)
}

// Name returns the Chinese name of s.
func (s MemberStatus) Name() string {
	switch s {
	case Deceased:
		return "死亡"
	case MovedOut:
		return "迁出"
	}
	return "正常"
}

// listIndex finds a listed person by ID number. A well-formed ID number packs
// into a uint64 (17 digits and a check character), kept per entry; an
// open-addressing table of entry numbers, at most half full, finds it. A
// million people take 16 MB this way, against 40 MB in a Go map of the
// same keys. Anything else falls back to a map of strings.
type listIndex struct {
	keys  []uint64 // each entry's key (unused for an odd ID number)
	slots []int32  // entry number + 1, or 0 for a free slot
	shift uint8    // 64 − log2(len(slots))
	odd   map[string]int32
}

func newListIndex(list []Entry) (listIndex, error) {
	bits := uint8(4)
	for 1<<bits < 2*len(list) {
		bits++
	}
	x := listIndex{keys: make([]uint64, len(list)), slots: make([]int32, 1<<bits), shift: 64 - bits,
		odd: map[string]int32{}}
	for i := range list {
		id := list[i].IDNumber
		if _, dup := x.find(id); dup {
			return x, znb.Errorf(znb.Invalid, "list_duplicate_id", "名单中身份证号重复：%s", maskID(id))
		}
		k, ok := idKey(id)
		if !ok {
			x.odd[strings.ToUpper(id)] = int32(i)
			continue
		}
		x.keys[i] = k
		s := x.slot(k)
		for x.slots[s] != 0 {
			s = (s + 1) & (len(x.slots) - 1)
		}
		x.slots[s] = int32(i) + 1
	}
	return x, nil
}

// slot is where the search for key k starts (Fibonacci hashing).
func (x *listIndex) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> x.shift) }

func (x *listIndex) find(id string) (int, bool) {
	k, ok := idKey(id)
	if !ok {
		i, found := x.odd[strings.ToUpper(id)]
		return int(i), found
	}
	for s := x.slot(k); ; s = (s + 1) & (len(x.slots) - 1) {
		i := x.slots[s]
		if i == 0 {
			return 0, false
		}
		if x.keys[i-1] == k {
			return int(i - 1), true
		}
	}
}

// idKey packs an 18-character ID number into a uint64: the 17 digits, times
// 11, plus the check character (X counts 10).
func idKey(id string) (uint64, bool) {
	if len(id) != 18 {
		return 0, false
	}
	var k uint64
	for i := 0; i < 17; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		k = k*10 + uint64(c-'0')
	}
	switch c := id[17]; {
	case c >= '0' && c <= '9':
		return k*11 + uint64(c-'0'), true
	case c == 'X' || c == 'x':
		return k*11 + 10, true
	}
	return 0, false
}

// cents is a premium and its split, in cents. Every amount of a
// reconciliation is a whole number of cents (bill premiums have at most two
// decimals and money.Split rounds to the cent), so totals add exactly as
// integers.
type cents struct {
	premium int64
	sources [5]int64
}

func (c *cents) add(o cents) {
	c.premium += o.premium
	for i := range c.sources {
		c.sources[i] += o.sources[i]
	}
}

func (c cents) minus(o cents) cents {
	c.premium -= o.premium
	for i := range c.sources {
		c.sources[i] -= o.sources[i]
	}
	return c
}

func (c cents) money() Money {
	m := Money{Premium: centsDecimal(c.premium)}
	for i, v := range c.sources {
		m.Sources[i] = centsDecimal(v)
	}
	return m
}

func centsDecimal(c int64) decimal.Decimal { return decimal.New(c, -2) }

// toCents returns d in cents when d is a whole number of cents small enough
// to add up a million times without overflow.
func toCents(d decimal.Decimal) (int64, bool) {
	if d.NumDigits() > 15 {
		return 0, false
	}
	c, e := d.CoefficientInt64(), d.Exponent()
	for ; e > -2; e-- {
		if c > maxCents || c < -maxCents {
			return 0, false
		}
		c *= 10
	}
	for ; e < -2; e++ {
		if c%10 != 0 {
			return 0, false
		}
		c /= 10
	}
	if c > maxCents || c < -maxCents {
		return 0, false
	}
	return c, true
}

// maxCents bounds one row's premium (one hundred million yuan).
const maxCents = 1e10

// share is a premium split by a category's percentages, in both forms.
type share struct {
	cents cents
	money Money
}

var zeroShare = share{money: cents{}.money()}

// splitter splits premiums by category with money.Split, remembering the
// splits of the few distinct amounts a bill repeats.
type splitter struct {
	pcts  map[znb.Category][]decimal.Decimal
	cache map[shareKey]*share
}

type shareKey struct {
	category znb.Category
	cents    int64
}

// maxShares bounds the cache; amounts beyond it are split afresh.
const maxShares = 1 << 16

func newSplitter(t Terms) splitter {
	s := splitter{pcts: map[znb.Category][]decimal.Decimal{}, cache: map[shareKey]*share{}}
	for c, p := range t.Splits {
		s.pcts[c] = p[:]
	}
	return s
}

func (s *splitter) of(c znb.Category, premium int64) *share {
	k := shareKey{c, premium}
	if sh, ok := s.cache[k]; ok {
		return sh
	}
	amount := centsDecimal(premium)
	sh := &share{cents: cents{premium: premium}, money: Money{Premium: amount}}
	for i, part := range money.Split(amount, s.pcts[c]) {
		sh.money.Sources[i] = part
		sh.cents.sources[i], _ = toCents(part)
	}
	if len(s.cache) < maxShares {
		s.cache[k] = sh
	}
	return sh
}

// prorater remembers the pro-rated premium of each number of days.
type prorater struct {
	perYear decimal.Decimal
	term    int
	days    []int64 // −1 until computed
}

func newProrater(t Terms) prorater {
	p := prorater{perYear: t.PremiumPerPerson, term: t.Days(), days: make([]int64, t.Days()+1)}
	for i := range p.days {
		p.days[i] = -1
	}
	return p
}

func (p *prorater) of(days int) int64 {
	if days <= 0 {
		return 0
	}
	days = min(days, p.term)
	if p.days[days] < 0 {
		p.days[days], _ = toCents(money.ProRate(p.perYear, days, p.term))
	}
	return p.days[days]
}
