package card

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/skip2/go-qrcode"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestQRBitmap holds qrBitmap to go-qrcode, module for module: a card's QR
// code is the one it always was. The contents mix every data mode and
// length up to past what versions 1 to 9 hold, where go-qrcode takes over.
func TestQRBitmap(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	alphabets := []string{
		"0123456789",
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
		"abcdefghijklmnopqrstuvwxyz0123456789-_?=&/:.%",
		"0123456789ABCDEFabcdef/?=",
		"ZNB0123456789-/",
		"农保明白卡0123456789",
	}
	contents := []string{"A", "1", "0", "https://znb.example.cn/verify/ZNB5226252024000001-00001?sig=AbCdEfGhIjKlMnOpQrStUv"}
	for i := 0; i < 1200; i++ {
		a := alphabets[i%len(alphabets)]
		n := 1 + rng.Intn(260)
		if i%3 == 0 {
			n = 1 + rng.Intn(40)
		}
		var b strings.Builder
		for b.Len() < n {
			// Runs of one alphabet, as a URL has: letters, then digits.
			run := a
			if rng.Intn(4) == 0 {
				run = alphabets[rng.Intn(len(alphabets))]
			}
			for k := 1 + rng.Intn(12); k > 0; k-- {
				b.WriteString(string([]rune(run)[rng.Intn(len([]rune(run)))]))
			}
		}
		contents = append(contents, b.String())
	}
	for i := 0; i < 100; i++ {
		no := "ZNB" + strings.Repeat("5", rng.Intn(20)) + "-" + string(rune('0'+rng.Intn(10)))
		contents = append(contents, VerifyURL("https://znb.example.cn/", no, Signer{Key: []byte{byte(i)}}.Sign(no, znb.MustDate("2024-01-01"), znb.MustDate("2024-12-31"))))
	}
	for _, s := range contents {
		q, err := qrcode.New(s, qrcode.Medium)
		got, gotErr := qrBitmap(s)
		if (err != nil) != (gotErr != nil) {
			t.Fatalf("%q: error %v, go-qrcode's %v", s, gotErr, err)
		}
		if err != nil {
			continue
		}
		if want := q.Bitmap(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q (version %d): the bitmap differs from go-qrcode's", s, q.VersionNumber)
		}
	}
}
