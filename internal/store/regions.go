package store

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// RegionLoad is what loading a region file did: the regions the file holds,
// how many were new, renamed or already so named, and every rejected row
// (none when anything was stored).
type RegionLoad struct {
	Regions   int
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  []registry.Reject
}

// RegionName is a stored region name and when it last changed (Unix ms).
type RegionName struct {
	Code      string
	Name      string
	UpdatedAt int64
}

// codesPerQuery bounds the codes of one IN list, well under the variable
// limits of SQLite and MySQL.
const codesPerQuery = 5000

// LoadRegions stores the region names of the file (see
// registry.CheckRegions), adding new codes and renaming known ones, in one
// transaction. Admin names any code, an office only codes inside its scope;
// other roles are forbidden. A file with any bad row is refused whole (code
// regions_rejected, the rows in Details) and nothing is stored.
func (db *DB) LoadRegions(ctx context.Context, by znb.Actor, f registry.File) (*RegionLoad, error) {
	if err := znb.Allow(by, znb.LoadRegions); err != nil {
		return nil, err
	}
	rows, err := f.Open()
	if err != nil {
		return nil, err
	}
	regions, rej, err := registry.CheckRegions(rows, by.SeesRegion)
	rows.Close()
	if err != nil {
		return nil, err
	}
	res := &RegionLoad{Rejected: rej}
	if err := registry.RegionsRefusal(rej); err != nil {
		return res, err
	}
	res.Regions = len(regions)
	err = db.BulkTx(ctx, func(tx *gorm.DB) error {
		codes := make([]string, len(regions))
		for i, r := range regions {
			codes[i] = r.Code
		}
		old, err := db.regionNames(tx, codes, db.forUpdate())
		if err != nil {
			return err
		}
		var renamed []string
		res.Inserted, res.Updated, res.Unchanged = 0, 0, 0
		write := make([]registry.Region, 0, len(regions))
		for _, r := range regions {
			prev, known := old[r.Code]
			switch {
			case !known:
				res.Inserted++
			case prev == r.Name:
				res.Unchanged++
				continue
			default:
				res.Updated++
				renamed = append(renamed, r.Code)
			}
			write = append(write, r)
		}
		// A renamed code is deleted and written again with the new ones: the
		// same statements on every engine, and one batch instead of a
		// statement a row.
		for part := range slices.Chunk(renamed, codesPerQuery) {
			if err := tx.Exec("DELETE FROM regions WHERE code IN ?", part).Error; err != nil {
				return err
			}
		}
		out := newBatch(ctx, db, tx, "regions", "code", "name", "updated_at")
		now := db.nowMS()
		for _, r := range write {
			if err := out.add(r.Code, r.Name, now); err != nil {
				out.close()
				return err
			}
		}
		if err := out.close(); err != nil {
			return err
		}
		return db.audit(tx, by, actorScope(by), "region.load", "regions", map[string]any{"file": f.Name, "sha256": f.SHA256,
			"regions": res.Regions, "inserted": res.Inserted, "updated": res.Updated, "unchanged": res.Unchanged})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存区划名称")
	}
	return res, nil
}

// RegionNames returns the stored names of codes, keyed by code; codes
// without a name are absent.
func (db *DB) RegionNames(ctx context.Context, codes []string) (map[string]string, error) {
	names, err := db.regionNames(db.Gorm(ctx), codes, "")
	return names, znb.Wrap(err, "读取区划名称")
}

// regionNames reads the names of codes in g, with the locking clause lock.
func (db *DB) regionNames(g *gorm.DB, codes []string, lock string) (map[string]string, error) {
	names := make(map[string]string, len(codes))
	for part := range slices.Chunk(codes, codesPerQuery) {
		var rows []RegionName
		if err := g.Raw("SELECT code, name FROM regions WHERE code IN ?"+lock, part).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			names[r.Code] = r.Name
		}
	}
	return names, nil
}

// Regions lists the stored names whose code starts with prefix, in code
// order, at most limit of them after the code after ("" from the start).
// Office and auditor see their scope only: a prefix wider than the scope is
// narrowed to it, one outside it is not found. Other roles see every name.
func (db *DB) Regions(ctx context.Context, by znb.Actor, prefix, after string, limit int) ([]RegionName, error) {
	prefix = strings.TrimSpace(prefix)
	if prefix != "" {
		var err error
		if prefix, err = znb.ParseRegion(prefix); err != nil {
			return nil, err
		}
	}
	if by.Regional() {
		switch {
		case by.SeesRegion(prefix):
		case strings.HasPrefix(by.Scope, prefix):
			prefix = by.Scope
		default:
			return nil, znb.ErrNotFound("区划")
		}
	}
	out := []RegionName{}
	err := db.Gorm(ctx).Raw(`SELECT code, name, updated_at FROM regions WHERE code LIKE ? AND code > ?
		ORDER BY code LIMIT ?`, prefix+"%", after, limit).Scan(&out).Error
	return out, znb.Wrap(err, "读取区划名称")
}
