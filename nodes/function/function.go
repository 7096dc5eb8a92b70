package function

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/jsvm"
)

func functionSpec() engine.Spec {
	return engine.Spec{
		Type: "function", Category: "function", KeepsName: true, Color: "#fdd0a2", Icon: "function.svg",
		LabelProp: "name", Inputs: 1, Outputs: 1, OutputsFrom: "outputs",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "func", Label: "On Message", Kind: engine.KindCode, Lang: "javascript", Widget: "code", Default: "\nreturn msg;"},
			{Name: "outputs", Label: "Outputs", Kind: engine.KindNumber, Default: 1},
			{Name: "timeout", Label: "Timeout (s)", Kind: engine.KindNumber, Default: 0},
			{Name: "noerr", Kind: engine.KindNumber, Default: 0, Hidden: true},
			{Name: "initialize", Label: "On Start", Kind: engine.KindCode, Lang: "javascript", Widget: "code", Default: ""},
			{Name: "finalize", Label: "On Stop", Kind: engine.KindCode, Lang: "javascript", Widget: "code", Default: ""},
			{Name: "libs", Label: "Modules", Kind: engine.KindList, Default: []any{}},
		},
		Help: help("function"),
	}
}

// functionLib is one entry of the libs property (a module to require).
type functionLib struct {
	Var    string `json:"var"`
	Module string `json:"module"`
}

// Function is the function node: a JavaScript body run for each message on
// its own goja runtime, with Node-RED's function API.
type Function struct {
	cfg     *engine.Config
	res     *engine.Resources
	outputs int
	timeout time.Duration

	body, ini, fin *goja.Program
	bodyName       string // the script name positions refer to
	manualDone     bool   // the body calls node.done() itself
	noNode         bool   // the body cannot reach its node argument: none is made

	initDone chan struct{} // closed when On Start has finished
	initErr  error         // On Start failed: messages are dropped

	// vm guards every JavaScript value below (they are used inside vm.Do).
	vm         *jsvm.VM
	fn         goja.Callable
	nodeProto  *goja.Object
	onClose    []goja.Callable
	statusUsed bool
	closeOnce  sync.Once
}

// newFunction compiles the scripts; a syntax error is a field error with its
// line and column, a module in libs is refused.
func newFunction(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &Function{cfg: cfg, res: res, initDone: make(chan struct{})}
	n.outputs = p.Int("outputs", 1)
	if secs := p.Number("timeout", 0); secs > 0 {
		n.timeout = time.Duration(secs * float64(time.Second))
	}
	var libs []functionLib
	p.Decode("libs", &libs)
	for _, l := range libs {
		if l.Module != "" || l.Var != "" {
			p.Fail("libs", "module %q (var %s) is not supported: function nodes cannot load external modules", l.Module, l.Var)
		}
	}
	src := p.String("func", "\nreturn msg;")
	n.manualDone = nodeDoneCall.MatchString(stripComments(src))
	n.noNode = !nodeWords.MatchString(stripComments(src))
	n.bodyName = "Function node:" + cfg.ID
	head := "(function(msg, node) {\n"
	if usesAwait(src) {
		head = "(async function(msg, node) {\n"
	}
	n.body = compile(p, "func", n.bodyName, head+src+"\n})")
	if ini := strings.TrimSpace(p.String("initialize", "")); ini != "" {
		head := "(function(node) {\n"
		if usesAwait(ini) {
			head = "(async function(node) {\n"
		}
		n.ini = compile(p, "initialize", "Function node setup:"+cfg.ID, head+ini+"\n})")
	}
	if fin := strings.TrimSpace(p.String("finalize", "")); fin != "" {
		n.fin = compile(p, "finalize", "Function node cleanup:"+cfg.ID, "(function(node) {\n"+fin+"\n})")
	}
	return n, p.Err()
}

var (
	nodeDoneCall = regexp.MustCompile(`node\.done\s*\(\s*\)`)
	awaitWord    = regexp.MustCompile(`\bawait\b`)
	// nodeWords are the ways a body reaches its node argument; a body
	// without them (msg.payload += 1; return msg) gets none, as making
	// one costs more than the rest of a short call
	nodeWords = regexp.MustCompile(`\b(node|arguments|eval)\b`)
	comments  = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
)

