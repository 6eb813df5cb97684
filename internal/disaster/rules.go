package disaster

import (
	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Who may do an event's work beyond what the action table grants. Filling a
// worksheet assesses each of its rows as the uploader's own work, and
// approving an area decides each claim in it: both are the work of the
// insurer's named roles, which the maker–checker rule tells apart, so
// admin's right to every action does not reach them (as for one claim).

// CheckUploader says whether the actor may upload a filled worksheet: an
// adjuster by name.
func CheckUploader(by znb.Actor) error {
	if err := claim.Permit(by, znb.ReportClaim); err != nil {
		return err
	}
	if !znb.Granted(by, znb.AssessClaim) {
		return errRole("定损表须由理算人员上传")
	}
	return nil
}

// CheckAreaApprover says whether the actor may approve an area's claims at
// once: an approver by name.
func CheckAreaApprover(by znb.Actor) error {
	if !znb.Granted(by, znb.DecideClaim) {
		return errRole("当前角色无权核赔")
	}
	return nil
}

// CheckStruck refuses a report of the event for a household whose village
// (region) the event did not strike.
func (e *Event) CheckStruck(region, householdNo string) error {
	if e.Struck(region) {
		return nil
	}
	return znb.Errorf(znb.Invalid, "region_not_in_event", "户 %s 所在村不在灾害事件“%s”的受灾范围内", householdNo, e.Name)
}

// CheckAccountsUpload says whether the actor may load the bank accounts of
// the county's households; it returns the county code as read.
func CheckAccountsUpload(by znb.Actor, county string) (string, error) {
	county, err := znb.ParseCounty(county)
	if err != nil {
		return "", err
	}
	if err := znb.Allow(by, znb.LoadAccounts); err != nil {
		return "", err
	}
	if by.Regional() && !by.SeesRegion(county) {
		return "", znb.Errorf(znb.Forbidden, "out_of_scope", "无权为 %s 上传账户", county)
	}
	return county, nil
}

// BatchQuery chooses the approved claims of a batch: an event's, or those
// approved between two days (both included).
type BatchQuery struct {
	EventID  int64
	From, To znb.Date
}

// CheckBuild says whether the actor may build a payment batch of the query:
// the insurer's staff pay their own claims (admin, who works for no
// insurer, does not), and a batch is of an event or of a range of days.
func (q BatchQuery) CheckBuild(by znb.Actor) error {
	if err := znb.Allow(by, znb.BuildPayments); err != nil {
		return err
	}
	if !by.Role.Insurer() {
		return errRole("付款批次须由保险机构人员生成")
	}
	if q.EventID == 0 && (q.From.IsZero() || q.To.IsZero() || q.To.Before(q.From)) {
		return znb.Errorf(znb.Invalid, "invalid_batch_query", "须给出灾害事件，或起止日期（核赔日期范围）")
	}
	return nil
}

// CheckPayable refuses a batch that would pay nothing.
func CheckPayable(items int) error {
	if items == 0 {
		return znb.Errorf(znb.Conflict, "no_payable_claims", "没有可付款的已核赔案件（已在其他未回盘批次中的、没有银行账户的不计）")
	}
	return nil
}

func errRole(msg string) error { return znb.Errorf(znb.Forbidden, "role_not_allowed", "%s", msg) }
