// Package jsonata runs JSONata, the reference JavaScript implementation (npm
// jsonata 2.2.2, embedded) on goja, behind engine.JSONata. It adds Node-RED's
// functions: $flowContext, $globalContext, $env, $clone and $moment (npm
// moment 2.30.1 with moment-timezone 0.5.48 and its 1970-2030 zone data,
// embedded, loaded into a runtime the first time an expression names it).
//
// A goja runtime serves one goroutine at a time and loading jsonata into one
// takes milliseconds, so an Engine keeps a pool of runtimes (up to
// GOMAXPROCS), each caching the expressions it has compiled.
package jsonata

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/jsvm"
)

//go:embed jsonata.min.js
var librarySource string

// Node-RED's $moment is moment-timezone (util.js prepareJSONataExpression).
var (
	//go:embed moment.min.js
	momentSource string
	//go:embed moment-timezone.min.js
	momentTZSource string
)

// momentJS evaluates to moment with moment-timezone installed, as
// require("moment-timezone") gives it.
func momentJS() string {
	return "(function() { var module = {exports: {}}, exports = module.exports;" + momentSource +
		";\nvar moment = module.exports; module = {exports: {}}; exports = module.exports;" +
		"var require = function() { return moment; };" + momentTZSource + ";\nreturn module.exports; })()"
}

// Node-RED's build of jsonata looks a path step up through the prototype
// chain, blocking only a few keys (so $moment(x).format() finds moment's
// methods); the npm build looks at own properties only.
const (
	npmLookup       = `null!==t&&"object"==typeof t&&Object.prototype.hasOwnProperty.call(t,r)&&!o(t)&&(n=t[r])`
	nodeREDLookupJS = `null!==t&&"object"==typeof t&&!["__proto__","constructor","prototype","__lookupGetter__","__lookupSetter__","__defineGetter__","__defineSetter__"].includes(r)&&!o(t)&&(n=t[r])`
)

// nodeREDLookup patches the library's lookup to Node-RED's.
func nodeREDLookup(lib string) string {
	if strings.Count(lib, npmLookup) != 1 {
		panic("jsonata: the library's lookup is not the one nodeREDLookup patches")
	}
	return strings.Replace(lib, npmLookup, nodeREDLookupJS, 1)
}

// harness wraps the library: compile assigns Node-RED's functions, eval
// evaluates and hands back the settled promise.
const harness = `(function(jsonata, ctx) {
	function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }
	var M; // moment, once an expression named $moment
	// a moment in a result becomes its Date (JSON gives both the same text)
	function unmoment(v) {
		if (v === null || typeof v !== 'object') { return v; }
		if (M.isMoment(v)) { return v.toDate(); }
		if (Array.isArray(v)) { for (var i = 0; i < v.length; i++) { v[i] = unmoment(v[i]); } return v; }
		if (Object.getPrototypeOf(v) === Object.prototype) { for (var k in v) { v[k] = unmoment(v[k]); } }
		return v;
	}
	return {
		compile: function(src, moment) {
			var e = jsonata(src);
			if (moment) {
				M = moment;
				e._moment = true;
				e.assign('moment', function(a, b, c, d) { return moment(a, b, c, d); });
			}
			e.assign('flowContext', function(k, s) { return ctx.flow(k, s); });
			e.assign('globalContext', function(k, s) { return ctx.global(k, s); });
			e.assign('env', function(n) { return ctx.env(n); });
			e.registerFunction('clone', clone, '<(oa)-:o>');
			return e;
		},
		eval: function(e, input, vars) {
			var p = e.evaluate(input, vars);
			return e._moment ? p.then(unmoment) : p;
		}
	};
})`

// DefaultTimeout bounds one evaluation (a runaway recursion).
const DefaultTimeout = 10 * time.Second

// maxCached is how many expressions a runtime keeps compiled; past it the
// cache starts again (expressions of old deploys go).
const maxCached = 4096

// legacy is Node-RED's test for the legacy form: an expression naming msg
// evaluates against {msg: msg}.
var legacy = regexp.MustCompile(`(^|[^a-zA-Z0-9_'".])msg([^a-zA-Z0-9_'"]|$)`)

// Engine compiles and evaluates JSONata expressions; it implements engine.JSONata.
type Engine struct {
	programs func() (lib, harness *goja.Program) // compiled once, on first use
	moment   func() *goja.Program                // compiled once, on first use of $moment
	timeout  time.Duration
	free     chan *worker

	mu      sync.Mutex // guards created, closed, all
	created int
	closed  bool
	all     []*worker
}

