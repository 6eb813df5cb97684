package card

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"

	"github.com/jung-kurt/gofpdf"
	"github.com/skip2/go-qrcode"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// qrPNG reuses its compressor between codes: a new one allocates a megabyte.
var qrPNG = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngPool{}}

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

// qr draws the QR code of s in the square (x, y, size), quiet zone included.
// The code is an image of one pixel a module, scaled up: PDF does not smooth
// images unless asked, so it prints as sharp as vectors, and it takes a few
// hundred bytes where rectangles took ten kilobytes a card.
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
	img := image.NewGray(image.Rect(0, 0, len(bm), len(bm)))
	for i, row := range bm {
		for j, dark := range row {
			if !dark {
				img.SetGray(j, i, color.Gray{Y: 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := qrPNG.Encode(&buf, img); err != nil {
		d.fail(znb.Wrap(err, "二维码编码失败"))
		return
	}
	d.images++
	name := "qr" + strconv.Itoa(d.images)
	opt := gofpdf.ImageOptions{ImageType: "PNG"}
	d.f.RegisterImageOptionsReader(name, opt, &buf)
	d.f.ImageOptions(name, x, y, size, size, false, opt, 0, "")
}
