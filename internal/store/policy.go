package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type productRow struct {
	ID               int64
	Code             string
	Version          int
	Name             string
	PremiumPerPerson decimal.Decimal
	Sha256           string
	Body             string
	CreatedBy        string
	CreatedAt        int64
}

func (productRow) TableName() string { return "products" }

// ProductInfo is a loaded product version as listed to users.
type ProductInfo struct {
	Code             string
	Version          int
	Name             string
	PremiumPerPerson decimal.Decimal
	SHA256           string
	CreatedBy        string
	CreatedAt        int64
}

// LoadProduct validates a product file and stores it as a new version. The
// same code and version loaded again with the same text changes nothing
// (loaded is false); with other text it is refused with
// product_version_exists, since agreements already rest on that version.
func (db *DB) LoadProduct(ctx context.Context, by znb.Actor, body []byte) (p *policy.Product, loaded bool, err error) {
	if err := znb.Allow(by, znb.LoadProduct); err != nil {
		return nil, false, err
	}
	return db.loadProduct(ctx, by, body)
}

// loadProduct is LoadProduct without the role check; by is who the audit
// trail names.
func (db *DB) loadProduct(ctx context.Context, by znb.Actor, body []byte) (p *policy.Product, loaded bool, err error) {
	p, err = policy.ParseProduct(body)
	if err != nil {
		return nil, false, err
	}
	sum := sha256.Sum256(body)
	row := productRow{Code: p.Code, Version: p.Version, Name: p.Name, PremiumPerPerson: p.PremiumPerPerson,
		Sha256: hex.EncodeToString(sum[:]), Body: string(body), CreatedBy: by.Username, CreatedAt: db.nowMS()}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var old productRow
		err := tx.Where("code = ? AND version = ?", p.Code, p.Version).Take(&old).Error
		switch {
		case err == nil && old.Sha256 == row.Sha256:
			return nil
		case err == nil: // the stored version is immutable: a fact of the table
			return znb.Errorf(znb.Conflict, "product_version_exists",
				"产品 %s 第 %d 版已载入且内容不同；修改产品请提高版本号（version）", p.Code, p.Version)
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		row.ID = 0 // set by the insert of this run
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		loaded = true
		return db.audit(tx, by, actorScope(by), "product.load", productObject(p.Code, p.Version),
			map[string]any{"code": p.Code, "version": p.Version, "sha256": row.Sha256})
	})
	if err != nil {
		return nil, false, znb.Wrap(err, "保存产品")
	}
	return p, loaded, nil
}

func productObject(code string, version int) string {
	return "product:" + code + "@" + itoa(int64(version))
}

// Products lists every loaded product version, by code and version.
func (db *DB) Products(ctx context.Context) ([]ProductInfo, error) {
	var rows []productRow
	if err := db.Gorm(ctx).Omit("body").Order("code, version").Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取产品")
	}
	out := make([]ProductInfo, len(rows))
	for i, r := range rows {
		out[i] = ProductInfo{r.Code, r.Version, r.Name, r.PremiumPerPerson, r.Sha256, r.CreatedBy, r.CreatedAt}
	}
	return out, nil
}

// Product returns a loaded product version; product_missing when absent.
func (db *DB) Product(ctx context.Context, code string, version int) (*policy.Product, error) {
	return db.product(db.Gorm(ctx), code, version)
}

func (db *DB) product(g *gorm.DB, code string, version int) (*policy.Product, error) {
	var r productRow
	err := g.Where("code = ? AND version = ?", code, version).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, znb.Errorf(znb.NotFound, "product_missing", "产品 %s 第 %d 版尚未载入", code, version)
	}
	if err != nil {
		return nil, znb.Wrap(err, "读取产品")
	}
	return policy.ParseProduct([]byte(r.Body))
}