// New returns an Engine whose evaluations stop after timeout (zero: DefaultTimeout).
func New(timeout time.Duration) *Engine {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	n := runtime.GOMAXPROCS(0)
	return &Engine{
		programs: sync.OnceValues(func() (*goja.Program, *goja.Program) {
			// the bundle looks for Buffer on its global; jsonata calls
			// `new global.Buffer.from(...)`, so from must be a plain function
			lib := goja.MustCompile("jsonata.min.js", "var global = Object.create(globalThis), module = {exports: {}}, exports = module.exports;"+
				"global.Buffer = {from: function() { return Buffer.from.apply(Buffer, arguments); }};"+nodeREDLookup(librarySource)+";module.exports", false)
			return lib, goja.MustCompile("harness.js", harness, false)
		}),
		moment: sync.OnceValue(func() *goja.Program {
			return goja.MustCompile("moment.min.js", momentJS(), false)
		}),
		timeout: timeout,
		free:    make(chan *worker, n),
	}
}

// Close releases the runtimes; it is idempotent.
func (e *Engine) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	for _, w := range e.all {
		w.vm.Close()
	}
	e.all = nil
}

// worker is one runtime with the library loaded. Its fields are used only by
// the goroutine that holds it (taken from Engine.free).
type worker struct {
	vm         *jsvm.VM
	compile    goja.Callable
	eval       goja.Callable
	cache      map[string]goja.Value
	res        *engine.Resources // the evaluation in progress
	moment     goja.Value        // moment, once an expression named $moment
	loadMoment func() *goja.Program
}

func (e *Engine) get() (*worker, error) {
	select {
	case w := <-e.free:
		return w, nil
	default:
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errors.New("jsonata engine is closed")
	}
	if e.created >= cap(e.free) {
		e.mu.Unlock()
		return <-e.free, nil
	}
	e.created++
	e.mu.Unlock()
	w, err := e.newWorker()
	if err != nil {
		e.mu.Lock()
		e.created--
		e.mu.Unlock()
		return nil, err
	}
	e.mu.Lock()
	e.all = append(e.all, w)
	e.mu.Unlock()
	return w, nil
}

func (e *Engine) put(w *worker) { e.free <- w }

func (e *Engine) newWorker() (*worker, error) {
	w := &worker{vm: jsvm.New(jsvm.Options{Timeout: e.timeout}), cache: map[string]goja.Value{}, loadMoment: e.moment}
	err := w.vm.Do(func() error {
		rt := w.vm.Runtime()
		libProg, harnessProg := e.programs()
		lib, err := w.vm.Run(libProg)
		if err != nil {
			return err
		}
		h, err := w.vm.Run(harnessProg)
		if err != nil {
			return err
		}
		fn, _ := goja.AssertFunction(h)
		ctx := rt.NewObject()
		_ = ctx.Set("flow", func(key, store string) goja.Value { return w.context(false, key, store) })
		_ = ctx.Set("global", func(key, store string) goja.Value { return w.context(true, key, store) })
		_ = ctx.Set("env", func(name string) goja.Value {
			if w.res != nil {
				if v, ok := w.res.EnvValue(name); ok {
					return w.vm.ToJS(v)
				}
			}
			return rt.ToValue("")
		})
		api, err := fn(goja.Undefined(), lib, ctx)
		if err != nil {
			return err
		}
		o := api.ToObject(rt)
		w.compile, _ = goja.AssertFunction(o.Get("compile"))
		w.eval, _ = goja.AssertFunction(o.Get("eval"))
		return nil
	})
	if err != nil {
		w.vm.Close()
		return nil, fmt.Errorf("loading jsonata: %w", err)
	}
	return w, nil
}

// context is $flowContext/$globalContext: Node-RED gives "" without a node.
func (w *worker) context(global bool, key, store string) goja.Value {
	if w.res == nil {
		return w.vm.Runtime().ToValue("")
	}
	c := w.res.Flow
	if global {
		c = w.res.Global
	}
	if c == nil {
		return goja.Undefined()
	}
	v, err := c.Get(store, key)
	if err != nil {
		panic(w.vm.Runtime().NewGoError(err))
	}
	if v == nil { // a missing key is undefined, as context.get gives
		return goja.Undefined()
	}
	return w.vm.ToJS(engine.CloneValue(v))
}

