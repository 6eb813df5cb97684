package znb

import "strings"

// Region levels by the number of digits of their code (行政区划代码).
const (
	ProvinceDigits = 2
	CityDigits     = 4
	CountyDigits   = 6
	TownshipDigits = 9
	VillageDigits  = 12
)

var levelNames = map[int]string{ProvinceDigits: "省", CityDigits: "市", CountyDigits: "县", TownshipDigits: "乡镇", VillageDigits: "村"}

// ParseRegion reads a region code of one of the given levels (digit counts;
// none means any level). Every caller refuses a bad code the same way:
// invalid_region, naming the levels expected.
func ParseRegion(s string, levels ...int) (string, error) {
	s = strings.TrimSpace(s)
	if len(levels) == 0 {
		levels = []int{ProvinceDigits, CityDigits, CountyDigits, TownshipDigits, VillageDigits}
	}
	ok := false
	for _, n := range levels {
		ok = ok || len(s) == n
	}
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	if ok {
		return s, nil
	}
	var want []string
	for _, n := range levels {
		want = append(want, itoa(n)+" 位（"+levelNames[n]+"）")
	}
	return "", Errorf(Invalid, "invalid_region", "行政区划代码须为 %s 数字：%q", strings.Join(want, "、"), s)
}

// ParseCounty reads a county code: six digits.
func ParseCounty(s string) (string, error) { return ParseRegion(s, CountyDigits) }

func itoa(n int) string {
	if n >= 10 {
		return string(rune('0'+n/10)) + string(rune('0'+n%10))
	}
	return string(rune('0' + n))
}

// Page is one page of a listing, numbered from 1.
type Page struct {
	Number int
	Size   int
}

// NewPage normalises a requested page: a number below 1 is the first page, a
// size below 1 is def, a size above max is max.
func NewPage(number, size, def, max int) Page {
	if number < 1 {
		number = 1
	}
	switch {
	case size < 1:
		size = def
	case size > max:
		size = max
	}
	return Page{Number: number, Size: size}
}

// Offset is the number of items before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }
