// Package objection holds the rules of objections and complaints: the
// objection period a claims notice (公示) opens, the categories, who holds
// an item, its deadlines in working days, its statuses and its reply, and
// the rule that an upheld objection stops a claim's payment until the
// claim is assessed again.
package objection

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Category is what an objection or complaint is about.
type Category string

const (
	ClaimObjection Category = "claim_objection" // 对公示理赔的异议
	Service        Category = "service"         // 服务投诉
	Coverage       Category = "coverage"        // 参保、保障范围
	Other          Category = "other"
)

// Categories lists every category in display order.
var Categories = []Category{ClaimObjection, Service, Coverage, Other}

// Name is the category in Chinese.
func (c Category) Name() string {
	switch c {
	case ClaimObjection:
		return "理赔异议"
	case Service:
		return "服务投诉"
	case Coverage:
		return "参保与保障"
	case Other:
		return "其他"
	}
	return string(c)
}

// Holder is who must answer an item: the county office or the insurer.
type Holder string

const (
	OfficeHolder  Holder = "office"
	InsurerHolder Holder = "insurer"
)

// Source is how an item arrived.
type Source string

const (
	Public   Source = "public"    // the public form
	Hotline  Source = "hotline"   // 12317 or the insurer's hotline, entered by staff
	InPerson Source = "in_person" // a visit or a letter, entered by staff
)

// Status is where an item stands: received, then acknowledged (受理确认),
// then upheld or rejected with a reply. An item may be answered without a
// separate acknowledgement; the answer acknowledges it too.
type Status string

const (
	Received     Status = "received"
	Acknowledged Status = "acknowledged"
	Upheld       Status = "upheld"
	Rejected     Status = "rejected"
)

// Open says whether the item still waits for its answer.
func (s Status) Open() bool { return s == Received || s == Acknowledged }

// Name is the status in Chinese.
func (s Status) Name() string {
	switch s {
	case Received:
		return "已收到"
	case Acknowledged:
		return "已受理"
	case Upheld:
		return "异议成立"
	case Rejected:
		return "异议不成立"
	}
	return string(s)
}

// Deadlines and the objection period, in working days (Calendar).
const (
	AckDays     = 3  // acknowledgement deadline
	ResolveDays = 15 // resolution deadline
	PeriodDays  = 7  // the objection period a claims notice opens
)

// Number is the objection number of an item received on d with sequence
// seq: YY{yyyymmdd}{6 digits}.
func Number(d znb.Date, seq int64) string {
	return fmt.Sprintf("YY%s%06d", strings.ReplaceAll(d.String(), "-", ""), seq)
}

// Bounds of the fields of an item, the public form's above all.
const (
	MaxName     = 30
	MaxPhone    = 20
	MaxText     = 1000
	MaxReply    = 1000
	MaxClaimNo  = 32
	MaxVillage  = 12
	MaxNoteText = 500
)

// Item is an objection or complaint.
type Item struct {
	No         string
	Category   Category
	Source     Source
	Holder     Holder
	Name       string // who objects; may be empty for an anonymous call
	Phone      string
	ClaimNo    string // the claim objected to, when one is named
	Village    string // 12-digit village code, when no claim is named
	Text       string
	ReceivedOn znb.Date
	AckDue     znb.Date
	ResolveDue znb.Date
	Status     Status
	Reply      string
	RecordedBy string
	AnsweredBy string
	AnsweredOn znb.Date
	RegionCode string // the claim's village, or Village
	Insurer    string // the claim's insurer, when a claim is named
	AckedOn    znb.Date
}

// Filing is what arrives: through the public form (Source Public) or as
// staff record it.
type Filing struct {
	Category Category
	Source   Source
	Name     string
	Phone    string
	ClaimNo  string
	Village  string
	Text     string
}

func tooLong(field string, n int) error {
	return znb.Errorf(znb.Invalid, "field_too_long", "%s 最多 %d 个字符", field, n)
}

// Check trims a filing and checks it: a known category and source, bounded
// fields, a text, an 11-digit mobile number when one is given (the public
// form needs one, to be answered), and a claim number or a village code.
func (f *Filing) Check() error {
	f.Name, f.Phone = strings.TrimSpace(f.Name), strings.TrimSpace(f.Phone)
	f.ClaimNo, f.Village = strings.ToUpper(strings.TrimSpace(f.ClaimNo)), strings.TrimSpace(f.Village)
	f.Text = strings.TrimSpace(f.Text)
	if f.Category == "" {
		f.Category = ClaimObjection
	}
	for _, b := range []struct {
		field, v string
		n        int
	}{{"name", f.Name, MaxName}, {"phone", f.Phone, MaxPhone}, {"claim_no", f.ClaimNo, MaxClaimNo},
		{"village", f.Village, MaxVillage}, {"text", f.Text, MaxText}} {
		if utf8.RuneCountInString(b.v) > b.n {
			return tooLong(b.field, b.n)
		}
	}
	switch f.Category {
	case ClaimObjection, Service, Coverage, Other:
	default:
		return znb.Errorf(znb.Invalid, "invalid_category", "未知类别 %q，可选 claim_objection, service, coverage, other", f.Category)
	}
	switch f.Source {
	case Public, Hotline, InPerson:
	default:
		return znb.Errorf(znb.Invalid, "invalid_source", "未知来源 %q，可选 hotline, in_person", f.Source)
	}
	if f.Text == "" {
		return znb.Errorf(znb.Invalid, "text_required", "请写明异议或投诉的内容")
	}
	if f.Phone != "" && !notify.Mobile(f.Phone) {
		return znb.Errorf(znb.Invalid, "bad_phone", "联系电话应为 1 开头的 11 位手机号")
	}
	if f.Source == Public && f.Phone == "" {
		return znb.Errorf(znb.Invalid, "phone_required", "请留下手机号，以便答复")
	}
	if f.ClaimNo == "" && f.Village == "" {
		return znb.Errorf(znb.Invalid, "claim_or_village_required", "请给出理赔编号或所在村（12 位行政区划代码）")
	}
	if f.ClaimNo == "" {
		if len(f.Village) != 12 {
			return znb.Errorf(znb.Invalid, "invalid_region", "village 应为 12 位村级行政区划代码")
		}
		if _, err := znb.ParseRegion(f.Village); err != nil {
			return err
		}
	}
	if f.Category == ClaimObjection && f.ClaimNo == "" && f.Source != Public {
		// Staff name the claim; a villager may only know the village.
		return znb.Errorf(znb.Invalid, "claim_no_required", "理赔异议请给出理赔编号")
	}
	return nil
}

