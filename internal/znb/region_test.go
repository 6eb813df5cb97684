package znb

import "testing"

func TestParseRegion(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		levels []int
		want   string
		ok     bool
	}{
		{"county", "522625", []int{CountyDigits}, "522625", true},
		{"county trimmed", " 522625 ", []int{CountyDigits}, "522625", true},
		{"county five digits", "52262", []int{CountyDigits}, "", false},
		{"county twelve digits", "522625100001", []int{CountyDigits}, "", false},
		{"county letter", "52262X", []int{CountyDigits}, "", false},
		{"any level village", "522625100001", nil, "522625100001", true},
		{"any level province", "52", nil, "52", true},
		{"any level eight", "52262510", nil, "", false},
		{"empty", "", nil, "", false},
		{"full-width digits", "５２２６２５", []int{CountyDigits}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseRegion(c.in, c.levels...)
			if c.ok != (err == nil) || got != c.want {
				t.Fatalf("ParseRegion(%q) = %q, %v; want %q ok=%v", c.in, got, err, c.want, c.ok)
			}
			if err != nil && CodeOf(err) != "invalid_region" {
				t.Fatalf("code %s, want invalid_region", CodeOf(err))
			}
		})
	}
}

func TestNewPage(t *testing.T) {
	cases := []struct {
		name               string
		number, size       int
		wantNumber, wantSz int
		wantOffset         int
	}{
		{"defaults", 0, 0, 1, 50, 0},
		{"negative", -3, -1, 1, 50, 0},
		{"third page", 3, 20, 3, 20, 40},
		{"size over max", 2, 9999, 2, 500, 500},
		{"size at max", 1, 500, 1, 500, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewPage(c.number, c.size, 50, 500)
			if p.Number != c.wantNumber || p.Size != c.wantSz || p.Offset() != c.wantOffset {
				t.Fatalf("NewPage(%d,%d) = %+v offset %d; want %d,%d offset %d", c.number, c.size, p, p.Offset(), c.wantNumber, c.wantSz, c.wantOffset)
			}
		})
	}
}
