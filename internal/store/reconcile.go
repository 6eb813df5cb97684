package store

import (
	"context"
	"encoding/json"
	"iter"
	"os"
	"path/filepath"
	"slices"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/subsidy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// ReconcileOptions are the inputs of one reconciliation besides the
// agreement.
type ReconcileOptions struct {
	AgreementID int64
	ListID      int64    // the list version; 0 to take the list in force on AsOf
	AsOf        znb.Date // used when ListID is 0
	// Statement is the path of an uploaded statement (CSV or XLSX);
	// empty computes the bill from the agreement's certificates.
	Statement     string
	StatementName string // the file's name as the user knows it
	// OpenStatement opens the statement file for reading (sheet.Open);
	// required with Statement: the store reads no file format itself.
	OpenStatement func(path string) (subsidy.RowReader, error)
	Progress      func(rows int)
}

type reconRow struct {
	ID                   int64
	AgreementID          int64
	ListID               int64
	County               string
	InsurerCode          string
	BillSource           string
	StatementName        string
	StatementSha256      string
	Status               string
	InputsHash           string
	Terms                string
	RowsRead             int
	Listed               int
	Eligible             int
	BilledPremium        decimal.Decimal
	BilledCentral        decimal.Decimal
	BilledProvincial     decimal.Decimal
	BilledMunicipal      decimal.Decimal
	BilledCounty         decimal.Decimal
	BilledSelf           decimal.Decimal
	AllowedPremium       decimal.Decimal
	AllowedCentral       decimal.Decimal
	AllowedProvincial    decimal.Decimal
	AllowedMunicipal     decimal.Decimal
	AllowedCounty        decimal.Decimal
	AllowedSelf          decimal.Decimal
	DisallowedPremium    decimal.Decimal
	DisallowedCentral    decimal.Decimal
	DisallowedProvincial decimal.Decimal
	DisallowedMunicipal  decimal.Decimal
	DisallowedCounty     decimal.Decimal
	DisallowedSelf       decimal.Decimal
	CreatedBy            string
	CreatedAt            int64
	ConfirmedBy          string
	ConfirmedAt          int64
	SettledBy            string
	SettledAt            int64
	ItemsFormat          int
}

func (reconRow) TableName() string { return "reconciliations" }

// moneyCols returns the columns of one amount group (billed, allowed,
// disallowed) for an update.
func moneyCols(prefix string, m subsidy.Money, into map[string]any) {
	into[prefix+"_premium"] = m.Premium
	for i, s := range znb.Sources {
		into[prefix+"_"+string(s)] = m.Sources[i]
	}
}

func (r *reconRow) money() (billed, allowed, disallowed subsidy.Money) {
	billed = subsidy.Money{Premium: r.BilledPremium, Sources: [5]decimal.Decimal{r.BilledCentral, r.BilledProvincial, r.BilledMunicipal, r.BilledCounty, r.BilledSelf}}
	allowed = subsidy.Money{Premium: r.AllowedPremium, Sources: [5]decimal.Decimal{r.AllowedCentral, r.AllowedProvincial, r.AllowedMunicipal, r.AllowedCounty, r.AllowedSelf}}
	disallowed = subsidy.Money{Premium: r.DisallowedPremium, Sources: [5]decimal.Decimal{r.DisallowedCentral, r.DisallowedProvincial, r.DisallowedMunicipal, r.DisallowedCounty, r.DisallowedSelf}}
	return
}

type findingRow struct {
	ReconciliationID int64
	Finding          int
	ItemCount        int
	Billed           decimal.Decimal
	Expected         decimal.Decimal
	Allowed          decimal.Decimal
	Disallowed       decimal.Decimal
}

func (findingRow) TableName() string { return "reconciliation_findings" }

func reconObject(id int64) string { return "reconciliation:" + itoa(id) }

// Reconcile checks the agreement's bill against the office's list
// and stores the result as a draft, all in one transaction: a statement with
// any bad row is refused (statement_rejected, every bad cell in the error's
// Details) and nothing is stored. Only the office of the agreement's county
// (or an admin) may run it; anyone else gets not_found.
func (db *DB) Reconcile(ctx context.Context, by znb.Actor, o ReconcileOptions) (*subsidy.Reconciliation, error) {
	a, err := db.GetAgreement(ctx, by, o.AgreementID)
	if err != nil {
		return nil, err
	}
	return db.reconcile(ctx, by, a, o)
}

func (db *DB) reconcile(ctx context.Context, by znb.Actor, a *policy.Agreement, o ReconcileOptions) (*subsidy.Reconciliation, error) {
	rec, err := subsidy.Start(by, a, db.nowMS())
	if err != nil {
		return nil, err
	}
	t := rec.Terms
	l, err := db.reconList(ctx, by, rec, o)
	if err != nil {
		return nil, err
	}
	var (
		bill iter.Seq2[subsidy.Row, error]
		st   *subsidy.Statement
	)
	if o.Statement != "" {
		rec.BillSource = subsidy.BillStatement
		rec.StatementName = o.StatementName
		if rec.StatementName == "" {
			rec.StatementName = filepath.Base(o.Statement)
		}
		if rec.StatementSHA256, err = fileSHA256(o.Statement); err != nil {
			return nil, znb.Wrap(err, "读取对账单")
		}
		rows, err := o.OpenStatement(o.Statement)
		if err != nil {
			return nil, err
		}
		if st, err = subsidy.ReadStatement(rows, t); err != nil {
			return nil, err
		}
		defer st.Close()
		bill = st.Bill()
	} else {
		rec.BillSource = subsidy.BillCertificates
		bill = db.certificateBill(ctx, a.ID)
	}
	// The bill is read ahead while the list is read and the run goes on.
	bill, stop := ahead(bill)
	defer stop()
	list, err := db.listEntries(ctx, l, t)
	if err != nil {
		return nil, err
	}
	listRead()
	other, err := db.otherCover(ctx, a, list)
	if err != nil {
		return nil, err
	}
	if o.Progress != nil {
		bill = counted(bill, o.Progress)
	}
	terms, err := json.Marshal(t)
	if err != nil {
		return nil, znb.Wrap(err, "保存对账")
	}

	// The bill is a stream read once: the run is not repeated.
	err = db.Tx(once(ctx), func(tx *gorm.DB) error {
		row := reconRow{AgreementID: a.ID, ListID: l.ID, County: a.County, InsurerCode: a.Insurer.Code,
			BillSource: string(rec.BillSource), StatementName: rec.StatementName, StatementSha256: rec.StatementSHA256,
			Status: string(rec.Status), Terms: string(terms), CreatedBy: by.Username, CreatedAt: rec.CreatedAt,
			ItemsFormat: itemsInBlocks}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		rec.ID = row.ID
		items := newBlockWriter(ctx, tx, rec.ID)
		res, err := subsidy.Reconcile(subsidy.Input{Terms: t, List: list, Bill: bill, OtherCover: other},
			func(d subsidy.Detail) error {
				if st != nil && st.Refused() {
					return nil // the run is refused at the end; stop writing
				}
				return items.add(&d)
			})
		if cerr := items.close(err == nil); cerr != nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if st != nil {
			stop() // the parsing goroutine is done: its counts may be read
			if err := st.Rejected(); err != nil {
				return err
			}
		}
		rec.Result = *res
		upd := map[string]any{"inputs_hash": res.InputsHash, "rows_read": res.Rows, "listed": res.Listed, "eligible": res.Eligible}
		moneyCols("billed", res.Billed, upd)
		moneyCols("allowed", res.Allowed, upd)
		moneyCols("disallowed", res.Disallowed, upd)
		if err := tx.Model(&reconRow{}).Where("id = ?", rec.ID).Updates(upd).Error; err != nil {
			return err
		}
		fs := make([]findingRow, len(res.Findings))
		for i, f := range res.Findings {
			fs[i] = findingRow{rec.ID, i, f.Count, f.Billed, f.Expected, f.Allowed, f.Disallowed}
		}
		if err := tx.Create(&fs).Error; err != nil {
			return err
		}
		counts := map[string]int{}
		for _, f := range res.Findings {
			counts[string(f.Finding)] = f.Count
		}
		return db.audit(tx, by, scope{rec.County, rec.InsurerCode}, "reconciliation.create", reconObject(rec.ID), map[string]any{
			"state": map[string]string{"status": string(rec.Status)}, "agreement_id": a.ID, "list_id": l.ID, "bill": rec.BillSource, "statement": rec.StatementName,
			"statement_sha256": rec.StatementSHA256, "inputs_hash": res.InputsHash, "rows": res.Rows,
			"findings": counts, "billed": money.String(res.Billed.Premium),
			"disallowed": money.String(res.Disallowed.Premium)})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存对账结果")
	}
	return rec, nil
}

// reconList resolves the list version of a run (the one named, or the
// county's list in force on AsOf) and binds the run to it.
func (db *DB) reconList(ctx context.Context, by znb.Actor, rec *subsidy.Reconciliation, o ReconcileOptions) (*registry.ListVersion, error) {
	if err := subsidy.CheckListChoice(o.ListID, o.AsOf); err != nil {
		return nil, err
	}
	var l *registry.ListVersion
	if o.ListID == 0 {
		var err error
		if l, err = db.listInForce(ctx, rec.County, o.AsOf); err != nil {
			return nil, err
		}
	} else {
		var row listRow
		if err := db.Gorm(ctx).Where("id = ?", o.ListID).Take(&row).Error; err != nil {
			return nil, notFound(err, "名单版本")
		}
		l = row.version()
	}
	if err := rec.UseList(by, l); err != nil {
		return nil, err
	}
	return l, nil
}

// listRead runs once a reconciliation has read its list, while the
// statement may still be parsed; tests hold the run there.
var listRead = func() {}

func findingNo(f subsidy.Finding) int {
	for i, g := range subsidy.Findings {
		if g == f {
			return i
		}
	}
	return -1
}

// counted reports progress every 10,000 bill rows.
func counted(bill iter.Seq2[subsidy.Row, error], progress func(int)) iter.Seq2[subsidy.Row, error] {
	return func(yield func(subsidy.Row, error) bool) {
		n := 0
		for r, err := range bill {
			if err == nil {
				n++
				if n%10000 == 0 {
					progress(n)
				}
			}
			if !yield(r, err) {
				return
			}
		}
		progress(n)
	}
}

// ahead runs bill in a goroutine of its own, so that parsing a statement
// overlaps reading the list and then reconciling it. The rows wait encoded
// (appendRow) in chunks of 4096: up to 16 chunks in memory, with no pointers
// for the collector to follow, and beyond those in an unlinked temporary
// file. The file lets the whole statement be parsed while the list is read
// without holding it in the heap: a million rows are 60 MB, which the
// collector's headroom would double at the run's busiest point. When the
// file cannot be made or written, the goroutine waits for the reader
// instead. The reader gets the rows, then the bill's error if any; stop
// (idempotent) ends the goroutine early, waits for it and drops the file,
// and must be called before the bill's source is closed or its state read.
func ahead(bill iter.Seq2[subsidy.Row, error]) (rows iter.Seq2[subsidy.Row, error], stop func()) {
	const (
		chunk    = 4096
		inMemory = 16
	)
	// A chunk with data waits in memory; one without, size bytes at off in
	// the file.
	type rowChunk struct {
		n         int
		data      []byte
		off, size int64
	}
	// 1024 chunks are four million rows: a statement larger still is read
	// no further ahead than that.
	ch := make(chan rowChunk, 1024)
	held := make(chan struct{}, inMemory) // a token for each chunk held in memory
	quit, done := make(chan struct{}), make(chan struct{})
	spool := &spoolFile{}
	var err error
	go func() {
		defer close(done)
		defer close(ch)
		// send queues c, in memory while there is room and the file works,
		// and reports whether c's data may be reused and whether to go on.
		send := func(c rowChunk) (reuse, ok bool) {
			select {
			case <-quit: // looked at first: a chunk the file takes waits on nothing that would see it
				return false, false
			default:
			}
			select {
			case held <- struct{}{}:
			default:
				if off, written := spool.write(c.data); written {
					c = rowChunk{n: c.n, off: off, size: int64(len(c.data))}
					reuse = true
					break
				}
				select {
				case held <- struct{}{}:
				case <-quit:
					return false, false
				}
			}
			select {
			case ch <- c:
				return reuse, true
			case <-quit:
				return false, false
			}
		}
		c := rowChunk{data: make([]byte, 0, 256<<10)}
		for r, e := range bill {
			if e != nil {
				err = e
				break
			}
			c.data = appendRow(c.data, &r)
			if c.n++; c.n == chunk {
				reuse, ok := send(c)
				if !ok {
					return
				}
				if reuse {
					c = rowChunk{data: c.data[:0]}
				} else {
					c = rowChunk{data: make([]byte, 0, len(c.data)+len(c.data)/8)}
				}
			}
		}
		if c.n > 0 {
			send(c)
		}
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			close(quit)
			<-done
			spool.close()
		}
	}
	rows = func(yield func(subsidy.Row, error) bool) {
		var buf []byte
		premiums := map[int64]decimal.Decimal{}
		for c := range ch {
			data := c.data
			if data == nil {
				buf = slices.Grow(buf[:0], int(c.size))[:c.size]
				if e := spool.read(buf, c.off); e != nil {
					yield(subsidy.Row{}, znb.Wrap(e, "读取对账单"))
					return
				}
				data = buf
			} else {
				<-held
			}
			// One string per chunk: the rows' strings are cut from it.
			x := itemReader{p: data, text: string(data), premiums: premiums}
			for range c.n {
				var r subsidy.Row
				if e := x.row(&r); e != nil {
					yield(subsidy.Row{}, e)
					return
				}
				if !yield(r, nil) {
					return
				}
			}
		}
		<-done
		if err != nil {
			yield(subsidy.Row{}, err)
		}
	}
	return rows, stop
}

// spoolFile is where ahead keeps the chunks its reader has not yet taken:
// a temporary file made on the first write and removed at once, so that
// nothing is left behind whatever happens to the process. Once it cannot be
// made or written, it is not written again. The reader reads a chunk only
// after the writer has handed it over.
type spoolFile struct {
	f      *os.File
	end    int64
	broken bool
}

// write appends data and returns where it starts; written is false when it
// could not be.
func (s *spoolFile) write(data []byte) (off int64, written bool) {
	if s.broken {
		return 0, false
	}
	if s.f == nil {
		f, err := os.CreateTemp("", "znb-statement-*")
		if err != nil {
			s.broken = true
			return 0, false
		}
		os.Remove(f.Name())
		s.f = f
	}
	if _, err := s.f.WriteAt(data, s.end); err != nil {
		s.broken = true
		return 0, false
	}
	off = s.end
	s.end += int64(len(data))
	return off, true
}

func (s *spoolFile) read(into []byte, off int64) error {
	_, err := s.f.ReadAt(into, off)
	return err
}

func (s *spoolFile) close() {
	if s.f != nil {
		s.f.Close()
	}
}
