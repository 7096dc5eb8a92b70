package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/flowgate/flowgate/engine"
)

// ErrNoCursor is a key page whose cursor reading does not exist (any
// more).
var ErrNoCursor = errors.New("no such reading")

// selectAfter answers a key-paged query: the limit readings that follow
// reading f.q.After in time order (ascending or, with Desc, descending),
// reading one window after another from the cursor's and stopping when
// the page is full, so the cost is the page's windows whatever precedes
// them.
func (s *Store) selectAfter(ctx context.Context, f *filter, limit int) ([]any, error) {
	q := f.q
	cur, err := s.cursor(ctx, q.After, q.Topic)
	if err != nil {
		return nil, err
	}
	// the readings on the cursor's side of time only
	part := *f
	part.q.After = 0
	if q.Desc {
		if part.q.To == 0 || part.q.To > cur.ts+1 {
			part.q.To = cur.ts + 1
		}
	} else if part.q.From == 0 || part.q.From < cur.ts {
		part.q.From = cur.ts
	}
	if part.q.To != 0 && part.q.From != 0 && part.q.From >= part.q.To {
		return []any{}, nil
	}
	windows, err := s.windows(ctx, &part)
	if err != nil {
		return nil, err
	}
	if q.Desc {
		slices.Reverse(windows)
	}
	type row struct {
		topic string
		rec
	}
	order := func(a, b row) int {
		c := cmp.Compare(a.ts, b.ts)
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		if q.Desc {
			return -c
		}
		return c
	}
	after := func(r rec) bool { return order(row{rec: r}, row{rec: cur}) > 0 }
	var out []row
	for _, w := range windows {
		win := part
		win.q.From, win.q.To = max(part.q.From, w), w+Window
		if part.q.To != 0 {
			win.q.To = min(part.q.To, w+Window)
		}
		start := len(out)
		s.mu.Lock()
		err := s.collect(ctx, &win, func(topic string, recs []rec) {
			for _, r := range recs {
				if after(r) {
					out = append(out, row{topic, r})
				}
			}
		})
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		slices.SortFunc(out[start:], order)
		if len(out) >= limit {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	out = out[:min(len(out), limit)]
	list := make([]any, len(out))
	for i, r := range out {
		list[i] = engine.ObjectOf("id", float64(r.id), "topic", r.topic, "payload", r.p, "ts", float64(r.ts))
	}
	return list, nil
}

// cursor finds reading id among the readings of topic (a filter); its
// time orders a key page.
func (s *Store) cursor(ctx context.Context, id int64, topic string) (rec, error) {
	f, _ := compile(Query{ID: id, Topic: topic}) // the topic narrows the chunks to decode
	var found []rec
	s.mu.Lock()
	err := s.collect(ctx, f, func(_ string, recs []rec) { found = append(found, recs...) })
	s.mu.Unlock()
	if err != nil {
		return rec{}, err
	}
	if len(found) == 0 {
		return rec{}, fmt.Errorf("after: %w %d", ErrNoCursor, id)
	}
	return found[0], nil
}
