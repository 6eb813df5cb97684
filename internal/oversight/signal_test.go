package oversight

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

var d = znb.MustDate

// base is a claim that raises no signal: property, incident well after the
// cover start, first claim of the year, nothing shared.
func base() Case {
	return Case{ClaimNo: "C0", HouseholdNo: "H1", Line: znb.Property, Village: "522625101001", Cause: "火灾",
		Incident: d("2024-05-10"), CoverStart: d("2024-01-01")}
}

func neighbours(days ...string) []Neighbour {
	var out []Neighbour
	for i, s := range days { // Count 0 and 1 both mean one claim
		out = append(out, Neighbour{Incident: d(s), Cause: "火灾", Count: i % 2})
	}
	return out
}

func TestSignals(t *testing.T) {
	flood := Event{Name: "火灾", Cause: "火灾", Regions: []string{"522625101"}, First: d("2024-05-08"), Last: d("2024-05-12")}
	cases := []struct {
		name   string
		change func(c *Case)
		want   []Code
	}{
		{"无信号", func(c *Case) {}, nil},
		{"early_claim/第30天", func(c *Case) { c.Incident = d("2024-01-30") }, []Code{EarlyClaim}},
		{"early_claim/起期当天", func(c *Case) { c.Incident = d("2024-01-01") }, []Code{EarlyClaim}},
		{"early_claim/近似:第31天", func(c *Case) { c.Incident = d("2024-01-31") }, nil},
		{"early_claim/成员起期", func(c *Case) { c.CoverStart = d("2024-04-20") }, []Code{EarlyClaim}},
		{"frequent/第三次", func(c *Case) { c.Earlier = 2 }, []Code{Frequent}},
		{"frequent/第五次", func(c *Case) { c.Earlier = 4 }, []Code{Frequent}},
		{"frequent/近似:第二次", func(c *Case) { c.Earlier = 1 }, nil},
		{"after_death/死亡后", func(c *Case) { c.Death = d("2024-05-09") }, []Code{AfterDeath}},
		{"after_death/近似:死亡当天", func(c *Case) { c.Death = d("2024-05-10") }, nil},
		{"after_death/出列后", func(c *Case) { c.LeftList = d("2024-05-01") }, []Code{AfterDeath}},
		{"after_death/出列当天", func(c *Case) { c.LeftList = d("2024-05-10") }, []Code{AfterDeath}},
		{"after_death/近似:出列前一天", func(c *Case) { c.LeftList = d("2024-05-11") }, nil},
		{"shared_document", func(c *Case) {
			c.Documents = []SharedDoc{{SHA256: strings.Repeat("ab", 32), ClaimNo: "C9", HouseholdNo: "H2", Insurer: "PICC"}}
		}, []Code{SharedDocument}},
		{"shared_account", func(c *Case) { c.Accounts = []string{"H7"} }, []Code{SharedAccount}},
		{"cluster/五起三天内", func(c *Case) { c.Neighbours = neighbours("2024-05-08", "2024-05-09", "2024-05-09", "2024-05-10") }, []Code{Cluster}},
		{"cluster/窗口在后", func(c *Case) { c.Neighbours = neighbours("2024-05-10", "2024-05-11", "2024-05-12", "2024-05-12") }, []Code{Cluster}},
		{"cluster/近似:四起", func(c *Case) { c.Neighbours = neighbours("2024-05-08", "2024-05-09", "2024-05-10") }, nil},
		{"cluster/同日多起", func(c *Case) { c.Neighbours = []Neighbour{{Incident: d("2024-05-12"), Cause: "火灾", Count: 4}} }, []Code{Cluster}},
		{"cluster/近似:三天外多起", func(c *Case) { c.Neighbours = []Neighbour{{Incident: d("2024-05-13"), Cause: "火灾", Count: 9}} }, nil},
		{"cluster/近似:跨四天", func(c *Case) { c.Neighbours = neighbours("2024-05-07", "2024-05-08", "2024-05-11", "2024-05-12") }, nil},
		{"cluster/近似:有灾害事件", func(c *Case) {
			c.Neighbours = neighbours("2024-05-08", "2024-05-09", "2024-05-09", "2024-05-10")
			c.Events = []Event{flood}
		}, nil},
		{"cluster/事件原因不同", func(c *Case) {
			c.Neighbours = neighbours("2024-05-08", "2024-05-09", "2024-05-09", "2024-05-10")
			e := flood
			e.Cause = "地震"
			c.Events = []Event{e}
		}, []Code{Cluster}},
		{"cluster/事件在别村", func(c *Case) {
			c.Neighbours = neighbours("2024-05-08", "2024-05-09", "2024-05-09", "2024-05-10")
			e := flood
			e.Regions = []string{"522625102"}
			c.Events = []Event{e}
		}, []Code{Cluster}},
		{"overlap", func(c *Case) {
			c.Line, c.Member, c.Cause = znb.Hospitalization, "X", "意外伤害"
			c.Stay = Stay{d("2024-05-10"), d("2024-05-20")}
			c.Stays = []OtherStay{{"C8", Stay{d("2024-05-18"), d("2024-05-25")}}}
		}, []Code{Overlap}},
		{"overlap/未理算按出险日", func(c *Case) {
			c.Line, c.Member, c.Cause = znb.Hospitalization, "X", "意外伤害"
			c.Stays = []OtherStay{{"C8", Stay{d("2024-05-01"), d("2024-05-10")}}}
		}, []Code{Overlap}},
		{"overlap/近似:前后相接", func(c *Case) {
			c.Line, c.Member, c.Cause = znb.Hospitalization, "X", "意外伤害"
			c.Stay = Stay{d("2024-05-10"), d("2024-05-20")}
			c.Stays = []OtherStay{{"C8", Stay{d("2024-05-21"), d("2024-05-25")}}}
		}, nil},
		{"overlap/近似:非住院险", func(c *Case) {
			c.Stays = []OtherStay{{"C8", Stay{d("2024-05-10"), d("2024-05-10")}}}
		}, nil},
		{"多个信号按顺序", func(c *Case) { c.Earlier, c.Incident, c.Accounts = 3, d("2024-01-05"), []string{"H3"} },
			[]Code{EarlyClaim, Frequent, SharedAccount}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.change(&c)
			got := Signals(c)
			if codes := CodesOf(got); !reflect.DeepEqual(codes, tc.want) && !(len(codes) == 0 && len(tc.want) == 0) {
				t.Fatalf("signals = %v, want %v", got, tc.want)
			}
			for _, s := range got {
				if s.Reason == "" || !s.Code.Valid() {
					t.Errorf("signal %+v lacks a reason or a valid code", s)
				}
			}
		})
	}
}

