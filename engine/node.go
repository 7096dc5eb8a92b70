package engine

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Node is a constructed node instance. What it can do is found by type
// assertion on the optional interfaces below.
type Node any

// Handler is implemented by nodes with an input. The engine calls Handle with
// one message at a time. Returning means the message is done: complete nodes
// fire, and a non-nil error goes to the catch nodes with the input message.
type Handler interface {
	Handle(ctx context.Context, m Msg, out *Output) error
}

// Starter is implemented by nodes that do I/O or run goroutines. Start opens
// sockets, claims resources and starts goroutines that end with ctx (which
// lives until the node is closed). It may send: the messages are delivered
// once every node of the deploy has started.
type Starter interface {
	Start(ctx context.Context) error
}

// Closer is implemented by nodes that hold resources. Close releases them all
// within ctx's deadline; it is idempotent and safe after a partial Start.
type Closer interface {
	Close(ctx context.Context) error
}

// Remover is implemented by nodes that leave something outside the process
// while they run that must go when the node goes (a retained message, a
// registration elsewhere), but must stay across a redeploy or a restart.
// When a deploy deletes or disables the node (or its tab), Remove is called
// before the deploy closes any node, so the config nodes it uses still
// work: flow nodes first, then config nodes, each within the close timeout.
// Close follows as for every stopped node.
type Remover interface {
	Remove(ctx context.Context) error
}

// Scope says which nodes of a flow a catch or status node listens to.
type Scope struct {
	// Nodes lists node ids; empty means every node of the flow.
	Nodes []string
	// Group limits the scope to the nodes of the watcher's own group.
	Group bool
	// Uncaught: a catch node that only gets errors no other catch node took.
	Uncaught bool
}

// Catcher is implemented by catch nodes: errors of nodes in its flow matching
// the scope are delivered to its input as msg.error.
type Catcher interface{ CatchScope() Scope }

// StatusWatcher is implemented by status nodes: status changes of nodes in
// scope are delivered to its input as msg.status.
type StatusWatcher interface{ StatusScope() Scope }

// CompleteWatcher is implemented by complete nodes: when a listed node
// finishes a message, a copy is delivered to its input.
type CompleteWatcher interface{ CompleteScope() []string }

// Linker is implemented by link out nodes: its port-0 messages also go to
// the listed link in nodes, as if wired.
type Linker interface{ LinkTargets() []string }

// LinkSink is implemented by link in nodes: messages the listed link out
// nodes send on port 0 also reach it. Node-RED's editor keeps both ends of a
// link; either end is enough to join them.
type LinkSink interface{ LinkSources() []string }

// Caller is implemented by nodes that deliver messages to other nodes by id
// (link call): they run in the same part as their targets, so the order of
// messages through them is Node-RED's.
type Caller interface{ CallTargets() []string }

// Blocking is implemented by nodes whose Handle waits on I/O (a file, a
// database, a bus). The engine runs their Handle on the node's own
// goroutine, one message at a time, so the rest of their part goes on; what
// they send joins the part's order when they send it, like a Node.js
// callback.
type Blocking interface{ Blocking() }

// Injector is implemented by nodes the editor can trigger (POST /inject/:id).
type Injector interface {
	Inject(ctx context.Context, props Msg) error
}

// NoCompleter is implemented by a node whose Node-RED node never completes
// its messages (its input handler takes no done callback: switch, filter):
// complete nodes scoped to it never fire.
type NoCompleter interface{ NoComplete() }

// Activator is implemented by nodes the editor can switch on and off
// (POST /debug/:id/enable|disable).
type Activator interface{ SetActive(on bool) }

// Status is a node's status as shown under it in the editor.
type Status struct {
	Fill  string `json:"fill,omitempty"`  // red, green, yellow, blue, grey
	Shape string `json:"shape,omitempty"` // ring, dot
	Text  string `json:"text,omitempty"`
}

// Events receives what leaves the engine for the editor: debug messages,
// status changes and notifications. Publish must not block.
type Events interface {
	Publish(topic string, data any)
}

// HTTPRouter serves the routes of http in nodes on the editor's listener.
// Route registers h for method and path (Express-style, `:param` segments);
// the returned function removes it.
type HTTPRouter interface {
	Route(method, path string, h http.Handler) (remove func(), err error)
}

// Resources is what a node may use beyond its properties. The engine fills it
// before calling the constructor; the methods work once the node is started.
type Resources struct {
	// Log is tagged with the node's id, type and flow.
	Log *slog.Logger
	// Node, Flow and Global are the node's context scopes.
	Node, Flow, Global *Context
	// Events publishes to the editor (debug sidebar).
	Events Events
	// HTTP serves http in routes; nil when the runtime has no HTTP server.
	HTTP HTTPRouter
	// Now is the clock.
	Now func() time.Time

	env      func(name string) (string, bool)
	envValue func(name string) (any, bool)
	r        *runner
}

// Send sends m on the given output. It never blocks and may be called from
// any goroutine (timers, sockets) while the node runs.
func (res *Resources) Send(port int, m Msg) {
	if res.r != nil {
		res.r.send(port, m)
	}
}

// SendAll is Node-RED's node.send([[a, b], [c]]): for each output in order,
// for each wire, every message of that output. The first delivery gets the
// message itself, every later one a copy.
func (res *Resources) SendAll(outs [][]Msg) {
	if res.r != nil {
		res.r.sendAll(outs)
	}
}

