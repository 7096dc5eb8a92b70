package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// announcer sends a message from its Start (as an mqtt in does with the
// retained messages of the embedded broker).
type announcer struct{ res *engine.Resources }

func (a *announcer) Start(context.Context) error {
	a.res.Send(0, engine.Msg{"payload": "hello"})
	return nil
}

func (a *announcer) Handle(context.Context, engine.Msg, *engine.Output) error { return nil }

// slowStarter takes a while to start and notes whether a message came
// before its Start ended.
type slowStarter struct{ started, early atomic.Bool }

func (s *slowStarter) Start(context.Context) error {
	time.Sleep(50 * time.Millisecond) // a start doing I/O: the announcer's message waits
	s.started.Store(true)
	return nil
}

func (s *slowStarter) Handle(_ context.Context, m engine.Msg, out *engine.Output) error {
	if !s.started.Load() {
		s.early.Store(true)
	}
	out.Send(0, m)
	return nil
}

// A message sent from a node's Start reaches the nodes of the deploy once
// every one of them has started, as Node-RED delivers it after every
// node's constructor.
func TestSendFromStartWaitsForEveryStart(t *testing.T) {
	var starters []*slowStarter
	types := []engine.Type{
		{Spec: engine.Spec{Type: "announcer", Outputs: 1}, New: func(_ *engine.Config, res *engine.Resources) (engine.Node, error) {
			return &announcer{res: res}, nil
		}},
		{Spec: engine.Spec{Type: "slow", Inputs: 1, Outputs: 1}, New: func(*engine.Config, *engine.Resources) (engine.Node, error) {
			s := new(slowStarter)
			starters = append(starters, s)
			return s, nil
		}},
	}
	h := enginetest.New(t, types...)
	for _, mode := range []engine.DeployMode{engine.DeployFull, engine.DeployNodes} {
		starters = nil
		h.Reset()
		if _, err := h.TryDeploy(`[{"id":"a","type":"announcer","z":"t","name":"`+string(mode)+`","wires":[["s"]]},{"id":"s","type":"slow","z":"t","name":"`+string(mode)+`","wires":[["o"]]},{"id":"o","type":"helper","z":"t"}]`, mode); err != nil {
			t.Fatal(err)
		}
		h.Wait("o", 1, 5*time.Second)
		for _, s := range starters {
			if s.early.Load() {
				t.Errorf("%s deploy: a message reached a node before its Start", mode)
			}
		}
	}
}
