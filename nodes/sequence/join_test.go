package sequence

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func manual(props obj) obj {
	p := obj{"mode": "custom", "build": "array", "property": "payload", "propertyType": "msg", "key": "topic",
		"joiner": `\n`, "joinerType": "str", "useparts": false, "accumulate": false, "timeout": "", "count": ""}
	for k, v := range props {
		p[k] = v
	}
	return p
}

func TestJoin(t *testing.T) {
	part := func(id string, typ string, i, n float64, v any, extra obj) engine.Msg {
		p := map[string]any{"id": id, "type": typ, "index": i, "count": n}
		for k, e := range extra {
			p[k] = e
		}
		return engine.Msg{"payload": v, "parts": p}
	}
	tests := []struct {
		name   string
		props  obj
		inputs []engine.Msg
		wait   time.Duration // fake time to let pass after the inputs
		want   []obj
		errs   int
	}{
		{
			name:  "auto joins two interleaved groups by parts.id",
			props: obj{"mode": "auto"},
			inputs: []engine.Msg{
				part("A", "string", 1, 2, "y", obj{"ch": "+"}),
				part("B", "array", 0, 2, 1.0, obj{"len": 1.0}),
				part("A", "string", 0, 2, "x", obj{"ch": "+"}),
				part("B", "array", 1, 2, 2.0, obj{"len": 1.0}),
			},
			want: []obj{{"payload": "x+y"}, {"payload": []any{1, 2}}},
		},
		{
			// Object.assign(group.msg, msg) for every part, done lazily
			name:  "auto keeps every key of every part, the latest value of each",
			props: obj{"mode": "auto"},
			inputs: []engine.Msg{
				{"payload": 1.0, "a": "first", "b": "first", "parts": map[string]any{"id": "L", "type": "array", "index": 0.0, "count": 4.0, "len": 1.0}},
				{"payload": 2.0, "a": "second", "parts": map[string]any{"id": "L", "type": "array", "index": 1.0, "count": 4.0, "len": 1.0}},
				{"payload": 3.0, "a": "third", "c": "third", "parts": map[string]any{"id": "L", "type": "array", "index": 2.0, "count": 4.0, "len": 1.0}},
				{"payload": 4.0, "c": "fourth", "parts": map[string]any{"id": "L", "type": "array", "index": 3.0, "count": 4.0, "len": 1.0}},
			},
			want: []obj{{"payload": []any{1, 2, 3, 4}, "a": "third", "b": "first", "c": "fourth"}},
		},
		{
			name:  "auto object restores outer parts",
			props: obj{"mode": "auto"},
			inputs: []engine.Msg{
				{"payload": 1.0, "parts": engine.ObjectOf("id", "i", "type", "object", "key", "a", "index", 0.0, "count", 2.0, "parts", engine.ObjectOf("id", "o", "index", 4.0))},
				{"payload": 2.0, "parts": engine.ObjectOf("id", "i", "type", "object", "key", "b", "index", 1.0, "count", 2.0, "parts", engine.ObjectOf("id", "o", "index", 4.0))},
			},
			want: []obj{{"payload": obj{"a": 1, "b": 2}, "parts": engine.ObjectOf("id", "o", "index", 4)}},
		},
		{
			name:  "auto array chunks are concatenated",
			props: obj{"mode": "auto"},
			inputs: []engine.Msg{
				part("c", "array", 1, 2, []any{3.0}, obj{"len": 2.0}),
				part("c", "array", 0, 2, []any{1.0, 2.0}, obj{"len": 2.0}),
			},
			want: []obj{{"payload": []any{1, 2, 3}}},
		},
		{
			name:  "auto buffer with separator",
			props: obj{"mode": "auto"},
			inputs: []engine.Msg{
				part("b", "buffer", 0, 2, []byte("ab"), obj{"ch": []any{0.0}}),
				part("b", "buffer", 1, 2, []byte("c"), obj{"ch": []any{0.0}}),
			},
			want: []obj{{"payload": buf("ab\x00c")}},
		},
		{
			name:   "auto without parts is dropped with a warning",
			props:  obj{"mode": "auto"},
			inputs: []engine.Msg{{"payload": 1.0}},
		},
		{
			name:   "manual count of strings joined with text",
			props:  manual(obj{"build": "string", "joiner": "-", "count": "3"}),
			inputs: []engine.Msg{{"payload": "a"}, {"payload": 1.0}, {"payload": nil}},
			want:   []obj{{"payload": "a-1-"}},
		},
		{
			name:   "manual buffer with binary joiner",
			props:  manual(obj{"build": "buffer", "joiner": "[32]", "joinerType": "bin", "count": "2"}),
			inputs: []engine.Msg{{"payload": []byte("a")}, {"payload": "b"}},
			want:   []obj{{"payload": buf("a b")}},
		},
		{
			name:   "manual buffer refuses numbers",
			props:  manual(obj{"build": "buffer", "count": "2"}),
			inputs: []engine.Msg{{"payload": 5.0}},
			errs:   1,
		},
		{
			name:   "manual object keyed by topic, last message's properties win",
			props:  manual(obj{"build": "object", "count": "2"}),
			inputs: []engine.Msg{{"payload": 1.0, "topic": "a", "x": 1.0}, {"payload": 2.0, "topic": "b"}},
			want:   []obj{{"payload": obj{"a": 1, "b": 2}, "topic": "b", "x": 1}},
		},
		{
			name:   "manual object keeps the keys in arrival order",
			props:  manual(obj{"build": "object", "count": "3"}),
			inputs: []engine.Msg{{"payload": 1.0, "topic": "z"}, {"payload": 2.0, "topic": "a"}, {"payload": 3.0, "topic": "m"}},
			want:   []obj{{"payload": engine.ObjectOf("z", 1, "a", 2, "m", 3), "topic": "m"}},
		},
		{
			name:   "manual merged keeps first-seen key order",
			props:  manual(obj{"build": "merged", "count": "3"}),
			inputs: []engine.Msg{{"payload": engine.ObjectOf("z", 1.0, "b", 1.0)}, {"payload": engine.ObjectOf("a", 2.0, "z", 2.0)}},
			want:   []obj{{"payload": engine.ObjectOf("z", 2, "b", 1, "a", 2)}},
		},
		{
			name:   "manual merged counts keys",
			props:  manual(obj{"build": "merged", "count": "2"}),
			inputs: []engine.Msg{{"payload": obj{"a": 1.0}}, {"payload": obj{"a": 2.0}}, {"payload": obj{"b": 3.0}}},
			want:   []obj{{"payload": obj{"a": 2, "b": 3}}},
		},
		{
			name:   "accumulate sends on every later message",
			props:  manual(obj{"build": "object", "count": "1", "accumulate": true}),
			inputs: []engine.Msg{{"payload": 1.0, "topic": "a"}, {"payload": 2.0, "topic": "b"}},
			want:   []obj{{"payload": obj{"a": 1}, "topic": "a"}, {"payload": obj{"a": 1, "b": 2}, "topic": "b"}},
		},
		{
			name:   "complete sends early and reset drops",
			props:  manual(obj{"count": "5"}),
			inputs: []engine.Msg{{"payload": 1.0}, {"reset": true}, {"payload": 2.0}, {"payload": 3.0, "complete": true}},
			want:   []obj{{"payload": []any{2, 3}}},
		},
		{
			name:   "timeout sends the partial group",
			props:  manual(obj{"count": "5", "timeout": "2"}),
			inputs: []engine.Msg{{"payload": 1.0}, {"payload": 2.0}},
			wait:   3 * time.Second,
			want:   []obj{{"payload": []any{1, 2}}},
		},
		{
			name:   "no timeout before its time",
			props:  manual(obj{"count": "5", "timeout": "2"}),
			inputs: []engine.Msg{{"payload": 1.0}},
			wait:   1900 * time.Millisecond,
		},
		{
			name:   "count empty with useparts takes count and id from parts",
			props:  manual(obj{"useparts": true}),
			inputs: []engine.Msg{part("g", "array", 0, 2, "a", nil), part("h", "array", 0, 1, "z", nil), part("g", "array", 1, 2, "b", nil)},
			want:   []obj{{"payload": []any{"z"}}, {"payload": []any{"a", "b"}}},
		},
		{
			name:   "whole messages",
			props:  manual(obj{"propertyType": "full", "property": "", "count": "2"}),
			inputs: []engine.Msg{{"payload": 1.0, "_msgid": "m1"}, {"payload": 2.0, "_msgid": "m2"}},
			want:   []obj{{"payload": []any{obj{"payload": 1, "_msgid": "m1"}, obj{"payload": 2, "_msgid": "m2"}}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var steps []func(*enginetest.Harness)
			if tc.wait > 0 {
				steps = append(steps, func(*enginetest.Harness) { time.Sleep(tc.wait) })
			}
			got, errs := run(t, flow(node("join", tc.props)), tc.inputs, steps...)
			diffJSON(t, tc.want, strip(got))
			if len(errs) != tc.errs {
				t.Errorf("errors %q, want %d", errs, tc.errs)
			}
		})
	}
}

func TestJoinRestartTimeout(t *testing.T) {
	got, _ := run(t, flow(node("join", manual(obj{"count": "5", "timeout": "2"}))), []engine.Msg{{"payload": 1.0}},
		func(h *enginetest.Harness) {
			time.Sleep(1500 * time.Millisecond)
			h.Send("n1", engine.Msg{"payload": 2.0, "restartTimeout": true})
		},
		func(h *enginetest.Harness) { time.Sleep(1500 * time.Millisecond) },
	)
	if len(got) != 0 {
		t.Fatalf("sent %v before the restarted timeout", got)
	}
}

func TestJoinReduceSyntaxError(t *testing.T) {
	err := construct(t, "join", obj{"mode": "reduce", "reduceExp": "$A+"})
	var fe *engine.FieldError
	if !errors.As(err, &fe) || fe.Field != "reduceExp" || !strings.Contains(fe.Reason, "JSONata") {
		t.Fatalf("error %v, want a JSONata field error on reduceExp", err)
	}
}

func TestSplitThenJoin(t *testing.T) {
	tests := []struct {
		name  string
		split obj
		value any
	}{
		{"string", obj{"splt": ","}, "a,b,,c"},
		{"fixed length string", obj{"splt": "3", "spltType": "len"}, "abcdefgh"},
		{"array in chunks", obj{"arraySplt": 3}, []any{1.0, 2.0, 3.0, 4.0}},
		{"object", obj{}, obj{"x": 1.0, "y": []any{"z"}}},
		{"buffer", obj{"splt": "[0]", "spltType": "bin"}, []byte{1, 0, 2}},
		{"buffer fixed length", obj{"splt": "2", "spltType": "len"}, []byte{1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := node("split", tc.split)
			sp["wires"] = []any{[]any{"j"}}
			j := node("join", obj{"mode": "auto"})
			j["id"] = "j"
			got, _ := run(t, flow(sp, j), []engine.Msg{{"payload": tc.value, "topic": "t"}})
			diffJSON(t, []obj{{"payload": tc.value, "topic": "t"}}, strip(got))
		})
	}
}

func BenchmarkSplitJoin(b *testing.B) {
	h := enginetest.New(b, Types()...)
	sp := node("split", nil)
	sp["wires"] = []any{[]any{"j"}}
	j := node("join", obj{"mode": "auto"})
	j["id"] = "j"
	h.Deploy(flow(sp, j))
	arr := make([]any, 10000)
	for i := range arr {
		arr[i] = float64(i)
	}
	n := 0
	for b.Loop() {
		h.Send("n1", engine.Msg{"payload": arr})
		n++
		got := h.Wait("out", n, time.Minute)
		if l := len(got[n-1]["payload"].([]any)); l != len(arr) {
			b.Fatalf("joined %d elements", l)
		}
	}
}

func TestJoinReduce(t *testing.T) {
	seq := func(id string, vals ...any) []engine.Msg {
		out := make([]engine.Msg, len(vals))
		for i, v := range vals {
			out[i] = engine.Msg{"payload": v, "parts": engine.ObjectOf("id", id, "index", float64(i), "count", float64(len(vals)))}
		}
		return out
	}
	tests := []struct {
		name     string
		props    obj
		inputs   []engine.Msg
		want     []any
		wantErrs int
	}{
		{"no initial value leaves $A undefined", obj{"reduceExp": "$exists($A) ? $A + payload : payload"}, seq("a", 5.0, 6.0),
			[]any{map[string]any{"payload": 11.0, "parts": engine.ObjectOf("id", "a", "index", 1.0, "count", 2.0)}}, 0},
		{"interleaved sequences reduce separately", obj{"reduceExp": "$A & payload", "reduceInit": "", "reduceInitType": "str"},
			[]engine.Msg{seq("a", "x", "y")[0], seq("b", "p", "q")[0], seq("b", "p", "q")[1], seq("a", "x", "y")[1]},
			[]any{
				map[string]any{"payload": "pq", "parts": engine.ObjectOf("id", "b", "index", 1.0, "count", 2.0)},
				map[string]any{"payload": "xy", "parts": engine.ObjectOf("id", "a", "index", 1.0, "count", 2.0)},
			}, 0},
		{"evaluation error reports and sends nothing", obj{"reduceExp": "$A + payload", "reduceInit": "0", "reduceInitType": "num"}, seq("a", 1.0, "two"), []any{}, 1},
		{"missing context key is undefined, so is the result", obj{"reduceExp": "$A + payload * $flowContext('k')", "reduceInit": "0", "reduceInitType": "num"}, seq("a", 1.0, 2.0),
			[]any{map[string]any{"parts": engine.ObjectOf("id", "a", "index", 1.0, "count", 2.0)}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := obj{"mode": "reduce"}
			for k, v := range tt.props {
				props[k] = v
			}
			got, errs := run(t, flow(node("join", props)), tt.inputs)
			diffJSON(t, tt.want, strip(got))
			if len(errs) != tt.wantErrs {
				t.Errorf("errors %v, want %d", errs, tt.wantErrs)
			}
		})
	}
}
