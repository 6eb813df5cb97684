package store

import (
	"context"
	"io"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// ExportReconciliation writes reconciliation id to w as "xlsx" or "csv": a
// summary sheet (汇总: findings, then funding sources), then one sheet per
// finding with its detail rows, Chinese headers, amounts as numbers with two
// decimals and text neutralised against formulas. ID numbers are full for
// roles that need them — an audited read — and masked otherwise.
func (db *DB) ExportReconciliation(ctx context.Context, by znb.Actor, id int64, w io.Writer, format string) (*Reconciliation, error) {
	rec, err := db.GetReconciliation(ctx, by, id)
	if err != nil {
		return nil, err
	}
	out, err := sheet.NewWriter(w, format)
	if err != nil {
		return nil, err
	}
	full := by.NeedsFullID()
	if full {
		if err := db.Audit(ctx, by, "reconciliation.export_full_id", reconObject(id), map[string]any{"format": format}); err != nil {
			return nil, err
		}
	}
	if err := writeSummary(out, rec); err != nil {
		return nil, err
	}
	for _, f := range subsidy.Findings {
		if err := out.Sheet(f.Name(), DetailHeader); err != nil {
			return nil, err
		}
		err := db.EachReconciliationItem(ctx, rec, f, func(d *subsidy.Detail) error {
			return out.Row(DetailCells(d, full)...)
		})
		if err != nil {
			return nil, err
		}
	}
	return rec, out.Close()
}

func writeSummary(out sheet.Writer, rec *Reconciliation) error {
	if err := out.Sheet("汇总", []string{"项目", "核对结果代码", "人数", "申报保费", "应核保费", "核定保费", "核减保费"}); err != nil {
		return err
	}
	n := 0
	for _, t := range rec.Result.Findings {
		n += t.Count
		if err := out.Row(t.Finding.Name(), string(t.Finding), t.Count, t.Billed, t.Expected, t.Allowed, t.Disallowed); err != nil {
			return err
		}
	}
	res := &rec.Result
	if err := out.Row("合计", "", n, res.Billed.Premium, nil, res.Allowed.Premium, res.Disallowed.Premium); err != nil {
		return err
	}
	if err := out.Row(); err != nil {
		return err
	}
	if err := out.Row("资金来源", "", "", "申报金额", "", "核定金额", "核减金额"); err != nil {
		return err
	}
	for i, s := range znb.Sources {
		if err := out.Row(s.Name()+"补贴", string(s), nil, res.Billed.Sources[i], nil, res.Allowed.Sources[i], res.Disallowed.Sources[i]); err != nil {
			return err
		}
	}
	return out.Row("输入摘要", res.InputsHash)
}

// DetailHeader is the header of a detail sheet.
var DetailHeader = []string{"行号", "分户凭证号", "户编号", "身份证号", "姓名", "名单户类型", "申报户类型",
	"保障起期", "保障止期", "申报保费", "应核保费", "差额", "核定保费", "核减保费",
	"中央核定", "省级核定", "市级核定", "县级核定", "个人核定",
	"中央核减", "省级核减", "市级核减", "县级核减", "个人核减", "核对结果", "说明"}

// DetailCells are the cells of one detail row under DetailHeader.
func DetailCells(d *subsidy.Detail, fullID bool) []any {
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
