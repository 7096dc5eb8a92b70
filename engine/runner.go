package engine

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// runner is the engine-owned wrapper around one node instance: its inbox,
// its worker goroutine, panic recovery and counters.
type runner struct {
	e       *Engine
	cfg     NodeConfig
	node    Node
	handler Handler
	res     *Resources
	log     *slog.Logger

	mu      sync.Mutex // guards queue, head, closed, warnAt
	queue   []Msg
	head    int
	closed  bool
	warnAt  int
	signal  chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed when the worker ends
	started bool

	received    atomic.Int64
	dropped     atomic.Int64
	lastFullLog atomicTime // when a full queue was last logged
}

const queueWarnStart = 1000

// atomicTime is a time.Time readable and swappable from any goroutine.
type atomicTime struct{ ns atomic.Int64 }

// Swap stores t and returns the previous time (zero time if none).
func (a *atomicTime) Swap(t time.Time) time.Time {
	old := a.ns.Swap(t.UnixNano())
	if old == 0 {
		return time.Time{}
	}
	return time.Unix(0, old)
}

func (r *runner) enqueue(m Msg) bool {
	r.mu.Lock()
	if r.closed || r.handler == nil {
		r.mu.Unlock()
		r.dropped.Add(1)
		r.e.dropped.Add(1)
		r.log.Debug("message dropped: node not running")
		return false
	}
	if max := r.e.opts.MaxQueue; max > 0 && len(r.queue)-r.head >= max {
		r.mu.Unlock()
		r.dropped.Add(1)
		r.e.dropped.Add(1)
		if now := time.Now(); now.Sub(r.lastFullLog.Swap(now)) >= time.Second {
			r.log.Warn("node input queue is full: message dropped", "max_queue", max, "dropped_total", r.dropped.Load())
		}
		return false
	}
	r.queue = append(r.queue, m)
	n := len(r.queue) - r.head
	warn := n >= r.warnAt
	if warn {
		r.warnAt *= 4
	}
	r.mu.Unlock()
	if warn {
		r.log.Warn("node input queue is growing", "queue_length", n)
	}
	select {
	case r.signal <- struct{}{}:
	default:
	}
	return true
}

// next returns the next queued message, waiting for one; false once stopped.
func (r *runner) next() (Msg, bool) {
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, false
		}
		if r.head < len(r.queue) {
			m := r.queue[r.head]
			r.queue[r.head] = nil
			r.head++
			if r.head == len(r.queue) {
				r.queue, r.head = r.queue[:0], 0
			} else if r.head > 1024 && r.head*2 > len(r.queue) {
				n := copy(r.queue, r.queue[r.head:])
				clear(r.queue[n:])
				r.queue, r.head = r.queue[:n], 0
			}
			r.mu.Unlock()
			return m, true
		}
		r.mu.Unlock()
		select {
		case <-r.signal:
		case <-r.ctx.Done():
			return nil, false
		}
	}
}

func (r *runner) loop() {
	defer close(r.done)
	for {
		m, ok := r.next()
		if !ok {
			return
		}
		r.received.Add(1)
		r.handle(m)
	}
}

func (r *runner) handle(m Msg) {
	out := Output{r: r, in: m}
	err := r.safeHandle(m, &out)
	if out.deferred {
		return
	}
	if err == nil && !r.watched() {
		return // the common case: nothing to route, nothing to allocate
	}
	in := m
	if out.sentIn {
		// m belongs to the node it was sent to: use the copy taken for
		// complete nodes, or for an error only what was read before sending
		in = out.snapshot
		if in == nil {
			in = Msg{"_msgid": out.msgID}
		}
	}
	r.finish(in, err)
}

func (r *runner) safeHandle(m Msg, out *Output) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("node panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return r.handler.Handle(r.ctx, m, out)
}

// finish completes message in: errors go to catch nodes, success to complete nodes.
func (r *runner) finish(in Msg, err error) {
	if err != nil {
		r.e.reportError(r, err, in)
		return
	}
	t := r.e.topo.Load()
	ws := t.completers[r.cfg.ID]
	for i, w := range ws {
		c := in
		if i < len(ws)-1 || c == nil {
			c = in.Clone()
		}
		c["complete"] = ObjectOf("source", r.e.source(r))
		w.enqueue(c)
	}
}

// watched reports whether complete nodes watch this node, so a sent input
// message must be copied for them.
func (r *runner) watched() bool {
	return len(r.e.topo.Load().completers[r.cfg.ID]) > 0
}

// send delivers m on port to every wired target: clones first, the original last.
func (r *runner) send(port int, m Msg) {
	if m == nil {
		return
	}
	if _, ok := m["_msgid"]; !ok {
		m["_msgid"] = NewMsgID()
	}
	t := r.e.topo.Load()
	ports := t.wires[r.cfg.ID]
	if port < 0 || port >= len(ports) {
		return
	}
	targets := ports[port]
	for i := len(targets) - 1; i >= 1; i-- {
		targets[i].enqueue(m.Clone())
	}
	if len(targets) > 0 {
		targets[0].enqueue(m)
	}
}

// start launches the worker and calls the node's Start.
func (r *runner) start() {
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.started = true
	if r.handler != nil {
		go r.loop()
	} else {
		close(r.done)
	}
	if s, ok := r.node.(Starter); ok {
		if err := safeStart(s, r.ctx); err != nil {
			// the other nodes run on; the user sees why this one does not,
			// under the node and in the debug sidebar
			r.e.reportStatus(r, Status{Fill: "red", Shape: "ring", Text: statusText(err)})
			r.e.reportError(r, fmt.Errorf("failed to start: %w", err), nil)
		}
	}
}

// stop closes the node within ctx's deadline and ends its worker.
func (r *runner) stop(ctx context.Context) {
	r.mu.Lock()
	r.closed = true
	left := len(r.queue) - r.head
	r.queue, r.head = nil, 0
	r.mu.Unlock()
	if left > 0 {
		r.dropped.Add(int64(left))
		r.e.dropped.Add(int64(left))
		r.log.Info("queued messages dropped on stop", "count", left)
	}
	if !r.started {
		if c, ok := r.node.(Closer); ok {
			_ = c.Close(ctx)
		}
		return
	}
	r.cancel()
	if c, ok := r.node.(Closer); ok {
		errc := make(chan error, 1)
		go func() { errc <- safeClose(c, ctx) }()
		select {
		case err := <-errc:
			if err != nil {
				r.log.Warn("node close failed", "err", err)
			}
		case <-ctx.Done():
			r.log.Warn("node close timed out")
		}
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		r.log.Warn("node still handling a message after close")
	}
}

func safeStart(s Starter, ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in start: %v", p)
		}
	}()
	return s.Start(ctx)
}

// statusText shortens an error for the status line under a node.
func statusText(err error) string {
	const max = 64
	t := err.Error()
	if r := []rune(t); len(r) > max {
		t = string(r[:max-1]) + "…"
	}
	return t
}

func safeClose(c Closer, ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in close: %v", p)
		}
	}()
	return c.Close(ctx)
}

// sameMap reports whether a and b are the same map (not equal contents).
func sameMap(a, b Msg) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
