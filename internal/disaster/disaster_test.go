package disaster

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// rows is a sheet in memory.
type rows struct {
	data [][]string
	i    int
}

func (r *rows) Next() bool    { r.i++; return r.i <= len(r.data) }
func (r *rows) Row() []string { return r.data[r.i-1] }
func (r *rows) Err() error    { return nil }
func (r *rows) Close() error  { return nil }
func sheet(lines ...string) *rows {
	out := &rows{}
	for _, l := range lines {
		out.data = append(out.data, strings.Split(l, ","))
	}
	return out
}

var (
	office  = znb.Actor{Username: "office", Role: znb.Office, Scope: "522625"}
	clerk   = znb.Actor{Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	auditor = znb.Actor{Username: "audit", Role: znb.Auditor, Scope: "522625"}
	today   = znb.MustDate("2024-07-20")
)

func TestDeclare(t *testing.T) {
	good := Declaration{Name: "7·10 洪灾", Cause: "自然灾害", First: znb.MustDate("2024-07-10"), Last: znb.MustDate("2024-07-12"),
		Regions: []string{"522625101001", "522625102"}}
	for _, tc := range []struct {
		name string
		by   znb.Actor
		edit func(*Declaration)
		code string
		want string // a fragment of the message
	}{
		{"县民政办在辖区内", office, func(*Declaration) {}, "", ""},
		{"保险公司", clerk, func(*Declaration) {}, "", ""},
		{"审计员不能宣布", auditor, func(*Declaration) {}, "forbidden", ""},
		{"辖区外的村", office, func(d *Declaration) { d.Regions = []string{"522626101001"} }, "invalid_event", "不在本单位管辖范围内"},
		{"原因未知", office, func(d *Declaration) { d.Cause = "冰雹" }, "invalid_event", "灾害原因"},
		{"日期颠倒", office, func(d *Declaration) { d.Last = znb.MustDate("2024-07-01") }, "invalid_event", "早于开始日期"},
		{"开始日期在将来", office, func(d *Declaration) { d.First, d.Last = znb.MustDate("2024-08-01"), znb.MustDate("2024-08-02") }, "invalid_event", "晚于今天"},
		{"区划代码长度", office, func(d *Declaration) { d.Regions = []string{"5226251"} }, "invalid_event", "区划代码"},
		{"没有区划", office, func(d *Declaration) { d.Regions = nil }, "invalid_event", "至少"},
		{"名称为空", office, func(d *Declaration) { d.Name = " " }, "invalid_event", "事件名称"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := good
			d.Regions = append([]string(nil), good.Regions...)
			tc.edit(&d)
			e, err := Declare(tc.by, d, today)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if e.DeclaredOn != today || e.Scope != tc.by.Scope || len(e.Regions) != 2 {
					t.Fatalf("event %+v", e)
				}
				return
			}
			if znb.CodeOf(err) != tc.code || !strings.Contains(znb.ErrorOf(err).Message, tc.want) {
				t.Fatalf("err %v, want %s containing %q", err, tc.code, tc.want)
			}
		})
	}
}

func TestEventArea(t *testing.T) {
	e := &Event{Name: "洪灾", Regions: []string{"522625101001", "522625102"}, First: znb.MustDate("2024-07-10"), Last: znb.MustDate("2024-07-12")}
	for _, tc := range []struct {
		region string
		struck bool
		area   string // the error code of Area, "" when accepted
	}{
		{"522625101001", true, ""},
		{"522625101002", false, "region_not_in_event"},
		{"522625101", false, ""}, // the township of a struck village
		{"522625102003", true, ""},
		{"522625102", true, ""}, // the whole township
		{"522625103", false, "region_not_in_event"},
		{"522625", false, "invalid_region"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			if got := e.Struck(tc.region); got != tc.struck {
				t.Errorf("Struck = %v", got)
			}
			if _, err := e.Area(tc.region); znb.CodeOf(err) != tc.area {
				t.Errorf("Area: %v, want %q", err, tc.area)
			}
		})
	}
	if !e.During(znb.MustDate("2024-07-12")) || e.During(znb.MustDate("2024-07-13")) || e.During(znb.MustDate("2024-07-09")) {
		t.Error("During is wrong at the ends")
	}
}

