package sequence

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func batchSpec() engine.Spec {
	return engine.Spec{
		Type: "batch", Category: "sequence", Color: "#E2D96E", Icon: "batch.svg", LabelProp: "name",
		Inputs: 1, Outputs: 1,
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "mode", Label: "Mode", Kind: engine.KindSelect, Default: "count", Options: []engine.Option{
				{Value: "count", Label: "Group by number of messages"},
				{Value: "interval", Label: "Group by time interval"},
				{Value: "concat", Label: "Concatenate sequences"},
			}},
			{Name: "count", Label: "Number of messages", Kind: engine.KindNumber, Default: 10},
			{Name: "overlap", Label: "Overlap", Kind: engine.KindNumber, Default: 0},
			{Name: "interval", Label: "Interval (seconds)", Kind: engine.KindNumber, Default: 10},
			{Name: "allowEmptySequence", Label: "send empty message when no message arrives", Kind: engine.KindBool, Default: false},
			{Name: "honourParts", Kind: engine.KindBool, Default: false, Hidden: true},
			{Name: "topics", Label: "Topics", Kind: engine.KindList, Widget: "topics", Default: []any{map[string]any{"topic": ""}}},
		},
		Help: help("batch"),
	}
}

// batch modes, Node-RED's values.
const (
	batchCount    = "count"
	batchInterval = "interval"
	batchConcat   = "concat"
)

// batch groups messages into sequences: by count (with overlap), by time
// interval, or by concatenating complete sequences of listed topics.
type batch struct {
	res         *engine.Resources
	mode        string
	count       int
	overlap     int
	interval    time.Duration
	allowEmpty  bool
	honourParts bool
	topics      []string

	// mu guards pending, byTopic, timer and closed: the interval timer and
	// Handle both use them.
	mu      sync.Mutex
	pending []engine.Msg
	byTopic map[string]*topicGroups
	timer   *time.Timer
	closed  bool
}

// topicGroups are the sequences of one topic in concat mode, oldest first.
type topicGroups struct {
	ids    []string
	groups map[string]*concatGroup
}

type concatGroup struct {
	msgs     []engine.Msg
	count    float64
	hasCount bool
}

func newBatch(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &batch{res: res, byTopic: map[string]*topicGroups{}}
	n.mode = p.String("mode", batchCount)
	if n.mode == "" {
		n.mode = batchCount
	}
	count := p.Number("count", 1)
	if count == 0 {
		count = 1
	}
	overlap := p.Number("overlap", 0)
	interval := p.Number("interval", 0)
	n.allowEmpty = p.Bool("allowEmptySequence", false)
	n.honourParts = p.Bool("honourParts", false)
	var topics []struct {
		Topic string `json:"topic"`
	}
	p.Decode("topics", &topics)
	for _, t := range topics {
		n.topics = append(n.topics, t.Topic)
	}
	switch n.mode {
	case batchCount:
		if count < 1 {
			p.Fail("count", "Invalid count")
		}
		if overlap < 0 {
			p.Fail("overlap", "Invalid overlap")
		} else if count <= overlap {
			p.Fail("overlap", "Invalid count and overlap")
		}
		n.count, n.overlap = int(count), int(overlap)
	case batchInterval:
		if interval < 0 {
			p.Fail("interval", "Invalid interval")
		}
		n.interval = time.Duration(interval * float64(time.Second))
	case batchConcat:
	default:
		p.Fail("mode", "unexpected mode %q", n.mode)
	}
	return n, p.Err()
}

// Start arms the interval timer in interval mode.
func (n *batch) Start(context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.armTimer()
	return nil
}

// Close stops the timer and drops what is pending.
func (n *batch) Close(context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	if n.timer != nil {
		n.timer.Stop()
		n.timer = nil
	}
	n.pending = nil
	clear(n.byTopic)
	return nil
}

