package function

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/flowgate/flowgate/engine"
)

func delaySpec() engine.Spec {
	units := func(names ...string) []engine.Option {
		out := make([]engine.Option, len(names))
		for i, n := range names {
			out[i] = engine.Option{Value: n, Label: n}
		}
		return out
	}
	return engine.Spec{
		Type: "delay", Category: "function", Color: color, Icon: "timer.svg",
		Inputs: 1, Outputs: 1, OutputsFrom: "outputs", LabelProp: "name",
		Props: []engine.Prop{
			{Name: "name", Kind: engine.KindString, Default: ""},
			{Name: "pauseType", Kind: engine.KindSelect, Default: "delay", Required: true, Options: []engine.Option{
				{Value: "delay", Label: "Fixed delay"}, {Value: "delayv", Label: "Override delay with msg.delay"},
				{Value: "random", Label: "Random delay"}, {Value: "rate", Label: "Rate Limit"},
				{Value: "queue", Label: "Rate limit each topic"}, {Value: "timed", Label: "Send all topics"}}},
			{Name: "timeout", Kind: engine.KindNumber, Default: "5", Required: true},
			{Name: "timeoutUnits", Kind: engine.KindSelect, Default: "seconds", Options: units("milliseconds", "seconds", "minutes", "hours", "days")},
			{Name: "rate", Kind: engine.KindNumber, Default: "1", Required: true},
			{Name: "nbRateUnits", Kind: engine.KindNumber, Default: "1"},
			{Name: "rateUnits", Kind: engine.KindSelect, Default: "second", Options: units("second", "minute", "hour", "day")},
			{Name: "randomFirst", Kind: engine.KindNumber, Default: "1", Required: true},
			{Name: "randomLast", Kind: engine.KindNumber, Default: "5", Required: true},
			{Name: "randomUnits", Kind: engine.KindSelect, Default: "seconds", Options: units("milliseconds", "seconds", "minutes", "hours", "days")},
			{Name: "drop", Kind: engine.KindBool, Default: false},
			{Name: "allowrate", Kind: engine.KindBool, Default: false},
			{Name: "outputs", Kind: engine.KindNumber, Default: 1, Hidden: true},
		},
		Help: help("delay"),
	}
}

// unitMillis converts Node-RED's delay units to milliseconds (seconds when
// the unit is unknown, as Node-RED defaults).
func unitMillis(unit string) float64 {
	switch unit {
	case "milliseconds":
		return 1
	case "minutes", "minute":
		return 60 * 1000
	case "hours", "hour":
		return 60 * 60 * 1000
	case "days", "day":
		return 24 * 60 * 60 * 1000
	}
	return 1000
}

// jsDuration is setTimeout's delay: out-of-range delays become 1ms.
func jsDuration(ms float64) time.Duration {
	if !(ms >= 1 && ms <= math.MaxInt32) {
		ms = 1
	}
	return time.Duration(ms * float64(time.Millisecond))
}

type delayed struct {
	msg      engine.Msg
	done     func(error)
	deadline time.Time
	seq      uint64
}

type buffered struct {
	msg  engine.Msg
	done func(error)
}

type delayNode struct {
	hasName     bool // for KeepsName
	res         *engine.Resources
	pauseType   string
	timeout     float64 // ms
	fixedRate   float64 // ms between messages
	randomFirst float64
	randomDiff  float64
	drop        bool
	allowRate   bool
	outputs     int
	randFloat   func() float64

	mu       sync.Mutex // guards everything below: Handle and timer callbacks share it
	timers   timers
	closed   bool
	pending  []*delayed // delay/delayv/random: in arrival order
	seq      uint64
	timer    *timerEntry // fires at the earliest pending deadline
	buffer   []buffered  // rate/queue/timed
	rate     float64     // ms, may be overridden by msg.rate
	interval *timerEntry // rate/queue/timed: the next tick of the interval, nil when stopped
	tick     func()      // what the interval does
	lastSent time.Time   // rate with drop
	busy     *timerEntry // pending queue-depth status report
}

// KeepsName implements engine.NameKeeper.
func (n *delayNode) KeepsName() bool { return n.hasName }