// compiled returns the runtime's compiled form of src (call inside Do).
func (w *worker) compiled(src string) (goja.Value, error) {
	if c, ok := w.cache[src]; ok {
		return c, nil
	}
	var moment goja.Value = goja.Undefined()
	if strings.Contains(src, "$moment") {
		if w.moment == nil {
			m, err := w.vm.Run(w.loadMoment())
			if err != nil {
				return nil, fmt.Errorf("loading moment: %w", err)
			}
			w.moment = m
		}
		moment = w.moment
	}
	c, err := w.vm.Call(w.compile, goja.Undefined(), w.vm.Runtime().ToValue(src), moment)
	if err != nil {
		return nil, toError(w.vm.Runtime(), err)
	}
	if len(w.cache) >= maxCached {
		clear(w.cache)
	}
	w.cache[src] = c
	return c, nil
}

// Compile parses src; it implements engine.JSONata.
func (e *Engine) Compile(src string) (engine.JSONataExpr, error) {
	w, err := e.get()
	if err != nil {
		return nil, err
	}
	defer e.put(w)
	err = w.vm.Do(func() error {
		_, err := w.compiled(src)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Expr{e: e, src: src, legacy: legacy.MatchString(src)}, nil
}

// Expr is a compiled expression; it implements engine.JSONataExpr.
type Expr struct {
	e      *Engine
	src    string
	legacy bool
}

// Eval evaluates the expression; see engine.JSONataExpr.
func (x *Expr) Eval(res *engine.Resources, input any, vars map[string]any) (any, error) {
	w, err := x.e.get()
	if err != nil {
		return nil, err
	}
	if x.legacy {
		switch input.(type) {
		case engine.Msg, map[string]any, *engine.Object:
			input = engine.ObjectOf("msg", input)
		}
	}
	var out any
	err = w.vm.Do(func() error {
		w.res = res
		defer func() { w.res = nil }()
		c, err := w.compiled(x.src)
		if err != nil {
			return err
		}
		rt := w.vm.Runtime()
		return w.vm.Guarded(func() error {
			var in goja.Value = goja.Undefined()
			if input != nil {
				in = w.vm.ToJS(input)
			}
			b := rt.NewObject()
			for k, v := range vars {
				if v != nil { // nil is undefined: the variable stays unbound
					_ = b.Set(k, w.vm.ToJS(v))
				}
			}
			p, err := w.vm.Call(w.eval, goja.Undefined(), c, in, b)
			if err != nil {
				return toError(rt, err)
			}
			pr, ok := p.Export().(*goja.Promise)
			if !ok {
				return errors.New("jsonata: evaluation did not return a promise")
			}
			switch pr.State() {
			case goja.PromiseStateRejected:
				return thrownError(rt, pr.Result())
			case goja.PromiseStatePending:
				return errIncomplete
			}
			out, err = w.vm.FromJS(pr.Result())
			return err
		})
	})
	x.e.release(w, err)
	if err != nil {
		return nil, err
	}
	return out, nil
}

var errIncomplete = errors.New("jsonata: evaluation did not complete")

// release returns w to the pool, or drops it when an interruption (time,
// memory) may have left it mid-evaluation.
func (e *Engine) release(w *worker, err error) {
	var te *jsvm.TimeoutError
	var me *jsvm.MemoryError
	if err == nil || !(errors.As(err, &te) || errors.As(err, &me) || errors.Is(err, errIncomplete)) {
		e.put(w)
		return
	}
	w.vm.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.created--
	for i, o := range e.all {
		if o == w {
			e.all = append(e.all[:i], e.all[i+1:]...)
			break
		}
	}
}

// toError converts a JavaScript exception into a *engine.JSONataError when it
// is one of JSONata's.
func toError(rt *goja.Runtime, err error) error {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return thrownError(rt, ex.Value())
	}
	return err
}

func thrownError(rt *goja.Runtime, v goja.Value) error {
	o, ok := v.(*goja.Object)
	if !ok {
		return &engine.JSONataError{Message: v.String()}
	}
	je := &engine.JSONataError{}
	if c := o.Get("code"); c != nil && !goja.IsUndefined(c) {
		je.Code = c.String()
	}
	if p := o.Get("position"); p != nil && !goja.IsUndefined(p) {
		je.Position = int(p.ToInteger())
	}
	if t := o.Get("token"); t != nil && !goja.IsUndefined(t) && !goja.IsNull(t) {
		je.Token = t.String()
	}
	if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
		je.Message = m.String()
	} else {
		je.Message = v.String()
	}
	if je.Code == "" {
		if gerr, ok := o.Export().(error); ok {
			return gerr
		}
	}
	return je
}
