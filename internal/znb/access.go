package znb

import "regexp"

// Action is something an account may be allowed to do. Who may do what is
// stated once, in grants; the routes, the store and the command line all ask
// Can or Allow instead of listing roles themselves. What an allowed actor
// then sees is a matter of scope (Actor.Sees, SeesRegion, SeesInsurer).
type Action string

const (
	ManageUsers Action = "users.manage"
	ReadAudit   Action = "audit.read"

	ImportList  Action = "list.import"
	ReadList    Action = "list.read"
	LoadRegions Action = "regions.load"

	LoadProduct       Action = "product.load"
	CreateAgreement   Action = "agreement.create"
	ActivateAgreement Action = "agreement.activate"
	IssueAgreement    Action = "agreement.issue"
	ReadCards         Action = "cards.read"

	ReportClaim   Action = "claim.report"
	ReadClaims    Action = "claim.read"
	AssessClaim   Action = "claim.assess"
	DecideClaim   Action = "claim.decide" // approve or reject
	PayClaim      Action = "claim.pay"
	AttachToClaim Action = "claim.attach" // upload a document

	RunReconciliation  Action = "reconciliation.run" // create, confirm, settle
	ReadReconciliation Action = "reconciliation.read"
	ReadReports        Action = "reports.read"

	// The browser console's desks: the section of pages an account works in.
	OfficeDesk  Action = "console.office"
	InsurerDesk Action = "console.insurer"

	ImportSettlements Action = "medical.import" // the 医保 settlement feed
	ReadWarnings      Action = "warnings.read"  // warnings carry income: never insurers
	WorkWarnings      Action = "warnings.work"  // the office's follow-up

	RecordObjection Action = "objection.record" // an objection or complaint by hotline or in person
	ReadObjections  Action = "objection.read"
	AnswerObjection Action = "objection.answer" // acknowledge and answer; the holder's side only (objection.Answerer)
	ManageWebhooks  Action = "webhooks.manage"  // subscriptions of other systems
	ReadOutbox      Action = "outbox.read"      // the notifications sent and waiting
	RequeueOutbox   Action = "outbox.requeue"   // a dead letter sent again, once its cause is mended
	// Oversight of claims: the review note a signalled claim needs before
	// approval, the post-payment sample, the exclusion list.
	ReviewClaim      Action = "claim.review" // a second approver's note on a signalled claim
	SampleClaims     Action = "samples.work" // draw a month's sample, record findings
	ReadSamples      Action = "samples.read"
	ManageExclusions Action = "exclusions.manage" // add to and remove from the 失信名单
	ReadExclusions   Action = "exclusions.read"   // the list names persons: never insurers
	DeclareEvent     Action = "event.declare"     // a disaster event
	ReadEvents       Action = "event.read"        // events, worksheets, dashboards
	LoadAccounts     Action = "accounts.load"     // households' bank accounts
	BuildPayments    Action = "payments.build"    // payment batches: build, export, return file, cancel
)

var (
	insurerStaff = []Role{InsurerClerk, Adjuster, Approver}
	everyReader  = []Role{Office, Auditor, InsurerClerk, Adjuster, Approver}
	claimStaff   = []Role{InsurerClerk, Adjuster, Approver, Office}
)

// grants maps each action to the roles that may take it besides admin, who
// may take every action.
var grants = map[Action][]Role{
	ManageUsers: nil,
	ReadAudit:   {Auditor},

	ImportList:  {Office},
	ReadList:    {Office, Auditor},
	LoadRegions: {Office},

	LoadProduct:       {InsurerClerk},
	CreateAgreement:   {Office},
	ActivateAgreement: {Office},
	IssueAgreement:    {InsurerClerk},
	ReadCards:         everyReader,

	ReportClaim:   claimStaff,
	ReadClaims:    everyReader,
	AssessClaim:   {Adjuster},
	DecideClaim:   {Approver},
	PayClaim:      {InsurerClerk, Approver},
	AttachToClaim: claimStaff,

	RunReconciliation:  {Office},
	ReadReconciliation: everyReader,
	ReadReports:        everyReader,

	OfficeDesk:        {Office, Auditor},
	InsurerDesk:       insurerStaff,
	ImportSettlements: {Office, InsurerClerk},
	ReadWarnings:      {Office, Auditor},
	WorkWarnings:      {Office},

	RecordObjection:  {Office, InsurerClerk},
	ReadObjections:   everyReader,
	AnswerObjection:  {Office, InsurerClerk, Approver},
	ManageWebhooks:   nil,
	ReadOutbox:       {Office, Auditor},
	RequeueOutbox:    {Office},
	ReviewClaim:      {Approver},
	SampleClaims:     {Office, Approver},
	ReadSamples:      everyReader,
	ManageExclusions: {Office},
	ReadExclusions:   {Office, Auditor},
	DeclareEvent:     {Office, InsurerClerk},
	ReadEvents:       everyReader,
	LoadAccounts:     {Office, InsurerClerk},
	BuildPayments:    {InsurerClerk, Approver},
}

// Can reports whether the actor's role may take the action; it says nothing
// of scope.
func Can(a Actor, act Action) bool {
	return a.Role == Admin || Granted(a, act)
}

// Allow is Can as an error: forbidden, naming the role.
func Allow(a Actor, act Action) error {
	if Can(a, act) {
		return nil
	}
	return Errorf(Forbidden, "forbidden", "角色 %s 无权进行此操作", a.Role)
}

// Sees reports whether the actor may read an object that belongs to a region
// and an insurer (an agreement and everything under it: certificates,
// claims, reconciliations): insurer staff by their insurer code, office and
// auditor by region prefix, admin everything.
func (a Actor) Sees(region, insurer string) bool {
	switch {
	case a.Role == Admin:
		return true
	case a.Role.Insurer():
		return a.Scope == insurer
	}
	return a.SeesRegion(region)
}

// Regional reports whether the actor's scope is a region (office, auditor).
func (a Actor) Regional() bool { return a.Role == Office || a.Role == Auditor }

// Granted reports whether the action is granted to the actor's role by name
// in the table. Unlike Can it does not give admin every action: work that
// must be done by a named role (assessing, deciding and paying a claim,
// where the maker–checker rule tells two people apart) asks Granted.
func Granted(a Actor, act Action) bool {
	for _, r := range grants[act] {
		if r == a.Role {
			return true
		}
	}
	return false
}

var (
	usernameRe = regexp.MustCompile(`^[A-Za-z0-9_.@-]{2,64}$`)
	insurerRe  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// NewActor checks what an account is made of and returns it: a username of
// 2–64 letters, digits or _ . @ -, a known role, and the scope that fits the
// role — none for admin, a region code for office and auditor, an insurer
// code for insurer staff.
func NewActor(username string, role Role, scope string) (Actor, error) {
	a := Actor{Username: username, Role: role}
	if !usernameRe.MatchString(username) {
		return a, Errorf(Invalid, "invalid_username", "用户名须为 2–64 位字母、数字或 _ . @ -")
	}
	var err error
	switch {
	case a.Regional():
		a.Scope, err = ParseRegion(scope)
	case !role.Valid():
		err = Errorf(Invalid, "invalid_role", "未知角色 %q，可选 admin, office, insurer_clerk, adjuster, approver, auditor", role)
	case role == Admin && scope != "":
		err = Errorf(Invalid, "invalid_scope", "管理员不设范围")
	case role.Insurer() && !insurerRe.MatchString(scope):
		err = Errorf(Invalid, "invalid_scope", "%s 的范围须为承保机构代码（如 PICC-ZY）", role)
	default:
		a.Scope = scope
	}
	return a, err
}
