package function

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// flowOf returns a flow with node n1 (props) wired to collectors out0..out<n-1>.
func flowOf(props map[string]any, outputs int) []any {
	n := map[string]any{"id": "n1", "z": "f1"}
	for k, v := range props {
		n[k] = v
	}
	flow := []any{map[string]any{"id": "f1", "type": "tab"}}
	wires := make([]any, outputs)
	for i := range outputs {
		id := fmt.Sprintf("out%d", i)
		wires[i] = []any{id}
		flow = append(flow, map[string]any{"id": id, "type": enginetest.HelperType, "z": "f1", "wires": []any{}})
	}
	n["wires"] = wires
	return append(flow, n)
}

// bubble runs f inside a synctest bubble with a harness that has deployed
// node n1 with the given properties.
func bubble(t *testing.T, props map[string]any, outputs int, f func(t *testing.T, h *enginetest.Harness)) {
	t.Helper()
	bubbleWith(t, enginetest.Options{}, props, outputs, f)
}

func bubbleWith(t *testing.T, o enginetest.Options, props map[string]any, outputs int, f func(t *testing.T, h *enginetest.Harness)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		h := enginetest.NewWith(t, o, Types()...)
		h.Deploy(flowOf(props, outputs))
		f(t, h)
	})
}

// sendAll sends each message to n1 and waits until the flow is idle.
func sendAll(h *enginetest.Harness, msgs ...engine.Msg) {
	for _, m := range msgs {
		h.Send("n1", m)
		synctest.Wait()
	}
}

// outputs returns the payload-level view of what each collector got, by
// collector index, without _msgid.
func outputs(h *enginetest.Harness, n int) [][]map[string]any {
	got := h.Collected()
	out := make([][]map[string]any, n)
	for i := range n {
		for _, m := range got[fmt.Sprintf("out%d", i)] {
			c := map[string]any{}
			for k, v := range m {
				if k != "_msgid" {
					c[k] = v
				}
			}
			out[i] = append(out[i], c)
		}
	}
	return out
}

// payloads returns msg.payload of each message of each collector.
func payloads(h *enginetest.Harness, n int) [][]any {
	got := h.Collected()
	out := make([][]any, n)
	for i := range n {
		out[i] = []any{}
		for _, m := range got[fmt.Sprintf("out%d", i)] {
			out[i] = append(out[i], m["payload"])
		}
	}
	return out
}

// config builds a node configuration from JSON-like properties.
func config(typ string, props map[string]any) *engine.Config {
	c := &engine.Config{ID: "n1", Type: typ, Flow: "f1", Props: map[string]json.RawMessage{}}
	for k, v := range props {
		raw, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		c.Props[k] = raw
	}
	return c
}

// replay replays the Node-RED fixtures of a node type, skipping those whose
// flow needs node types of other categories.
func replay(t *testing.T, typ string) {
	t.Helper()
	files, err := filepath.Glob("../../testdata/nodered/" + typ + "/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures for %s: %v", typ, err)
	}
	known := map[string]bool{"tab": true, enginetest.HelperType: true}
	for _, ty := range Types() {
		known[ty.Spec.Type] = true
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var fx enginetest.Fixture
			if err := json.Unmarshal(data, &fx); err != nil {
				t.Fatal(err)
			}
			for _, raw := range fx.Flow {
				var n struct{ Type string }
				_ = json.Unmarshal(raw, &n)
				if !known[n.Type] {
					t.Skipf("needs node type %q from another category", n.Type)
				}
			}
			enginetest.ReplayFixture(t, fx, Types()...)
		})
	}
}

// step is one action of a timed test: send a message to n1, or let fake
// time pass.
type step struct {
	send engine.Msg
	wait time.Duration
}

func send(m engine.Msg) step    { return step{send: m} }
func wait(d time.Duration) step { return step{wait: d} }
func pay(v any) step            { return send(engine.Msg{"payload": v}) }

// runSteps performs the steps, waiting for the flow to settle after each.
func runSteps(h *enginetest.Harness, steps []step) {
	for _, s := range steps {
		if s.send != nil {
			h.Send("n1", s.send)
		} else {
			time.Sleep(s.wait)
		}
		synctest.Wait()
	}
}

// statuses returns the texts of the status events of n1, in order.
func statuses(h *enginetest.Harness) []engine.Status {
	var out []engine.Status
	for _, e := range h.Events() {
		if e.Topic == "status/n1" {
			out = append(out, e.Data.(engine.Status))
		}
	}
	return out
}
