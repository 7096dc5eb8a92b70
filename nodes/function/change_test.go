package function

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestChangeFixtures(t *testing.T) {
	replay(t, "change")
}

func rule(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestChange(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		in    engine.Msg
		want  []map[string]any // nil: nothing sent
		flow  map[string]any   // expected flow context keys
		env   map[string]string
	}{
		{
			name:  "set string",
			props: map[string]any{"rules": []any{rule("t", "set", "p", "payload", "pt", "msg", "to", "hi", "tot", "str")}},
			in:    engine.Msg{"payload": 1.0},
			want:  []map[string]any{{"payload": "hi"}},
		},
		{
			name:  "set nested creates objects",
			props: map[string]any{"rules": []any{rule("t", "set", "p", "a.b[1]", "pt", "msg", "to", "5", "tot", "num")}},
			in:    engine.Msg{},
			want:  []map[string]any{{"a": engine.ObjectOf("b", []any{nil, 5.0})}},
		},
		{
			name:  "set from missing msg property deletes",
			props: map[string]any{"rules": []any{rule("t", "set", "p", "payload", "pt", "msg", "to", "nope", "tot", "msg")}},
			in:    engine.Msg{"payload": 1.0},
			want:  []map[string]any{{}},
		},
		{
			name:  "set from below missing parent is skipped",
			props: map[string]any{"rules": []any{rule("t", "set", "p", "payload", "pt", "msg", "to", "nope.x", "tot", "msg")}},
			in:    engine.Msg{"payload": 1.0},
			want:  []map[string]any{{"payload": 1.0}},
		},
		{
			name:  "set bool is case insensitive",
			props: map[string]any{"rules": []any{rule("t", "set", "p", "payload", "pt", "msg", "to", "TRUE", "tot", "bool")}},
			in:    engine.Msg{},
			want:  []map[string]any{{"payload": true}},
		},
		{
			name:  "set json deep copy per message",
			props: map[string]any{"rules": []any{rule("t", "set", "p", "payload", "pt", "msg", "to", `{"a":[1]}`, "tot", "json")}},
			in:    engine.Msg{},
			want:  []map[string]any{{"payload": engine.ObjectOf("a", []any{1.0})}},
		},
		{
			name:  "set env",
			props: map[string]any{"rules": []any{rule("t", "set", "p", "payload", "pt", "msg", "to", "X", "tot", "env")}},
			env:   map[string]string{"X": "ex"},
			in:    engine.Msg{},
			want:  []map[string]any{{"payload": "ex"}},
		},
		{
			name:  "set flow context",
			props: map[string]any{"rules": []any{rule("t", "set", "p", "k", "pt", "flow", "to", "payload", "tot", "msg")}},
			in:    engine.Msg{"payload": "v"},
			want:  []map[string]any{{"payload": "v"}},
			flow:  map[string]any{"k": "v"},
		},
		{
			name:  "change literal replaces all",
			props: map[string]any{"rules": []any{rule("t", "change", "p", "payload", "pt", "msg", "from", "a.", "fromt", "str", "to", "x", "tot", "str")}},
			in:    engine.Msg{"payload": "a.a.ab"},
			want:  []map[string]any{{"payload": "xxab"}},
		},
		{
			name:  "change regex with groups",
			props: map[string]any{"rules": []any{rule("t", "change", "p", "payload", "pt", "msg", "from", `(\d+)`, "fromt", "re", "to", "<$1>$$", "tot", "str")}},
			in:    engine.Msg{"payload": "a1b22"},
			want:  []map[string]any{{"payload": "a<1>$b<22>$"}},
		},
		{
			name:  "change number exact match",
			props: map[string]any{"rules": []any{rule("t", "change", "p", "payload", "pt", "msg", "from", "5", "fromt", "num", "to", "six", "tot", "str")}},
			in:    engine.Msg{"payload": 5.0},
			want:  []map[string]any{{"payload": "six"}},
		},
		{
			name:  "change number no match",
			props: map[string]any{"rules": []any{rule("t", "change", "p", "payload", "pt", "msg", "from", "5", "fromt", "num", "to", "six", "tot", "str")}},
			in:    engine.Msg{"payload": 55.0},
			want:  []map[string]any{{"payload": 55.0}},
		},
		{
			name:  "change whole string to bool",
			props: map[string]any{"rules": []any{rule("t", "change", "p", "payload", "pt", "msg", "from", "on", "fromt", "str", "to", "true", "tot", "bool")}},
			in:    engine.Msg{"payload": "on"},
			want:  []map[string]any{{"payload": true}},
		},
		{
			name:  "change boolean",
			props: map[string]any{"rules": []any{rule("t", "change", "p", "payload", "pt", "msg", "from", "false", "fromt", "bool", "to", "off", "tot", "str")}},
			in:    engine.Msg{"payload": false},
			want:  []map[string]any{{"payload": "off"}},
		},
		{
			name:  "delete array element splices",
			props: map[string]any{"rules": []any{rule("t", "delete", "p", "payload[1]", "pt", "msg")}},
			in:    engine.Msg{"payload": []any{1.0, 2.0, 3.0}},
			want:  []map[string]any{{"payload": []any{1.0, 3.0}}},
		},
		{
			name:  "move",
			props: map[string]any{"rules": []any{rule("t", "move", "p", "payload", "pt", "msg", "to", "topic", "tot", "msg")}},
			in:    engine.Msg{"payload": "p"},
			want:  []map[string]any{{"topic": "p"}},
		},
		{
			name:  "move to child",
			props: map[string]any{"rules": []any{rule("t", "move", "p", "payload", "pt", "msg", "to", "payload.x", "tot", "msg")}},
			in:    engine.Msg{"payload": "p"},
			want:  []map[string]any{{"payload": engine.ObjectOf("x", "p")}},
		},
		{
			name:  "legacy replace",
			props: map[string]any{"action": "replace", "property": "payload", "to": "msg.topic"},
			in:    engine.Msg{"payload": 1.0, "topic": "t"},
			want:  []map[string]any{{"payload": "t", "topic": "t"}},
		},
		{
			name:  "legacy change with regex",
			props: map[string]any{"action": "change", "property": "payload", "from": "o+", "to": "0", "reg": true},
			in:    engine.Msg{"payload": "foo"},
			want:  []map[string]any{{"payload": "f0"}},
		},
		{
			name:  "legacy change without regex",
			props: map[string]any{"action": "change", "property": "payload", "from": "o+", "to": "0", "reg": false},
			in:    engine.Msg{"payload": "fo+o"},
			want:  []map[string]any{{"payload": "f0o"}},
		},
		{
			name:  "from msg of unsupported type is an error",
			props: map[string]any{"rules": []any{rule("t", "change", "p", "payload", "pt", "msg", "from", "obj", "fromt", "msg", "to", "x", "tot", "str")}},
			in:    engine.Msg{"payload": "a", "obj": engine.NewObject(0)},
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stores := engine.NewMemoryStores()
			env := func(name string) (string, bool) { v, ok := tt.env[name]; return v, ok }
			props := map[string]any{"type": "change"}
			for k, v := range tt.props {
				props[k] = v
			}
			bubbleWith(t, enginetest.Options{Stores: stores, Env: env}, props, 1, func(t *testing.T, h *enginetest.Harness) {
				sendAll(h, tt.in)
				got := outputs(h, 1)[0]
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("output mismatch (-want +got):\n%s", diff)
				}
				for k, want := range tt.flow {
					v, _ := engine.NewContext(stores, "f1").Get("", k)
					if diff := cmp.Diff(want, v); diff != "" {
						t.Errorf("flow.%s mismatch (-want +got):\n%s", k, diff)
					}
				}
			})
		})
	}
}