// Error reports err for message m to the catch nodes (m may be nil: then it
// is only logged).
func (res *Resources) Error(err error, m Msg) {
	if res.r != nil {
		res.r.e.reportError(res.r, err, m)
	}
}

// Warn reports a warning as Node-RED's node.warn: logged and shown in the
// debug sidebar (level 30). It is for trouble a user should see, not for
// every message.
func (res *Resources) Warn(text string) {
	if res.r != nil {
		res.r.e.reportWarn(res.r, text)
	}
}

// WarnValue is Warn for any value, as node.warn(v) in a function: the debug
// sidebar shows an object or array as JSON, an *ErrorValue as an error.
func (res *Resources) WarnValue(v any) {
	if res.r != nil {
		res.r.e.reportWarn(res.r, v)
	}
}

// Status sets the node's status, shown in the editor and delivered to status nodes.
func (res *Resources) Status(s Status) {
	if res.r != nil {
		res.r.e.reportStatus(res.r, s)
	}
}

// Env returns the environment variable name as the node sees it: Node-RED's
// NR_NODE_ID/NR_NODE_NAME/NR_FLOW_ID/..., group and flow env, then the process.
func (res *Resources) Env(name string) (string, bool) {
	if res.env == nil {
		return "", false
	}
	return res.env(name)
}

// Lookup returns another running node by id (config nodes, link partners).
func (res *Resources) Lookup(id string) (Node, bool) {
	if res.r == nil {
		return nil, false
	}
	return res.r.e.Node(id)
}

// Nodes returns the ids of the running nodes of a type, optionally by name.
func (res *Resources) Nodes(typ, name string) []string {
	if res.r == nil {
		return nil
	}
	return res.r.e.nodesOf(typ, name)
}

// Deliver puts m into the input of the node id, as if wired to it.
func (res *Resources) Deliver(id string, m Msg) bool {
	if res.r == nil {
		return false
	}
	return res.r.e.deliver(id, m)
}

// Output is handed to Handle for one message: it sends, and lets a node that
// finishes later (delay, http request) defer its completion.
type Output struct {
	r        *runner
	in       Msg
	snapshot Msg // a copy of in, taken when in itself is sent and completion needs it
	msgID    string
	deferred bool // Defer was called: the node may use the Output later
	held     bool // Hold was called: completion is the node's
	sentIn   bool
}

// Send sends m on the given output; it never blocks.
func (o *Output) Send(port int, m Msg) {
	if o.in != nil && !o.sentIn && sameMap(m, o.in) {
		o.sentIn = true
		if o.r.watched.Load() {
			o.snapshot = m.Clone()
		}
		o.msgID = o.r.sendID(port, m) // read as it is sent: m is no longer ours
		return
	}
	o.r.send(port, m)
}

// SendAll sends as Resources.SendAll; a message that is the input message
// is tracked for completion as by Send.
func (o *Output) SendAll(outs [][]Msg) {
	for _, ms := range outs {
		for _, m := range ms {
			if m != nil && o.in != nil && !o.sentIn && sameMap(m, o.in) {
				o.sentIn = true
				o.msgID, _ = m["_msgid"].(string)
				if o.r.watched.Load() {
					o.snapshot = m.Clone()
				}
			}
		}
	}
	o.r.sendAll(outs)
}

// Defer marks the message as finished later: Handle's return no longer
// completes it, the returned function does (with the error, if any). It must
// be called exactly once, from any goroutine.
func (o *Output) Defer() func(err error) {
	o.deferred = true
	in, r := o.in, o.r
	if o.snapshot != nil {
		in = o.snapshot
	} else if r.watched.Load() {
		// the node will send in on and complete it later, on another
		// goroutine: complete nodes get a copy taken now
		in = in.Clone()
	}
	o.in = nil
	return func(err error) { r.finish(in, err) }
}

// Hold is Defer for a node that holds many messages and sends none of them
// on (join): the message is kept only when complete nodes watch the node
// (their copy, taken now), and no function is made, so holding costs
// nothing per message. Handle must not use out after it returns. An error
// passed to Pending.Done reaches catch nodes with the message's _msgid
// only, unless it was kept.
func (o *Output) Hold() Pending {
	p := Pending{r: o.r}
	switch {
	case o.snapshot != nil:
		p.in = o.snapshot
	case o.r.watched.Load():
		p.in = o.in.Clone()
	case o.sentIn:
		p.id = o.msgID
	default:
		p.id, _ = o.in["_msgid"].(string)
	}
	o.held = true
	o.in = nil
	return p
}

// Pending is a message held by Output.Hold, finished by Done.
type Pending struct {
	r  *runner
	in Msg // kept for complete nodes; else nil and id is the message's _msgid
	id string
}

// Done finishes the held message, with err if it failed; it must be called
// exactly once, from any goroutine.
func (p Pending) Done(err error) {
	if p.r == nil {
		return
	}
	in := p.in
	if in == nil {
		if err == nil && !p.r.watched.Load() {
			return // nothing routes it: complete nodes watch nobody here
		}
		in = Msg{"_msgid": p.id}
	}
	p.r.finish(in, err)
}
