package engine

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure an Engine. Zero values are usable.
type Options struct {
	Log    *slog.Logger
	Events Events
	HTTP   HTTPRouter
	Stores *Stores
	// Env resolves environment variables after node, group and flow env
	// (settings env, then the process); os.LookupEnv when nil.
	Env func(name string) (string, bool)
	// CloseTimeout bounds each node's Close (Node-RED's nodeCloseTimeout).
	CloseTimeout time.Duration
	// MaxQueue bounds each node's input queue (0: unbounded, as Node-RED).
	// The policy when a queue is full: the new message is dropped — never a
	// silent drop: it is counted (Stats, NodeStats, /metrics), logged at most
	// once a second per node, and the node's queue warning shows it.
	MaxQueue int
	Now      func() time.Time
	// JSONata compiles jsonata typed values and expressions; without it
	// they are deploy errors.
	JSONata JSONata
	// Disabled reports whether a node type is disabled (its node set was
	// switched off, as Node-RED's PUT /nodes/:module/:set does): nodes of
	// a disabled type are kept in the graph and not run, like nodes of an
	// unknown type. nil: every registered type runs.
	Disabled func(typ string) bool
}

// Engine runs one deployed graph. Deploys are serialised; messages flow
// between running nodes through the FIFOs of the graph's connected parts
// (see the package documentation).
type Engine struct {
	reg  *Registry
	opts Options
	log  *slog.Logger

	mu      sync.Mutex // serialises deploys; guards graph, running, stopped
	graph   *Graph
	running map[string]*runner
	stopped bool

	topo  atomic.Pointer[topology]
	parts []*part // of the running graph; changed with topo, under mu
	// starting, during a deploy's start of nodes, holds the new parts'
	// deliveries until every node has started: a message sent from a
	// Start (retained MQTT messages, a node announcing itself) reaches
	// nodes that have all started, as Node-RED delivers it after every
	// node's constructor. Under mu.
	starting chan struct{}

	statusMu sync.Mutex // guards statuses
	statuses map[string]Status

	dropped atomic.Int64
}

type topology struct {
	runners    map[string]*runner
	wires      map[string][][]*runner
	catchers   map[string][]*watcher // by flow, scoped first, uncaught last
	statusers  map[string][]*watcher // by flow
	completers map[string][]*runner  // by watched node
	flows      map[string]FlowInfo   // by id: subflow instances find their parent
}

type watcher struct {
	r     *runner
	scope Scope
}

// New returns an engine for the node types of reg.
func New(reg *Registry, opts Options) *Engine {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Stores == nil {
		opts.Stores = NewMemoryStores()
	}
	if opts.Env == nil {
		opts.Env = os.LookupEnv
	}
	if opts.CloseTimeout == 0 {
		opts.CloseTimeout = 15 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Events == nil {
		opts.Events = discardEvents{}
	}
	e := &Engine{reg: reg, opts: opts, log: opts.Log, running: map[string]*runner{}, statuses: map[string]Status{}, graph: &Graph{}}
	e.topo.Store(&topology{})
	return e
}

type discardEvents struct{}

func (discardEvents) Publish(string, any) {}

// Warning is a problem that does not stop a deploy: an unknown node type, or
// a property the node reports when it starts or runs, as in Node-RED.
type Warning = FieldError

// Deploy validates g, constructs every node the plan starts, calls commit
// (persistence; may be nil), stops the nodes the plan stops, rewires, and
// starts the new nodes. A node's property problems do not stop a deploy, as
// in Node-RED: they are returned as warnings and the node reports them when
// it starts or runs (a node whose constructor failed is replaced by one that
// reports its problems at start and drops its messages, as Node-RED's nodes
// that find their configuration invalid do). On an error of commit the
// running flows are untouched.
func (e *Engine) Deploy(ctx context.Context, g *Graph, mode DeployMode, commit func() error) ([]Warning, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	plan := Diff(e.graph, g, mode)
	if e.stopped {
		// flows stay stopped: validate everything, run nothing
		_, warnings, err := e.construct(g, allIDs(g))
		if err == nil && commit != nil {
			err = commit()
		}
		if err == nil {
			e.graph = g
		}
		return warnings, err
	}
	built, warnings, err := e.construct(g, plan.Start)
	if err != nil {
		return warnings, err
	}
	if commit != nil {
		if err := commit(); err != nil {
			return warnings, err
		}
	}
	clearAll := mode == DeployFull || mode == DeployReload || mode == ""
	e.apply(ctx, g, plan, built, clearAll)
	return warnings, nil
}

// Validate constructs every node of g without running anything and returns
// the problems a deploy of g would report.
func (e *Engine) Validate(g *Graph) ([]Warning, error) {
	_, w, err := e.construct(g, allIDs(g))
	return w, err
}

func allIDs(g *Graph) []string {
	ids := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		ids[i] = n.ID
	}
	return ids
}

