package storage

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// The time-series benchmarks store tsTopics topics reporting once a second
// (every topic's reading i, then every topic's reading i+1, as sensors
// report), tsBatch readings per Store.Insert, as the store in node's
// batches are. The default size suits a shared machine; FLOWGATE_TS_FULL=1
// runs the size, 10 M readings (1,000 topics × 10,000 s); the
// default is 2.16 M (200 topics × 3 hours):
//
//	FLOWGATE_TS_FULL=1 go test -run '^$' -bench Timeseries -benchtime 1x ./nodes/storage/
//
// FLOWGATE_TS_SIZE=topics,seconds sets another size.
func tsSize() (topics, perTopic int) {
	if os.Getenv("FLOWGATE_TS_FULL") != "" {
		return 1000, 10_000
	}
	if t, s, ok := strings.Cut(os.Getenv("FLOWGATE_TS_SIZE"), ","); ok {
		topics, _ = strconv.Atoi(t)
		perTopic, _ = strconv.Atoi(s)
		if topics > 0 && perTopic > 0 {
			return topics, perTopic
		}
	}
	return 200, 3 * 3600
}

const tsBatch = 10_000

var tsEnd = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).UnixMilli()

func tsTopic(i int) string { return fmt.Sprintf("site/greenhouse-%04d/temperature", i) }

// ioWritten is what the process has written to storage (write_bytes less
// cancelled_write_bytes of /proc/self/io: page cache writes the kernel
// sends to the device, WAL and checkpoints included).
func ioWritten(b *testing.B) int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		b.Skip("no /proc/self/io")
	}
	defer f.Close()
	var w, c int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "write_bytes":
			w = n
		case "cancelled_write_bytes":
			c = n
		}
	}
	return w - c
}

// cpuTime is the process's user and system time: on a shared machine it
// tells what a query costs where wall time also counts the waits for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs f b.N times and reports its CPU time per run.
func loopCPU(b *testing.B, f func()) {
	var c0 time.Duration
	n := 0
	for b.Loop() {
		if n == 0 {
			c0 = cpuTime()
		}
		f()
		n++
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(n), "cpu-ns/op")
}

type tsFilled struct {
	dbs      *DBs
	db       *DB
	st       *Store
	readings int
	insert   time.Duration
	cpu      time.Duration
	written  int64
	size     int64
}