func TestCheckAccount(t *testing.T) {
	for _, tc := range []struct {
		name, number string
		code         string
	}{
		{"银联卡校验位正确", "6222 0212 3456 7894", ""},
		{"银联卡校验位错误", "6222021234567890", "account_check_digit"},
		{"存折账号无校验位", "12345678901234", ""},
		{"含字母", "62220212345678A7", "invalid_account"},
		{"太短", "1234567", "invalid_account"},
		{"太长", strings.Repeat("1", 31), "invalid_account"},
		{"空", "", "missing_value"},
		{"Visa 卡", "4111-1111-1111-1111", ""},
		{"Visa 卡校验位错误", "4111111111111112", "account_check_digit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, bad := CheckAccount(Account{HouseholdNo: "H1", Number: tc.number, Bank: "农村信用社", Holder: "张三"})
			switch {
			case tc.code == "" && len(bad) > 0:
				t.Fatalf("refused: %+v", bad)
			case tc.code == "" && strings.ContainsAny(a.Number, " -"):
				t.Fatalf("number not cleaned: %q", a.Number)
			case tc.code != "" && (len(bad) != 1 || bad[0].Code != tc.code || bad[0].Field != "account_no"):
				t.Fatalf("faults %+v, want one %s", bad, tc.code)
			}
		})
	}
	if _, bad := CheckAccount(Account{Number: "6222021234567894"}); len(bad) != 3 {
		t.Errorf("missing household, bank and holder: %+v", bad)
	}
}

func TestMaskAndShown(t *testing.T) {
	a := Account{Number: "6222021234567894"}
	if got := Mask(a.Number); got != "6222********7894" {
		t.Errorf("Mask = %q", got)
	}
	if got := a.Shown(office).Number; got != "6222********7894" {
		t.Errorf("office sees %q", got)
	}
	if got := a.Shown(clerk).Number; got != a.Number {
		t.Errorf("the paying clerk sees %q", got)
	}
	if got := Mask("1234"); got != "****" {
		t.Errorf("Mask short = %q", got)
	}
}

var event = &Event{Name: "洪灾", Cause: "自然灾害", First: znb.MustDate("2024-07-10"), Last: znb.MustDate("2024-07-12"),
	Regions: []string{"522625101"}}

const head = "户编号,户主,分户凭证号,村,在保险种,出险日期,房屋主体损失,室内装潢损失,家用电器损失,农业标的类别,农业标的名称,农业标的数量,农业定损金额,政策性农业保险已赔,灾害损失,其他保险已赔"

func TestReadWorksheet(t *testing.T) {
	entries, rej, n, err := ReadWorksheet(sheet(head,
		"H1,张三,C1,青山村,家庭财产,,20000,,500,,,,,,,",                  // row 2: property on the first day
		"H2,王五,C2,青山村,家庭财产,2024-07-11,,,,牲畜,能繁母猪,3,4500,1500,,", // row 3: agriculture
		"H3,赵六,C3,青山村,家庭财产,,,,,,,,,,,",                          // row 4: no loss
		",,,,,,,,,,,,,,,"),
		event)
	if err != nil || len(rej) != 0 || n != 3 {
		t.Fatalf("n %d, rej %+v, err %v", n, rej, err)
	}
	if len(entries) != 2 {
		t.Fatalf("entries %+v", entries)
	}
	p, a := entries[0], entries[1]
	if p.Line != znb.Property || p.Row != 2 || p.IncidentDate != event.First || p.Form.StructureLoss != "20000" || p.Form.ApplianceLoss != "500" {
		t.Errorf("property entry %+v", p)
	}
	if a.Line != znb.Agriculture || a.IncidentDate != znb.MustDate("2024-07-11") || len(a.Form.Items) != 1 ||
		a.Form.Items[0].Kind != "livestock" || a.Form.Items[0].AssessedLoss != "4500" {
		t.Errorf("agriculture entry %+v", a)
	}
}