func stripComments(s string) string { return comments.ReplaceAllString(s, "") }

// usesAwait reports whether a script needs an async wrapper. Node-RED
// always wraps; a plain function behaves the same for code without await
// (a returned promise is still followed) and costs less.
func usesAwait(s string) bool { return awaitWord.MatchString(stripComments(s)) }

// compile compiles a wrapped script; its first line is the wrapper, so
// reported lines are the user's.
func compile(p *engine.Props, field, name, src string) *goja.Program {
	prg, err := goja.Compile(name, src, false)
	if err != nil {
		if m := syntaxPos.FindStringSubmatch(err.Error()); m != nil {
			var line, col int
			_, _ = fmt.Sscan(m[1], &line)
			_, _ = fmt.Sscan(m[2], &col)
			p.Fail(field, "SyntaxError: %s (line %d, col %d)", m[3], line-1, col)
		} else {
			p.Fail(field, "%v", err)
		}
	}
	return prg
}

// Start builds the runtime and runs On Start; messages wait for it.
func (n *Function) Start(ctx context.Context) error {
	n.vm = jsvm.New(jsvm.Options{
		Timeout: n.timeout,
		Log:     n.res.Log,
		TimerError: func(thrown goja.Value, err error) {
			n.res.Error(errors.New(n.thrownText(thrown, err)), engine.Msg{})
		},
	})
	var pending bool
	err := n.vm.Do(func() error {
		n.installAPI()
		v, err := n.vm.Run(n.body)
		if err != nil {
			return err
		}
		n.fn, _ = goja.AssertFunction(v)
		if n.ini == nil {
			return nil
		}
		return n.vm.Guarded(func() error {
			v, err := n.vm.Run(n.ini)
			if err != nil {
				return err
			}
			ini, _ := goja.AssertFunction(v)
			node := n.vm.Runtime().CreateObject(n.nodeProto)
			_ = node.Set("send", func(call goja.FunctionCall) goja.Value {
				n.sendJS(nil, call.Argument(0))
				return goja.Undefined()
			})
			r, err := ini(goja.Undefined(), node)
			if err != nil {
				return err
			}
			pending = n.whenSettled(r, func(_ goja.Value, thrown goja.Value, failed bool) {
				if failed {
					n.initErr = errors.New(n.thrownText(thrown, nil))
					n.res.Error(n.initErr, nil)
				}
				close(n.initDone)
			})
			return nil
		})
	})
	if err != nil {
		n.initErr = errors.New(n.thrownText(nil, err))
		n.res.Error(n.initErr, nil)
	}
	if !pending {
		select {
		case <-n.initDone:
		default:
			close(n.initDone)
		}
	}
	return nil
}

// Close runs the close handlers and On Stop, clears the timers and a status
// the script set, and ends the runtime.
func (n *Function) Close(ctx context.Context) error {
	if n.vm == nil {
		return nil
	}
	n.closeOnce.Do(func() {
		_ = n.vm.Do(func() error {
			for _, h := range n.onClose {
				if _, err := n.vm.Call(h, goja.Undefined(), n.vm.Runtime().ToValue(func(goja.FunctionCall) goja.Value { return goja.Undefined() })); err != nil {
					n.res.Error(errors.New(n.thrownText(nil, err)), nil)
				}
			}
			if n.fin != nil {
				err := n.vm.Guarded(func() error {
					v, err := n.vm.Run(n.fin)
					if err != nil {
						return err
					}
					fin, _ := goja.AssertFunction(v)
					node := n.vm.Runtime().CreateObject(n.nodeProto)
					_ = node.Set("send", func(goja.FunctionCall) goja.Value {
						n.res.Error(errors.New("Cannot send from close function"), nil)
						return goja.Undefined()
					})
					_, err = fin(goja.Undefined(), node)
					return err
				})
				if err != nil {
					n.res.Error(errors.New(n.thrownText(nil, err)), nil)
				}
			}
			n.vm.StopTimers()
			if n.statusUsed {
				n.res.Status(engine.Status{})
			}
			return nil
		})
		n.vm.Close()
	})
	return nil
}

