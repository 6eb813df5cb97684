package policy

import (
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// specAgreement is an agreement file as the product contract gives it.
const specAgreement = `agreement_no: ZY-2024-001
county: "522625"
insurer: {code: PICC-ZY, name: 中国人民财产保险股份有限公司镇远支公司, hotline: "95518"}
product: {code: znb-standard, version: 1}
term: {start: 2024-01-01, end: 2024-12-31}
premium_per_person: "60.00"
split:                       # percent by category; categories absent here are not covered
  lifted:          {central: "50", provincial: "20", municipal: "15", county: "15", self: "0"}
  marginal:        {central: "0",  provincial: "30", municipal: "20", county: "20", self: "30"}
`

func mustAgreement(t *testing.T, text string) *Agreement {
	t.Helper()
	a, err := ParseAgreement([]byte(text))
	if err != nil {
		t.Fatalf("ParseAgreement: %v", err)
	}
	return a
}

func TestParseAgreement(t *testing.T) {
	a := mustAgreement(t, specAgreement)
	if a.No != "ZY-2024-001" || a.County != "522625" || a.Status != Draft {
		t.Errorf("header = %q %q %q", a.No, a.County, a.Status)
	}
	if a.Insurer != (Insurer{"PICC-ZY", "中国人民财产保险股份有限公司镇远支公司", "95518"}) {
		t.Errorf("insurer = %+v", a.Insurer)
	}
	if a.ProductCode != "znb-standard" || a.ProductVersion != 1 {
		t.Errorf("product = %s v%d", a.ProductCode, a.ProductVersion)
	}
	if a.Term.Start != znb.NewDate(2024, 1, 1) || a.Term.End != znb.NewDate(2024, 12, 31) || a.TermDays() != 366 {
		t.Errorf("term = %v..%v (%d days), want 2024-01-01..2024-12-31 (366 days)", a.Term.Start, a.Term.End, a.TermDays())
	}
	if !eq(a.PremiumPerPerson, amt("60")) {
		t.Errorf("premium = %s", a.PremiumPerPerson)
	}
	for _, c := range znb.Categories {
		if got, want := a.Covers(c), c == znb.Lifted || c == znb.Marginal; got != want {
			t.Errorf("Covers(%s) = %v, want %v", c, got, want)
		}
	}
	if s := a.Splits[znb.Marginal]; !splitEqual(s, Split{amt("0"), amt("30"), amt("20"), amt("20"), amt("30")}) {
		t.Errorf("marginal split = %v", s)
	}
	if err := a.CheckActivation(mustProduct(t, "znb-standard")); err != nil {
		t.Errorf("CheckActivation: %v", err)
	}
}

func TestParseAgreementChineseCategoryAndUnquoted(t *testing.T) {
	text := strings.NewReplacer(`county: "522625"`, `county: 522625`, `hotline: "95518"`, `hotline: 95518`,
		`  lifted: `, `  脱贫户: `).Replace(specAgreement)
	a := mustAgreement(t, text)
	if a.County != "522625" || a.Insurer.Hotline != "95518" || !a.Covers(znb.Lifted) {
		t.Errorf("county %q hotline %q covers lifted %v", a.County, a.Insurer.Hotline, a.Covers(znb.Lifted))
	}
}

func TestParseAgreementInvalid(t *testing.T) {
	tests := []struct {
		name, old, new, field string
	}{
		{"bad date", "end: 2024-12-31", "end: 2024-13-31", "term.end"},
		{"missing start", "start: 2024-01-01, ", "", "term.start"},
		{"unknown category", "  marginal: ", "  rich: ", "split.rich"},
		{"unknown source", `self: "30"`, `village: "30"`, "split.marginal.village"},
		{"bad percent", `self: "30"`, `self: "thirty"`, "split.marginal.self"},
		{"bad premium", `"60.00"`, `"60.001"`, "premium_per_person"},
		{"missing number", "agreement_no: ZY-2024-001\n", "", "agreement_no"},
		{"missing hotline", `, hotline: "95518"`, "", "insurer.hotline"},
	}
	for _, tt := range tests {
		if !strings.Contains(specAgreement, tt.old) {
			t.Fatalf("%s: %q not in the fixture", tt.name, tt.old)
		}
		_, err := ParseAgreement([]byte(strings.Replace(specAgreement, tt.old, tt.new, 1)))
		e, ok := err.(*znb.Error)
		if !ok || e.Code != "agreement_invalid" {
			t.Errorf("%s: err = %v, want agreement_invalid", tt.name, err)
			continue
		}
		found := false
		for _, p := range e.Details.([]Problem) {
			found = found || p.Field == tt.field
		}
		if !found {
			t.Errorf("%s: problems %v, want one on %s", tt.name, e.Details, tt.field)
		}
	}
	if _, err := ParseAgreement([]byte(specAgreement + "premium: 1\n")); znb.CodeOf(err) != "agreement_invalid" {
		t.Errorf("unknown key: err = %v, want agreement_invalid", err)
	}
}

// TestAgreementServiceContact: the local service contact is optional, read
// from YAML or from the same fields as JSON, and checked when given.
func TestAgreementServiceContact(t *testing.T) {
	if a := mustAgreement(t, specAgreement); a.ServiceContact.Given() {
		t.Errorf("no service_contact in the file, got %+v", a.ServiceContact)
	}
	want := ServiceContact{Name: "羊场镇农业服务中心", Phone: "0855-5721234"}
	yml := specAgreement + "service_contact: {name: 羊场镇农业服务中心, phone: 0855-5721234}\n"
	json := `{"agreement_no": "ZY-2024-001", "county": "522625",
		"insurer": {"code": "PICC-ZY", "name": "人保镇远", "hotline": "95518"},
		"service_contact": {"name": "羊场镇农业服务中心", "phone": "0855-5721234"},
		"product": {"code": "znb-standard", "version": 1}, "term": {"start": "2024-01-01", "end": "2024-12-31"},
		"premium_per_person": "60.00", "split": {"marginal": {"provincial": "30", "municipal": "20", "county": "20", "self": "30"}}}`
	for name, text := range map[string]string{"yaml": yml, "json": json} {
		if got := mustAgreement(t, text).ServiceContact; got != want {
			t.Errorf("%s: service contact %+v, want %+v", name, got, want)
		}
	}
	for _, tt := range []struct{ name, section, field string }{
		{"no name", "{phone: 0855-5721234}", "service_contact.name"},
		{"no phone", "{name: 高坡村村委会}", "service_contact.phone"},
		{"letters in phone", "{name: 高坡村村委会, phone: call me}", "service_contact.phone"},
		{"name too long", "{name: " + strings.Repeat("长", 41) + ", phone: \"13800000000\"}", "service_contact.name"},
	} {
		_, err := ParseAgreement([]byte(specAgreement + "service_contact: " + tt.section + "\n"))
		e, ok := err.(*znb.Error)
		if !ok || e.Code != "agreement_invalid" {
			t.Errorf("%s: err = %v, want agreement_invalid", tt.name, err)
			continue
		}
		if ps := e.Details.([]Problem); len(ps) != 1 || ps[0].Field != tt.field {
			t.Errorf("%s: problems %v, want one on %s", tt.name, ps, tt.field)
		}
	}
}

func TestActivate(t *testing.T) {
	std := mustProduct(t, "znb-standard")
	other := mustProduct(t, "fpb-tiered")
	today := znb.NewDate(2024, 3, 1)
	tests := []struct {
		name    string
		change  func(a *Agreement)
		product *Product
		today   znb.Date
		code    string
		changed bool
	}{
		{"valid", func(a *Agreement) {}, std, today, "", true},
		{"already active", func(a *Agreement) { a.Status = Active }, nil, today, "", false},
		{"expired", func(a *Agreement) { a.Status = Expired }, std, today, "agreement_expired", false},
		{"term ended", func(a *Agreement) {}, std, znb.NewDate(2025, 1, 1), "agreement_expired", false},
		{"term ends today", func(a *Agreement) {}, std, znb.NewDate(2024, 12, 31), "", true},
		{"split adds to 95", func(a *Agreement) {
			a.Splits[znb.Marginal] = Split{amt("0"), amt("30"), amt("20"), amt("20"), amt("25")}
		}, std, today, "split_not_100", false},
		{"split negative share", func(a *Agreement) { a.Splits[znb.Lifted] = Split{amt("110"), amt("-10"), amt("0"), amt("0"), amt("0")} }, std, today, "split_not_100", false},
		{"no covered category", func(a *Agreement) { a.Splits = map[znb.Category]Split{} }, std, today, "no_covered_category", false},
		{"term ends before start", func(a *Agreement) { a.Term.End = znb.NewDate(2023, 12, 31) }, std, today, "term_invalid", false},
		{"one-day term", func(a *Agreement) { a.Term.End = a.Term.Start }, std, znb.NewDate(2024, 1, 1), "", true},
		{"product missing", func(a *Agreement) {}, nil, today, "product_missing", false},
		{"product mismatch", func(a *Agreement) {}, other, today, "product_mismatch", false},
		{"product version mismatch", func(a *Agreement) { a.ProductVersion = 2 }, std, today, "product_mismatch", false},
		{"premium zero", func(a *Agreement) { a.PremiumPerPerson = amt("0") }, std, today, "premium_invalid", false},
		{"premium negative", func(a *Agreement) { a.PremiumPerPerson = amt("-60") }, std, today, "premium_invalid", false},
		{"county 5 digits", func(a *Agreement) { a.County = "52262" }, std, today, "invalid_region", false},
		{"county 12 digits", func(a *Agreement) { a.County = "522625100001" }, std, today, "invalid_region", false},
		{"county letters", func(a *Agreement) { a.County = "52262X" }, std, today, "invalid_region", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustAgreement(t, specAgreement)
			tt.change(a)
			was := a.Status
			changed, err := a.Activate(tt.product, tt.today)
			if got := znb.CodeOf(err); got != tt.code || changed != tt.changed {
				t.Fatalf("Activate = %v, %q; want %v, %q", changed, got, tt.changed, tt.code)
			}
			want := was
			if changed {
				want = Active
			}
			if a.Status != want {
				t.Errorf("status %s → %s, want %s", was, a.Status, want)
			}
		})
	}
}

