package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// pass forwards every message to output 0, adding its id to msg.path.
type pass struct{ id string }

func (p *pass) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	if s, ok := m["path"].(string); ok {
		m["path"] = s + "," + p.id
	} else {
		m["path"] = p.id
	}
	out.Send(0, m)
	return nil
}

// fail returns an error or panics, depending on msg.payload.
type fail struct{}

func (fail) Handle(_ context.Context, m engine.Msg, _ *engine.Output) error {
	if m["payload"] == "panic" {
		panic("boom")
	}
	return errors.New("bad thing")
}

// catcher forwards errors of its scope.
type catcher struct{ scope engine.Scope }

func (c *catcher) CatchScope() engine.Scope { return c.scope }
func (c *catcher) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}

// completer forwards completions.
type completer struct{ scope []string }

func (c *completer) CompleteScope() []string { return c.scope }
func (c *completer) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	out.Send(0, m)
	return nil
}

func testTypes() []engine.Type {
	return []engine.Type{
		{Spec: engine.Spec{Type: "pass", Inputs: 1, Outputs: 1}, New: func(c *engine.Config, _ *engine.Resources) (engine.Node, error) {
			if c.Props["bad"] != nil {
				return nil, &engine.FieldError{Node: c.ID, Type: c.Type, Field: "bad", Reason: "is bad"}
			}
			return &pass{id: c.ID}, nil
		}},
		{Spec: engine.Spec{Type: "fail", Inputs: 1}, New: func(*engine.Config, *engine.Resources) (engine.Node, error) { return fail{}, nil }},
		{Spec: engine.Spec{Type: "catch", Outputs: 1}, New: func(c *engine.Config, _ *engine.Resources) (engine.Node, error) {
			r := c.Reader()
			var s engine.Scope
			r.Decode("scope", &s.Nodes)
			s.Uncaught = r.Bool("uncaught", false)
			return &catcher{scope: s}, nil
		}},
		{Spec: engine.Spec{Type: "complete", Outputs: 1}, New: func(c *engine.Config, _ *engine.Resources) (engine.Node, error) {
			var s []string
			c.Reader().Decode("scope", &s)
			return &completer{scope: s}, nil
		}},
	}
}

func TestChainFanOutAndOrder(t *testing.T) {
	h := enginetest.New(t, testTypes()...)
	h.Deploy(`[{"id":"t1","type":"tab"},
		{"id":"a","type":"pass","z":"t1","wires":[["b","c"]]},
		{"id":"b","type":"pass","z":"t1","wires":[["o1"]]},
		{"id":"c","type":"pass","z":"t1","wires":[["o2"]]},
		{"id":"o1","type":"helper","z":"t1"},{"id":"o2","type":"helper","z":"t1"}]`)
	const n = 200
	for i := range n {
		h.Send("a", engine.Msg{"payload": float64(i)})
	}
	got, ok := h.WaitAll(map[string]int{"o1": n, "o2": n}, 5*time.Second)
	if !ok {
		t.Fatalf("timeout: %d %d", len(got["o1"]), len(got["o2"]))
	}
	for i := range n {
		m1, m2 := got["o1"][i], got["o2"][i]
		if m1["payload"] != float64(i) || m2["payload"] != float64(i) {
			t.Fatalf("order broken at %d: %v %v", i, m1["payload"], m2["payload"])
		}
		if m1["path"] != "a,b" || m2["path"] != "a,c" {
			t.Fatalf("fan-out shares the message: %v %v", m1["path"], m2["path"])
		}
	}
}

func TestCycleDoesNotDeadlock(t *testing.T) {
	h := enginetest.New(t, testTypes()...)
	// a → b → a and b → out: every message loops forever; sends must never block
	h.Deploy(`[{"id":"a","type":"pass","z":"t","wires":[["b"]]},{"id":"b","type":"pass","z":"t","wires":[["a","o"]]},{"id":"o","type":"helper","z":"t"}]`)
	for range 50 {
		h.Send("a", engine.Msg{"payload": 1.0})
	}
	h.Wait("o", 5000, 10*time.Second)
}

func TestErrorsReachScopedThenUncaughtCatch(t *testing.T) {
	h := enginetest.New(t, testTypes()...)
	h.Deploy(`[{"id":"f","type":"fail","z":"t","name":"failer"},{"id":"g","type":"fail","z":"t"},
		{"id":"c1","type":"catch","z":"t","scope":["f"],"wires":[["o1"]]},
		{"id":"c2","type":"catch","z":"t","uncaught":true,"wires":[["o2"]]},
		{"id":"o1","type":"helper","z":"t"},{"id":"o2","type":"helper","z":"t"}]`)
	h.Send("f", engine.Msg{"payload": "panic"})
	h.Send("g", engine.Msg{"payload": "x"})
	got, ok := h.WaitAll(map[string]int{"o1": 1, "o2": 1}, 5*time.Second)
	if !ok {
		t.Fatalf("timeout: %v", got)
	}
	e1 := got["o1"][0]
	if at(e1, "error.message") != "panic: boom" || at(e1, "error.source.id") != "f" || at(e1, "error.source.name") != "failer" {
		t.Errorf("scoped catch got %v", e1)
	}
	if len(got["o2"]) != 1 || at(got["o2"][0], "error.source.id") != "g" {
		t.Errorf("uncaught catch got %v", got["o2"])
	}
}