// invocation is one message's run of the body.
type invocation struct {
	n      *Function
	in     engine.Msg
	msgid  any            // the input's _msgid when a string (boxed once), else nil
	out    *engine.Output // nil once Handle has returned
	done   func(error)    // set when the message completes later
	closed bool           // done has been called
}

// Handle runs the body for m.
func (n *Function) Handle(ctx context.Context, m engine.Msg, out *engine.Output) error {
	select {
	case <-n.initDone:
	case <-ctx.Done():
		return nil
	}
	if n.initErr != nil {
		return nil // Node-RED drops messages after a failed On Start
	}
	var msgid any
	if id, ok := m["_msgid"].(string); ok && id != "" {
		msgid = m["_msgid"]
	}
	inv := &invocation{n: n, in: m, msgid: msgid, out: out}
	if n.manualDone {
		inv.done = out.Defer()
	}
	var result error
	err := n.vm.Do(func() error {
		defer func() { inv.out = nil }()
		return n.vm.Guarded(func() error {
			result = n.invoke(inv)
			return nil
		})
	})
	if err != nil {
		result = err
	}
	if inv.done != nil {
		if result != nil {
			inv.finish(result)
		}
		return nil
	}
	return result
}

// invoke calls the body and handles what it returns; inside vm.Do.
func (n *Function) invoke(inv *invocation) error {
	rt := n.vm.Runtime()
	jsMsg := n.vm.MsgToJS(inv.in)
	var node goja.Value = goja.Undefined()
	if !n.noNode {
		o := rt.NewDynamicObject(&nodeObject{inv: inv})
		_ = o.SetPrototype(n.nodeProto)
		node = o
	}
	v, err := n.fn(goja.Undefined(), jsMsg, node)
	if err != nil {
		var ex *goja.Exception
		var thrown goja.Value
		if errors.As(err, &ex) {
			thrown = ex.Value()
		}
		return inv.fail(jsMsg, thrown, err)
	}
	if o, ok := v.(*goja.Object); ok && n.vm.IsPromise(o) {
		if inv.done == nil {
			inv.done = inv.out.Defer()
		}
		n.whenSettled(v, func(r, thrown goja.Value, failed bool) {
			if failed {
				inv.finish(inv.fail(jsMsg, thrown, nil))
				return
			}
			err := inv.send(r)
			if !n.manualDone || err != nil {
				inv.finish(err)
			}
		})
		return nil
	}
	return inv.send(v)
}

// nodeObject is the node object of one invocation: the prototype's API
// plus send and done bound to the invocation. Creating Go functions is the
// costliest part of a call, so they are made when the script first reads
// them (most scripts never do).
type nodeObject struct {
	inv                *invocation
	own                map[string]goja.Value // own properties made or assigned
	sendMade, doneMade bool
}

// make creates send or done on first use.
func (o *nodeObject) make(key string) {
	switch {
	case key == "send" && !o.sendMade:
		o.sendMade = true
		o.put(key, o.inv.n.vm.Runtime().ToValue(func(call goja.FunctionCall) goja.Value {
			if err := o.inv.send(call.Argument(0)); err != nil {
				panic(o.inv.n.jsError(err))
			}
			return goja.Undefined()
		}))
	case key == "done" && !o.doneMade:
		o.doneMade = true
		o.put(key, o.inv.n.vm.Runtime().ToValue(func(call goja.FunctionCall) goja.Value {
			var err error
			if a := call.Argument(0); !goja.IsUndefined(a) && !goja.IsNull(a) {
				err = errors.New(o.inv.n.thrownText(a, nil))
			}
			if o.inv.done != nil {
				o.inv.finish(err)
			}
			return goja.Undefined()
		}))
	}
}

func (o *nodeObject) put(key string, v goja.Value) {
	if o.own == nil {
		o.own = map[string]goja.Value{}
	}
	o.own[key] = v
}