// SeedProducts loads every *.yaml of dir when no product is loaded yet, so a
// fresh installation starts with the shipped products; it returns what it
// loaded (nothing when products exist already).
func (db *DB) SeedProducts(ctx context.Context, dir string) ([]ProductInfo, error) {
	var n int64
	if err := db.Gorm(ctx).Model(&productRow{}).Count(&n).Error; err != nil {
		return nil, znb.Wrap(err, "读取产品")
	}
	if n > 0 {
		return nil, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []ProductInfo
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return out, znb.Wrap(err, "读取产品文件")
		}
		p, _, err := db.loadProduct(ctx, znb.System, body)
		if err != nil {
			return out, err
		}
		out = append(out, ProductInfo{Code: p.Code, Version: p.Version, Name: p.Name, PremiumPerPerson: p.PremiumPerPerson})
	}
	return out, nil
}

type agreementRow struct {
	ID               int64
	AgreementNo      string
	County           string
	InsurerCode      string
	InsurerName      string
	InsurerHotline   string
	ServiceName      string
	ServicePhone     string
	ProductCode      string
	ProductVersion   int
	TermStart        znb.Date
	TermEnd          znb.Date
	PremiumPerPerson decimal.Decimal
	Status           string
	Body             string
	CreatedBy        string
	CreatedAt        int64
	ActivatedAt      *int64
}

func (agreementRow) TableName() string { return "agreements" }

type splitRow struct {
	AgreementID int64
	Category    string
	Central     decimal.Decimal
	Provincial  decimal.Decimal
	Municipal   decimal.Decimal
	County      decimal.Decimal
	Self        decimal.Decimal
}

func (splitRow) TableName() string { return "agreement_splits" }

func agreementObject(id int64) string { return "agreement:" + itoa(id) }

// CreateAgreement reads an agreement file (YAML, or the same fields as JSON)
// and stores it as a draft. Only an office of the county, or an admin, may
// create it; agreement_exists when the number is taken.
func (db *DB) CreateAgreement(ctx context.Context, by znb.Actor, body []byte) (*policy.Agreement, error) {
	a, err := policy.ParseAgreement(body)
	if err != nil {
		return nil, err
	}
	if err := a.CheckDraft(); err != nil {
		return nil, err
	}
	if err := a.AllowCreate(by); err != nil {
		return nil, err
	}
	row := agreementRow{AgreementNo: a.No, County: a.County, InsurerCode: a.Insurer.Code, InsurerName: a.Insurer.Name,
		InsurerHotline: a.Insurer.Hotline, ServiceName: a.ServiceContact.Name, ServicePhone: a.ServiceContact.Phone,
		ProductCode: a.ProductCode, ProductVersion: a.ProductVersion,
		TermStart: a.Term.Start, TermEnd: a.Term.End, PremiumPerPerson: a.PremiumPerPerson,
		Status: string(policy.Draft), Body: string(body), CreatedBy: by.Username, CreatedAt: db.nowMS()}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&agreementRow{}).Where("agreement_no = ?", a.No).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 { // numbers are unique across the table, not a rule of one agreement
			return znb.Errorf(znb.Conflict, "agreement_exists", "协议编号 %s 已存在", a.No)
		}
		row.ID = 0 // set by the insert of this run
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		for _, c := range znb.Categories {
			s, ok := a.Splits[c]
			if !ok {
				continue
			}
			if err := tx.Create(&splitRow{row.ID, string(c), s[0], s[1], s[2], s[3], s[4]}).Error; err != nil {
				return err
			}
		}
		return db.audit(tx, by, scope{a.County, a.Insurer.Code}, "agreement.create", agreementObject(row.ID), map[string]any{
			"agreement_no": a.No, "county": a.County, "insurer": a.Insurer.Code,
			"product": productObject(a.ProductCode, a.ProductVersion)})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存协议")
	}
	a.ID = row.ID
	return a, nil
}

