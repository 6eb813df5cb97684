package subsidy

import (
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Status is where a reconciliation stands: draft → confirmed (by the
// office) → settled (the allowed subsidy has been paid).
type Status string

const (
	Draft     Status = "draft"
	Confirmed Status = "confirmed"
	Settled   Status = "settled"
)

// Name returns the Chinese name of s, as the lifecycle errors use it.
func (s Status) Name() string {
	switch s {
	case Draft:
		return "草稿"
	case Confirmed:
		return "确认"
	case Settled:
		return "结算"
	}
	return string(s)
}

// BillSource is where a reconciliation's bill came from.
type BillSource string

const (
	BillStatement    BillSource = "statement"    // an insurer's uploaded statement file
	BillCertificates BillSource = "certificates" // computed from the certificates issued here
)

// Reconciliation is one run of an agreement's bill against a list version:
// its inputs, its place in the lifecycle and its result.
type Reconciliation struct {
	ID              int64
	AgreementID     int64
	ListID          int64
	County          string
	InsurerCode     string
	BillSource      BillSource
	StatementName   string
	StatementSHA256 string
	Status          Status
	Terms           Terms
	Result          Result // InputsHash is the frozen hash
	CreatedBy       string
	CreatedAt       int64 // Unix milliseconds, as the other times
	ConfirmedBy     string
	ConfirmedAt     int64
	SettledBy       string
	SettledAt       int64
}

// TermsOf takes from an agreement what a reconciliation reads.
func TermsOf(a *policy.Agreement) Terms {
	return Terms{AgreementID: a.ID, Start: a.Term.Start, End: a.Term.End,
		PremiumPerPerson: a.PremiumPerPerson, Splits: a.Splits}
}

// runs reports whether by may run, confirm and settle the reconciliations
// of a county: its office, or an admin.
func runs(by znb.Actor, county string) bool {
	return znb.Can(by, znb.RunReconciliation) && by.SeesRegion(county)
}

// Start begins a draft reconciliation of agreement a by actor by at time
// now. Only the office of the agreement's county (or an admin) may run one;
// to anyone else the agreement is not found, as it would be to a reader out
// of scope. A draft agreement has nothing to reconcile yet.
func Start(by znb.Actor, a *policy.Agreement, now int64) (*Reconciliation, error) {
	if !runs(by, a.County) {
		return nil, znb.ErrNotFound("协议")
	}
	if a.Status == policy.Draft {
		return nil, znb.Errorf(znb.Conflict, "agreement_not_active", "协议 %s 尚未生效，不能对账", a.No)
	}
	return &Reconciliation{AgreementID: a.ID, County: a.County, InsurerCode: a.Insurer.Code, Status: Draft,
		Terms: TermsOf(a), CreatedBy: by.Username, CreatedAt: now}, nil
}

// CanConfirm says why by may not confirm r now (forbidden, or
// reconciliation_not_draft), or nil. The store asks it before reading the
// inputs again, which is the costly part of a confirmation.
func (r *Reconciliation) CanConfirm(by znb.Actor) error {
	if !runs(by, r.County) {
		return znb.Errorf(znb.Forbidden, "forbidden", "只有县扶贫办可以确认对账")
	}
	if r.Status != Draft {
		return znb.Errorf(znb.Conflict, "reconciliation_not_draft", "对账 %d 已%s，不能再次确认", r.ID, r.Status.Name())
	}
	return nil
}

// Confirm freezes a draft whose inputs, read again, hash to inputsHash: it
// must equal the hash of the run (reconciliation_stale otherwise: the list
// or the bill changed, re-run it). A confirmed reconciliation never changes
// again except to be settled.
func (r *Reconciliation) Confirm(by znb.Actor, inputsHash string, now int64) error {
	if err := r.CanConfirm(by); err != nil {
		return err
	}
	if inputsHash != r.Result.InputsHash {
		return znb.Errorf(znb.Conflict, "reconciliation_stale", "对账 %d 的输入（名单或承保数据）已变化，请重新对账后再确认", r.ID)
	}
	r.Status, r.ConfirmedBy, r.ConfirmedAt = Confirmed, by.Username, now
	return nil
}

// Settle marks a confirmed reconciliation settled (结算): the allowed
// subsidy has been paid. Only the county's office or an admin settles.
func (r *Reconciliation) Settle(by znb.Actor, now int64) error {
	if !runs(by, r.County) {
		return znb.Errorf(znb.Forbidden, "forbidden", "只有县扶贫办或管理员可以办理结算")
	}
	if r.Status != Confirmed {
		return znb.Errorf(znb.Conflict, "reconciliation_not_confirmed", "对账 %d 当前为%s，须先确认才能结算", r.ID, r.Status.Name())
	}
	r.Status, r.SettledBy, r.SettledAt = Settled, by.Username, now
	return nil
}

// CheckListChoice says whether a run names the list it reads: a list
// version by id, or a day whose list in force it takes.
func CheckListChoice(listID int64, asOf znb.Date) error {
	if listID == 0 && asOf.IsZero() {
		return znb.Errorf(znb.Invalid, "list_required", "须给出名单版本（list_id）或名单日期（as_of）")
	}
	return nil
}

// UseList binds r, run by by, to list version l, which must be of the
// agreement's county: a reconciliation reads the list of the county it
// pays. A list by may not see is not_found, as if it did not exist; one it
// sees of another county is list_other_county.
func (r *Reconciliation) UseList(by znb.Actor, l *registry.ListVersion) error {
	if err := l.VisibleUnder(by, r.County); err != nil {
		return err
	}
	if l.County != r.County {
		return znb.Errorf(znb.Invalid, "list_other_county", "名单版本 %d 属于县 %s，不是协议所在的县 %s", l.ID, l.County, r.County)
	}
	r.ListID = l.ID
	return nil
}
