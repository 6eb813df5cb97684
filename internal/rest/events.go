package rest

import (
	"bytes"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/disaster"
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/sheet"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// eventRoutes: disaster events and their worksheets, approval by area, the
// households' bank accounts and the payment batches sent to the bank.
func (s *Server) eventRoutes(r fiber.Router) {
	r.Post("/events", allow(znb.DeclareEvent), s.declareEvent)
	r.Get("/events", allow(znb.ReadEvents), s.listEvents)
	r.Get("/events/:id", allow(znb.ReadEvents), s.getEvent)
	r.Get("/events/:id/worksheet.xlsx", allow(znb.ReadEvents), s.eventWorksheet)
	r.Post("/events/:id/worksheets", allow(znb.AssessClaim), s.loadWorksheet)
	r.Post("/events/:id/approve", allow(znb.DecideClaim), s.approveArea)
	r.Get("/events/:id/dashboard", allow(znb.ReadEvents), s.eventDashboard(""))
	r.Get("/events/:id/dashboard.xlsx", allow(znb.ReadEvents), s.eventDashboard("xlsx"))
	r.Get("/events/:id/dashboard.pdf", allow(znb.ReadEvents), s.eventDashboard("pdf"))
	r.Post("/bank-accounts", allow(znb.LoadAccounts), s.loadAccounts)
	r.Get("/bank-accounts/:county/:household_no", allow(znb.ReadClaims), s.accountHistory)
	r.Post("/payment-batches", allow(znb.BuildPayments), s.buildBatch)
	r.Get("/payment-batches", allow(znb.ReadClaims), s.listBatches)
	r.Get("/payment-batches/:id", allow(znb.ReadClaims), s.getBatch)
	r.Get("/payment-batches/:id/bank-file.csv", allow(znb.BuildPayments), s.bankFile("csv"))
	r.Get("/payment-batches/:id/bank-file.xlsx", allow(znb.BuildPayments), s.bankFile("xlsx"))
	r.Post("/payment-batches/:id/return", allow(znb.BuildPayments), s.loadReturn)
	r.Post("/payment-batches/:id/cancel", allow(znb.BuildPayments), s.cancelBatch)
}

// EventJSON is a disaster event.
type EventJSON struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Cause      string   `json:"cause"`
	FirstDay   znb.Date `json:"first_day"`
	LastDay    znb.Date `json:"last_day"`
	Regions    []string `json:"regions"`
	DeclaredOn znb.Date `json:"declared_on"`
	DeclaredBy string   `json:"declared_by"`
}

// EventOut turns an event into JSON.
func EventOut(e *disaster.Event) EventJSON {
	return EventJSON{ID: e.ID, Name: e.Name, Cause: e.Cause, FirstDay: e.First, LastDay: e.Last, Regions: e.Regions,
		DeclaredOn: e.DeclaredOn, DeclaredBy: e.DeclaredBy}
}

// EventDeclaration is the body of POST /events.
type EventDeclaration struct {
	Name     string   `json:"name"`
	Cause    string   `json:"cause"`
	FirstDay znb.Date `json:"first_day"`
	LastDay  znb.Date `json:"last_day"`
	Regions  []string `json:"regions"`
}

func (s *Server) declareEvent(c *fiber.Ctx) error {
	var in EventDeclaration
	if err := decode(c, &in); err != nil {
		return err
	}
	e, err := s.DB.DeclareEvent(c.UserContext(), actor(c), disaster.Declaration{Name: in.Name, Cause: in.Cause,
		First: in.FirstDay, Last: in.LastDay, Regions: in.Regions})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(EventOut(e))
}

func (s *Server) listEvents(c *fiber.Ctx) error {
	es, err := s.DB.ListEvents(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	items := make([]EventJSON, len(es))
	for i := range es {
		items[i] = EventOut(&es[i])
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) getEvent(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "灾害事件")
	if err != nil {
		return err
	}
	e, err := s.DB.GetEvent(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(EventOut(e))
}

// eventWorksheet answers the worksheet of a village or township of the
// event: one row per household in force during it, loss columns empty.
func (s *Server) eventWorksheet(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "灾害事件")
	if err != nil {
		return err
	}
	region := c.Query("region")
	e, hs, err := s.DB.WorksheetHouseholds(c.UserContext(), actor(c), id, region)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, "xlsx")
	if err != nil {
		return err
	}
	if err := disaster.WriteWorksheet(w, e, hs); err != nil {
		return err
	}
	return sendFile(c, "xlsx", "worksheet-"+strconv.FormatInt(id, 10)+"-"+region, buf.Bytes())
}