// ActivateAgreement makes a draft active when policy.Agreement.Activate
// accepts it with its product, and records the change.
func (db *DB) ActivateAgreement(ctx context.Context, by znb.Actor, id int64) (*policy.Agreement, error) {
	var out *policy.Agreement
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		a, err := db.agreement(tx, by, id, db.forUpdate())
		if err != nil {
			return err
		}
		if err := znb.Allow(by, znb.ActivateAgreement); err != nil {
			return err
		}
		out = a
		var p *policy.Product
		if a.Status == policy.Draft {
			p, err = db.product(tx, a.ProductCode, a.ProductVersion)
			if err != nil && znb.CodeOf(err) != "product_missing" {
				return err
			}
		}
		changed, err := a.Activate(p, db.today())
		if err != nil || !changed {
			return err
		}
		if err := tx.Model(&agreementRow{}).Where("id = ?", id).
			Updates(map[string]any{"status": string(a.Status), "activated_at": db.nowMS()}).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{a.County, a.Insurer.Code}, "agreement.activate", agreementObject(id), map[string]any{"agreement_no": a.No})
	})
	if err != nil {
		return nil, znb.Wrap(err, "生效协议")
	}
	return out, nil
}

func (db *DB) today() znb.Date { return znb.DateOf(db.Now().In(znb.CST)) }

// GetAgreement returns an agreement the actor may see (office and auditor
// of its region, insurer roles of its insurer, admin); any other is not
// found. An active agreement past its term end reads as expired.
func (db *DB) GetAgreement(ctx context.Context, by znb.Actor, id int64) (*policy.Agreement, error) {
	return db.agreement(db.Gorm(ctx), by, id, "")
}

func (db *DB) agreement(g *gorm.DB, by znb.Actor, id int64, lock string) (*policy.Agreement, error) {
	var r agreementRow
	if err := g.Raw("SELECT * FROM agreements WHERE id = ?"+lock, id).Scan(&r).Error; err != nil {
		return nil, znb.Wrap(err, "读取协议")
	}
	if r.ID == 0 || !by.Sees(r.County, r.InsurerCode) {
		return nil, znb.ErrNotFound("协议")
	}
	var splits []splitRow
	if err := g.Where("agreement_id = ?", id).Find(&splits).Error; err != nil {
		return nil, znb.Wrap(err, "读取协议")
	}
	a := &policy.Agreement{ID: r.ID, No: r.AgreementNo, County: r.County,
		Insurer:        policy.Insurer{Code: r.InsurerCode, Name: r.InsurerName, Hotline: r.InsurerHotline},
		ServiceContact: policy.ServiceContact{Name: r.ServiceName, Phone: r.ServicePhone},
		ProductCode:    r.ProductCode, ProductVersion: r.ProductVersion,
		Term:             policy.Term{Start: r.TermStart, End: r.TermEnd},
		PremiumPerPerson: r.PremiumPerPerson, Status: policy.AgreementStatus(r.Status),
		Splits: make(map[znb.Category]policy.Split, len(splits))}
	for _, s := range splits {
		a.Splits[znb.Category(s.Category)] = policy.Split{s.Central, s.Provincial, s.Municipal, s.County, s.Self}
	}
	if a.Status == policy.Active && a.Term.End.Before(db.today()) {
		a.Status = policy.Expired
	}
	return a, nil
}

// AgreementProduct returns the product an agreement names. It does not check
// scope: callers have read the agreement through GetAgreement first.
func (db *DB) AgreementProduct(ctx context.Context, agreementID int64) (*policy.Product, error) {
	g := db.Gorm(ctx)
	var r agreementRow
	if err := g.Select("product_code, product_version").Where("id = ?", agreementID).Take(&r).Error; err != nil {
		return nil, notFound(err, "协议")
	}
	return db.product(g, r.ProductCode, r.ProductVersion)
}

// MasterPolicyNo returns the agreement's master policy number, "" before
// its first issue.
func (db *DB) MasterPolicyNo(ctx context.Context, agreementID int64) (string, error) {
	var nos []string
	if err := db.Gorm(ctx).Table("master_policies").Where("agreement_id = ?", agreementID).Pluck("master_policy_no", &nos).Error; err != nil {
		return "", znb.Wrap(err, "读取统一保险单")
	}
	if len(nos) == 0 {
		return "", nil
	}
	return nos[0], nil
}
