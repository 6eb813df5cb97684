package policy

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Insurer is the insurer an agreement binds; Hotline is printed on cards.
type Insurer struct {
	Code, Name, Hotline string
}

// ServiceContact is where a household can turn near home besides the
// insurer's hotline — the township service station or a village contact.
// It is optional; cards print it beside the hotline when it is given.
type ServiceContact struct {
	Name, Phone string
}

// Given reports whether the agreement names a service contact.
func (s ServiceContact) Given() bool { return s.Name != "" }

// Term is a period of days, both ends included.
type Term struct {
	Start, End znb.Date
}

// Days counts the days of the term, both ends included; 0 when it ends
// before it starts or a date is missing.
func (t Term) Days() int {
	if t.Start.IsZero() || t.End.IsZero() {
		return 0
	}
	return znb.DaysInclusive(t.Start, t.End)
}

// Contains reports whether day d falls in the term.
func (t Term) Contains(d znb.Date) bool { return !d.Before(t.Start) && !d.After(t.End) }

// Overlaps reports whether the two terms share at least one day.
func (t Term) Overlaps(u Term) bool {
	return t.Days() > 0 && u.Days() > 0 && !t.End.Before(u.Start) && !u.End.Before(t.Start)
}

// AgreementStatus is where an agreement stands: draft → active → expired.
// A draft becomes active through Activate; an active agreement reads as
// expired once its term has ended.
type AgreementStatus string

const (
	Draft   AgreementStatus = "draft"
	Active  AgreementStatus = "active"
	Expired AgreementStatus = "expired"
)

// Agreement is a 项目协议: the county's procurement of cover from
// an insurer. The categories present in Splits are the covered ones.
type Agreement struct {
	ID               int64
	No               string
	County           string
	Insurer          Insurer
	ServiceContact   ServiceContact // zero when the agreement names none
	ProductCode      string
	ProductVersion   int
	Term             Term
	PremiumPerPerson decimal.Decimal
	Splits           map[znb.Category]Split
	Status           AgreementStatus
}

// agreementFile is the agreement file (configs/agreements/example.yaml).
type agreementFile struct {
	AgreementNo string `yaml:"agreement_no"`
	County      scalar `yaml:"county"`
	Insurer     struct {
		Code    scalar `yaml:"code"`
		Name    scalar `yaml:"name"`
		Hotline scalar `yaml:"hotline"`
	} `yaml:"insurer"`
	ServiceContact *struct {
		Name  scalar `yaml:"name"`
		Phone scalar `yaml:"phone"`
	} `yaml:"service_contact"`
	Product struct {
		Code    string `yaml:"code"`
		Version int    `yaml:"version"`
	} `yaml:"product"`
	Term struct {
		Start scalar `yaml:"start"`
		End   scalar `yaml:"end"`
	} `yaml:"term"`
	PremiumPerPerson scalar               `yaml:"premium_per_person"`
	Split            map[string]splitFile `yaml:"split"`
}

