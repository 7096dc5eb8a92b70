package jsvm

import (
	"errors"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/google/go-cmp/cmp"
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

func TestMsgToJS(t *testing.T) {
	type handle struct{ N int }
	h := &handle{1}
	in := func() map[string]any {
		return map[string]any{"payload": []any{1.0, "a"}, "obj": map[string]any{"x": 1.0}, "buf": []byte("hi"), "res": h, "n": 2.0}
	}
	tests := []struct {
		name, src string
		want      any
	}{
		{"untouched round trip", "return msg;", map[string]any{"payload": []any{1.0, "a"}, "obj": map[string]any{"x": 1.0}, "buf": []byte("hi"), "res": h, "n": 2.0}},
		{"read, assign, delete", "msg.obj.y = msg.n + 1; delete msg.payload; delete msg.nope; msg.z = undefined; msg.s = 's';\nreturn msg;",
			map[string]any{"obj": map[string]any{"x": 1.0, "y": 3.0}, "buf": []byte("hi"), "res": h, "n": 2.0, "s": "s"}},
		{"plain object view", "return {keys: Object.keys(msg).sort(), has: ['n' in msg, 'nope' in msg], buf: msg.buf.toString(), same: msg.obj === msg.obj, json: JSON.parse(JSON.stringify({o: msg.obj, p: msg.payload}))};",
			map[string]any{"keys": []any{"buf", "n", "obj", "payload", "res"}, "has": []any{true, false}, "buf": "hi", "same": true, "json": map[string]any{"o": map[string]any{"x": 1.0}, "p": []any{1.0, "a"}}}},
		{"spread", "const c = {...msg}; c.n = 5; return [c.n, msg.n, Object.keys(c).length];", []any{5.0, 2.0, 5.0}},
		{"keys after changes", "delete msg.obj; msg.added = 1; return Object.keys(msg).sort();", []any{"added", "buf", "n", "payload", "res"}},
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

func TestMsgToJSExportsCopies(t *testing.T) {
	vm := New(Options{})
	defer vm.Close()
	m := map[string]any{"obj": map[string]any{"x": 1.0}, "req": map[string]any{"url": "/"}}
	_, obj := run(t, vm, "return msg;", m)
	a := export(t, vm, obj).(map[string]any)
	b := export(t, vm, obj).(map[string]any)
	a["obj"].(map[string]any)["x"] = 9.0
	if b["obj"].(map[string]any)["x"] != 1.0 || m["obj"].(map[string]any)["x"] != 1.0 {
		t.Errorf("exports share untouched values: %v %v", b, m)
	}
	if a["req"].(map[string]any)["url"] != "/" || !sameMap(a["req"].(map[string]any), m["req"].(map[string]any)) {
		t.Errorf("msg.req is not shared: %v", a["req"])
	}
	_ = vm.Do(func() error { vm.DetachMsg(obj); return nil })
	clear(m)
	if got := export(t, vm, obj).(map[string]any); got["obj"] == nil {
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
