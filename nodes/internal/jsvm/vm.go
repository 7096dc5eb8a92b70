package jsvm

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// Limits of the sandbox. goja has no heap limit of its own, so a runaway
// script is bounded three ways: by time (every entry into JavaScript is
// interrupted after the timeout), by heap growth (checked every
// checkInterval while a script runs: the process heap growing by more than
// MaxHeapGrowth since the script's first check interrupts it), and by the
// size of what it can hand back (messages deeper than MaxDepth or with more
// than MaxValues values are refused).
const (
	// DefaultTimeout is the time limit of one invocation when the node sets none.
	DefaultTimeout = 10 * time.Second
	// MaxHeapGrowth is the default heap growth that interrupts a running script.
	MaxHeapGrowth = 256 << 20
	// MaxDepth is the deepest nesting of objects and arrays converted.
	MaxDepth = 256
	// MaxValues is the most values (objects, arrays, primitives) converted at once.
	MaxValues = 1 << 20
	// maxCallStack bounds recursion: deeper calls throw a RangeError.
	maxCallStack = 4096
	// checkInterval is how often a running script's clock and heap are checked.
	checkInterval = 100 * time.Millisecond
)

// ErrClosed is returned by Do once the VM is closed.
var ErrClosed = errors.New("script runtime is closed")

// TimeoutError is the interruption of a script that ran past its time limit.
// Its text is Node's vm module's.
type TimeoutError struct{ Limit time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("Script execution timed out after %dms", e.Limit.Milliseconds())
}

// MemoryError is the interruption of a script whose heap growth passed the limit.
type MemoryError struct{ Limit uint64 }

func (e *MemoryError) Error() string {
	return fmt.Sprintf("Script execution stopped: heap grew by more than %d MB", e.Limit>>20)
}

// Options configures a VM.
type Options struct {
	// Timeout limits each entry into JavaScript (a call, a timer callback);
	// zero means DefaultTimeout.
	Timeout time.Duration
	// MaxHeapGrowth overrides the package default when non-zero.
	MaxHeapGrowth uint64
	// Log receives console.log/warn/error; nil discards.
	Log *slog.Logger
	// TimerError receives what a timer callback threw (called with the VM locked).
	TimerError func(thrown goja.Value, err error)
}

// VM is one goja runtime with its timers. Everything touching JavaScript
// values runs inside Do, which holds the lock; timers take the same lock, so
// the runtime is only ever used by one goroutine at a time.
type VM struct {
	mu           sync.Mutex // guards rt, every JavaScript value, timers, nextTimer, closed, depth
	rt           *goja.Runtime
	opts         Options
	timers       map[int64]*time.Timer
	next         int64
	closed       bool
	depth        int
	newBuf       goja.Callable
	dateNew      goja.Value
	opaque       *goja.Symbol
	bufProto     *goja.Object // Buffer.prototype: Buffer instances report class Object
	promiseProto *goja.Object
	// reqGo and reqJS cache the conversion of the last msg.req: an http in
	// request is shared by every message of a sequence (split of a large
	// body), so it is converted once, and handed back unconverted.
	reqGo any // an *engine.Object or a Go map
	reqJS *goja.Object

	guardMu sync.Mutex  // guards armed, start, base, ticking and guardT
	armed   bool        // a guarded entry is running
	start   time.Time   // when it started
	base    uint64      // the heap size at its first check, 0 before
	ticking bool        // guardT is set to fire
	guardT  *time.Timer // the watchdog (check), shared by every entry
}