func TestCheckDraft(t *testing.T) {
	tests := []struct{ county, code string }{
		{"522625", ""},
		{"52262A", "invalid_region"},
		{"52262", "invalid_region"},
		{"5226251", "invalid_region"},
		{"", "invalid_region"},
	}
	for _, tt := range tests {
		t.Run("county "+tt.county, func(t *testing.T) {
			a := mustAgreement(t, specAgreement)
			a.County = tt.county
			if got := znb.CodeOf(a.CheckDraft()); got != tt.code {
				t.Errorf("CheckDraft = %q, want %q", got, tt.code)
			}
		})
	}
}

func TestCheckIssue(t *testing.T) {
	tests := []struct {
		status AgreementStatus
		code   string
	}{
		{Draft, "agreement_not_active"},
		{Active, ""},
		{Expired, "agreement_expired"},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			a := mustAgreement(t, specAgreement)
			a.Status = tt.status
			if got := znb.CodeOf(a.CheckIssue()); got != tt.code {
				t.Errorf("CheckIssue = %q, want %q", got, tt.code)
			}
		})
	}
}

func TestNextRun(t *testing.T) {
	l := func(id int64, county, effective string) RunList {
		return RunList{ID: id, County: county, Effective: znb.MustDate(effective)}
	}
	jan, jul := l(1, "522625", "2024-01-01"), l(2, "522625", "2024-07-01")
	julAgain := l(3, "522625", "2024-07-01")
	done := func(id int64, list RunList, kind RunKind) PriorRun {
		return PriorRun{ID: id, List: list, Kind: kind, Status: RunDone}
	}
	tests := []struct {
		name   string
		list   RunList
		prior  []PriorRun
		code   string
		id     int64
		kind   RunKind
		status RunStatus
	}{
		{"first list issues", jan, nil, "", 0, RunIssue, RunRunning},
		{"another county", l(1, "522626", "2024-01-01"), nil, "list_county_mismatch", 0, "", ""},
		{"resume the first run", jan, []PriorRun{{ID: 7, List: jan, Kind: RunIssue, Status: RunFailed}}, "", 7, RunIssue, RunFailed},
		{"finished run again", jan, []PriorRun{done(7, jan, RunIssue)}, "", 7, RunIssue, RunDone},
		{"newer list endorses", jul, []PriorRun{done(7, jan, RunIssue)}, "", 0, RunEndorse, RunRunning},
		{"same day, later import", julAgain, []PriorRun{done(7, jan, RunIssue), done(8, jul, RunEndorse)}, "", 0, RunEndorse, RunRunning},
		{"older list", jan, []PriorRun{done(8, jul, RunIssue)}, "list_outdated", 0, "", ""},
		{"same day, earlier import", jul, []PriorRun{done(9, julAgain, RunIssue)}, "list_outdated", 0, "", ""},
		{"older list resumed", jan, []PriorRun{{ID: 7, List: jan, Kind: RunIssue, Status: RunDone}, done(8, jul, RunEndorse)}, "", 7, RunEndorse, RunDone},
		{"another run unfinished", jul, []PriorRun{{ID: 7, List: jan, Kind: RunIssue, Status: RunFailed}}, "issue_incomplete", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustAgreement(t, specAgreement)
			a.Status = Active
			got, err := a.NextRun(tt.list, tt.prior)
			if code := znb.CodeOf(err); code != tt.code {
				t.Fatalf("NextRun error %q, want %q", code, tt.code)
			}
			if err != nil {
				return
			}
			if got.ID != tt.id || got.Kind != tt.kind || got.Status != tt.status || got.List != tt.list {
				t.Errorf("NextRun = %+v, want run %d %s %s of list %d", got, tt.id, tt.kind, tt.status, tt.list.ID)
			}
		})
	}
}

