package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// Roll-ups: every sealed chunk's numeric top-level payload fields (a bare
// number is field "") summed up per minute and per hour. Interval queries
// whose interval is a whole number of minutes read them instead of the
// readings for the sealed part of their range, so a month of hourly
// buckets reads 720 rows; they also outlive the readings (RollupRule).

const rollupSchema = `
CREATE TABLE IF NOT EXISTS ts_rollup (
	topic TEXT    NOT NULL,
	field TEXT    NOT NULL,
	res   INTEGER NOT NULL,
	b     INTEGER NOT NULL,
	count INTEGER NOT NULL,
	min   REAL    NOT NULL,
	max   REAL    NOT NULL,
	sum   REAL    NOT NULL,
	PRIMARY KEY (topic, res, b, field)
) WITHOUT ROWID;
`

// Roll-up resolutions (ms).
const (
	rollMinute = int64(time.Minute / time.Millisecond)
	rollHour   = int64(time.Hour / time.Millisecond)
)

// RollupRule is how long the store keeps what a topic filter matches:
// its readings (Raw), its per-minute roll-ups (Minute) and its per-hour
// roll-ups (Hour); zero keeps them for ever.
type RollupRule struct {
	Topic  string        `yaml:"topic" json:"topic"`
	Raw    time.Duration `yaml:"raw" json:"raw"`
	Minute time.Duration `yaml:"minute" json:"minute"`
	Hour   time.Duration `yaml:"hour" json:"hour"`
}

// RollupConfig is the store's retention rules; the first rule whose topic
// filter matches a topic applies to it.
type RollupConfig []RollupRule

// SetRollups sets the retention rules of the time-series stores opened
// from now on (the runtime's timeseries setting).
func (p *DBs) SetRollups(c RollupConfig) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rollups = slices.Clone(c)
}