func newDelay(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &delayNode{res: res, randFloat: rand.Float64, hasName: p.Has("name")}
	n.timers.mu = &n.mu
	n.pauseType = p.String("pauseType", "delay")
	switch n.pauseType {
	case "delay", "delayv", "random", "rate", "queue", "timed":
	default:
		p.Fail("pauseType", "unknown pause type %q", n.pauseType)
	}
	n.timeout = p.Number("timeout", 0) * unitMillis(p.String("timeoutUnits", "seconds"))
	n.fixedRate = unitMillis(p.String("rateUnits", "second")) / p.Number("rate", 0)
	if nb := p.Number("nbRateUnits", 0); nb > 0 {
		n.fixedRate *= nb
	}
	ru := unitMillis(p.String("randomUnits", "seconds"))
	n.randomFirst = p.Number("randomFirst", 0) * ru
	n.randomDiff = p.Number("randomLast", 0)*ru - n.randomFirst
	n.drop = p.Bool("drop", false)
	n.allowRate = p.Bool("allowrate", false)
	n.outputs = p.Int("outputs", 1)
	n.rate = n.fixedRate
	return n, p.Err()
}

// Start starts the queue interval of the queue and timed modes.
func (n *delayNode) Start(context.Context) error {
	if n.pauseType == "queue" || n.pauseType == "timed" {
		n.mu.Lock()
		n.startInterval(n.queueTick)
		n.mu.Unlock()
	}
	return nil
}

// Close drops what is pending, as Node-RED does: the messages complete
// without being sent.
func (n *delayNode) Close(context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	n.clearPending()
	n.timers.close()
	for _, b := range n.buffer {
		b.done(nil)
	}
	n.buffer = nil
	n.res.Status(engine.Status{})
	return nil
}

// Handle implements the six modes of Node-RED's delay node.
func (n *delayNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	done := onceDone(out.Defer())
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		done(nil)
		return nil
	}
	switch n.pauseType {
	case "delay", "delayv", "random":
		n.handleDelay(m, done)
	case "rate":
		n.handleRate(m, done)
	default:
		n.handleQueue(m, done)
	}
	return nil
}

// onceDone makes a completion function safe to call more than once (Node-RED
// calls done twice in some paths).
func onceDone(d func(error)) func(error) {
	var once sync.Once
	return func(err error) { once.Do(func() { d(err) }) }
}

func (n *delayNode) handleDelay(m engine.Msg, done func(error)) {
	wait := n.timeout
	switch n.pauseType {
	case "delayv":
		if d, ok := m["delay"]; ok {
			if f := jsParseFloat(jsText(d)); !math.IsNaN(f) {
				wait = f
			}
		}
		wait = max(wait, 0)
	case "random":
		wait = n.randomFirst + n.randomDiff*n.randFloat()
	}
	_, hasFlush := m["flush"]
	_, hasReset := m["reset"]
	if len(m) == 2 && hasFlush {
		done(nil) // a bare flush message is not delayed itself
	} else {
		n.seq++
		n.pending = append(n.pending, &delayed{msg: m, done: done, deadline: time.Now().Add(jsDuration(wait)), seq: n.seq})
		n.arm()
	}
	switch n.pauseType {
	case "delay":
		switch {
		case hasReset:
			n.clearPending()
			n.status("blue", "ring", 0)
		case hasFlush:
			n.flushPending(m["flush"])
		case n.timeout > 1000:
			n.status("blue", "dot", len(n.pending))
		}
	default:
		if hasReset {
			n.clearPending()
			n.status("blue", "ring", 0)
		}
		if hasFlush {
			n.flushPending(m["flush"])
		}
		if n.pauseType == "delayv" || n.timeout >= 1000 {
			n.status("blue", "dot", len(n.pending))
		}
	}
}

// arm sets the timer to the earliest pending deadline.
func (n *delayNode) arm() {
	n.timers.stop(n.timer)
	n.timer = nil
	if len(n.pending) == 0 {
		return
	}
	first := n.pending[0].deadline
	for _, d := range n.pending[1:] {
		if d.deadline.Before(first) {
			first = d.deadline
		}
	}
	n.timer = n.timers.after(time.Until(first), n.fire)
}

