package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

// checkTopics compares the store's topics list (kept per topic, no scan)
// with the oracle's full scan: every topic, its count and newest reading.
func checkTopics(t *testing.T, stage string, st *Store, o *oracle) {
	t.Helper()
	got, err := st.Topics(t.Context(), "")
	if err != nil {
		t.Fatalf("%s: topics: %v", stage, err)
	}
	rows, err := o.db.R.Query(`SELECT r.topic, c.n, r.id, r.payload, r.ts FROM
		(SELECT topic, count(*) AS n FROM readings GROUP BY topic) c
		JOIN readings r ON r.id = (SELECT id FROM readings WHERE topic = c.topic ORDER BY ts DESC, id DESC LIMIT 1)
		ORDER BY r.topic`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var want []TopicStat
	for rows.Next() {
		var ts TopicStat
		var text string
		if err := rows.Scan(&ts.Topic, &ts.Count, &ts.Last.ID, &text, &ts.Last.TS); err != nil {
			t.Fatal(err)
		}
		ts.Last.Topic = ts.Topic
		if ts.Last.Payload, err = engine.DecodeJSON([]byte(text)); err != nil {
			t.Fatal(err)
		}
		want = append(want, ts)
	}
	if diff := cmp.Diff(canonStats(want), canonStats(got)); diff != "" {
		t.Fatalf("%s: topics (-scan +kept):\n%s", stage, diff)
	}
}

func canonStats(list []TopicStat) []string {
	out := make([]string, len(list))
	for i, s := range list {
		p, _ := engine.JSONString(s.Last.Payload, "")
		out[i] = fmt.Sprintf("%s n=%d id=%d ts=%d %s", s.Topic, s.Count, s.Last.ID, s.Last.TS, p)
	}
	return out
}

// checkAfter pages through q by key (after the last id of each page) and
// compares the pages, joined, with the oracle's whole answer.
func checkAfter(t *testing.T, stage string, st *Store, o *oracle, q Query, limit int) {
	t.Helper()
	all := q
	all.Limit = MaxLimit
	want := canon(o.selectRows(all))
	var got []any
	q.Limit = limit
	for page := 0; ; page++ {
		rows, err := st.Select(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: after %d %+v: %v", stage, q.After, q, err)
		}
		got = append(got, rows...)
		if len(rows) < limit || page > MaxLimit {
			break
		}
		last, _ := engine.AsObject(rows[len(rows)-1])
		q.After = int64(last.Value("id").(float64))
	}
	if g := canon(got); g != want {
		t.Fatalf("%s: key pages of %d %+v:\ngot:\n%s\nwant:\n%s", stage, limit, q, g, want)
	}
}

func TestTopicsAfterRetentionAndReopen(t *testing.T) {
	dir := t.TempDir()
	dbs := NewDBs(dir)
	rule, err := ParseRollupRule("#", "2h", "", "")
	if err != nil {
		t.Fatal(err)
	}
	dbs.SetRollups(RollupConfig{rule})
	db, st, err := dbs.AcquireStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	clock := t0
	st.now = func() time.Time { return time.UnixMilli(clock) }
	insert := func(rs ...Reading) {
		t.Helper()
		if _, err := st.Insert(t.Context(), rs); err != nil {
			t.Fatal(err)
		}
	}
	topics := func(st *Store) []string {
		t.Helper()
		list, err := st.Topics(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		return canonStats(list)
	}
	insert(Reading{Topic: "old", Payload: 1.0, TS: t0}, Reading{Topic: "kept", Payload: 2.0, TS: t0})
	// hours later: raw retention (2 h) drops "old" entirely and the
	// first reading of "kept"
	clock = t0 + 5*Window
	insert(Reading{Topic: "kept", Payload: 3.0, TS: clock - 2*Window}, Reading{Topic: "kept", Payload: 4.0, TS: clock})
	clock += Window
	insert(Reading{Topic: "kept", Payload: 5.0, TS: clock})
	kept, err := st.Select(t.Context(), Query{Topic: "kept"})
	if err != nil || len(kept) != 2 {
		t.Fatalf("retention kept %d readings (%v), want the 2 of the last 2 h", len(kept), err)
	}
	want := []string{fmt.Sprintf("kept n=2 id=5 ts=%d 5", clock)}
	if diff := cmp.Diff(want, topics(st)); diff != "" {
		t.Fatalf("after retention (-want +got):\n%s", diff)
	}
	// deleting the newest reading brings back the one before
	if _, err := st.Delete(t.Context(), Query{ID: 5}); err != nil {
		t.Fatal(err)
	}
	want = []string{fmt.Sprintf("kept n=1 id=4 ts=%d 4", clock-Window)}
	if diff := cmp.Diff(want, topics(st)); diff != "" {
		t.Fatalf("after delete (-want +got):\n%s", diff)
	}
	_ = dbs.Release(db)
	dbs2 := NewDBs(dir)
	db2, st2, err := dbs2.AcquireStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dbs2.Release(db2) }()
	if diff := cmp.Diff(want, topics(st2)); diff != "" {
		t.Fatalf("reopened (-want +got):\n%s", diff)
	}
	if _, err := st2.Select(t.Context(), Query{After: 99}); err == nil {
		t.Error("after a missing reading: no error")
	}
}