func TestReadWorksheetNamesEveryBadRow(t *testing.T) {
	_, rej, _, err := ReadWorksheet(sheet(head,
		"H1,张三,C1,青山村,,,-5,,,,,,,,,",            // 2: negative
		"H2,王五,C2,青山村,,2024-08-01,100,,,,,,,,,", // 3: outside the event
		"H3,赵六,C3,青山村,,,,,,牛,,,1000,,,",         // 4: unknown kind
		"H4,钱七,C4,青山村,,,999999999999,,,,,,,,,",  // 5: absurd
		",孙八,C5,青山村,,,100,,,,,,,,,",             // 6: no household
		"H1,张三,C1,青山村,,,100,,,,,,,,,",           // 7: certificate twice
		"H8,周九,C8,青山村,,,,,,,,,,,,500"),          // 8: insurance paid without loss
		event)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row    int
		column string
		code   string
	}{
		{2, "房屋主体损失", "invalid_amount"},
		{3, "出险日期", "incident_outside_event"},
		{4, "农业标的类别", "invalid_item_kind"},
		{5, "房屋主体损失", "invalid_amount"},
		{6, "户编号", "missing_value"},
		{7, "分户凭证号", "duplicate_row"},
		{8, "灾害损失", "missing_value"},
	}
	if len(rej) != len(want) {
		t.Fatalf("rejects %+v", rej)
	}
	for i, w := range want {
		if r := rej[i]; r.Row != w.row || r.Column != w.column || r.Code != w.code {
			t.Errorf("reject %d = %+v, want %+v", i, r, w)
		}
	}
	if err := WorksheetRefusal(rej); znb.CodeOf(err) != "worksheet_rejected" {
		t.Errorf("refusal %v", err)
	}
}

func TestReadWorksheetHeader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sheet *rows
		code  string
	}{
		{"缺户编号列", sheet("户主,分户凭证号", "张三,C1"), "missing_column"},
		{"列重复", sheet("户编号,分户凭证号,household_no", "H1,C1,H1"), "duplicate_column"},
		{"只有表头", sheet(head), "empty_file"},
		{"空文件", sheet(), "empty_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, err := ReadWorksheet(tc.sheet, event); znb.CodeOf(err) != tc.code {
				t.Fatalf("err %v, want %s", err, tc.code)
			}
		})
	}
}

// writer records what WriteWorksheet and WriteBankFile write.
type writer struct {
	header []string
	rows   [][]any
	closed bool
}

func (w *writer) Sheet(_ string, h []string) error { w.header = h; return nil }
func (w *writer) Row(cells ...any) error           { w.rows = append(w.rows, cells); return nil }
func (w *writer) Close() error                     { w.closed = true; return nil }

func TestWriteWorksheetReadsBack(t *testing.T) {
	hs := []Household{{HouseholdNo: "H1", Head: "张三", CertificateNo: "C1", Village: "青山村", Lines: []znb.Line{znb.Property, znb.Agriculture}}}
	var w writer
	if err := WriteWorksheet(&w, event, hs); err != nil || !w.closed || len(w.rows) != 1 {
		t.Fatalf("%v %+v", err, w)
	}
	if w.rows[0][4] != "家庭财产、农业生产" && !strings.Contains(w.rows[0][4].(string), "、") {
		t.Errorf("lines cell %v", w.rows[0][4])
	}
	// The sheet as written, with nothing filled, is read back as no claim.
	back := &rows{data: [][]string{w.header}}
	for _, r := range w.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = c.(string)
		}
		back.data = append(back.data, cells)
	}
	entries, rej, n, err := ReadWorksheet(back, event)
	if err != nil || len(rej) != 0 || len(entries) != 0 || n != 1 {
		t.Fatalf("read back: %v %+v %+v %d", err, rej, entries, n)
	}
}

