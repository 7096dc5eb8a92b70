package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// StoreFile is the time-series store's file in the data directory.
const StoreFile = "timeseries.db"

// schema is the time-series store, in one SQLite file:
//
//   - ts_chunks: the sealed readings, one row per topic per time window
//     (Window ms, aligned; a rowid table, so a chunk's bytes fill its
//     leaf and overflow pages), the readings encoded column by column
//     (tschunk.go): times and ids as deltas of deltas, numbers per payload
//     field as decimal deltas or Gorilla XOR, only the rest as JSON.
//   - ts_log: the write-ahead table. Each insert commits one row holding
//     its readings (encoded the same way, per topic), so a reading is on
//     disk when Insert returns. Once a window is over (plus Grace), its
//     readings move from memory into ts_chunks and the log rows holding
//     nothing newer are deleted, in one transaction.
//   - ts_meta: the next id and the sealed mark (readings before it are
//     all in ts_chunks).
//   - ts_rollup: min/max/sum/count per minute and per hour of each numeric
//     top-level field, written when a window is sealed (rollup.go).
//
// A file of the row-per-reading store (table readings) is migrated into
// chunks when it is opened.
const schema = `
CREATE TABLE IF NOT EXISTS ts_chunks (
	rowid INTEGER PRIMARY KEY,
	topic TEXT    NOT NULL,
	w     INTEGER NOT NULL,
	n     INTEGER NOT NULL,
	id0   INTEGER NOT NULL,
	id1   INTEGER NOT NULL,
	data  BLOB    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ts_chunks_topic_w ON ts_chunks (topic, w);
CREATE INDEX IF NOT EXISTS ts_chunks_w ON ts_chunks (w);
CREATE INDEX IF NOT EXISTS ts_chunks_id ON ts_chunks (id1, id0);
CREATE TABLE IF NOT EXISTS ts_log (
	seq  INTEGER PRIMARY KEY,
	tmax INTEGER NOT NULL,
	data BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS ts_meta (
	k TEXT PRIMARY KEY,
	v INTEGER NOT NULL
) WITHOUT ROWID;
` + rollupSchema

// Window is the time span of one chunk (ms): readings of one topic in one
// aligned window share a row. An hour of one reading a second is ~8 KiB
// for two fields; the open hour stays in memory encoded (~4 B a reading).
const Window = int64(time.Hour / time.Millisecond)

// Grace is how long after a window ends (by the newest reading's time,
// never later than the clock) it stays open for late readings before it
// is sealed. A reading older than the sealed mark still goes in: its
// chunk is rewritten.
const Grace = int64(time.Minute / time.Millisecond)

// MaxOpen bounds the readings kept open (in memory, ~4 B each, and in
// the write-ahead table) when readings come stamped later than the clock.
const MaxOpen = 4 << 20

// Reading is one stored value.
type Reading struct {
	ID      int64  `json:"id"`
	Topic   string `json:"topic"`
	Payload any    `json:"payload"`
	TS      int64  `json:"ts"` // milliseconds since the epoch
}

// Store is the time-series store of one database file. Its methods are
// safe for concurrent use.
type Store struct {
	db      *DB
	now     func() time.Time
	rollups RollupConfig

	mu     sync.Mutex // guards the fields below; held by every write and read
	nextID int64
	sealed int64                // readings with ts < sealed are in ts_chunks
	open   map[string][]openSeg // per topic, readings not yet sealed
	maxTS  int64                // newest reading time seen
	loaded bool                 // the log has been replayed
	openN  int                  // readings in open
	// keepRollups: chunks are being trimmed, their roll-ups stay
	keepRollups bool
	// stats is each topic's newest reading and count (Topics);
	// staleStats: raw retention dropped chunks, rebuild before use
	stats      map[string]*topicStat
	staleStats bool
	// notify, when set, is told of the readings each insert committed
	notify Notifier
}

// openSeg is a run of one topic's open readings, kept encoded as a chunk.
type openSeg struct {
	b                      []byte
	n                      int
	minTS, maxTS, id0, id1 int64
	level                  int // merged from mergeSegs^level batches
}

