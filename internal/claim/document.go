package claim

import (
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// OtherDocument is the kind of an upload that is not on the product's list
// (a second photo, a letter from the village).
const OtherDocument = "其他材料"

// DocumentKind checks the kind of a document uploaded for a claim on the
// line of t: one of the product's documents for the line, or OtherDocument.
// Surrounding spaces go.
func DocumentKind(t *policy.LineTerms, kind string) (string, error) {
	kind = strings.TrimSpace(kind)
	if kind == OtherDocument {
		return kind, nil
	}
	for _, k := range t.Documents {
		if k == kind {
			return kind, nil
		}
	}
	return "", znb.Errorf(znb.Invalid, "invalid_document_kind",
		"材料类别“%s”不在%s的理赔材料清单中（可选：%s、%s）", kind, t.Line.Name(), strings.Join(t.Documents, "、"), OtherDocument)
}
