package subsidy

import (
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Writer writes a workbook one sheet and one row at a time, as sheet.Writer
// does for XLSX and CSV. Cells are string, decimal.Decimal (an amount), int,
// znb.Date or nil (empty); the writer neutralises text against formulas.
type Writer interface {
	Sheet(name string, header []string) error
	Row(cells ...any) error
	Close() error
}

// Items streams the detail rows of one finding to fn, in the order they
// were produced; the *Detail may be reused between calls.
type Items func(f Finding, fn func(*Detail) error) error

// Export writes r to w and closes it: a summary sheet (汇总: findings, then
// funding sources), then one sheet per finding with its detail rows under
// detailHeader. ID numbers are full when fullID is set and masked
// otherwise.
func Export(w Writer, r *Reconciliation, items Items, fullID bool) error {
	if err := writeSummary(w, r); err != nil {
		return err
	}
	for _, f := range Findings {
		if err := w.Sheet(f.Name(), detailHeader); err != nil {
			return err
		}
		if err := items(f, func(d *Detail) error { return w.Row(detailCells(d, fullID)...) }); err != nil {
			return err
		}
	}
	return w.Close()
}

func writeSummary(w Writer, r *Reconciliation) error {
	if err := w.Sheet("汇总", []string{"项目", "核对结果代码", "人数", "申报保费", "应核保费", "核定保费", "核减保费"}); err != nil {
		return err
	}
	n := 0
	for _, t := range r.Result.Findings {
		n += t.Count
		if err := w.Row(t.Finding.Name(), string(t.Finding), t.Count, t.Billed, t.Expected, t.Allowed, t.Disallowed); err != nil {
			return err
		}
	}
	res := &r.Result
	if err := w.Row("合计", "", n, res.Billed.Premium, nil, res.Allowed.Premium, res.Disallowed.Premium); err != nil {
		return err
	}
	if err := w.Row(); err != nil {
		return err
	}
	if err := w.Row("资金来源", "", "", "申报金额", "", "核定金额", "核减金额"); err != nil {
		return err
	}
	for i, s := range znb.Sources {
		if err := w.Row(s.Name()+"补贴", string(s), nil, res.Billed.Sources[i], nil, res.Allowed.Sources[i], res.Disallowed.Sources[i]); err != nil {
			return err
		}
	}
	return w.Row("输入摘要", res.InputsHash)
}

// detailHeader is the header of a detail sheet.
var detailHeader = []string{"行号", "分户凭证号", "户编号", "身份证号", "姓名", "名单户类型", "申报户类型",
	"保障起期", "保障止期", "申报保费", "应核保费", "差额", "核定保费", "核减保费",
	"中央核定", "省级核定", "市级核定", "县级核定", "个人核定",
	"中央核减", "省级核减", "市级核减", "县级核减", "个人核减", "核对结果", "说明"}

// detailCells are the cells of one detail row under detailHeader.
func detailCells(d *Detail, fullID bool) []any {
	id := d.IDNumber
	if !fullID {
		id = registry.MaskID(id)
	}
	var row any
	if d.Row > 0 {
		row = d.Row
	}
	cells := []any{row, d.CertificateNo, d.HouseholdNo, id, d.Name, d.ListCategory.Name(), d.BilledCategory.Name(),
		d.CoverageStart, d.CoverageEnd, d.Billed.Premium, d.Expected, d.Difference, d.Allowed.Premium, d.Disallowed.Premium}
	for _, v := range d.Allowed.Sources {
		cells = append(cells, v)
	}
	for _, v := range d.Disallowed.Sources {
		cells = append(cells, v)
	}
	return append(cells, d.Finding.Name(), d.Note)
}
