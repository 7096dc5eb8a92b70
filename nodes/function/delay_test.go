package function

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestDelayFixtures(t *testing.T) {
	replay(t, "delay")
}

func delayProps(kv ...any) map[string]any {
	p := map[string]any{"type": "delay", "pauseType": "delay", "timeout": "5", "timeoutUnits": "seconds",
		"rate": "1", "nbRateUnits": "1", "rateUnits": "second", "randomFirst": "1", "randomLast": "5",
		"randomUnits": "seconds", "drop": false, "allowrate": false, "outputs": 1.0}
	for i := 0; i < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

func TestDelay(t *testing.T) {
	tests := []struct {
		name    string
		props   map[string]any
		steps   []step
		want    [][]any
		outputs int
	}{
		{"fixed delay holds then sends in order", delayProps(),
			[]step{pay(1.0), pay(2.0), wait(4 * time.Second), pay(3.0), wait(999 * time.Millisecond)},
			[][]any{{}}, 1},
		{"fixed delay releases after timeout", delayProps(),
			[]step{pay(1.0), pay(2.0), wait(5 * time.Second), pay(3.0), wait(5 * time.Second)},
			[][]any{{1.0, 2.0, 3.0}}, 1},
		{"flush count", delayProps(),
			[]step{pay(1.0), pay(2.0), pay(3.0), send(engine.Msg{"flush": 2.0})},
			[][]any{{1.0, 2.0}}, 1},
		{"flush all then rest never", delayProps(),
			[]step{pay(1.0), send(engine.Msg{"flush": true}), wait(10 * time.Second)},
			[][]any{{1.0}}, 1},
		{"reset drops pending", delayProps(),
			[]step{pay(1.0), pay(2.0), send(engine.Msg{"reset": true}), wait(10 * time.Second)},
			[][]any{{}}, 1},
		{"msg.delay overrides", delayProps("pauseType", "delayv", "timeout", "100", "timeoutUnits", "milliseconds"),
			[]step{send(engine.Msg{"payload": "slow", "delay": 300.0}), send(engine.Msg{"payload": "fast", "delay": 50.0}), pay("default"), wait(time.Second)},
			[][]any{{"fast", "default", "slow"}}, 1},
		{"random within bounds", delayProps("pauseType", "random", "randomFirst", "1", "randomLast", "2"),
			[]step{pay(1.0), wait(999 * time.Millisecond)},
			[][]any{{}}, 1},
		{"random sent by last", delayProps("pauseType", "random", "randomFirst", "1", "randomLast", "2"),
			[]step{pay(1.0), wait(2 * time.Second)},
			[][]any{{1.0}}, 1},
		{"rate limit queues", delayProps("pauseType", "rate"),
			[]step{pay(1.0), pay(2.0), pay(3.0), wait(1500 * time.Millisecond)},
			[][]any{{1.0, 2.0}}, 1},
		{"rate limit drains and restarts", delayProps("pauseType", "rate"),
			[]step{pay(1.0), pay(2.0), wait(5 * time.Second), pay(3.0)},
			[][]any{{1.0, 2.0, 3.0}}, 1},
		{"rate limit drop to second output", delayProps("pauseType", "rate", "drop", true, "outputs", 2.0),
			[]step{pay(1.0), pay(2.0), wait(1001 * time.Millisecond), pay(3.0)},
			[][]any{{1.0, 3.0}, {2.0}}, 2},
		{"rate override by msg.rate", delayProps("pauseType", "rate", "allowrate", true),
			[]step{send(engine.Msg{"payload": 1.0, "rate": 100.0}), pay(2.0), wait(150 * time.Millisecond)},
			[][]any{{1.0, 2.0}}, 1},
		{"rate of two per minute with nbRateUnits", delayProps("pauseType", "rate", "rate", "2", "rateUnits", "minute", "nbRateUnits", "2"),
			[]step{pay(1.0), pay(2.0), wait(59 * time.Second), pay(3.0), wait(time.Second)},
			[][]any{{1.0, 2.0}}, 1},
		{"queue keeps latest per topic", delayProps("pauseType", "queue"),
			[]step{send(engine.Msg{"payload": 1.0, "topic": "a"}), send(engine.Msg{"payload": 2.0, "topic": "b"}), send(engine.Msg{"payload": 3.0, "topic": "a"}), wait(2 * time.Second)},
			[][]any{{3.0, 2.0}}, 1},
		{"queue replaced to second output", delayProps("pauseType", "queue", "outputs", 2.0),
			[]step{send(engine.Msg{"payload": 1.0, "topic": "a"}), send(engine.Msg{"payload": 3.0, "topic": "a"}), wait(time.Second)},
			[][]any{{3.0}, {1.0}}, 2},
		{"timed sends all topics", delayProps("pauseType", "timed"),
			[]step{send(engine.Msg{"payload": 1.0, "topic": "a"}), send(engine.Msg{"payload": 2.0, "topic": "b"}), wait(time.Second)},
			[][]any{{1.0, 2.0}}, 1},
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

func TestDelayStatus(t *testing.T) {
	bubble(t, delayProps(), 1, func(t *testing.T, h *enginetest.Harness) {
		runSteps(h, []step{pay(1.0), pay(2.0), wait(5 * time.Second)})
		want := []engine.Status{
			{Fill: "blue", Shape: "dot", Text: "1"}, {Fill: "blue", Shape: "dot", Text: "2"},
			{Fill: "blue", Shape: "dot", Text: "1"}, {Fill: "blue", Shape: "dot", Text: "0"},
		}
		if diff := cmp.Diff(want, statuses(h)); diff != "" {
			t.Errorf("statuses mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestDelayCloseDropsPending(t *testing.T) {
	for _, mode := range []string{"delay", "rate", "queue"} {
		t.Run(mode, func(t *testing.T) {
			bubble(t, delayProps("pauseType", mode), 1, func(t *testing.T, h *enginetest.Harness) {
				runSteps(h, []step{pay(1.0), pay(2.0), pay(3.0)})
				before := len(payloads(h, 1)[0])
				h.E.Stop(context.Background())
				runSteps(h, []step{wait(time.Minute)})
				if got := len(payloads(h, 1)[0]); got != before {
					t.Errorf("%d messages sent after close, want none", got-before)
				}
			})
		})
	}
}
