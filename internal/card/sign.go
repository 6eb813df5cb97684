package card

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// sigBytes is how much of the HMAC-SHA256 a card carries: 128 bits keep
// forging out of reach while the QR code stays small (22 characters).
const sigBytes = 16

// Signer signs what a card claims — certificate number and period of cover —
// with the platform secret (ZNB_SECRET), so that the public verify page can
// tell a printed card from a forged or altered one.
type Signer struct {
	Key []byte
}

func (s Signer) mac(certNo string, start, end znb.Date) []byte {
	h := hmac.New(sha256.New, s.Key)
	// The separator cannot occur in a certificate number or a date, so
	// different fields can never produce the same message.
	h.Write([]byte("znb-card\x00" + certNo + "\x00" + start.String() + "\x00" + end.String()))
	return h.Sum(nil)[:sigBytes]
}

// Sign returns the URL-safe signature of a certificate and its period.
func (s Signer) Sign(certNo string, start, end znb.Date) string {
	return base64.RawURLEncoding.EncodeToString(s.mac(certNo, start, end))
}

// Verify reports whether sig was made by Sign for these values. It compares
// in constant time; a signer without a key verifies nothing.
func (s Signer) Verify(certNo string, start, end znb.Date, sig string) bool {
	if len(s.Key) == 0 {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(got) != sigBytes {
		return false
	}
	return hmac.Equal(got, s.mac(certNo, start, end))
}

// URL returns the signed verify URL of a certificate under base.
func (s Signer) URL(base, certNo string, start, end znb.Date) string {
	return VerifyURL(base, certNo, s.Sign(certNo, start, end))
}

// VerifyURL builds {base}/verify/{certificate_no}?sig=…, the public page a
// card's QR code opens. The certificate number is escaped as a path segment
// and the signature as a query value.
func VerifyURL(base, certNo, sig string) string {
	return strings.TrimRight(base, "/") + "/verify/" + url.PathEscape(certNo) + "?sig=" + url.QueryEscape(sig)
}
