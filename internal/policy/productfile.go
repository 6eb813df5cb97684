package policy

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// productFile is the YAML form of a product, documented in docs/products.md.
// Every figure is read as text so that no amount passes through a float.
type productFile struct {
	Code             string               `yaml:"code"`
	Version          int                  `yaml:"version"`
	Name             string               `yaml:"name"`
	PremiumPerPerson scalar               `yaml:"premium_per_person"`
	Lines            map[string]lineFile  `yaml:"lines"`
	DefaultSplit     map[string]splitFile `yaml:"default_split"`
}

type splitFile = map[string]scalar

type lineFile struct {
	Covers           string            `yaml:"covers"`
	Causes           []string          `yaml:"causes"`
	Limit            scalar            `yaml:"limit"`
	LimitPer         string            `yaml:"limit_per"`
	Deductible       scalar            `yaml:"deductible"`
	Ratio            scalar            `yaml:"ratio"`
	ReportWithinDays int               `yaml:"report_within_days"`
	Documents        []string          `yaml:"documents"`
	TriggerLine      scalar            `yaml:"trigger_line"`
	Tiers            []tierFile        `yaml:"tiers"`
	SubLimits        map[string]scalar `yaml:"sub_limits"`
	DisabilityPct    map[int]scalar    `yaml:"disability_pct"`
	BurnTable        []burnFile        `yaml:"burn_table"`
}

type tierFile struct {
	From  scalar `yaml:"from"`
	To    scalar `yaml:"to"`
	Ratio scalar `yaml:"ratio"`
}

type burnFile struct {
	Site   string `yaml:"site"`
	MinPct scalar `yaml:"min_pct"`
	Grade  int    `yaml:"grade"`
}

