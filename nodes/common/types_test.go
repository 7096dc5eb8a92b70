package common

import (
	"encoding/json"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

// TestTypes checks every type of the category: unique names, help text,
// default properties that construct, ports that match capabilities.
func TestTypes(t *testing.T) {
	types := Types()
	if _, err := engine.NewRegistry(types...); err != nil {
		t.Fatal(err)
	}
	for _, typ := range types {
		t.Run(typ.Spec.Type, func(t *testing.T) {
			s := typ.Spec
			if s.Help == "" {
				t.Error("no help text")
			}
			if s.Category != "common" {
				t.Errorf("category = %q", s.Category)
			}
			props := map[string]json.RawMessage{
				"id": json.RawMessage(`"n1"`), "type": mustJSON(t, s.Type), "z": json.RawMessage(`"f1"`),
			}
			seen := map[string]bool{}
			for _, p := range s.Props {
				if seen[p.Name] {
					t.Errorf("prop %q listed twice", p.Name)
				}
				seen[p.Name] = true
				if p.Default != nil {
					props[p.Name] = mustJSON(t, p.Default)
				}
			}
			for _, p := range s.Props {
				if p.TypeProp != "" && !seen[p.TypeProp] {
					t.Errorf("prop %q: type prop %q not listed", p.Name, p.TypeProp)
				}
			}
			cfg := &engine.Config{ID: "n1", Type: s.Type, Flow: "f1", Props: props}
			node, err := typ.New(cfg, &engine.Resources{})
			if err != nil {
				t.Fatalf("default props do not construct: %v", err)
			}
			_, handles := node.(engine.Handler)
			// catch, status, complete and link in have no editor input but
			// receive what the engine routes to them
			_, catcher := node.(engine.Catcher)
			_, watcher := node.(engine.StatusWatcher)
			_, completer := node.(engine.CompleteWatcher)
			routed := catcher || watcher || completer || s.Type == "link in"
			if (s.Inputs == 1) != handles && !routed {
				t.Errorf("inputs = %d but Handler implemented = %v", s.Inputs, handles)
			}
			if routed && (s.Inputs != 0 || !handles) {
				t.Errorf("routed type: inputs = %d, Handler = %v; want 0 and true", s.Inputs, handles)
			}
			if _, ok := node.(engine.Injector); ok != (s.Button == "inject") {
				t.Errorf("Injector = %v, button = %q", ok, s.Button)
			}
			if _, ok := node.(engine.Activator); ok != (s.Button == "toggle") {
				t.Errorf("Activator = %v, button = %q", ok, s.Button)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
