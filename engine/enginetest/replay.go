package enginetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

// Fixture is one behaviour captured from real Node-RED 4 (see
// testdata/nodered/capture): a flow, the messages sent in order to node "n1",
// and what reached each collector.
type Fixture struct {
	Name    string            `json:"name"`
	Flow    []json.RawMessage `json:"flow"`
	Inputs  []json.RawMessage `json:"inputs"`
	Outputs []struct {
		To  string          `json:"to"`
		Msg json.RawMessage `json:"msg"`
	} `json:"outputs"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
	Ignore   []string `json:"ignore"`
	SettleMS int      `json:"settle_ms"`
	GapMS    int      `json:"gap_ms"`
	Context  struct {
		Flow   json.RawMessage `json:"flow"`
		Global json.RawMessage `json:"global"`
	} `json:"context"`
	ContextAfter *struct {
		Flow   json.RawMessage `json:"flow"`
		Global json.RawMessage `json:"global"`
	} `json:"context_after"`
	Env map[string]string `json:"env"`
}

// ReplayFixtures runs every fixture file matching pattern as a subtest
// against the given types and compares, per collector and in order, the
// messages Flowgate produced with what Node-RED produced (ignoring _msgid
// and the fixture's ignore paths). When the flow has no catch node, the
// number of node errors must match too.
func ReplayFixtures(t *testing.T, pattern string, types ...engine.Type) {
	t.Helper()
	ReplayFixturesExcept(t, pattern, nil, types...)
}

// ReplayFixturesExcept is ReplayFixtures skipping the named fixtures (file
// names without .json), each with the reason Flowgate differs on purpose. A
// reason that starts with "error text: " runs the fixture but compares only
// the number of node errors, not their text (a parser's own wording).
func ReplayFixturesExcept(t *testing.T, pattern string, skip map[string]string, types ...engine.Type) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no fixtures match %s", pattern)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			why, ok := skip[name]
			if ok && !strings.HasPrefix(why, errorTextSkip) {
				t.Skip(why)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var fx Fixture
			if err := json.Unmarshal(data, &fx); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			replayFixture(t, fx, ok, types...)
		})
	}
}

// ReplayFixture runs one fixture.
func ReplayFixture(t *testing.T, fx Fixture, types ...engine.Type) {
	t.Helper()
	replayFixture(t, fx, false, types...)
}

func replayFixture(t *testing.T, fx Fixture, errorTextDiffers bool, types ...engine.Type) {
	t.Helper()
	stores := engine.NewMemoryStores()
	flowID := tabOf(fx.Flow)
	for k, v := range fixtureMsg(t, fx.Context.Flow) {
		_ = engine.NewContext(stores, flowID).Set("", k, v)
	}
	for k, v := range fixtureMsg(t, fx.Context.Global) {
		_ = engine.NewContext(stores, "global").Set("", k, v)
	}
	env := func(name string) (string, bool) {
		v, ok := fx.Env[name]
		return v, ok
	}
	h := NewWith(t, Options{Stores: stores, Env: env}, types...)
	flow, _ := json.Marshal(fx.Flow)
	if _, err := h.TryDeploy(flow, engine.DeployFull); err != nil {
		// Node-RED deploys every flows array: a node's problems are errors
		// when it starts or runs, compared below
		t.Fatalf("%s: deploy refused, Node-RED deploys it: %v", fx.Name, err)
	}
	want := map[string][]any{}
	counts := map[string]int{}
	var wantOrder []string
	for _, o := range fx.Outputs {
		want[o.To] = append(want[o.To], normalizeMsg(fixtureMsg(t, o.Msg), fx.Ignore))
		counts[o.To]++
		wantOrder = append(wantOrder, o.To)
	}
	n1, _ := h.E.Node("n1")
	_, takesInput := n1.(engine.Handler)
	for _, in := range fx.Inputs {
		if !takesInput {
			break // a node that reported its problems at start ignores messages, as in Node-RED
		}
		h.Send("n1", fixtureMsg(t, in))
		h.Settle(2 * time.Second) // as the capture drains between inputs
		if fx.GapMS > 0 {
			time.Sleep(time.Duration(fx.GapMS) * time.Millisecond)
		}
	}
	settle := time.Duration(fx.SettleMS) * time.Millisecond
	if _, ok := h.WaitAll(counts, 5*time.Second+settle); ok {
		// a short grace period shows extra messages Node-RED did not send
		extra := min(settle, 300*time.Millisecond) + 20*time.Millisecond
		time.Sleep(extra)
	}
	gotAll := h.Collected()
	got := map[string][]any{}
	for id, msgs := range gotAll {
		for _, m := range msgs {
			got[id] = append(got[id], normalizeMsg(m, fx.Ignore))
		}
	}
	if diff := cmp.Diff(want, got, orderedObjects, cmp.Comparer(func(a, b float64) bool { return a == b || (a-b < 1e-9 && b-a < 1e-9) })); diff != "" {
		t.Errorf("%s: outputs differ from Node-RED (-nodered +flowgate):\n%s", fx.Name, diff)
	}
	if diff := cmp.Diff(wantOrder, h.Arrivals()); diff != "" && len(counts) > 1 {
		t.Errorf("%s: messages reached the collectors in another order than in Node-RED (-nodered +flowgate):\n%s", fx.Name, diff)
	}
	if fx.ContextAfter != nil {
		for scope, raw := range map[string]json.RawMessage{flowID: fx.ContextAfter.Flow, "global": fx.ContextAfter.Global} {
			want := map[string]any(fixtureMsg(t, raw))
			c := engine.NewContext(stores, scope)
			got := map[string]any{}
			keys, _ := c.Keys("")
			for _, k := range keys {
				v, _ := c.Get("", k)
				got[k] = normalizeValue(v)
			}
			if diff := cmp.Diff(normalizeValue(want), normalizeValue(got), orderedObjects); diff != "" {
				t.Errorf("%s: %s context differs from Node-RED (-nodered +flowgate):\n%s", fx.Name, scope, diff)
			}
		}
	}
	if !hasCatch(fx.Flow) {
		var want []string
		for _, e := range fx.Errors {
			want = append(want, e.Message)
		}
		got := h.Errors()
		if len(got) != len(want) || (!errorTextDiffers && !slices.Equal(got, want)) {
			t.Errorf("%s: node errors differ from Node-RED (-nodered +flowgate):\n%s", fx.Name, cmp.Diff(want, got))
		}
	}
}

// errorTextSkip marks a skip reason (ReplayFixturesExcept) that keeps the
// fixture but compares only the number of node errors, not their text.
const errorTextSkip = "error text: "

func tabOf(flow []json.RawMessage) string {
	for _, n := range flow {
		var o struct{ ID, Type string }
		if json.Unmarshal(n, &o) == nil && o.Type == "tab" {
			return o.ID
		}
	}
	return ""
}

// normalizeValue gives a value its JSON form (objects keep their key order).
func normalizeValue(v any) any {
	s, err := engine.JSONString(v, "")
	if err != nil {
		return err.Error()
	}
	out, err := engine.DecodeJSON([]byte(s))
	if err != nil {
		return err.Error()
	}
	return out
}

// KV is one key and value of an object, as OrderedObjects shows it.
type KV struct {
	K string
	V any
}

// orderedObjects makes go-cmp compare objects key by key in order, with a
// readable diff.
var orderedObjects = cmp.Transformer("ordered", func(o *engine.Object) []KV {
	out := make([]KV, 0, o.Len())
	for k, v := range o.All() {
		out = append(out, KV{k, v})
	}
	return out
})

// OrderedObjects is the go-cmp option that compares *engine.Object values
// key by key, in order.
func OrderedObjects() cmp.Option { return orderedObjects }

// fixtureMsg decodes a fixture message keeping key order, with Node-RED's
// JSON form of a Buffer turned back into []byte.
func fixtureMsg(t testing.TB, raw json.RawMessage) engine.Msg {
	t.Helper()
	if len(raw) == 0 || string(raw) == "null" {
		return engine.Msg{}
	}
	v, err := engine.DecodeJSON(raw)
	if err != nil {
		t.Fatalf("fixture message: %v", err)
	}
	o, ok := v.(*engine.Object)
	if !ok {
		t.Fatalf("fixture message is not an object: %s", raw)
	}
	m := engine.Msg{}
	for k, e := range o.All() {
		m[k] = fromFixtureValue(e)
	}
	return m
}

func hasCatch(flow []json.RawMessage) bool {
	for _, n := range flow {
		var o struct{ Type string }
		if json.Unmarshal(n, &o) == nil && o.Type == "catch" {
			return true
		}
	}
	return false
}

// fromFixtureValue turns Node-RED's JSON form of a Buffer back into []byte.
func fromFixtureValue(v any) any {
	switch t := v.(type) {
	case *engine.Object:
		if t.Value("type") == "Buffer" && t.Len() == 2 {
			if data, ok := t.Value("data").([]any); ok {
				b := make([]byte, len(data))
				for i, e := range data {
					f, _ := e.(float64)
					b[i] = byte(f)
				}
				return b
			}
		}
		for k, e := range t.All() {
			t.Set(k, fromFixtureValue(e))
		}
		return t
	case map[string]any:
		if t["type"] == "Buffer" && len(t) == 2 {
			if data, ok := t["data"].([]any); ok {
				b := make([]byte, len(data))
				for i, e := range data {
					f, _ := e.(float64)
					b[i] = byte(f)
				}
				return b
			}
		}
		for k, e := range t {
			t[k] = fromFixtureValue(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = fromFixtureValue(e)
		}
	}
	return v
}

// normalizeMsg gives a message its JSON form without _msgid and ignored
// paths. The keys of the message itself are compared sorted (a Msg is a Go
// map); objects inside keep their order.
func normalizeMsg(m engine.Msg, ignore []string) any {
	s, err := engine.JSONString(m, "")
	if err != nil {
		return err.Error()
	}
	dec, err := engine.DecodeJSON([]byte(s))
	if err != nil {
		return err.Error()
	}
	o, _ := dec.(*engine.Object)
	v := engine.Msg{}
	for k, e := range o.All() {
		v[k] = e
	}
	stripMsgIDs(v)
	delete(v, "_event") // Node-RED's internal routing tag on link messages
	for _, p := range ignore {
		if path, err := engine.ParsePath(strings.TrimPrefix(p, "msg.")); err == nil {
			path.Delete(v)
		}
	}
	return map[string]any(v)
}

// stripMsgIDs removes _msgid at every depth, as the capture does.
func stripMsgIDs(v any) {
	switch t := v.(type) {
	case engine.Msg:
		delete(t, "_msgid")
		for _, e := range t {
			stripMsgIDs(e)
		}
	case *engine.Object:
		t.Delete("_msgid")
		for _, e := range t.All() {
			stripMsgIDs(e)
		}
	case map[string]any:
		delete(t, "_msgid")
		for _, e := range t {
			stripMsgIDs(e)
		}
	case []any:
		for _, e := range t {
			stripMsgIDs(e)
		}
	}
}