func (o *nodeObject) Get(key string) goja.Value {
	o.make(key)
	return o.own[key]
}

func (o *nodeObject) Set(key string, v goja.Value) bool {
	o.make(key)
	o.put(key, v)
	return true
}

func (o *nodeObject) Has(key string) bool {
	o.make(key)
	_, ok := o.own[key]
	return ok
}

func (o *nodeObject) Delete(key string) bool {
	o.make(key)
	delete(o.own, key)
	return true
}

func (o *nodeObject) Keys() []string {
	o.make("send")
	o.make("done")
	return slices.Sorted(maps.Keys(o.own))
}

// whenSettled calls f when the promise v settles (now when it already has);
// a value that is not a promise counts as fulfilled. It reports whether f
// will be called later.
func (n *Function) whenSettled(v goja.Value, f func(result, thrown goja.Value, failed bool)) bool {
	o, ok := v.(*goja.Object)
	if !ok || !n.vm.IsPromise(o) {
		f(v, nil, false)
		return false
	}
	p, _ := o.Export().(*goja.Promise)
	switch p.State() {
	case goja.PromiseStateFulfilled:
		f(p.Result(), nil, false)
		return false
	case goja.PromiseStateRejected:
		f(nil, p.Result(), true)
		return false
	}
	rt := n.vm.Runtime()
	then, _ := goja.AssertFunction(o.Get("then"))
	_, _ = then(o,
		rt.ToValue(func(call goja.FunctionCall) goja.Value { f(call.Argument(0), nil, false); return goja.Undefined() }),
		rt.ToValue(func(call goja.FunctionCall) goja.Value { f(nil, call.Argument(0), true); return goja.Undefined() }))
	return true
}

// finish completes a deferred message once.
func (inv *invocation) finish(err error) {
	if inv.closed || inv.done == nil {
		return
	}
	inv.closed = true
	inv.done(err)
}

// fail turns what the body threw into the node error Node-RED reports: the
// message as the script left it, with msg.error set to an Error the script
// threw (the engine keeps it as msg._error).
func (inv *invocation) fail(jsMsg, thrown goja.Value, err error) error {
	text := inv.n.thrownText(thrown, err)
	if m, ok, cerr := inv.n.vm.MsgFromJS(jsMsg); cerr == nil && ok {
		inv.n.vm.DetachMsg(jsMsg) // jsMsg may outlive the call (a timer)
		clear(inv.in)
		for k, e := range m {
			inv.in[k] = e
		}
	}
	if ev, ok := inv.n.logValue(thrown).(*engine.ErrorValue); ok {
		inv.in["error"] = ev // JSON gives {} and the debug sidebar the error, as for a JavaScript Error
	}
	return errors.New(text)
}

// thrownText is Node-RED's msg.error.message for what a script threw:
// "Error: boom" for an Error, the string itself, JSON for other values, and
// "ReferenceError: <stack line> (line L, col C)" for reference errors.
func (n *Function) thrownText(thrown goja.Value, err error) string {
	if thrown == nil {
		var ex *goja.Exception
		var so *goja.StackOverflowError
		if errors.As(err, &ex) {
			thrown = ex.Value()
		} else if errors.As(err, &so) {
			return "RangeError: Maximum call stack size exceeded" // V8's text
		} else if err != nil {
			return "Error: " + err.Error()
		} else {
			return "undefined"
		}
	}
	o, ok := thrown.(*goja.Object)
	if !ok {
		if s, isStr := thrown.Export().(string); isStr {
			return s
		}
		return thrown.String()
	}
	if o.ClassName() != "Error" {
		if j, jerr := o.MarshalJSON(); jerr == nil {
			return string(j)
		}
		return o.String()
	}
	text := o.String()
	if o.Get("name").String() == "ReferenceError" {
		if m := stackPos.FindStringSubmatch(o.Get("stack").String()); m != nil && m[1] == n.bodyName {
			var line, col int
			_, _ = fmt.Sscan(m[2], &line)
			_, _ = fmt.Sscan(m[3], &col)
			text = "ReferenceError: " + text + fmt.Sprintf(" (line %d, col %d)", line-1, col)
		}
	}
	return text
}

