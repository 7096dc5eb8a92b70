package enginetest

import (
	"encoding/json"
	"os"
	"path/filepath"
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
	Inputs  []map[string]any  `json:"inputs"`
	Outputs []struct {
		To  string         `json:"to"`
		Msg map[string]any `json:"msg"`
	} `json:"outputs"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
	Ignore   []string `json:"ignore"`
	SettleMS int      `json:"settle_ms"`
}

// ReplayFixtures runs every fixture file matching pattern as a subtest
// against the given types and compares, per collector and in order, the
// messages Flowgate produced with what Node-RED produced (ignoring _msgid
// and the fixture's ignore paths). When the flow has no catch node, the
// number of node errors must match too.
func ReplayFixtures(t *testing.T, pattern string, types ...engine.Type) {
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
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var fx Fixture
			if err := json.Unmarshal(data, &fx); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			ReplayFixture(t, fx, types...)
		})
	}
}

// ReplayFixture runs one fixture.
func ReplayFixture(t *testing.T, fx Fixture, types ...engine.Type) {
	t.Helper()
	h := New(t, types...)
	flow, _ := json.Marshal(fx.Flow)
	h.Deploy(flow)
	want := map[string][]any{}
	counts := map[string]int{}
	for _, o := range fx.Outputs {
		want[o.To] = append(want[o.To], normalizeMsg(o.Msg, fx.Ignore))
		counts[o.To]++
	}
	for _, in := range fx.Inputs {
		m := engine.Msg{}
		for k, v := range in {
			m[k] = fromFixtureValue(v)
		}
		h.Send("n1", m)
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
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a == b || (a-b < 1e-9 && b-a < 1e-9) })); diff != "" {
		t.Errorf("%s: outputs differ from Node-RED (-nodered +flowgate):\n%s", fx.Name, diff)
	}
	if !hasCatch(fx.Flow) {
		if errs := h.Errors(); len(errs) != len(fx.Errors) {
			t.Errorf("%s: %d node errors %q, Node-RED reported %d %v", fx.Name, len(errs), errs, len(fx.Errors), fx.Errors)
		}
	}
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

// normalizeMsg gives a message its JSON form without _msgid and ignored paths.
func normalizeMsg(m map[string]any, ignore []string) any {
	s, err := engine.JSONString(engine.Msg(m), "")
	if err != nil {
		return err.Error()
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return err.Error()
	}
	delete(v, "_msgid")
	for _, p := range ignore {
		if path, err := engine.ParsePath(strings.TrimPrefix(p, "msg.")); err == nil {
			path.Delete(engine.Msg(v))
		}
	}
	return v
}
