package nodes_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestRegistryContract is the one contract every node type keeps, whatever
// its category: a name, a category and help; properties listed once, each
// type property listed; default properties that construct; an input exactly
// when the node handles messages (catch, status, complete and link in have
// no editor input but take what the engine routes to them); the canvas
// button its capability; and every config type a property names registered.
func TestRegistryContract(t *testing.T) {
	reg, err := engine.NewRegistry(nodes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	// properties a type needs beyond its defaults to construct
	extra := map[string]map[string]any{"sqlitedb": {"db": "x.db"}}
	// config types Node-RED has that Flowgate does not register yet: a flow
	// naming one keeps it as an unknown node, and the node falls back to its
	// defaults (no TLS options, no proxy, no swagger document)
	unregistered := map[string]bool{"tls-config": true, "http proxy": true, "swagger-doc": true}
	// defaults that do not construct though the spec does not mark the
	// property required: the spec should say so (or the node accept it)
	specGaps := map[string]string{
		"mqtt in": "topic: Node-RED's editor requires a topic; the spec does not mark it required",
		"tcp out": "host and port are required in client mode only; the spec cannot say so",
	}
	for _, s := range reg.Specs() {
		t.Run(s.Type, func(t *testing.T) {
			if s.Help == "" {
				t.Error("no help")
			}
			if s.Category == "" {
				t.Error("no category")
			}
			props := map[string]json.RawMessage{}
			seen := map[string]bool{}
			for _, p := range s.Props {
				if seen[p.Name] {
					t.Errorf("prop %q listed twice", p.Name)
				}
				seen[p.Name] = true
				props[p.Name] = mustJSON(t, p.Default)
			}
			for _, p := range append(s.Props, s.Credentials...) {
				if p.TypeProp != "" && !seen[p.TypeProp] {
					t.Errorf("prop %q: type prop %q not listed", p.Name, p.TypeProp)
				}
				if p.Kind == engine.KindConfig {
					if ct, ok := reg.Lookup(p.ConfigType); (!ok || !ct.Spec.Config) && !unregistered[p.ConfigType] {
						t.Errorf("prop %q names config type %q, not registered as a config type", p.Name, p.ConfigType)
					}
				}
			}
			for k, v := range extra[s.Type] {
				props[k] = mustJSON(t, v)
			}
			typ, _ := reg.Lookup(s.Type)
			flow := "f1"
			if s.Config {
				flow = ""
			}
			node, err := typ.New(&engine.Config{ID: "n1", Type: s.Type, Flow: flow, Props: props}, &engine.Resources{})
			if err != nil && specGaps[s.Type] != "" {
				t.Skip(specGaps[s.Type])
			}
			if err != nil {
				// a new node may lack what the user must fill in, nothing else
				for _, fe := range engine.FieldErrors(err) {
					if !required(s, fe.Field) {
						t.Errorf("default props do not construct: %v", fe)
					}
				}
				return
			}
			_, handles := node.(engine.Handler)
			_, catcher := node.(engine.Catcher)
			_, watcher := node.(engine.StatusWatcher)
			_, completer := node.(engine.CompleteWatcher)
			_, sink := node.(engine.LinkSink)
			routed := catcher || watcher || completer || sink
			switch {
			case routed && (s.Inputs != 0 || !handles):
				t.Errorf("routed type: inputs = %d, Handler = %v; want 0 and true", s.Inputs, handles)
			case !routed && s.Inputs == 1 && !handles:
				t.Errorf("has an input but does not implement Handle")
			case !routed && s.Inputs == 0 && handles:
				t.Errorf("implements Handle but has no input")
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

// TestEditorSpecs keeps the specs the editor's unit tests read
// (web/src/model/testdata/specs.json) equal to the registry's, as GET /nodes
// serves them; go test ./nodes/ -run TestEditorSpecs -update rewrites it.
func TestEditorSpecs(t *testing.T) {
	reg, err := engine.NewRegistry(nodes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(reg.Specs()); err != nil {
		t.Fatal(err)
	}
	const golden = "../web/src/model/testdata/specs.json"
	if *update {
		if err := os.WriteFile(golden, want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), string(got)); diff != "" {
		t.Errorf("%s is stale; run go test ./nodes/ -run TestEditorSpecs -update (-registry +file):\n%s", golden, diff)
	}
}

// required reports whether field is a property the spec marks required.
func required(s engine.Spec, field string) bool {
	for _, p := range append(s.Props, s.Credentials...) {
		if p.Name == field {
			return p.Required
		}
	}
	return false
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The catch/status/complete fixtures use nodes of several categories, so
// they are replayed here with every type.
func TestNodeREDParityCatchStatusComplete(t *testing.T) {
	enginetest.ReplayFixturesExcept(t, "../testdata/nodered/catch/*.json", map[string]string{}, nodes.All()...)
}

// TestNodeREDDeliveryOrder replays flows whose collectors get messages in
// an order only Node-RED's breadth-first delivery gives (captured from
// Node-RED 4: testdata/nodered/capture/cases/order.js).
func TestNodeREDDeliveryOrder(t *testing.T) {
	enginetest.ReplayFixtures(t, "../testdata/nodered/order/*.json", nodes.All()...)
}