// construct builds runners for ids (pure: no node is started).
func (e *Engine) construct(g *Graph, ids []string) (map[string]*runner, []Warning, error) {
	flows := map[string]FlowInfo{}
	for _, f := range g.Flows {
		flows[f.ID] = f
	}
	groups := map[string]GroupInfo{}
	for _, gr := range g.Groups {
		groups[gr.ID] = gr
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	built := map[string]*runner{}
	var warnings []Warning
	envs := newEnvScopes(g, e.opts.Env, e.log)
	for _, n := range g.Nodes {
		if !want[n.ID] || n.Disabled || flows[n.Flow].Disabled {
			continue
		}
		t, ok := e.reg.Lookup(n.Type)
		switch n.internal {
		case internalInstance, internalStatus:
			t, ok = e.internalType(n), true
		case internalMissing:
			warnings = append(warnings, FieldError{Node: n.ID, Type: n.Type, Reason: fmt.Sprintf("subflow definition %q not found: kept, not running", strings.TrimPrefix(n.Type, "subflow:"))})
			continue
		}
		if !ok {
			warnings = append(warnings, FieldError{Node: n.ID, Type: n.Type, Reason: fmt.Sprintf("unknown node type %q: kept, not running", n.Type)})
			continue
		}
		if n.internal == "" && e.opts.Disabled != nil && e.opts.Disabled(n.Type) {
			warnings = append(warnings, FieldError{Node: n.ID, Type: n.Type, Reason: fmt.Sprintf("node type %q is disabled: kept, not running", n.Type)})
			continue
		}
		r := e.newRunner(n, flows, envs)
		n.Config.Props = substituteEnv(n.Config.Props, r.res.envValue)
		if _, named := n.Config.Props["name"]; named {
			n.Config.Name = str(n.Config.Props, "name")
		}
		n.Config.jsonata = e.opts.JSONata
		node, err := safeConstruct(t.New, &n.Config, r.res)
		// Node-RED deploys a node whatever its properties: what it finds wrong
		// it reports when it starts or runs, so here every problem is a warning
		r.problems = append(FieldErrors(err), n.Config.deferred...)
		for _, fe := range r.problems {
			if fe.Node == "" {
				fe.Node, fe.Type = n.ID, n.Type
			}
			warnings = append(warnings, *fe)
		}
		if err != nil {
			// what the constructor refused, Node-RED's node reports at start
			// and then ignores its messages; problems the node reports
			// itself as it runs are deferred (Props.Defer), not errors
			node = invalidNode{problems: FieldErrors(err)}
		}
		r.node = node
		r.handler, _ = node.(Handler)
		_, r.blocking = node.(Blocking)
		_, named := n.Config.Props["name"]
		r.keepName = t.Spec.KeepsName && named
		_, r.noComplete = node.(NoCompleter)
		built[n.ID] = r
	}
	return built, warnings, nil
}

func safeConstruct(c Constructor, cfg *Config, res *Resources) (n Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &FieldError{Node: cfg.ID, Type: cfg.Type, Reason: fmt.Sprintf("constructor panicked: %v", p)}
		}
	}()
	return c(cfg, res)
}

