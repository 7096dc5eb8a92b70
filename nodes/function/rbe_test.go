package function

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestRBEFixtures(t *testing.T) {
	replay(t, "rbe")
}

func TestRBE(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		in    []engine.Msg
		want  []any
	}{
		{"rbe", map[string]any{"func": "rbe"},
			[]engine.Msg{{"payload": 1.0}, {"payload": 1.0}, {"payload": 2.0}, {"payload": "2"}}, []any{1.0, 2.0, "2"}},
		{"rbei ignores first", map[string]any{"func": "rbei"},
			[]engine.Msg{{"payload": 1.0}, {"payload": 1.0}, {"payload": 2.0}}, []any{2.0}},
		{"rbe objects deep", map[string]any{"func": "rbe"},
			[]engine.Msg{{"payload": map[string]any{"a": 1.0}}, {"payload": map[string]any{"a": 1.0}}, {"payload": map[string]any{"a": 2.0}}},
			[]any{map[string]any{"a": 1.0}, map[string]any{"a": 2.0}}},
		{"rbe per topic", map[string]any{"func": "rbe"},
			[]engine.Msg{{"payload": 1.0, "topic": "a"}, {"payload": 1.0, "topic": "b"}, {"payload": 1.0, "topic": "a"}}, []any{1.0, 1.0}},
		{"rbe reset", map[string]any{"func": "rbe"},
			[]engine.Msg{{"payload": 1.0}, {"reset": true}, {"payload": 1.0}}, []any{1.0, 1.0}},
		{"deadband", map[string]any{"func": "deadband", "gap": "5"},
			[]engine.Msg{{"payload": 0.0}, {"payload": 5.0}, {"payload": 6.0}, {"payload": 10.0}}, []any{0.0, 6.0}},
		{"deadbandEq", map[string]any{"func": "deadbandEq", "gap": "5"},
			[]engine.Msg{{"payload": 0.0}, {"payload": 5.0}, {"payload": 7.0}}, []any{0.0, 5.0}},
		{"deadband percent", map[string]any{"func": "deadband", "gap": "10%"},
			[]engine.Msg{{"payload": 100.0}, {"payload": 105.0}, {"payload": 111.0}}, []any{100.0, 111.0}},
		{"deadband input compare", map[string]any{"func": "deadband", "gap": "5", "inout": "in"},
			[]engine.Msg{{"payload": 0.0}, {"payload": 4.0}, {"payload": 8.0}, {"payload": 14.0}}, []any{0.0, 14.0}},
		{"narrowband with start", map[string]any{"func": "narrowband", "gap": "5", "start": "10"},
			[]engine.Msg{{"payload": 30.0}, {"payload": 12.0}, {"payload": 20.0}}, []any{12.0}},
		{"narrowbandEq first passes", map[string]any{"func": "narrowbandEq", "gap": "5"},
			[]engine.Msg{{"payload": 30.0}, {"payload": 35.0}, {"payload": 33.0}}, []any{30.0, 33.0}},
		{"string numbers", map[string]any{"func": "deadband", "gap": "1"},
			[]engine.Msg{{"payload": "1abc"}, {"payload": "x"}, {"payload": "3"}}, []any{"1abc", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]any{"type": "rbe", "property": "payload", "topi": "topic", "septopics": true}
			for k, v := range tt.props {
				props[k] = v
			}
			bubble(t, props, 1, func(t *testing.T, h *enginetest.Harness) {
				sendAll(h, tt.in...)
				if diff := cmp.Diff(tt.want, payloads(h, 1)[0]); diff != "" {
					t.Errorf("payloads mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestJSParseFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"12abc", 12}, {"  -1.5e3x", -1500}, {".5", 0.5}, {"5.", 5}, {"1e", 1}, {"Infinityx", math.Inf(1)}, {"abc", math.NaN()}, {"", math.NaN()}, {"-", math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := jsParseFloat(tt.in)
			if got != tt.want && !(math.IsNaN(got) && math.IsNaN(tt.want)) {
				t.Errorf("jsParseFloat(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
