package rest

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/zhunongbao/zhunongbao/internal/claim"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/oversight"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// oversightRoutes: review notes on signalled claims and the review queue
// (approvers of the insurer), the post-payment samples (offices and
// approvers draw and record; every reader reads), and the exclusion list
// (offices keep it, auditors read it). The report of samples is routed
// before the sample by id.
func (s *Server) oversightRoutes(r fiber.Router) {
	r.Post("/claims/:no/review", allow(znb.ReviewClaim), s.reviewClaim)
	r.Get("/review-queue", allow(znb.ReadClaims), s.reviewQueue)
	r.Post("/samples", allow(znb.SampleClaims), s.drawSample)
	r.Get("/samples", allow(znb.ReadSamples), s.listSamples)
	r.Get("/samples/report", allow(znb.ReadSamples), s.sampleReport)
	r.Get("/samples/:id", allow(znb.ReadSamples), s.getSample)
	r.Post("/samples/:id/items/:no", allow(znb.SampleClaims), s.recordSample)
	r.Post("/exclusions", allow(znb.ManageExclusions), s.addExclusion)
	r.Get("/exclusions", allow(znb.ReadExclusions), s.listExclusions)
	r.Post("/exclusions/:id/remove", allow(znb.ManageExclusions), s.removeExclusion)
}

type signalOut struct {
	Code   oversight.Code `json:"code"`
	Name   string         `json:"name"`
	Reason string         `json:"reason"`
}

type reviewOut struct {
	Reviewer string `json:"reviewer"`
	At       string `json:"at"`
	Note     string `json:"note"`
}

// oversightOut is what a claim shows of its signals and reviews; a claim
// without signals shows an empty list.
func oversightOut(c *claim.Claim) ([]signalOut, []reviewOut) {
	sigs := make([]signalOut, len(c.Signals))
	for i, sg := range c.Signals {
		sigs[i] = signalOut{Code: sg.Code, Name: sg.Code.Name(), Reason: sg.Reason}
	}
	revs := make([]reviewOut, len(c.Reviews))
	for i, v := range c.Reviews {
		revs[i] = reviewOut{Reviewer: v.Reviewer, At: timeOut(v.At), Note: v.Note}
	}
	return sigs, revs
}

type noteJSON struct {
	Note string `json:"note"`
}

