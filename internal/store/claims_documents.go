package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// documentTypes are the types a claim document may have, by content: photos
// and scans as JPEG or PNG, invoices and certificates as PDF.
var documentTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}

// ClaimDocument is one uploaded document of a claim. The file lies in the
// documents directory under its SHA-256.
type ClaimDocument struct {
	ID          int64
	ClaimNo     string
	Kind        string
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
	UploadedBy  string
	UploadedAt  int64
}

// Path is where the document's file lies under dir.
func (d *ClaimDocument) Path(dir string) string { return filepath.Join(dir, d.SHA256) }

type documentRow struct {
	ID          int64
	ClaimID     int64
	Kind        string
	FileName    string
	ContentType string
	Size        int64
	Sha256      string
	UploadedBy  string
	UploadedAt  int64
}

func (documentRow) TableName() string { return "claim_documents" }

func (r *documentRow) document(no string) ClaimDocument {
	return ClaimDocument{r.ID, no, r.Kind, r.FileName, r.ContentType, r.Size, r.Sha256, r.UploadedBy, r.UploadedAt}
}

// DocumentUpload is one file sent for a claim.
type DocumentUpload struct {
	Kind     string // one of the product's documents for the line, or claim.OtherDocument
	FileName string // as the uploader named it; kept for display only
	Body     io.Reader
	MaxBytes int64
}

// AddClaimDocument stores a document of a claim: its type is read from the
// content (JPEG, PNG or PDF; the file name's extension counts for nothing),
// a body over MaxBytes is refused with too_large, and the file is written to
// dir under its SHA-256, so the same file uploaded twice is kept once.
// Insurer staff and offices of the claim's region upload; auditors do not.
func (db *DB) AddClaimDocument(ctx context.Context, by znb.Actor, no, dir string, up DocumentUpload) (*ClaimDocument, error) {
	if err := claim.Permit(by, znb.AttachToClaim); err != nil {
		return nil, err
	}
	r, terms, err := db.claimWithTerms(ctx, by, no)
	if err != nil {
		return nil, err
	}
	kind, err := claim.DocumentKind(terms, up.Kind)
	if err != nil {
		return nil, err
	}
	sum, size, ctype, err := saveDocument(dir, up.Body, up.MaxBytes)
	if err != nil {
		return nil, err
	}
	row := documentRow{ClaimID: r.ID, Kind: kind, FileName: clipRunes(filepath.Base(up.FileName), 255), ContentType: ctype,
		Size: size, Sha256: sum, UploadedBy: by.Username, UploadedAt: db.nowMS()}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		row.ID = 0 // set by the insert of this run
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{r.RegionCode, r.Insurer}, "claim.document", claimObject(r.ClaimNo), map[string]any{
			"document_id": row.ID, "kind": kind, "content_type": ctype, "size": size, "sha256": sum})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存理赔材料")
	}
	d := row.document(r.ClaimNo)
	return &d, nil
}

// saveDocument streams body into dir, hashing it on the way, and renames it
// to its hash once it is whole and of an accepted type. Its refusals (an
// empty file, a type other than JPEG, PNG or PDF, a body over max) stay
// here: they are found while the stream is read, and nothing else reads it.
func saveDocument(dir string, body io.Reader, max int64) (sum string, size int64, ctype string, err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", 0, "", znb.Wrap(err, "创建材料目录")
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", 0, "", znb.Wrap(err, "保存理赔材料")
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	head := make([]byte, 512)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", 0, "", znb.Wrap(err, "读取上传文件")
	}
	head = head[:n]
	// The file's kind is known only once its first bytes are read from the
	// upload stream, so these two checks sit where the stream is.
	if n == 0 {
		return "", 0, "", znb.Errorf(znb.Invalid, "empty_file", "上传的文件是空的")
	}
	ctype = sniffType(head)
	if _, ok := documentTypes[ctype]; !ok {
		return "", 0, "", znb.Errorf(znb.Invalid, "unsupported_type", "只接受 JPEG、PNG 图片或 PDF 文件（按文件内容识别为 %s）", ctype)
	}
	h := sha256.New()
	w := io.MultiWriter(f, h)
	if _, err := w.Write(head); err != nil {
		return "", 0, "", znb.Wrap(err, "保存理赔材料")
	}
	src := body
	if max > 0 {
		src = io.LimitReader(body, max-int64(n)+1)
	}
	rest, err := io.Copy(w, src)
	if err != nil {
		return "", 0, "", znb.Wrap(err, "保存理赔材料")
	}
	size = int64(n) + rest
	if max > 0 && size > max {
		return "", 0, "", documentTooLarge(max)
	}
	if err := f.Close(); err != nil {
		return "", 0, "", znb.Wrap(err, "保存理赔材料")
	}
	sum = hex.EncodeToString(h.Sum(nil))
	if err := os.Rename(f.Name(), filepath.Join(dir, sum)); err != nil {
		return "", 0, "", znb.Wrap(err, "保存理赔材料")
	}
	return sum, size, ctype, nil
}

// tooLarge is the refusal of a document over the size limit.
func documentTooLarge(max int64) error {
	return znb.Errorf(znb.TooLarge, "too_large", "文件超过大小限制（%.1f MB）", float64(max)/(1<<20))
}

// sniff names the type of a file by its first bytes (http.DetectContentType),
// without parameters such as "; charset".
func sniffType(head []byte) string {
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return strings.TrimSpace(t)
}

// CheckDocumentSize refuses a declared size over the limit before anything
// is read, so that an oversized upload costs no disk.
func CheckDocumentSize(size, max int64) error {
	if max > 0 && size > max {
		return documentTooLarge(max)
	}
	return nil
}

// Checklist is one required document of the claim's line and whether it was
// provided.
type Checklist struct {
	Kind     string
	Provided bool
}

// ClaimDocuments returns a claim's documents, and the product's required
// documents for its line with what is still missing.
func (db *DB) ClaimDocuments(ctx context.Context, by znb.Actor, no string) ([]ClaimDocument, []Checklist, error) {
	r, terms, err := db.claimWithTerms(ctx, by, no)
	if err != nil {
		return nil, nil, err
	}
	var rows []documentRow
	if err := db.Gorm(ctx).Where("claim_id = ?", r.ID).Order("id").Find(&rows).Error; err != nil {
		return nil, nil, znb.Wrap(err, "读取理赔材料")
	}
	docs := make([]ClaimDocument, len(rows))
	have := map[string]bool{}
	for i := range rows {
		docs[i] = rows[i].document(r.ClaimNo)
		have[rows[i].Kind] = true
	}
	list := make([]Checklist, len(terms.Documents))
	for i, k := range terms.Documents {
		list[i] = Checklist{Kind: k, Provided: have[k]}
	}
	return docs, list, nil
}

// GetClaimDocument returns one document of a claim in the actor's scope.
func (db *DB) GetClaimDocument(ctx context.Context, by znb.Actor, no string, id int64) (*ClaimDocument, error) {
	r, err := db.claimRow(db.Gorm(ctx), by, no, false)
	if err != nil {
		return nil, err
	}
	var row documentRow
	if err := db.Gorm(ctx).Where("id = ? AND claim_id = ?", id, r.ID).Take(&row).Error; err != nil {
		return nil, notFound(err, "理赔材料")
	}
	d := row.document(r.ClaimNo)
	return &d, nil
}
