package claim

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Step is one line of a payout breakdown. Code is stable English for programs;
// Label is Chinese and names the figure the step applied (a deductible, a
// ratio, a limit); Amount is the running amount after the step, exact until
// the final "payable" step, which is rounded half-up to the cent. Steps that
// describe one part of a whole (an item, an injury, a tier) carry that part's
// amount instead.
type Step struct {
	Code   string
	Label  string
	Amount decimal.Decimal
}

// Result is the outcome of adjusting a claim: the payable, the breakdown that
// explains it, and what the policy-year limit has left once it is paid.
type Result struct {
	Line      znb.Line
	Payable   decimal.Decimal
	Remaining decimal.Decimal
	Breakdown []Step
}

// Assessment is the assessed facts of a claim on one line, as the adjuster
// enters them (the API's assessment bodies). It is Facts that read as
// themselves.
type Assessment interface {
	Facts
	Line() znb.Line
	adjust(t *policy.LineTerms, b *breakdown) error
}

// Adjust computes the payable of an assessment under the line's terms, given
// what the limit has left for the policy year (what earlier approved claims
// of the household or person did not use). A negative remaining counts as
// nothing left.
func Adjust(t *policy.LineTerms, remaining decimal.Decimal, a Assessment) (Result, error) {
	if err := Offered(t, a.Line()); err != nil {
		return Result{}, err
	}
	if t.Line.Accrues() {
		return Result{}, znb.Errorf(znb.Internal, "line_cumulative", "%s按年累计赔付，须知道此前累计金额", t.Line.Name())
	}
	b := &breakdown{}
	if err := a.adjust(t, b); err != nil {
		return Result{}, err
	}
	remaining = money.Max(remaining, decimal.Zero)
	b.set("cap_remaining_limit", "以本保单年度剩余限额 "+money.String(remaining)+" 为限", money.Min(b.amount, remaining))
	payable := money.Round(b.amount)
	b.set("payable", "赔付金额（四舍五入到分）", payable)
	return Result{Line: t.Line, Payable: payable, Remaining: remaining.Sub(payable), Breakdown: b.steps}, nil
}

// breakdown collects steps while a calculator runs; amount is the running
// amount.
type breakdown struct {
	steps  []Step
	amount decimal.Decimal
}

// set records a step that changes the running amount.
func (b *breakdown) set(code, label string, amount decimal.Decimal) {
	b.amount = amount
	b.note(code, label, amount)
}

// note records a step about a part, leaving the running amount alone.
func (b *breakdown) note(code, label string, amount decimal.Decimal) {
	b.steps = append(b.steps, Step{Code: code, Label: label, Amount: amount})
}

// less takes d off the running amount, never below zero.
func (b *breakdown) less(code, label string, d decimal.Decimal) {
	b.set(code, label+" "+money.String(d), money.Max(b.amount.Sub(d), decimal.Zero))
}

// lessDeductible takes the line's per-claim deductible off, never below zero.
func (b *breakdown) lessDeductible(t *policy.LineTerms) {
	b.less("less_deductible", "减每次事故免赔额", t.Deductible)
}

// amountField is one money input of an assessment, named for error messages.
type amountField struct {
	name  string
	value decimal.Decimal
}

// checkAmounts refuses negative inputs: a deduction larger than the expense
// is fine (the result floors at zero), a negative figure is a typing error.
func checkAmounts(fields ...amountField) error {
	for _, f := range fields {
		if f.value.IsNegative() {
			return znb.Errorf(znb.Invalid, "negative_amount", "%s不能为负数：%s", f.name, f.value)
		}
	}
	return nil
}

// pct formats a percentage for labels: "90%", "12.5%".
func pct(p decimal.Decimal) string { return fmt.Sprintf("%s%%", p.String()) }