// HolderOf is who answers an item: objections to a claim and complaints
// about service go to the insurer when a claim names one; everything else,
// and everything about a village, to the office.
func HolderOf(c Category, insurer string) Holder {
	if insurer != "" && (c == ClaimObjection || c == Service) {
		return InsurerHolder
	}
	return OfficeHolder
}

// New is the item of a checked filing received on d, its deadlines
// counted in the calendar's working days.
func New(f Filing, cal Calendar, received znb.Date, region, insurer, by string) Item {
	ack, res := cal.Deadlines(received)
	return Item{Category: f.Category, Source: f.Source, Holder: HolderOf(f.Category, insurer), Name: f.Name,
		Phone: f.Phone, ClaimNo: f.ClaimNo, Village: f.Village, Text: f.Text, ReceivedOn: received, AckDue: ack,
		ResolveDue: res, Status: Received, RecordedBy: by, RegionCode: region, Insurer: insurer}
}

// Answerer reports whether a may answer an item: the holder's side
// (office staff for office items, insurer staff for insurer items), or an
// admin.
func Answerer(a znb.Actor, h Holder) bool {
	switch {
	case a.Role == znb.Admin:
		return true
	case h == OfficeHolder:
		return a.Role == znb.Office
	default:
		return a.Role.Insurer()
	}
}

// errNotHolder refuses an answer from the side that does not hold the item.
func errNotHolder(h Holder) error {
	who := "县扶贫办（乡村振兴局）"
	if h == InsurerHolder {
		who = "承保机构"
	}
	return znb.Errorf(znb.Forbidden, "not_holder", "此件由%s答复", who)
}

// Ack marks an open item as acknowledged on d.
func (it *Item) Ack(by znb.Actor, d znb.Date) error {
	if !Answerer(by, it.Holder) {
		return errNotHolder(it.Holder)
	}
	if it.Status != Received {
		return znb.Errorf(znb.Conflict, "invalid_transition", "状态为%s，不能再受理确认", it.Status.Name())
	}
	it.Status, it.AckedOn = Acknowledged, d
	return nil
}

// Answer ends an open item as upheld or rejected with a reply, on d.
func (it *Item) Answer(by znb.Actor, d znb.Date, to Status, reply string) error {
	if !Answerer(by, it.Holder) {
		return errNotHolder(it.Holder)
	}
	if !it.Status.Open() {
		return znb.Errorf(znb.Conflict, "already_answered", "此件已答复（%s）", it.Status.Name())
	}
	if to != Upheld && to != Rejected {
		return znb.Errorf(znb.Invalid, "invalid_outcome", "答复结果应为 upheld（成立）或 rejected（不成立）")
	}
	reply = strings.TrimSpace(reply)
	if reply == "" {
		return znb.Errorf(znb.Invalid, "reply_required", "请写明答复内容")
	}
	if utf8.RuneCountInString(reply) > MaxReply {
		return tooLong("reply", MaxReply)
	}
	if it.Status == Received {
		it.AckedOn = d
	}
	it.Status, it.Reply, it.AnsweredBy, it.AnsweredOn = to, reply, by.Username, d
	return nil
}

// Blocks says whether the item stops its claim's payment: an upheld
// objection that names a claim, until the claim is assessed again.
func (it *Item) Blocks() bool { return it.Status == Upheld && it.ClaimNo != "" }

// Overdue names what an open item on d has missed: "ack" when it is still
// unacknowledged after its acknowledgement deadline, "resolve" when it is
// unanswered after its resolution deadline, "" when neither.
func (it *Item) Overdue(today znb.Date) string {
	switch {
	case !it.Status.Open():
		return ""
	case today.After(it.ResolveDue):
		return "resolve"
	case it.Status == Received && today.After(it.AckDue):
		return "ack"
	}
	return ""
}

// ErrBlocked refuses the payment of a claim under an upheld objection.
func ErrBlocked(claimNo string, objections []string) error {
	return znb.Errorf(znb.Conflict, "objection_upheld",
		"理赔 %s 有成立的异议（%s），须重新理算后才能核赔和支付", claimNo, strings.Join(objections, "、"))
}