// tsFill stores topics × perTopic readings of fields numeric fields ({"t":
// 21.5, "h": 40}, or {"t": 21.5}) ending at tsEnd, checkpoints the WAL
// and measures.
func tsFill(b *testing.B, topics, perTopic, fields int) *tsFilled {
	ctx := context.Background()
	dir := b.TempDir()
	dbs := NewDBs(dir)
	db, st, err := dbs.AcquireStore(ctx)
	if err != nil {
		b.Fatal(err)
	}
	st.now = func() time.Time { return time.UnixMilli(tsEnd) }
	names := make([]string, topics)
	for i := range names {
		names[i] = tsTopic(i)
	}
	start := tsEnd - int64(perTopic)*1000
	w0 := ioWritten(b)
	t0, c0 := time.Now(), cpuTime()
	batch := make([]Reading, 0, tsBatch)
	for r := range perTopic {
		for i, tp := range names {
			t := 15 + float64((r+i)%200)/10
			p := engine.ObjectOf("t", t)
			if fields == 2 {
				p.Set("h", float64(40+(r*7+i)%30))
			}
			// each topic reports at its own offset within the second
			batch = append(batch, Reading{Topic: tp, Payload: p, TS: start + int64(r)*1000 + int64(i)*1000/int64(topics)})
			if len(batch) == cap(batch) {
				if _, err := st.Insert(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		if _, err := st.Insert(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	f := &tsFilled{dbs: dbs, db: db, st: st, readings: topics * perTopic, insert: time.Since(t0), cpu: cpuTime() - c0}
	if _, err := db.W.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	if f, err := os.Open(db.Path); err == nil {
		_ = f.Sync() // what the checkpoint wrote reaches the device's account
		f.Close()
	}
	f.written = ioWritten(b) - w0
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(db.Path + suffix); err == nil {
			f.size += fi.Size()
		}
	}
	b.Cleanup(func() { _ = dbs.Release(db) })
	return f
}

func (f *tsFilled) report(b *testing.B) {
	n := float64(f.readings)
	b.ReportMetric(float64(f.size)/n, "disk-B/reading")
	b.ReportMetric(float64(f.written)/n, "written-B/reading")
	b.ReportMetric(n/f.insert.Seconds(), "readings/s")
	b.ReportMetric(n/f.cpu.Seconds(), "readings/cpu-s")
	b.ReportMetric(n, "readings")
	var chunks, log, rollups int64
	_ = f.db.R.QueryRow("SELECT (SELECT coalesce(sum(length(data)), 0) FROM ts_chunks), (SELECT coalesce(sum(length(data)), 0) FROM ts_log), (SELECT count(*) FROM ts_rollup)").Scan(&chunks, &log, &rollups)
	b.ReportMetric(float64(chunks)/n, "chunk-data-B/reading")
	b.ReportMetric(float64(log)/n, "log-data-B/reading")
	b.ReportMetric(float64(rollups), "rollup-rows")
}

// BenchmarkTimeseriesInsert stores the readings (2 numeric fields, then 1)
// and reports the store's size on disk per reading (after a WAL
// checkpoint, roll-ups and the open window's write-ahead rows included),
// the bytes written to the device per reading and the insert rate.
func BenchmarkTimeseriesInsert(b *testing.B) {
	topics, perTopic := tsSize()
	for _, fields := range []int{2, 1} {
		b.Run(fmt.Sprintf("fields=%d", fields), func(b *testing.B) {
			var f *tsFilled
			for b.Loop() {
				f = tsFill(b, topics, perTopic, fields)
			}
			f.report(b)
		})
	}
}

// BenchmarkTimeseriesLastHour measures one query as a dashboard makes it:
// the last hour of one topic (3,600 readings) among all the readings.
func BenchmarkTimeseriesLastHour(b *testing.B) {
	topics, perTopic := tsSize()
	f := tsFill(b, topics, perTopic, 2)
	q := Query{Topic: tsTopic(topics / 2), From: tsEnd - time.Hour.Milliseconds(), To: tsEnd, Limit: MaxLimit}
	ctx := context.Background()
	got, err := f.st.Select(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	if len(got) != 3600 {
		b.Fatalf("last hour of %s: %d readings, want 3600", q.Topic, len(got))
	}
	loopCPU(b, func() {
		got, err := f.st.Select(ctx, q)
		if err != nil || len(got) != 3600 {
			b.Fatalf("select: %d readings, %v", len(got), err)
		}
	})
	f.report(b)
}

// BenchmarkTimeseriesHourly30d measures a month of hourly min/max/avg of
// one topic that reported every 10 s (259,200 readings): 720 buckets read
// from the roll-ups.
func BenchmarkTimeseriesHourly30d(b *testing.B) {
	ctx := context.Background()
	dbs := NewDBs(b.TempDir())
	db, st, err := dbs.AcquireStore(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer dbs.Release(db)
	st.now = func() time.Time { return time.UnixMilli(tsEnd) }
	const step = 10_000
	from := tsEnd - 30*24*time.Hour.Milliseconds()
	var batch []Reading
	for ts := from; ts < tsEnd; ts += step {
		batch = append(batch, Reading{Topic: "site/history", Payload: engine.ObjectOf("t", 15+float64(ts/step%200)/10, "h", float64(40+ts/step%30)), TS: ts})
		if len(batch) == tsBatch {
			if _, err := st.Insert(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := st.Insert(ctx, batch); err != nil {
		b.Fatal(err)
	}
	q := Query{Topic: "site/history", From: from, To: tsEnd, Interval: time.Hour.Milliseconds(), Field: "t", Limit: MaxLimit}
	loopCPU(b, func() {
		got, err := st.Select(ctx, q)
		if err != nil || len(got) != 720 {
			b.Fatalf("hourly: %d buckets, %v", len(got), err)
		}
	})
}

// BenchmarkTimeseriesDeepPage measures the page of 10,000 readings in the
// middle of one topic's million (a chart paging through a long range):
// by key (after=id) the page reads its own windows; by offset every
// reading before it is read and sorted too.
func BenchmarkTimeseriesDeepPage(b *testing.B) {
	f := tsFill(b, 1, 1_000_000, 2)
	ctx := context.Background()
	mid, err := f.st.Select(ctx, Query{Offset: 500_000, Limit: 1})
	if err != nil || len(mid) != 1 {
		b.Fatalf("the middle reading: %v %v", mid, err)
	}
	after := int64(mid[0].(*engine.Object).Value("id").(float64))
	for _, c := range []struct {
		name string
		q    Query
	}{
		{"after", Query{After: after, Limit: MaxLimit}},
		{"offset", Query{Offset: 500_001, Limit: MaxLimit}},
	} {
		b.Run(c.name, func(b *testing.B) {
			loopCPU(b, func() {
				got, err := f.st.Select(ctx, c.q)
				if err != nil || len(got) != MaxLimit {
					b.Fatalf("select: %d readings, %v", len(got), err)
				}
			})
		})
	}
}
