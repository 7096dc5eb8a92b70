package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func storeQuerySpec() engine.Spec {
	return engine.Spec{
		Type: "store query", Category: "storage", Color: "#e97b00", Icon: "db.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "topic", Label: "Topic filter", Kind: engine.KindString, Default: ""},
			{Name: "since", Label: "Last", Kind: engine.KindNumber, Default: 0},
			{Name: "sinceUnits", Label: "Units", Kind: engine.KindSelect, Default: "hours", Options: unitOptions},
			{Name: "limit", Label: "Limit", Kind: engine.KindNumber, Default: DefaultLimit},
			{Name: "order", Label: "Order", Kind: engine.KindSelect, Default: "asc", Options: []engine.Option{
				{Value: "asc", Label: "Oldest first"}, {Value: "desc", Label: "Newest first"},
			}},
			{Name: "interval", Label: "Aggregate per", Kind: engine.KindNumber, Default: 0},
			{Name: "intervalUnits", Label: "Units", Kind: engine.KindSelect, Default: "minutes", Options: unitOptions},
			{Name: "field", Label: "Payload field", Kind: engine.KindString, Default: ""},
		},
		Help: help("store query"),
	}
}

// storeQuery reads the time-series store: the node's query, overridden
// field by field by msg.query, rows (or aggregation buckets) in msg.payload.
type storeQuery struct {
	res   *engine.Resources
	base  Query
	since time.Duration

	conn storeConn
}

func newStoreQuery(cfg *engine.Config, res *engine.Resources, dbs *DBs) (engine.Node, error) {
	p := cfg.Reader()
	n := &storeQuery{res: res, conn: storeConn{dbs: dbs, res: res}}
	n.base.Topic = p.String("topic", "")
	n.since = durationProp(p, "since", "sinceUnits", "hours")
	n.base.Limit = p.Int("limit", DefaultLimit)
	if n.base.Limit < 0 || n.base.Limit > MaxLimit {
		p.Fail("limit", "must be between 0 and %d", MaxLimit)
	}
	switch p.String("order", "asc") {
	case "asc", "":
	case "desc":
		n.base.Desc = true
	default:
		p.Fail("order", "must be asc or desc")
	}
	n.base.Interval = durationProp(p, "interval", "intervalUnits", "minutes").Milliseconds()
	n.base.Field = p.String("field", "")
	if _, err := jsonPath(n.base.Field); err != nil {
		p.Fail("field", "%v", err)
	}
	return n, p.Err()
}

func durationProp(p *engine.Props, name, unitName, defUnit string) time.Duration {
	v := p.Number(name, 0)
	if v < 0 {
		p.Fail(name, "must not be negative")
	}
	unit, ok := units[p.String(unitName, defUnit)]
	if !ok {
		p.Fail(unitName, "must be seconds, minutes, hours or days")
	}
	return time.Duration(v * float64(unit))
}

// Start opens the store.
func (n *storeQuery) Start(ctx context.Context) error {
	n.conn.open(ctx)
	return nil
}

// Close releases the store.
func (n *storeQuery) Close(context.Context) error { return n.conn.close() }

// Blocking: Handle waits on the database, so it runs off its part's goroutine.
func (n *storeQuery) Blocking() {}

func (n *storeQuery) Handle(ctx context.Context, msg engine.Msg, out *engine.Output) error {
	st, err := n.conn.store()
	if err != nil {
		return err
	}
	q, err := n.query(msg)
	if err != nil {
		return err
	}
	rows, err := st.Select(ctx, q)
	if err != nil {
		return fmt.Errorf("store query: %w", err)
	}
	msg["payload"] = rows
	out.Send(0, msg)
	return nil
}

// query is base with the node's topic (or else msg.topic), the time
// window ending now, and then msg.query's fields.
func (n *storeQuery) query(msg engine.Msg) (Query, error) {
	q := n.base
	if q.Topic == "" {
		q.Topic, _ = msg["topic"].(string)
	}
	if n.since > 0 {
		q.From = n.res.Now().Add(-n.since).UnixMilli()
	}
	if raw, ok := msg["query"]; ok {
		m, isMap := engine.AsObject(raw)
		if !isMap {
			return q, errors.New("msg.query must be an object")
		}
		if err := ParseQuery(m, &q); err != nil {
			return q, fmt.Errorf("msg.query: %w", err)
		}
	}
	return q, nil
}