func TestChangeConstructErrors(t *testing.T) {
	tests := []struct {
		name  string
		rules []any
	}{
		{"invalid json", []any{rule("t", "set", "p", "payload", "pt", "msg", "to", "{", "tot", "json")}},
		{"invalid regex", []any{rule("t", "change", "p", "payload", "pt", "msg", "from", "(", "fromt", "re", "to", "", "tot", "str")}},
		{"invalid property", []any{rule("t", "set", "p", "a..b", "pt", "msg", "to", "", "tot", "str")}},
		{"jsonata syntax error", []any{rule("t", "set", "p", "payload", "pt", "msg", "to", "1+", "tot", "jsonata")}},
		{"unknown rule", []any{rule("t", "frob", "p", "payload", "pt", "msg")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newChange(config("change", map[string]any{"rules": tt.rules}), &engine.Resources{})
			if err == nil {
				t.Fatal("constructed, want an error")
			}
			if fe := engine.FieldErrors(err); len(fe) != 1 || fe[0].Field != "rules" {
				t.Errorf("errors = %v, want one on rules", err)
			}
		})
	}
}

func BenchmarkChange(b *testing.B) {
	n, err := newChange(config("change", map[string]any{"rules": []any{rule("t", "set", "p", "payload", "pt", "msg", "to", "x", "tot", "str")}}), &engine.Resources{})
	if err != nil {
		b.Fatal(err)
	}
	c := n.(*change)
	m := engine.Msg{"payload": 1.0}
	for b.Loop() {
		for i := range c.steps {
			if err := c.apply(&c.steps[i], m); err != nil {
				b.Fatal(err)
			}
		}
	}
}
