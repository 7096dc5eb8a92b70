package jsvm

import (
	"errors"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

// run calls a script function(msg) with m exposed through MsgToJS and
// returns what it returned and the lazy object.
func run(t *testing.T, vm *VM, src string, m map[string]any) (ret, obj goja.Value) {
	t.Helper()
	err := vm.Do(func() error {
		f, err := vm.Runtime().RunString("(function(msg) {\n" + src + "\n})")
		if err != nil {
			return err
		}
		fn, _ := goja.AssertFunction(f)
		obj = vm.MsgToJS(m)
		ret, err = vm.Call(fn, goja.Undefined(), obj)
		return err
	})
	if err != nil {
		t.Fatalf("script: %v", err)
	}
	return ret, obj
}

func export(t *testing.T, vm *VM, v goja.Value) any {
	t.Helper()
	var out any
	if err := vm.Do(func() (err error) { out, err = vm.FromJS(v); return err }); err != nil {
		t.Fatalf("FromJS: %v", err)
	}
	return out
}

// exportMsg converts v back as a message (a Go map).
func exportMsg(t *testing.T, vm *VM, v goja.Value) map[string]any {
	t.Helper()
	var out map[string]any
	var ok bool
	if err := vm.Do(func() (err error) { out, ok, err = vm.MsgFromJS(v); return err }); err != nil || !ok {
		t.Fatalf("MsgFromJS: %v %v", ok, err)
	}
	return out
}

func TestMsgToJS(t *testing.T) {
	type handle struct{ N int }
	h := &handle{1}
	in := func() map[string]any {
		return map[string]any{"payload": []any{1.0, "a"}, "obj": engine.ObjectOf("x", 1.0), "buf": []byte("hi"), "res": h, "n": 2.0}
	}
	tests := []struct {
		name, src string
		want      any
	}{
		{"untouched round trip", "return msg;", engine.ObjectOf("buf", []byte("hi"), "n", 2.0, "obj", engine.ObjectOf("x", 1.0), "payload", []any{1.0, "a"}, "res", h)},
		{"read, assign, delete", "msg.obj.y = msg.n + 1; delete msg.payload; delete msg.nope; msg.z = undefined; msg.s = 's';\nreturn msg;",
			engine.ObjectOf("buf", []byte("hi"), "n", 2.0, "obj", engine.ObjectOf("x", 1.0, "y", 3.0), "res", h, "s", "s")},
		{"plain object view", "return {keys: Object.keys(msg), has: ['n' in msg, 'nope' in msg], buf: msg.buf.toString(), same: msg.obj === msg.obj, json: JSON.parse(JSON.stringify({o: msg.obj, p: msg.payload}))};",
			engine.ObjectOf("keys", []any{"buf", "n", "obj", "payload", "res"}, "has", []any{true, false}, "buf", "hi", "same", true, "json", engine.ObjectOf("o", engine.ObjectOf("x", 1.0), "p", []any{1.0, "a"}))},
		{"spread", "const c = {...msg}; c.n = 5; return [c.n, msg.n, Object.keys(c).length];", []any{5.0, 2.0, 5.0}},
		{"keys after changes", "delete msg.obj; msg.added = 1; return Object.keys(msg);", []any{"buf", "n", "payload", "res", "added"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vm := New(Options{})
			defer vm.Close()
			ret, _ := run(t, vm, tc.src, in())
			if got := export(t, vm, ret); !cmp.Equal(got, tc.want) {
				t.Errorf("got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

// TestKeyOrder pins JavaScript's key order across the conversion both ways:
// an ordered object reaches the script in order, and an object the script
// builds comes back in order (index keys first, as JavaScript orders them).
func TestKeyOrder(t *testing.T) {
	tests := []struct {
		name, src string
		in, want  any
	}{
		{"Object.keys", "return Object.keys(msg.payload);", engine.ObjectOf("b", 1.0, "name", "x", "a", 2.0), []any{"b", "name", "a"}},
		{"for in", "var k = []; for (var p in msg.payload) k.push(p); return k.join();", engine.ObjectOf("z", 1.0, "y", engine.ObjectOf("q", 1.0, "p", 2.0)), "z,y"},
		{"JSON.stringify", "return JSON.stringify(msg.payload);", engine.ObjectOf("z", 1.0, "y", engine.ObjectOf("q", 1.0, "p", 2.0)), `{"z":1,"y":{"q":1,"p":2}}`},
		{"built in JS", "return {z: 1, a: {d: 1, c: 2}, '10': 0, '2': 0};", nil, engine.ObjectOf("2", 0.0, "10", 0.0, "z", 1.0, "a", engine.ObjectOf("d", 1.0, "c", 2.0))},
		{"changed in JS", "msg.payload.a = 3; msg.payload.c = 4; delete msg.payload.b; return msg.payload;", engine.ObjectOf("b", 1.0, "a", 2.0), engine.ObjectOf("a", 3.0, "c", 4.0)},
		{"a Go map sorted", "return Object.keys(msg.payload);", map[string]any{"b": 1.0, "a": 2.0, "10": 3.0, "9": 4.0}, []any{"9", "10", "a", "b"}},
		{"message inside a value", "return {inner: msg};", nil, engine.ObjectOf("inner", engine.ObjectOf("payload", nil, "topic", "t"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vm := New(Options{})
			defer vm.Close()
			ret, _ := run(t, vm, tc.src, map[string]any{"topic": "t", "payload": tc.in})
			if diff := cmp.Diff(tc.want, export(t, vm, ret)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestMsgToJSExportsCopies(t *testing.T) {
	vm := New(Options{})
	defer vm.Close()
	m := map[string]any{"obj": engine.ObjectOf("x", 1.0), "req": engine.ObjectOf("url", "/")}
	_, obj := run(t, vm, "return msg;", m)
	a := exportMsg(t, vm, obj)
	b := exportMsg(t, vm, obj)
	a["obj"].(*engine.Object).Set("x", 9.0)
	if b["obj"].(*engine.Object).Value("x") != 1.0 || m["obj"].(*engine.Object).Value("x") != 1.0 {
		t.Errorf("exports share untouched values: %v %v", b, m)
	}
	if a["req"].(*engine.Object).Value("url") != "/" || !sameRef(a["req"], m["req"]) {
		t.Errorf("msg.req is not shared: %v", a["req"])
	}
	_ = vm.Do(func() error { vm.DetachMsg(obj); return nil })
	clear(m)
	if got := exportMsg(t, vm, obj); got["obj"] == nil {
		t.Errorf("a detached object lost its values: %v", got)
	}
}

func TestMsgToJSBadValues(t *testing.T) {
	vm := New(Options{})
	defer vm.Close()
	ret, _ := run(t, vm, "msg.self = msg; return msg;", map[string]any{"a": 1.0})
	err := vm.Do(func() error { _, err := vm.FromJS(ret); return err })
	var ce *ConvertError
	if !errors.As(err, &ce) || ce.Error() != "cannot send a cyclic object at self" {
		t.Errorf("got %v", err)
	}
}

// TestGuardTimerReused checks that the watchdog, shared by every call,
// interrupts each run past its limit and none within it.
func TestGuardTimerReused(t *testing.T) {
	vm := New(Options{Timeout: 30 * time.Millisecond})
	defer vm.Close()
	for i := range 3 {
		err := vm.Do(func() error {
			return vm.Guarded(func() error { _, err := vm.Runtime().RunString("while (true) {}"); return err })
		})
		var te *TimeoutError
		if !errors.As(err, &te) {
			t.Fatalf("run %d: got %v, want a timeout", i, err)
		}
		err = vm.Do(func() error {
			return vm.Guarded(func() error { _, err := vm.Runtime().RunString("1 + 1"); return err })
		})
		if err != nil {
			t.Fatalf("run %d: a short script failed: %v", i, err)
		}
	}
}

// TestGuardWhileBusy checks that the watchdog, left ticking while short
// calls follow each other, still interrupts a long call among them.
func TestGuardWhileBusy(t *testing.T) {
	// a limit a short script never reaches, even descheduled on a busy
	// machine; the busy spell is longer than a tick (100 ms)
	vm := New(Options{Timeout: 500 * time.Millisecond})
	defer vm.Close()
	run := func(src string) error {
		return vm.Do(func() error {
			return vm.Guarded(func() error { _, err := vm.Runtime().RunString(src); return err })
		})
	}
	for range 2 {
		for end := time.Now().Add(250 * time.Millisecond); time.Now().Before(end); {
			if err := run("1 + 1"); err != nil {
				t.Fatalf("a short script failed: %v", err)
			}
		}
		var te *TimeoutError
		if err := run("while (true) {}"); !errors.As(err, &te) {
			t.Fatalf("got %v, want a timeout", err)
		}
	}
}
