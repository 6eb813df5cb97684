package subsidy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// planted is one bill row of the planted-findings test with what it must
// come out as; amounts in cents.
type planted struct {
	row      Row
	finding  Finding
	listCat  znb.Category
	allowed  int64 // allowed premium, split by listCat
	expected int64
	note     string // a part the note must contain
}

func TestReconcilePlantedFindings(t *testing.T) {
	terms := testTerms()
	var list []Entry
	var bill []planted
	next := 0
	person := func(cat znb.Category, mod func(*Entry)) *Entry {
		e := Entry{IDNumber: makeID(next), Name: fmt.Sprintf("农户%d", next),
			HouseholdNo: fmt.Sprintf("H%05d", next/3), Category: cat, Status: Normal}
		next++
		if mod != nil {
			mod(&e)
		}
		list = append(list, e)
		return &list[len(list)-1]
	}
	bills := func(e Entry, cat znb.Category, start, end string, premium int64, f Finding, allowed, expected int64, note string) {
		bill = append(bill, planted{
			row: Row{HouseholdNo: e.HouseholdNo, IDNumber: e.IDNumber, Name: e.Name, Category: cat,
				CoverageStart: znb.MustDate(start), CoverageEnd: znb.MustDate(end), Premium: yuan(premium)},
			finding: f, listCat: e.Category, allowed: allowed, expected: expected, note: note})
	}
	full := func(e Entry) { bills(e, e.Category, "2024-01-01", "2024-12-31", 6000, Matched, 6000, 6000, "") }
	clean := func(n int) {
		cats := []znb.Category{znb.Lifted, znb.NotLifted, znb.Marginal}
		for i := 0; i < n; i++ {
			full(*person(cats[(next/3)%3], nil))
		}
	}
	dead := func(status MemberStatus, date string) func(*Entry) {
		return func(e *Entry) { e.Status, e.StatusDate = status, znb.MustDate(date) }
	}
	from := func(date string) func(*Entry) { return func(e *Entry) { e.CoverFrom = znb.MustDate(date) } }

	clean(100)
	stranger := Entry{IDNumber: makeID(900000), Name: "外人", HouseholdNo: "H99999"}
	bill = append(bill, planted{row: Row{HouseholdNo: "H99999", IDNumber: stranger.IDNumber, Name: "外人",
		Category: znb.Lifted, CoverageStart: termStart, CoverageEnd: termEnd, Premium: yuan(6000)}, finding: NotOnList})

	e := *person(znb.StableLifted, nil)
	bills(e, znb.Lifted, "2024-01-01", "2024-12-31", 6000, IneligibleCategory, 0, 0, "稳定脱贫户")
	clean(50)

	e = *person(znb.Lifted, dead(Deceased, "2023-12-15"))
	bills(e, znb.Lifted, "2024-01-01", "2024-12-31", 6000, DeceasedBeforeStart, 0, 0, "死亡")
	e = *person(znb.Marginal, dead(MovedOut, "2024-05-01"))
	bills(e, znb.Marginal, "2024-06-01", "2024-12-31", wantProRate(214), DeceasedBeforeStart, 0, 0, "迁出")

	dup := *person(znb.NotLifted, nil)
	dupRow := len(bill) + 2
	full(dup)
	clean(40)
	bills(dup, znb.NotLifted, "2024-01-01", "2024-12-31", 6000, DuplicateBilling, 0, 6000,
		fmt.Sprintf("与第 %d 行重复", dupRow))

	other := *person(znb.Lifted, nil)
	bills(other, znb.Lifted, "2024-01-01", "2024-12-31", 6000, DuplicateBilling, 0, 6000, "ZNB5226252024009-0007")
	otherCover := func(id string) (string, int64, bool) {
		if id == other.IDNumber {
			return "ZNB5226252024009-0007", 9, true
		}
		return "", 0, false
	}

	e = *person(znb.Lifted, nil)
	bills(e, znb.Lifted, "2024-01-01", "2024-12-31", 8000, PremiumMismatch, 6000, 6000, "366 天")
	e = *person(znb.Lifted, from("2024-07-01")) // added mid-year, billed for the whole year
	bills(e, znb.Lifted, "2024-01-01", "2024-12-31", 6000, PremiumMismatch, wantProRate(184), wantProRate(184), "2024-07-01 至 2024-12-31")
	e = *person(znb.Marginal, from("2024-07-01")) // added mid-year, billed right
	bills(e, znb.Marginal, "2024-07-01", "2024-12-31", wantProRate(184), Matched, wantProRate(184), wantProRate(184), "")
	e = *person(znb.NotLifted, dead(Deceased, "2024-03-31")) // died mid-year, billed for the whole year
	bills(e, znb.NotLifted, "2024-01-01", "2024-12-31", 6000, PremiumMismatch, wantProRate(91), wantProRate(91), "共 91 天")
	e = *person(znb.Lifted, dead(Deceased, "2024-03-31")) // died mid-year, billed to the day of death
	bills(e, znb.Lifted, "2024-01-01", "2024-03-31", wantProRate(91), Matched, wantProRate(91), wantProRate(91), "")
	clean(30)

	e = *person(znb.Marginal, nil) // a 边缘户 billed as 脱贫户 to draw central money
	bills(e, znb.Lifted, "2024-01-01", "2024-12-31", 6000, CategoryMismatch, 6000, 6000, "边缘易致贫户")
	e = *person(znb.Marginal, func(e *Entry) { e.Name = "王五" }) // wrong premium, category and name at once
	e.Name = "王伍"
	bills(e, znb.Lifted, "2024-01-01", "2024-12-31", 7000, PremiumMismatch, 6000, 6000, "366 天；名单户类型：边缘易致贫户；名单姓名：王五")
	e = *person(znb.Lifted, func(e *Entry) { e.Name = "张三" })
	e.Name = "张叁"
	bills(e, znb.Lifted, "2024-01-01", "2024-12-31", 6000, NameMismatch, 6000, 6000, "张三")
	clean(30)

	gap := *person(znb.Lifted, nil)
	gapAdded := *person(znb.Marginal, from("2024-10-01"))
	person(znb.StableLifted, nil)                    // not covered, not billed: no finding
	person(znb.Lifted, dead(Deceased, "2023-06-01")) // gone before the term: no finding
	person(znb.Marginal, from("2025-01-01"))         // brought in after the term: no finding
	wantGaps := map[string]int64{gap.IDNumber: 6000, gapAdded.IDNumber: wantProRate(92)}

	rows := make([]Row, len(bill))
	for i := range bill {
		bill[i].row.Row = i + 2
		rows[i] = bill[i].row
	}
	var got []Detail
	res, err := Reconcile(Input{Terms: terms, List: list, Bill: Rows(rows), OtherCover: otherCover},
		func(d Detail) error { got = append(got, d); return nil })
	if err != nil {
		t.Fatal(err)
	}

	if len(got) != len(bill)+len(wantGaps) {
		t.Fatalf("got %d details, want %d billed rows + %d not insured", len(got), len(bill), len(wantGaps))
	}
	var sum [3]cents // billed, allowed, disallowed
	counts := map[Finding]int{}
	for i, p := range bill {
		d := got[i]
		counts[p.finding]++
		billed := p.row.Premium.Shift(2).IntPart()
		wantB := wantSplit(billed, pctOf(p.row.Category))
		var wantA [5]int64
		if p.allowed != 0 {
			wantA = wantSplit(p.allowed, pctOf(p.listCat))
		}
		sum[0].add(cents{billed, wantB})
		sum[1].add(cents{p.allowed, wantA})
		sum[2].add(cents{billed, wantB}.minus(cents{p.allowed, wantA}))
		if d.Row != p.row.Row || d.IDNumber != p.row.IDNumber {
			t.Errorf("detail %d is row %d %s, want row %d %s", i, d.Row, d.IDNumber, p.row.Row, p.row.IDNumber)
			continue
		}
		if d.Finding != p.finding {
			t.Errorf("row %d (%s): finding %s, want %s (note %q)", d.Row, p.row.Name, d.Finding, p.finding, d.Note)
			continue
		}
		checkMoney(t, fmt.Sprintf("row %d billed", d.Row), d.Billed, billed, wantB)
		checkMoney(t, fmt.Sprintf("row %d allowed", d.Row), d.Allowed, p.allowed, wantA)
		checkMoney(t, fmt.Sprintf("row %d disallowed", d.Row), d.Disallowed, billed-p.allowed, cents{billed, wantB}.minus(cents{p.allowed, wantA}).sources)
		if !d.Expected.Equal(yuan(p.expected)) || !d.Difference.Equal(yuan(billed-p.expected)) {
			t.Errorf("row %d: expected %s difference %s, want %s and %s", d.Row, d.Expected, d.Difference, yuan(p.expected), yuan(billed-p.expected))
		}
		if d.ListCategory != p.listCat || d.BilledCategory != p.row.Category {
			t.Errorf("row %d: categories list %q billed %q, want %q %q", d.Row, d.ListCategory, d.BilledCategory, p.listCat, p.row.Category)
		}
		if !strings.Contains(d.Note, p.note) {
			t.Errorf("row %d: note %q, want it to contain %q", d.Row, d.Note, p.note)
		}
	}
	for _, d := range got[len(bill):] {
		want, ok := wantGaps[d.IDNumber]
		if d.Finding != NotInsured || !ok {
			t.Errorf("after the bill: %s %s, want not_insured for one of the planted gaps", d.Finding, d.IDNumber)
			continue
		}
		delete(wantGaps, d.IDNumber)
		counts[NotInsured]++
		if !d.Expected.Equal(yuan(want)) || !d.Billed.Premium.IsZero() || !d.Allowed.Premium.IsZero() || !d.Disallowed.Premium.IsZero() {
			t.Errorf("not insured %s: expected %s billed %s allowed %s disallowed %s, want %s and no money",
				d.Name, d.Expected, d.Billed.Premium, d.Allowed.Premium, d.Disallowed.Premium, yuan(want))
		}
	}

	for _, f := range Findings {
		if tl := res.Tally(f); tl.Count != counts[f] {
			t.Errorf("tally %s: count %d, want %d", f, tl.Count, counts[f])
		}
	}
	checkMoney(t, "total billed", res.Billed, sum[0].premium, sum[0].sources)
	checkMoney(t, "total allowed", res.Allowed, sum[1].premium, sum[1].sources)
	checkMoney(t, "total disallowed", res.Disallowed, sum[2].premium, sum[2].sources)
	if res.Rows != len(bill) || res.Listed != len(list) {
		t.Errorf("rows %d listed %d, want %d and %d", res.Rows, res.Listed, len(bill), len(list))
	}
}

