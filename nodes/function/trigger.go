package function

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mustache"
)

func triggerSpec() engine.Spec {
	opTypes := []string{"flow", "global", "str", "num", "bool", "json", "bin", "date", "env", "pay", "nul"}
	return engine.Spec{
		Type: "trigger", Category: "function", Color: color, Icon: "trigger.svg",
		Inputs: 1, Outputs: 1, OutputsFrom: "outputs", LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "op1", Kind: engine.KindTyped, Default: "1", TypeProp: "op1type", Types: opTypes},
			{Name: "op2", Kind: engine.KindTyped, Default: "0", TypeProp: "op2type", Types: append(opTypes, "payl")},
			{Name: "op1type", Kind: engine.KindString, Default: "val", Hidden: true},
			{Name: "op2type", Kind: engine.KindString, Default: "val", Hidden: true},
			{Name: "duration", Kind: engine.KindNumber, Default: "250", Required: true},
			{Name: "extend", Kind: engine.KindBool, Default: "false"},
			{Name: "overrideDelay", Kind: engine.KindBool, Default: "false"},
			{Name: "units", Kind: engine.KindSelect, Default: "ms", Options: []engine.Option{
				{Value: "ms", Label: "Milliseconds"}, {Value: "s", Label: "Seconds"},
				{Value: "min", Label: "Minutes"}, {Value: "hr", Label: "Hours"}}},
			{Name: "reset", Kind: engine.KindString, Default: ""},
			{Name: "bytopic", Kind: engine.KindSelect, Default: "all", Options: []engine.Option{
				{Value: "all", Label: "all messages"}, {Value: "topic", Label: "each msg.topic"}}},
			{Name: "topic", Kind: engine.KindString, Default: "topic", Required: true},
			{Name: "outputs", Kind: engine.KindNumber, Default: 1, Hidden: true},
		},
		Help: help("trigger"),
	}
}

// triggerOp is what the trigger sends first (op1) or after the delay (op2).
type triggerOp struct {
	kind     string // str, num, bool, null, json, bin, date, env, flow, global, msg, pay, payl, nul
	konst    any
	typed    *engine.Typed
	template *mustache.Template // str containing {{
}

// eval gives the op's value for m.
func (o *triggerOp) eval(res *engine.Resources, m engine.Msg) (any, error) {
	switch {
	case o.template != nil:
		return o.template.Render(func(name string) (any, bool) {
			if name == "." {
				return m, true
			}
			return mustache.Property(m, name)
		}), nil
	case o.typed != nil:
		return o.typed.Eval(res, m)
	}
	return o.konst, nil
}

type triggerState struct {
	timer   *timerEntry // nil: none; loop mode: the next repetition
	waiting bool        // duration 0: blocked until reset (Node-RED's tout = 0)
	m2      any
	gen     uint64 // identifies the timer generation, so a stopped timer's late callback is ignored
}

type triggerNode struct {
	res           *engine.Resources
	op1, op2      triggerOp
	duration      float64 // ms
	loop          bool
	extend        bool
	overrideDelay bool
	reset         string
	byTopic       bool
	topic         msgProp
	second        bool

	mu     sync.Mutex // guards topics, npay, gen, closed, timers: Handle and timer callbacks share them
	timers timers
	topics map[string]*triggerState
	npay   map[string]engine.Msg // op2 "payl": the latest message per topic
	gen    uint64
	closed bool
}

func newTrigger(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &triggerNode{res: res, topics: map[string]*triggerState{}, npay: map[string]engine.Msg{}}
	n.timers.mu = &n.mu
	n.byTopic = p.String("bytopic", "all") == "topic"
	for _, op := range []struct {
		dst            *triggerOp
		name, typ, def string
	}{{&n.op1, "op1", "op1type", "1"}, {&n.op2, "op2", "op2type", "0"}} {
		value := p.String(op.name, "")
		if value == "" {
			value = op.def
		}
		kind := p.String(op.typ, "str")
		if kind == "" {
			kind = "str"
		}
		if kind == "date" && value == op.def {
			value = ""
		}
		o, err := compileTriggerOp(kind, value)
		if err != nil {
			p.Fail(op.name, "%v", err)
		}
		*op.dst = o
	}
	n.second = p.Int("outputs", 1) == 2
	topic := p.String("topic", "topic")
	if topic == "" {
		topic = "topic"
	}
	mp, err := compileMsgProp(topic)
	if err != nil {
		p.Fail("topic", "%v", err)
	}
	n.topic = mp
	n.extend = p.String("extend", "false") == "true"
	n.overrideDelay = p.Bool("overrideDelay", false)
	n.reset = p.String("reset", "")
	n.duration = jsParseFloat(p.String("duration", ""))
	if math.IsNaN(n.duration) {
		n.duration = 250
	}
	if n.duration < 0 {
		n.loop, n.duration, n.extend = true, -n.duration, false
	}
	switch p.String("units", "ms") {
	case "s":
		n.duration *= 1000
	case "min":
		n.duration *= 60 * 1000
	case "hr":
		n.duration *= 60 * 60 * 1000
	}
	return n, p.Err()
}

func compileTriggerOp(kind, value string) (triggerOp, error) {
	if kind == "val" {
		switch value {
		case "true", "false":
			kind = "bool"
		case "null":
			kind = "null"
		default:
			kind = "str"
		}
	}
	o := triggerOp{kind: kind}
	switch kind {
	case "str":
		o.konst = value
		if strings.Contains(value, "{{") {
			t, err := mustache.Parse(value)
			if err != nil {
				return o, err
			}
			o.template = t
		}
	case "num":
		o.konst = engine.ToNumber(value)
	case "bool":
		o.konst = strings.EqualFold(value, "true")
	case "null", "pay", "payl", "nul":
	default:
		t, err := engine.CompileTyped(kind, value)
		if err != nil {
			return o, err
		}
		o.typed = t
	}
	return o, nil
}