// ParseProduct reads a product file (docs/products.md) and validates it.
// Every fault is reported at once as a product_invalid error whose Details
// are the []Problem found.
func ParseProduct(data []byte) (*Product, error) {
	var f productFile
	if err := decodeStrict(data, &f, "product_invalid", "产品文件"); err != nil {
		return nil, err
	}
	var ps problems
	p := &Product{Code: f.Code, Version: f.Version, Name: f.Name}
	p.PremiumPerPerson, _ = f.PremiumPerPerson.amount(&ps, "premium_per_person")
	for _, l := range znb.AllLines {
		lf, present := f.Lines[string(l)]
		if present {
			p.Lines = append(p.Lines, lf.terms(l, &ps))
		}
	}
	for _, name := range sortedKeys(f.Lines) {
		if !znb.Line(name).Valid() {
			ps.add("lines."+name, "未知的险种“%s”（可用 agriculture、accident、hospitalization、property、illness、disaster、education）", name)
		}
	}
	if len(f.DefaultSplit) > 0 {
		p.DefaultSplit = make(map[znb.Category]Split)
	}
	for _, name := range sortedKeys(f.DefaultSplit) {
		c := znb.Category(name)
		if !c.Valid() {
			ps.add("default_split."+name, "未知的户类型“%s”", name)
			continue
		}
		p.DefaultSplit[c] = splitOf(f.DefaultSplit[name], &ps, "default_split."+name)
	}
	if len(ps) > 0 {
		return nil, ps.err("product_invalid", "产品文件")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// terms converts one line of the file; what is left unset takes the defaults
// of docs/products.md (no deductible, ratio 100%, the line's usual limit_per).
func (lf lineFile) terms(l znb.Line, ps *problems) LineTerms {
	at := "lines." + string(l)
	t := LineTerms{
		Line:             l,
		Covers:           lf.Covers,
		Causes:           lf.Causes,
		LimitPer:         Per(lf.LimitPer),
		ReportWithinDays: lf.ReportWithinDays,
		Documents:        lf.Documents,
		Ratio:            hundred,
	}
	if t.LimitPer == "" {
		t.LimitPer = PerHousehold
		if l.PerPerson() {
			t.LimitPer = PerPerson
		}
	}
	t.Limit, _ = lf.Limit.amount(ps, at+".limit")
	t.Deductible, _ = lf.Deductible.amount(ps, at+".deductible")
	if r, ok := lf.Ratio.percent(ps, at+".ratio"); ok {
		if len(lf.Tiers) > 0 {
			ps.add(at+".ratio", "阶梯赔付时比例写在各阶梯的 ratio 中，不能再填写险种的 ratio")
		}
		t.Ratio = r
	}
	t.TriggerLine, _ = lf.TriggerLine.amount(ps, at+".trigger_line")
	for i, tf := range lf.Tiers {
		f := fmt.Sprintf("%s.tiers[%d]", at, i+1)
		var tier Tier
		if tf.From == "" {
			ps.add(f+".from", "未填写阶梯起点")
		}
		tier.From, _ = tf.From.amount(ps, f+".from")
		tier.To, _ = tf.To.amount(ps, f+".to")
		if tf.Ratio == "" {
			ps.add(f+".ratio", "未填写阶梯赔付比例")
		}
		tier.Ratio, _ = tf.Ratio.percent(ps, f+".ratio")
		t.Tiers = append(t.Tiers, tier)
	}
	if lf.SubLimits != nil {
		t.SubLimits = make(map[string]decimal.Decimal)
		for _, k := range sortedKeys(lf.SubLimits) {
			t.SubLimits[k], _ = lf.SubLimits[k].amount(ps, at+".sub_limits."+k)
		}
	}
	if lf.DisabilityPct != nil {
		t.DisabilityPct = make(map[int]decimal.Decimal)
		for g, v := range lf.DisabilityPct {
			t.DisabilityPct[g], _ = v.percent(ps, fmt.Sprintf("%s.disability_pct.%d", at, g))
		}
	}
	for i, bf := range lf.BurnTable {
		f := fmt.Sprintf("%s.burn_table[%d].min_pct", at, i+1)
		pct, _ := bf.MinPct.percent(ps, f)
		t.BurnTable = append(t.BurnTable, BurnRule{Site: bf.Site, MinPct: pct, Grade: bf.Grade})
	}
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// lineCauses are the causes each line may cover. A product may
// cover fewer, never others: the claim rules know no other cause.
var lineCauses = map[znb.Line][]string{
	znb.Agriculture:     {"火灾", "爆炸", "疾病", "疫病", "自然灾害"},
	znb.Accident:        {"意外伤害"},
	znb.Hospitalization: {"意外伤害"},
	znb.Property:        {"火灾", "爆炸", "地震", "自然灾害"},
	znb.Illness:         {"疾病"},
	znb.Disaster:        {"自然灾害", "火灾", "地震"},
	znb.Education:       {"就学"},
}

// AllowedCauses lists the causes a product may cover on line l, for forms
// and messages.
func AllowedCauses(l znb.Line) []string { return append([]string(nil), lineCauses[l]...) }

// Burn sites of a burn table.
const (
	HeadNeck   = "head_neck"
	TrunkLimbs = "trunk_limbs"
)

// maxGrade is the lightest of the ten disability grades of JR/T 0083-2013.
const maxGrade = 10

var productCodeRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Validate checks a product's figures, whether it was just read from a file
// or loaded back from storage; a product that fails cannot back an
// agreement. The error is product_invalid with every Problem in Details.
func (p *Product) Validate() error {
	var ps problems
	if !productCodeRe.MatchString(p.Code) {
		ps.add("code", "产品代码“%s”须由小写字母、数字和连字符组成", p.Code)
	}
	if p.Version < 1 || p.Version > MaxVersion {
		ps.add("version", "版本号须为 1 至 %d 的整数", MaxVersion)
	}
	if p.Name == "" {
		ps.add("name", "未填写产品名称")
	}
	if !p.PremiumPerPerson.IsPositive() {
		ps.add("premium_per_person", "每人每年保费须大于 0")
	}
	checkMax(&ps, "premium_per_person", p.PremiumPerPerson, MaxPremium)
	if len(p.Lines) == 0 {
		ps.add("lines", "至少须有一个险种")
	}
	seen := map[znb.Line]bool{}
	for i := range p.Lines {
		t := &p.Lines[i]
		if seen[t.Line] {
			ps.add("lines."+string(t.Line), "险种重复")
		}
		seen[t.Line] = true
		t.check(&ps)
	}
	for _, c := range znb.Categories {
		if s, ok := p.DefaultSplit[c]; ok {
			checkSplit(s, &ps, "default_split."+string(c))
		}
	}
	for c := range p.DefaultSplit {
		if !c.Valid() {
			ps.add("default_split."+string(c), "未知的户类型“%s”", c)
		}
	}
	return ps.err("product_invalid", "产品“"+p.Code+"”")
}

func (t *LineTerms) check(ps *problems) {
	at := "lines." + string(t.Line)
	if !t.Line.Valid() {
		ps.add(at, "未知的险种“%s”", t.Line)
		return
	}
	name := t.Line.Name()
	if t.Covers == "" {
		ps.add(at+".covers", "%s未填写保障内容（印在明白卡上）", name)
	}
	if len(t.Causes) == 0 {
		ps.add(at+".causes", "%s未填写保险责任原因", name)
	}
	dup := map[string]bool{}
	for _, c := range t.Causes {
		switch {
		case !contains(lineCauses[t.Line], c):
			ps.add(at+".causes", "%s不能承保原因“%s”（可用：%v）", name, c, lineCauses[t.Line])
		case dup[c]:
			ps.add(at+".causes", "%s的原因“%s”重复", name, c)
		}
		dup[c] = true
	}
	switch {
	case t.Limit.IsNegative():
		ps.add(at+".limit", "%s限额不能为负数", name)
	case t.Limit.IsZero():
		ps.add(at+".limit", "%s未填写限额（须大于 0）", name)
	}
	if t.LimitPer != PerHousehold && t.LimitPer != PerPerson {
		ps.add(at+".limit_per", "限额单位“%s”须为 household（每户）或 person（每人）", t.LimitPer)
	}
	if t.Line.Accrues() && t.LimitPer != PerHousehold {
		ps.add(at+".limit_per", "%s按户累计，限额单位须为 household（每户）", name)
	}
	if t.Deductible.IsNegative() {
		ps.add(at+".deductible", "%s免赔额不能为负数", name)
	}
	checkRatio(t.Ratio, ps, at+".ratio")
	if t.Ratio.IsZero() && len(t.Tiers) == 0 {
		ps.add(at+".ratio", "%s赔付比例不能为 0（不填即按 100%% 赔付）", name)
	}
	if t.ReportWithinDays <= 0 || t.ReportWithinDays > MaxReportDays {
		ps.add(at+".report_within_days", "%s报案时限须为 1 至 %d 之间的整数天数", name, MaxReportDays)
	}
	t.checkSums(ps, at)
	if len(t.Documents) == 0 {
		ps.add(at+".documents", "%s未列出理赔所需材料", name)
	}
	for i, d := range t.Documents {
		if d == "" {
			ps.add(fmt.Sprintf("%s.documents[%d]", at, i+1), "材料名称为空")
		}
	}
	t.checkTiers(ps, at)
	if t.Line == znb.Property {
		for _, k := range []string{Structure, Decoration, Appliances} {
			v, ok := t.SubLimits[k]
			switch {
			case !ok:
				ps.add(at+".sub_limits."+k, "家庭财产保险须填写分项限额 %s（不设分项限额时填与总限额相同的金额）", k)
			case v.IsNegative():
				ps.add(at+".sub_limits."+k, "分项限额不能为负数")
			}
		}
		for k := range t.SubLimits {
			if k != Structure && k != Decoration && k != Appliances {
				ps.add(at+".sub_limits."+k, "未知的财产分项“%s”（可用 structure、decoration、appliances）", k)
			}
		}
	} else if len(t.SubLimits) > 0 {
		ps.add(at+".sub_limits", "只有家庭财产保险（property）可设分项限额")
	}
	if t.Line == znb.Accident {
		t.checkAccident(ps, at)
	} else if len(t.DisabilityPct) > 0 || len(t.BurnTable) > 0 {
		ps.add(at, "只有意外伤害保险（accident）可设伤残比例表和烧伤对照表")
	}
}

// checkSums reports a limit, sub-limit, deductible, trigger line or tier
// bound above MaxSum.
func (t *LineTerms) checkSums(ps *problems, at string) {
	checkMax(ps, at+".limit", t.Limit, MaxSum)
	checkMax(ps, at+".deductible", t.Deductible, MaxSum)
	checkMax(ps, at+".trigger_line", t.TriggerLine, MaxSum)
	for i, tier := range t.Tiers {
		f := fmt.Sprintf("%s.tiers[%d]", at, i+1)
		checkMax(ps, f+".from", tier.From, MaxSum)
		checkMax(ps, f+".to", tier.To, MaxSum)
	}
	for _, k := range sortedKeys(t.SubLimits) {
		checkMax(ps, at+".sub_limits."+k, t.SubLimits[k], MaxSum)
	}
}

// checkTiers enforces a tier table that starts at the trigger line and runs
// without gap or overlap, only the last tier being open-ended.
func (t *LineTerms) checkTiers(ps *problems, at string) {
	if len(t.Tiers) == 0 {
		switch {
		case t.Line.Accrues():
			ps.add(at+".tiers", "%s按年累计、超过赔付启动线后阶梯赔付，须填写赔付启动线（trigger_line）与阶梯（tiers）", t.Line.Name())
		case !t.TriggerLine.IsZero():
			ps.add(at+".trigger_line", "设了赔付启动线却没有阶梯（tiers）")
		}
		return
	}
	if t.Line != znb.Hospitalization && !t.Line.Accrues() {
		ps.add(at+".tiers", "只有意外住院医疗保险（hospitalization）与防贫保的因病、因灾、因学险种可设阶梯赔付")
		return
	}
	if t.TriggerLine.IsNegative() {
		ps.add(at+".trigger_line", "赔付启动线不能为负数")
	}
	if !t.Deductible.IsZero() {
		ps.add(at+".deductible", "阶梯赔付不适用免赔额，请删去 deductible 或把起赔金额写成赔付启动线")
	}
	for i, tier := range t.Tiers {
		f := fmt.Sprintf("%s.tiers[%d]", at, i+1)
		checkRatio(tier.Ratio, ps, f+".ratio")
		if tier.From.IsNegative() || tier.To.IsNegative() {
			ps.add(f, "阶梯金额不能为负数")
		}
		last := i == len(t.Tiers)-1
		switch {
		case tier.To.IsZero() && !last:
			ps.add(f+".to", "只有最后一档可以不填上限（to）")
		case !tier.To.IsZero() && !tier.To.GreaterThan(tier.From):
			ps.add(f+".to", "阶梯上限 %s 须大于起点 %s", tier.To.StringFixed(2), tier.From.StringFixed(2))
		}
		if i == 0 {
			if !tier.From.Equal(t.TriggerLine) {
				ps.add(f+".from", "第一档起点 %s 须等于赔付启动线 %s", tier.From.StringFixed(2), t.TriggerLine.StringFixed(2))
			}
			continue
		}
		prev := t.Tiers[i-1].To
		switch {
		case prev.IsZero():
		case tier.From.GreaterThan(prev):
			ps.add(f+".from", "第 %d 档起点 %s 与上一档上限 %s 之间有空档", i+1, tier.From.StringFixed(2), prev.StringFixed(2))
		case tier.From.LessThan(prev):
			ps.add(f+".from", "第 %d 档起点 %s 与上一档（上限 %s）重叠", i+1, tier.From.StringFixed(2), prev.StringFixed(2))
		}
	}
}

func (t *LineTerms) checkAccident(ps *problems, at string) {
	for g := 1; g <= maxGrade; g++ {
		p, ok := t.DisabilityPct[g]
		if !ok {
			ps.add(fmt.Sprintf("%s.disability_pct.%d", at, g), "伤残比例表缺少第 %d 级（须覆盖 1 至 10 级）", g)
			continue
		}
		checkRatio(p, ps, fmt.Sprintf("%s.disability_pct.%d", at, g))
	}
	for g := range t.DisabilityPct {
		if g < 1 || g > maxGrade {
			ps.add(fmt.Sprintf("%s.disability_pct.%d", at, g), "伤残等级 %d 不存在（只有 1 至 10 级）", g)
		}
	}
	seen := map[string]bool{}
	for i, r := range t.BurnTable {
		f := fmt.Sprintf("%s.burn_table[%d]", at, i+1)
		if r.Site != HeadNeck && r.Site != TrunkLimbs {
			ps.add(f+".site", "未知的烧伤部位“%s”（可用 head_neck 头颈部、trunk_limbs 躯干及四肢）", r.Site)
		}
		if !r.MinPct.IsPositive() || r.MinPct.GreaterThan(hundred) {
			ps.add(f+".min_pct", "烧伤面积下限 %s%% 须大于 0 且不超过 100", r.MinPct)
		}
		if r.Grade < 1 || r.Grade > maxGrade {
			ps.add(f+".grade", "伤残等级 %d 须在 1 至 10 之间", r.Grade)
		}
		key := r.Site + "/" + r.MinPct.String()
		if seen[key] {
			ps.add(f, "烧伤部位 %s 的面积下限 %s%% 重复", r.Site, r.MinPct)
		}
		seen[key] = true
	}
}

func checkRatio(r decimal.Decimal, ps *problems, field string) {
	if r.IsNegative() || r.GreaterThan(hundred) {
		ps.add(field, "比例 %s%% 须在 0%% 到 100%% 之间", r)
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