func TestSplitPremium(t *testing.T) {
	a := mustAgreement(t, specAgreement)
	tests := []struct {
		category znb.Category
		premium  string
		want     [5]string
	}{
		{znb.Lifted, "98.36", [5]string{"49.18", "19.67", "14.75", "14.76", "0.00"}},
		{znb.Lifted, "60.00", [5]string{"30.00", "12.00", "9.00", "9.00", "0.00"}},
		{znb.Marginal, "30.16", [5]string{"0.00", "9.05", "6.03", "6.03", "9.05"}},
		{znb.Lifted, "-47.70", [5]string{"-23.85", "-9.54", "-7.16", "-7.15", "0.00"}},
	}
	for _, tt := range tests {
		got, err := a.SplitPremium(tt.category, amt(tt.premium))
		if err != nil {
			t.Fatalf("SplitPremium(%s, %s): %v", tt.category, tt.premium, err)
		}
		for i, src := range znb.Sources {
			if got.Of(src).StringFixed(2) != tt.want[i] {
				t.Errorf("SplitPremium(%s, %s).%s = %s, want %s", tt.category, tt.premium, src, got.Of(src).StringFixed(2), tt.want[i])
			}
		}
	}
	if _, err := a.SplitPremium(znb.Returned, amt("60")); znb.CodeOf(err) != "category_not_covered" {
		t.Errorf("uncovered category: err = %v", err)
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct{ got, want string }{
		{MasterPolicyNo("522625", 2024, 1), "ZNB5226252024001"},
		{MasterPolicyNo("110101", 2025, 42), "ZNB1101012025042"},
		{CertificateNo("ZNB5226252024001", 1), "ZNB5226252024001-000001"},
		{CertificateNo("ZNB5226252024001", 123456), "ZNB5226252024001-123456"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}
