package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func storeDeleteSpec() engine.Spec {
	return engine.Spec{
		Type: "store delete", Category: "storage", Color: "#e97b00", Icon: "db.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "topic", Label: "Topic filter", Kind: engine.KindString, Default: ""},
			{Name: "olderThan", Label: "Older than", Kind: engine.KindNumber, Default: 0},
			{Name: "olderThanUnits", Label: "Units", Kind: engine.KindSelect, Default: "days", Options: unitOptions},
		},
		Help: help("store delete"),
	}
}

// storeDelete removes readings from the time-series store: those of the
// node's topic filter (or else msg.topic) older than olderThan, with
// msg.query's fields (id, topic, from, to, where) on top. A delete without
// any condition is refused. msg.payload becomes the number removed.
type storeDelete struct {
	res       *engine.Resources
	topic     string
	olderThan time.Duration

	conn storeConn
}

func newStoreDelete(cfg *engine.Config, res *engine.Resources, dbs *DBs) (engine.Node, error) {
	p := cfg.Reader()
	n := &storeDelete{res: res, conn: storeConn{dbs: dbs, res: res}}
	n.topic = p.String("topic", "")
	n.olderThan = durationProp(p, "olderThan", "olderThanUnits", "days")
	return n, p.Err()
}

// Start opens the store.
func (n *storeDelete) Start(ctx context.Context) error {
	n.conn.open(ctx)
	return nil
}

// Close releases the store.
func (n *storeDelete) Close(context.Context) error { return n.conn.close() }

// Blocking: Handle waits on the database, so it runs off its part's goroutine.
func (n *storeDelete) Blocking() {}

func (n *storeDelete) Handle(ctx context.Context, msg engine.Msg, out *engine.Output) error {
	st, err := n.conn.store()
	if err != nil {
		return err
	}
	q := Query{Topic: n.topic}
	if q.Topic == "" {
		q.Topic, _ = msg["topic"].(string)
	}
	if n.olderThan > 0 {
		q.To = n.res.Now().Add(-n.olderThan).UnixMilli()
	}
	if raw, ok := msg["query"]; ok {
		m, isMap := engine.AsObject(raw)
		if !isMap {
			return errors.New("msg.query must be an object")
		}
		if err := ParseQuery(m, &q); err != nil {
			return fmt.Errorf("msg.query: %w", err)
		}
	}
	removed, err := st.Delete(ctx, q)
	if err != nil {
		return fmt.Errorf("store delete: %w", err)
	}
	msg["payload"] = float64(removed)
	out.Send(0, msg)
	return nil
}
