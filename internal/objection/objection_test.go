package objection

import (
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// 2024-06-14 is a Friday.
func TestDeadlines(t *testing.T) {
	for _, tc := range []struct {
		name, received, ack, resolve string
	}{
		{"周一收到", "2024-06-10", "2024-06-13", "2024-07-01"},
		{"周三收到_跨周末", "2024-06-12", "2024-06-17", "2024-07-03"},
		{"周四收到_跨周末", "2024-06-13", "2024-06-18", "2024-07-04"},
		{"周五收到_跨周末", "2024-06-14", "2024-06-19", "2024-07-05"},
		{"周六收到_从周一起算", "2024-06-15", "2024-06-19", "2024-07-05"},
		{"周日收到_从周一起算", "2024-06-16", "2024-06-19", "2024-07-05"},
		{"跨月跨年", "2024-12-27", "2025-01-01", "2025-01-17"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ack, res := Calendar{}.Deadlines(znb.MustDate(tc.received))
			if ack.String() != tc.ack || res.String() != tc.resolve {
				t.Errorf("received %s: ack %s, resolve %s; want %s, %s", tc.received, ack, res, tc.ack, tc.resolve)
			}
			for _, d := range []znb.Date{ack, res} {
				if !(Calendar{}).Working(d) {
					t.Errorf("deadline %s is not a working day", d)
				}
			}
		})
	}
}

func TestAddWorkingDays(t *testing.T) {
	for _, tc := range []struct {
		name, from string
		n          int
		want       string
	}{
		{"零天", "2024-06-15", 0, "2024-06-15"},
		{"周五加1", "2024-06-14", 1, "2024-06-17"},
		{"周五加5", "2024-06-14", 5, "2024-06-21"},
		{"周一加5", "2024-06-10", 5, "2024-06-17"},
		{"周六加1", "2024-06-15", 1, "2024-06-17"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Calendar{}).AddWorkingDays(znb.MustDate(tc.from), tc.n); got.String() != tc.want {
				t.Errorf("%s + %d working days = %s, want %s", tc.from, tc.n, got, tc.want)
			}
		})
	}
}

func TestPeriodEnd(t *testing.T) {
	for _, tc := range []struct{ name, posted, want string }{
		{"周一公示_周一截止", "2024-06-10", "2024-06-17"},
		{"周五公示_周五截止", "2024-06-14", "2024-06-21"},
		{"周六公示_落在周六_顺延周一", "2024-06-15", "2024-06-24"},
		{"周日公示_落在周日_顺延周一", "2024-06-16", "2024-06-24"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Calendar{}).PeriodEnd(znb.MustDate(tc.posted)); got.String() != tc.want {
				t.Errorf("posted %s: ends %s, want %s", tc.posted, got, tc.want)
			}
		})
	}
}

func TestNumber(t *testing.T) {
	if got, want := Number(znb.MustDate("2024-06-14"), 42), "YY20240614000042"; got != want {
		t.Errorf("Number = %s, want %s", got, want)
	}
}

func TestFilingCheck(t *testing.T) {
	long := func(n int) string {
		s := ""
		for i := 0; i < n; i++ {
			s += "字"
		}
		return s
	}
	for _, tc := range []struct {
		name string
		f    Filing
		code string
	}{
		{"公示理赔异议", Filing{Source: Public, Phone: "13800138000", ClaimNo: "clm20240601000001", Text: "此户未受灾"}, ""},
		{"按村反映", Filing{Source: Public, Phone: "13800138000", Village: "522625101001", Text: "公示名单有误"}, ""},
		{"热线无手机", Filing{Source: Hotline, Category: Service, Village: "522625101001", Text: "理赔慢"}, ""},
		{"未知类别", Filing{Source: Public, Category: "x", Phone: "13800138000", Village: "522625101001", Text: "t"}, "invalid_category"},
		{"未知来源", Filing{Source: "web", Phone: "13800138000", Village: "522625101001", Text: "t"}, "invalid_source"},
		{"无内容", Filing{Source: Public, Phone: "13800138000", Village: "522625101001", Text: "  "}, "text_required"},
		{"内容过长", Filing{Source: Public, Phone: "13800138000", Village: "522625101001", Text: long(MaxText + 1)}, "field_too_long"},
		{"姓名过长", Filing{Source: Public, Name: long(MaxName + 1), Phone: "13800138000", Village: "522625101001", Text: "t"}, "field_too_long"},
		{"公示表单须留手机", Filing{Source: Public, Village: "522625101001", Text: "t"}, "phone_required"},
		{"手机号错", Filing{Source: Public, Phone: "0851-1234567", Village: "522625101001", Text: "t"}, "bad_phone"},
		{"无理赔无村", Filing{Source: Public, Phone: "13800138000", Text: "t"}, "claim_or_village_required"},
		{"村代码不是12位", Filing{Source: Public, Phone: "13800138000", Village: "522625", Text: "t"}, "invalid_region"},
		{"工作人员录入理赔异议须有编号", Filing{Source: Hotline, Village: "522625101001", Text: "t"}, "claim_no_required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.Check()
			if got := znb.CodeOf(err); got != tc.code {
				t.Errorf("code %q (%v), want %q", got, err, tc.code)
			}
		})
	}
}

