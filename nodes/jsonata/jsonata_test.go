package jsonata

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

func TestEval(t *testing.T) {
	e := New(0)
	defer e.Close()
	msg := engine.Msg{"payload": engine.ObjectOf("temperature", 21.5, "list", []any{3.0, 1.0, 2.0}), "topic": "t"}
	tests := []struct {
		name string
		src  string
		in   any
		vars map[string]any
		want any
	}{
		{"path", "payload.temperature * 2", msg, nil, 43.0},
		{"legacy msg form", "msg.topic & '!'", msg, nil, "t!"},
		{"undefined", "payload.nothing", msg, nil, nil},
		{"sort", "$sort(payload.list)", msg, nil, []any{1.0, 2.0, 3.0}},
		{"vars", "$A + $N", msg, map[string]any{"A": 2.0, "N": 3.0}, 5.0},
		{"env without node", "$env('X')", msg, nil, ""},
		{"clone", "$clone(payload).temperature", msg, nil, 21.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := e.Compile(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.Eval(nil, tt.in, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestKeyOrder pins the key order jsonata-js gives in Node-RED 4 (checked
// against /tmp/nr's @node-red/util jsonata): objects reach the library in
// their order and come back in the order it built them.
func TestKeyOrder(t *testing.T) {
	e := New(0)
	defer e.Close()
	msg := engine.Msg{"payload": engine.ObjectOf("b", 1.0, "name", 2.0, "a", 3.0), "topic": "t"}
	tests := []struct {
		name, src string
		want      any
	}{
		{"$keys", "$keys(payload)", []any{"b", "name", "a"}},
		{"$spread", "$spread(payload)", []any{engine.ObjectOf("b", 1.0), engine.ObjectOf("name", 2.0), engine.ObjectOf("a", 3.0)}},
		{"wildcard", "payload.*", []any{1.0, 2.0, 3.0}},
		{"$each", "$each(payload, function($v, $k) {$k & $v})", []any{"b1", "name2", "a3"}},
		{"constructed", `{"z": 1, "a": payload.a, "10": 0, "2": 0}`, engine.ObjectOf("2", 0.0, "10", 0.0, "z", 1.0, "a", 3.0)},
		{"transform", "payload ~> |$|{'c': 4}, ['b']|", engine.ObjectOf("name", 2.0, "a", 3.0, "c", 4.0)},
		{"legacy msg form", "$keys(msg.payload)", []any{"b", "name", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := e.Compile(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.Eval(nil, msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	e := New(0)
	defer e.Close()
	t.Run("syntax error has code and position", func(t *testing.T) {
		_, err := e.Compile("payload +")
		var je *engine.JSONataError
		if !errors.As(err, &je) || je.Code != "S0207" || je.Position != 9 {
			t.Fatalf("got %#v", err)
		}
		if got, want := err.Error(), "Unexpected end of expression"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("evaluation error", func(t *testing.T) {
		x, err := e.Compile(`"a" + 1`)
		if err != nil {
			t.Fatal(err)
		}
		_, err = x.Eval(nil, engine.Msg{}, nil)
		var je *engine.JSONataError
		if !errors.As(err, &je) || je.Code != "T2001" {
			t.Fatalf("got %#v", err)
		}
	})
	t.Run("runaway expression is stopped and the runtime replaced", func(t *testing.T) {
		e := New(200e6) // 200ms
		defer e.Close()
		x, err := e.Compile(`($f := function($n){ $n > 0 ? $f($n) + 0 : 0 }; [1..100000].$f(1))`)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.Eval(nil, nil, nil); err == nil {
			t.Fatal("no error")
		}
		y, _ := e.Compile("1 + 1")
		if got, err := y.Eval(nil, nil, nil); err != nil || got != 2.0 {
			t.Fatalf("after: %v %v", got, err)
		}
	})
}

// BenchmarkEval is the cost of one evaluation of a typical expression (the
// README compares it with github.com/blues/jsonata-go, expr and the function node).
func BenchmarkEval(b *testing.B) {
	e := New(0)
	defer e.Close()
	x, err := e.Compile(`payload.temperature * 1.8 + 32`)
	if err != nil {
		b.Fatal(err)
	}
	msg := engine.Msg{"payload": engine.ObjectOf("temperature", 21.5, "unit", "C"), "topic": "sensor/1"}
	for b.Loop() {
		if _, err := x.Eval(nil, msg, nil); err != nil {
			b.Fatal(err)
		}
	}
}
