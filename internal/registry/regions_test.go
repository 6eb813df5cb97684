package registry

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func checkRegionFile(t *testing.T, name string, data []byte, inScope func(string) bool) ([]Region, []Reject, error) {
	t.Helper()
	rows, err := sheet.Open(tempFile(t, name, data))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	return CheckRegions(rows, inScope)
}

func anywhere(string) bool { return true }

func TestCheckRegions(t *testing.T) {
	long := strings.Repeat("镇", MaxRegionName+1)
	tests := []struct {
		name    string
		body    string
		inScope func(string) bool
		regions []Region
		want    []want
		code    string // a fault of the whole file
	}{
		{name: "county, township and village", body: "区划代码,名称\n522625,镇远县\n522625100,舞阳镇\n522625100001,城东社区\n",
			regions: []Region{{"522625", "镇远县"}, {"522625100", "舞阳镇"}, {"522625100001", "城东社区"}}},
		{name: "english header, other columns and blank rows", body: "序号,name,code\n1,镇远县,522625\n\n2,三穗县,522624\n",
			regions: []Region{{"522625", "镇远县"}, {"522624", "三穗县"}}},
		{name: "bad length", body: "code,name\n5226251,某地\n", want: []want{{2, "code", "region_format"}}},
		{name: "not digits", body: "code,name\n52262A,某县\n", want: []want{{2, "code", "region_format"}}},
		{name: "empty code", body: "code,name\n,某县\n", want: []want{{2, "code", "missing_value"}}},
		{name: "empty name", body: "code,name\n522625,\n", want: []want{{2, "name", "missing_value"}}},
		{name: "long name", body: "code,name\n522625," + long + "\n", want: []want{{2, "name", "name_length"}}},
		{name: "name of 100 characters", body: "code,name\n522625," + long[len("镇"):] + "\n",
			regions: []Region{{"522625", long[len("镇"):]}}},
		{name: "same code twice", body: "code,name\n522625,镇远县\n522624,三穗县\n522625,镇远\n",
			want: []want{{2, "code", "duplicate_region"}, {4, "code", "duplicate_region"}}},
		{name: "out of scope", body: "code,name\n522625,镇远县\n522624,三穗县\n",
			inScope: func(c string) bool { return strings.HasPrefix(c, "522625") },
			want:    []want{{3, "code", "region_out_of_scope"}}},
		{name: "several faults", body: "code,name\n52262,\n522625,镇远县\n522625,\n",
			want: []want{{2, "code", "region_format"}, {2, "name", "missing_value"},
				{3, "code", "duplicate_region"}, {4, "code", "duplicate_region"}, {4, "name", "missing_value"}}},
		{name: "missing column", body: "区划代码,村名\n522625,镇远县\n", code: "missing_column"},
		{name: "header only", body: "code,name\n", code: "empty_file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scope := tc.inScope
			if scope == nil {
				scope = anywhere
			}
			regions, rej, err := checkRegionFile(t, "r.csv", []byte(tc.body), scope)
			if tc.code != "" {
				if znb.CodeOf(err) != tc.code {
					t.Fatalf("err = %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, r := range rej {
				got = append(got, want{r.Row, r.Column, r.Code})
				if r.Message == "" {
					t.Errorf("row %d %s: no message", r.Row, r.Code)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("rejected %v, want %v", got, tc.want)
			}
			if tc.want == nil && !reflect.DeepEqual(regions, tc.regions) {
				t.Errorf("regions %v, want %v", regions, tc.regions)
			}
		})
	}
}

// TestCheckRegionsEncodings reads the same file as UTF-8 with a BOM,
// GB18030 and XLSX.
func TestCheckRegionsEncodings(t *testing.T) {
	rows := [][]string{{"区划代码", "名称"}, {"522625", "镇远县"}}
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(csvOf(rows))
	if err != nil {
		t.Fatal(err)
	}
	var xlsx bytes.Buffer
	writeXLSX(t, &xlsx, rows)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"bom.csv", append([]byte("\xEF\xBB\xBF"), csvOf(rows)...)},
		{"gb.csv", gb},
		{"r.xlsx", xlsx.Bytes()},
	} {
		regions, rej, err := checkRegionFile(t, f.name, f.data, anywhere)
		if err != nil || len(rej) != 0 || !reflect.DeepEqual(regions, []Region{{"522625", "镇远县"}}) {
			t.Errorf("%s: %v %v %v", f.name, regions, rej, err)
		}
	}
}