// fire sends the delayed messages that are due, earliest first. It runs
// with n.mu held.
func (n *delayNode) fire() {
	n.timer = nil
	now := time.Now()
	var due []*delayed
	for _, d := range n.pending {
		if !d.deadline.After(now) {
			due = append(due, d)
		}
	}
	slices.SortStableFunc(due, func(a, b *delayed) int { return a.deadline.Compare(b.deadline) })
	// one at a time, as Node-RED's timeouts: each sees the others still pending
	for _, d := range due {
		n.pending = slices.DeleteFunc(n.pending, func(p *delayed) bool { return p == d })
		n.release(d)
	}
	n.arm()
}

// release sends one delayed message (already removed from pending).
func (n *delayNode) release(d *delayed) {
	switch n.pauseType {
	case "delay":
		if n.timeout > 1000 {
			n.status("blue", "dot", len(n.pending))
		}
		n.res.Send(0, d.msg)
	case "delayv":
		if len(n.pending) == 0 {
			n.res.Status(engine.Status{})
		}
		n.res.Send(0, d.msg)
		n.status("blue", "dot", len(n.pending))
	default:
		n.res.Send(0, d.msg)
		if n.timeout >= 1000 {
			n.status("blue", "dot", len(n.pending))
		}
	}
	d.done(nil)
}

// clearPending drops every delayed message (they complete unsent).
func (n *delayNode) clearPending() {
	for _, d := range n.pending {
		d.done(nil)
	}
	n.pending = nil
	n.arm()
}

// flushPending sends the first count delayed messages now (all when count
// is not a number).
func (n *delayNode) flushPending(count any) {
	k := len(n.pending)
	if f, ok := count.(float64); ok {
		k = max(0, min(int(math.Floor(f)), k))
	}
	for range k {
		d := n.pending[0]
		n.pending = n.pending[1:]
		n.release(d)
	}
	n.arm()
	n.status("blue", "dot", len(n.pending))
}

func (n *delayNode) handleRate(msg engine.Msg, done func(error)) {
	_, hasFlush := msg["flush"]
	_, hasReset := msg["reset"]
	if !n.drop {
		m := msg
		delete(m, "flush")
		if len(m) > 1 {
			if n.interval != nil {
				if r, ok := n.msgRate(m); ok && r != n.rate {
					n.rate = r
					n.startInterval(n.bufferTick)
				}
				if m["toFront"] == true {
					n.buffer = slices.Insert(n.buffer, 0, buffered{m, done})
				} else {
					n.buffer = append(n.buffer, buffered{m, done})
				}
				n.reportDepth()
			} else {
				if r, ok := n.msgRate(m); ok {
					n.rate = r
				}
				if hasReset {
					if hasFlush {
						n.buffer = append(n.buffer, buffered{m, done})
					}
				} else {
					n.res.Send(0, m)
				}
				n.reportDepth()
				n.startInterval(n.bufferTick)
				if !(hasReset && hasFlush) {
					done(nil)
				}
			}
		}
		if hasFlush {
			k := len(n.buffer)
			if f, ok := msg["flush"].(float64); ok {
				k = max(0, min(int(math.Floor(f)), k))
			}
			if k == 0 {
				n.stopInterval()
			} else {
				for range k {
					b := n.buffer[0]
					n.buffer = n.buffer[1:]
					delete(b.msg, "flush")
					delete(b.msg, "reset")
					if len(b.msg) > 1 {
						n.res.Send(0, b.msg)
					}
					b.done(nil)
				}
				n.startInterval(n.bufferTick)
			}
			n.status("blue", "dot", len(n.buffer))
			done(nil)
		}
	} else if !hasReset {
		if r, ok := n.msgRate(msg); ok {
			n.rate = r
		}
		now := time.Now()
		switch {
		case n.lastSent.IsZero() || float64(now.Sub(n.lastSent))/float64(time.Millisecond) > n.rate:
			n.lastSent = now
			n.res.Send(0, msg)
		case n.outputs == 2:
			n.res.Send(1, msg)
		}
		done(nil)
	}
	if hasReset {
		if !hasFlush {
			n.stopInterval()
			n.lastSent = time.Time{}
		}
		for _, b := range n.buffer {
			b.done(nil)
		}
		n.buffer = nil
		n.rate = n.fixedRate
		n.status("blue", "ring", 0)
		done(nil)
	}
}

