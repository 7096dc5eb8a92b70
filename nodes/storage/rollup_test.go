package storage

import (
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func TestRollupsOutliveReadings(t *testing.T) {
	dbs := NewDBs(t.TempDir())
	dbs.SetRollups(RollupConfig{{Topic: "keep/#", Raw: 2 * time.Hour}, {Topic: "#"}})
	db, st, err := dbs.AcquireStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer dbs.Release(db)
	t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	hour := time.Hour.Milliseconds()
	st.now = func() time.Time { return time.UnixMilli(t0 + 6*hour) }
	for h := range int64(6) {
		var rs []Reading
		for ts := t0 + h*hour; ts < t0+(h+1)*hour; ts += 10_000 {
			for _, topic := range []string{"keep/a", "other"} {
				rs = append(rs, Reading{Topic: topic, Payload: engine.ObjectOf("t", float64(h), "h", 1.0), TS: ts})
			}
		}
		if _, err := st.Insert(t.Context(), rs); err != nil {
			t.Fatal(err)
		}
	}
	raw := func(topic string) int {
		rows, err := st.Select(t.Context(), Query{Topic: topic, Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	// sealed up to hour 5; keep/a's readings before now-2h (hours 0-3) gone
	if got := raw("keep/a"); got != 2*360 {
		t.Errorf("keep/a: %d readings, want %d (the last 2 hours)", got, 2*360)
	}
	if got := raw("other"); got != 6*360 {
		t.Errorf("other: %d readings, want %d", got, 6*360)
	}
	for _, interval := range []int64{hour, 2 * hour, 30 * 60_000} {
		rows, err := st.Select(t.Context(), Query{Topic: "keep/a", Interval: interval, Field: "t", Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if want := int(6 * hour / interval); len(rows) != want {
			t.Fatalf("interval %d: %d buckets, want %d", interval, len(rows), want)
		}
		for i, r := range rows {
			o := r.(*engine.Object)
			per := float64(interval / 10_000)
			if o.Value("count") != per || o.Value("ts") != float64(t0+int64(i)*interval) {
				t.Errorf("interval %d bucket %d: %v", interval, i, o)
			}
		}
	}
	// a late reading in a trimmed hour adds to its roll-ups
	if _, err := st.Insert(t.Context(), []Reading{{Topic: "keep/a", Payload: engine.ObjectOf("t", 100.0), TS: t0 + 5}}); err != nil {
		t.Fatal(err)
	}
	rows, err := st.Select(t.Context(), Query{Topic: "keep/a", Interval: hour, Field: "t", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if o := rows[0].(*engine.Object); o.Value("count") != 361.0 || o.Value("max") != 100.0 || o.Value("min") != 0.0 {
		t.Errorf("hour 0 after a late reading: %v", o)
	}
	// a query the roll-ups cannot answer (a condition) sees the readings only
	rows, err = st.Select(t.Context(), Query{Topic: "keep/a", Interval: hour, Field: "t", Where: []Cond{{Field: "h", Op: "=", Value: 1.0}}})
	if err != nil || len(rows) != 2 {
		t.Errorf("with a condition: %d buckets (%v), want 2", len(rows), err)
	}
}

func TestParseRollupRule(t *testing.T) {
	r, err := ParseRollupRule("s/#", "7d", "12w", "2y")
	if err != nil || r.Raw != 7*24*time.Hour || r.Minute != 12*7*24*time.Hour || r.Hour != 2*365*24*time.Hour {
		t.Errorf("got %+v, %v", r, err)
	}
	if r, err := ParseRollupRule("#", "36h", "", "1.5d"); err != nil || r.Raw != 36*time.Hour || r.Minute != 0 || r.Hour != 36*time.Hour {
		t.Errorf("got %+v, %v", r, err)
	}
	if _, err := ParseRollupRule("", "7x", "-1d", ""); err == nil || err.Error() != "raw: invalid duration \"7x\": use a number and ms, s, m, h, d, w or y\nminute: invalid duration \"-1d\"\ntopic: no topic filter (use # for every topic)" {
		t.Errorf("bad rule: %v", err)
	}
}