var syntaxPos = regexp.MustCompile(`Line (\d+):(\d+) (.*?)(?: \(and \d+ more errors?\))?$`)

var stackPos = regexp.MustCompile(`at (?:[^\n]*\()?([^\n():]+:[^\n():]+):(\d+):(\d+)`)

// send sends what the script returned or passed to node.send.
func (inv *invocation) send(v goja.Value) error {
	if m, ok, err := inv.n.oneResult(inv.msgid, v); ok || err != nil {
		if err == nil {
			if inv.out != nil {
				inv.out.Send(0, m)
			} else {
				inv.n.res.Send(0, m)
			}
		}
		return err
	}
	return inv.n.sendResults(inv.msgid, v, func(outs [][]engine.Msg) {
		if inv.out != nil {
			inv.out.SendAll(outs)
		} else {
			inv.n.res.SendAll(outs)
		}
	})
}

// sendJS sends from On Start (fresh message ids).
func (n *Function) sendJS(_ *invocation, v goja.Value) {
	if err := n.sendResults(nil, v, n.res.SendAll); err != nil {
		n.res.Error(err, nil)
	}
}

// sendResults is Node-RED's sendResults: a message, null, an array with one
// entry per output, each a message or an array of messages. Every message
// gets the input's _msgid. Nothing is sent when a message cannot be
// converted (a function, a cycle). The messages go out in one step, in
// Node-RED's order: by output, then by wire, then by message.
func (n *Function) sendResults(msgid any, v goja.Value, sendAll func([][]engine.Msg)) error {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	var outs [][]engine.Msg
	ports := []goja.Value{v}
	if isArray(v) {
		ports = arrayItems(v)
	}
	for port, pv := range ports {
		if !pv.ToBoolean() {
			continue
		}
		msgs := []goja.Value{pv}
		if isArray(pv) {
			msgs = arrayItems(pv)
		}
		for _, mv := range msgs {
			if mv == nil || goja.IsUndefined(mv) || goja.IsNull(mv) {
				continue
			}
			o, ok := mv.(*goja.Object)
			typ := n.typeName(mv)
			if !ok || typ != "object" {
				n.res.Error(fmt.Errorf("Function tried to send a message of type %s", typ), nil)
				n.res.Error(fmt.Errorf("Node tried to send a message of type %s", typ), nil)
				continue
			}
			m, _, err := n.vm.MsgFromJS(o)
			if err != nil {
				return fmt.Errorf("Function tried to send an invalid message: %w", err)
			}
			if msgid != nil {
				m["_msgid"] = msgid
			}
			for len(outs) <= port {
				outs = append(outs, nil)
			}
			outs[port] = append(outs[port], m)
		}
	}
	if len(outs) > 0 {
		sendAll(outs)
	}
	return nil
}

// oneResult converts what the script returned when it is one message (the
// common return msg), which goes to output 1 as sendResults would send it;
// ok is false for anything else.
func (n *Function) oneResult(msgid any, v goja.Value) (m engine.Msg, ok bool, err error) {
	o, isObj := v.(*goja.Object)
	if !isObj || isArray(v) || n.typeName(v) != "object" {
		return nil, false, nil
	}
	m, _, err = n.vm.MsgFromJS(o)
	if err != nil {
		return nil, false, fmt.Errorf("Function tried to send an invalid message: %w", err)
	}
	if msgid != nil {
		m["_msgid"] = msgid
	}
	return m, true, nil
}

func isArray(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	return ok && o.ClassName() == "Array"
}

func arrayItems(v goja.Value) []goja.Value {
	o := v.(*goja.Object)
	n := o.Get("length").ToInteger()
	out := make([]goja.Value, n)
	for i := range n {
		out[i] = o.Get(fmt.Sprint(i))
	}
	return out
}