// ParseAgreement reads an agreement file, YAML or the same fields as JSON,
// into a draft. It refuses only what cannot be read (agreement_invalid: bad
// dates or dates outside FirstYear–LastYear, amounts or a premium over
// MaxPremium, unknown categories or sources, missing fields, a service
// contact without its name or phone); whether the agreement may take effect
// is CheckActivation's to say, so an incomplete draft can be saved.
func ParseAgreement(data []byte) (*Agreement, error) {
	var f agreementFile
	if err := decodeStrict(data, &f, "agreement_invalid", "协议文件"); err != nil {
		return nil, err
	}
	var ps problems
	a := &Agreement{
		No:             f.AgreementNo,
		County:         string(f.County),
		Insurer:        Insurer{Code: string(f.Insurer.Code), Name: string(f.Insurer.Name), Hotline: string(f.Insurer.Hotline)},
		ProductCode:    f.Product.Code,
		ProductVersion: f.Product.Version,
		Term:           Term{Start: f.Term.Start.date(&ps, "term.start"), End: f.Term.End.date(&ps, "term.end")},
		Splits:         make(map[znb.Category]Split),
		Status:         Draft,
	}
	required := []struct{ field, value string }{
		{"agreement_no", a.No}, {"county", a.County}, {"insurer.code", a.Insurer.Code},
		{"insurer.name", a.Insurer.Name}, {"insurer.hotline", a.Insurer.Hotline},
		{"product.code", a.ProductCode}, {"premium_per_person", string(f.PremiumPerPerson)},
	}
	for _, r := range required {
		if r.value == "" {
			ps.add(r.field, "未填写")
		}
	}
	if sc := f.ServiceContact; sc != nil {
		a.ServiceContact = serviceContactOf(string(sc.Name), string(sc.Phone), &ps)
	}
	a.PremiumPerPerson, _ = f.PremiumPerPerson.amount(&ps, "premium_per_person")
	checkMax(&ps, "premium_per_person", a.PremiumPerPerson, MaxPremium)
	if a.ProductVersion < 0 || a.ProductVersion > MaxVersion {
		ps.add("product.version", "产品版本号须为 1 至 %d 的整数", MaxVersion)
	}
	a.Term.checkYears(&ps)
	for _, name := range sortedKeys(f.Split) {
		c, ok := znb.ParseCategory(name)
		if !ok {
			ps.add("split."+name, "未知的户类型“%s”", name)
			continue
		}
		a.Splits[c] = splitOf(f.Split[name], &ps, "split."+name)
	}
	if err := ps.err("agreement_invalid", "协议文件"); err != nil {
		return nil, err
	}
	return a, nil
}

// serviceContactOf checks a service contact as written: when the section is
// there, both a name (at most 40 characters) and a phone number (digits,
// with '-' or spaces between groups, 5 to 20 characters) are required.
func serviceContactOf(name, phone string, ps *problems) ServiceContact {
	switch n := len([]rune(name)); {
	case n == 0:
		ps.add("service_contact.name", "未填写（服务站或村联系人的名称）")
	case n > 40:
		ps.add("service_contact.name", "名称过长（%d 个字，最多 40 个字）", n)
	}
	if !phoneLike(phone) {
		ps.add("service_contact.phone", "“%s”不是有效电话号码（数字，可用 - 或空格分段，5 到 20 个字符）", phone)
	}
	return ServiceContact{Name: name, Phone: phone}
}

func phoneLike(s string) bool {
	if len(s) < 5 || len(s) > 20 || s[0] < '0' || s[0] > '9' {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '-' && c != ' ' {
			return false
		}
	}
	return true
}

// Covers reports whether the agreement insures households of category c.
func (a *Agreement) Covers(c znb.Category) bool {
	_, ok := a.Splits[c]
	return ok
}

// TermDays counts the days of the term, both ends included.
func (a *Agreement) TermDays() int { return a.Term.Days() }

// CheckDraft says whether the agreement may be saved as a draft: anything
// readable may, but the county must be a county code (invalid_region), since
// who may create and read the agreement follows from it.
func (a *Agreement) CheckDraft() error {
	_, err := znb.ParseCounty(a.County)
	return err
}

// Activate makes a draft active with product p (the product it names, nil
// when none was found) on day today. Activating an active agreement again
// changes nothing (changed is false); an expired one, or one whose term has
// ended by today, is agreement_expired; otherwise CheckActivation decides.
func (a *Agreement) Activate(p *Product, today znb.Date) (changed bool, err error) {
	switch a.Status {
	case Active:
		return false, nil
	case Expired:
		return false, znb.Errorf(znb.Conflict, "agreement_expired", "协议 %s 已过保险期间，不能再生效", a.No)
	}
	if err := a.CheckActivation(p); err != nil {
		return false, err
	}
	if a.Term.End.Before(today) {
		return false, znb.Errorf(znb.Conflict, "agreement_expired", "协议 %s 的保险期间已于 %s 结束", a.No, a.Term.End)
	}
	a.Status = Active
	return true, nil
}