func TestSignalReasons(t *testing.T) {
	c := base()
	c.Incident, c.Earlier = d("2024-01-30"), 2
	got := Signals(c)
	if !strings.Contains(got[0].Reason, "第 30 天") || !strings.Contains(got[1].Reason, "第 3 次") {
		t.Fatalf("reasons = %+v", got)
	}
}

func TestSharedDocumentReason(t *testing.T) {
	c := base()
	c.Insurer = "PICC"
	c.Documents = []SharedDoc{{SHA256: "ab", ClaimNo: "C9", HouseholdNo: "H2", Insurer: "PICC"}}
	if r := Signals(c)[0].Reason; !strings.Contains(r, "C9") {
		t.Errorf("own insurer's claim not named: %s", r)
	}
	c.Documents[0].Insurer = "CPIC"
	if r := Signals(c)[0].Reason; strings.Contains(r, "C9") || strings.Contains(r, "H2") {
		t.Errorf("another insurer's claim named: %s", r)
	}
}

func TestCheckCode(t *testing.T) {
	for _, c := range Codes {
		if err := CheckCode(c); err != nil || c.Name() == "" {
			t.Errorf("%s: %v, name %q", c, err, c.Name())
		}
	}
	if err := CheckCode("fraud"); code(err) != "invalid_signal" {
		t.Errorf("fraud: %v", err)
	}
}

func code(err error) string {
	if e, ok := err.(*znb.Error); ok {
		return e.Code
	}
	return ""
}
