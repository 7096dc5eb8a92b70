package storage

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// The chunked store must answer every query as the row-per-reading store
// did. The oracle is that store's SQL (one row per reading, payload as
// JSON text, conditions by json_extract), run on a real SQLite file
// holding the same readings.

const oracleSchema = `
CREATE TABLE readings (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	topic   TEXT    NOT NULL,
	payload TEXT    NOT NULL,
	ts      INTEGER NOT NULL
);
CREATE INDEX readings_topic_ts ON readings (topic, ts);
`

type oracle struct {
	t  *testing.T
	db *DB
}

func newOracle(t *testing.T) *oracle {
	dbs := NewDBs(t.TempDir())
	db, err := dbs.Acquire(t.Context(), "oracle.db", ModeReadWriteCreate)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dbs.Release(db) })
	if _, err := db.W.Exec(oracleSchema); err != nil {
		t.Fatal(err)
	}
	return &oracle{t, db}
}

func (o *oracle) insert(ids []int64, rs []Reading) {
	for i, r := range rs {
		text, err := engine.JSONString(r.Payload, "")
		if err != nil {
			o.t.Fatal(err)
		}
		if _, err := o.db.W.Exec("INSERT INTO readings (id, topic, payload, ts) VALUES (?, ?, ?, ?)", ids[i], r.Topic, text, r.TS); err != nil {
			o.t.Fatal(err)
		}
	}
}

