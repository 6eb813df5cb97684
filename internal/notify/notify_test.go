package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestSegments(t *testing.T) {
	for _, tc := range []struct {
		n, want int
	}{{0, 1}, {70, 1}, {71, 2}, {134, 2}, {135, 3}} {
		if got := Segments(strings.Repeat("字", tc.n)); got != tc.want {
			t.Errorf("%d characters: %d segments, want %d", tc.n, got, tc.want)
		}
	}
}

// Every template fits one segment with the longest figures it can meet, and
// says no full name.
func TestTemplates(t *testing.T) {
	pay := decimal.NewNullDecimal(decimal.RequireFromString("9999999.99"))
	c := Claim{No: "CLM20240615000001", HeadName: "欧阳娜娜娜", Line: znb.Hospitalization, Payable: pay,
		Reason: "出险时间不在保险期间内", Hotline: "0855-12345678"}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"报案", ClaimText(ClaimReported, c), "【助农保】欧**娜户：意外住院医疗保险报案已受理，案号CLM20240615000001。"},
		{"核赔", ClaimText(ClaimApproved, c), "【助农保】欧**娜户：案号CLM20240615000001已核定赔款9999999.99元，将支付到户。"},
		{"拒赔", ClaimText(ClaimRejected, c), "【助农保】欧**娜户：案号CLM20240615000001不予赔付，原因：出险时间不在保险期间内。详询0855-12345678"},
		{"支付", ClaimText(ClaimPaid, c), "【助农保】欧**娜户：案号CLM20240615000001赔款9999999.99元已支付，请查收。"},
		{"异议答复", ObjectionText("YY20240615000001", true, "12317"), "【助农保】您反映的事项（编号YY20240615000001）已答复：异议成立。详询12317"},
		// The longest: a masked name of 4, a household of 10 or more, a
		// certificate of a six-digit sequence.
		{"出单", CertificateText("欧阳娜娜娜", "ZNB5226252024001-123456", 12, znb.MustDate("2024-12-31")),
			"【助农保】欧**娜户：您家12人已参加助农保，凭证号ZNB5226252024001-123456，保障至2024-12-31。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.text != tc.want {
				t.Errorf("text\n %s\nwant\n %s", tc.text, tc.want)
			}
			if n := utf8.RuneCountInString(tc.text); n > SegmentChars {
				t.Errorf("%d characters, over one segment", n)
			}
			if strings.Contains(tc.text, "欧阳娜娜娜") {
				t.Error("full name in the text")
			}
		})
	}
	if ClaimText(WarningRaised, c) != "" || ClaimText(CertificateIssued, c) != "" {
		t.Error("a household gets a text for an event not meant for it")
	}
}

func TestFailed(t *testing.T) {
	created := time.Date(2024, 6, 15, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		at       time.Duration // since created
		n        int
		err      error
		wait     time.Duration
		wantDead bool
	}{
		{"第一次失败_1分钟后", 0, 1, errors.New("503"), time.Minute, false},
		{"第二次_2分钟", time.Minute, 2, errors.New("503"), 2 * time.Minute, false},
		{"第五次_30分钟", time.Hour, 5, errors.New("503"), 30 * time.Minute, false},
		{"之后每小时", 3 * time.Hour, 9, errors.New("503"), time.Hour, false},
		{"满一天进死信", 23 * time.Hour, 20, errors.New("503"), 0, true},
		{"永久拒绝立即进死信", 0, 1, permanent{errors.New("400")}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, dead := Failed(created, created.Add(tc.at), tc.n, tc.err)
			if dead != tc.wantDead {
				t.Fatalf("dead = %v, want %v", dead, tc.wantDead)
			}
			if !dead && next.Sub(created.Add(tc.at)) != tc.wait {
				t.Errorf("next after %v, want %v", next.Sub(created.Add(tc.at)), tc.wait)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"id":"k","event":"claim.paid"}`)
	now := time.Unix(1718445600, 0)
	ts := "1718445600"
	sig := Sign("s3cret", ts, body)
	// The value a receiver computes with any HMAC library.
	if want := "sha256=" + hmacHex("s3cret", ts+"."+string(body)); sig != want {
		t.Fatalf("Sign = %s, want %s", sig, want)
	}
	for _, tc := range []struct {
		name, secret, ts, sig string
		body                  []byte
		now                   time.Time
		want                  bool
	}{
		{"正确", "s3cret", ts, sig, body, now, true},
		{"密钥不对", "other", ts, sig, body, now, false},
		{"内容被改", "s3cret", ts, sig, []byte(`{"id":"k","event":"claim.approved"}`), now, false},
		{"时间戳被改", "s3cret", "1718445601", sig, body, now, false},
		{"过期重放", "s3cret", ts, sig, body, now.Add(10 * time.Minute), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Verify(tc.secret, tc.ts, tc.sig, tc.body, tc.now, 5*time.Minute); got != tc.want {
				t.Errorf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHTTPGateway(t *testing.T) {
	var got SMSRequest
	var auth, key string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, key = r.Header.Get("Authorization"), r.Header.Get(HeaderKey)
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &got)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	g := &HTTPGateway{URL: srv.URL, Key: "gw-key"}
	ctx := context.Background()
	if err := g.Send(ctx, "k1", "13800138000", "【助农保】测试"); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer gw-key" || key != "k1" || got != (SMSRequest{"k1", "13800138000", "【助农保】测试", 1}) {
		t.Errorf("request %+v auth %q key %q", got, auth, key)
	}
	for _, tc := range []struct {
		status    int
		permanent bool
	}{{500, false}, {503, false}, {429, false}, {408, false}, {400, true}, {401, true}} {
		status = tc.status
		err := g.Send(ctx, "k1", "13800138000", "x")
		if err == nil || Permanent(err) != tc.permanent {
			t.Errorf("answer %d: err %v, permanent %v, want %v", tc.status, err, Permanent(err), tc.permanent)
		}
	}
}

func TestPostSigned(t *testing.T) {
	var ok bool
	var event string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		event = r.Header.Get(HeaderEvent)
		ok = Verify("whsec", r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), b, time.Now(), 5*time.Minute)
	}))
	defer srv.Close()
	c := Claim{No: "C1", HeadName: "张三丰", Line: znb.Property, Status: "paid"}
	m := Message{Key: "k", Event: ClaimPaid, Target: srv.URL, Secret: "whsec",
		Body: ClaimBody("k", ClaimPaid, c, time.Now())}
	if strings.Contains(m.Body, "张三丰") || !strings.Contains(m.Body, `"head_name":"张*丰"`) {
		t.Errorf("body %s: want the masked name only", m.Body)
	}
	if err := Post(context.Background(), nil, m, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !ok || event != "claim.paid" {
		t.Errorf("signature verified %v, event %q", ok, event)
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"13800138000": "138****8000", "0851-1234567": "************", "": ""} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckRequeue(t *testing.T) {
	for _, tc := range []struct {
		s    Status
		want string
	}{{Dead, ""}, {Pending, "not_dead"}, {Sent, "not_dead"}} {
		t.Run(string(tc.s), func(t *testing.T) {
			err := tc.s.CheckRequeue()
			if got := znb.CodeOf(err); got != tc.want {
				t.Fatalf("code %q, want %q", got, tc.want)
			}
		})
	}
}
