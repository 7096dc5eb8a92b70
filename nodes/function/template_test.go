package function

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestTemplateFixtures(t *testing.T) {
	replay(t, "template")
}

func TestTemplate(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		in    engine.Msg
		want  []map[string]any
	}{
		{"mustache payload", map[string]any{"template": "<{{payload}}>"},
			engine.Msg{"payload": "a&b"}, []map[string]any{{"payload": "<a&amp;b>"}}},
		{"plain", map[string]any{"template": "{{payload}}", "syntax": "plain"},
			engine.Msg{"payload": 1.0}, []map[string]any{{"payload": "{{payload}}"}}},
		{"env and context", map[string]any{"template": "{{env.E}}-{{flow.f}}-{{global.g}}-{{missing}}"},
			engine.Msg{}, []map[string]any{{"payload": "ev-fv-gv-"}}},
		{"json output escapes strings", map[string]any{"template": `{"a":"{{payload}}"}`, "output": "json"},
			engine.Msg{"payload": "x\ny\\"}, []map[string]any{{"payload": engine.ObjectOf("a", "x\ny\\")}}},
		{"json inside section not escaped", map[string]any{"template": `{{#o}}{"a":"{{v}}"}{{/o}}`, "output": "json"},
			engine.Msg{"o": engine.ObjectOf("v", "q")}, []map[string]any{{"payload": engine.ObjectOf("a", "q"), "o": engine.ObjectOf("v", "q")}}},
		{"yaml output", map[string]any{"template": "a: {{payload}}\nb: [1, x]", "output": "yaml"},
			engine.Msg{"payload": 3.0}, []map[string]any{{"payload": engine.ObjectOf("a", 3.0, "b", []any{1.0, "x"})}}},
		{"other field", map[string]any{"template": "t", "field": "out.x"},
			engine.Msg{}, []map[string]any{{"out": engine.ObjectOf("x", "t")}}},
		{"msg template", map[string]any{"template": ""},
			engine.Msg{"template": "{{payload}}!", "payload": "p"}, []map[string]any{{"payload": "p!", "template": "{{payload}}!"}}},
		{"invalid json is an error", map[string]any{"template": "{", "output": "json"},
			engine.Msg{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stores := engine.NewMemoryStores()
			_ = engine.NewContext(stores, "f1").Set("", "f", "fv")
			_ = engine.NewContext(stores, "global").Set("", "g", "gv")
			env := func(name string) (string, bool) { return "ev", name == "E" }
			props := map[string]any{"type": "template"}
			for k, v := range tt.props {
				props[k] = v
			}
			bubbleWith(t, enginetest.Options{Stores: stores, Env: env}, props, 1, func(t *testing.T, h *enginetest.Harness) {
				sendAll(h, tt.in)
				got := outputs(h, 1)[0]
				for _, m := range got {
					if p, ok := m["payload"].(map[string]any); ok {
						m["payload"] = engine.ObjectFromMap(p) // yamlvalue still builds Go maps
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("output mismatch (-want +got):\n%s", diff)
				}
				if tt.want == nil && len(h.Errors()) != 1 {
					t.Errorf("errors = %q, want one", h.Errors())
				}
			})
		})
	}
}

func TestTemplateContextField(t *testing.T) {
	stores := engine.NewMemoryStores()
	bubbleWith(t, enginetest.Options{Stores: stores}, map[string]any{"type": "template", "template": "v={{payload}}", "field": "k", "fieldType": "global"}, 1,
		func(t *testing.T, h *enginetest.Harness) {
			sendAll(h, engine.Msg{"payload": 1.0})
			got, _ := engine.NewContext(stores, "global").Get("", "k")
			if got != "v=1" {
				t.Errorf("global.k = %v, want v=1", got)
			}
		})
}

func TestJSONParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"value": not json }`, `Unexpected token 'o', "{"value": not json }" is not valid JSON`},
		{``, `Unexpected end of JSON input`},
		{`{"a":`, `Unexpected end of JSON input`},
		{`1 2`, `Unexpected non-whitespace character after JSON at position 2`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := jsonParse(tt.in)
			if err == nil || err.Error() != tt.want {
				t.Errorf("jsonParse(%q) error = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}
