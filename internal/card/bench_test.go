package card

import (
	"fmt"
	"io"
	"testing"

	"github.com/jung-kurt/gofpdf"

	"github.com/zhunongbao/zhunongbao/internal/rss"
)

const benchCards = 10000

// villageCards yields n distinct cards of 1 to 6 members, as a store query
// would: one at a time, nothing kept.
func villageCards(n int) Cards {
	names := []string{"罗正华", "张美兰", "罗小龙", "罗小凤", "罗德贵", "杨秀英"}
	return func(yield func(Card) error) error {
		for i := 0; i < n; i++ {
			people := family(i*7, names[:1+i%6]...)
			if err := yield(testCard(fmt.Sprintf("%05d", i+1), Active, people)); err != nil {
				return err
			}
		}
		return nil
	}
}

// BenchmarkVillageFile10k renders one 10,000-card village file. Run with
// -benchtime=1x; compare cards/s with BenchmarkFloor10k.
func BenchmarkVillageFile10k(b *testing.B) {
	r := newRenderer(b)
	rss.ResetPeak()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.Write(io.Discard, villageCards(benchCards)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchCards*b.N)/b.Elapsed().Seconds(), "cards/s")
	b.ReportMetric(rss.PeakMB(), "peak-RSS-MB")
}

// BenchmarkCounty100x40 renders 100 village files of 40 cards each with one
// renderer, as `zhunongbao cards` prints a county: what a file costs beyond
// its cards (the font above all) shows here. Run with -benchtime=1x.
func BenchmarkCounty100x40(b *testing.B) {
	const files, per = 100, 40
	r := newRenderer(b)
	rss.ResetPeak()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < files; j++ {
			// Each village's name brings characters the files before it
			// did not have, as a county's villages and names do.
			village := "羊场镇" + string(surnames[j%len(surnames)]) + string(surnames[(7*j+3)%len(surnames)]) + "村"
			cards := func(yield func(Card) error) error {
				return villageCards(per)(func(c Card) error {
					c.Village = village
					return yield(c)
				})
			}
			if err := r.Write(io.Discard, cards); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(files*per*b.N)/b.Elapsed().Seconds(), "cards/s")
	b.ReportMetric(rss.PeakMB(), "peak-RSS-MB")
}

var surnames = []rune("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹")

// BenchmarkFloor10k is the floor for BenchmarkVillageFile10k: gofpdf alone
// writing the same text of each card, a line each, on one page a card, with
// the same font — no tables, QR code, wrapping or font runs.
func BenchmarkFloor10k(b *testing.B) {
	r := newRenderer(b)
	rss.ResetPeak()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := gofpdf.New("P", "mm", "A4", "")
		f.AddUTF8FontFromBytes(cjkFont, "", r.face.bytes)
		f.SetFont(cjkFont, "", 10)
		err := villageCards(benchCards)(func(c Card) error {
			f.AddPage()
			y := 10.0
			for _, s := range cardText(&c) {
				f.Text(10, y, s)
				y += 4
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Output(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchCards*b.N)/b.Elapsed().Seconds(), "cards/s")
	b.ReportMetric(rss.PeakMB(), "peak-RSS-MB")
}

// cardText is the text a card prints, as plain strings.
func cardText(c *Card) []string {
	out := []string{"“助农保”保险服务明白卡", "承保机构：" + c.Insurer, "理赔服务电话：" + c.Hotline,
		c.CertificateNo, c.MasterPolicyNo, c.PeriodStart.String() + " 至 " + c.PeriodEnd.String(),
		c.Village, c.RegionCode, c.HeadName, c.IssueDate.String(), c.VerifyURL}
	for _, m := range c.Members {
		out = append(out, m.Name+" "+m.Relation+" "+m.MaskedID+" "+m.CoverStart.String()+" "+m.CoverEnd.String())
	}
	for _, row := range lineRows(c.Lines) {
		out = append(out, row...)
	}
	return append(out, claimSteps(c)...)
}