func (n *batch) Handle(_ context.Context, msg engine.Msg, out *engine.Output) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, reset := msg["reset"]
	switch n.mode {
	case batchCount:
		if reset {
			n.pending = nil
			return nil
		}
		eof := false
		if parts, ok := msg.Object("parts"); ok && n.honourParts {
			idx, _ := num(parts.Value("index"))
			cnt, hasCnt := num(parts.Value("count"))
			eof = hasCnt && idx+1 == cnt
		}
		n.pending = append(n.pending, msg)
		if len(n.pending) == n.count || eof {
			queue := n.pending
			sendSequence(queue, n.overlap > 0, out.Send)
			if n.overlap == 0 {
				n.pending = nil
			} else {
				n.pending = slices.Clone(queue[max(0, len(queue)-n.overlap):])
			}
		}
	case batchInterval:
		if reset {
			n.pending = nil
			if n.timer != nil {
				n.timer.Stop()
			}
			n.armTimer()
			return nil
		}
		n.pending = append(n.pending, msg)
	case batchConcat:
		if reset {
			clear(n.byTopic)
			return nil
		}
		return n.concat(msg, out)
	}
	return nil
}

// armTimer schedules the next interval. Called with mu held.
func (n *batch) armTimer() {
	if n.mode != batchInterval || n.interval <= 0 || n.closed {
		return
	}
	n.timer = time.AfterFunc(n.interval, n.tick)
}

// tick sends what arrived during the interval, or an empty sequence.
func (n *batch) tick() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if len(n.pending) > 0 {
		sendSequence(n.pending, false, n.res.Send)
		n.pending = nil
	} else if n.allowEmpty {
		n.res.Send(0, engine.Msg{"payload": nil, "parts": engine.ObjectOf("id", engine.NewMsgID(), "index", 0.0, "count", 1.0)})
	}
	n.armTimer()
}

func (n *batch) concat(msg engine.Msg, out *engine.Output) error {
	topic, _ := msg["topic"].(string)
	if _, isStr := msg["topic"].(string); !isStr || !slices.Contains(n.topics, topic) {
		return nil
	}
	parts, ok := msg.Object("parts")
	if !ok || !parts.Has("id") || !parts.Has("index") || !parts.Has("count") {
		return errNoParts
	}
	tg := n.byTopic[topic]
	if tg == nil {
		tg = &topicGroups{groups: map[string]*concatGroup{}}
		n.byTopic[topic] = tg
	}
	gid := engine.ToString(parts.Value("id"))
	g := tg.groups[gid]
	if g == nil {
		g = &concatGroup{}
		tg.groups[gid] = g
		tg.ids = append(tg.ids, gid)
	}
	g.msgs = append(g.msgs, msg)
	if !g.hasCount {
		g.count, g.hasCount = engine.ToNumber(parts.Value("count")), true
	}
	for _, t := range n.topics {
		tg := n.byTopic[t]
		if tg == nil || len(tg.ids) == 0 {
			return nil
		}
		g := tg.groups[tg.ids[0]]
		if !g.hasCount || g.count != float64(len(g.msgs)) {
			return nil
		}
	}
	var all []engine.Msg
	for _, t := range n.topics {
		tg := n.byTopic[t]
		all = append(all, tg.groups[tg.ids[0]].msgs...)
	}
	for _, t := range n.topics {
		tg := n.byTopic[t]
		if len(tg.ids) == 0 {
			continue // a topic listed twice
		}
		delete(tg.groups, tg.ids[0])
		tg.ids = tg.ids[1:]
	}
	sendSequence(all, true, out.Send)
	return nil
}

// sendSequence gives the messages a new msg.parts sequence (id from the
// first message) and sends them, copies when clone is set.
func sendSequence(msgs []engine.Msg, clone bool, send func(int, engine.Msg)) {
	id := msgs[0]["_msgid"]
	for i, m := range msgs {
		if clone {
			m = m.Clone()
		}
		parts, ok := m.Object("parts")
		if !ok {
			parts = engine.NewObject(3)
			m["parts"] = parts
		}
		parts.Set("id", id)
		parts.Set("index", float64(i))
		parts.Set("count", float64(len(msgs)))
		send(0, m)
	}
}

var errNoParts = batchError("no parts property in message")

// batchError is an error text of the batch node, Node-RED's wording.
type batchError string

func (e batchError) Error() string { return string(e) }
