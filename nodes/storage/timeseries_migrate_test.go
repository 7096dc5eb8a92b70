package storage

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// A file of the row-per-reading store opens as before: same readings, same
// ids, and a new reading never reuses an id, not even a deleted one's.
func TestStoreMigratesReadingsTable(t *testing.T) {
	dir := t.TempDir()
	dbs := NewDBs(dir)
	db, err := dbs.Acquire(t.Context(), StoreFile, ModeReadWriteCreate)
	if err != nil {
		t.Fatal(err)
	}
	old := []string{
		`INSERT INTO readings (topic, payload, ts) VALUES ('room/1', '{"t":20.5,"h":40}', 1000)`,
		`INSERT INTO readings (topic, payload, ts) VALUES ('room/2', '"on"', 2000)`,
		`INSERT INTO readings (topic, payload, ts) VALUES ('room/1', '{"t":21,"nested":{"a":[1,2]}}', 3600000)`,
		`INSERT INTO readings (topic, payload, ts) VALUES ('room/1', 'not json', 3600500)`,
		`INSERT INTO readings (topic, payload, ts) VALUES ('room/3', '5', 4000)`,
		`DELETE FROM readings WHERE id = 5`,
	}
	if _, err := db.W.Exec(oracleSchema); err != nil {
		t.Fatal(err)
	}
	for _, s := range old {
		if _, err := db.W.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := dbs.Release(db); err != nil {
		t.Fatal(err)
	}
	db, st, err := dbs.AcquireStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer dbs.Release(db)
	rows, err := st.Select(t.Context(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		engine.ObjectOf("id", 1.0, "topic", "room/1", "payload", engine.ObjectOf("t", 20.5, "h", 40.0), "ts", 1000.0),
		engine.ObjectOf("id", 2.0, "topic", "room/2", "payload", "on", "ts", 2000.0),
		engine.ObjectOf("id", 3.0, "topic", "room/1", "payload", engine.ObjectOf("t", 21.0, "nested", engine.ObjectOf("a", []any{1.0, 2.0})), "ts", 3600000.0),
		engine.ObjectOf("id", 4.0, "topic", "room/1", "payload", "not json", "ts", 3600500.0),
	}
	if diff := cmp.Diff(want, rows, enginetest.OrderedObjects()); diff != "" {
		t.Errorf("migrated (-want +got):\n%s", diff)
	}
	var tables int
	if err := db.R.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'readings'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("readings table still there (%d, %v)", tables, err)
	}
	ids, err := st.Insert(t.Context(), []Reading{{Topic: "room/1", Payload: 1.0, TS: 5000}})
	if err != nil || ids[0] != 6 {
		t.Errorf("next id %v (%v), want 6", ids, err)
	}
	rows, err = st.Select(t.Context(), Query{Topic: "room/1", Interval: 3600000, Field: "t"})
	if err != nil {
		t.Fatal(err)
	}
	want = []any{
		engine.ObjectOf("topic", "room/1", "ts", 0.0, "count", 1.0, "min", 20.5, "max", 20.5, "avg", 20.5),
		engine.ObjectOf("topic", "room/1", "ts", 3600000.0, "count", 1.0, "min", 21.0, "max", 21.0, "avg", 21.0),
	}
	if diff := cmp.Diff(want, rows, enginetest.OrderedObjects()); diff != "" {
		t.Errorf("aggregated (-want +got):\n%s", diff)
	}
}
