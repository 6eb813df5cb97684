package rest

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Cards are read by everyone who works with certificates; what a role sees
// is decided by scope (another county's or insurer's → 404).
func (s *Server) cardRoutes(r fiber.Router) {
	r.Get("/certificates/:no/card.pdf", allow(znb.ReadCards), s.certificateCard)
	r.Get("/agreements/:id/cards.pdf", allow(znb.ReadCards), s.villageCards)
}

// printer is the card printer of the server; the font is found and loaded
// once (see letterRenderer).
func (s *Server) printer() (*card.Printer, error) {
	r, err := s.letterRenderer()
	if err != nil {
		return nil, err
	}
	return &card.Printer{Source: s.DB, Renderer: r, Secret: s.Secret, BaseURL: s.BaseURL}, nil
}

// certificateCard answers GET /certificates/{no}/card.pdf.
func (s *Server) certificateCard(c *fiber.Ctx) error {
	p, err := s.printer()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.Certificate(c.UserContext(), &buf, actor(c), c.Params("no")); err != nil {
		return err
	}
	return sendPDF(c, buf.Bytes(), "card-"+safeName(c.Params("no"))+".pdf")
}

func sendPDF(c *fiber.Ctx, pdf []byte, name string) error {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+name+`"`)
	return c.Send(pdf)
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeName keeps a file name to characters every client takes in a header.
func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// villageCards answers GET /agreements/{id}/cards.pdf?village=CODE with the
// print file of one village, or, without village, a zip of one file per
// village. The file is drawn into a temporary file first — memory stays
// flat, and a failure is still an error answer rather than a cut-off PDF —
// and then streamed from disk.
func (s *Server) villageCards(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "协议")
	if err != nil {
		return err
	}
	return s.sendCards(c, actor(c), id, c.Query("village"), "")
}

// sendCards answers the card file of one village of the agreement, or a zip
// of one file per village of the township (a region-code prefix; "" for
// the whole agreement).
func (s *Server) sendCards(c *fiber.Ctx, by znb.Actor, id int64, village, township string) error {
	p, err := s.printer()
	if err != nil {
		return err
	}
	// A county's cards take minutes: a server told to stop cuts the drawing
	// short and answers shutting_down rather than being killed mid-way.
	if s.bg.Err() != nil {
		return errShuttingDown()
	}
	ctx, cancel := s.longWork(c)
	defer cancel()
	f, err := os.CreateTemp("", "znb-cards-*")
	if err != nil {
		return znb.Wrap(err, "创建临时文件")
	}
	// Unlinked at once: the space comes back when the file is closed, even
	// if the process is killed before that.
	os.Remove(f.Name())
	tmp := &tempFile{f}
	village = strings.TrimSpace(village)
	name := fmt.Sprintf("cards-%d-%s.pdf", id, safeName(village))
	switch {
	case village != "":
		err = p.Village(ctx, f, by, id, village, nil)
	case township != "":
		name = fmt.Sprintf("cards-%d-%s.zip", id, safeName(township))
		err = s.zipVillages(ctx, f, p, by, id, township)
	default:
		name = fmt.Sprintf("cards-%d.zip", id)
		err = s.zipVillages(ctx, f, p, by, id, "")
	}
	if err == nil {
		_, err = f.Seek(0, 0)
	}
	if err != nil {
		tmp.Close()
		return s.stopped(err)
	}
	st, err := f.Stat()
	if err != nil {
		tmp.Close()
		return znb.Wrap(err, "读取临时文件")
	}
	if village != "" {
		c.Set(fiber.HeaderContentType, "application/pdf")
	} else {
		c.Set(fiber.HeaderContentType, "application/zip")
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	// fasthttp closes the stream, and with it the file, once sent.
	return c.SendStream(tmp, int(st.Size()))
}

// zipVillages writes one card file per village of the agreement whose
// region code starts with prefix into a zip, named by region code and
// village name.
func (s *Server) zipVillages(ctx context.Context, f *os.File, p *card.Printer, by znb.Actor, id int64, prefix string) error {
	if _, err := s.DB.GetAgreement(ctx, by, id); err != nil {
		return err
	}
	all, err := s.DB.CertificateVillages(ctx, id)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return znb.Errorf(znb.Invalid, "no_cards", "该协议尚未出单，没有可打印的明白卡")
	}
	var villages []store.CertificateVillage
	for _, v := range all {
		if strings.HasPrefix(v.RegionCode, prefix) {
			villages = append(villages, v)
		}
	}
	if len(villages) == 0 {
		return znb.Errorf(znb.Invalid, "no_cards", "乡镇 %s 没有已出单的分户凭证", prefix)
	}
	z := zip.NewWriter(f)
	for _, v := range villages {
		// PDF streams are compressed already: store, do not deflate again.
		w, err := z.CreateHeader(&zip.FileHeader{Name: card.VillageFileName(v.RegionCode, v.Name), Method: zip.Store})
		if err != nil {
			return znb.Wrap(err, "写入压缩包")
		}
		if err := p.Village(ctx, w, by, id, v.RegionCode, nil); err != nil {
			return err
		}
	}
	return znb.Wrap(z.Close(), "写入压缩包")
}

// tempFile is a temporary file removed when closed (where the system could
// not unlink it while open).
type tempFile struct{ *os.File }

func (t *tempFile) Close() error {
	err := t.File.Close()
	os.Remove(t.Name())
	return err
}