func items() []Item {
	return []Item{
		{Seq: 1, ClaimNo: "CLM1", Amount: decimal.RequireFromString("100.50"), Outcome: Pending},
		{Seq: 2, ClaimNo: "CLM2", Amount: decimal.RequireFromString("200.00"), Outcome: Pending},
		{Seq: 3, ClaimNo: "CLM3", Amount: decimal.RequireFromString("0.25"), Outcome: Pending},
	}
}

func TestReadReturn(t *testing.T) {
	ans, rej, err := ReadReturn(sheet("序号,摘要,状态,失败原因", "1,CLM1,成功,", ",CLM2,失败,账户已销户", "3,,成功,", "合计,,,"), items())
	if err != nil || len(rej) != 0 || len(ans) != 3 {
		t.Fatalf("%v %+v %+v", err, rej, ans)
	}
	if !ans[0].Success || ans[1].Success || ans[1].Reason != "账户已销户" || ans[1].Seq != 2 {
		t.Errorf("answers %+v", ans)
	}
	is := items()
	for _, a := range ans {
		is[a.Seq-1].Outcome = map[bool]string{true: Success, false: Failure}[a.Success]
	}
	tot := Tally(is)
	if !tot.Balanced() || tot.FailureCount != 1 || !tot.SuccessAmount.Equal(decimal.RequireFromString("100.75")) {
		t.Errorf("totals %+v", tot)
	}
}

func TestReadReturnNamesEveryFault(t *testing.T) {
	_, rej, err := ReadReturn(sheet("序号,摘要,状态,失败原因",
		"1,CLM1,成功,",
		"1,CLM1,成功,",  // 3: answered twice
		"2,CLM9,成功,",  // 4: claim no does not match
		"9,,成功,",      // 5: no such item
		",CLM3,失败,",   // 6: failure without a reason
		",CLM2,处理中,"), // 7: unknown status
		items())
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{}
	for _, r := range rej {
		codes = append(codes, r.Code)
	}
	want := "duplicate_answer,item_mismatch,unknown_item,reason_required,invalid_status"
	if strings.Join(codes, ",") != want {
		t.Fatalf("codes %v\nwant %s", codes, want)
	}
	if znb.CodeOf(ReturnRefusal(rej)) != "return_rejected" {
		t.Error("no refusal")
	}
	_, rej, err = ReadReturn(sheet("摘要,状态", "CLM1,成功"), items())
	if err != nil || len(rej) != 2 || rej[0].Code != "item_unanswered" || rej[0].Row != 0 || !strings.Contains(rej[1].Message, "CLM3") {
		t.Errorf("unanswered items: %v %+v", err, rej)
	}
}

func TestTallyUnanswered(t *testing.T) {
	if tot := Tally(items()); tot.Balanced() || tot.Count != 3 || !tot.Amount.Equal(decimal.RequireFromString("300.75")) {
		t.Errorf("pending batch %+v", tot)
	}
}

func TestBankFile(t *testing.T) {
	var w writer
	is := items()
	if err := WriteBankFile(&w, "批次", is); err != nil {
		t.Fatal(err)
	}
	if strings.Join(w.header, ",") != "序号,户名,账号,开户行,金额,摘要" || len(w.rows) != 4 {
		t.Fatalf("%+v", w)
	}
	last := w.rows[3]
	if last[0] != "合计" || last[1] != "3 笔" || last[4] != "300.75" {
		t.Errorf("totals row %v", last)
	}
	if w.rows[0][5] != "CLM1" || w.rows[0][4] != "100.50" {
		t.Errorf("first row %v", w.rows[0])
	}
}

