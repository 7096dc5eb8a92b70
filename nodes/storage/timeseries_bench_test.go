package storage

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Sizes of the time-series benchmark: tsTopics topics × tsPerTopic
// readings each, spread evenly over one day and inserted in time order
// (every topic's reading i, then every topic's reading i+1, as sensors
// report), tsBatch readings per transaction.
const (
	tsTopics   = 1000
	tsPerTopic = 1000
	tsBatch    = 10_000
	tsSpan     = 24 * time.Hour
)

// BenchmarkTimeseriesLastHour measures one query of the store as a
// dashboard makes it: the last hour of one topic (~42 readings) out of
// 1,000,000 (1,000 topics × 1,000 readings over a day). It also reports
// the store's size on disk, per reading and per million readings, after a
// WAL checkpoint, and how long the million inserts took.
func BenchmarkTimeseriesLastHour(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	dbs := NewDBs(dir)
	db, st, err := dbs.AcquireStore(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer dbs.Release(db)

	end := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	start := end - tsSpan.Milliseconds()
	step := tsSpan.Milliseconds() / tsPerTopic
	topic := func(i int) string { return fmt.Sprintf("site/greenhouse-%04d/temperature", i) }
	topics := make([]string, tsTopics)
	for i := range topics {
		topics[i] = topic(i)
	}
	// Raw multi-row inserts in the store's schema, tsBatch rows per
	// transaction, with a 64 MiB page cache for the random inserts into the
	// (topic, ts) index: ~14 s on 2 cores, where Store.Insert with the
	// default cache takes ~25 s.
	const perStmt = 200
	ins := "INSERT INTO readings (topic, payload, ts) VALUES (?, ?, ?)" + strings.Repeat(", (?, ?, ?)", perStmt-1)
	t0 := time.Now()
	if _, err := db.W.ExecContext(ctx, "PRAGMA cache_size = -65536"); err != nil {
		b.Fatal(err)
	}
	args := make([]any, 0, 3*perStmt)
	var tx *sql.Tx
	var stmt *sql.Stmt
	for r := range tsPerTopic {
		for i, tp := range topics {
			if tx == nil {
				if tx, err = db.W.BeginTx(ctx, nil); err != nil {
					b.Fatal(err)
				}
				if stmt, err = tx.PrepareContext(ctx, ins); err != nil {
					b.Fatal(err)
				}
			}
			// Each topic reports at its own offset within the step.
			ts := start + int64(r)*step + int64(i)*step/tsTopics
			payload := fmt.Sprintf(`{"t":%g,"h":%d}`, 15+float64((r+i)%200)/10, 40+(r*7+i)%30)
			args = append(args, tp, payload, ts)
			if len(args) < cap(args) {
				continue
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				b.Fatal(err)
			}
			args = args[:0]
			if (r*tsTopics+i+1)%tsBatch == 0 {
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				tx = nil
			}
		}
	}
	if tx != nil || len(args) > 0 {
		b.Fatal("rows left over: tsTopics*tsPerTopic must be a multiple of tsBatch and perStmt")
	}
	setup := time.Since(t0)
	if _, err := db.W.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(db.Path + suffix); err == nil {
			size += fi.Size()
		}
	}
	const rows = tsTopics * tsPerTopic

	q := Query{Topic: topic(tsTopics / 2), From: end - time.Hour.Milliseconds(), To: end, Limit: MaxLimit}
	got, err := st.Select(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	if want := int(time.Hour.Milliseconds() / step); len(got) < want || len(got) > want+1 {
		b.Fatalf("last hour of %s: %d readings, want %d or %d", q.Topic, len(got), want, want+1)
	}
	n := len(got)
	for b.Loop() {
		got, err := st.Select(ctx, q)
		if err != nil || len(got) != n {
			b.Fatalf("select: %d readings, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(size)/rows, "disk-bytes/row")
	b.ReportMetric(float64(size)/(1<<20)*1e6/rows, "MiB/million-rows")
	b.ReportMetric(setup.Seconds(), "insert-1M-s")
	b.ReportMetric(float64(n), "rows/query")
}
