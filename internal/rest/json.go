package rest

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// amount is money in JSON: a string with two decimals.
func amount(d decimal.Decimal) string { return money.String(d) }

// msTime formats a stored millisecond timestamp in China Standard Time.
func msTime(ms int64) string { return time.UnixMilli(ms).In(znb.CST).Format(time.RFC3339) }