// Close stops every timer.
func (n *triggerNode) Close(context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	n.timers.close()
	clear(n.topics)
	n.res.Status(n.stat())
	return nil
}

// Handle sends op1 on the first message of a topic and op2 after the
// duration; msg.reset (or the reset payload) stops the topic.
func (n *triggerNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	topic := "_none"
	if v, _, _ := n.topic.get(m); engine.Truthy(v) && n.byTopic {
		topic = engine.ToString(v)
	}
	delay := n.duration
	if d, ok := m["delay"]; ok && n.overrideDelay {
		if f := jsParseFloat(jsText(d)); !math.IsNaN(f) {
			delay = f
		}
	}
	st := n.topics[topic]
	if st == nil {
		st = &triggerState{}
		n.topics[topic] = st
	}
	if n.isReset(m) {
		n.timers.stop(st.timer)
		delete(n.topics, topic)
		n.res.Status(n.stat())
		return nil
	}
	if n.op2.kind == "payl" {
		n.npay[topic] = m.Clone()
	}
	switch {
	case (st.timer == nil && !st.waiting) || n.loop:
		return n.start(topic, st, m, delay, out)
	case n.extend && delay > 0:
		if n.op2.kind == "payl" {
			st.m2 = engine.CloneValue(m["payload"])
		}
		n.timers.stop(st.timer)
		n.gen++
		gen := n.gen
		st.gen = gen
		st.timer = n.timers.after(jsDuration(delay), func() { n.extended(topic, gen, m) })
	}
	return nil
}

func (n *triggerNode) isReset(m engine.Msg) bool {
	if _, ok := m["reset"]; ok {
		return true
	}
	p, ok := m["payload"]
	return n.reset != "" && ok && p != nil && engine.ToString(p) == n.reset
}

// start handles the first message of a topic: op2 is fixed, op1 is sent and
// the timer (or the loop, or the wait for reset) begins.
func (n *triggerNode) start(topic string, st *triggerState, m engine.Msg, delay float64, out *engine.Output) error {
	switch n.op2.kind {
	case "pay":
		st.m2 = engine.CloneValue(m["payload"])
	case "nul", "payl":
	default:
		v, err := n.op2.eval(n.res, m)
		if err != nil {
			return err
		}
		st.m2 = v
	}
	switch n.op1.kind {
	case "pay", "nul":
	default:
		v, err := n.op1.eval(n.res, m)
		if err != nil {
			return err
		}
		m["payload"] = v
	}
	n.gen++
	gen := n.gen
	st.gen = gen
	switch {
	case delay == 0:
		st.waiting = true
	case n.loop:
		n.timers.stop(st.timer)
		if n.op1.kind != "nul" {
			msg2 := m.Clone()
			var tick func()
			tick = func() {
				if n.closed || n.topics[topic] != st || st.gen != gen {
					return
				}
				st.timer = n.timers.after(jsDuration(delay), tick)
				if n.op1.kind == "date" {
					msg2["payload"] = float64(time.Now().UnixMilli())
				}
				n.res.Send(0, msg2.Clone())
			}
			st.timer = n.timers.after(jsDuration(delay), tick)
		}
	default:
		st.timer = n.timers.after(jsDuration(delay), func() { n.expired(topic, gen, m) })
	}
	n.res.Status(n.stat())
	if n.op1.kind != "nul" {
		out.Send(0, m.Clone())
	}
	return nil
}

// expired sends op2 when the first timer of a topic ends.
// It runs with n.mu held.
func (n *triggerNode) expired(topic string, gen uint64, m engine.Msg) {
	st := n.topics[topic]
	if n.closed || st == nil || st.gen != gen {
		return
	}
	if n.op2.kind != "nul" {
		msg2 := m.Clone()
		switch n.op2.kind {
		case "flow", "global", "date":
			v, err := n.op2.eval(n.res, m)
			if err != nil {
				n.res.Error(err, nil)
				return
			}
			st.m2 = v
		}
		if n.op2.kind == "payl" {
			msg2 = n.npay[topic]
			delete(n.npay, topic)
		} else {
			msg2["payload"] = st.m2
		}
		n.send(msg2)
	}
	delete(n.topics, topic)
	n.res.Status(n.stat())
}

// extended sends op2 when an extended timer ends, with the latest message.
// It runs with n.mu held.
func (n *triggerNode) extended(topic string, gen uint64, m engine.Msg) {
	st := n.topics[topic]
	if n.closed || st == nil || st.gen != gen {
		return
	}
	var msg2 engine.Msg
	if n.op2.kind != "nul" {
		if n.op2.kind == "flow" || n.op2.kind == "global" {
			v, err := n.op2.eval(n.res, m)
			if err != nil {
				n.res.Error(err, nil)
				return
			}
			st.m2 = v
		}
		msg2 = m.Clone()
		msg2["payload"] = st.m2
	}
	delete(n.topics, topic)
	n.res.Status(n.stat())
	n.send(msg2)
}

// send sends op2's message on the second output when there is one.
func (n *triggerNode) send(m engine.Msg) {
	if m == nil {
		return
	}
	if n.second {
		n.res.Send(1, m)
	} else {
		n.res.Send(0, m)
	}
}

// stat is the status: a dot while a topic is active, with the count when
// several are.
func (n *triggerNode) stat() engine.Status {
	switch l := len(n.topics); l {
	case 0:
		return engine.Status{}
	case 1:
		return engine.Status{Fill: "blue", Shape: "dot"}
	default:
		return engine.Status{Fill: "blue", Shape: "dot", Text: engine.FormatNumber(float64(l))}
	}
}
