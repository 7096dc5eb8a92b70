package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// gate blocks in Handle until released, reporting each entry.
type gate struct {
	entered chan struct{}
	release chan struct{}
}

func (g *gate) Handle(ctx context.Context, _ engine.Msg, _ *engine.Output) error {
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
	}
	return nil
}

// A node slower than its input: with MaxQueue its queue stops growing and the
// extra messages are dropped, counted, never silently.
func TestMaxQueueDropsAndCounts(t *testing.T) {
	g := &gate{entered: make(chan struct{}, 100), release: make(chan struct{})}
	reg, err := engine.NewRegistry(engine.Type{
		Spec: engine.Spec{Type: "slow", Inputs: 1},
		New:  func(*engine.Config, *engine.Resources) (engine.Node, error) { return g, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(reg, engine.Options{MaxQueue: 5})
	graph, err := engine.NewGraphJSON([]byte(`[{"id":"s","type":"slow","z":"t"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(t.Context(), graph, engine.DeployFull, nil); err != nil {
		t.Fatal(err)
	}
	defer e.Stop(context.Background())
	e.Deliver("s", engine.NewMsg())
	<-g.entered // the first message is being handled; the queue is empty
	accepted := 0
	for range 19 {
		if e.Deliver("s", engine.NewMsg()) {
			accepted++
		}
	}
	if accepted != 5 {
		t.Errorf("accepted %d messages into a queue of 5", accepted)
	}
	if got := e.Stats().Dropped; got != 14 {
		t.Errorf("dropped = %d, want 14", got)
	}
	close(g.release)
	for range 5 {
		select {
		case <-g.entered:
		case <-time.After(5 * time.Second):
			t.Fatal("queued messages were not handled")
		}
	}
}