// WorksheetLoadJSON is what loading a filled worksheet did.
type WorksheetLoadJSON struct {
	WorksheetID int64        `json:"worksheet_id"`
	EventID     int64        `json:"event_id"`
	Rows        int          `json:"rows"`
	Claims      []string     `json:"claims"`
	Payable     string       `json:"payable"`
	Repeated    bool         `json:"repeated"`
	Rejected    []RejectJSON `json:"rejected"`
}

// WorksheetLoadOut turns a worksheet load into JSON.
func WorksheetLoadOut(w *store.WorksheetLoad) WorksheetLoadJSON {
	return WorksheetLoadJSON{WorksheetID: w.ID, EventID: w.EventID, Rows: w.Rows, Claims: append([]string{}, w.Claims...),
		Payable: money.String(w.Payable), Repeated: w.Repeated, Rejected: RejectsOut(w.Rejected)}
}

func (s *Server) loadWorksheet(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "灾害事件")
	if err != nil {
		return err
	}
	f, done, err := uploadedSheet(c, "请以 multipart 字段 file 上传填好的定损表（XLSX 或 CSV）")
	if err != nil {
		return err
	}
	defer done()
	res, err := s.DB.LoadWorksheet(c.UserContext(), actor(c), id, f, nil)
	if err != nil {
		if res != nil {
			return withRejects(err, res.Rejected)
		}
		return err
	}
	status := fiber.StatusCreated
	if res.Repeated {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(WorksheetLoadOut(res))
}

// AreaApprovalJSON is what an approval by area did.
type AreaApprovalJSON struct {
	EventID  int64               `json:"event_id"`
	Region   string              `json:"region"`
	Approved []ApprovedClaimJSON `json:"approved"`
	Refused  []RefusedClaimJSON  `json:"refused"`
}

// ApprovedClaimJSON is a claim an area approval approved.
type ApprovedClaimJSON struct {
	ClaimNo     string   `json:"claim_no"`
	HouseholdNo string   `json:"household_no"`
	Line        znb.Line `json:"line"`
	Payable     string   `json:"payable"`
}

// RefusedClaimJSON is a claim an area approval left assessed.
type RefusedClaimJSON struct {
	ClaimNo     string   `json:"claim_no"`
	HouseholdNo string   `json:"household_no"`
	Line        znb.Line `json:"line"`
	Code        string   `json:"code"`
	Message     string   `json:"message"`
}

// AreaApprovalOut turns an area approval into JSON.
func AreaApprovalOut(a *store.AreaApproval) AreaApprovalJSON {
	out := AreaApprovalJSON{EventID: a.EventID, Region: a.Region, Approved: []ApprovedClaimJSON{}, Refused: []RefusedClaimJSON{}}
	for _, c := range a.Approved {
		out.Approved = append(out.Approved, ApprovedClaimJSON{c.ClaimNo, c.HouseholdNo, c.Line, money.String(c.Payable)})
	}
	for _, c := range a.Refused {
		out.Refused = append(out.Refused, RefusedClaimJSON{c.ClaimNo, c.HouseholdNo, c.Line, c.Code, c.Message})
	}
	return out
}