func checkMoney(t *testing.T, what string, got Money, premium int64, sources [5]int64) {
	t.Helper()
	if !got.Premium.Equal(yuan(premium)) {
		t.Errorf("%s premium = %s, want %s", what, got.Premium, yuan(premium))
	}
	for i, s := range znb.Sources {
		if !got.Of(s).Equal(yuan(sources[i])) {
			t.Errorf("%s %s = %s, want %s", what, s, got.Of(s), yuan(sources[i]))
		}
	}
}

func TestReconcileRefusesBadRows(t *testing.T) {
	good := Row{Row: 2, IDNumber: makeID(1), Name: "甲", Category: znb.Lifted,
		CoverageStart: termStart, CoverageEnd: termEnd, Premium: yuan(6000)}
	tests := []struct {
		name string
		mod  func(*Row)
		code string
	}{
		{"uncovered category", func(r *Row) { r.Category = znb.StableLifted }, "statement_bad_category"},
		{"start after end", func(r *Row) { r.CoverageStart = znb.MustDate("2024-06-01"); r.CoverageEnd = znb.MustDate("2024-05-01") }, "statement_start_after_end"},
		{"outside term", func(r *Row) { r.CoverageEnd = znb.MustDate("2025-01-31") }, "statement_outside_term"},
		{"negative premium", func(r *Row) { r.Premium = yuan(-1) }, "statement_bad_premium"},
		{"fraction of a cent", func(r *Row) { r.Premium = yuan(6000).Add(yuan(1).Div(yuan(1000))) }, "statement_bad_premium"},
	}
	for _, tt := range tests {
		r := good
		tt.mod(&r)
		_, err := Reconcile(Input{Terms: testTerms(), Bill: Rows([]Row{good, r})}, nil)
		e := znb.ErrorOf(err)
		var details []Rejection
		if e != nil {
			details, _ = e.Details.([]Rejection)
		}
		if e.Code != "statement_invalid" || len(details) != 1 || details[0].Code != tt.code {
			t.Errorf("%s: got %v (details %v), want statement_invalid with %s", tt.name, err, details, tt.code)
		}
	}
}