func newSeg(recs []rec) openSeg { return segOf(columnsOf(recs)) }

func segOf(c *columns) openSeg {
	s := openSeg{b: c.encode(nil), n: len(c.ts), minTS: math.MaxInt64, maxTS: math.MinInt64, id0: math.MaxInt64, id1: math.MinInt64}
	for i, ts := range c.ts {
		s.minTS, s.maxTS = min(s.minTS, ts), max(s.maxTS, ts)
		s.id0, s.id1 = min(s.id0, c.ids[i]), max(s.id1, c.ids[i])
	}
	return s
}

// Store returns the time-series store of db, creating its tables, and
// migrating a row-per-reading table, once.
func (db *DB) Store(ctx context.Context) (*Store, error) {
	db.tsMu.Lock()
	defer db.tsMu.Unlock()
	if db.ts != nil {
		return db.ts, nil
	}
	st := &Store{db: db, now: time.Now, open: map[string][]openSeg{}, rollups: db.rollups, stats: map[string]*topicStat{}, notify: db.notify}
	if err := st.load(ctx); err != nil {
		return nil, fmt.Errorf("time-series store %s: %w", db.Path, err)
	}
	db.ts = st
	return st, nil
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

// load creates the tables, migrates an old readings table and replays the
// write-ahead table into memory.
func (s *Store) load(ctx context.Context) error {
	if _, err := s.db.W.ExecContext(ctx, schema); err != nil {
		return err
	}
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("migrating readings: %w", err)
	}
	for _, kv := range []struct {
		k string
		v *int64
	}{{"next_id", &s.nextID}, {"sealed", &s.sealed}} {
		err := s.db.W.QueryRowContext(ctx, "SELECT v FROM ts_meta WHERE k = ?", kv.k).Scan(kv.v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if s.nextID == 0 {
		s.nextID = 1
	}
	if s.sealed == 0 {
		s.sealed = math.MinInt64
	}
	rows, err := s.db.W.QueryContext(ctx, "SELECT data FROM ts_log ORDER BY seq")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		err := decodeBatch(b, func(topic string, recs []rec) error {
			recs = slices.DeleteFunc(recs, func(r rec) bool { return r.ts < s.sealed })
			if len(recs) > 0 {
				s.addOpen(topic, recs)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("write-ahead table: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	return s.rebuildStats(ctx)
}

// mergeSegs open segments of one level merge into one of the next level
// (in memory, column by column), so a topic's open hour is a few segments
// and each reading is re-encoded about log8(batches an hour) times.
const mergeSegs = 8

func (s *Store) addOpen(topic string, recs []rec) {
	segs := append(s.open[topic], newSeg(recs))
	for len(segs) >= mergeSegs {
		tail := segs[len(segs)-mergeSegs:]
		level := tail[0].level
		if slices.ContainsFunc(tail, func(sg openSeg) bool { return sg.level != level }) {
			break
		}
		c, err := decodeColumns(tail[0].b)
		for _, sg := range tail[1:] {
			if err != nil {
				break
			}
			var d *columns
			if d, err = decodeColumns(sg.b); err == nil {
				c.append(d)
			}
		}
		if err != nil {
			break
		}
		merged := segOf(c)
		merged.level = level + 1
		segs = append(segs[:len(segs)-mergeSegs], merged)
	}
	s.open[topic] = segs
	s.openN += len(recs)
	for _, r := range recs {
		s.maxTS = max(s.maxTS, r.ts)
	}
}

func windowOf(ts int64) int64 {
	w := ts / Window * Window
	if ts < 0 && w != ts {
		w -= Window
	}
	return w
}

// Insert stores readings in one transaction and returns their ids. A
// reading is acknowledged when Insert returns without error: it is then
// committed to the database file (WAL), and survives the process being
// killed; a power cut may lose the last commits (synchronous NORMAL).
func (s *Store) Insert(ctx context.Context, rs []Reading) ([]int64, error) {
	if len(rs) == 0 {
		return []int64{}, nil
	}
	groups := map[string][]rec{}
	var topics []string
	ids := make([]int64, len(rs))
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.nextID
	late := map[string][]rec{}
	var lateTopics []string
	tmax := int64(math.MinInt64)
	maxTS := s.maxTS
	for i, r := range rs {
		p, err := canonical(r.Payload)
		if err != nil {
			return nil, fmt.Errorf("store insert: payload: %w", err)
		}
		ids[i] = next
		rc := rec{id: next, ts: r.TS, p: p}
		next++
		if r.TS < s.sealed {
			if _, ok := late[r.Topic]; !ok {
				lateTopics = append(lateTopics, r.Topic)
			}
			late[r.Topic] = append(late[r.Topic], rc)
			continue
		}
		if _, ok := groups[r.Topic]; !ok {
			topics = append(topics, r.Topic)
		}
		groups[r.Topic] = append(groups[r.Topic], rc)
		tmax = max(tmax, r.TS)
		maxTS = max(maxTS, r.TS)
	}
	tx, err := s.db.W.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store insert: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if len(topics) > 0 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO ts_log (tmax, data) VALUES (?, ?)", tmax, encodeBatch(topics, groups)); err != nil {
			return nil, fmt.Errorf("store insert: %w", err)
		}
	}
	for _, t := range lateTopics {
		if err := s.mergeWindows(ctx, tx, t, late[t]); err != nil {
			return nil, fmt.Errorf("store insert: %w", err)
		}
	}
	if err := setMeta(ctx, tx, "next_id", next); err != nil {
		return nil, fmt.Errorf("store insert: %w", err)
	}
	// seal the windows that are over, in the same transaction; by the
	// readings' own times alone when their clock runs ahead of ours and
	// too many wait
	cut := windowOf(min(maxTS, s.now().UnixMilli()) - Grace)
	if s.openN > MaxOpen {
		cut = windowOf(maxTS - Grace)
	}
	var sealed map[string][]openSeg
	ruled := false
	if cut > s.sealed {
		if sealed, err = s.seal(ctx, tx, cut, topics, groups); err != nil {
			return nil, fmt.Errorf("store insert: sealing: %w", err)
		}
		if len(s.rollups) > 0 && (s.sealed < 0 || cut/rollHour != s.sealed/rollHour) {
			if err := s.applyRules(ctx, tx, s.now()); err != nil {
				return nil, fmt.Errorf("store insert: %w", err)
			}
			ruled = true
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store insert: commit: %w", err)
	}
	s.nextID = next
	s.maxTS = maxTS
	if sealed != nil {
		s.open, s.sealed = sealed, cut
		s.openN = 0
		for _, segs := range sealed {
			for _, sg := range segs {
				s.openN += sg.n
			}
		}
	} else {
		for _, t := range topics {
			s.addOpen(t, groups[t])
		}
	}
	for _, t := range topics {
		s.noteInsert(t, groups[t])
	}
	for _, t := range lateTopics {
		s.noteInsert(t, late[t])
	}
	s.staleStats = s.staleStats || ruled
	if s.notify != nil {
		s.tell(append(topics, lateTopics...), groups, late)
	}
	return ids, nil
}

// tell hands the committed readings of each topic to notify, in id order,
// their payloads as stored (values no caller holds).
func (s *Store) tell(topics []string, groups, late map[string][]rec) {
	seen := map[string]bool{}
	for _, t := range topics {
		if seen[t] || !s.notify.Wants(t) {
			continue
		}
		seen[t] = true
		recs := append(slices.Clone(groups[t]), late[t]...)
		slices.SortFunc(recs, func(a, b rec) int { return cmp.Compare(a.id, b.id) })
		rs := make([]Reading, len(recs))
		for i, r := range recs {
			rs[i] = Reading{ID: r.id, Topic: t, Payload: r.p, TS: r.ts}
		}
		s.notify.Add(t, rs)
	}
}

// seal moves every open reading older than cut (those of the open
// segments and of the batch being inserted) into chunks, deletes the log
// rows holding nothing newer and returns what stays open.
func (s *Store) seal(ctx context.Context, tx *sql.Tx, cut int64, topics []string, groups map[string][]rec) (map[string][]openSeg, error) {
	next := make(map[string][]openSeg, len(s.open))
	all := slices.Collect(mapKeys(s.open))
	for _, t := range topics {
		if _, ok := s.open[t]; !ok {
			all = append(all, t)
		}
	}
	slices.Sort(all)
	for _, t := range all {
		segs := s.open[t]
		var old, keep []rec
		var err error
		for _, sg := range segs {
			if sg.minTS >= cut {
				next[t] = append(next[t], sg)
				continue
			}
			if old, err = decodeChunk(sg.b, old, nil); err != nil {
				return nil, err
			}
		}
		old = append(old, groups[t]...)
		old = slices.DeleteFunc(old, func(r rec) bool {
			if r.ts >= cut {
				keep = append(keep, r)
				return true
			}
			return false
		})
		if len(keep) > 0 {
			next[t] = append(next[t], newSeg(keep))
		}
		if err := s.mergeWindows(ctx, tx, t, old); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM ts_log WHERE tmax < ?", cut); err != nil {
		return nil, err
	}
	if err := setMeta(ctx, tx, "sealed", cut); err != nil {
		return nil, err
	}
	return next, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func setMeta(ctx context.Context, tx *sql.Tx, k string, v int64) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO ts_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v)
	return err
}

func sortRecs(recs []rec) {
	slices.SortFunc(recs, func(a, b rec) int {
		if c := cmp.Compare(a.ts, b.ts); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
}

// mergeWindows adds recs of topic to their windows' chunks (rewriting a
// chunk that exists) and updates the roll-ups of those windows.
func (s *Store) mergeWindows(ctx context.Context, tx *sql.Tx, topic string, recs []rec) error {
	if len(recs) == 0 {
		return nil
	}
	sortRecs(recs)
	for len(recs) > 0 {
		w := windowOf(recs[0].ts)
		i := 1
		for i < len(recs) && recs[i].ts < w+Window {
			i++
		}
		part := recs[:i]
		recs = recs[i:]
		var b []byte
		err := tx.QueryRowContext(ctx, "SELECT data FROM ts_chunks WHERE topic = ? AND w = ?", topic, w).Scan(&b)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// a new chunk: its roll-ups add to what may be there (a
			// window whose readings retention already trimmed)
			if err := s.putChunk(ctx, tx, topic, w, part); err != nil {
				return err
			}
			if err := s.addRollups(ctx, tx, topic, part); err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		old, err := decodeChunk(b, nil, nil)
		if err != nil {
			return fmt.Errorf("chunk %s@%d: %w", topic, w, err)
		}
		part = append(old, part...)
		sortRecs(part)
		if err := s.writeChunk(ctx, tx, topic, w, part); err != nil {
			return err
		}
	}
	return nil
}

// writeChunk replaces the chunk of topic at window w by recs (deleting it
// when recs is empty) and rewrites the window's roll-ups.
func (s *Store) writeChunk(ctx context.Context, tx *sql.Tx, topic string, w int64, recs []rec) error {
	if err := s.putChunk(ctx, tx, topic, w, recs); err != nil {
		return err
	}
	return s.rollupWindow(ctx, tx, topic, w, recs)
}

// putChunk writes (or with no readings deletes) the chunk of topic at w.
func (s *Store) putChunk(ctx context.Context, tx *sql.Tx, topic string, w int64, recs []rec) error {
	if len(recs) == 0 {
		_, err := tx.ExecContext(ctx, "DELETE FROM ts_chunks WHERE topic = ? AND w = ?", topic, w)
		return err
	}
	id0, id1 := recs[0].id, recs[0].id
	for _, r := range recs {
		id0, id1 = min(id0, r.id), max(id1, r.id)
	}
	_, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO ts_chunks (topic, w, n, id0, id1, data) VALUES (?, ?, ?, ?, ?, ?)",
		topic, w, len(recs), id0, id1, encodeChunk(nil, recs))
	return err
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
	// After pages by key: the readings that follow reading After in the
	// order asked (time, then id), Offset ignored; a page costs its own
	// windows, not those before it. Not with Interval.
	After int64
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

func (q *Query) page() (limit, offset int) {
	limit = q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit), max(q.Offset, 0)
}

// filter is a compiled query: what selects chunk rows in SQL and what
// selects readings in Go.
type filter struct {
	q      Query
	topics func(string) bool // nil: every topic
	conds  []cond
}

func compile(q Query) (*filter, error) {
	f := &filter{q: q}
	if q.Topic != "" && q.Topic != "#" {
		t := q.Topic
		if strings.ContainsAny(t, "+#") {
			f.topics = func(s string) bool { return topicMatch(t, s) }
		} else {
			f.topics = func(s string) bool { return s == t }
		}
	}
	for _, c := range q.Where {
		cc, err := compileCond(c)
		if err != nil {
			return nil, err
		}
		f.conds = append(f.conds, cc)
	}
	return f, nil
}

// chunkSQL is the WHERE clause selecting the chunk rows that may hold
// matching readings.
func (f *filter) chunkSQL() (string, []any) {
	var conds []string
	var args []any
	q := f.q
	if q.Topic != "" && q.Topic != "#" {
		i := strings.IndexAny(q.Topic, "+#")
		if i < 0 {
			conds = append(conds, "topic = ?")
			args = append(args, q.Topic)
		} else if prefix := q.Topic[:i]; prefix != "" {
			conds = append(conds, "topic >= ? AND topic < ?")
			args = append(args, prefix, prefix+"\xff")
		}
	}
	w := "w"
	if q.From != 0 {
		conds = append(conds, w+" > ?")
		args = append(args, q.From-Window)
	}
	if q.To != 0 {
		conds = append(conds, w+" < ?")
		args = append(args, q.To)
	}
	if q.ID != 0 {
		conds = append(conds, "id0 <= ? AND id1 >= ?")
		args = append(args, q.ID, q.ID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// inRange reports whether a reading's time and id pass the query.
func (f *filter) inRange(ts, id int64) bool {
	q := &f.q
	return (q.ID == 0 || id == q.ID) && (q.From == 0 || ts >= q.From) && (q.To == 0 || ts < q.To)
}

func (f *filter) overlaps(minTS, maxTS, id0, id1 int64) bool {
	q := &f.q
	return (q.ID == 0 || (id0 <= q.ID && q.ID <= id1)) && (q.From == 0 || maxTS >= q.From) && (q.To == 0 || minTS < q.To)
}

func (f *filter) match(p any) bool {
	for _, c := range f.conds {
		if !c.match(p) {
			return false
		}
	}
	return true
}

// topicRecs is the readings of one topic a query collected.
type topicRecs struct {
	topic string
	recs  []rec
}

// collect calls fn with the matching readings of each topic, from chunks
// and open segments (unsorted). s.mu must be held.
func (s *Store) collect(ctx context.Context, f *filter, fn func(topic string, recs []rec)) error {
	where, args := f.chunkSQL()
	rows, err := s.db.R.QueryContext(ctx, "SELECT topic, data FROM ts_chunks"+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var recs []rec
	for rows.Next() {
		var topic string
		var b []byte
		if err := rows.Scan(&topic, &b); err != nil {
			return err
		}
		if f.topics != nil && !f.topics(topic) {
			continue
		}
		if recs, err = decodeChunk(b, recs[:0], f.inRange); err != nil {
			return fmt.Errorf("chunk of %s: %w", topic, err)
		}
		if recs = f.keep(recs); len(recs) > 0 {
			fn(topic, recs)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for topic, segs := range s.open {
		if f.topics != nil && !f.topics(topic) {
			continue
		}
		for _, sg := range segs {
			if !f.overlaps(sg.minTS, sg.maxTS, sg.id0, sg.id1) {
				continue
			}
			if recs, err = decodeChunk(sg.b, recs[:0], f.inRange); err != nil {
				return err
			}
			if recs = f.keep(recs); len(recs) > 0 {
				fn(topic, recs)
			}
		}
	}
	return nil
}

func (f *filter) keep(recs []rec) []rec {
	if len(f.conds) == 0 {
		return recs
	}
	return slices.DeleteFunc(recs, func(r rec) bool { return !f.match(r.p) })
}

// Select returns the readings (or aggregation buckets) q selects, as
// message values.
func (s *Store) Select(ctx context.Context, q Query) ([]any, error) {
	f, err := compile(q)
	if err != nil {
		return nil, err
	}
	limit, offset := q.page()
	if q.Interval > 0 {
		if q.After != 0 {
			return nil, errors.New("after: not with interval (page buckets by from)")
		}
		return s.aggregate(ctx, f, limit, offset)
	}
	if q.After != 0 {
		return s.selectAfter(ctx, f, limit)
	}
	type row struct {
		topic *any // boxed once per topic
		rec
	}
	var all []row
	boxed := map[string]*any{}
	s.mu.Lock()
	err = s.collect(ctx, f, func(topic string, recs []rec) {
		t := boxed[topic]
		if t == nil {
			t = new(any)
			*t = topic
			boxed[topic] = t
		}
		all = slices.Grow(all, len(recs))
		for _, r := range recs {
			all = append(all, row{t, r})
		}
	})
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b row) int {
		c := cmp.Compare(a.ts, b.ts)
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		if q.Desc {
			return -c
		}
		return c
	})
	if offset >= len(all) {
		return []any{}, nil
	}
	all = all[offset:min(len(all), offset+limit)]
	list := make([]any, len(all))
	for i, r := range all {
		list[i] = engine.ObjectOf("id", float64(r.id), "topic", *r.topic, "payload", r.p, "ts", float64(r.ts))
	}
	return list, nil
}

// ErrNoCondition refuses a delete that would empty the store.
var ErrNoCondition = errors.New("no condition: refusing to delete every reading")

// Delete removes the readings q selects (Limit, Offset and aggregation are
// ignored) and returns how many; a query without any condition is refused.
// The roll-ups of the windows it changes are recomputed.
func (s *Store) Delete(ctx context.Context, q Query) (int64, error) {
	q.Interval = 0
	if q.ID == 0 && (q.Topic == "" || q.Topic == "#") && q.From == 0 && q.To == 0 && len(q.Where) == 0 {
		return 0, ErrNoCondition
	}
	f, err := compile(q)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remove(ctx, f, nil)
}

// remove deletes the readings f selects (and, when also is not nil, that
// it accepts too). s.mu must be held.
func (s *Store) remove(ctx context.Context, f *filter, also func(topic string, r rec) bool) (int64, error) {
	hit := func(topic string, r rec) bool {
		return f.inRange(r.ts, r.id) && f.match(r.p) && (also == nil || also(topic, r))
	}
	tx, err := s.db.W.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	var removed int64
	// chunks: whole ones dropped without decoding when every reading matches
	where, args := f.chunkSQL()
	type chunkRow struct {
		topic string
		w     int64
		n     int64
		b     []byte
	}
	var rowsToDo []chunkRow
	rows, err := tx.QueryContext(ctx, "SELECT topic, w, n, data FROM ts_chunks"+where, args...)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var c chunkRow
		if err := rows.Scan(&c.topic, &c.w, &c.n, &c.b); err != nil {
			rows.Close()
			return 0, err
		}
		if f.topics == nil || f.topics(c.topic) {
			rowsToDo = append(rowsToDo, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	q := &f.q
	touched := map[string]bool{} // topics that lost readings
	for _, c := range rowsToDo {
		whole := q.ID == 0 && len(f.conds) == 0 && also == nil &&
			(q.From == 0 || c.w >= q.From) && (q.To == 0 || c.w+Window <= q.To)
		if whole {
			if err := s.writeChunk(ctx, tx, c.topic, c.w, nil); err != nil {
				return 0, err
			}
			touched[c.topic] = true
			removed += c.n
			continue
		}
		recs, err := decodeChunk(c.b, nil, nil)
		if err != nil {
			return 0, fmt.Errorf("chunk of %s: %w", c.topic, err)
		}
		n := len(recs)
		recs = slices.DeleteFunc(recs, func(r rec) bool { return hit(c.topic, r) })
		if len(recs) == n {
			continue
		}
		touched[c.topic] = true
		removed += int64(n - len(recs))
		if err := s.writeChunk(ctx, tx, c.topic, c.w, recs); err != nil {
			return 0, err
		}
	}
	// open readings: in memory and in the log rows
	gone := map[int64]bool{}
	next := map[string][]openSeg{}
	for topic, segs := range s.open {
		if f.topics != nil && !f.topics(topic) {
			next[topic] = segs
			continue
		}
		for _, sg := range segs {
			if !f.overlaps(sg.minTS, sg.maxTS, sg.id0, sg.id1) {
				next[topic] = append(next[topic], sg)
				continue
			}
			recs, err := decodeChunk(sg.b, nil, nil)
			if err != nil {
				return 0, err
			}
			n := len(recs)
			recs = slices.DeleteFunc(recs, func(r rec) bool {
				if hit(topic, r) {
					gone[r.id] = true
					return true
				}
				return false
			})
			if len(recs) < n {
				touched[topic] = true
			}
			switch {
			case len(recs) == n:
				next[topic] = append(next[topic], sg)
			case len(recs) > 0:
				next[topic] = append(next[topic], newSeg(recs))
			}
		}
	}
	if len(gone) > 0 {
		if err := rewriteLog(ctx, tx, gone); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if len(gone) > 0 {
		s.open = next
		s.openN -= len(gone)
	}
	if err := s.refreshStats(ctx, touched); err != nil {
		s.staleStats = true // the readings are gone; the list catches up on its next use
	}
	return removed + int64(len(gone)), nil
}

// rewriteLog removes the readings with the given ids from the write-ahead
// table.
func rewriteLog(ctx context.Context, tx *sql.Tx, gone map[int64]bool) error {
	type logRow struct {
		seq int64
		b   []byte
	}
	var changed []logRow
	rows, err := tx.QueryContext(ctx, "SELECT seq, data FROM ts_log")
	if err != nil {
		return err
	}
	for rows.Next() {
		var seq int64
		var b []byte
		if err := rows.Scan(&seq, &b); err != nil {
			rows.Close()
			return err
		}
		groups := map[string][]rec{}
		var topics []string
		dirty := false
		err := decodeBatch(b, func(topic string, recs []rec) error {
			n := len(recs)
			recs = slices.DeleteFunc(recs, func(r rec) bool { return gone[r.id] })
			dirty = dirty || len(recs) != n
			if len(recs) > 0 {
				topics = append(topics, topic)
				groups[topic] = recs
			}
			return nil
		})
		if err != nil {
			rows.Close()
			return err
		}
		if dirty {
			var nb []byte
			if len(topics) > 0 {
				nb = encodeBatch(topics, groups)
			}
			changed = append(changed, logRow{seq, nb})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range changed {
		var err error
		if c.b == nil {
			_, err = tx.ExecContext(ctx, "DELETE FROM ts_log WHERE seq = ?", c.seq)
		} else {
			_, err = tx.ExecContext(ctx, "UPDATE ts_log SET data = ? WHERE seq = ?", c.b, c.seq)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Retention bounds what the store keeps.
type Retention struct {
	MaxAge  time.Duration // 0: no age limit
	MaxRows int           // per topic; 0: no limit
}

// Trim applies r at time now and returns how many readings it removed.
// Roll-ups of trimmed windows stay (they follow their own retention).
func (s *Store) Trim(ctx context.Context, r Retention, now time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var removed int64
	if r.MaxAge > 0 {
		f, _ := compile(Query{To: now.Add(-r.MaxAge).UnixMilli()})
		n, err := s.removeKeepingRollups(ctx, f, nil)
		if err != nil {
			return 0, fmt.Errorf("retention: %w", err)
		}
		removed += n
	}
	if r.MaxRows > 0 {
		n, err := s.trimRows(ctx, r.MaxRows)
		if err != nil {
			return removed, fmt.Errorf("retention: %w", err)
		}
		removed += n
	}
	return removed, nil
}

func (s *Store) removeKeepingRollups(ctx context.Context, f *filter, also func(string, rec) bool) (int64, error) {
	s.keepRollups = true
	defer func() { s.keepRollups = false }()
	return s.remove(ctx, f, also)
}

// trimRows keeps the newest max readings of each topic.
func (s *Store) trimRows(ctx context.Context, max int) (int64, error) {
	counts := map[string]int{}
	rows, err := s.db.R.QueryContext(ctx, "SELECT topic, sum(n) FROM ts_chunks GROUP BY topic")
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return 0, err
		}
		counts[t] = n
	}
	rows.Close()
	for t, segs := range s.open {
		for _, sg := range segs {
			counts[t] += sg.n
		}
	}
	var removed int64
	for _, t := range slices.Sorted(mapKeys(counts)) {
		if counts[t] <= max {
			continue
		}
		// the max-th newest reading is the oldest kept
		f, _ := compile(Query{Topic: t})
		var recs []rec
		if err := s.collect(ctx, f, func(_ string, rs []rec) { recs = append(recs, rs...) }); err != nil {
			return removed, err
		}
		sortRecs(recs)
		edge := recs[len(recs)-max]
		n, err := s.removeKeepingRollups(ctx, f, func(_ string, r rec) bool {
			return r.ts < edge.ts || (r.ts == edge.ts && r.id < edge.id)
		})
		if err != nil {
			return removed, err
		}
		removed += n
	}
	return removed, nil
}

// ParseQuery reads a query from a message or JSON object: id, topic, from,
// to (ms numbers or ISO 8601 text), where [{field, op, value}], limit,
// offset, after (an id), order ("asc"/"desc"), interval (ms) and field.
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
	if f, ok := num("after"); ok {
		q.After = int64(f)
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

// Export calls emit with every reading q selects (Limit, Offset and
// aggregation are ignored), oldest first, one window at a time: memory
// holds one window's matching readings whatever the range. It stops at
// emit's first error.
func (s *Store) Export(ctx context.Context, q Query, emit func(topic string, r Reading) error) error {
	q.Interval, q.Limit, q.Offset, q.Desc = 0, 0, 0, false
	f, err := compile(q)
	if err != nil {
		return err
	}
	windows, err := s.windows(ctx, f)
	if err != nil {
		return err
	}
	type row struct {
		topic string
		rec
	}
	for _, w := range windows {
		part := *f
		part.q.From, part.q.To = max(q.From, w), w+Window
		if q.To != 0 {
			part.q.To = min(q.To, w+Window)
		}
		var rows []row
		s.mu.Lock()
		err := s.collect(ctx, &part, func(topic string, recs []rec) {
			for _, r := range recs {
				rows = append(rows, row{topic, r})
			}
		})
		s.mu.Unlock()
		if err != nil {
			return err
		}
		slices.SortFunc(rows, func(a, b row) int {
			if c := cmp.Compare(a.ts, b.ts); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
		for _, r := range rows {
			if err := emit(r.topic, Reading{ID: r.id, Topic: r.topic, Payload: r.p, TS: r.ts}); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// windows returns, in order, the windows that may hold readings f selects.
func (s *Store) windows(ctx context.Context, f *filter) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[int64]bool{}
	where, args := f.chunkSQL()
	rows, err := s.db.R.QueryContext(ctx, "SELECT DISTINCT topic, w FROM ts_chunks"+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var topic string
		var w int64
		if err := rows.Scan(&topic, &w); err != nil {
			return nil, err
		}
		if f.topics == nil || f.topics(topic) {
			seen[w] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for topic, segs := range s.open {
		if f.topics != nil && !f.topics(topic) {
			continue
		}
		for _, sg := range segs {
			if !f.overlaps(sg.minTS, sg.maxTS, sg.id0, sg.id1) {
				continue
			}
			_, err := decodeChunk(sg.b, nil, func(ts, id int64) bool {
				if f.inRange(ts, id) {
					seen[windowOf(ts)] = true
				}
				return false
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return slices.Sorted(mapKeys64(seen)), nil
}

func mapKeys64(m map[int64]bool) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