func (s *Server) approveArea(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "灾害事件")
	if err != nil {
		return err
	}
	var in struct {
		Region string `json:"region"`
		Note   string `json:"note"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.DB.ApproveArea(c.UserContext(), actor(c), id, in.Region, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(AreaApprovalOut(res))
}

// AccountLoadJSON is what loading an account file did.
type AccountLoadJSON struct {
	Rows      int          `json:"rows"`
	Added     int          `json:"added"`
	Unchanged int          `json:"unchanged"`
	Rejected  []RejectJSON `json:"rejected"`
}

// AccountLoadOut turns an account load into JSON.
func AccountLoadOut(a *store.AccountLoad) AccountLoadJSON {
	return AccountLoadJSON{a.Rows, a.Added, a.Unchanged, RejectsOut(a.Rejected)}
}

func (s *Server) loadAccounts(c *fiber.Ctx) error {
	f, done, err := uploadedSheet(c, "请以 multipart 字段 file 上传银行账户文件（CSV 或 XLSX）")
	if err != nil {
		return err
	}
	defer done()
	res, err := s.DB.LoadAccounts(c.UserContext(), actor(c), c.FormValue("county"), f)
	if err != nil {
		if res != nil {
			return withRejects(err, res.Rejected)
		}
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(AccountLoadOut(res))
}

// AccountJSON is a bank account, the number masked unless the reader pays.
type AccountJSON struct {
	HouseholdNo string `json:"household_no"`
	AccountNo   string `json:"account_no"`
	Bank        string `json:"bank"`
	Holder      string `json:"holder"`
}

func (s *Server) accountHistory(c *fiber.Ctx) error {
	acc, err := s.DB.AccountHistory(c.UserContext(), actor(c), c.Params("county"), c.Params("household_no"))
	if err != nil {
		return err
	}
	items := make([]AccountJSON, len(acc))
	for i, a := range acc {
		items[i] = AccountJSON{a.HouseholdNo, a.Number, a.Bank, a.Holder}
	}
	return c.JSON(fiber.Map{"items": items})
}

// BatchJSON is a payment batch with its totals and items.
type BatchJSON struct {
	ID           int64           `json:"id"`
	BatchNo      string          `json:"batch_no"`
	Insurer      string          `json:"insurer"`
	EventID      int64           `json:"event_id"`
	From         znb.Date        `json:"from"`
	To           znb.Date        `json:"to"`
	Status       string          `json:"status"`
	Count        int             `json:"count"`
	Total        string          `json:"total"`
	SuccessCount int             `json:"success_count"`
	SuccessTotal string          `json:"success_total"`
	FailureCount int             `json:"failure_count"`
	FailureTotal string          `json:"failure_total"`
	Items        []BatchItemJSON `json:"items"`
	Unpayable    []string        `json:"unpayable"`
}

// BatchItemJSON is one payment of a batch.
type BatchItemJSON struct {
	Seq       int    `json:"seq"`
	ClaimNo   string `json:"claim_no"`
	Holder    string `json:"holder"`
	AccountNo string `json:"account_no"`
	Bank      string `json:"bank"`
	Amount    string `json:"amount"`
	Outcome   string `json:"outcome"`
	Reason    string `json:"reason"`
}

// BatchOut turns a batch into JSON.
func BatchOut(b *store.Batch) BatchJSON {
	t := b.Totals
	out := BatchJSON{ID: b.ID, BatchNo: b.No, Insurer: b.Insurer, EventID: b.EventID, From: b.From, To: b.To, Status: string(b.Status),
		Count: t.Count, Total: money.String(t.Amount), SuccessCount: t.SuccessCount, SuccessTotal: money.String(t.SuccessAmount),
		FailureCount: t.FailureCount, FailureTotal: money.String(t.FailureAmount), Items: []BatchItemJSON{},
		Unpayable: append([]string{}, b.Unpayable...)}
	for _, it := range b.Items {
		out.Items = append(out.Items, BatchItemJSON{it.Seq, it.ClaimNo, it.Holder, it.Account, it.Bank, money.String(it.Amount), it.Outcome, it.Reason})
	}
	return out
}

func (s *Server) buildBatch(c *fiber.Ctx) error {
	var in struct {
		EventID int64    `json:"event_id"`
		From    znb.Date `json:"from"`
		To      znb.Date `json:"to"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	b, err := s.DB.BuildBatch(c.UserContext(), actor(c), disaster.BatchQuery{EventID: in.EventID, From: in.From, To: in.To}, nil)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(BatchOut(b))
}

// listBatches answers a page of the batches the actor reads, newest first,
// without their items.
func (s *Server) listBatches(c *fiber.Ctx) error {
	page := store.BatchPage(c.QueryInt("page"), c.QueryInt("page_size"))
	bs, total, err := s.DB.ListBatches(c.UserContext(), actor(c), page)
	if err != nil {
		return err
	}
	items := make([]BatchJSON, len(bs))
	for i := range bs {
		items[i] = BatchOut(&bs[i])
	}
	return c.JSON(fiber.Map{"items": items, "total": total, "page": page.Number, "page_size": page.Size})
}

func (s *Server) getBatch(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "付款批次")
	if err != nil {
		return err
	}
	b, err := s.DB.GetBatch(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(BatchOut(b))
}

