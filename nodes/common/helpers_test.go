package common

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// wait is how long a test waits for messages that should arrive.
const wait = 5 * time.Second

// testTypes are stand-ins for nodes of other categories:
//   - fail: returns an error "failed: <payload>";
//   - setstatus: sets its status text to msg.payload and forwards;
//   - change: the subset of Node-RED's change node the link fixtures use
//     (set a property to a string).
func testTypes() []engine.Type {
	return []engine.Type{
		{Spec: engine.Spec{Type: "fail", Inputs: 1}, New: func(*engine.Config, *engine.Resources) (engine.Node, error) {
			return failNode{}, nil
		}},
		{Spec: engine.Spec{Type: "setstatus", Inputs: 1, Outputs: 1}, New: func(_ *engine.Config, res *engine.Resources) (engine.Node, error) {
			return &statusNode{res: res}, nil
		}},
		{Spec: engine.Spec{Type: "change", Inputs: 1, Outputs: 1}, New: newStubChange},
	}
}

type failNode struct{}

func (failNode) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	return fmt.Errorf("failed: %v", m["payload"])
}

type statusNode struct{ res *engine.Resources }

func (s *statusNode) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	s.res.Status(engine.Status{Fill: "green", Shape: "dot", Text: engine.ToString(m["payload"])})
	out.Send(0, m)
	return nil
}

type stubChange struct{ sets map[string]string }

func newStubChange(cfg *engine.Config, _ *engine.Resources) (engine.Node, error) {
	var rules []struct{ T, P, Pt, To, Tot string }
	cfg.Reader().Decode("rules", &rules)
	c := &stubChange{sets: map[string]string{}}
	for _, r := range rules {
		if r.T != "set" || r.Pt != "msg" || r.Tot != "str" {
			return nil, errors.New("stub change: only sets msg properties to strings")
		}
		c.sets[r.P] = r.To
	}
	return c, nil
}

func (c *stubChange) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	for p, v := range c.sets {
		m[p] = v
	}
	out.Send(0, m)
	return nil
}

// newHarness runs the common types and the stand-ins.
func newHarness(t testing.TB) *enginetest.Harness {
	return enginetest.New(t, append(Types(), testTypes()...)...)
}

// debugEvents returns the data of the published "debug" events.
func debugEvents(h *enginetest.Harness) []map[string]any {
	var out []map[string]any
	for _, e := range h.Events() {
		if d, ok := e.Data.(map[string]any); ok && e.Topic == "debug" {
			out = append(out, d)
		}
	}
	return out
}

// statusEvents returns the statuses published for node id, in order.
func statusEvents(h *enginetest.Harness, id string) []engine.Status {
	var out []engine.Status
	for _, e := range h.Events() {
		if s, ok := e.Data.(engine.Status); ok && e.Topic == "status/"+id {
			out = append(out, s)
		}
	}
	return out
}

// deployErr deploys flow and returns the property problems of the deploy:
// warnings, as Node-RED deploys every flow and its nodes report them.
func deployErr(t *testing.T, flow string) []*engine.FieldError {
	t.Helper()
	h := newHarness(t)
	w, err := h.TryDeploy(flow, engine.DeployFull)
	if err != nil {
		t.Fatalf("deploy refused, Node-RED deploys it: %v", err)
	}
	out := make([]*engine.FieldError, len(w))
	for i := range w {
		out[i] = &w[i]
	}
	return out
}

// config returns node n1's configuration with the given JSON properties.
func config(t *testing.T, typ, props string) *engine.Config {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(props), &m); err != nil {
		t.Fatal(err)
	}
	var name string
	_ = json.Unmarshal(m["name"], &name)
	return &engine.Config{ID: "n1", Type: typ, Name: name, Flow: "f", Props: m}
}
