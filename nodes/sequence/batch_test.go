package sequence

import (
	"errors"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestBatch(t *testing.T) {
	msgs := func(vals ...any) []engine.Msg {
		out := make([]engine.Msg, len(vals))
		for i, v := range vals {
			out[i] = engine.Msg{"payload": v}
		}
		return out
	}
	tests := []struct {
		name   string
		props  obj
		inputs []engine.Msg
		steps  []func(*enginetest.Harness)
		want   []obj // without parts.id
		errs   int
	}{
		{
			name:   "count",
			props:  obj{"mode": "count", "count": 2},
			inputs: msgs(1.0, 2.0, 3.0),
			want: []obj{
				{"payload": 1, "parts": engine.ObjectOf("index", 0, "count", 2)},
				{"payload": 2, "parts": engine.ObjectOf("index", 1, "count", 2)},
			},
		},
		{
			name:   "count with overlap",
			props:  obj{"mode": "count", "count": "2", "overlap": "1"},
			inputs: msgs(1.0, 2.0, 3.0),
			want: []obj{
				{"payload": 1, "parts": engine.ObjectOf("index", 0, "count", 2)},
				{"payload": 2, "parts": engine.ObjectOf("index", 1, "count", 2)},
				{"payload": 2, "parts": engine.ObjectOf("index", 0, "count", 2)},
				{"payload": 3, "parts": engine.ObjectOf("index", 1, "count", 2)},
			},
		},
		{
			name:   "count with honourParts ends at the sequence end",
			props:  obj{"mode": "count", "count": 5, "honourParts": true},
			inputs: []engine.Msg{{"payload": 1.0, "parts": engine.ObjectOf("index", 0.0, "count", 1.0)}},
			want:   []obj{{"payload": 1, "parts": engine.ObjectOf("index", 0, "count", 1)}},
		},
		{
			name:   "interval",
			props:  obj{"mode": "interval", "interval": 5},
			inputs: msgs("a", "b"),
			steps:  []func(*enginetest.Harness){func(*enginetest.Harness) { time.Sleep(5 * time.Second) }},
			want: []obj{
				{"payload": "a", "parts": engine.ObjectOf("index", 0, "count", 2)},
				{"payload": "b", "parts": engine.ObjectOf("index", 1, "count", 2)},
			},
		},
		{
			name:  "interval sends empty sequences when allowed",
			props: obj{"mode": "interval", "interval": 5, "allowEmptySequence": true},
			steps: []func(*enginetest.Harness){func(*enginetest.Harness) { time.Sleep(11 * time.Second) }},
			want: []obj{
				{"payload": nil, "parts": engine.ObjectOf("index", 0, "count", 1)},
				{"payload": nil, "parts": engine.ObjectOf("index", 0, "count", 1)},
			},
		},
		{
			name:   "interval reset drops and restarts the interval",
			props:  obj{"mode": "interval", "interval": 5},
			inputs: msgs("a"),
			steps: []func(*enginetest.Harness){
				func(*enginetest.Harness) { time.Sleep(4 * time.Second) },
				func(h *enginetest.Harness) {
					h.Send("n1", engine.Msg{"reset": true})
					h.Send("n1", engine.Msg{"payload": "b"})
				},
				func(*enginetest.Harness) { time.Sleep(4 * time.Second) },
			},
		},
		{
			name:  "concat by topics",
			props: obj{"mode": "concat", "topics": []any{obj{"topic": "x"}, obj{"topic": "y"}}},
			inputs: []engine.Msg{
				{"payload": "y0", "topic": "y", "parts": engine.ObjectOf("id", "Y", "index", 0.0, "count", 1.0)},
				{"payload": "z", "topic": "z", "parts": engine.ObjectOf("id", "Z", "index", 0.0, "count", 1.0)},
				{"payload": "x0", "topic": "x", "parts": engine.ObjectOf("id", "X", "index", 0.0, "count", 1.0)},
			},
			want: []obj{
				{"payload": "x0", "topic": "x", "parts": engine.ObjectOf("index", 0, "count", 2)},
				{"payload": "y0", "topic": "y", "parts": engine.ObjectOf("index", 1, "count", 2)},
			},
		},
		{
			name:   "concat without parts is an error",
			props:  obj{"mode": "concat", "topics": []any{obj{"topic": "x"}}},
			inputs: []engine.Msg{{"payload": 1.0, "topic": "x"}},
			errs:   1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := run(t, flow(node("batch", tc.props)), tc.inputs, tc.steps...)
			diffJSON(t, tc.want, strip(got, "id"))
			if len(errs) != tc.errs {
				t.Errorf("errors %q, want %d", errs, tc.errs)
			}
			// the messages of one sequence share one id
			for i, m := range got {
				p := m["parts"].(*engine.Object)
				if p.Value("id") == nil {
					t.Errorf("no parts.id in %v", m)
				}
				if i > 0 && p.Value("index") != 0.0 && p.Value("id") != got[i-1]["parts"].(*engine.Object).Value("id") {
					t.Errorf("message %d has another id than the one before it", i)
				}
			}
		})
	}
}

func TestBatchFieldErrors(t *testing.T) {
	tests := []struct {
		name  string
		props obj
		field string
	}{
		{"overlap not below count", obj{"mode": "count", "count": 2, "overlap": 2}, "overlap"},
		{"negative interval", obj{"mode": "interval", "interval": -1}, "interval"},
		{"unknown mode", obj{"mode": "sometimes"}, "mode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var fe *engine.FieldError
			if err := construct(t, "batch", tc.props); !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("error %v, want a field error on %s", err, tc.field)
			}
		})
	}
}