func TestBatchStates(t *testing.T) {
	if CheckCancel(BatchOpen) != nil || CheckReturn(BatchOpen) != nil {
		t.Error("an open batch is refused")
	}
	for _, s := range []BatchStatus{BatchReturned, BatchCancelled} {
		if znb.CodeOf(CheckCancel(s)) != "batch_not_open" || znb.CodeOf(CheckReturn(s)) != "batch_not_open" {
			t.Errorf("%s accepted", s)
		}
	}
}

func TestReadAccounts(t *testing.T) {
	acc, rej, err := ReadAccounts(sheet("户编号,户名,账号,开户行",
		"H1,张三,6222021234567894,镇远农商行",
		"H2,王五,6222021234567890,镇远农商行", // 3: check digit
		"H1,张三,12345678,镇远农商行",         // 4: twice
		"H3,,12345678,"))               // 5: holder and bank missing
	if err != nil {
		t.Fatal(err)
	}
	if len(acc) != 1 || acc[0].HouseholdNo != "H1" {
		t.Errorf("accounts %+v", acc)
	}
	got := []string{}
	for _, r := range rej {
		got = append(got, r.Column+":"+r.Code)
	}
	if strings.Join(got, " ") != "账号:account_check_digit 户编号:duplicate_row 开户行:missing_value 户名:missing_value" {
		t.Errorf("rejects %v", got)
	}
	var _ registry.Rows = sheet()
}

func TestSummarize(t *testing.T) {
	e := &Event{Name: "洪灾", DeclaredOn: znb.MustDate("2024-07-13")}
	d := decimal.RequireFromString
	facts := []Fact{
		{RegionCode: "522625101001", Village: "青山村", HouseholdNo: "H1", Line: znb.Property, Status: claim.Paid, Payable: d("100.00"), PaidOn: znb.MustDate("2024-07-20")},
		{RegionCode: "522625101001", Village: "青山村", HouseholdNo: "H1", Line: znb.Agriculture, Status: claim.Paid, Payable: d("50.00"), PaidOn: znb.MustDate("2024-07-24")},
		{RegionCode: "522625101001", Village: "青山村", HouseholdNo: "H2", Line: znb.Property, Status: claim.Rejected, Payable: d("999.00")},
		{RegionCode: "522625101002", Village: "白水村", HouseholdNo: "H3", Line: znb.Property, Status: claim.Approved, Payable: d("30.00")},
	}
	s := Summarize(e, facts)
	if s.Households != 3 || s.Claims != 4 || s.Payable.StringFixed(2) != "180.00" || s.Paid.StringFixed(2) != "150.00" {
		t.Errorf("totals %+v", s)
	}
	if s.PaidClaims != 2 || s.DaysAvg.String() != "9" || s.DaysMax != 11 {
		t.Errorf("days: %d paid, avg %s, max %d", s.PaidClaims, s.DaysAvg, s.DaysMax)
	}
	if len(s.Villages) != 2 || s.Villages[0].Households != 2 || s.Villages[0].Payable.StringFixed(2) != "150.00" ||
		s.Villages[1].Name != "白水村" || !s.Villages[1].Paid.IsZero() {
		t.Errorf("villages %+v", s.Villages)
	}
	var keys []string
	for _, c := range s.ByStatus {
		keys = append(keys, fmt.Sprintf("%s:%d:%s", c.Key, c.Claims, c.Payable.StringFixed(2)))
	}
	if strings.Join(keys, " ") != "approved:1:30.00 rejected:1:0.00 paid:2:150.00" {
		t.Errorf("by status %v", keys)
	}
	if len(s.ByLine) != 2 || s.ByLine[0].Key != "agriculture" || s.ByLine[1].Claims != 3 {
		t.Errorf("by line %+v", s.ByLine)
	}
	var w writer
	if err := WriteDashboard(&w, s); err != nil || !w.closed {
		t.Fatal(err)
	}
}
