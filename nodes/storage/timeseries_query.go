package storage

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/engine"
)

// The store's conditions and aggregation, evaluated in Go as SQLite
// evaluated them on the row-per-reading table: json_extract(payload,
// field) compared with the bound value under SQLite's rules (NULL never
// matches, numbers sort before text, booleans are 1 and 0).

// sqlKind orders SQLite's storage classes.
type sqlKind int

const (
	sqlNull sqlKind = iota
	sqlNum
	sqlText
	sqlBlob
)

type sqlVal struct {
	kind sqlKind
	f    float64
	s    string
}

// valueOf is v as json_extract returns it.
func valueOf(v any) sqlVal {
	switch t := v.(type) {
	case nil:
		return sqlVal{}
	case float64:
		return sqlVal{kind: sqlNum, f: t}
	case bool:
		if t {
			return sqlVal{kind: sqlNum, f: 1}
		}
		return sqlVal{kind: sqlNum}
	case string:
		return sqlVal{kind: sqlText, s: t}
	}
	b, err := engine.AppendJSON(nil, v, "")
	if err != nil {
		return sqlVal{}
	}
	return sqlVal{kind: sqlText, s: string(b)}
}

// boundOf is a condition's value as bindValue binds it.
func boundOf(v any) sqlVal {
	switch t := bindValue(v).(type) {
	case nil:
		return sqlVal{}
	case int64:
		return sqlVal{kind: sqlNum, f: float64(t)}
	case float64:
		return sqlVal{kind: sqlNum, f: t}
	case string:
		return sqlVal{kind: sqlText, s: t}
	case []byte:
		return sqlVal{kind: sqlBlob, s: string(t)}
	}
	return sqlVal{}
}

func compareSQL(a, b sqlVal) int {
	if a.kind != b.kind {
		return cmp.Compare(a.kind, b.kind)
	}
	if a.kind == sqlNum {
		return cmp.Compare(a.f, b.f)
	}
	return strings.Compare(a.s, b.s)
}

// pathStep is one step of a payload field: a key or an array index.
type pathStep struct {
	key   string
	index int // -1: key
}

func parsePath(field string) ([]pathStep, error) {
	if _, err := jsonPath(field); err != nil {
		return nil, err
	}
	var steps []pathStep
	for field != "" {
		if field[0] == '[' {
			end := strings.IndexByte(field, ']')
			i, _ := strconv.Atoi(field[1:end])
			steps = append(steps, pathStep{index: i})
			field = field[end+1:]
			continue
		}
		field = strings.TrimPrefix(field, ".")
		end := strings.IndexAny(field, ".[")
		if end < 0 {
			end = len(field)
		}
		steps = append(steps, pathStep{key: field[:end], index: -1})
		field = field[end:]
	}
	return steps, nil
}

// extract follows path into p; ok is false when a step is missing.
func extract(p any, path []pathStep) (any, bool) {
	for _, s := range path {
		if s.index < 0 {
			o, isObj := p.(*engine.Object)
			if !isObj {
				return nil, false
			}
			v, ok := o.Get(s.key)
			if !ok {
				return nil, false
			}
			p = v
			continue
		}
		list, isList := p.([]any)
		if !isList || s.index >= len(list) {
			return nil, false
		}
		p = list[s.index]
	}
	return p, true
}

type cond struct {
	path []pathStep
	op   string
	v    sqlVal
}

func compileCond(c Cond) (cond, error) {
	path, err := parsePath(c.Field)
	if err != nil {
		return cond{}, err
	}
	switch c.Op {
	case "=", "!=", "<", "<=", ">", ">=":
	case "==":
		c.Op = "="
	default:
		return cond{}, fmt.Errorf("invalid operator %q: use = != < <= > >=", c.Op)
	}
	return cond{path: path, op: c.Op, v: boundOf(c.Value)}, nil
}

func (c cond) match(p any) bool {
	v, ok := extract(p, c.path)
	if !ok || c.v.kind == sqlNull {
		return false
	}
	a := valueOf(v)
	if a.kind == sqlNull {
		return false
	}
	r := compareSQL(a, c.v)
	switch c.op {
	case "=":
		return r == 0
	case "!=":
		return r != 0
	case "<":
		return r < 0
	case "<=":
		return r <= 0
	case ">":
		return r > 0
	}
	return r >= 0
}

// numberAt returns the payload field as SQLite aggregates it: numbers and
// booleans (1, 0) count, anything else does not.
func numberAt(p any, path []pathStep) (float64, bool) {
	v, ok := extract(p, path)
	if !ok {
		return 0, false
	}
	switch t := v.(type) {
	case float64:
		return t, true
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// agg is one aggregation bucket; sum is compensated (Kahan-Babuska-
// Neumaier, as SQLite's avg).
type agg struct {
	count        int64
	min, max     float64
	sum, sumComp float64
}

func (a *agg) add(v float64) { a.merge(1, v, v, v) }

func (a *agg) merge(n int64, lo, hi, sum float64) {
	if a.count == 0 {
		a.min, a.max = lo, hi
	} else {
		a.min, a.max = min(a.min, lo), max(a.max, hi)
	}
	a.count += n
	t := a.sum + sum
	if math.Abs(a.sum) >= math.Abs(sum) {
		a.sumComp += (a.sum - t) + sum
	} else {
		a.sumComp += (sum - t) + a.sum
	}
	a.sum = t
}

type bucketKey struct {
	topic string
	ts    int64
}

// aggregate answers an interval query: from the roll-ups where they cover
// whole buckets of sealed windows, from the readings elsewhere.
func (s *Store) aggregate(ctx context.Context, f *filter, limit, offset int) ([]any, error) {
	q := f.q
	path, err := parsePath(q.Field)
	if err != nil {
		return nil, err
	}
	buckets := map[bucketKey]*agg{}
	bucket := func(topic string, ts int64) *agg {
		k := bucketKey{topic, ts / q.Interval * q.Interval}
		a := buckets[k]
		if a == nil {
			a = &agg{}
			buckets[k] = a
		}
		return a
	}
	s.mu.Lock()
	raw := []*filter{f}
	if plan, ok := s.rollupPlan(f); ok {
		if err := s.readRollups(ctx, f, plan, func(topic string, b, n int64, lo, hi, sum float64) {
			bucket(topic, b).merge(n, lo, hi, sum)
		}); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		raw = plan.raw
	}
	for _, rf := range raw {
		err = s.collect(ctx, rf, func(topic string, recs []rec) {
			for _, r := range recs {
				if v, ok := numberAt(r.p, path); ok {
					bucket(topic, r.ts).add(v)
				}
			}
		})
		if err != nil {
			break
		}
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	keys := slices.Collect(func(yield func(bucketKey) bool) {
		for k := range buckets {
			if !yield(k) {
				return
			}
		}
	})
	slices.SortFunc(keys, func(a, b bucketKey) int {
		c := cmp.Compare(a.ts, b.ts)
		if q.Desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.topic, b.topic)
		}
		return c
	})
	if offset >= len(keys) {
		return []any{}, nil
	}
	keys = keys[offset:min(len(keys), offset+limit)]
	list := make([]any, len(keys))
	for i, k := range keys {
		a := buckets[k]
		list[i] = engine.ObjectOf("topic", k.topic, "ts", float64(k.ts), "count", float64(a.count),
			"min", a.min, "max", a.max, "avg", (a.sum+a.sumComp)/float64(a.count))
	}
	return list, nil
}
