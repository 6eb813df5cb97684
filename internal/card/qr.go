package card

import (
	"github.com/skip2/go-qrcode"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// qr draws the QR code of s as vector rectangles in the square (x, y, size),
// quiet zone included. Vectors print sharp at any resolution and cost less
// than an image per card. Runs of dark modules become one rectangle, and a
// run repeated on the rows below grows down instead of being drawn again.
func (d *doc) qr(x, y, size float64, s string) {
	if d.err != nil {
		return
	}
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		d.fail(znb.Errorf(znb.Invalid, "verify_url_invalid", "核验链接无法生成二维码：%v", err))
		return
	}
	bm := q.Bitmap()
	m := size / float64(len(bm))
	type run struct{ from, to, top int }
	var open []run // runs still growing downwards, with the row they began on
	d.f.SetFillColor(0, 0, 0)
	for i := 0; i <= len(bm); i++ {
		var cur []run
		if i < len(bm) {
			row := bm[i]
			for j := 0; j < len(row); {
				k := j
				for k < len(row) && row[k] {
					k++
				}
				if k > j {
					cur = append(cur, run{j, k, i})
					j = k
				} else {
					j++
				}
			}
		}
		for _, o := range open {
			kept := false
			for n, c := range cur {
				if c.from == o.from && c.to == o.to {
					cur[n].top, kept = o.top, true
				}
			}
			if !kept {
				// A hair of overlap hides the seams some viewers show
				// between touching rectangles.
				d.f.Rect(x+float64(o.from)*m, y+float64(o.top)*m,
					float64(o.to-o.from)*m+0.01, float64(i-o.top)*m+0.01, "F")
			}
		}
		open = cur
	}
}