func (e *Engine) newRunner(n NodeConfig, flows map[string]FlowInfo, envs *envScopes) *runner {
	log := e.log.With("node", n.ID, "type", n.Type, "flow", n.Flow)
	r := &runner{e: e, cfg: n, log: log, signal: make(chan struct{}, 1), done: make(chan struct{})}
	r.warnAt.Store(queueWarnStart)
	// the context exists before Start: a part may deliver to the node while
	// the nodes of a deploy are still being started
	r.ctx, r.cancel = context.WithCancel(context.Background())
	stores := e.opts.Stores
	global := NewContext(stores, "global")
	flowScope := n.Flow
	if flowScope == "" {
		flowScope = "global"
	}
	// a tab's flow context has the global context as $parent, a subflow
	// instance's the context of the flow it sits in
	flow := NewContext(stores, flowScope)
	ctx := flow
	for depth := 0; flowScope != "global" && depth <= maxSubflowDepth; depth++ {
		parent := flows[flowScope].Parent
		if parent == "" {
			ctx.parent = global
			break
		}
		ctx.parent = NewContext(stores, parent)
		ctx, flowScope = ctx.parent, parent
	}
	nodeScope := n.ID
	if n.Alias != "" {
		nodeScope = n.Alias // Node-RED: context.get(_alias||id, z)
	}
	if n.Flow == "" {
		nodeScope += ":global"
	} else {
		nodeScope += ":" + n.Flow
	}
	envValue := envs.node(n)
	r.res = &Resources{
		Log:    log,
		Node:   NewContext(stores, nodeScope),
		Flow:   flow,
		Global: global,
		Events: e.opts.Events,
		HTTP:   e.opts.HTTP,
		Now:    e.opts.Now,
		env: func(name string) (string, bool) {
			v, ok := envValue(name)
			return envText(v), ok
		},
		envValue: envValue,
		r:        r,
	}
	return r
}

// internalType is the engine's own behaviour of a subflow instance's input
// and status output.
func (e *Engine) internalType(n NodeConfig) Type {
	return Type{Spec: Spec{Type: n.Type}, New: func(cfg *Config, _ *Resources) (Node, error) {
		if n.internal == internalStatus {
			return &subflowStatus{e: e, instance: cfg.Flow}, nil
		}
		return subflowInstance{}, nil
	}}
}

