package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/report"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestMonthlyReportReadsByIndex: a monthly report reads each certificate's
// members and each claim's payments and rejections through the index on
// their certificate or claim, never a whole table, on tables whose
// statistics still describe them as just loaded (nothing is analysed): the
// report reads every member and claim of the county, twelve times for a
// year's reports.
func TestMonthlyReportReadsByIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := returnWorld(t, db, 150)
		if _, err := db.LoadReturn(ctx, clerk, b.ID, returnFile(t, b)); err != nil {
			t.Fatal(err)
		}
		month, _ := report.ParseMonth("2024-06")
		sent := recordQueries(t, db, func() error {
			_, err := db.MonthlyReport(ctx, znb.System, claimCounty, month)
			return err
		})
		want := map[string]string{"certificate_members": "certificate_members_cover", "claim_events": "claim_events_claim"}
		checked := map[string]bool{}
		for _, q := range sent {
			for table, index := range want {
				if !strings.Contains(q.sql, "JOIN "+table+" ") {
					continue
				}
				checked[table] = true
				if got := planIndexes(t, db, q.sql, q.vars)[table]; got != index {
					t.Errorf("%s\nreads %s by %q, want %s", q.sql, table, got, index)
				}
			}
		}
		if len(checked) != len(want) {
			t.Fatalf("the report read %v of %v", checked, want)
		}
	})
}
