package registry

import (
	"math/rand/v2"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// categoryMix is the share in percent of each category in generated lists,
// about what a county in the scheme reports.
var categoryMix = []struct {
	cat      znb.Category
	pct      int
	min, max int64 // income per capita, yuan
}{
	{znb.Lifted, 55, 7000, 20000},
	{znb.UnstableLifted, 10, 5000, 9000},
	{znb.Marginal, 12, 5000, 10000},
	{znb.NotLifted, 3, 3000, 4500},
	{znb.Returned, 2, 3000, 6000},
	{znb.SuddenHardship, 3, 2000, 8000},
	{znb.StableLifted, 12, 12000, 30000},
	{znb.FiveGuaranteeCentralized, 3, 4000, 7000},
}

// sizeWeights are the weights of household sizes 1 to 7.
var sizeWeights = []int{8, 20, 24, 22, 15, 7, 4}

type village struct{ code, name string }

// generator holds the state of one Generate run.
type generator struct {
	rng       *rand.Rand
	today     znb.Date
	county    string
	villages  []village
	surnameCW []int // cumulative weights
	// used counts the ID sequence numbers taken per birth date and sex, so
	// that every generated ID number is unique.
	used       map[int32]uint16
	mixWeights []int
	cells      []any
	buf        []byte
}

// Generate writes a synthetic household list for the county to out, with
// the given number of households and the same output
// for the same seed and today. People have plausible names, ages that fit
// their relation to the head, and unique ID numbers with valid check digits;
// villages sit under 12-digit codes of the county. It returns the number of
// members written, and closes out. The list passes Check with no reject.
func Generate(out Writer, county string, households int, seed int64, today znb.Date) (int, error) {
	county, err := znb.ParseCounty(county)
	if err != nil {
		return 0, err
	}
	g := &generator{rng: rand.New(rand.NewPCG(uint64(seed), 0x5a4e42)), today: today, county: county,
		used: map[int32]uint16{}, cells: make([]any, colAccount)}
	g.places()
	for _, c := range categoryMix {
		g.mixWeights = append(g.mixWeights, c.pct)
	}
	cw := 0
	for i := range surnames {
		cw += 1000 / (i + 3)
		g.surnameCW = append(g.surnameCW, cw)
	}
	if err := out.Sheet("名单", Header()); err != nil {
		return 0, err
	}
	members := 0
	perVillage := make([]int, len(g.villages))
	width := len(strconv.Itoa(households/len(g.villages) + 1))
	width = max(width, 4)
	for i := 0; i < households; i++ {
		v := i * len(g.villages) / households
		perVillage[v]++
		no := g.villages[v].code + pad(perVillage[v], width)
		n, err := g.household(out, no, g.villages[v])
		if err != nil {
			return members, err
		}
		members += n
	}
	return members, out.Close()
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// places lays out 10–20 townships of 5–15 villages each, with unique names.
func (g *generator) places() {
	taken := map[string]bool{}
	name := func(suffix string) string {
		for {
			n := placeFirst[g.rng.IntN(len(placeFirst))] + placeSecond[g.rng.IntN(len(placeSecond))] + suffix
			if !taken[n] {
				taken[n] = true
				return n
			}
		}
	}
	towns := 10 + g.rng.IntN(11)
	for t := 0; t < towns; t++ {
		name("镇") // townships are named to keep village names distinct from them
		vs := 5 + g.rng.IntN(11)
		for v := 0; v < vs; v++ {
			code := g.county + strconv.Itoa(100+t+1) + strconv.Itoa(200+v+1)
			g.villages = append(g.villages, village{code, name("村")})
		}
	}
}

func (g *generator) pick(cw []int) int {
	r := g.rng.IntN(cw[len(cw)-1])
	for i, c := range cw {
		if r < c {
			return i
		}
	}
	return len(cw) - 1
}

func (g *generator) weighted(ws []int) int {
	total := 0
	for _, w := range ws {
		total += w
	}
	r := g.rng.IntN(total)
	for i, w := range ws {
		if r < w {
			return i
		}
		r -= w
	}
	return len(ws) - 1
}

// person is a member about to be written.
type person struct {
	surname  string
	male     bool
	age      int
	relation string
}

// household writes one household's rows and returns how many.
func (g *generator) household(out Writer, no string, v village) (int, error) {
	mix := categoryMix[g.weighted(g.mixWeights)]
	size := 1 + g.weighted(sizeWeights)
	if mix.cat == znb.FiveGuaranteeCentralized {
		size = 1 // centrally supported persons live alone
	}
	people := g.family(size)
	income := decimal.New(mix.min*100+g.rng.Int64N((mix.max-mix.min)*100), -2)
	risk := ""
	switch mix.cat {
	case znb.UnstableLifted, znb.Marginal, znb.SuddenHardship:
		risk = "否"
		if g.rng.IntN(10) < 6 {
			risk = "是"
		}
	}
	for _, p := range people {
		id, birth := g.id(p)
		status, date := Normal, znb.Date{}
		if p.relation != Head {
			switch r := g.rng.IntN(100); {
			case r == 0:
				status = Deceased
			case r == 1:
				status = MovedOut
			}
			if status != Normal {
				date = g.today.AddDays(-1 - g.rng.IntN(365))
				if date.Before(birth) {
					status, date = Normal, znb.Date{}
				}
			}
		}
		phone := ""
		if p.relation == Head {
			phone = g.phone()
		}
		c := g.cells
		c[colHousehold], c[colRegion], c[colVillage], c[colCategory] = no, v.code, v.name, mix.cat.Name()
		c[colName], c[colID], c[colRelation], c[colIncome] = g.name(p), id, p.relation, income
		c[colRisk], c[colStatus], c[colStatusDate], c[colPhone] = risk, status.Name(), date, phone
		if err := out.Row(c...); err != nil {
			return 0, err
		}
	}
	return len(people), nil
}

// family makes size people whose relations and ages fit together: a head,
// usually a spouse, then either a married son with grandchildren (older
// heads), a parent (younger heads), and children.
func (g *generator) family(size int) []person {
	surname := surnames[g.pick(g.surnameCW)]
	head := person{surname: surname, male: g.rng.IntN(10) < 8, age: 25 + g.rng.IntN(56), relation: Head}
	if size == 1 {
		head.age = 45 + g.rng.IntN(40)
	}
	ps := []person{head}
	other := func() string { return surnames[g.pick(g.surnameCW)] }
	if size >= 2 && g.rng.IntN(100) < 85 {
		ps = append(ps, person{surname: other(), male: !head.male, age: clamp(head.age-5+g.rng.IntN(11), 20, 95), relation: "配偶"})
	}
	if head.age >= 55 && size-len(ps) >= 3 {
		son := person{surname: surname, male: true, age: head.age - 22 - g.rng.IntN(8), relation: "子"}
		ps = append(ps, son, person{surname: other(), male: false, age: clamp(son.age-3+g.rng.IntN(6), 18, 95), relation: "儿媳"})
		for len(ps) < size {
			male := g.rng.IntN(2) == 0
			rel := "孙女"
			if male {
				rel = "孙子"
			}
			ps = append(ps, person{surname: surname, male: male, age: clamp(son.age-22-g.rng.IntN(12), 0, 40), relation: rel})
		}
		return ps
	}
	if head.age < 50 && size-len(ps) >= 2 && g.rng.IntN(100) < 40 {
		male := g.rng.IntN(2) == 0
		p := person{surname: other(), male: male, age: clamp(head.age+22+g.rng.IntN(12), 0, 98), relation: "母亲"}
		if male {
			p.surname, p.relation = surname, "父亲"
		}
		ps = append(ps, p)
	}
	for len(ps) < size {
		male := g.rng.IntN(2) == 0
		rel := "女"
		if male {
			rel = "子"
		}
		ps = append(ps, person{surname: surname, male: male, age: clamp(head.age-20-g.rng.IntN(18), 0, 70), relation: rel})
	}
	return ps
}

func clamp(n, lo, hi int) int { return min(max(n, lo), hi) }

func (g *generator) name(p person) string {
	pool := givenFemale
	if p.male {
		pool = givenMale
	}
	n := p.surname + pool[g.rng.IntN(len(pool))]
	if g.rng.IntN(10) < 8 {
		n += pool[g.rng.IntN(len(pool))]
	}
	return n
}

// id makes a unique ID number for a person of that age and sex: county,
// birth date, a sequence number odd for men, check digit.
func (g *generator) id(p person) (string, znb.Date) {
	birth := g.today.AddDays(-p.age*365 - g.rng.IntN(365))
	if birth.After(g.today) {
		birth = g.today
	}
	sex := int32(0)
	if p.male {
		sex = 1
	}
	for {
		key := int32(birth.DaysSince(znb.Date{}))*2 + sex
		k := g.used[key]
		if k < 500 {
			g.used[key] = k + 1
			seq := int(k)*2 + int(sex)
			b := append(g.buf[:0], g.county...)
			b = append(b, birth.Time().Format("20060102")...)
			b = append(b, byte('0'+seq/100), byte('0'+seq/10%10), byte('0'+seq%10))
			b = append(b, CheckDigit(string(b)))
			g.buf = b
			return string(b), birth
		}
		birth = birth.AddDays(-1)
	}
}

func (g *generator) phone() string {
	prefixes := []string{"13", "15", "17", "18", "19"}
	b := append(g.buf[:0], prefixes[g.rng.IntN(len(prefixes))]...)
	for len(b) < 11 {
		b = append(b, byte('0'+g.rng.IntN(10)))
	}
	g.buf = b
	return string(b)
}
