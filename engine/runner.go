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

// runner is the engine-owned wrapper around one node instance: its place in
// a part, panic recovery and counters. A Blocking node also has its own
// inbox and worker goroutine.
type runner struct {
	e       *Engine
	cfg     NodeConfig
	node    Node
	handler Handler
	res     *Resources
	log     *slog.Logger

	part atomic.Pointer[part] // nil once stopped
	hmu  sync.Mutex           // held while Handle runs: one message at a time
	// spareOut is the Output of the last message, reused by the next one
	// (one allocation less per hop); guarded by hmu
	spareOut *Output

	blocking   bool // Handle runs on the node's own worker (Blocking)
	keepName   bool // the source of its events names it even when empty
	noComplete bool // complete nodes never fire for it (NoCompleter)

	// set at each deploy from the topology, read per message
	ports   atomic.Pointer[[][]*runner] // wired targets by output
	watched atomic.Bool                 // complete nodes watch it

	closed   atomic.Bool
	warnAt   atomic.Int64
	mu       sync.Mutex // guards queue and head
	queue    []Msg      // the inbox of a Blocking node
	head     int
	signal   chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{} // closed when a Blocking node's worker ends
	started  bool
	problems []*FieldError // construction problems, reported at start
	starting atomic.Bool   // in the node's Start: its statuses reach no status node

	queued      atomic.Int64 // deliveries waiting in the part or the inbox
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

// admit counts m into the node's queue, or drops it (counted, logged) when
// the node is not running or its queue is full.
func (r *runner) admit() bool {
	if r.closed.Load() || r.handler == nil {
		r.drop(1)
		r.log.Debug("message dropped: node not running")
		return false
	}
	n := r.queued.Add(1)
	if max := r.e.opts.MaxQueue; max > 0 && n > int64(max) {
		r.queued.Add(-1)
		r.drop(1)
		if now := time.Now(); now.Sub(r.lastFullLog.Swap(now)) >= time.Second {
			r.log.Warn("node input queue is full: message dropped", "max_queue", max, "dropped_total", r.dropped.Load())
		}
		return false
	}
	if at := r.warnAt.Load(); n >= at && r.warnAt.CompareAndSwap(at, at*4) {
		r.log.Warn("node input queue is growing", "queue_length", n)
	}
	return true
}

func (r *runner) drop(n int64) {
	r.dropped.Add(n)
	r.e.dropped.Add(n)
}

// unqueue drops an admitted delivery that will not be handled.
func (r *runner) unqueue() {
	r.queued.Add(-1)
	r.drop(1)
}

// enqueue queues m for the node in its part's FIFO.
func (r *runner) enqueue(m Msg) bool {
	if !r.admit() {
		return false
	}
	r.pushPart(delivery{r, m})
	return true
}

// pushPart queues an admitted delivery in the runner's current part.
func (r *runner) pushPart(d delivery) {
	for {
		p := r.part.Load()
		if p == nil {
			r.unqueue()
			return
		}
		if p.push(d) {
			return
		}
		if r.part.Load() == p {
			r.unqueue()
			return
		}
	}
}

// dispatch is the part worker's turn for this node: it handles m, or hands
// it to the inbox of a Blocking node.
func (r *runner) dispatch(m Msg) {
	if r.blocking {
		r.toInbox(m)
		return
	}
	r.hmu.Lock()
	defer r.hmu.Unlock()
	if r.closed.Load() {
		r.unqueue()
		return
	}
	r.queued.Add(-1)
	r.received.Add(1)
	r.handle(m)
}

// inline handles m now, on the caller's goroutine, as Node-RED's receive()
// does for catch, status and complete nodes. When the node is busy (another
// goroutine, or a loop of watchers) m is queued instead.
func (r *runner) inline(m Msg) {
	if r.blocking || !r.hmu.TryLock() {
		r.enqueue(m)
		return
	}
	defer r.hmu.Unlock()
	if r.closed.Load() || r.handler == nil {
		r.drop(1)
		return
	}
	r.received.Add(1)
	r.handle(m)
}

// toInbox queues m for a Blocking node's own worker.
func (r *runner) toInbox(m Msg) {
	r.mu.Lock()
	if r.closed.Load() {
		r.mu.Unlock()
		r.unqueue()
		return
	}
	r.queue = append(r.queue, m)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// next returns the next message of a Blocking node's inbox, waiting for
// one; false once stopped.
func (r *runner) next() (Msg, bool) {
	for {
		r.mu.Lock()
		if r.closed.Load() {
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

// loop is a Blocking node's worker.
func (r *runner) loop() {
	defer close(r.done)
	for {
		m, ok := r.next()
		if !ok {
			return
		}
		r.queued.Add(-1)
		r.received.Add(1)
		r.hmu.Lock()
		r.handle(m)
		r.hmu.Unlock()
	}
}

// handle runs Handle for m; the caller holds hmu.
func (r *runner) handle(m Msg) {
	out := r.spareOut
	if out == nil {
		out = new(Output)
	}
	*out = Output{r: r, in: m}
	err := r.safeHandle(m, out)
	if out.deferred {
		r.spareOut = nil // the node may still use it
		return
	}
	r.spareOut = out // Handle has returned: the next message reuses it
	if out.held {
		return // the node finishes m (Pending.Done)
	}
	if err == nil && !r.watched.Load() {
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
	if r.noComplete {
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
		w.inline(c)
	}
}

// send delivers m on port to every wired target, in wire order: the first
// gets m, the others copies taken now (as Node-RED clones at send time).
func (r *runner) send(port int, m Msg) { r.sendID(port, m) }

// sendID is send, returning m's _msgid (when a string) as it was sent.
func (r *runner) sendID(port int, m Msg) (id string) {
	if m == nil {
		return ""
	}
	if v, ok := m["_msgid"]; ok {
		id, _ = v.(string)
	} else {
		id = NewMsgID()
		m["_msgid"] = id
	}
	pp := r.ports.Load()
	if pp == nil || port < 0 || port >= len(*pp) {
		return
	}
	targets := (*pp)[port]
	switch len(targets) {
	case 0:
		return
	case 1:
		targets[0].enqueue(m)
		return
	}
	ds := make([]delivery, 0, len(targets))
	for i, tr := range targets {
		c := m
		if i > 0 {
			c = m.Clone()
		}
		if tr.admit() {
			ds = append(ds, delivery{tr, c})
		}
	}
	pushAll(ds)
	return id
}

// sendAll is Node-RED's node.send([[a, b], [c]]): for each output, for each
// wire, every message, in that order; the first delivery gets the message
// itself, every later one a copy.
func (r *runner) sendAll(outs [][]Msg) {
	var ports [][]*runner
	if pp := r.ports.Load(); pp != nil {
		ports = *pp
	}
	var ds []delivery
	first := true
	for port, ms := range outs {
		if port >= len(ports) {
			break
		}
		for _, tr := range ports[port] {
			for _, m := range ms {
				if m == nil {
					continue
				}
				if _, ok := m["_msgid"]; !ok {
					m["_msgid"] = NewMsgID()
				}
				c := m
				if !first {
					c = m.Clone()
				}
				first = false
				if tr.admit() {
					ds = append(ds, delivery{tr, c})
				}
			}
		}
	}
	pushAll(ds)
}

// pushAll queues admitted deliveries in order, runs of the same part in one step.
func pushAll(ds []delivery) {
	for i := 0; i < len(ds); {
		p := ds[i].r.part.Load()
		j := i + 1
		for j < len(ds) && ds[j].r.part.Load() == p {
			j++
		}
		if p == nil || !p.push(ds[i:j]...) {
			for _, d := range ds[i:j] {
				d.r.pushPart(d)
			}
		}
		i = j
	}
}

// start launches the worker and calls the node's Start.
func (r *runner) start() {
	r.started = true
	if r.handler != nil && r.blocking {
		go r.loop()
	} else {
		close(r.done)
	}
	r.reportProblems()
	if s, ok := r.node.(Starter); ok {
		r.starting.Store(true)
		err := safeStart(s, r.ctx)
		r.starting.Store(false)
		if err != nil {
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
	r.closed.Store(true)
	r.queue, r.head = nil, 0
	r.mu.Unlock()
	r.part.Store(nil)
	if left := r.queued.Load(); left > 0 {
		// each is counted as dropped when its part reaches it
		r.log.Info("queued messages dropped on stop", "count", left)
	}
	r.cancel()
	if !r.started {
		if c, ok := r.node.(Closer); ok {
			_ = c.Close(ctx)
		}
		return
	}
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
		return
	}
	if !r.waitIdle(ctx) {
		r.log.Warn("node still handling a message after close")
	}
}

// waitIdle waits, within ctx, for a Handle in progress on a part worker to
// return.
func (r *runner) waitIdle(ctx context.Context) bool {
	if r.hmu.TryLock() {
		r.hmu.Unlock()
		return true
	}
	idle := make(chan struct{})
	go func() {
		r.hmu.Lock()
		r.hmu.Unlock() //nolint:staticcheck // only waits for the holder
		close(idle)
	}()
	select {
	case <-idle:
		return true
	case <-ctx.Done():
		return false
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

func safeRemove(rm Remover, ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in remove: %v", p)
		}
	}()
	return rm.Remove(ctx)
}

// sameMap reports whether a and b are the same map (not equal contents).
func sameMap(a, b Msg) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