// typeName is typeof, with Node-RED's Buffer/Array/Date for non-messages.
func (n *Function) typeName(v goja.Value) string {
	o, ok := v.(*goja.Object)
	if !ok {
		switch v.Export().(type) {
		case string:
			return "string"
		case bool:
			return "boolean"
		case int64, float64:
			return "number"
		}
		return "symbol"
	}
	switch o.ClassName() {
	case "Function":
		return "function"
	case "Array":
		return "Array"
	case "Date":
		return "Date"
	case "Uint8Array":
		return "Buffer"
	}
	if n.vm.IsBuffer(o) {
		return "Buffer"
	}
	return "object"
}

// installAPI puts Node-RED's function API on the global object: context,
// flow, global, env, RED.util, and the node prototype each invocation's
// node object inherits from.
func (n *Function) installAPI() {
	rt := n.vm.Runtime()
	throw := func(err error) { panic(n.jsError(err)) }

	ctxObj := func(c *engine.Context) *goja.Object {
		o := rt.NewObject()
		// store and callback arguments: (…, store?, cb?) as Node-RED
		tail := func(args []goja.Value) (store string, cb goja.Callable) {
			for _, a := range args {
				if f, ok := goja.AssertFunction(a); ok {
					cb = f
				} else if !goja.IsUndefined(a) && !goja.IsNull(a) {
					store = a.String()
				}
			}
			return store, cb
		}
		answer := func(cb goja.Callable, err error, v goja.Value) goja.Value {
			if cb != nil {
				errV := goja.Null()
				if err != nil {
					errV = n.jsError(err)
				}
				if _, cerr := cb(goja.Undefined(), errV, v); cerr != nil {
					panic(cerr)
				}
				return goja.Undefined()
			}
			if err != nil {
				throw(err)
			}
			return v
		}
		get := func(key goja.Value, store string) (goja.Value, error) {
			if c == nil {
				return goja.Undefined(), nil
			}
			if isArray(key) {
				items := arrayItems(key)
				vals := make([]any, len(items))
				for i, k := range items {
					v, err := c.Get(store, k.String())
					if err != nil {
						return nil, err
					}
					vals[i] = n.undefinedOr(v)
				}
				return rt.NewArray(vals...), nil
			}
			v, err := c.Get(store, key.String())
			if err != nil {
				return nil, err
			}
			return n.undefinedOr(v), nil
		}
		_ = o.Set("get", func(call goja.FunctionCall) goja.Value {
			store, cb := tail(call.Arguments[min(1, len(call.Arguments)):])
			v, err := get(call.Argument(0), store)
			return answer(cb, err, v)
		})
		_ = o.Set("set", func(call goja.FunctionCall) goja.Value {
			store, cb := tail(call.Arguments[min(2, len(call.Arguments)):])
			var err error
			set := func(k string, jv goja.Value) {
				if err != nil || c == nil {
					return
				}
				var v any
				if v, err = n.vm.FromJS(jv); err == nil {
					err = c.Set(store, k, v)
				}
			}
			if key := call.Argument(0); isArray(key) {
				vals := []goja.Value{}
				if isArray(call.Argument(1)) {
					vals = arrayItems(call.Argument(1))
				}
				for i, k := range arrayItems(key) {
					v := goja.Undefined()
					if i < len(vals) {
						v = vals[i]
					}
					set(k.String(), v)
				}
			} else {
				set(key.String(), call.Argument(1))
			}
			return answer(cb, err, goja.Undefined())
		})
		_ = o.Set("keys", func(call goja.FunctionCall) goja.Value {
			store, cb := tail(call.Arguments)
			var keys []string
			var err error
			if c != nil {
				keys, err = c.Keys(store)
			}
			vals := make([]any, len(keys))
			for i, k := range keys {
				vals[i] = k
			}
			return answer(cb, err, rt.NewArray(vals...))
		})
		return o
	}
	flow, global := ctxObj(n.res.Flow), ctxObj(n.res.Global)
	local := ctxObj(n.res.Node)
	_ = local.Set("flow", flow)
	_ = local.Set("global", global)
	_ = rt.Set("context", local)
	_ = rt.Set("flow", flow)
	_ = rt.Set("global", global)

	env := rt.NewObject()
	_ = env.Set("get", func(call goja.FunctionCall) goja.Value {
		if v, ok := n.res.EnvValue(call.Argument(0).String()); ok {
			return n.vm.ToJS(v)
		}
		return goja.Undefined()
	})
	_ = rt.Set("env", env)

	util := rt.NewObject()
	_ = util.Set("cloneMessage", func(call goja.FunctionCall) goja.Value {
		arg := call.Argument(0)
		if n.vm.IsMsg(arg) {
			m, _, err := n.vm.MsgFromJS(arg)
			if err != nil {
				throw(err)
			}
			return n.vm.MsgToJS(m) // a fresh copy: it may be handed over
		}
		v, err := n.vm.FromJS(arg)
		if err != nil {
			throw(err)
		}
		return n.vm.ToJS(v)
	})
	_ = util.Set("generateId", func(goja.FunctionCall) goja.Value { return rt.ToValue(engine.NewMsgID()) })
	_ = util.Set("evaluateNodeProperty", func(call goja.FunctionCall) goja.Value {
		var cb goja.Callable
		if len(call.Arguments) > 4 {
			cb, _ = goja.AssertFunction(call.Arguments[4])
		}
		var m engine.Msg
		if mv := call.Argument(3); !goja.IsUndefined(mv) && !goja.IsNull(mv) {
			var err error
			if m, _, err = n.vm.MsgFromJS(mv); err != nil {
				throw(err)
			}
		}
		var result goja.Value = goja.Undefined()
		t, err := engine.CompileTyped(call.Argument(1).String(), call.Argument(0).String())
		if err == nil {
			var v any
			if v, err = t.Eval(n.res, m); err == nil {
				result = n.undefinedOr(v)
			}
		}
		if cb != nil {
			errV := goja.Null()
			if err != nil {
				errV = n.jsError(err)
			}
			if _, cerr := cb(goja.Undefined(), errV, result); cerr != nil {
				panic(cerr)
			}
			return goja.Undefined()
		}
		if err != nil {
			throw(err)
		}
		return result
	})
	red := rt.NewObject()
	_ = red.Set("util", util)
	_ = rt.Set("RED", red)
	if _, err := rt.RunString(propertyJS); err != nil {
		panic(err) // a constant script: a failure is a bug
	}

	proto := rt.NewObject()
	_ = proto.Set("id", n.cfg.ID)
	_ = proto.Set("name", n.cfg.Name)
	_ = proto.Set("path", n.cfg.Flow+"/"+n.cfg.ID)
	_ = proto.Set("outputCount", n.outputs)
	text := func(call goja.FunctionCall) string {
		if a := call.Argument(0); a != nil && !goja.IsUndefined(a) {
			return a.String()
		}
		return ""
	}
	_ = proto.Set("log", func(call goja.FunctionCall) goja.Value { n.res.Log.Info(text(call)); return goja.Undefined() })
	_ = proto.Set("debug", func(call goja.FunctionCall) goja.Value { n.res.Log.Debug(text(call)); return goja.Undefined() })
	_ = proto.Set("trace", func(call goja.FunctionCall) goja.Value { n.res.Log.Debug(text(call)); return goja.Undefined() })
	_ = proto.Set("warn", func(call goja.FunctionCall) goja.Value {
		n.res.WarnValue(n.logValue(call.Argument(0)))
		return goja.Undefined()
	})
	_ = proto.Set("error", func(call goja.FunctionCall) goja.Value {
		err := errors.New(text(call))
		if ev, ok := n.logValue(call.Argument(0)).(*engine.ErrorValue); ok {
			err = ev
		}
		var m engine.Msg
		if mv, ok := call.Argument(1).(*goja.Object); ok {
			m, _, _ = n.vm.MsgFromJS(mv)
		}
		n.res.Error(err, m)
		return goja.Undefined()
	})
	_ = proto.Set("status", func(call goja.FunctionCall) goja.Value {
		n.statusUsed = true
		var st engine.Status
		switch a := call.Argument(0).(type) {
		case *goja.Object:
			str := func(k string) string {
				if v := a.Get(k); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
					return v.String()
				}
				return ""
			}
			st = engine.Status{Fill: str("fill"), Shape: str("shape"), Text: str("text")}
		default:
			if a != nil && !goja.IsUndefined(a) && !goja.IsNull(a) {
				st.Text = a.String()
			}
		}
		n.res.Status(st)
		return goja.Undefined()
	})
	_ = proto.Set("on", func(call goja.FunctionCall) goja.Value {
		switch call.Argument(0).String() {
		case "input":
			panic(n.jsError(errors.New("Cannot add listener to 'input' event within Function")))
		case "close":
			if f, ok := goja.AssertFunction(call.Argument(1)); ok {
				n.onClose = append(n.onClose, f)
			}
		}
		return goja.Undefined()
	})
	n.nodeProto = proto
}

