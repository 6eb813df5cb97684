package registry

import "github.com/zhunongbao/zhunongbao/internal/znb"

// ListVersion is one accepted import of a county's household list. The
// current list of a county is its latest version.
type ListVersion struct {
	ID         int64
	County     string
	Effective  znb.Date
	SourceName string
	SHA256     string
	Households int
	Members    int
	CreatedBy  string
	CreatedAt  int64 // Unix ms
}

// VisibleUnder says whether by may learn of list l while working under an
// agreement of county: the agreement's own county's list, or a list of a
// region by reads anyway. Any other list is not_found, answered exactly as an
// id that does not exist, so that another county's list ids cannot be probed.
func (l *ListVersion) VisibleUnder(by znb.Actor, county string) error {
	if l.County != county && !by.SeesRegion(l.County) {
		return znb.ErrNotFound("名单版本")
	}
	return nil
}

// CrossCounty is a person of an imported list who is also in the current
// list of another county: a warning on import, not a reject. It names that
// county only, never the other county's list or household, which the
// importing office may not see.
type CrossCounty struct {
	RowNo    int
	IDNumber string
	Name     string
	County   string
}