// New returns a VM with the sandbox globals installed: Buffer, console,
// setTimeout/setInterval/clearTimeout/clearInterval, util.format, and,
// built on first use, Intl, URL and URLSearchParams; Date, Number and
// String get their locale-aware methods.
func New(o Options) *VM {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxHeapGrowth == 0 {
		o.MaxHeapGrowth = MaxHeapGrowth
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	rt := goja.New()
	rt.SetMaxCallStackSize(maxCallStack)
	vm := &VM{rt: rt, opts: o, timers: map[int64]*time.Timer{}, opaque: goja.NewSymbol("go")}
	vm.installBuffer()
	vm.dateNew = rt.Get("Date")
	vm.promiseProto = rt.Get("Promise").ToObject(rt).Get("prototype").ToObject(rt)
	vm.installConsole()
	vm.installTimers()
	vm.installIntl()
	vm.installURL()
	return vm
}

// Runtime returns the goja runtime; use it only inside Do.
func (vm *VM) Runtime() *goja.Runtime { return vm.rt }

// Do runs f with the runtime locked. It returns ErrClosed after Close.
func (vm *VM) Do(f func() error) error {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if vm.closed {
		return ErrClosed
	}
	return f()
}

// Call calls fn under the time and heap limits; use it inside Do. Promise
// jobs queued by the call run before it returns. An interruption is returned
// as *TimeoutError or *MemoryError, a JavaScript throw as *goja.Exception.
// Inside Guarded, fn runs under the enclosing limits.
func (vm *VM) Call(fn goja.Callable, this goja.Value, args ...goja.Value) (goja.Value, error) {
	if vm.depth > 0 {
		v, err := fn(this, args...)
		return v, interrupted(err)
	}
	var v goja.Value
	err := vm.Guarded(func() error {
		var err error
		v, err = fn(this, args...)
		return err
	})
	return v, err
}

// Run runs a compiled program under the limits; use it inside Do.
func (vm *VM) Run(p *goja.Program) (goja.Value, error) {
	var v goja.Value
	err := vm.Guarded(func() error {
		var err error
		v, err = vm.rt.RunProgram(p)
		return err
	})
	return v, err
}

// Guarded runs f, which calls into JavaScript and converts values, under
// one time and heap limit; use it inside Do.
func (vm *VM) Guarded(f func() error) error {
	if vm.depth > 0 {
		return interrupted(f())
	}
	vm.depth++
	defer func() { vm.depth-- }()
	return vm.guard(f)
}

// interrupted turns goja's interruption into the error it was given.
func interrupted(err error) error {
	if err == nil {
		return nil
	}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if e, ok := ie.Value().(error); ok {
			return e
		}
	}
	return err
}

func (vm *VM) guard(f func() error) error {
	// The watchdog keeps ticking while entries follow each other (a busy
	// node): an entry arms it by setting its start, without touching the
	// timer; a tick that finds no entry running lets it stop. The first
	// check of an entry comes within a tick (tick ≤ the limit), then at its
	// deadline: an entry is interrupted as late as with a timer of its own.
	vm.guardMu.Lock()
	vm.armed = true
	vm.start = time.Now()
	vm.base = 0
	if !vm.ticking {
		vm.ticking = true
		if vm.guardT == nil {
			vm.guardT = time.AfterFunc(vm.tick(), vm.check)
		} else {
			vm.guardT.Reset(vm.tick())
		}
	}
	vm.guardMu.Unlock()

	err := f()

	vm.guardMu.Lock()
	vm.armed = false
	vm.guardMu.Unlock()
	vm.rt.ClearInterrupt()
	if err == nil {
		return nil
	}
	return interrupted(err)
}

func (vm *VM) tick() time.Duration { return min(vm.opts.Timeout, checkInterval) }