func TestReconcileRefusesDuplicateListIDs(t *testing.T) {
	id := makeID(7)
	list := []Entry{{IDNumber: id, Name: "甲", Category: znb.Lifted}, {IDNumber: strings.ToLower(id), Name: "乙", Category: znb.Lifted}}
	_, err := Reconcile(Input{Terms: testTerms(), List: list, Bill: Rows(nil)}, nil)
	if got := znb.CodeOf(err); got != "list_duplicate_id" {
		t.Errorf("got %v, want list_duplicate_id", err)
	}
}

func TestInputsHash(t *testing.T) {
	terms := testTerms()
	list := []Entry{
		{IDNumber: makeID(1), Name: "甲", HouseholdNo: "H1", Category: znb.Lifted},
		{IDNumber: makeID(2), Name: "乙", HouseholdNo: "H1", Category: znb.Lifted},
	}
	rows := []Row{{Row: 2, IDNumber: makeID(1), Name: "甲", Category: znb.Lifted, CoverageStart: termStart, CoverageEnd: termEnd, Premium: yuan(6000)}}
	base, err := InputsHash(Input{Terms: terms, List: list, Bill: Rows(rows)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Reconcile(Input{Terms: terms, List: list, Bill: Rows(rows)}, nil)
	if err != nil || res.InputsHash != base {
		t.Errorf("Reconcile hash %s (%v), want InputsHash %s", res.InputsHash, err, base)
	}
	swapped := []Entry{list[1], list[0]}
	if h, _ := InputsHash(Input{Terms: terms, List: swapped, Bill: Rows(rows)}); h != base {
		t.Errorf("list order changed the hash: %s, want %s", h, base)
	}

	changes := map[string]func(*Terms, []Entry, []Row){
		"premium per person": func(t *Terms, _ []Entry, _ []Row) { t.PremiumPerPerson = yuan(6100) },
		"split": func(t *Terms, _ []Entry, _ []Row) {
			t.Splits = map[znb.Category]policy.Split{znb.Lifted: splitOf(marginalPct)}
		},
		"list name":      func(_ *Terms, l []Entry, _ []Row) { l[1].Name = "丙" },
		"status date":    func(_ *Terms, l []Entry, _ []Row) { l[0].StatusDate = termEnd },
		"bill premium":   func(_ *Terms, _ []Entry, r []Row) { r[0].Premium = yuan(5999) },
		"bill row":       func(_ *Terms, _ []Entry, r []Row) { r[0].Row = 3 },
		"bill end":       func(_ *Terms, _ []Entry, r []Row) { r[0].CoverageEnd = termEnd.AddDays(-1) },
		"name into next": func(_ *Terms, l []Entry, _ []Row) { l[0].Name, l[0].HouseholdNo = "甲H", "1" },
	}
	for name, change := range changes {
		tm := terms
		l := append([]Entry(nil), list...)
		r := append([]Row(nil), rows...)
		change(&tm, l, r)
		if h, _ := InputsHash(Input{Terms: tm, List: l, Bill: Rows(r)}); h == base {
			t.Errorf("changing the %s left the hash unchanged", name)
		}
	}
}

// TestByIDNumber: the hash's list order, sorted by packed keys, is the order
// of the ID numbers as text, whatever mix of well-formed and odd numbers.
func TestByIDNumber(t *testing.T) {
	ids := []string{makeID(3), makeID(1), "52262519500101001x", "52262519500101001X", "522625195001010019",
		"52262519500101002x", "5226251950010100", "52262519500101001", "522625195001010010A", "X", "",
		"52262519500A010011", "0", "999999999999999999", "99999999999999999X", makeID(2), makeID(2000)}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		rnd.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		list := make([]Entry, len(ids))
		for i, id := range ids {
			list[i].IDNumber = id
		}
		want := slices.Sorted(slices.Values(ids))
		var got []string
		for _, i := range byIDNumber(list) {
			got = append(got, list[i].IDNumber)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q,\nwant %q", got, want)
		}
	}
}

// TestListIndex: every listed person is found under their ID number, in
// either case of the check character, and nobody else is; odd ID numbers
// are found as text.
func TestListIndex(t *testing.T) {
	var list []Entry
	for i := range 5000 {
		list = append(list, Entry{IDNumber: makeID(i * 7)})
	}
	list = append(list, Entry{IDNumber: "ABC"}, Entry{IDNumber: "000000000000000000"}, Entry{IDNumber: "52262519500101001x"})
	x, err := newListIndex(list)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range list {
		if got, ok := x.find(e.IDNumber); !ok || got != i {
			t.Errorf("find(%s) = %d, %v; want %d", e.IDNumber, got, ok, i)
		}
	}
	for id, want := range map[string]int{"abc": 5000, "52262519500101001X": 5002, makeID(7 * 4999): 4999} {
		if got, ok := x.find(id); !ok || got != want {
			t.Errorf("find(%s) = %d, %v; want %d", id, got, ok, want)
		}
	}
	for i := range 5000 {
		if id := makeID(i*7 + 1); i > 0 {
			if got, ok := x.find(id); ok {
				t.Errorf("find(%s) = %d, want not found", id, got)
			}
		}
	}
	if _, ok := x.find("52262519500101001"); ok {
		t.Error("a 17-digit number was found")
	}
}

// TestValidIDNumberBirth: the birth date in an ID number is checked as
// time.Parse would, leap days and the year 1900 included.
func TestValidIDNumberBirth(t *testing.T) {
	withCheck := func(body string) string {
		weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
		sum := 0
		for i, w := range weights {
			sum += int(body[i]-'0') * w
		}
		return body + string("10X98765432"[sum%11])
	}
	for _, birth := range []string{"19000101", "18991231", "20000229", "19000229", "20240230", "20241301",
		"20240100", "20240431", "20240430", "99991231", "00000101"} {
		id := withCheck("522625" + birth + "001")
		b, err := time.Parse("20060102", birth)
		want := err == nil && b.Year() >= 1900
		if got := validIDNumber(id); got != want {
			t.Errorf("validIDNumber(%s) = %v, want %v", id, got, want)
		}
	}
}