// where is the row store's WHERE clause.
func (o *oracle) where(q Query) (string, []any) {
	var conds []string
	var args []any
	if q.ID != 0 {
		conds = append(conds, "id = ?")
		args = append(args, q.ID)
	}
	if q.Topic != "" && q.Topic != "#" {
		if strings.ContainsAny(q.Topic, "+#") {
			conds = append(conds, "mqtt_match(?, topic)")
		} else {
			conds = append(conds, "topic = ?")
		}
		args = append(args, q.Topic)
	}
	if q.From != 0 {
		conds = append(conds, "ts >= ?")
		args = append(args, q.From)
	}
	if q.To != 0 {
		conds = append(conds, "ts < ?")
		args = append(args, q.To)
	}
	for _, c := range q.Where {
		path, _ := jsonPath(c.Field)
		v := c.Value
		if b, ok := v.(bool); ok {
			v = bindValue(b)
		}
		conds = append(conds, "json_extract(payload, ?) "+c.Op+" ?")
		args = append(args, path, v)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func (o *oracle) selectRows(q Query) []any {
	where, args := o.where(q)
	order := "ASC"
	if q.Desc {
		order = "DESC"
	}
	limit, offset := q.page()
	var stmt string
	if q.Interval > 0 {
		path, _ := jsonPath(q.Field)
		stmt = "SELECT topic, (ts / ?) * ? AS ts, count(v) AS count, min(v) AS min, max(v) AS max, avg(v) AS avg" +
			" FROM (SELECT topic, ts, json_extract(payload, ?) AS v FROM readings" + where + ")" +
			" WHERE typeof(v) IN ('integer', 'real') GROUP BY topic, 2 ORDER BY 2 " + order + ", topic LIMIT ? OFFSET ?"
		args = append([]any{q.Interval, q.Interval, path}, args...)
	} else {
		stmt = "SELECT id, topic, json(payload) AS payload, ts FROM readings" + where + " ORDER BY ts " + order + ", id " + order + " LIMIT ? OFFSET ?"
	}
	rows, err := queryRows(context.Background(), o.db.R, stmt, append(args, limit, offset)...)
	if err != nil {
		o.t.Fatalf("oracle %+v: %v", q, err)
	}
	if q.Interval == 0 {
		for _, r := range rows {
			m := r.(*engine.Object)
			p, err := engine.DecodeJSON([]byte(m.Value("payload").(string)))
			if err != nil {
				o.t.Fatal(err)
			}
			m.Set("payload", p)
		}
	}
	return rows
}

func (o *oracle) delete(q Query) int64 {
	where, args := o.where(q)
	res, err := o.db.W.Exec("DELETE FROM readings"+where, args...)
	if err != nil {
		o.t.Fatal(err)
	}
	n, _ := res.RowsAffected()
	return n
}

// canon writes rows as JSON with averages to 12 significant digits (the
// two stores sum in different orders).
func canon(rows []any) string {
	var b strings.Builder
	for _, r := range rows {
		m := r.(*engine.Object)
		if avg, ok := m.Value("avg").(float64); ok {
			m = m.ShallowClone()
			m.Set("avg", fmt.Sprintf("%.12g", avg))
		}
		s, _ := engine.JSONString(m, "")
		b.WriteString(s + "\n")
	}
	return b.String()
}

var oracleTopics = []string{"site/a/temp", "site/b/temp", "site/a/hum", "other", "site/a/deep/x"}

func randomPayload(rng *rand.Rand) any {
	switch rng.IntN(10) {
	case 0:
		return float64(rng.IntN(100)) / 4
	case 1:
		return []string{"text", "on", "off"}[rng.IntN(3)]
	case 2:
		return rng.IntN(2) == 0
	case 3:
		return engine.ObjectOf("a", engine.ObjectOf("b", float64(rng.IntN(3))), "list", []any{1.0, float64(rng.IntN(4))}, "t", float64(rng.IntN(300))/10)
	case 4:
		return engine.ObjectOf("t", float64(rng.IntN(300))/10, "s", "text", "ok", rng.IntN(2) == 0, "n", nil)
	case 5:
		return engine.ObjectOf("t", rng.NormFloat64()*1e3, "h", float64(rng.IntN(60)))
	case 6:
		return nil
	}
	return engine.ObjectOf("t", 15+float64(rng.IntN(200))/10, "h", float64(40+rng.IntN(30)))
}

func randomQuery(rng *rand.Rand, t0, span int64) Query {
	q := Query{Limit: []int{0, 5, 50, MaxLimit}[rng.IntN(4)]}
	q.Topic = []string{"", "#", "site/+/temp", "site/a/#", "other", "site/a/temp", "nothing"}[rng.IntN(7)]
	if rng.IntN(2) == 0 {
		q.From = t0 + rng.Int64N(span)
	}
	if rng.IntN(2) == 0 {
		q.To = t0 + rng.Int64N(span+Window)
	}
	if rng.IntN(4) == 0 {
		q.Offset = rng.IntN(20)
	}
	q.Desc = rng.IntN(2) == 0
	conds := []Cond{
		{Field: "t", Op: ">", Value: 20.0}, {Field: "h", Op: "<=", Value: 50.0}, {Field: "s", Op: "=", Value: "text"},
		{Field: "", Op: "=", Value: "on"}, {Field: "", Op: ">=", Value: 10.0}, {Field: "a.b", Op: "=", Value: 1.0},
		{Field: "list[1]", Op: "!=", Value: 2.0}, {Field: "ok", Op: "=", Value: true}, {Field: "", Op: "=", Value: false},
		{Field: "t", Op: "<", Value: "x"}, {Field: "n", Op: "=", Value: nil},
	}
	for range rng.IntN(3) {
		q.Where = append(q.Where, conds[rng.IntN(len(conds))])
	}
	if rng.IntN(2) == 0 {
		q.Interval = []int64{60000, 90000, 600000, 3600000, 7200000}[rng.IntN(5)]
		q.Field = []string{"t", "h", "", "a.b", "ok"}[rng.IntN(5)]
		if rng.IntN(2) == 0 {
			q.Where = nil // roll-ups can answer it
		}
	}
	return q
}

func TestStoreAnswersAsTheRowStore(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 22))
			dir := t.TempDir()
			dbs := NewDBs(dir)
			db, st, err := dbs.AcquireStore(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = dbs.Release(db) }()
			o := newOracle(t)
			t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
			span := int64(3 * time.Hour / time.Millisecond)
			st.now = func() time.Time { return time.UnixMilli(t0 + span + Window) }
			clock := t0
			for range 60 {
				var rs []Reading
				for range 1 + rng.IntN(80) {
					ts := clock + rng.Int64N(40000)
					if rng.IntN(15) == 0 {
						ts = t0 + rng.Int64N(max(1, clock-t0)) // late
					}
					rs = append(rs, Reading{Topic: oracleTopics[rng.IntN(len(oracleTopics))], Payload: randomPayload(rng), TS: ts})
				}
				clock += span / 60
				ids, err := st.Insert(t.Context(), rs)
				if err != nil {
					t.Fatal(err)
				}
				o.insert(ids, rs)
			}
			if st.sealed <= t0 {
				t.Fatalf("nothing sealed (mark %d)", st.sealed)
			}
			check := func(stage string, st *Store) {
				t.Helper()
				for i := range 150 {
					q := randomQuery(rng, t0, span)
					got, err := st.Select(t.Context(), q)
					if err != nil {
						t.Fatalf("%s: query %d %+v: %v", stage, i, q, err)
					}
					if g, w := canon(got), canon(o.selectRows(q)); g != w {
						t.Fatalf("%s: query %d %+v:\ngot:\n%s\nwant:\n%s", stage, i, q, g, w)
					}
				}
				checkTopics(t, stage, st, o)
				for range 20 {
					q := randomQuery(rng, t0, span)
					q.Interval, q.Field, q.Offset = 0, "", 0
					checkAfter(t, stage, st, o, q, 1+rng.IntN(40))
				}
				for _, id := range []int64{1, 7, 100, 1000} {
					got, _ := st.Select(t.Context(), Query{ID: id})
					if g, w := canon(got), canon(o.selectRows(Query{ID: id})); g != w {
						t.Fatalf("%s: id %d: got %s want %s", stage, id, g, w)
					}
				}
			}
			check("inserted", st)
			for i := range 8 {
				q := randomQuery(rng, t0, span)
				q.Interval, q.Field, q.Limit, q.Offset = 0, "", 0, 0
				if i%3 == 0 {
					q = Query{ID: 1 + rng.Int64N(1000)}
				}
				if q.ID == 0 && (q.Topic == "" || q.Topic == "#") && q.From == 0 && q.To == 0 && len(q.Where) == 0 {
					continue
				}
				n, err := st.Delete(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				if want := o.delete(q); n != want {
					t.Fatalf("delete %+v: %d, want %d", q, n, want)
				}
			}
			check("deleted", st)
			// a fresh open replays the write-ahead table
			_ = dbs.Release(db)
			dbs2 := NewDBs(dir)
			db, st, err = dbs2.AcquireStore(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			dbs = dbs2
			check("reopened", st)
		})
	}
}

func TestColumnCodecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ints := [][]int64{{5}, {0, 0, 0}, {math.MaxInt64, math.MinInt64, 0, -1, 1}, {1, 1000, 2000, 3000, 4001, 3999}}
	var r []int64
	for range 1000 {
		r = append(r, rng.Int64()>>rng.IntN(64))
	}
	ints = append(ints, r)
	for _, vals := range ints {
		for _, order := range []int{1, 2} {
			got, err := readInts(appendInts(nil, vals, order), len(vals), order, nil)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(vals) {
				t.Errorf("ints order %d: %v, %v want %v", order, err, got, vals)
			}
		}
	}
	floats := [][]float64{{21.5, 21.6, 21.4, 21.5}, {0, math.Copysign(0, -1), 1}, {math.NaN(), math.Inf(1), math.Inf(-1), 1e300, 5e-324},
		{40, 41, 40, 1 << 60}, {0.1, 0.2, 0.30000000000000004}}
	var fr []float64
	for range 1000 {
		fr = append(fr, math.Float64frombits(rng.Uint64()))
	}
	floats = append(floats, fr)
	for _, vals := range floats {
		got, err := readFloats(appendFloats(nil, vals), len(vals), nil)
		if err != nil || len(got) != len(vals) {
			t.Fatalf("floats %v: %v %v", vals, got, err)
		}
		for i := range vals {
			if math.Float64bits(got[i]) != math.Float64bits(vals[i]) {
				t.Errorf("floats: value %d: %v, want %v", i, got[i], vals[i])
			}
		}
	}
	if _, err := decodeChunk([]byte{5, 1, 1, 'N', 200}, nil, nil); err == nil {
		t.Error("a truncated chunk decodes")
	}
}
