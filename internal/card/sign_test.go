package card

import (
	"net/url"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestSignature(t *testing.T) {
	s := Signer{Key: []byte("county-secret")}
	no, start, end := "ZNB5226252024000001-00012", znb.MustDate("2024-01-01"), znb.MustDate("2024-12-31")
	sig := s.Sign(no, start, end)
	flip := func(sig string) string { // change one character, staying in the alphabet
		c := "A"
		if sig[3] == 'A' {
			c = "B"
		}
		return sig[:3] + c + sig[4:]
	}
	for _, tc := range []struct {
		name       string
		no         string
		start, end znb.Date
		sig        string
		signer     Signer
		want       bool
	}{
		{"valid", no, start, end, sig, s, true},
		{"tampered signature", no, start, end, flip(sig), s, false},
		{"truncated signature", no, start, end, sig[:len(sig)-2], s, false},
		{"empty signature", no, start, end, "", s, false},
		{"not base64", no, start, end, "!!" + sig[2:], s, false},
		{"other certificate", "ZNB5226252024000001-00013", start, end, sig, s, false},
		{"extended period end", no, start, znb.MustDate("2025-12-31"), sig, s, false},
		{"earlier period start", no, znb.MustDate("2023-01-01"), end, sig, s, false},
		{"other key", no, start, end, sig, Signer{Key: []byte("forger")}, false},
		{"no key", no, start, end, Signer{}.Sign(no, start, end), Signer{}, false},
	} {
		if got := tc.signer.Verify(tc.no, tc.start, tc.end, tc.sig); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.want)
		}
	}
	if len(sig) != 22 || strings.ContainsAny(sig, "+/=") {
		t.Errorf("signature %q: want 22 URL-safe characters (16 bytes)", sig)
	}
}

func TestVerifyURL(t *testing.T) {
	for _, tc := range []struct{ base, no, sig, want string }{
		{"https://znb.example.cn", "ZNB5226252024000001-00012", "abc_-9", "https://znb.example.cn/verify/ZNB5226252024000001-00012?sig=abc_-9"},
		{"https://znb.example.cn/", "A B/C", "x+y=", "https://znb.example.cn/verify/A%20B%2FC?sig=x%2By%3D"},
	} {
		got := VerifyURL(tc.base, tc.no, tc.sig)
		if got != tc.want {
			t.Errorf("VerifyURL(%q, %q, %q) = %q, want %q", tc.base, tc.no, tc.sig, got, tc.want)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		if p := strings.TrimPrefix(u.Path, "/verify/"); p != tc.no || u.Query().Get("sig") != tc.sig {
			t.Errorf("%q reads back as %q, %q", got, p, u.Query().Get("sig"))
		}
	}
	// A signed URL carries a signature that verifies.
	s := Signer{Key: []byte("k")}
	start, end := znb.MustDate("2024-01-01"), znb.MustDate("2024-12-31")
	u, _ := url.Parse(s.URL("https://x.cn", "N-1", start, end))
	if !s.Verify("N-1", start, end, u.Query().Get("sig")) {
		t.Errorf("signature of %s does not verify", u)
	}
}