func TestHolderOf(t *testing.T) {
	for _, tc := range []struct {
		c       Category
		insurer string
		want    Holder
	}{
		{ClaimObjection, "PICC-ZY", InsurerHolder}, {Service, "PICC-ZY", InsurerHolder},
		{Coverage, "PICC-ZY", OfficeHolder}, {Other, "PICC-ZY", OfficeHolder}, {ClaimObjection, "", OfficeHolder},
	} {
		if got := HolderOf(tc.c, tc.insurer); got != tc.want {
			t.Errorf("HolderOf(%s, %q) = %s, want %s", tc.c, tc.insurer, got, tc.want)
		}
	}
}

func TestAnswer(t *testing.T) {
	office := znb.Actor{Username: "office", Role: znb.Office, Scope: "522625"}
	clerk := znb.Actor{Username: "clerk", Role: znb.InsurerClerk, Scope: "PICC-ZY"}
	d := znb.MustDate("2024-06-14")
	newItem := func() Item {
		return New(Filing{Category: ClaimObjection, Source: Public, ClaimNo: "C1", Text: "t"}, Calendar{}, d, "522625101001", "PICC-ZY", "household")
	}
	t.Run("承保机构件办公室不能答复", func(t *testing.T) {
		it := newItem()
		if err := it.Answer(office, d, Upheld, "成立"); znb.CodeOf(err) != "not_holder" {
			t.Errorf("got %v, want not_holder", err)
		}
	})
	t.Run("成立后阻止支付", func(t *testing.T) {
		it := newItem()
		if err := it.Ack(clerk, d); err != nil {
			t.Fatal(err)
		}
		if err := it.Answer(clerk, d.AddDays(2), Upheld, "经核实，损失不实"); err != nil {
			t.Fatal(err)
		}
		if !it.Blocks() || it.Status != Upheld || it.AnsweredOn != d.AddDays(2) {
			t.Errorf("item %+v: want upheld and blocking", it)
		}
		if err := it.Answer(clerk, d, Rejected, "x"); znb.CodeOf(err) != "already_answered" {
			t.Errorf("second answer: %v, want already_answered", err)
		}
	})
	t.Run("不成立不阻止", func(t *testing.T) {
		it := newItem()
		if err := it.Answer(clerk, d, Rejected, "经核实，损失属实"); err != nil {
			t.Fatal(err)
		}
		if it.Blocks() || it.AckedOn != d {
			t.Errorf("item %+v: rejected blocks or not acknowledged", it)
		}
	})
	t.Run("须写答复", func(t *testing.T) {
		it := newItem()
		if err := it.Answer(clerk, d, Upheld, " "); znb.CodeOf(err) != "reply_required" {
			t.Errorf("got %v", err)
		}
		if err := it.Answer(clerk, d, "open", "x"); znb.CodeOf(err) != "invalid_outcome" {
			t.Errorf("got %v", err)
		}
	})
}

func TestOverdue(t *testing.T) {
	it := New(Filing{Category: Service, Source: Hotline, Village: "522625101001", Text: "t"}, Calendar{}, znb.MustDate("2024-06-14"), "522625101001", "", "office")
	for _, tc := range []struct {
		name, today string
		status      Status
		want        string
	}{
		{"确认期限当天", "2024-06-19", Received, ""},
		{"过确认期限", "2024-06-20", Received, "ack"},
		{"已受理不算确认逾期", "2024-06-20", Acknowledged, ""},
		{"办结期限当天", "2024-07-05", Acknowledged, ""},
		{"过办结期限", "2024-07-08", Acknowledged, "resolve"},
		{"已答复不逾期", "2024-07-08", Rejected, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it.Status = tc.status
			if got := it.Overdue(znb.MustDate(tc.today)); got != tc.want {
				t.Errorf("overdue on %s = %q, want %q", tc.today, got, tc.want)
			}
		})
	}
}
