package registry

import (
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Refusal is the refusal of a file for its bad rows, which travel in the
// error's Details for the caller to report row by row.
func Refusal(code string, rows []Reject, format string, args ...any) error {
	e := znb.Errorf(znb.Invalid, code, format, args...)
	e.Details = map[string]any{"rejected": rows}
	return e
}

// Refusal says whether a checked list may be stored: not with a bad row
// unless partial (then only the clean households are), and never with no
// household to store. The error carries the rejected rows.
func (v *Verdict) Refusal(partial bool) error {
	switch {
	case len(v.Rejected) > 0 && !partial:
		return Refusal("list_rejected", v.Rejected, "名单有 %d 处错误，未保存任何数据；请改正后重新上传，或选择部分导入", len(v.Rejected))
	case v.Households == 0:
		return Refusal("list_rejected", v.Rejected, "名单中没有可导入的户")
	}
	return nil
}

// RegionsRefusal refuses a region file that has a bad row.
func RegionsRefusal(rej []Reject) error {
	if len(rej) == 0 {
		return nil
	}
	return Refusal("regions_rejected", rej, "区划文件有 %d 处错误，未保存任何数据；请改正后重新上传", len(rej))
}

// CheckImport says whether the actor may store a list version of the county
// taking effect on the day; it returns the county code as read.
func CheckImport(by znb.Actor, county string, effective znb.Date) (string, error) {
	county, err := znb.ParseCounty(county)
	if err != nil {
		return "", err
	}
	if err := znb.Allow(by, znb.ImportList); err != nil {
		return "", err
	}
	if !by.SeesRegion(county) {
		return "", znb.Errorf(znb.Forbidden, "out_of_scope", "无权为 %s 上传名单", county)
	}
	if effective.IsZero() {
		return "", znb.Errorf(znb.Invalid, "invalid_effective_date", "须给出名单生效日期（YYYY-MM-DD）")
	}
	return county, nil
}

// Comparable says whether two list versions may be compared: only two of
// one county.
func (l *ListVersion) Comparable(other *ListVersion) error {
	if l.County != other.County {
		return znb.Errorf(znb.Invalid, "different_counties", "只能比较同一县的两个名单版本（%s 与 %s）", l.County, other.County)
	}
	return nil
}

// Lookup is a search for a household by its number or by the ID number of
// a member; at least one must be given. A household search may give a
// member's name instead (HouseholdLookup).
type Lookup struct {
	HouseholdNo string
	IDNumber    string
	Name        string // the whole name as listed
}

// NewLookup trims the keys and upper-cases the ID number's check letter.
func NewLookup(householdNo, idNumber string) (Lookup, error) {
	l := Lookup{HouseholdNo: strings.TrimSpace(householdNo), IDNumber: strings.ToUpper(strings.TrimSpace(idNumber))}
	if l.HouseholdNo == "" && l.IDNumber == "" {
		return l, znb.Errorf(znb.Invalid, "query_required", "请给出户编号（household_no）或身份证号（id_number）")
	}
	return l, nil
}

// HouseholdLookup is NewLookup for a household search, which may also
// give a member's whole name (alone or beside the other keys).
func HouseholdLookup(householdNo, idNumber, name string) (Lookup, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return NewLookup(householdNo, idNumber)
	}
	l, _ := NewLookup(householdNo, idNumber)
	l.Name = name
	if len([]rune(name)) > 64 {
		return l, znb.Errorf(znb.Invalid, "invalid_name", "姓名过长（最多 64 个字）：%q", name)
	}
	return l, nil
}
