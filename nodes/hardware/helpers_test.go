package hardware

import (
	"time"

	"encoding/json"
	"testing"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/hw"
)

// simHarness returns a harness over a fresh simulator with the hardware
// types, and the simulator. Call it inside synctest.Test for timed tests.
func simHarness(t *testing.T) (*enginetest.Harness, *hw.Sim) {
	t.Helper()
	sim := hw.NewSim()
	return enginetest.New(t, TypesWith(Options{Board: sim})...), sim
}

// flow is a tab "f" with the given nodes (JSON objects with id and type,
// z added) and a collector node per extra id in helpers.
func flow(t *testing.T, nodes string, helpers ...string) []any {
	t.Helper()
	var ns []map[string]any
	if err := json.Unmarshal([]byte(nodes), &ns); err != nil {
		t.Fatal(err)
	}
	out := []any{map[string]any{"id": "f", "type": "tab"}}
	for _, n := range ns {
		n["z"] = "f"
		out = append(out, n)
	}
	for _, h := range helpers {
		out = append(out, map[string]any{"id": h, "type": enginetest.HelperType, "z": "f"})
	}
	return out
}

// statuses returns the statuses node id showed, in order.
func statuses(h *enginetest.Harness, id string) []engine.Status {
	var out []engine.Status
	for _, e := range h.Events() {
		if e.Topic == "status/"+id {
			if s, ok := e.Data.(engine.Status); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// lastStatus returns the last status of node id.
func lastStatus(h *enginetest.Harness, id string) engine.Status {
	s := statuses(h, id)
	if len(s) == 0 {
		return engine.Status{}
	}
	return s[len(s)-1]
}

type enginetestEvent = enginetest.Event

// waitFor polls cond for up to 5 s (for tests outside synctest, where the
// engine runs messages on its own goroutines).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
