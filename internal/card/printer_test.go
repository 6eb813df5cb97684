package card

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func TestCardOf(t *testing.T) {
	a := &policy.Agreement{Insurer: policy.Insurer{Name: "人保镇远", Hotline: "95518"},
		ServiceContact: policy.ServiceContact{Name: "羊场镇农业服务中心", Phone: "0855-5721234"},
		Term:           policy.Term{Start: znb.MustDate("2024-01-01"), End: znb.MustDate("2024-12-31")}}
	prod := &policy.Product{}
	cover := func(id, name, rel, start, end string) policy.Insured {
		return policy.Insured{IDNumber: id, Name: name, Relation: rel,
			Cover: policy.Cover{Start: znb.MustDate(start), End: znb.MustDate(end)}, Premium: decimal.NewFromInt(60)}
	}
	tests := []struct {
		name   string
		cert   policy.Certificate
		status string
		head   string
		period string
	}{
		{"active", policy.Certificate{No: "C1", Status: policy.CertActive, Category: znb.Marginal,
			Shares: policy.Shares{decimal.Zero, decimal.NewFromInt(36), decimal.NewFromInt(24), decimal.NewFromInt(24), decimal.NewFromInt(36)},
			Members: []policy.Insured{
				cover("522625199001011234", "李四", "配偶", "2024-01-01", "2024-12-31"),
				cover("522625196001011234", "张三", "户主", "2024-03-01", "2024-12-31"),
			}}, Active, "张三", "2024-01-01..2024-12-31"},
		{"cancelled", policy.Certificate{No: "C2", Status: policy.CertCancelled, Members: []policy.Insured{
			cover("522625199001011234", "李四", "配偶", "2024-01-01", "2024-03-31"),
		}}, Cancelled, "李四", "2024-01-01..2024-03-31"},
	}
	p := &Printer{Secret: []byte("k"), BaseURL: "https://znb.example"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := p.CardOf(&tt.cert, a, prod)
			if c.Status != tt.status || c.HeadName != tt.head || c.PeriodStart.String()+".."+c.PeriodEnd.String() != tt.period {
				t.Errorf("card %s: status %s head %s period %s..%s; want %s %s %s",
					tt.cert.No, c.Status, c.HeadName, c.PeriodStart, c.PeriodEnd, tt.status, tt.head, tt.period)
			}
			// What the household paid is the certificate's self share; the
			// contact is the agreement's.
			if want := tt.cert.Shares.Of(znb.Self); !c.SelfPaid.Equal(want) || !c.Premium.Equal(tt.cert.Premium()) {
				t.Errorf("card %s: self-paid %s of %s, want %s of %s", tt.cert.No, c.SelfPaid, c.Premium, want, tt.cert.Premium())
			}
			if c.Service != a.ServiceContact {
				t.Errorf("card %s: service contact %+v, want %+v", tt.cert.No, c.Service, a.ServiceContact)
			}
			for _, m := range c.Members {
				if !Masked(m.MaskedID) {
					t.Errorf("member %s: ID %q not masked", m.Name, m.MaskedID)
				}
			}
			if sig := Signature(p.Secret, tt.cert.No, a); !strings.Contains(c.VerifyURL, sig) || !VerifySignature(p.Secret, tt.cert.No, a, sig) {
				t.Errorf("verify link %s does not carry a valid signature %s", c.VerifyURL, sig)
			}
		})
	}
}
