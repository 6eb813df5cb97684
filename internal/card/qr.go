package card

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"

	"github.com/jung-kurt/gofpdf"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// qrEncoder reuses its compressor between codes: a new one allocates a megabyte.
var qrEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngPool{}}

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

// qrPNG encodes s as a QR code image of one pixel a module, quiet zone
// included. It is safe for concurrent use: Write encodes the codes of the
// next cards on another core while the current one is drawn.
func qrPNG(s string) ([]byte, error) {
	bm, err := qrBitmap(s)
	if err != nil {
		return nil, znb.Errorf(znb.Invalid, "verify_url_invalid", "核验链接无法生成二维码：%v", err)
	}
	img := image.NewGray(image.Rect(0, 0, len(bm), len(bm)))
	for i, row := range bm {
		for j, dark := range row {
			if !dark {
				img.SetGray(j, i, color.Gray{Y: 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := qrEncoder.Encode(&buf, img); err != nil {
		return nil, znb.Wrap(err, "二维码编码失败")
	}
	return buf.Bytes(), nil
}

// qr draws the QR code image code (see qrPNG) in the square (x, y, size).
// The image is scaled up without smoothing — PDF does not smooth images
// unless asked — so it prints as sharp as vectors, and it takes a few
// hundred bytes where rectangles took ten kilobytes a card.
func (d *doc) qr(x, y, size float64, code []byte) {
	if d.err != nil {
		return
	}
	d.images++
	name := "qr" + strconv.Itoa(d.images)
	opt := gofpdf.ImageOptions{ImageType: "PNG"}
	d.f.RegisterImageOptionsReader(name, opt, bytes.NewReader(code))
	d.f.ImageOptions(name, x, y, size, size, false, opt, 0, "")
}