func (s *Server) reviewClaim(c *fiber.Ctx) error {
	var in noteJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	a := actor(c)
	rec, err := s.DB.ReviewClaim(c.UserContext(), a, c.Params("no"), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(s.claimOut(rec, a.NeedsFullID()))
}

// reviewQueue lists the signalled open claims that still need a review,
// oldest report first.
func (s *Server) reviewQueue(c *fiber.Ctx) error {
	return s.claimList(c, true)
}

type sampleJSON struct {
	Insurer string  `json:"insurer"`
	Region  string  `json:"region"`
	Month   string  `json:"month"`
	Rate    dec     `json:"rate"`
	Seed    *string `json:"seed"` // a decimal string: seeds exceed what a JSON number keeps exactly
}

type sampleItemOut struct {
	ClaimNo     string            `json:"claim_no"`
	Paid        string            `json:"paid"`
	Outcome     oversight.Outcome `json:"outcome"`
	OutcomeName string            `json:"outcome_name"`
	Recovered   string            `json:"recovered"`
	Note        string            `json:"note"`
	Reviewer    string            `json:"reviewer,omitempty"`
	ReviewedAt  string            `json:"reviewed_at,omitempty"`
}

// SampleJSON is a drawn sample with its claims and findings.
type SampleJSON struct {
	ID         int64           `json:"id"`
	Insurer    string          `json:"insurer"`
	Region     string          `json:"region"`
	Month      string          `json:"month"`
	Seed       string          `json:"seed"`
	Rate       string          `json:"rate"`
	Population int             `json:"population"`
	Size       int             `json:"size"`
	DrawnBy    string          `json:"drawn_by"`
	DrawnAt    string          `json:"drawn_at"`
	Reproduced *bool           `json:"reproduced,omitempty"`
	Items      []sampleItemOut `json:"items"`
}

func sampleItemOf(it oversight.Item) sampleItemOut {
	out := sampleItemOut{ClaimNo: it.ClaimNo, Paid: money.String(it.Paid), Outcome: it.Outcome, OutcomeName: it.Outcome.Name(),
		Recovered: money.String(it.Recovered), Note: it.Note, Reviewer: it.Reviewer}
	if !it.ReviewedAt.IsZero() {
		out.ReviewedAt = timeOut(it.ReviewedAt)
	}
	return out
}

// SampleOut is a sample as the API and the command line write it.
func SampleOut(sm *store.Sample) SampleJSON {
	out := SampleJSON{ID: sm.ID, Insurer: sm.Insurer, Region: sm.Region, Month: sm.Month, Seed: strconv.FormatUint(sm.Seed, 10),
		Rate: sm.Rate.StringFixed(2), Population: sm.Population, Size: len(sm.Items), DrawnBy: sm.DrawnBy,
		DrawnAt: timeOut(sm.DrawnAt), Items: make([]sampleItemOut, len(sm.Items))}
	for i, it := range sm.Items {
		out.Items[i] = sampleItemOf(it)
	}
	return out
}

func (s *Server) drawSample(c *fiber.Ctx) error {
	var in sampleJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	req, err := SampleRequestOf(in.Insurer, in.Region, in.Month, string(in.Rate), in.Seed)
	if err != nil {
		return err
	}
	sm, err := s.DB.DrawSample(c.UserContext(), actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(SampleOut(sm))
}

// SampleRequestOf reads a request for a sample: the rate a percentage of
// at most two decimals ("" for the default), the seed a decimal string
// (nil for a fresh one).
func SampleRequestOf(insurer, region, month, rate string, seed *string) (store.SampleRequest, error) {
	req := store.SampleRequest{Insurer: insurer, Region: region, Month: month}
	if rate != "" {
		r, ok := money.Decimal(rate, 2)
		if !ok {
			return req, znb.Errorf(znb.Invalid, "invalid_rate", "抽查比例须为百分数，最多两位小数：%q", rate)
		}
		req.Rate = r
	}
	if seed != nil {
		n, err := strconv.ParseUint(strings.TrimSpace(*seed), 10, 63)
		if err != nil {
			return req, znb.Errorf(znb.Invalid, "invalid_seed", "种子须为 0 至 9223372036854775807 的整数（字符串）：%q", *seed)
		}
		req.Seed = &n
	}
	return req, nil
}

func (s *Server) getSample(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "抽查样本")
	if err != nil {
		return err
	}
	a := actor(c)
	sm, err := s.DB.GetSample(c.UserContext(), a, id)
	if err != nil {
		return err
	}
	ok, err := s.DB.Redraw(c.UserContext(), a, id)
	if err != nil {
		return err
	}
	out := SampleOut(sm)
	out.Reproduced = &ok
	return c.JSON(out)
}

func (s *Server) listSamples(c *fiber.Ctx) error {
	list, err := s.DB.ListSamples(c.UserContext(), actor(c), store.SampleQuery{Month: c.Query("month"), Insurer: c.Query("insurer")})
	if err != nil {
		return err
	}
	items := make([]SampleJSON, len(list))
	for i := range list {
		items[i] = SampleOut(&list[i])
	}
	return c.JSON(fiber.Map{"items": items})
}

type outcomeJSON struct {
	Outcome   oversight.Outcome `json:"outcome"`
	Recovered dec               `json:"recovered"`
	Note      string            `json:"note"`
}

func (s *Server) recordSample(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "抽查样本")
	if err != nil {
		return err
	}
	var in outcomeJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	amount := decimal.Zero
	if in.Recovered != "" {
		if amount, err = money.Parse("recovered", string(in.Recovered)); err != nil {
			return err
		}
	}
	it, err := s.DB.RecordSampleOutcome(c.UserContext(), actor(c), id, c.Params("no"), in.Outcome, amount, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(sampleItemOf(*it))
}

// TallyJSON is a line of the sample report: one insurer's month.
type TallyJSON struct {
	Insurer         string `json:"insurer"`
	Month           string `json:"month"`
	Population      int    `json:"population"`
	Sampled         int    `json:"sampled"`
	Confirmed       int    `json:"confirmed"`
	Recovered       int    `json:"recovered"`
	Pending         int    `json:"pending"`
	Paid            string `json:"paid"`
	RecoveredAmount string `json:"recovered_amount"`
}

func (s *Server) sampleReport(c *fiber.Ctx) error {
	items, err := s.SampleReport(c, actor(c), store.SampleQuery{Month: c.Query("month"), Insurer: c.Query("insurer")})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// SampleReport is GET /samples/report: sampled, confirmed and recovered by
// insurer and month.
func (s *Server) SampleReport(c *fiber.Ctx, a znb.Actor, q store.SampleQuery) ([]TallyJSON, error) {
	rep, err := s.DB.SampleReport(c.UserContext(), a, q)
	if err != nil {
		return nil, err
	}
	items := make([]TallyJSON, len(rep))
	for i, t := range rep {
		items[i] = TallyJSON{t.Insurer, t.Month, t.Population, t.Sampled, t.Confirmed, t.Recovered, t.Pending,
			money.String(t.Paid), money.String(t.RecoveredAmount)}
	}
	return items, nil
}

type exclusionIn struct {
	IDNumber   string           `json:"id_number"`
	Name       string           `json:"name"`
	Reason     string           `json:"reason"`
	Source     oversight.Source `json:"source"`
	SourceRef  string           `json:"source_ref"`
	RegionCode string           `json:"region_code"`
	ValidFrom  znb.Date         `json:"valid_from"`
	ValidUntil znb.Date         `json:"valid_until"`
}

// ExclusionJSON is an entry of the exclusion list as the API writes it.
type ExclusionJSON struct {
	ID          int64                     `json:"id"`
	IDNumber    string                    `json:"id_number"`
	Name        string                    `json:"name"`
	Reason      string                    `json:"reason"`
	Source      oversight.Source          `json:"source"`
	SourceName  string                    `json:"source_name"`
	SourceRef   string                    `json:"source_ref"`
	RegionCode  string                    `json:"region_code"`
	ValidFrom   znb.Date                  `json:"valid_from"`
	ValidUntil  znb.Date                  `json:"valid_until"`
	Status      oversight.ExclusionStatus `json:"status"`
	AddedBy     string                    `json:"added_by"`
	AddedAt     string                    `json:"added_at"`
	RemovedBy   string                    `json:"removed_by,omitempty"`
	RemovedAt   string                    `json:"removed_at,omitempty"`
	RemovalNote string                    `json:"removal_note,omitempty"`
}

func (s *Server) exclusionOut(e *oversight.Exclusion, full bool) ExclusionJSON {
	out := ExclusionJSON{ID: e.ID, IDNumber: s.idOut(full, e.IDNumber), Name: e.Name, Reason: e.Reason, Source: e.Source,
		SourceName: e.Source.Name(), SourceRef: e.SourceRef, RegionCode: e.RegionCode, ValidFrom: e.From, ValidUntil: e.Until,
		Status: e.Status(s.Clock.Today()), AddedBy: e.AddedBy, AddedAt: timeOut(e.AddedAt), RemovedBy: e.RemovedBy,
		RemovalNote: e.RemovalNote}
	if !e.RemovedAt.IsZero() {
		out.RemovedAt = timeOut(e.RemovedAt)
	}
	return out
}

func (s *Server) addExclusion(c *fiber.Ctx) error {
	var in exclusionIn
	if err := decode(c, &in); err != nil {
		return err
	}
	a := actor(c)
	e, err := s.DB.AddExclusion(c.UserContext(), a, oversight.ExclusionInput{IDNumber: in.IDNumber, Name: in.Name,
		Reason: in.Reason, Source: in.Source, SourceRef: in.SourceRef, RegionCode: in.RegionCode, From: in.ValidFrom, Until: in.ValidUntil})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.exclusionOut(e, a.NeedsFullID()))
}

func (s *Server) removeExclusion(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "失信名单条目")
	if err != nil {
		return err
	}
	var in noteJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	a := actor(c)
	e, err := s.DB.RemoveExclusion(c.UserContext(), a, id, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(s.exclusionOut(e, a.NeedsFullID()))
}

// listExclusions answers the entries in the actor's region; full ID numbers
// only where the role needs them, and such a read is audited.
func (s *Server) listExclusions(c *fiber.Ctx) error {
	a := actor(c)
	st := oversight.ExclusionStatus(c.Query("status"))
	switch st {
	case "", oversight.Scheduled, oversight.Active, oversight.Expired, oversight.Removed:
	default:
		return znb.Errorf(znb.Invalid, "invalid_status", "状态须为 scheduled、active、expired 或 removed：%q", string(st))
	}
	items, err := s.Exclusions(c, a, store.ExclusionQuery{Status: st, IDNumber: c.Query("id_number")})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// Exclusions is GET /exclusions: the entries in the actor's region, full ID
// numbers only where the role needs them, and such a read audited.
func (s *Server) Exclusions(c *fiber.Ctx, a znb.Actor, q store.ExclusionQuery) ([]ExclusionJSON, error) {
	list, err := s.DB.ListExclusions(c.UserContext(), a, q)
	if err != nil {
		return nil, err
	}
	items := make([]ExclusionJSON, len(list))
	ids := make([]int64, len(list))
	for i := range list {
		items[i], ids[i] = s.exclusionOut(&list[i], a.NeedsFullID()), list[i].ID
	}
	if a.NeedsFullID() && len(ids) > 0 {
		if err := s.DB.Audit(c.UserContext(), a, "exclusion.read_full_id", "exclusions", map[string]any{"entries": ids}); err != nil {
			return nil, err
		}
	}
	return items, nil
}
