package storage

import (
	"context"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// BenchmarkStoreIn measures readings per second stored through a store in
// node (batches of 500, WAL, synchronous NORMAL) on a real file.
func BenchmarkStoreIn(b *testing.B) {
	dir := b.TempDir()
	dbs := NewDBs(dir)
	h := enginetest.New(b, TypesWith(Options{DataDir: dir, DBs: dbs})...)
	h.Deploy(`[{"id":"in","type":"store in","z":"t","batch":500,"flush":100}]`)
	db, _, err := dbs.AcquireStore(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer dbs.Release(db)
	count := func() int {
		var n int
		if err := db.R.QueryRow("SELECT count(*) FROM readings").Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	start := time.Now()
	sent := 0
	for b.Loop() {
		h.Send("in", engine.Msg{"topic": "sensors/greenhouse/temperature", "payload": engine.ObjectOf("t", 21.5, "h", 40.0)})
		sent++
	}
	for count() < sent {
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "readings/s")
}
