package storage

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// openStore opens the time-series store of a fresh data directory.
func openStore(t *testing.T) (*DBs, *Store) {
	t.Helper()
	dbs := NewDBs(t.TempDir())
	db, st, err := dbs.AcquireStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dbs.Release(db) })
	return dbs, st
}

func insert(t *testing.T, st *Store, rs ...Reading) {
	t.Helper()
	if _, err := st.Insert(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

func topics(rows []any) []string {
	var out []string
	for _, r := range rows {
		m := r.(*engine.Object)
		out = append(out, fmt.Sprintf("%s@%v", m.Value("topic"), m.Value("ts")))
	}
	return out
}

func TestTopicMatch(t *testing.T) {
	tests := []struct {
		filter, topic string
		want          bool
	}{
		{"a/b", "a/b", true}, {"a/b", "a/c", false}, {"a/+", "a/b", true}, {"a/+", "a/b/c", false},
		{"a/#", "a/b/c", true}, {"a/#", "a", true}, {"#", "x/y", true}, {"+/b", "a/b", true},
		{"+/+", "a", false}, {"a/+/c", "a/b/c", true}, {"a/+/c", "a/b/d", false},
	}
	for _, tt := range tests {
		t.Run(tt.filter+" "+tt.topic, func(t *testing.T) {
			if got := topicMatch(tt.filter, tt.topic); got != tt.want {
				t.Errorf("got %v", got)
			}
		})
	}
}

func TestStoreSelect(t *testing.T) {
	_, st := openStore(t)
	insert(t, st,
		Reading{Topic: "s/a/temp", Payload: engine.ObjectOf("v", 20.0, "ok", true), TS: 1000},
		Reading{Topic: "s/b/temp", Payload: engine.ObjectOf("v", 25.0, "ok", false), TS: 2000},
		Reading{Topic: "s/a/hum", Payload: 50.0, TS: 3000},
		Reading{Topic: "s/a/temp", Payload: engine.ObjectOf("v", 22.0, "ok", true), TS: 61000},
		Reading{Topic: "other", Payload: "text", TS: 4000},
	)
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{"everything in time order", Query{}, []string{"s/a/temp@1000", "s/b/temp@2000", "s/a/hum@3000", "other@4000", "s/a/temp@61000"}},
		{"one topic", Query{Topic: "s/a/temp"}, []string{"s/a/temp@1000", "s/a/temp@61000"}},
		{"+ wildcard", Query{Topic: "s/+/temp"}, []string{"s/a/temp@1000", "s/b/temp@2000", "s/a/temp@61000"}},
		{"# wildcard", Query{Topic: "s/a/#"}, []string{"s/a/temp@1000", "s/a/hum@3000", "s/a/temp@61000"}},
		{"time range, to exclusive", Query{From: 2000, To: 4000}, []string{"s/b/temp@2000", "s/a/hum@3000"}},
		{"newest first with limit", Query{Desc: true, Limit: 2}, []string{"s/a/temp@61000", "other@4000"}},
		{"paging", Query{Limit: 2, Offset: 2}, []string{"s/a/hum@3000", "other@4000"}},
		{"payload field condition", Query{Where: []Cond{{Field: "v", Op: ">", Value: 21.0}}}, []string{"s/b/temp@2000", "s/a/temp@61000"}},
		{"boolean condition", Query{Where: []Cond{{Field: "ok", Op: "=", Value: false}}}, []string{"s/b/temp@2000"}},
		{"whole payload condition", Query{Where: []Cond{{Field: "", Op: "=", Value: "text"}}}, []string{"other@4000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := st.Select(t.Context(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, topics(rows), enginetest.OrderedObjects()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("one by id, payload decoded", func(t *testing.T) {
		rows, err := st.Select(t.Context(), Query{ID: 2})
		if err != nil {
			t.Fatal(err)
		}
		want := []any{engine.ObjectOf("id", 2.0, "topic", "s/b/temp", "payload", engine.ObjectOf("v", 25.0, "ok", false), "ts", 2000.0)}
		if diff := cmp.Diff(want, rows, enginetest.OrderedObjects()); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("aggregation per minute", func(t *testing.T) {
		rows, err := st.Select(t.Context(), Query{Topic: "s/+/temp", Interval: 60000, Field: "v"})
		if err != nil {
			t.Fatal(err)
		}
		want := []any{
			engine.ObjectOf("topic", "s/a/temp", "ts", 0.0, "count", 1.0, "min", 20.0, "max", 20.0, "avg", 20.0),
			engine.ObjectOf("topic", "s/b/temp", "ts", 0.0, "count", 1.0, "min", 25.0, "max", 25.0, "avg", 25.0),
			engine.ObjectOf("topic", "s/a/temp", "ts", 60000.0, "count", 1.0, "min", 22.0, "max", 22.0, "avg", 22.0),
		}
		if diff := cmp.Diff(want, rows, enginetest.OrderedObjects()); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("bad field and operator", func(t *testing.T) {
		for _, q := range []Query{{Where: []Cond{{Field: "a'); DROP TABLE readings; --", Op: "="}}}, {Where: []Cond{{Field: "a", Op: "LIKE"}}}} {
			if _, err := st.Select(t.Context(), q); err == nil {
				t.Errorf("%+v: no error", q)
			}
		}
	})
}

func TestStoreDeleteAndRetention(t *testing.T) {
	_, st := openStore(t)
	now := time.UnixMilli(10 * 86400000)
	var rs []Reading
	for i := range 10 {
		rs = append(rs, Reading{Topic: "a", Payload: float64(i), TS: now.Add(-time.Duration(i) * time.Hour).UnixMilli()})
		rs = append(rs, Reading{Topic: "b", Payload: float64(i), TS: now.Add(-time.Duration(i) * 24 * time.Hour).UnixMilli()})
	}
	insert(t, st, rs...)
	count := func() int {
		rows, err := st.Select(t.Context(), Query{Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	if _, err := st.Delete(t.Context(), Query{}); err != ErrNoCondition {
		t.Errorf("delete without condition: %v", err)
	}
	if n, err := st.Delete(t.Context(), Query{ID: 1}); n != 1 || err != nil {
		t.Errorf("delete one: %d, %v", n, err)
	}
	if n, err := st.Trim(t.Context(), Retention{MaxAge: 3 * 24 * time.Hour}, now); n != 6 || err != nil {
		t.Errorf("max age trimmed %d (%v), want 6", n, err)
	}
	if n, err := st.Trim(t.Context(), Retention{MaxRows: 2}, now); n != 9 || err != nil {
		t.Errorf("max rows trimmed %d (%v), want 9", n, err)
	}
	rows, err := st.Select(t.Context(), Query{Desc: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b@8.64e+08", "a@8.604e+08", "a@8.568e+08", "b@7.776e+08"}
	if diff := cmp.Diff(want, topics(rows), enginetest.OrderedObjects()); diff != "" || count() != 4 {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
}

func storeFlow(s *site, nodes ...string) {
	s.deploy(append(nodes, `{"id":"out","type":"helper","z":"t"}`)...)
}

func TestStoreNodes(t *testing.T) {
	s := newSite(t)
	storeFlow(s,
		`{"id":"in","type":"store in","z":"t","batch":3,"flush":60000}`,
		`{"id":"q","type":"store query","z":"t","topic":"","limit":100,"wires":[["out"]]}`,
		`{"id":"d","type":"store delete","z":"t","wires":[["out"]]}`,
	)
	for i := range 3 {
		s.h.Send("in", engine.Msg{"topic": "room/" + fmt.Sprint(i%2), "payload": engine.ObjectOf("t", float64(20+i)), "timestamp": float64(1000 * (i + 1))})
	}
	// a full batch is written at once: poll until the three are there
	var got engine.Msg
	for range 500 {
		got = s.call("q", "out", engine.Msg{"topic": "room/#"})
		if len(got["payload"].([]any)) == 3 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	want := []any{
		engine.ObjectOf("id", 1.0, "topic", "room/0", "payload", engine.ObjectOf("t", 20.0), "ts", 1000.0),
		engine.ObjectOf("id", 2.0, "topic", "room/1", "payload", engine.ObjectOf("t", 21.0), "ts", 2000.0),
		engine.ObjectOf("id", 3.0, "topic", "room/0", "payload", engine.ObjectOf("t", 22.0), "ts", 3000.0),
	}
	if diff := cmp.Diff(want, got["payload"], enginetest.OrderedObjects()); diff != "" {
		t.Fatalf("query (-want +got):\n%s", diff)
	}
	got = s.call("q", "out", engine.Msg{"query": engine.ObjectOf("topic", "room/0", "interval", 10000.0, "field", "t")})
	if diff := cmp.Diff([]any{engine.ObjectOf("topic", "room/0", "ts", 0.0, "count", 2.0, "min", 20.0, "max", 22.0, "avg", 21.0)}, got["payload"], enginetest.OrderedObjects()); diff != "" {
		t.Errorf("aggregate (-want +got):\n%s", diff)
	}
	got = s.call("d", "out", engine.Msg{"topic": "room/1"})
	if got["payload"] != 1.0 {
		t.Errorf("deleted %v, want 1", got["payload"])
	}
	s.h.Send("d", engine.Msg{})
	s.waitError("no condition: refusing to delete every reading")
	s.h.Send("in", engine.Msg{"payload": 1.0})
	s.waitError("no topic: set msg.topic or the node's topic")
	s.h.Send("q", engine.Msg{"query": engine.ObjectOf("order", "sideways")})
	s.waitError("msg.query: order: must be asc or desc")
}

func TestStoreInFlushes(t *testing.T) {
	count := func(t *testing.T, dbs *DBs) int {
		db, st, err := dbs.AcquireStore(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer dbs.Release(db)
		rows, err := st.Select(t.Context(), Query{Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	t.Run("after the flush interval", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSite(t)
			s.deploy(`{"id":"in","type":"store in","z":"t","batch":100,"flush":1000}`)
			s.h.Send("in", engine.Msg{"topic": "x", "payload": 1.0})
			time.Sleep(999 * time.Millisecond)
			synctest.Wait()
			if n := count(t, s.dbs); n != 0 {
				t.Errorf("written before the interval: %d", n)
			}
			time.Sleep(time.Millisecond)
			synctest.Wait()
			if n := count(t, s.dbs); n != 1 {
				t.Errorf("after the interval: %d readings, want 1", n)
			}
			s.h.E.Stop(t.Context())
		})
	})
	t.Run("on stop", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSite(t)
			s.deploy(`{"id":"in","type":"store in","z":"t","batch":100,"flush":600000}`)
			for range 5 {
				s.h.Send("in", engine.Msg{"topic": "x", "payload": 1.0})
			}
			synctest.Wait()
			if n := count(t, s.dbs); n != 0 {
				t.Errorf("before stop: %d readings, want 0", n)
			}
			s.h.E.Stop(t.Context())
			if n := count(t, s.dbs); n != 5 {
				t.Errorf("after stop: %d readings, want 5", n)
			}
		})
	})
	t.Run("retention in the background", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newSite(t)
			s.deploy(`{"id":"in","type":"store in","z":"t","batch":1,"maxRows":2}`)
			synctest.Wait() // the sweep at start is over before anything is stored
			for i := range 5 {
				s.h.Send("in", engine.Msg{"topic": "x", "payload": float64(i)})
			}
			time.Sleep(time.Second)
			synctest.Wait()
			if n := count(t, s.dbs); n != 5 {
				t.Errorf("before a sweep: %d readings, want 5", n)
			}
			time.Sleep(RetentionEvery)
			synctest.Wait()
			if n := count(t, s.dbs); n != 2 {
				t.Errorf("after a sweep: %d readings, want 2", n)
			}
			s.h.E.Stop(t.Context())
		})
	})
}
