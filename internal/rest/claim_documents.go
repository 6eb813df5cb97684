package rest

import (
	"bytes"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

type documentOut struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	UploadedBy  string `json:"uploaded_by"`
	UploadedAt  string `json:"uploaded_at"`
}

func docOut(d *store.ClaimDocument) documentOut {
	return documentOut{d.ID, d.Kind, d.FileName, d.ContentType, d.Size, d.SHA256, d.UploadedBy, msTime(d.UploadedAt)}
}

type checklistOut struct {
	Kind     string `json:"kind"`
	Provided bool   `json:"provided"`
}

// uploadClaimDocument takes multipart fields file and kind. The declared
// size is checked before the body is read; the type comes from the content.
func (s *Server) uploadClaimDocument(c *fiber.Ctx) error {
	d, err := s.addClaimDocument(c, actor(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(docOut(d))
}

// addClaimDocument stores the document of the request's multipart form for
// the claim of the path, as the actor.
func (s *Server) addClaimDocument(c *fiber.Ctx, a znb.Actor) (*store.ClaimDocument, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, znb.Errorf(znb.Invalid, "file_required", "请以 multipart 字段 file 上传材料（JPEG、PNG 或 PDF）")
	}
	limit := int64(s.MaxUploadBytes)
	if err := store.CheckDocumentSize(fh.Size, limit); err != nil {
		return nil, err
	}
	f, err := fh.Open()
	if err != nil {
		return nil, znb.Wrap(err, "读取上传文件")
	}
	defer f.Close()
	return s.DB.AddClaimDocument(c.UserContext(), a, c.Params("no"), s.DocumentsDir, store.DocumentUpload{
		Kind: c.FormValue("kind"), FileName: fh.Filename, Body: f, MaxBytes: limit})
}

func (s *Server) claimDocuments(c *fiber.Ctx) error {
	docs, list, err := s.DB.ClaimDocuments(c.UserContext(), actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	items := make([]documentOut, len(docs))
	for i := range docs {
		items[i] = docOut(&docs[i])
	}
	check := make([]checklistOut, len(list))
	missing := []string{}
	for i, l := range list {
		check[i] = checklistOut{l.Kind, l.Provided}
		if !l.Provided {
			missing = append(missing, l.Kind)
		}
	}
	return c.JSON(fiber.Map{"items": items, "checklist": check, "missing": missing})
}

var docExt = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}

func (s *Server) downloadClaimDocument(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "理赔材料")
	if err != nil {
		return err
	}
	d, err := s.DB.GetClaimDocument(c.UserContext(), actor(c), c.Params("no"), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, d.ContentType)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-%d%s"`, d.ClaimNo, d.ID, docExt[d.ContentType]))
	c.Set("X-Content-Type-Options", "nosniff")
	return c.SendFile(d.Path(s.DocumentsDir))
}

// letterRenderer returns the server's PDF renderer, made on first use:
// loading and checking a CJK font costs tens of milliseconds, a letter a few.
// A missing font is not remembered, so installing one needs no restart.
func (s *Server) letterRenderer() (*card.Renderer, error) {
	s.pdfMu.Lock()
	defer s.pdfMu.Unlock()
	if s.pdf != nil {
		return s.pdf, nil
	}
	path, err := card.FindFont(s.FontPath)
	if err != nil {
		return nil, err
	}
	if s.pdf, err = card.NewRenderer(path); err != nil {
		return nil, err
	}
	s.pdf.Now = s.Clock
	return s.pdf, nil
}

// claimLetter answers the decision letter (理赔决定通知书) of an approved, paid
// or rejected claim, with the member's ID masked: it is what the household
// receives.
func (s *Server) claimLetter(c *fiber.Ctx) error {
	a := actor(c)
	rec, err := s.DB.GetClaim(c.UserContext(), a, c.Params("no"))
	if err != nil {
		return err
	}
	switch rec.Status {
	case claim.Approved, claim.Paid, claim.Rejected:
	default:
		return znb.Errorf(znb.Conflict, "no_decision", "案件状态为“%s”，尚无理赔决定", rec.Status.Name())
	}
	ag, err := s.DB.GetAgreement(c.UserContext(), a, rec.AgreementID)
	if err != nil {
		return err
	}
	l := card.DecisionLetter{ClaimNo: rec.No, CertificateNo: rec.CertificateNo, HeadName: rec.HeadName,
		Line: rec.Line, Incident: rec.IncidentDate, Cause: rec.Cause, Payable: rec.Payable,
		Rejected: rec.Status == claim.Rejected, Insurer: ag.Insurer.Name, Hotline: ag.Insurer.Hotline,
		Date: decisionDate(rec, s.Clock.Today())}
	if rec.Member != "" {
		l.MemberName, l.MemberMaskedID = rec.MemberName, registry.MaskID(rec.Member)
	}
	if l.Rejected {
		l.RejectReason = rec.Reason.Name()
		if note := lastNote(rec, claim.Rejected); note != "" && note != l.RejectReason {
			l.RejectReason += "（" + note + "）"
		}
	} else {
		for _, st := range rec.Breakdown {
			l.Steps = append(l.Steps, card.Step{Name: st.Label, Amount: st.Amount})
		}
	}
	r, err := s.letterRenderer()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := r.WriteDecisionLetter(&buf, l); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`inline; filename="%s.pdf"`, rec.No))
	return c.Send(buf.Bytes())
}

// decisionDate is the day the claim was approved or rejected.
func decisionDate(rec *claim.Claim, today znb.Date) znb.Date {
	for i := len(rec.History) - 1; i >= 0; i-- {
		if to := rec.History[i].To; to == claim.Approved || to == claim.Rejected {
			return znb.DateOf(rec.History[i].At.In(znb.CST))
		}
	}
	return today
}

// lastNote is the note of the last move to status to.
func lastNote(rec *claim.Claim, to claim.Status) string {
	for i := len(rec.History) - 1; i >= 0; i-- {
		if rec.History[i].To == to {
			return rec.History[i].Note
		}
	}
	return ""
}