// bankFile answers the batch's bank file in the format.
func (s *Server) bankFile(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id", "付款批次")
		if err != nil {
			return err
		}
		b, err := s.DB.BankFile(c.UserContext(), actor(c), id)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		w, err := sheet.NewWriter(&buf, format)
		if err != nil {
			return err
		}
		if err := disaster.WriteBankFile(w, b.No, b.Items); err != nil {
			return err
		}
		return sendFile(c, format, b.No, buf.Bytes())
	}
}

func (s *Server) loadReturn(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "付款批次")
	if err != nil {
		return err
	}
	f, done, err := uploadedSheet(c, "请以 multipart 字段 file 上传银行回盘文件（CSV 或 XLSX）")
	if err != nil {
		return err
	}
	defer done()
	b, err := s.DB.LoadReturn(c.UserContext(), actor(c), id, f)
	if err != nil {
		if d, ok := znb.ErrorOf(err).Details.(map[string]any); ok {
			if rs, ok := d["rejected"].([]registry.Reject); ok {
				return withRejects(err, rs)
			}
		}
		return err
	}
	return c.JSON(BatchOut(b))
}

func (s *Server) cancelBatch(c *fiber.Ctx) error {
	id, err := paramID(c, "id", "付款批次")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	b, err := s.DB.CancelBatch(c.UserContext(), actor(c), id, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(BatchOut(b))
}

// DashboardJSON is an event's dashboard.
type DashboardJSON struct {
	Event      EventJSON     `json:"event"`
	Households int           `json:"households"`
	Claims     int           `json:"claims"`
	Payable    string        `json:"payable"`
	Paid       string        `json:"paid"`
	PaidClaims int           `json:"paid_claims"`
	DaysAvg    string        `json:"days_to_payment_avg"`
	DaysMax    int           `json:"days_to_payment_max"`
	ByStatus   []CountJSON   `json:"by_status"`
	ByLine     []CountJSON   `json:"by_line"`
	Villages   []VillageJSON `json:"villages"`
}

// CountJSON is a number of claims and their payable under one key.
type CountJSON struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Claims  int    `json:"claims"`
	Payable string `json:"payable"`
}

// VillageJSON is one village of a dashboard.
type VillageJSON struct {
	RegionCode string `json:"region_code"`
	Village    string `json:"village"`
	Households int    `json:"households"`
	Claims     int    `json:"claims"`
	Payable    string `json:"payable"`
	Paid       string `json:"paid"`
}

// DashboardOut turns a dashboard into JSON.
func DashboardOut(d *disaster.Dashboard) DashboardJSON {
	out := DashboardJSON{Event: EventOut(d.Event), Households: d.Households, Claims: d.Claims, Payable: money.String(d.Payable),
		Paid: money.String(d.Paid), PaidClaims: d.PaidClaims, DaysAvg: d.DaysAvg.StringFixed(1), DaysMax: d.DaysMax,
		ByStatus: []CountJSON{}, ByLine: []CountJSON{}, Villages: []VillageJSON{}}
	for _, c := range d.ByStatus {
		out.ByStatus = append(out.ByStatus, CountJSON{c.Key, c.Name, c.Claims, money.String(c.Payable)})
	}
	for _, c := range d.ByLine {
		out.ByLine = append(out.ByLine, CountJSON{c.Key, c.Name, c.Claims, money.String(c.Payable)})
	}
	for _, v := range d.Villages {
		out.Villages = append(out.Villages, VillageJSON{v.RegionCode, v.Name, v.Households, v.Claims, money.String(v.Payable), money.String(v.Paid)})
	}
	return out
}

// eventDashboard answers the event's dashboard as JSON, a workbook or the
// PDF summary with its chart by village.
func (s *Server) eventDashboard(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id", "灾害事件")
		if err != nil {
			return err
		}
		d, err := s.DB.EventDashboard(c.UserContext(), actor(c), id)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		switch format {
		case "":
			return c.JSON(DashboardOut(d))
		case "xlsx":
			var w sheet.Writer
			if w, err = sheet.NewWriter(&buf, "xlsx"); err == nil {
				err = disaster.WriteDashboard(w, d)
			}
		case "pdf":
			var r *card.Renderer
			if r, err = s.letterRenderer(); err == nil {
				err = r.WriteEventSummary(&buf, d, znb.Clock(s.Clock).Today())
			}
		}
		if err != nil {
			return err
		}
		return sendFile(c, format, "event-"+strconv.FormatInt(id, 10), buf.Bytes())
	}
}