func (e *Engine) apply(ctx context.Context, g *Graph, plan Plan, built map[string]*runner, clearAll bool) {
	e.removeRunners(ctx, plan.Removed)
	var stopping []*runner
	for _, id := range plan.Stop {
		if r, ok := e.running[id]; ok {
			stopping = append(stopping, r)
			delete(e.running, id)
		}
	}
	e.stopRunners(ctx, stopping)
	removed := map[string]bool{}
	for _, id := range plan.Removed {
		removed[id] = true
	}
	for _, r := range stopping {
		if clearAll || removed[r.cfg.ID] {
			_ = r.res.Node.Clear()
		}
		e.statusMu.Lock()
		delete(e.statuses, r.cfg.ID)
		e.statusMu.Unlock()
	}
	for _, n := range g.Nodes {
		if r, ok := e.running[n.ID]; ok {
			r.cfg.Wires = n.Wires // kept nodes are rewired
		}
	}
	for id, r := range built {
		e.running[id] = r
	}
	e.graph = g
	e.starting = make(chan struct{})
	defer func() {
		close(e.starting)
		e.starting = nil
	}()
	e.rebuildTopology()
	// config nodes first, then the rest in graph order
	order := make([]*runner, 0, len(built))
	for _, n := range g.Nodes {
		if r, ok := built[n.ID]; ok {
			order = append(order, r)
		}
	}
	slices.SortStableFunc(order, func(a, b *runner) int {
		return cmp.Compare(boolRank(a.cfg.Flow != ""), boolRank(b.cfg.Flow != ""))
	})
	for _, r := range order {
		r.start()
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stopRunners closes rs in parallel, flow nodes first and config nodes
// (broker connections, device nodes) after them, so a node's Close can
// still use the config node it was built on.
func (e *Engine) stopRunners(ctx context.Context, rs []*runner) {
	e.inTwoWaves(ctx, rs, (*runner).stop)
}

// removeRunners calls Remove on the running nodes of ids that implement
// Remover, flow nodes first and config nodes after them, while every node
// still runs.
func (e *Engine) removeRunners(ctx context.Context, ids []string) {
	var rs []*runner
	for _, id := range ids {
		if r, ok := e.running[id]; ok && r.started {
			if _, remover := r.node.(Remover); remover {
				rs = append(rs, r)
			}
		}
	}
	e.inTwoWaves(ctx, rs, func(r *runner, rctx context.Context) {
		errc := make(chan error, 1)
		go func() { errc <- safeRemove(r.node.(Remover), rctx) }()
		select {
		case err := <-errc:
			if err != nil {
				r.log.Warn("node remove failed", "err", err)
			}
		case <-rctx.Done():
			r.log.Warn("node remove timed out")
		}
	})
}

// inTwoWaves runs f for every runner of rs in parallel, each bounded by
// the close timeout: the flow nodes first, then the config nodes they use.
func (e *Engine) inTwoWaves(ctx context.Context, rs []*runner, f func(*runner, context.Context)) {
	var flowNodes, configNodes []*runner
	for _, r := range rs {
		if r.cfg.Flow == "" {
			configNodes = append(configNodes, r)
		} else {
			flowNodes = append(flowNodes, r)
		}
	}
	for _, group := range [][]*runner{flowNodes, configNodes} {
		var wg sync.WaitGroup
		for _, r := range group {
			wg.Go(func() {
				cctx, cancel := context.WithTimeout(ctx, e.opts.CloseTimeout)
				defer cancel()
				f(r, cctx)
			})
		}
		wg.Wait()
	}
}

func (e *Engine) rebuildTopology() {
	t := &topology{
		runners:    make(map[string]*runner, len(e.running)),
		wires:      make(map[string][][]*runner, len(e.running)),
		catchers:   map[string][]*watcher{},
		statusers:  map[string][]*watcher{},
		completers: map[string][]*runner{},
		flows:      make(map[string]FlowInfo, len(e.graph.Flows)),
	}
	for _, f := range e.graph.Flows {
		t.flows[f.ID] = f
	}
	for id, r := range e.running {
		t.runners[id] = r
	}
	for id, r := range e.running {
		ports := make([][]*runner, len(r.cfg.Wires))
		for p, targets := range r.cfg.Wires {
			for _, tid := range targets {
				if tr, ok := e.running[tid]; ok && tr.handler != nil {
					ports[p] = append(ports[p], tr)
				}
			}
		}
		if l, ok := r.node.(Linker); ok {
			if len(ports) == 0 {
				ports = make([][]*runner, 1)
			}
			for _, tid := range l.LinkTargets() {
				if tr, ok := e.running[tid]; ok && tr.handler != nil && !slices.Contains(ports[0], tr) {
					ports[0] = append(ports[0], tr)
				}
			}
		}
		t.wires[id] = ports
	}
	for _, r := range e.running {
		sink, ok := r.node.(LinkSink)
		if !ok || r.handler == nil {
			continue
		}
		for _, src := range sink.LinkSources() {
			sr, ok := e.running[src]
			if !ok {
				continue
			}
			if _, isLinker := sr.node.(Linker); !isLinker {
				continue
			}
			ports := t.wires[src]
			if len(ports) == 0 {
				ports = make([][]*runner, 1)
			}
			if !slices.Contains(ports[0], r) {
				ports[0] = append(ports[0], r)
			}
			t.wires[src] = ports
		}
	}
	for _, r := range e.running {
		if c, ok := r.node.(Catcher); ok {
			t.catchers[r.cfg.Flow] = append(t.catchers[r.cfg.Flow], &watcher{r: r, scope: c.CatchScope()})
		}
		if s, ok := r.node.(StatusWatcher); ok {
			t.statusers[r.cfg.Flow] = append(t.statusers[r.cfg.Flow], &watcher{r: r, scope: s.StatusScope()})
		}
		if c, ok := r.node.(CompleteWatcher); ok {
			for _, src := range c.CompleteScope() {
				t.completers[src] = append(t.completers[src], r)
			}
		}
	}
	for f, ws := range t.catchers {
		slices.SortStableFunc(ws, func(a, b *watcher) int {
			return cmp.Or(cmp.Compare(catchRank(a.scope), catchRank(b.scope)), cmp.Compare(a.r.cfg.ID, b.r.cfg.ID))
		})
		t.catchers[f] = ws
	}
	for id, r := range t.runners {
		ports := t.wires[id]
		r.ports.Store(&ports)
		r.watched.Store(!r.noComplete && len(t.completers[id]) > 0)
	}
	e.assignParts(t)
	e.topo.Store(t)
}

// catchRank orders catch nodes as Node-RED: scoped, then all, then uncaught.
func catchRank(s Scope) int {
	switch {
	case len(s.Nodes) > 0 || s.Group:
		return 0
	case s.Uncaught:
		return 2
	}
	return 1
}

func (s Scope) matches(w *runner, src *runner) bool {
	if s.Group {
		return w.cfg.Group != "" && w.cfg.Group == src.cfg.Group
	}
	if len(s.Nodes) > 0 {
		return slices.Contains(s.Nodes, src.cfg.ID)
	}
	return true
}

// source is Node-RED's msg.error.source / msg.status.source: name only when
// not empty (Node-RED's Node sets this.name only from a truthy name).
func (e *Engine) source(r *runner) *Object {
	src := ObjectOf("id", r.cfg.ID, "type", r.cfg.Type)
	if r.cfg.Name != "" || r.keepName {
		src.Set("name", r.cfg.Name)
	}
	return src
}

// maxCatches is how often one message may be caught for the same node
// before Node-RED gives up (a catch loop).
const maxCatches = 10

func (e *Engine) reportError(r *runner, err error, m Msg) {
	text := err.Error()
	handled := false
	if m != nil {
		count := 1.0
		if prev, ok := AsObject(m["error"]); ok {
			if src, ok := AsObject(prev.Value("source")); ok && src.Value("id") == r.cfg.ID {
				c, _ := src.Value("count").(float64)
				count = c + 1
			}
		}
		if count >= maxCatches {
			r.log.Warn("message exceeded maximum number of catches", "err", text)
			return
		}
		t := e.topo.Load()
		// an error no catch node of a subflow instance takes goes on to the
		// flow around it, reported by the instance node (for scopes)
		flow, reporting := r.cfg.Flow, r
		for depth := 0; !handled && depth <= maxSubflowDepth; depth++ {
			uncaughtDone := false
			for _, w := range t.catchers[flow] {
				if w.r == r || !w.scope.matches(w.r, reporting) {
					continue
				}
				if w.scope.Uncaught && len(w.scope.Nodes) == 0 && !w.scope.Group {
					if handled || uncaughtDone {
						continue
					}
					uncaughtDone = true
				}
				em := m.Clone()
				if prev, ok := em["error"]; ok {
					em["_error"] = prev // Node-RED keeps an earlier error as _error
				}
				src := e.source(r)
				src.Set("count", count)
				em["error"] = ObjectOf("message", text, "source", src)
				w.r.inline(em)
				handled = true
			}
			f := t.flows[flow]
			inst, ok := t.runners[flow]
			if f.Subflow == "" || !ok {
				break
			}
			flow, reporting = f.Parent, inst
		}
	}
	if handled {
		return
	}
	r.log.Error("node error", "err", text)
	var logged any = text
	if ev, ok := err.(*ErrorValue); ok {
		logged = ev
	}
	e.opts.Events.Publish("debug", e.logEvent(r, logged, 20))
}

func (e *Engine) reportWarn(r *runner, v any) {
	r.log.Warn("node warning", "warning", ToString(v))
	e.opts.Events.Publish("debug", e.logEvent(r, v, 30))
}

// logEvent is Node-RED's debug-sidebar form of a node's log line (level 20
// error, 30 warning): its value encoded as the debug node's sendDebug does.
func (e *Engine) logEvent(r *runner, v any, level int) map[string]any {
	ev := map[string]any{
		"level": level, "id": r.cfg.ID, "type": r.cfg.Type, "z": r.cfg.Flow, "path": e.flowPath(r.cfg.Flow),
		"timestamp": float64(e.opts.Now().UnixMilli()),
	}
	if r.cfg.Name != "" {
		ev["name"] = r.cfg.Name
	}
	ev["msg"], ev["format"] = encodeLogValue(v)
	return ev
}

func (e *Engine) reportStatus(r *runner, s Status) {
	e.statusMu.Lock()
	e.statuses[r.cfg.ID] = s
	e.statusMu.Unlock()
	e.opts.Events.Publish("status/"+r.cfg.ID, s)
	if _, self := r.node.(StatusWatcher); self {
		return
	}
	if r.starting.Load() {
		// Node-RED builds its list of status nodes after constructing every
		// node of the flow: what a node shows as it starts reaches none
		return
	}
	t := e.topo.Load()
	// a status no status node of a subflow instance takes goes on to the
	// flow around it, reported by the instance node, unless the instance
	// has a status output (then the subflow manages its status itself)
	flow, reporting := r.cfg.Flow, r
	for depth := 0; depth <= maxSubflowDepth; depth++ {
		handled := false
		for _, w := range t.statusers[flow] {
			if !w.scope.matches(w.r, reporting) {
				continue
			}
			st := NewObject(4)
			if s.Fill != "" {
				st.Set("fill", s.Fill)
			}
			if s.Shape != "" {
				st.Set("shape", s.Shape)
			}
			if s.Text != "" {
				st.Set("text", s.Text)
			}
			st.Set("source", e.source(r))
			w.r.inline(Msg{"_msgid": NewMsgID(), "status": st})
			handled = true
		}
		f := t.flows[flow]
		inst, ok := t.runners[flow]
		if handled || f.Subflow == "" || f.StatusPort || !ok {
			return
		}
		flow, reporting = f.Parent, inst
	}
}

// flowPath is Node-RED's path of a flow: its id, or through subflow
// instances the tab's id and the instances' (template) ids.
func (e *Engine) flowPath(id string) string {
	if f, ok := e.topo.Load().flows[id]; ok && f.Path != "" {
		return f.Path
	}
	if id == "" {
		return "global"
	}
	return id
}

// Statuses returns the last status of every running node.
func (e *Engine) Statuses() map[string]Status {
	e.statusMu.Lock()
	defer e.statusMu.Unlock()
	out := make(map[string]Status, len(e.statuses))
	for k, v := range e.statuses {
		out[k] = v
	}
	return out
}

// Node returns a running node instance by id.
func (e *Engine) Node(id string) (Node, bool) {
	r, ok := e.topo.Load().runners[id]
	if !ok {
		return nil, false
	}
	return r.node, true
}

func (e *Engine) nodesOf(typ, name string) []string {
	var ids []string
	for id, r := range e.topo.Load().runners {
		if r.cfg.Type == typ && (name == "" || r.cfg.Name == name) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (e *Engine) deliver(id string, m Msg) bool {
	r, ok := e.topo.Load().runners[id]
	if !ok {
		return false
	}
	return r.enqueue(m)
}

// Stop closes every running node (shutdown, or Node-RED's "stop flows").
// A later Start restarts the last deployed graph.
func (e *Engine) Stop(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var rs []*runner
	for _, r := range e.running {
		rs = append(rs, r)
	}
	e.running = map[string]*runner{}
	e.stopRunners(ctx, rs)
	e.rebuildTopology()
	e.stopped = true
}

// Start restarts the last deployed graph after Stop.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if !e.stopped {
		e.mu.Unlock()
		return nil
	}
	e.stopped = false
	g := e.graph
	e.graph = &Graph{}
	e.mu.Unlock()
	_, err := e.Deploy(ctx, g, DeployFull, nil)
	return err
}

// Running reports whether flows are started (Node-RED's flows state).
func (e *Engine) Running() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.stopped
}

// Stats are engine-wide counters.
type Stats struct {
	Nodes   int   `json:"nodes"`
	Dropped int64 `json:"dropped"`
}

// Stats returns engine-wide counters.
func (e *Engine) Stats() Stats {
	return Stats{Nodes: len(e.topo.Load().runners), Dropped: e.dropped.Load()}
}

// Deliver puts m into the input of the running node id (the editor's inject
// button, tests); false when the node is not running or has no input.
func (e *Engine) Deliver(id string, m Msg) bool { return e.deliver(id, m) }

// NodeStat counts one running node's messages.
type NodeStat struct {
	ID, Type string
	Received int64 // messages taken from its input queue
	Dropped  int64 // messages lost: sent while it was not running, or queued at stop
	Queued   int   // messages waiting in its input queue
}

// NodeStats returns the counters of every running node, in no order.
func (e *Engine) NodeStats() []NodeStat {
	rs := e.topo.Load().runners
	out := make([]NodeStat, 0, len(rs))
	for _, r := range rs {
		q := int(r.queued.Load())
		out = append(out, NodeStat{ID: r.cfg.ID, Type: r.cfg.Type, Received: r.received.Load(), Dropped: r.dropped.Load(), Queued: q})
	}
	return out
}
