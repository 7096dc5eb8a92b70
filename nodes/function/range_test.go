package function

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestRangeFixtures(t *testing.T) {
	replay(t, "range")
}

func TestRange(t *testing.T) {
	tests := []struct {
		name     string
		props    map[string]any
		payloads []any
		want     []any
	}{
		{"scale", map[string]any{"minin": "0", "maxin": "10", "minout": "0", "maxout": "100"},
			[]any{5.0, "2", 20.0, -1.0}, []any{50.0, 20.0, 200.0, -10.0}},
		{"clamp", map[string]any{"action": "clamp", "minin": "0", "maxin": "10", "minout": "0", "maxout": "100"},
			[]any{20.0, -1.0}, []any{100.0, 0.0}},
		{"roll", map[string]any{"action": "roll", "minin": "0", "maxin": "10", "minout": "0", "maxout": "10"},
			[]any{12.0, -1.0}, []any{2.0, 9.0}},
		{"drop", map[string]any{"action": "drop", "minin": "0", "maxin": "10", "minout": "0", "maxout": "10"},
			[]any{12.0, 5.0, -1.0}, []any{5.0}},
		{"round halves up", map[string]any{"round": true, "minin": "0", "maxin": "1", "minout": "0", "maxout": "1"},
			[]any{2.5, -2.5, -2.6}, []any{3.0, -2.0, -3.0}},
		{"swapped input range", map[string]any{"minin": "10", "maxin": "0", "minout": "0", "maxout": "100"},
			[]any{10.0}, []any{0.0}},
		{"not a number dropped", map[string]any{"minin": "0", "maxin": "1", "minout": "0", "maxout": "1"},
			[]any{"abc", 1.0}, []any{1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]any{"type": "range", "property": "payload"}
			for k, v := range tt.props {
				props[k] = v
			}
			bubble(t, props, 1, func(t *testing.T, h *enginetest.Harness) {
				for _, p := range tt.payloads {
					sendAll(h, engine.Msg{"payload": p})
				}
				if diff := cmp.Diff(tt.want, payloads(h, 1)[0]); diff != "" {
					t.Errorf("payloads mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}