func TestCompleteAndDeployWithProblems(t *testing.T) {
	h := enginetest.New(t, testTypes()...)
	good := `[{"id":"a","type":"pass","z":"t","wires":[["o"]]},{"id":"o","type":"helper","z":"t"},
		{"id":"k","type":"complete","z":"t","scope":["a"],"wires":[["oc"]]},{"id":"oc","type":"helper","z":"t"},
		{"id":"u","type":"mystery","z":"t","foo":1}]`
	w := h.Deploy(good)
	if len(w) != 1 || w[0].Node != "u" {
		t.Errorf("warnings = %v, want one for the unknown type", w)
	}
	h.Send("a", engine.Msg{"payload": "running"})
	got, ok := h.WaitAll(map[string]int{"o": 1, "oc": 1}, 5*time.Second)
	if !ok {
		t.Fatalf("timeout: %v", got)
	}
	if got["oc"][0]["payload"] != "running" {
		t.Errorf("complete got %v", got["oc"][0])
	}
	// Node-RED deploys nodes with bad properties: they report at start
	h.Reset()
	w, err := h.TryDeploy(`[{"id":"a","type":"pass","z":"t","bad":1,"wires":[["o"]]},{"id":"b","type":"pass","z":"t","bad":2},{"id":"o","type":"helper","z":"t"}]`, engine.DeployFull)
	if err != nil {
		t.Fatalf("deploy refused: %v", err)
	}
	if len(w) != 2 || w[0].Field != "bad" || w[0].Node != "a" {
		t.Fatalf("warnings = %v, want two field problems", w)
	}
	if st := h.E.Statuses()["a"]; st.Fill != "red" || st.Text != "is bad" {
		t.Errorf("status of a = %+v, want red with the problem", st)
	}
	if errs := h.Errors(); len(errs) != 2 || errs[0] != "is bad" {
		t.Errorf("errors at start = %q, want each problem", errs)
	}
	if n, _ := h.E.Node("a"); n != nil {
		if _, ok := n.(engine.Handler); ok {
			t.Error("a node that did not construct takes messages")
		}
	}
}

func TestNodesDeployKeepsUnchangedNodes(t *testing.T) {
	h := enginetest.New(t, testTypes()...)
	h.Deploy(`[{"id":"a","type":"pass","z":"t","wires":[["o"]]},{"id":"b","type":"pass","z":"t","wires":[]},{"id":"o","type":"helper","z":"t"}]`)
	a1, _ := h.E.Node("a")
	b1, _ := h.E.Node("b")
	if _, err := h.TryDeploy(`[{"id":"a","type":"pass","z":"t","wires":[["o"]],"x":5},{"id":"b","type":"pass","z":"t","name":"new","wires":[]},{"id":"o","type":"helper","z":"t"}]`, engine.DeployNodes); err != nil {
		t.Fatal(err)
	}
	a2, _ := h.E.Node("a")
	b2, _ := h.E.Node("b")
	if a1 != a2 {
		t.Error("moved node a was restarted")
	}
	if b1 == b2 {
		t.Error("changed node b was not restarted")
	}
	h.Send("a", engine.Msg{"payload": 1.0})
	h.Wait("o", 1, 5*time.Second)
}

func TestDisabledTypeIsKeptNotRun(t *testing.T) {
	var off atomic.Bool
	off.Store(true)
	h := enginetest.NewWith(t, enginetest.Options{Disabled: func(typ string) bool { return typ == "fail" && off.Load() }}, testTypes()...)
	flow := `[{"id":"a","type":"pass","z":"t","wires":[["o"]]},{"id":"f","type":"fail","z":"t"},{"id":"o","type":"helper","z":"t"}]`
	w := h.Deploy(flow)
	if len(w) != 1 || w[0].Node != "f" || w[0].Reason != `node type "fail" is disabled: kept, not running` {
		t.Errorf("warnings = %v, want one for the disabled type", w)
	}
	if n, _ := h.E.Node("f"); n != nil {
		t.Error("a node of a disabled type runs")
	}
	h.Send("a", engine.Msg{"payload": 1.0})
	h.Wait("o", 1, 5*time.Second) // the rest of the flow runs
	off.Store(false)
	if w := h.Deploy(flow); len(w) != 0 {
		t.Errorf("warnings once enabled = %v", w)
	}
	if n, _ := h.E.Node("f"); n == nil {
		t.Error("the node does not run once its type is enabled")
	}
}

func BenchmarkClone(b *testing.B) {
	m := engine.Msg{"_msgid": "abc", "topic": "sensors/livingroom/temp", "payload": map[string]any{
		"temperature": 21.5, "humidity": 40.0, "battery": 98.0, "tags": []any{"a", "b", "c"},
		"meta": map[string]any{"device": "esp32-1", "rssi": -60.0, "fw": "1.2.3"},
	}}
	for b.Loop() {
		_ = m.Clone()
	}
}

func BenchmarkChain10(b *testing.B) {
	h := enginetest.New(b, testTypes()...)
	flow := `[`
	for i := range 10 {
		next := fmt.Sprintf("p%d", i+1)
		if i == 9 {
			next = "o"
		}
		flow += fmt.Sprintf(`{"id":"p%d","type":"pass","z":"t","wires":[["%s"]]},`, i, next)
	}
	flow += `{"id":"o","type":"helper","z":"t"}]`
	h.Deploy(flow)
	n := 0
	for b.Loop() {
		h.Send("p0", engine.Msg{"payload": 1.0})
		n++
	}
	h.Wait("o", n, time.Minute)
	b.ReportMetric(float64(n*10)/b.Elapsed().Seconds(), "hops/s")
}

// at returns the value at path p of m (nil when missing).
func at(m engine.Msg, p string) any {
	v, _ := engine.MustPath(p).Get(m)
	return v
}
