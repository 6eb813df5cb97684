package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type listRow struct {
	ID            int64
	County        string
	EffectiveDate znb.Date
	SourceName    string
	Sha256        string
	Households    int
	Members       int
	CreatedBy     string
	CreatedAt     int64
}

func (listRow) TableName() string { return "list_versions" }

func (r *listRow) version() *registry.ListVersion {
	return &registry.ListVersion{ID: r.ID, County: r.County, Effective: r.EffectiveDate, SourceName: r.SourceName, SHA256: r.Sha256,
		Households: r.Households, Members: r.Members, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
}

// Import is what a list import did: the stored version (nil when nothing was
// stored), every rejected row, and the cross-county warnings.
type Import struct {
	List        *registry.ListVersion
	Households  int
	Members     int
	Rejected    []registry.Reject
	CrossCounty []registry.CrossCounty
	// Accounts counts the households' bank accounts the list gave that were
	// new or changed (stored as the account file stores them).
	Accounts int
}

// ImportOptions are the choices of one import.
type ImportOptions struct {
	County    string
	Effective znb.Date
	Partial   bool // store the clean households, leave out the others
	Progress  func(phase string, rows int)
}

// ImportList checks the list file and stores it as a new version in one
// transaction: either the whole version is there or nothing is. Without the
// partial option any bad row rejects the file (code list_rejected, with the
// report in Details); the file is then read once, checked while it is
// written, and the transaction rolled back when the check refuses it. With
// the partial option, households with a bad row are left out; a household's
// fault may show after its rows, so the file is checked whole first and read
// again to write. Either way memory holds the verdict, not the list.
func (db *DB) ImportList(ctx context.Context, by znb.Actor, f registry.File, o ImportOptions) (*Import, error) {
	county, err := registry.CheckImport(by, o.County, o.Effective)
	if err != nil {
		return nil, err
	}
	o.County = county
	if o.Progress == nil {
		o.Progress = func(string, int) {}
	}
	today := znb.DateOf(db.Now().In(znb.CST))
	var v *registry.Verdict
	var pass listPass
	if o.Partial {
		rows, err := f.Open()
		if err != nil {
			return nil, err
		}
		v, err = registry.Check(&counting{Rows: rows, phase: "check", progress: o.Progress}, o.County, today)
		rows.Close()
		if err != nil {
			return nil, err
		}
		if err := v.Refusal(true); err != nil {
			return &Import{Rejected: v.Rejected}, err
		}
		pass = func(rows registry.Rows, fn rowFunc) error {
			return registry.Each(&counting{Rows: rows, phase: "write", progress: o.Progress}, o.County,
				func(h registry.Household, m registry.Member) error {
					if !v.OK(h.No) {
						return nil
					}
					return fn(h, m)
				})
		}
	} else {
		pass = func(rows registry.Rows, fn rowFunc) (err error) {
			v, err = registry.CheckEach(&counting{Rows: rows, phase: "import", progress: o.Progress}, o.County, today, fn)
			return err
		}
	}
	res := &Import{}
	row := listRow{County: o.County, EffectiveDate: o.Effective, SourceName: f.Name, Sha256: f.SHA256,
		CreatedBy: by.Username, CreatedAt: db.nowMS()}
	var refused error
	err = db.BulkTx(ctx, func(tx *gorm.DB) error {
		row.ID, refused = 0, nil // set by this run
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		accounts, err := db.writeList(ctx, tx, row.ID, f, pass)
		if err != nil {
			return err
		}
		if refused = v.Refusal(o.Partial); refused != nil {
			return refused
		}
		res.Rejected, res.Households, res.Members = v.Rejected, v.Households, v.Members
		if res.Accounts, _, err = db.saveAccounts(ctx, tx, by, o.County, accounts); err != nil {
			return err
		}
		row.Households, row.Members = v.Households, v.Members
		if err := tx.Model(&listRow{}).Where("id = ?", row.ID).
			Updates(map[string]any{"households": row.Households, "members": row.Members}).Error; err != nil {
			return err
		}
		cc, err := db.crossCounty(tx, row.ID, o.County)
		if err != nil {
			return err
		}
		res.CrossCounty = cc
		details := map[string]any{
			"county": o.County, "effective_date": o.Effective, "file": f.Name, "sha256": f.SHA256,
			"households": row.Households, "members": row.Members, "rejected_rows": len(v.Rejected),
			"partial": o.Partial, "cross_county": len(cc)}
		if len(accounts) > 0 {
			details["accounts"] = res.Accounts
		}
		return db.audit(tx, by, scope{region: o.County}, "list.import", listObject(row.ID), details)
	})
	if refused != nil {
		// Nothing was stored, so nothing is counted.
		return &Import{Rejected: v.Rejected}, refused
	}
	if err != nil {
		return nil, znb.Wrap(err, "保存名单")
	}
	res.List = row.version()
	db.warnAfter(ctx, o.County)
	return res, nil
}

func listObject(id int64) string { return "list:" + itoa(id) }

// rowFunc takes one row of a list to store.
type rowFunc = func(registry.Household, registry.Member) error

// listPass reads a list file from its rows and calls fn for each row to
// store, in file order.
type listPass func(rows registry.Rows, fn rowFunc) error

// writeList reads the file through pass and writes the households and
// members it hands on. A household row is written with its head's row,
// which every stored household has exactly one of. It returns the bank
// accounts the rows give, one per household (rows that give one agree: the
// check saw to it), for saveAccounts.
func (db *DB) writeList(ctx context.Context, tx *gorm.DB, listID int64, f registry.File, pass listPass) ([]disaster.Account, error) {
	rows, err := f.Open()
	if err != nil {
		return nil, err
	}
	var accounts []disaster.Account
	var given map[string]bool
	defer rows.Close()
	hh := newBatch(ctx, db, tx, "households", "list_id", "household_no", "region_code", "village_name", "category", "income_per_capita", "risk_eliminated")
	mm := newBatch(ctx, db, tx, "members", "list_id", "household_no", "id_number", "name", "relation", "status", "status_date", "phone", "row_no")
	// Nothing reads the list back before it is whole, so the database writes
	// one batch while the next is read from the file.
	p := newPipe(ctx)
	hh.pipe, mm.pipe = p, p
	err = pass(rows, func(h registry.Household, m registry.Member) error {
		if a := h.Account; a != (registry.BankAccount{}) && !given[h.No] {
			if given == nil {
				given = map[string]bool{}
			}
			given[h.No] = true
			accounts = append(accounts, disaster.Account{HouseholdNo: h.No, Number: a.Number, Bank: a.Bank, Holder: a.Holder})
		}
		if m.Relation == registry.Head {
			if err := hh.add(listID, h.No, h.Region, h.Village, string(h.Category), h.Income, boolInt(h.RiskEliminated)); err != nil {
				return err
			}
		}
		return mm.add(listID, m.HouseholdNo, m.IDNumber, m.Name, m.Relation, string(m.Status), m.StatusDate, m.Phone, m.Row)
	})
	if err = errors.Join(closeAll(err, hh, mm), p.wait()); err != nil {
		return nil, err
	}
	return accounts, nil
}

func boolInt(b *bool) any {
	switch {
	case b == nil:
		return nil
	case *b:
		return 1
	}
	return 0
}

// crossCounty finds people of list listID who are in the current list of
// another county. The current list of a county is its latest import.
func (db *DB) crossCounty(tx *gorm.DB, listID int64, county string) ([]registry.CrossCounty, error) {
	var others []int64
	if err := tx.Raw(`SELECT MAX(id) FROM list_versions WHERE county <> ? GROUP BY county`, county).Scan(&others).Error; err != nil {
		return nil, err
	}
	if len(others) == 0 {
		return nil, nil
	}
	var out []registry.CrossCounty
	err := tx.Raw(`SELECT m.row_no, m.id_number, m.name, l.county
		FROM members m
		JOIN members o ON o.id_number = m.id_number
		JOIN list_versions l ON l.id = o.list_id
		WHERE m.list_id = ? AND o.list_id IN ?
		ORDER BY m.row_no`, listID, others).Scan(&out).Error
	return out, err
}

// counting reports progress every 10,000 rows, under the name of the pass:
// check and then write for a partial import, import for one that checks
// while it writes.
type counting struct {
	registry.Rows
	phase    string
	n        int
	progress func(string, int)
}

func (c *counting) Next() bool {
	ok := c.Rows.Next()
	if ok {
		c.n++
		if c.n%10000 == 0 {
			c.progress(c.phase, c.n)
		}
	} else {
		c.progress(c.phase, c.n)
	}
	return ok
}

// fileSHA256 is the SHA-256 of a file's bytes (a statement file's, for its
// reconciliation).
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
