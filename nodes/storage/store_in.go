package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/shutdown"
)

func storeInSpec() engine.Spec {
	return engine.Spec{
		Type: "store in", Category: "storage", Color: "#e97b00", Icon: "db.svg", LabelProp: "name",
		Inputs: 1, Outputs: 0, Align: "right",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "topic", Label: "Topic", Kind: engine.KindString, Default: ""},
			{Name: "batch", Label: "Batch size", Kind: engine.KindNumber, Default: 500},
			{Name: "flush", Label: "Flush every (ms)", Kind: engine.KindNumber, Default: 1000},
			{Name: "maxAge", Label: "Keep for", Kind: engine.KindNumber, Default: 0},
			{Name: "maxAgeUnits", Label: "Units", Kind: engine.KindSelect, Default: "days", Options: unitOptions},
			{Name: "maxRows", Label: "Keep rows per topic", Kind: engine.KindNumber, Default: 0},
		},
		Help: help("store in"),
	}
}

var unitOptions = []engine.Option{
	{Value: "seconds", Label: "Seconds"}, {Value: "minutes", Label: "Minutes"},
	{Value: "hours", Label: "Hours"}, {Value: "days", Label: "Days"},
}

var units = map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}

// Store in bounds.
const (
	// MaxBatch bounds the batch size property.
	MaxBatch = 10000
	// RetentionEvery is how often a store in node with retention trims the store.
	RetentionEvery = time.Minute
)

// storeIn writes readings to the time-series store in batches: a batch is
// one transaction, written when it holds batch readings or flush has passed
// since the first of them, and at close. A crash loses at most the
// readings not yet written (one batch, or one flush interval). Each
// message completes when its batch is written (or fails with its error).
type storeIn struct {
	res       *engine.Resources
	dbs       *DBs
	topic     string
	batch     int
	flush     time.Duration
	retention Retention

	mu      sync.Mutex // guards pending, dones, db, st, timer
	pending []Reading
	dones   []func(error)
	db      *DB
	st      *Store
	timer   *time.Timer

	wmu sync.Mutex // serialises batch writes, so batches commit in order

	failed bool // the last write failed (status shown); guarded by wmu

	wg sync.WaitGroup // the retention goroutine and a fired flush timer
}

func newStoreIn(cfg *engine.Config, res *engine.Resources, dbs *DBs) (engine.Node, error) {
	p := cfg.Reader()
	n := &storeIn{res: res, dbs: dbs}
	n.topic = p.String("topic", "")
	n.batch = p.Int("batch", 500)
	if n.batch < 1 || n.batch > MaxBatch {
		p.Fail("batch", "must be between 1 and %d, got %d", MaxBatch, n.batch)
	}
	flush := p.Number("flush", 1000)
	if flush < 0 {
		p.Fail("flush", "must not be negative")
	}
	n.flush = time.Duration(flush * float64(time.Millisecond))
	n.retention = retentionProps(p)
	return n, p.Err()
}

func retentionProps(p *engine.Props) Retention {
	var r Retention
	age := p.Number("maxAge", 0)
	unit, ok := units[p.String("maxAgeUnits", "days")]
	if !ok {
		p.Fail("maxAgeUnits", "must be seconds, minutes, hours or days")
	}
	if age < 0 {
		p.Fail("maxAge", "must not be negative")
	}
	r.MaxAge = time.Duration(age * float64(unit))
	r.MaxRows = p.Int("maxRows", 0)
	if r.MaxRows < 0 {
		p.Fail("maxRows", "must not be negative")
	}
	return r
}

// Start opens the store and, with a retention rule, trims it now and then
// every RetentionEvery.
func (n *storeIn) Start(ctx context.Context) error {
	db, st, err := n.dbs.AcquireStore(ctx)
	if err != nil {
		n.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "failed to open"})
		n.res.Error(err, nil)
		return nil
	}
	n.mu.Lock()
	n.db, n.st = db, st
	n.mu.Unlock()
	if n.retention.MaxAge > 0 || n.retention.MaxRows > 0 {
		n.wg.Go(func() { n.retain(ctx, st) })
	}
	return nil
}

func (n *storeIn) retain(ctx context.Context, st *Store) {
	t := time.NewTicker(RetentionEvery)
	defer t.Stop()
	for {
		if _, err := st.Trim(ctx, n.retention, n.res.Now()); err != nil && ctx.Err() == nil {
			n.res.Error(err, nil)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close writes what is pending and releases the store. When a write or
// trim still runs at ctx's deadline, the pending messages fail and the
// store stays open for it.
func (n *storeIn) Close(ctx context.Context) error {
	b := n.take(true)
	if err := shutdown.Wait(ctx, &n.wg); err != nil {
		for _, done := range b.dones {
			done(err)
		}
		return fmt.Errorf("store in: %d readings not written: %w", len(b.rs), err)
	}
	n.write(ctx, b)
	n.mu.Lock()
	db := n.db
	n.db, n.st = nil, nil
	n.mu.Unlock()
	return n.dbs.Release(db)
}

func (n *storeIn) Handle(ctx context.Context, msg engine.Msg, out *engine.Output) error {
	topic := n.topic
	if topic == "" {
		topic, _ = msg["topic"].(string)
	}
	if topic == "" {
		return errors.New("no topic: set msg.topic or the node's topic")
	}
	ts := n.res.Now().UnixMilli()
	if t, ok := msg["timestamp"].(float64); ok {
		ts = int64(t)
	}
	r := Reading{Topic: topic, Payload: engine.CloneValue(msg["payload"]), TS: ts}
	done := out.Defer()
	n.mu.Lock()
	if n.st == nil {
		n.mu.Unlock()
		done(errors.New("the time-series store is not open"))
		return nil
	}
	n.pending = append(n.pending, r)
	n.dones = append(n.dones, done)
	full := len(n.pending) >= n.batch
	if !full && n.timer == nil {
		n.wg.Add(1)
		n.timer = time.AfterFunc(n.flush, func() {
			defer n.wg.Done()
			n.write(context.Background(), n.take(true))
		})
	}
	n.mu.Unlock()
	if full {
		n.write(ctx, n.take(false))
	}
	return nil
}

type batch struct {
	rs    []Reading
	dones []func(error)
	st    *Store
}

// take removes the pending batch; from the timer (or close) it takes
// whatever is there, from Handle only a full batch.
func (n *storeIn) take(any bool) batch {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.timer != nil {
		if n.timer.Stop() {
			n.wg.Done() // it will not fire
		}
		n.timer = nil
	}
	if len(n.pending) == 0 || (!any && len(n.pending) < n.batch) {
		return batch{}
	}
	b := batch{rs: n.pending, dones: n.dones, st: n.st}
	n.pending, n.dones = nil, nil
	return b
}

func (n *storeIn) write(ctx context.Context, b batch) {
	if len(b.rs) == 0 {
		return
	}
	n.wmu.Lock()
	_, err := b.st.Insert(ctx, b.rs)
	if err != nil {
		err = fmt.Errorf("%d readings not stored: %w", len(b.rs), err)
		n.res.Status(engine.Status{Fill: "red", Shape: "ring", Text: "write failed"})
	} else if n.failed {
		n.res.Status(engine.Status{})
	}
	n.failed = err != nil
	n.wmu.Unlock()
	for _, done := range b.dones {
		done(err)
	}
}
