package subsidy

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strconv"

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
//
// A hasher made by startHasher hashes the head (terms and sorted list) in a
// goroutine of its own while the run goes on: the rows are encoded into
// buffers that the goroutine hashes after the head, in order. Sorting and
// hashing a million-person list then overlaps the reconciliation itself.
type hasher struct {
	h   hash.Hash
	buf []byte

	out  chan []byte // async: full buffers, hashed in order by the goroutine
	free chan []byte
	done chan struct{}
}

func newHasher() *hasher {
	h := &hasher{h: sha256.New(), buf: make([]byte, 0, 64<<10)}
	h.str("zhunongbao/subsidy/v1")
	return h
}

// startHasher returns a hasher that has the head of terms t and list
// (which must not change until sum) hashed by a goroutine; rows are added
// with row as usual. Call sum, or stop to abandon it.
func startHasher(t Terms, list []Entry) *hasher {
	h := &hasher{buf: make([]byte, 0, 64<<10), out: make(chan []byte, 64), free: make(chan []byte, 64),
		done: make(chan struct{})}
	head := newHasher()
	go func() {
		defer close(h.done)
		head.head(t, list)
		head.h.Write(head.buf)
		for b := range h.out {
			head.h.Write(b)
			select {
			case h.free <- b[:0]:
			default:
			}
		}
		h.h = head.h
	}()
	return h
}

func (h *hasher) str(s string) {
	h.buf = binary.AppendUvarint(h.buf, uint64(len(s)))
	h.buf = append(h.buf, s...)
	if len(h.buf) > 60<<10 {
		h.flush()
	}
}

func (h *hasher) flush() {
	if h.out == nil {
		h.h.Write(h.buf)
		h.buf = h.buf[:0]
		return
	}
	h.out <- h.buf
	select {
	case h.buf = <-h.free:
	default:
		h.buf = make([]byte, 0, 64<<10)
	}
}

// stop ends the goroutine of an abandoned async hasher.
func (h *hasher) stop() {
	if h.out != nil {
		close(h.out)
		<-h.done
		h.out = nil
	}
}

func (h *hasher) int(n int64)     { h.buf = binary.AppendVarint(h.buf, n) }
func (h *hasher) date(d znb.Date) { h.int(int64(d.DaysSince(znb.Date{}))) }

// dec writes d as d.String() does.
func (h *hasher) dec(d decimal.Decimal) {
	var text [40]byte
	t := appendDecimal(text[:0], d)
	h.buf = binary.AppendUvarint(h.buf, uint64(len(t)))
	h.buf = append(h.buf, t...)
	if len(h.buf) > 60<<10 {
		h.flush()
	}
}

// appendDecimal appends d as d.String() writes it: the fraction's trailing
// zeros trimmed, no exponent. The coefficients of amounts (up to 18 digits,
// up to 18 places) are written here without math/big, whose conversion to
// text took an eighth of the reconciling goroutine in a million-row run;
// others by String.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	e := d.Exponent()
	if e > 0 || e < -18 || d.NumDigits() > 18 {
		return append(b, d.String()...)
	}
	c := d.CoefficientInt64()
	u := uint64(c)
	if c < 0 {
		b, u = append(b, '-'), uint64(-c)
	}
	places := int(-e)
	p := uint64(1)
	for range places {
		p *= 10
	}
	b = strconv.AppendUint(b, u/p, 10)
	frac := u % p
	if frac == 0 {
		return b
	}
	for frac%10 == 0 {
		frac /= 10
		places--
	}
	var digits [20]byte
	f := strconv.AppendUint(digits[:0], frac, 10)
	b = append(b, '.')
	for range places - len(f) {
		b = append(b, '0')
	}
	return append(b, f...)
}

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

	h.int(int64(len(list)))
	for _, i := range byIDNumber(list) {
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

// byIDNumber returns the indexes of list in the order of its ID numbers as
// strings. Well-formed ID numbers are sorted by their packed keys, which
// order them as their text does (same length, digits, then the check
// character with X last) at a fraction of the cost of comparing strings;
// the few others are sorted as text and merged in.
func byIDNumber(list []Entry) []int32 {
	type keyed struct {
		k uint64
		i int32
	}
	keys := make([]keyed, 0, len(list))
	var odd []int32
	for i := range list {
		if k, ok := idKey(list[i].IDNumber); ok {
			keys = append(keys, keyed{k, int32(i)})
		} else {
			odd = append(odd, int32(i))
		}
	}
	// Equal text keeps list order; equal keys of different text (x and X)
	// fall back to the text.
	byText := func(a, b int32) int {
		return cmp.Or(cmp.Compare(list[a].IDNumber, list[b].IDNumber), cmp.Compare(a, b))
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		if a.k != b.k {
			return cmp.Compare(a.k, b.k)
		}
		return byText(a.i, b.i)
	})
	slices.SortFunc(odd, byText)
	order := make([]int32, 0, len(list))
	for _, k := range keys {
		for len(odd) > 0 && byText(odd[0], k.i) < 0 {
			order, odd = append(order, odd[0]), odd[1:]
		}
		order = append(order, k.i)
	}
	return append(order, odd...)
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
	if h.out != nil {
		h.out <- h.buf
		h.buf = nil
		h.stop()
	} else {
		h.h.Write(h.buf)
		h.buf = h.buf[:0]
	}
	return hex.EncodeToString(h.h.Sum(nil))
}