// check is the watchdog of guarded entries: it interrupts the running one
// past its time or heap limit, or checks again a tick later (sooner at its
// deadline); with no entry running it stops until the next entry.
func (vm *VM) check() {
	vm.guardMu.Lock()
	defer vm.guardMu.Unlock()
	if !vm.armed {
		vm.ticking = false
		return
	}
	limit := vm.opts.Timeout
	if time.Since(vm.start) >= limit {
		vm.rt.Interrupt(&TimeoutError{Limit: limit})
		vm.ticking = false // the next entry sets the timer again
		return
	}
	heap := heapBytes()
	if vm.base == 0 {
		vm.base = heap
	} else if heap > vm.base && heap-vm.base > vm.opts.MaxHeapGrowth {
		vm.rt.Interrupt(&MemoryError{Limit: vm.opts.MaxHeapGrowth})
		vm.ticking = false
		return
	}
	vm.guardT.Reset(min(vm.tick(), limit-time.Since(vm.start)))
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Close stops every timer and refuses further calls. A timer callback in
// flight holds the lock, so Close returns after it. It is idempotent.
func (vm *VM) Close() {
	vm.mu.Lock()
	vm.closed = true
	for id, t := range vm.timers {
		t.Stop()
		delete(vm.timers, id)
	}
	vm.mu.Unlock()
}

// StopTimers stops every timer (Node-RED clears them when the node closes,
// after its close handlers ran); use it inside Do.
func (vm *VM) StopTimers() {
	for id, t := range vm.timers {
		t.Stop()
		delete(vm.timers, id)
	}
}

func (vm *VM) installTimers() {
	rt := vm.rt
	add := func(repeat bool) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			fn, ok := goja.AssertFunction(call.Argument(0))
			if !ok {
				panic(rt.NewTypeError("The \"callback\" argument must be of type function"))
			}
			d := time.Duration(call.Argument(1).ToFloat() * float64(time.Millisecond))
			if d < time.Millisecond {
				d = time.Millisecond // Node: delays below 1 ms are 1 ms
			}
			var args []goja.Value
			if len(call.Arguments) > 2 {
				args = append(args, call.Arguments[2:]...)
			}
			vm.next++
			id := vm.next
			vm.timers[id] = time.AfterFunc(d, func() { vm.fire(id, fn, args, repeat, d) })
			return rt.ToValue(id)
		}
	}
	clear := func(call goja.FunctionCall) goja.Value {
		id := call.Argument(0).ToInteger()
		if t, ok := vm.timers[id]; ok {
			t.Stop()
			delete(vm.timers, id)
		}
		return goja.Undefined()
	}
	_ = rt.Set("setTimeout", add(false))
	_ = rt.Set("setInterval", add(true))
	_ = rt.Set("clearTimeout", clear)
	_ = rt.Set("clearInterval", clear)
}

// fire runs timer id's callback on the runtime.
func (vm *VM) fire(id int64, fn goja.Callable, args []goja.Value, repeat bool, d time.Duration) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	t, ok := vm.timers[id]
	if vm.closed || !ok {
		return
	}
	if repeat {
		t.Reset(d)
	} else {
		delete(vm.timers, id)
	}
	if _, err := vm.Call(fn, goja.Undefined(), args...); err != nil && vm.opts.TimerError != nil {
		var thrown goja.Value
		var ex *goja.Exception
		if errors.As(err, &ex) {
			thrown = ex.Value()
		}
		vm.opts.TimerError(thrown, err)
	}
}

func (vm *VM) installConsole() {
	rt := vm.rt
	console := rt.NewObject()
	logAt := func(level slog.Level) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			vm.opts.Log.Log(nil, level, Format(call.Arguments))
			return goja.Undefined()
		}
	}
	_ = console.Set("log", logAt(slog.LevelInfo))
	_ = console.Set("info", logAt(slog.LevelInfo))
	_ = console.Set("debug", logAt(slog.LevelDebug))
	_ = console.Set("warn", logAt(slog.LevelWarn))
	_ = console.Set("error", logAt(slog.LevelError))
	_ = rt.Set("console", console)
	util := rt.NewObject()
	_ = util.Set("format", func(call goja.FunctionCall) goja.Value { return rt.ToValue(vm.formatNode(call.Arguments)) })
	_ = util.Set("inspect", func(call goja.FunctionCall) goja.Value { return rt.ToValue(Inspect(call.Argument(0))) })
	_ = rt.Set("util", util)
}

// Format joins values as console.log does: strings as they are, other
// values inspected.
func Format(args []goja.Value) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if s, ok := a.Export().(string); ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(Inspect(a))
	}
	return b.String()
}

// Inspect renders a value for logs: JSON for plain objects and arrays,
// toString for errors, functions and primitives.
func Inspect(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if s, isStr := v.Export().(string); isStr {
			return "'" + s + "'"
		}
		return v.String()
	}
	switch o.ClassName() {
	case "Error", "Function", "Date", "RegExp":
		return o.String()
	}
	if j, err := o.MarshalJSON(); err == nil {
		return string(j)
	}
	return o.String()
}