// CheckIssue says whether certificates may be issued under the agreement:
// only while it is active (agreement_not_active before, agreement_expired
// after its term).
func (a *Agreement) CheckIssue() error {
	switch a.Status {
	case Draft:
		return znb.Errorf(znb.Conflict, "agreement_not_active", "协议 %s 尚未生效，不能出单", a.No)
	case Expired:
		return znb.Errorf(znb.Conflict, "agreement_expired", "协议 %s 的保险期间已于 %s 结束", a.No, a.Term.End)
	}
	return nil
}

// CheckActivation says whether the agreement may become active with product
// p (the product it names, nil when none was found). Each refusal has its own
// code: invalid_region, term_invalid, premium_invalid, product_missing,
// product_mismatch, product_invalid, no_covered_category, split_not_100.
func (a *Agreement) CheckActivation(p *Product) error {
	if err := a.CheckDraft(); err != nil {
		return err
	}
	if err := a.Term.Check(); err != nil {
		return err
	}
	if !a.PremiumPerPerson.IsPositive() {
		return znb.Errorf(znb.Invalid, "premium_invalid", "每人保费 %s 元须大于 0", money.String(a.PremiumPerPerson))
	}
	if a.PremiumPerPerson.GreaterThan(MaxPremium) {
		return znb.Errorf(znb.Invalid, "premium_invalid", "premium_per_person：每人保费 %s 元超过上限 %s 元", money.String(a.PremiumPerPerson), money.String(MaxPremium))
	}
	if p == nil {
		return znb.Errorf(znb.Invalid, "product_missing", "协议所用产品 %s 第 %d 版尚未载入", a.ProductCode, a.ProductVersion)
	}
	if p.Code != a.ProductCode || p.Version != a.ProductVersion {
		return znb.Errorf(znb.Invalid, "product_mismatch", "协议约定产品 %s 第 %d 版，提供的是 %s 第 %d 版", a.ProductCode, a.ProductVersion, p.Code, p.Version)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if len(a.Splits) == 0 {
		return znb.Errorf(znb.Invalid, "no_covered_category", "协议未列出任何承保户类型（split 为空）")
	}
	for _, c := range znb.Categories {
		s, ok := a.Splits[c]
		if !ok {
			continue
		}
		var ps problems
		checkSplit(s, &ps, "split."+string(c))
		if len(ps) > 0 {
			return &znb.Error{Kind: znb.Invalid, Code: "split_not_100",
				Message: fmt.Sprintf("%s的保费补贴比例有误：%s", c.Name(), ps[0].Message), Details: []Problem(ps)}
		}
	}
	return nil
}

// SplitPremium divides a premium of a household of category c among the
// funding sources by the agreement's split (see Split.Apply); category_not_covered
// when the agreement does not cover c.
func (a *Agreement) SplitPremium(c znb.Category, premium decimal.Decimal) (Shares, error) {
	s, ok := a.Splits[c]
	if !ok {
		return Shares{}, znb.Errorf(znb.Invalid, "category_not_covered", "协议不承保%s", c.Name())
	}
	return s.Apply(premium), nil
}

// Shares are the parts of an amount each funding source pays, in the order
// of znb.Sources; they add up to the amount exactly.
type Shares [5]decimal.Decimal

// Of returns the share of source src.
func (s Shares) Of(src znb.Source) decimal.Decimal {
	for i, x := range znb.Sources {
		if x == src {
			return s[i]
		}
	}
	return decimal.Zero
}

// Apply splits amount by the percentages: each share rounded half-up to the
// cent, the last non-zero source taking the remainder, so that the shares
// add up to the amount exactly.
func (s Split) Apply(amount decimal.Decimal) Shares {
	var out Shares
	copy(out[:], money.Split(amount, s[:]))
	return out
}

// AllowCreate says whether the actor may sign the agreement: an office of its
// county (or an admin); anyone else is out of scope.
func (a *Agreement) AllowCreate(by znb.Actor) error {
	if !znb.Can(by, znb.CreateAgreement) || !by.Sees(a.County, a.Insurer.Code) {
		return znb.Errorf(znb.Forbidden, "out_of_scope", "无权为 %s 签订协议", a.County)
	}
	return nil
}