// jsError makes a JavaScript Error with err's text (goja's GoError would
// print as "GoError: …").
func (n *Function) jsError(err error) *goja.Object {
	rt := n.vm.Runtime()
	o, jerr := rt.New(rt.Get("Error"), rt.ToValue(err.Error()))
	if jerr != nil {
		return rt.NewGoError(err)
	}
	return o
}

// logValue is what node.warn and node.error show of v in the debug sidebar:
// a JavaScript Error as an *engine.ErrorValue, anything else as its value.
func (n *Function) logValue(v goja.Value) any {
	if v == nil || goja.IsUndefined(v) {
		return nil
	}
	if o, ok := v.(*goja.Object); ok {
		if errCtor, isFn := n.vm.Runtime().Get("Error").(*goja.Object); isFn {
			if n.vm.Runtime().InstanceOf(o, errCtor) {
				str := func(k string) string {
					if p := o.Get(k); p != nil && !goja.IsUndefined(p) {
						return p.String()
					}
					return ""
				}
				return &engine.ErrorValue{Name: str("name"), Message: str("message"), Stack: str("stack")}
			}
		}
	}
	out, err := n.vm.FromJS(v)
	if err != nil {
		return v.String()
	}
	return out
}

// undefinedOr converts a context value; a missing one is undefined.
func (n *Function) undefinedOr(v any) goja.Value {
	if v == nil {
		return goja.Undefined()
	}
	return n.vm.ToJS(v)
}

