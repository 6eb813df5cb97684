package policy

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Problem is one fault found in a product or agreement file: the field as
// written in the file (e.g. "lines.hospitalization.tiers[2].from") and what
// is wrong with it, in Chinese. A rejected file's *znb.Error carries every
// Problem in Details, so a clerk can fix them all at once.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problems collects faults while a file is checked.
type problems []Problem

func (ps *problems) add(field, format string, args ...any) {
	*ps = append(*ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was found, else one *znb.Error whose message
// names every fault.
func (ps problems) err(code, what string) error {
	if len(ps) == 0 {
		return nil
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Field + "：" + p.Message
	}
	return &znb.Error{Kind: znb.Invalid, Code: code, Message: what + "有误：" + strings.Join(parts, "；"), Details: []Problem(ps)}
}

// scalar keeps the text of a YAML scalar exactly as written, so amounts are
// read as decimals and never pass through float64, and dates and region codes
// written without quotes keep their spelling.
type scalar string

func (s *scalar) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected a single value", n.Line)
	}
	if n.Tag == "!!null" {
		*s = ""
		return nil
	}
	*s = scalar(strings.TrimSpace(n.Value))
	return nil
}

// amount reads a sum of money; empty text gives zero and false.
func (s scalar) amount(ps *problems, field string) (decimal.Decimal, bool) {
	if s == "" {
		return decimal.Zero, false
	}
	d, err := money.Parse(field, string(s))
	if err != nil {
		ps.add(field, "“%s”不是有效金额（元，最多两位小数）", clip(string(s)))
		return decimal.Zero, false
	}
	return d, true
}

// percent reads a percentage such as "90", "33.33" or "90%": a plain number
// with at most two decimals (whether it lies between 0 and 100 is the
// caller's check, which names the field too).
func (s scalar) percent(ps *problems, field string) (decimal.Decimal, bool) {
	if s == "" {
		return decimal.Zero, false
	}
	d, ok := money.Decimal(strings.TrimSuffix(string(s), "%"), 2)
	if !ok {
		ps.add(field, "“%s”不是有效百分比（最多两位小数）", clip(string(s)))
		return decimal.Zero, false
	}
	return d, true
}

// clip shortens what a message quotes back.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// date reads a day written YYYY-MM-DD.
func (s scalar) date(ps *problems, field string) znb.Date {
	if s == "" {
		ps.add(field, "未填写日期")
		return znb.Date{}
	}
	d, err := znb.ParseDate(string(s))
	if err != nil {
		ps.add(field, "“%s”不是有效日期（应为 YYYY-MM-DD）", clip(string(s)))
	}
	return d
}

// decodeStrict decodes YAML refusing unknown keys, so a misspelt field is an
// error rather than a silently missing figure.
func decodeStrict(data []byte, v any, code, what string) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if msg == "EOF" {
			msg = "文件为空"
		}
		return &znb.Error{Kind: znb.Invalid, Code: code, Message: what + "格式错误：" + msg, Err: err}
	}
	return nil
}

// splitOf reads one category's split (source → percent); absent sources pay 0.
func splitOf(m map[string]scalar, ps *problems, field string) Split {
	var s Split
	for name, v := range m {
		src := znb.Source(name)
		if !src.Valid() {
			ps.add(field+"."+name, "未知的资金来源“%s”（可用 central、provincial、municipal、county、self）", name)
			continue
		}
		p, _ := v.percent(ps, field+"."+name)
		for i, x := range znb.Sources {
			if x == src {
				s[i] = p
			}
		}
	}
	return s
}

var hundred = decimal.NewFromInt(100)

// checkSplit reports a split with a negative share, a share over 100, or
// shares not adding up to 100.
func checkSplit(s Split, ps *problems, field string) {
	for i, p := range s {
		if p.IsNegative() || p.GreaterThan(hundred) {
			ps.add(field+"."+string(znb.Sources[i]), "比例 %s%% 须在 0 到 100 之间", p)
		}
	}
	if !s.Total().Equal(hundred) {
		ps.add(field, "各资金来源比例合计为 %s%%，应为 100%%", s.Total())
	}
}
