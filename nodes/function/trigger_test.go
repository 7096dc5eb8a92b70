package function

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestTriggerFixtures(t *testing.T) {
	replay(t, "trigger")
}

func triggerProps(kv ...any) map[string]any {
	p := map[string]any{"type": "trigger", "op1": "1", "op2": "0", "op1type": "val", "op2type": "val",
		"duration": "250", "extend": false, "overrideDelay": false, "units": "ms", "reset": "",
		"bytopic": "all", "topic": "topic", "outputs": 1.0}
	for i := 0; i < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

func TestTrigger(t *testing.T) {
	tests := []struct {
		name    string
		props   map[string]any
		steps   []step
		want    [][]any
		outputs int
	}{
		{"sends op1 then op2", triggerProps(),
			[]step{pay("x"), wait(249 * time.Millisecond)},
			[][]any{{"1"}}, 1},
		{"op2 after duration", triggerProps(),
			[]step{pay("x"), wait(250 * time.Millisecond)},
			[][]any{{"1", "0"}}, 1},
		{"ignores retrigger while running", triggerProps(),
			[]step{pay("x"), wait(100 * time.Millisecond), pay("y"), wait(150 * time.Millisecond), pay("z")},
			[][]any{{"1", "0", "1"}}, 1},
		{"extend restarts timer", triggerProps("extend", "true"),
			[]step{pay("x"), wait(200 * time.Millisecond), pay("y"), wait(200 * time.Millisecond)},
			[][]any{{"1"}}, 1},
		{"extend sends after last", triggerProps("extend", "true"),
			[]step{pay("x"), wait(200 * time.Millisecond), pay("y"), wait(250 * time.Millisecond)},
			[][]any{{"1", "0"}}, 1},
		{"msg.reset cancels", triggerProps(),
			[]step{pay("x"), send(engine.Msg{"reset": true}), wait(time.Second)},
			[][]any{{"1"}}, 1},
		{"reset payload value", triggerProps("reset", "stop"),
			[]step{pay("x"), pay("stop"), wait(time.Second), pay("y")},
			[][]any{{"1", "1"}}, 1},
		{"wait for reset when duration 0", triggerProps("duration", "0"),
			[]step{pay("x"), wait(time.Hour), pay("y"), send(engine.Msg{"reset": true}), pay("z")},
			[][]any{{"1", "1"}}, 1},
		{"second output", triggerProps("outputs", 2.0),
			[]step{pay("x"), wait(time.Second)},
			[][]any{{"1"}, {"0"}}, 2},
		{"original and latest payloads", triggerProps("op1type", "pay", "op2type", "payl"),
			[]step{pay("a"), pay("b"), wait(time.Second)},
			[][]any{{"a", "b"}}, 1},
		{"nothing then original payload", triggerProps("op1type", "nul", "op2type", "pay"),
			[]step{pay("a"), pay("b"), wait(time.Second)},
			[][]any{{"a"}}, 1},
		{"typed values", triggerProps("op1", "5", "op1type", "num", "op2", `{"a":1}`, "op2type", "json"),
			[]step{pay("a"), wait(time.Second)},
			[][]any{{5.0, engine.ObjectOf("a", 1.0)}}, 1},
		{"mustache op", triggerProps("op1", "got {{payload}}", "op1type", "str"),
			[]step{pay("a")},
			[][]any{{"got a"}}, 1},
		{"per topic", triggerProps("bytopic", "topic"),
			[]step{send(engine.Msg{"payload": "a", "topic": "A"}), send(engine.Msg{"payload": "b", "topic": "B"}), send(engine.Msg{"payload": "a", "topic": "A"}), wait(time.Second)},
			[][]any{{"1", "1", "0", "0"}}, 1},
		{"override delay", triggerProps("overrideDelay", true),
			[]step{send(engine.Msg{"payload": "a", "delay": 1000.0}), wait(999 * time.Millisecond)},
			[][]any{{"1"}}, 1},
		{"seconds units", triggerProps("duration", "2", "units", "s"),
			[]step{pay("a"), wait(1999 * time.Millisecond), pay("b"), wait(time.Millisecond)},
			[][]any{{"1", "0"}}, 1},
		{"negative duration repeats op1", triggerProps("duration", "-100"),
			[]step{pay("a"), wait(350 * time.Millisecond), send(engine.Msg{"reset": true}), wait(time.Second)},
			[][]any{{"1", "1", "1", "1"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, tt.props, tt.outputs, func(t *testing.T, h *enginetest.Harness) {
				runSteps(h, tt.steps)
				if diff := cmp.Diff(tt.want, payloads(h, tt.outputs)); diff != "" {
					t.Errorf("payloads mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestTriggerStatus(t *testing.T) {
	bubble(t, triggerProps("bytopic", "topic"), 1, func(t *testing.T, h *enginetest.Harness) {
		runSteps(h, []step{send(engine.Msg{"payload": 1.0, "topic": "a"}), send(engine.Msg{"payload": 1.0, "topic": "b"}), wait(time.Second)})
		want := []engine.Status{{Fill: "blue", Shape: "dot"}, {Fill: "blue", Shape: "dot", Text: "2"}, {Fill: "blue", Shape: "dot"}, {}}
		if diff := cmp.Diff(want, statuses(h)); diff != "" {
			t.Errorf("statuses mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestTriggerCloseStopsTimers(t *testing.T) {
	bubble(t, triggerProps(), 1, func(t *testing.T, h *enginetest.Harness) {
		runSteps(h, []step{pay("x")})
		h.E.Stop(context.Background())
		runSteps(h, []step{wait(time.Second)})
		if diff := cmp.Diff([][]any{{"1"}}, payloads(h, 1)); diff != "" {
			t.Errorf("payloads mismatch (-want +got):\n%s", diff)
		}
	})
}
