package rest

import (
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// What the browser console (internal/web) borrows from the API so that no
// rule, limit or message is written twice: the household lookup with its
// rate limit and audit, the body limits, and the error-to-status table.

// mountConsole lets Deps.Console add its routes before the verify page's,
// so that the console can draw that page for people (it passes JSON
// requests on); its other paths are its own.
func (s *Server) mountConsole() {
	if s.Console != nil {
		s.Console(s, s.app)
	}
}

type publicDoor struct {
	once  sync.Once
	limit fiber.Handler
}

// PublicLimit is the rate limit of the household's door, one budget per
// client address shared by the API and the console.
func (s *Server) PublicLimit() fiber.Handler {
	s.public.once.Do(func() {
		lim := newRateLimiter(s.PublicPerMinute, s.Clock)
		take := lim.take
		if s.Redis != nil {
			take = newSharedLimiter(s.Redis, lim, s.Log).take
		}
		s.public.limit = limitBy(take)
	})
	return s.public.limit
}

// TakeBody reads a streamed request body of at most limit bytes, to a
// temporary file when toDisk (uploads), before the handler runs.
func (s *Server) TakeBody(limit int, toDisk bool) fiber.Handler {
	return func(c *fiber.Ctx) error { return takeBody(c, limit, toDisk) }
}

// Person is the household's proof of who it is: a member's name and ID number.
type Person struct{ Name, IDNumber string }

// PublicCard answers the card of the person, like POST /public/card:
// checked, looked up and audited the same way.
func (s *Server) PublicCard(c *fiber.Ctx, p Person) error {
	certs, err := s.person(c, personJSON{p.Name, p.IDNumber}, "public.card")
	if err != nil {
		return err
	}
	return s.sendPublicCard(c, certs)
}

// PublicClaims returns the person's claims as POST /public/claims does.
func (s *Server) PublicClaims(c *fiber.Ctx, p Person) ([]PublicClaimJSON, error) {
	certs, err := s.person(c, personJSON{p.Name, p.IDNumber}, "public.claims")
	if err != nil {
		return nil, err
	}
	return s.claimsOn(c, certs)
}

// StatusOf is the HTTP status the API answers for err.
func StatusOf(err error) int {
	if fe, ok := err.(*fiber.Error); ok {
		return fe.Code
	}
	return statusOf[znb.ErrorOf(err).Kind]
}

// SheetFile is an uploaded spreadsheet as the registry reads it.
func SheetFile(path, name string) (registry.File, error) { return sheetFile(path, name) }

// AgreementOut is an agreement with its master policy number, as the API shows it.
func (s *Server) AgreementOut(c *fiber.Ctx, a *policy.Agreement) (AgreementJSON, error) {
	return s.agreementOut(c.UserContext(), a)
}

// AgreementJSON is an agreement as the API shows it.
type AgreementJSON = agreementJSON

// The API's answer shapes, which the console shows as they are so that
// masking and formatting stay the API's.
type (
	ListJSON      = listJSON
	HouseholdJSON = householdJSON
	DiffJSON      = diffJSON
)

// ListOut is a list version as the API shows it.
func ListOut(l *registry.ListVersion) ListJSON { return listOut(l) }

// Households finds households as GET /households does, full ID numbers audited.
func (s *Server) Households(c *fiber.Ctx, a znb.Actor, q store.HouseholdQuery) ([]HouseholdJSON, error) {
	return s.households(c, a, q)
}

// Diff compares two list versions as GET /lists/{id}/diff/{other} does.
func (s *Server) Diff(c *fiber.Ctx, a znb.Actor, id, other int64) (DiffJSON, error) {
	d, err := s.DB.DiffLists(c.UserContext(), a, id, other)
	if err != nil {
		return DiffJSON{}, err
	}
	return diffOut(d, a.NeedsFullID(), s), nil
}

// Agreements returns the agreements the actor sees, newest first.
func (s *Server) Agreements(c *fiber.Ctx, a znb.Actor) ([]AgreementJSON, error) {
	as, err := s.DB.Agreements(c.UserContext(), a)
	if err != nil {
		return nil, err
	}
	out := make([]AgreementJSON, len(as))
	for i := range as {
		if out[i], err = s.agreementOut(c.UserContext(), &as[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SaveUpload stores the multipart file field in a temporary directory, as
// the API's uploads do; the caller runs done when finished with it.
func SaveUpload(c *fiber.Ctx, field, code, message string) (path, name string, done func(), err error) {
	return saveUpload(c, field, code, message)
}

// Verification is what GET /verify/{no}?sig= finds for a card.
type Verification struct {
	verifyJSON
	No string
}

// Cancelled reports whether the genuine card's certificate is cancelled.
func (v Verification) Cancelled() bool { return verifyView(v).Cancelled() }

// Verify checks a card as the verify page does.
func (s *Server) Verify(c *fiber.Ctx, no, sig string) (Verification, error) {
	out, err := s.verification(c.UserContext(), no, sig)
	return Verification{out, no}, err
}

// JobJSON is an issue job as GET /jobs/{id} shows it.
type JobJSON = jobJSON

// StartIssue prepares the issue of an agreement over a list version and
// runs it in the background, as POST /agreements/{id}/issue?async=true
// does; it returns the job to follow.
func (s *Server) StartIssue(c *fiber.Ctx, a znb.Actor, id, listID int64) (int64, error) {
	job, err := s.DB.PrepareIssue(c.UserContext(), a, id, listID)
	if err != nil {
		return 0, err
	}
	if job.Status != policy.RunDone {
		s.issueInBackground(a, id, listID, job.ID)
	}
	return job.ID, nil
}

// Job returns an issue job as GET /jobs/{id} does, without its exclusions.
func (s *Server) Job(c *fiber.Ctx, a znb.Actor, id int64) (JobJSON, error) {
	j, err := s.DB.IssueJobOf(c.UserContext(), a, id)
	if err != nil {
		return JobJSON{}, err
	}
	return jobOut(j), nil
}
