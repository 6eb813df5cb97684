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

// CrossCounty is a person of an imported list who is also in the current
// list of another county: a warning on import, not a reject.
type CrossCounty struct {
	RowNo       int
	IDNumber    string
	Name        string
	County      string
	ListID      int64
	HouseholdNo string
}