// propertyJS adds RED.util.getMessageProperty and setMessageProperty, which
// walk the script's own objects (so they return and change references, as
// in Node-RED).
const propertyJS = `(function(util) {
function split(p) {
	if (typeof p !== 'string') { return [p]; }
	p = p.replace(/^msg\./, '');
	const out = [];
	const re = /\[\s*"([^"]*)"\s*\]|\[\s*'([^']*)'\s*\]|\[(\d+)\]|([^.\[\]]+)/g;
	let m;
	while ((m = re.exec(p)) !== null) {
		if (m[1] !== undefined) { out.push(m[1]); }
		else if (m[2] !== undefined) { out.push(m[2]); }
		else if (m[3] !== undefined) { out.push(Number(m[3])); }
		else { out.push(m[4]); }
	}
	return out;
}
util.getMessageProperty = function(msg, expr) {
	let v = msg;
	for (const k of split(expr)) {
		if (v === null || v === undefined) { return undefined; }
		v = v[k];
	}
	return v;
};
util.setMessageProperty = function(msg, expr, value, createMissing) {
	createMissing = createMissing !== false;
	const ks = split(expr);
	let o = msg;
	for (let i = 0; i < ks.length - 1; i++) {
		let next = o[ks[i]];
		if (next === undefined || next === null) {
			if (!createMissing) { return false; }
			next = typeof ks[i + 1] === 'number' ? [] : {};
			o[ks[i]] = next;
		} else if (typeof next !== 'object') {
			return false;
		}
		o = next;
	}
	if (value === undefined) { delete o[ks[ks.length - 1]]; } else { o[ks[ks.length - 1]] = value; }
	return true;
};
})(RED.util)`
