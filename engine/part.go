package engine

import (
	"slices"
	"sync"
)

// A part is one connected part of the running graph: the nodes that can
// reach each other through wires, links, catch, status and complete nodes.
// Every delivery to a node of the part goes through the part's one FIFO and
// is handled to completion, one at a time, by the part's goroutine: the
// order of Node-RED 4, where every send is a setImmediate in one event
// loop. Independent parts run in parallel. Parts are decided at deploy.
type part struct {
	mu     sync.Mutex // guards q, head, idle, moved
	q      []delivery
	head   int
	idle   bool // the worker waits for signal
	moved  bool // replaced at a deploy: pushes go to the runners' new parts
	signal chan struct{}
	quit   chan struct{}
	done   chan struct{}
	gate   <-chan struct{} // nil, or closed when the worker may begin
}

type delivery struct {
	r *runner
	m Msg
}

// newPart starts a part whose worker begins delivering once gate is closed
// (at once when gate is nil).
func newPart(gate <-chan struct{}) *part {
	p := &part{signal: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}), gate: gate}
	go p.run()
	return p
}

// push queues ds in order; false when the part was replaced (the caller
// pushes again to the runners' current parts).
func (p *part) push(ds ...delivery) bool {
	p.mu.Lock()
	if p.moved {
		p.mu.Unlock()
		return false
	}
	p.q = append(p.q, ds...)
	wake := p.idle
	p.idle = false
	p.mu.Unlock()
	if wake {
		select {
		case p.signal <- struct{}{}:
		default:
		}
	}
	return true
}

// take swaps the queued deliveries for buf (empty, for reuse), waiting for
// some; false once quit.
func (p *part) take(buf []delivery) ([]delivery, bool) {
	for {
		p.mu.Lock()
		if len(p.q) > 0 {
			out := p.q
			p.q = buf
			p.mu.Unlock()
			return out, true
		}
		p.idle = true
		p.mu.Unlock()
		select {
		case <-p.signal:
		case <-p.quit:
			return nil, false
		}
	}
}

func (p *part) run() {
	defer close(p.done)
	if p.gate != nil {
		select {
		case <-p.gate:
		case <-p.quit:
			return
		}
	}
	var spare []delivery
	for {
		batch, ok := p.take(spare)
		if !ok {
			return
		}
		for i, d := range batch {
			batch[i] = delivery{}
			d.r.dispatch(d.m)
		}
		if cap(batch) <= 1<<18 {
			spare = batch[:0]
		} else {
			spare = nil // a burst does not keep its memory
		}
	}
}

// retire marks p replaced, hands what is still queued to the runners'
// current parts in order, and stops its worker (which finishes the delivery
// in hand first).
func (p *part) retire() {
	p.mu.Lock()
	if p.moved {
		p.mu.Unlock()
		return
	}
	p.moved = true
	left := slices.Clone(p.q)
	p.q = nil
	p.mu.Unlock()
	close(p.quit)
	for _, d := range left {
		d.r.pushPart(d)
	}
}

// partitions groups runners into connected parts (union-find over every
// route a message can take between them).
type partitions struct{ parent map[*runner]*runner }

func (ps *partitions) find(r *runner) *runner {
	for ps.parent[r] != r {
		ps.parent[r] = ps.parent[ps.parent[r]]
		r = ps.parent[r]
	}
	return r
}

func (ps *partitions) union(a, b *runner) {
	ra, rb := ps.find(a), ps.find(b)
	if ra != rb {
		ps.parent[ra] = rb
	}
}

// assignParts gives every running runner its part for topology t: the
// previous parts are retired and their queued deliveries moved, in order.
func (e *Engine) assignParts(t *topology) {
	ps := &partitions{parent: make(map[*runner]*runner, len(t.runners))}
	for _, r := range t.runners {
		ps.parent[r] = r
	}
	for id, ports := range t.wires {
		src := t.runners[id]
		for _, targets := range ports {
			for _, tr := range targets {
				ps.union(src, tr)
			}
		}
	}
	for _, r := range t.runners {
		if c, ok := r.node.(Caller); ok {
			for _, id := range c.CallTargets() {
				if tr, ok := t.runners[id]; ok {
					ps.union(r, tr)
				}
			}
		}
		// errors and statuses climb from a subflow instance to the flows around it
		flow := r.cfg.Flow
		for depth := 0; depth <= maxSubflowDepth; depth++ {
			for _, w := range t.catchers[flow] {
				ps.union(r, w.r)
			}
			for _, w := range t.statusers[flow] {
				ps.union(r, w.r)
			}
			f, ok := t.flows[flow]
			if !ok || f.Subflow == "" {
				break
			}
			if inst, ok := t.runners[flow]; ok {
				ps.union(r, inst)
			}
			flow = f.Parent
		}
	}
	for src, ws := range t.completers {
		if sr, ok := t.runners[src]; ok {
			for _, w := range ws {
				ps.union(sr, w)
			}
		}
	}
	parts := map[*runner]*part{}
	for _, r := range t.runners {
		if r.handler == nil {
			continue // nothing is ever delivered to it
		}
		root := ps.find(r)
		p, ok := parts[root]
		if !ok {
			p = newPart(e.starting)
			parts[root] = p
		}
		r.part.Store(p)
	}
	old := e.parts
	e.parts = make([]*part, 0, len(parts))
	for _, p := range parts {
		e.parts = append(e.parts, p)
	}
	for _, p := range old {
		p.retire()
	}
}

// settled reports whether the part has nothing queued and is not handling.
func (p *part) settled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle && len(p.q) == 0
}

// Settled reports whether no message is queued or being handled anywhere:
// every part waits for input and no Blocking node has work. Timers and I/O
// in flight are not counted. Tests use it as Node-RED's tests drain the
// event loop between inputs.
func (e *Engine) Settled() bool {
	t := e.topo.Load()
	for _, r := range t.runners {
		if r.queued.Load() > 0 {
			return false
		}
		if r.blocking {
			if !r.hmu.TryLock() {
				return false // handling a message
			}
			r.hmu.Unlock()
		}
	}
	e.mu.Lock()
	parts := e.parts
	e.mu.Unlock()
	for _, p := range parts {
		if !p.settled() {
			return false
		}
	}
	return true
}
