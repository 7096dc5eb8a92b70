package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// topicStat is what the store keeps per topic so that listing topics
// reads no readings: the newest reading (by time, then id) and how many
// readings the topic has (chunks and open).
type topicStat struct {
	last rec
	has  bool // last is set
	n    int64
}

// see keeps r when it is newer than the last reading.
func (t *topicStat) see(r rec) {
	if !t.has || r.ts > t.last.ts || (r.ts == t.last.ts && r.id > t.last.id) {
		t.last, t.has = r, true
	}
}

// noteInsert counts readings added to topic and keeps the newest. s.mu
// must be held.
func (s *Store) noteInsert(topic string, recs []rec) {
	if len(recs) == 0 {
		return
	}
	st := s.stats[topic]
	if st == nil {
		st = &topicStat{}
		s.stats[topic] = st
	}
	for _, r := range recs {
		st.see(r)
	}
	st.n += int64(len(recs))
}

// rebuildStats computes every topic's stat from the chunks' row counts,
// the newest chunk of each topic and the open readings: a few rows per
// topic, not a scan of the readings. s.mu must be held (or the store not
// yet shared).
func (s *Store) rebuildStats(ctx context.Context) error {
	stats := map[string]*topicStat{}
	rows, err := s.db.W.QueryContext(ctx, "SELECT topic, max(w), sum(n) FROM ts_chunks GROUP BY topic")
	if err != nil {
		return err
	}
	type newest struct {
		topic string
		w     int64
	}
	var tops []newest
	for rows.Next() {
		var nw newest
		var n int64
		if err := rows.Scan(&nw.topic, &nw.w, &n); err != nil {
			rows.Close()
			return err
		}
		stats[nw.topic] = &topicStat{n: n}
		tops = append(tops, nw)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, nw := range tops {
		if err := s.newestChunk(ctx, s.db.W, nw.topic, nw.w, stats[nw.topic]); err != nil {
			return err
		}
	}
	for topic := range s.open {
		if err := s.openStat(topic, stats); err != nil {
			return err
		}
	}
	s.stats, s.staleStats = stats, false
	return nil
}

// refreshStats recomputes the stats of the given topics (after a delete).
// s.mu must be held.
func (s *Store) refreshStats(ctx context.Context, topics map[string]bool) error {
	for topic := range topics {
		delete(s.stats, topic)
		var w, n sql.NullInt64
		err := s.db.W.QueryRowContext(ctx, "SELECT max(w), sum(n) FROM ts_chunks WHERE topic = ?", topic).Scan(&w, &n)
		if err != nil {
			return err
		}
		if n.Valid && n.Int64 > 0 {
			st := &topicStat{n: n.Int64}
			s.stats[topic] = st
			if err := s.newestChunk(ctx, s.db.W, topic, w.Int64, st); err != nil {
				return err
			}
		}
		if err := s.openStat(topic, s.stats); err != nil {
			return err
		}
	}
	return nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// newestChunk sets st.last from the chunk of topic at window w.
func (s *Store) newestChunk(ctx context.Context, q queryRower, topic string, w int64, st *topicStat) error {
	var b []byte
	err := q.QueryRowContext(ctx, "SELECT data FROM ts_chunks WHERE topic = ? AND w = ?", topic, w).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	recs, err := decodeChunk(b, nil, nil)
	if err != nil {
		return fmt.Errorf("chunk %s@%d: %w", topic, w, err)
	}
	for _, r := range recs {
		st.see(r)
	}
	return nil
}

// openStat adds topic's open readings to its stat in stats.
func (s *Store) openStat(topic string, stats map[string]*topicStat) error {
	for _, sg := range s.open[topic] {
		st := stats[topic]
		if st == nil {
			st = &topicStat{}
			stats[topic] = st
		}
		st.n += int64(sg.n)
		if st.has && sg.maxTS < st.last.ts {
			continue // nothing newer in this segment
		}
		recs, err := decodeChunk(sg.b, nil, nil)
		if err != nil {
			return err
		}
		for _, r := range recs {
			st.see(r)
		}
	}
	return nil
}

// TopicStat is a stored topic with its newest reading and its number of
// readings.
type TopicStat struct {
	Topic string
	Last  Reading
	Count int64
}

// Topics lists the stored topics that match filter (an MQTT topic filter;
// "" or "#" all), sorted, each with its newest reading and count. It
// reads no readings: the store keeps these per topic, updated by every
// insert and delete (rebuilt from the newest chunk of each topic when
// opened, or after raw retention dropped chunks).
func (s *Store) Topics(ctx context.Context, filter string) ([]TopicStat, error) {
	f, err := compile(Query{Topic: filter})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staleStats {
		if err := s.rebuildStats(ctx); err != nil {
			return nil, fmt.Errorf("topics: %w", err)
		}
	}
	list := make([]TopicStat, 0, len(s.stats))
	for topic, st := range s.stats {
		if st.n <= 0 || (f.topics != nil && !f.topics(topic)) {
			continue
		}
		list = append(list, TopicStat{Topic: topic, Count: st.n, Last: Reading{ID: st.last.id, Topic: topic, Payload: st.last.p, TS: st.last.ts}})
	}
	slices.SortFunc(list, func(a, b TopicStat) int { return strings.Compare(a.Topic, b.Topic) })
	return list, nil
}