// addRollups adds recs of topic to the minute and hour roll-ups.
func (s *Store) addRollups(ctx context.Context, tx *sql.Tx, topic string, recs []rec) error {
	for _, res := range []int64{rollMinute, rollHour} {
		keys, aggs := aggregateRecs(recs, res)
		for _, k := range keys {
			a := aggs[k]
			_, err := tx.ExecContext(ctx, `INSERT INTO ts_rollup (topic, field, res, b, count, min, max, sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (topic, res, b, field) DO UPDATE SET count = count + excluded.count,
				min = min(min, excluded.min), max = max(max, excluded.max), sum = sum + excluded.sum`,
				topic, k.field, res, k.b, a.count, a.min, a.max, a.sum+a.sumComp)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

type rollKey struct {
	field string
	b     int64
}

// aggregateRecs sums recs up per numeric top-level field and bucket of res.
func aggregateRecs(recs []rec, res int64) ([]rollKey, map[rollKey]*agg) {
	aggs := map[rollKey]*agg{}
	var keys []rollKey
	add := func(field string, ts int64, v float64) {
		k := rollKey{field, ts / res * res}
		a := aggs[k]
		if a == nil {
			a = &agg{}
			aggs[k] = a
			keys = append(keys, k)
		}
		a.add(v)
	}
	for _, r := range recs {
		switch p := r.p.(type) {
		case *engine.Object:
			for i := range p.Len() {
				k, v := p.At(i)
				if f, ok := numberAt(v, nil); ok {
					add(k, r.ts, f)
				}
			}
		default:
			if f, ok := numberAt(p, nil); ok {
				add("", r.ts, f)
			}
		}
	}
	return keys, aggs
}

// rollupWindow rewrites the minute roll-ups of topic's window w from its
// readings recs, and the roll-ups of the hour holding w from its minutes.
func (s *Store) rollupWindow(ctx context.Context, tx *sql.Tx, topic string, w int64, recs []rec) error {
	if s.keepRollups {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM ts_rollup WHERE topic = ? AND res = ? AND b >= ? AND b < ?", topic, rollMinute, w, w+Window); err != nil {
		return err
	}
	keys, aggs := aggregateRecs(recs, rollMinute)
	for _, k := range keys {
		a := aggs[k]
		if _, err := tx.ExecContext(ctx, "INSERT INTO ts_rollup (topic, field, res, b, count, min, max, sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			topic, k.field, rollMinute, k.b, a.count, a.min, a.max, a.sum+a.sumComp); err != nil {
			return err
		}
	}
	h := w / rollHour * rollHour
	if _, err := tx.ExecContext(ctx, "DELETE FROM ts_rollup WHERE topic = ? AND res = ? AND b = ?", topic, rollHour, h); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ts_rollup (topic, field, res, b, count, min, max, sum)
		SELECT topic, field, ?, ?, sum(count), min(min), max(max), sum(sum) FROM ts_rollup
		WHERE topic = ? AND res = ? AND b >= ? AND b < ? GROUP BY field`,
		rollHour, h, topic, rollMinute, h, h+rollHour)
	return err
}

// rollupPlan is how an interval query splits: roll-ups of resolution res
// for [from, to), filters for the readings outside.
type rollupPlan struct {
	res, from, to int64
	raw           []*filter
}

// rollupPlan returns the plan of f when its roll-ups can answer part of it:
// no conditions, a top-level field, an interval of whole minutes and a
// range with whole roll-up buckets of sealed windows.
func (s *Store) rollupPlan(f *filter) (rollupPlan, bool) {
	q := f.q
	if len(f.conds) > 0 || q.ID != 0 || strings.ContainsAny(q.Field, ".[") || q.Interval%rollMinute != 0 || q.From < 0 || s.sealed <= 0 {
		return rollupPlan{}, false
	}
	p := rollupPlan{res: rollMinute}
	if q.Interval%rollHour == 0 {
		p.res = rollHour
	}
	p.from = (q.From + p.res - 1) / p.res * p.res
	end := s.sealed
	if q.To != 0 {
		end = min(end, q.To)
	}
	p.to = end / p.res * p.res
	if p.from >= p.to {
		return rollupPlan{}, false
	}
	if q.From < p.from {
		before := *f
		before.q.To = p.from
		p.raw = append(p.raw, &before)
	}
	after := *f
	after.q.From = p.to
	p.raw = append(p.raw, &after)
	return p, true
}

// readRollups calls fn with each roll-up row of the plan's range that f's
// topic filter matches.
func (s *Store) readRollups(ctx context.Context, f *filter, p rollupPlan, fn func(topic string, b, n int64, lo, hi, sum float64)) error {
	stmt := "SELECT topic, b, count, min, max, sum FROM ts_rollup WHERE field = ? AND res = ? AND b >= ? AND b < ?"
	args := []any{f.q.Field, p.res, p.from, p.to}
	if t := f.q.Topic; t != "" && t != "#" {
		if i := strings.IndexAny(t, "+#"); i < 0 {
			stmt += " AND topic = ?"
			args = append(args, t)
		} else if prefix := t[:i]; prefix != "" {
			stmt += " AND topic >= ? AND topic < ?"
			args = append(args, prefix, prefix+"\xff")
		}
	}
	rows, err := s.db.R.QueryContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var topic string
		var b, n int64
		var lo, hi, sum float64
		if err := rows.Scan(&topic, &b, &n, &lo, &hi, &sum); err != nil {
			return err
		}
		if f.topics == nil || f.topics(topic) {
			fn(topic, b, n, lo, hi, sum)
		}
	}
	return rows.Err()
}

// applyRules deletes, in tx, what the retention rules no longer keep at
// now: whole chunks past Raw (their roll-ups stay), minute and hour
// roll-ups past Minute and Hour.
func (s *Store) applyRules(ctx context.Context, tx *sql.Tx, now time.Time) error {
	var earlier []string
	for _, r := range s.rollups {
		match := "1"
		var args []any
		if r.Topic != "" && r.Topic != "#" {
			match = "mqtt_match(?, topic)"
			args = append(args, r.Topic)
		}
		for _, e := range earlier {
			match += " AND NOT mqtt_match(?, topic)"
			args = append(args, e)
		}
		earlier = append(earlier, r.Topic)
		if r.Raw > 0 {
			cut := now.Add(-r.Raw).UnixMilli()
			if _, err := tx.ExecContext(ctx, "DELETE FROM ts_chunks WHERE w <= ? AND "+match, append([]any{cut - Window}, args...)...); err != nil {
				return fmt.Errorf("raw retention of %s: %w", r.Topic, err)
			}
		}
		for _, x := range []struct {
			keep time.Duration
			res  int64
		}{{r.Minute, rollMinute}, {r.Hour, rollHour}} {
			if x.keep <= 0 {
				continue
			}
			cut := now.Add(-x.keep).UnixMilli()
			if _, err := tx.ExecContext(ctx, "DELETE FROM ts_rollup WHERE res = ? AND b <= ? AND "+match, append([]any{x.res, cut - x.res}, args...)...); err != nil {
				return fmt.Errorf("roll-up retention of %s: %w", r.Topic, err)
			}
		}
		if r.Topic == "" || r.Topic == "#" {
			break
		}
	}
	return nil
}

// ParseRollupRule reads a retention rule from text: each duration a
// number and a unit (ms, s, m, h, d, w, y: 365 days) or Go's form
// ("36h"); "" keeps for ever.
func ParseRollupRule(topic, raw, minute, hour string) (RollupRule, error) {
	r := RollupRule{Topic: topic}
	var errs []error
	for _, x := range []struct {
		name string
		text string
		to   *time.Duration
	}{{"raw", raw, &r.Raw}, {"minute", minute, &r.Minute}, {"hour", hour, &r.Hour}} {
		d, err := parseKeep(x.text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", x.name, err))
		}
		*x.to = d
	}
	if topic == "" {
		errs = append(errs, errors.New("topic: no topic filter (use # for every topic)"))
	}
	return r, errors.Join(errs...)
}

func parseKeep(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	units := map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour}
	if u, ok := units[s[len(s)-1:]]; ok {
		n, err := strconv.ParseFloat(s[:len(s)-1], 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n * float64(u)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: use a number and ms, s, m, h, d, w or y", s)
	}
	return d, nil
}