// msgRate is msg.rate when rate overrides are allowed and it is a number.
func (n *delayNode) msgRate(m engine.Msg) (float64, bool) {
	if !n.allowRate {
		return 0, false
	}
	r, ok := m["rate"]
	if !ok || math.IsNaN(jsParseFloat(jsText(r))) {
		return 0, false
	}
	return engine.ToNumber(r), true
}

func (n *delayNode) handleQueue(m engine.Msg, done func(error)) {
	if r, ok := n.msgRate(m); ok && r != n.rate {
		n.rate = r
		// as Node-RED: a changed rate restarts the interval as a rate limiter
		n.startInterval(n.bufferTick)
	}
	if _, ok := m["topic"]; !ok {
		m["topic"] = "_none_"
	}
	hit := false
	for i, b := range n.buffer {
		if strictEqual(m["topic"], b.msg["topic"]) {
			if n.outputs == 2 {
				n.res.Send(1, b.msg)
			}
			b.done(nil)
			n.buffer[i] = buffered{m, done}
			hit = true
			break
		}
	}
	if !hit {
		n.buffer = append(n.buffer, buffered{m, done})
		n.reportDepth()
	}
	if f, ok := m["flush"]; ok {
		k := len(n.buffer)
		if num, isNum := f.(float64); isNum {
			k = max(0, min(int(math.Floor(num)), k))
		}
		for range k {
			b := n.buffer[0]
			n.buffer = n.buffer[1:]
			delete(b.msg, "flush")
			delete(b.msg, "reset")
			if len(b.msg) > 2 {
				n.res.Send(0, b.msg)
			}
			b.done(nil)
		}
		n.res.Status(engine.Status{})
		done(nil)
	}
	if _, ok := m["reset"]; ok {
		for _, b := range n.buffer {
			b.done(nil)
		}
		n.buffer = nil
		n.rate = n.fixedRate
		n.res.Status(engine.Status{Text: "reset"})
		done(nil)
	}
}

// startInterval (re)starts the interval with the current rate.
func (n *delayNode) startInterval(tick func()) {
	n.stopInterval()
	n.tick = tick
	var fire func()
	fire = func() {
		n.interval = n.timers.after(jsDuration(n.rate), fire)
		n.tick()
	}
	n.interval = n.timers.after(jsDuration(n.rate), fire)
}

func (n *delayNode) stopInterval() {
	n.timers.stop(n.interval)
	n.interval = nil
}

// bufferTick sends the next buffered message (rate mode); an empty buffer
// stops the interval, so the next message goes out at once.
func (n *delayNode) bufferTick() {
	if len(n.buffer) == 0 {
		n.stopInterval()
	}
	if len(n.buffer) > 0 {
		b := n.buffer[0]
		n.buffer = n.buffer[1:]
		if len(b.msg) > 1 {
			n.res.Send(0, b.msg)
			b.done(nil)
		}
	}
	n.reportDepth()
}

// queueTick sends the oldest topic (queue) or every topic (timed).
func (n *delayNode) queueTick() {
	k := min(1, len(n.buffer))
	if n.pauseType == "timed" {
		k = len(n.buffer)
	}
	for range k {
		b := n.buffer[0]
		n.buffer = n.buffer[1:]
		n.res.Send(0, b.msg)
		b.done(nil)
	}
	n.reportDepth()
}

// reportDepth shows the queue length, at most every 500ms.
func (n *delayNode) reportDepth() {
	if n.busy != nil {
		return
	}
	n.busy = n.timers.after(500*time.Millisecond, func() {
		n.status("blue", "dot", len(n.buffer))
		n.busy = nil
	})
}

func (n *delayNode) status(fill, shape string, count int) {
	n.res.Status(engine.Status{Fill: fill, Shape: shape, Text: engine.FormatNumber(float64(count))})
}
