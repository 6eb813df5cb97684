package disaster

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// BatchStatus is where a payment batch stands: open from its build until
// the bank's return file is loaded (returned) or it is cancelled.
type BatchStatus string

const (
	BatchOpen      BatchStatus = "open"
	BatchReturned  BatchStatus = "returned"
	BatchCancelled BatchStatus = "cancelled"
)

// Item outcomes: pending until the bank answers, then success or failure.
const (
	Pending = "pending"
	Success = "success"
	Failure = "failure"
)

// Item is one payment of a batch: its 序号, the claim it pays (摘要), the
// account and the amount, and what the bank said.
type Item struct {
	Seq     int
	ClaimNo string
	Holder  string
	Account string
	Bank    string
	Amount  decimal.Decimal
	Outcome string // Pending, Success or Failure
	Reason  string // the bank's reason for a failure
}

// Totals are a batch's count and amount in all, and of its successes and
// failures once the bank has answered.
type Totals struct {
	Count, SuccessCount, FailureCount    int
	Amount, SuccessAmount, FailureAmount decimal.Decimal
}

// Tally adds up the items.
func Tally(items []Item) Totals {
	t := Totals{Amount: decimal.Zero, SuccessAmount: decimal.Zero, FailureAmount: decimal.Zero}
	for _, it := range items {
		t.Count++
		t.Amount = t.Amount.Add(it.Amount)
		switch it.Outcome {
		case Success:
			t.SuccessCount++
			t.SuccessAmount = t.SuccessAmount.Add(it.Amount)
		case Failure:
			t.FailureCount++
			t.FailureAmount = t.FailureAmount.Add(it.Amount)
		}
	}
	return t
}

// Balanced reports whether the bank has answered every item: successes and
// failures together make the batch's count and amount.
func (t Totals) Balanced() bool {
	return t.SuccessCount+t.FailureCount == t.Count && t.SuccessAmount.Add(t.FailureAmount).Equal(t.Amount)
}

// CheckCancel says whether a batch may be cancelled: only while open, before
// the bank's return file is loaded.
func CheckCancel(s BatchStatus) error {
	if s != BatchOpen {
		return znb.Errorf(znb.Conflict, "batch_not_open", "付款批次已%s，不能撤销", statusName(s))
	}
	return nil
}

// CheckReturn says whether a batch may take the bank's return file: only
// while open.
func CheckReturn(s BatchStatus) error {
	if s != BatchOpen {
		return znb.Errorf(znb.Conflict, "batch_not_open", "付款批次已%s，不能再导入回盘文件", statusName(s))
	}
	return nil
}

func statusName(s BatchStatus) string {
	switch s {
	case BatchReturned:
		return "回盘"
	case BatchCancelled:
		return "撤销"
	}
	return "开立"
}

// BankHeader is the header of the bank file.
var BankHeader = []string{"序号", "户名", "账号", "开户行", "金额", "摘要"}

// WriteBankFile writes the batch's bank file: one row per item (摘要 is the
// claim number, which the bank echoes back) and a last row with the count
// and the total.
func WriteBankFile(w registry.Writer, name string, items []Item) error {
	if err := w.Sheet(name, BankHeader); err != nil {
		return err
	}
	for _, it := range items {
		if err := w.Row(it.Seq, it.Holder, it.Account, it.Bank, money.String(it.Amount), it.ClaimNo); err != nil {
			return err
		}
	}
	t := Tally(items)
	if err := w.Row("合计", strconv.Itoa(t.Count)+" 笔", "", "", money.String(t.Amount), ""); err != nil {
		return err
	}
	return w.Close()
}

// Answer is the bank's answer for one item of a batch.
type Answer struct {
	Seq     int
	Success bool
	Reason  string
}

// The return file's columns; 序号 or 摘要 (the claim number) finds the item.
var returnColumns = []registry.Column{
	{Zh: "序号", En: "seq"}, {Zh: "摘要", En: "claim_no"}, {Zh: "状态", En: "status"}, {Zh: "失败原因", En: "reason"},
}

