package subsidy

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// InputsHash returns the SHA-256, in hex, of what a reconciliation reads: the
// agreement terms, the list entries sorted by ID number, and the bill rows in
// file order. Reconcile reports the same value in Result.InputsHash, so a
// confirmed reconciliation can be re-run and shown to have read the same
// inputs. OtherCover's answers are not part of it.
func InputsHash(in Input) (string, error) {
	h := newHasher()
	h.head(in.Terms, in.List)
	for row, err := range in.Bill {
		if err != nil {
			return "", err
		}
		h.row(&row)
	}
	return h.sum(), nil
}

// hasher writes every field length-prefixed, so that no two different inputs
// encode alike, through a buffer so that a million rows hash quickly.
type hasher struct {
	h   hash.Hash
	buf []byte
}

func newHasher() *hasher {
	h := &hasher{h: sha256.New(), buf: make([]byte, 0, 64<<10)}
	h.str("zhunongbao/subsidy/v1")
	return h
}

func (h *hasher) str(s string) {
	h.buf = binary.AppendUvarint(h.buf, uint64(len(s)))
	h.buf = append(h.buf, s...)
	if len(h.buf) > 60<<10 {
		h.h.Write(h.buf)
		h.buf = h.buf[:0]
	}
}

func (h *hasher) int(n int64)           { h.buf = binary.AppendVarint(h.buf, n) }
func (h *hasher) date(d znb.Date)       { h.int(int64(d.DaysSince(znb.Date{}))) }
func (h *hasher) dec(d decimal.Decimal) { h.str(d.String()) }

func (h *hasher) head(t Terms, list []Entry) {
	h.int(t.AgreementID)
	h.date(t.Start)
	h.date(t.End)
	h.dec(t.PremiumPerPerson)
	cats := make([]znb.Category, 0, len(t.Splits))
	for c := range t.Splits {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	h.int(int64(len(cats)))
	for _, c := range cats {
		h.str(string(c))
		for _, p := range t.Splits[c] {
			h.dec(p)
		}
	}

	order := make([]int32, len(list))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(list[a].IDNumber, list[b].IDNumber) })
	h.int(int64(len(list)))
	for _, i := range order {
		e := &list[i]
		h.str(e.IDNumber)
		h.str(e.Name)
		h.str(e.HouseholdNo)
		h.str(string(e.Category))
		h.str(string(e.Status))
		h.date(e.StatusDate)
		h.date(e.CoverFrom)
	}
}

func (h *hasher) row(r *Row) {
	h.int(int64(r.Row))
	h.str(r.CertificateNo)
	h.str(r.HouseholdNo)
	h.str(r.IDNumber)
	h.str(r.Name)
	h.str(string(r.Category))
	h.date(r.CoverageStart)
	h.date(r.CoverageEnd)
	h.dec(r.Premium)
}

func (h *hasher) sum() string {
	h.h.Write(h.buf)
	h.buf = h.buf[:0]
	return hex.EncodeToString(h.h.Sum(nil))
}
