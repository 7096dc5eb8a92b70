package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// StoreFile is the time-series store's file in the data directory.
const StoreFile = "timeseries.db"

// schema is the time-series store: one row per reading, the payload as
// JSON text, the time in milliseconds since the epoch. AUTOINCREMENT keeps
// ids of deleted readings from being reused.
const schema = `
CREATE TABLE IF NOT EXISTS readings (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	topic   TEXT    NOT NULL,
	payload TEXT    NOT NULL,
	ts      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS readings_topic_ts ON readings (topic, ts);
CREATE INDEX IF NOT EXISTS readings_ts ON readings (ts);
`

// Reading is one stored value.
type Reading struct {
	ID      int64  `json:"id"`
	Topic   string `json:"topic"`
	Payload any    `json:"payload"`
	TS      int64  `json:"ts"` // milliseconds since the epoch
}

// Store is the time-series store of one database file.
type Store struct {
	db *DB
}

// Store returns the time-series store of db, creating its tables once.
func (db *DB) Store(ctx context.Context) (*Store, error) {
	db.tsMu.Lock()
	defer db.tsMu.Unlock()
	if db.ts != nil {
		return db.ts, nil
	}
	if _, err := db.W.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("time-series store %s: %w", db.Path, err)
	}
	db.ts = &Store{db: db}
	return db.ts, nil
}

// AcquireStore opens (or shares) the time-series store of the data directory.
func (p *DBs) AcquireStore(ctx context.Context) (*DB, *Store, error) {
	db, err := p.Acquire(ctx, StoreFile, ModeReadWriteCreate)
	if err != nil {
		return nil, nil, err
	}
	st, err := db.Store(ctx)
	if err != nil {
		_ = p.Release(db)
		return nil, nil, err
	}
	return db, st, nil
}

// Insert stores readings in one transaction and returns their ids.
func (s *Store) Insert(ctx context.Context, rs []Reading) ([]int64, error) {
	tx, err := s.db.W.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store insert: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO readings (topic, payload, ts) VALUES (?, ?, ?)")
	if err != nil {
		return nil, fmt.Errorf("store insert: %w", err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		text, err := engine.JSONString(r.Payload, "")
		if err != nil {
			return nil, fmt.Errorf("store insert: payload: %w", err)
		}
		res, err := stmt.ExecContext(ctx, r.Topic, text, r.TS)
		if err != nil {
			return nil, fmt.Errorf("store insert: %w", err)
		}
		ids[i], _ = res.LastInsertId()
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store insert: commit: %w", err)
	}
	return ids, nil
}

// Cond is a condition on a payload field: field is a path into the JSON
// payload ("temp", "a.b", "list[0]"; "" is the payload itself), op one of
// = != < <= > >=.
type Cond struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value"`
}

// Query selects readings. Zero fields do not filter.
type Query struct {
	ID    int64  // one reading
	Topic string // an MQTT topic filter: + one level, # the rest
	From  int64  // ts >= From (ms); 0: no bound
	To    int64  // ts < To (ms); 0: no bound
	Where []Cond
	// Limit and Offset page the result; Limit 0 means DefaultLimit.
	Limit, Offset int
	// Desc orders by time, newest first.
	Desc bool
	// Interval > 0 aggregates per topic into buckets of Interval ms: rows
	// {topic, ts (bucket start), count, min, max, avg} of the numeric
	// payload field Field.
	Interval int64
	Field    string
}

// Query limits.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

var fieldRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$`)

func jsonPath(field string) (string, error) {
	if field == "" {
		return "$", nil
	}
	if !fieldRe.MatchString(field) {
		return "", fmt.Errorf("invalid payload field %q", field)
	}
	return "$." + field, nil
}

// where builds the WHERE clause of q (without aggregation options).
func (q *Query) where() (string, []any, error) {
	var conds []string
	var args []any
	if q.ID != 0 {
		conds = append(conds, "id = ?")
		args = append(args, q.ID)
	}
	if q.Topic != "" && q.Topic != "#" {
		i := strings.IndexAny(q.Topic, "+#")
		if i < 0 {
			conds = append(conds, "topic = ?")
			args = append(args, q.Topic)
		} else {
			if prefix := q.Topic[:i]; prefix != "" {
				conds = append(conds, "topic >= ? AND topic < ?")
				args = append(args, prefix, prefix+"\xff")
			}
			conds = append(conds, "mqtt_match(?, topic)")
			args = append(args, q.Topic)
		}
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
		path, err := jsonPath(c.Field)
		if err != nil {
			return "", nil, err
		}
		switch c.Op {
		case "=", "!=", "<", "<=", ">", ">=":
		case "==":
			c.Op = "="
		default:
			return "", nil, fmt.Errorf("invalid operator %q: use = != < <= > >=", c.Op)
		}
		v := c.Value
		if b, ok := v.(bool); ok {
			v = bindValue(b)
		}
		conds = append(conds, "json_extract(payload, ?) "+c.Op+" ?")
		args = append(args, path, v)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

func (q *Query) page() (limit, offset int) {
	limit = q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit), max(q.Offset, 0)
}

// Select returns the readings (or aggregation buckets) q selects, as
// message values.
func (s *Store) Select(ctx context.Context, q Query) ([]any, error) {
	where, args, err := q.where()
	if err != nil {
		return nil, err
	}
	order := "ASC"
	if q.Desc {
		order = "DESC"
	}
	limit, offset := q.page()
	if q.Interval > 0 {
		path, err := jsonPath(q.Field)
		if err != nil {
			return nil, err
		}
		stmt := "SELECT topic, (ts / ?) * ? AS ts, count(v) AS count, min(v) AS min, max(v) AS max, avg(v) AS avg" +
			" FROM (SELECT topic, ts, json_extract(payload, ?) AS v FROM readings" + where + ")" +
			" WHERE typeof(v) IN ('integer', 'real') GROUP BY topic, 2 ORDER BY 2 " + order + ", topic LIMIT ? OFFSET ?"
		all := append([]any{q.Interval, q.Interval, path}, args...)
		return queryRows(ctx, s.db.R, stmt, append(all, limit, offset)...)
	}
	stmt := "SELECT id, topic, payload, ts FROM readings" + where +
		" ORDER BY ts " + order + ", id " + order + " LIMIT ? OFFSET ?"
	rows, err := s.db.R.QueryContext(ctx, stmt, append(args, limit, offset)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []any{}
	for rows.Next() {
		var (
			id, ts       int64
			topic, ptext string
		)
		if err := rows.Scan(&id, &topic, &ptext, &ts); err != nil {
			return nil, err
		}
		payload, err := engine.DecodeJSON([]byte(ptext))
		if err != nil {
			payload = ptext
		}
		list = append(list, engine.ObjectOf("id", float64(id), "topic", topic, "payload", payload, "ts", float64(ts)))
	}
	return list, rows.Err()
}

// ErrNoCondition refuses a delete that would empty the store.
var ErrNoCondition = errors.New("no condition: refusing to delete every reading")

// Delete removes the readings q selects (Limit, Offset and aggregation are
// ignored) and returns how many; a query without any condition is refused.
func (s *Store) Delete(ctx context.Context, q Query) (int64, error) {
	q.Interval = 0
	where, args, err := q.where()
	if err != nil {
		return 0, err
	}
	if where == "" {
		return 0, ErrNoCondition
	}
	res, err := s.db.W.ExecContext(ctx, "DELETE FROM readings"+where, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Retention bounds what the store keeps.
type Retention struct {
	MaxAge  time.Duration // 0: no age limit
	MaxRows int           // per topic; 0: no limit
}

// Trim applies r at time now and returns how many readings it removed.
func (s *Store) Trim(ctx context.Context, r Retention, now time.Time) (int64, error) {
	var removed int64
	if r.MaxAge > 0 {
		res, err := s.db.W.ExecContext(ctx, "DELETE FROM readings WHERE ts < ?", now.Add(-r.MaxAge).UnixMilli())
		if err != nil {
			return 0, fmt.Errorf("retention: %w", err)
		}
		n, _ := res.RowsAffected()
		removed += n
	}
	if r.MaxRows > 0 {
		topics, err := s.overfull(ctx, r.MaxRows)
		if err != nil {
			return removed, fmt.Errorf("retention: %w", err)
		}
		for _, t := range topics {
			res, err := s.db.W.ExecContext(ctx, "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE topic = ? ORDER BY ts DESC, id DESC LIMIT -1 OFFSET ?)", t, r.MaxRows)
			if err != nil {
				return removed, fmt.Errorf("retention: %w", err)
			}
			n, _ := res.RowsAffected()
			removed += n
		}
	}
	return removed, nil
}

// overfull returns the topics with more than max readings.
func (s *Store) overfull(ctx context.Context, max int) ([]string, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT topic FROM readings GROUP BY topic HAVING count(*) > ?", max)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var topics []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		topics = append(topics, t)
	}
	return topics, rows.Err()
}

// ParseQuery reads a query from a message or JSON object: id, topic, from,
// to (ms numbers or ISO 8601 text), where [{field, op, value}], limit,
// offset, order ("asc"/"desc"), interval (ms) and field.
func ParseQuery(m *engine.Object, q *Query) error {
	var errs []error
	num := func(k string) (float64, bool) {
		v, ok := m.Get(k)
		if !ok || v == nil || v == "" {
			return 0, false
		}
		f := engine.ToNumber(v)
		if math.IsNaN(f) {
			errs = append(errs, fmt.Errorf("%s: not a number: %v", k, v))
			return 0, false
		}
		return f, true
	}
	when := func(k string) (int64, bool) {
		if s, ok := m.Value(k).(string); ok && s != "" {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.UnixMilli(), true
			}
		}
		f, ok := num(k)
		return int64(f), ok
	}
	if f, ok := num("id"); ok {
		q.ID = int64(f)
	}
	if v, ok := m.Get("topic"); ok {
		t, isStr := v.(string)
		if !isStr {
			errs = append(errs, errors.New("topic: must be a string"))
		}
		q.Topic = t
	}
	if t, ok := when("from"); ok {
		q.From = t
	}
	if t, ok := when("to"); ok {
		q.To = t
	}
	if f, ok := num("limit"); ok {
		q.Limit = int(f)
	}
	if f, ok := num("offset"); ok {
		q.Offset = int(f)
	}
	if f, ok := num("interval"); ok {
		q.Interval = int64(f)
	}
	if v, ok := m.Value("field").(string); ok {
		q.Field = v
	}
	switch m.Value("order") {
	case nil:
	case "asc", "ASC":
		q.Desc = false
	case "desc", "DESC":
		q.Desc = true
	default:
		errs = append(errs, fmt.Errorf("order: must be asc or desc, got %v", m.Value("order")))
	}
	if w, ok := m.Get("where"); ok && w != nil {
		list, isList := w.([]any)
		if !isList {
			errs = append(errs, errors.New("where: must be a list of {field, op, value}"))
		}
		for _, e := range list {
			c, _ := engine.AsObject(e)
			field, _ := c.Value("field").(string)
			op, _ := c.Value("op").(string)
			if op == "" {
				op = "="
			}
			q.Where = append(q.Where, Cond{Field: field, Op: op, Value: c.Value("value")})
		}
	}
	return errors.Join(errs...)
}