// ReadReturn reads the bank's return file against the batch's items. Every
// item must be answered exactly once, as 成功 or 失败 (a failure with its
// reason); a row that names no item of the batch, an item answered twice
// and an item not answered are faults, each named (an unanswered item by
// its 序号, at row 0). The totals row (合计) is skipped.
func ReadReturn(rows registry.Rows, items []Item) ([]Answer, []registry.Reject, error) {
	cols, row, err := registry.ReadHeader(rows, returnColumns, 2)
	if err != nil {
		return nil, nil, err
	}
	if cols[0] < 0 && cols[1] < 0 {
		return nil, nil, znb.Errorf(znb.Invalid, "missing_column", "回盘文件表头须有“序号”或“摘要”列")
	}
	bySeq := map[int]*Item{}
	byClaim := map[string]*Item{}
	for i := range items {
		bySeq[items[i].Seq], byClaim[items[i].ClaimNo] = &items[i], &items[i]
	}
	answered := map[int]int{}
	var out []Answer
	var rej []registry.Reject
	for rows.Next() {
		row++
		cells := rows.Row()
		if blank(cells) {
			continue
		}
		cell := func(col int) string {
			if i := cols[col]; i >= 0 && i < len(cells) {
				return strings.TrimSpace(cells[i])
			}
			return ""
		}
		fault := func(col int, code, msg string) {
			rej = append(rej, registry.Reject{Row: row, Column: returnColumns[col].Zh, Code: code, Message: msg})
		}
		seqText, claimNo := cell(0), cell(1)
		if seqText == "合计" {
			continue
		}
		var it *Item
		if seqText != "" {
			n, err := strconv.Atoi(seqText)
			if it = bySeq[n]; err != nil || it == nil {
				fault(0, "unknown_item", "本批次没有序号 "+clip(seqText))
				continue
			}
			if claimNo != "" && claimNo != it.ClaimNo {
				fault(1, "item_mismatch", "序号 "+seqText+" 的摘要应为 "+it.ClaimNo+"，回盘为 "+clip(claimNo))
				continue
			}
		} else if it = byClaim[claimNo]; it == nil {
			fault(1, "unknown_item", "本批次没有摘要（案件号）"+clip(claimNo))
			continue
		}
		if at, dup := answered[it.Seq]; dup {
			fault(0, "duplicate_answer", "序号 "+strconv.Itoa(it.Seq)+" 已在第 "+strconv.Itoa(at)+" 行回盘")
			continue
		}
		answered[it.Seq] = row
		a := Answer{Seq: it.Seq, Reason: strings.Clone(cell(3))}
		switch cell(2) {
		case "成功":
			a.Success, a.Reason = true, ""
		case "失败":
			if a.Reason == "" {
				fault(3, "reason_required", "失败的付款须写明失败原因")
				continue
			}
		default:
			fault(2, "invalid_status", "“状态”须为 成功 或 失败："+clip(cell(2)))
			continue
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, it := range items {
		if _, ok := answered[it.Seq]; !ok {
			rej = append(rej, registry.Reject{Row: 0, Column: "序号", Code: "item_unanswered",
				Message: "序号 " + strconv.Itoa(it.Seq) + "（" + it.ClaimNo + "）未在回盘文件中"})
		}
	}
	return out, rej, nil
}

// ReturnRefusal refuses a return file with a fault: nothing of it is
// stored, and the batch stays open.
func ReturnRefusal(rej []registry.Reject) error {
	if len(rej) == 0 {
		return nil
	}
	return registry.Refusal("return_rejected", rej, "回盘文件有 %d 处错误，未保存任何数据；请改正后重新上传", len(rej))
}

// PaymentRef is the payment reference a claim paid by a batch carries: the
// batch number and the item's 序号.
func PaymentRef(batchNo string, seq int) string { return batchNo + "-" + strconv.Itoa(seq) }
