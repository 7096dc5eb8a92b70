package engine_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// journal records the Remove and Close calls of remover nodes, in order.
type journal struct {
	mu     sync.Mutex
	events []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	j.events = append(j.events, s)
	j.mu.Unlock()
}

func (j *journal) take() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	ev := j.events
	j.events = nil
	return ev
}

// remover records its Remove and Close; its Remove also records whether
// the config node it names (prop "uses") is still running.
type remover struct {
	id, uses string
	res      *engine.Resources
	j        *journal
}

func (r *remover) Remove(context.Context) error {
	s := "remove " + r.id
	if r.uses != "" {
		if n, ok := r.res.Lookup(r.uses); ok && !n.(*remover).closed() {
			s += " (" + r.uses + " running)"
		}
	}
	r.j.add(s)
	return nil
}

func (r *remover) Close(context.Context) error {
	r.j.add("close " + r.id)
	return nil
}

func (r *remover) closed() bool {
	r.j.mu.Lock()
	defer r.j.mu.Unlock()
	for _, e := range r.j.events {
		if e == "close "+r.id {
			return true
		}
	}
	return false
}

// A node the deploy deletes or disables is told so (Remove) before any
// node is closed, flow nodes before the config nodes they use; a node
// redeployed, changed, or stopped with the flows is never told.
func TestRemoverTellsDeletionFromRedeploy(t *testing.T) {
	j := &journal{}
	typ := engine.Type{Spec: engine.Spec{Type: "remover"}, New: func(c *engine.Config, res *engine.Resources) (engine.Node, error) {
		return &remover{id: c.ID, uses: c.Reader().String("uses", ""), res: res, j: j}, nil
	}}
	h := enginetest.New(t, append(testTypes(), typ)...)
	const all = `[{"id":"t","type":"tab"},{"id":"cfg","type":"remover"},{"id":"a","type":"remover","z":"t","uses":"cfg"},{"id":"b","type":"remover","z":"t","uses":"cfg"}]`
	removed := func(t *testing.T, events []string) []string {
		t.Helper()
		var rm []string
		closes := false
		for _, e := range events {
			if e[:6] == "close " {
				closes = true
			} else if closes {
				t.Errorf("%q after a close: %v", e, events)
			} else {
				rm = append(rm, e)
			}
		}
		return rm
	}
	h.Deploy(all)
	j.take()
	steps := []struct {
		name string
		flow string
		mode engine.DeployMode
		want []string
	}{
		{"full redeploy of the same flow", all, engine.DeployFull, nil},
		{"a changed", `[{"id":"t","type":"tab"},{"id":"cfg","type":"remover"},{"id":"a","type":"remover","z":"t","uses":"cfg","name":"x"},{"id":"b","type":"remover","z":"t","uses":"cfg"}]`, engine.DeployNodes, nil},
		{"b deleted", `[{"id":"t","type":"tab"},{"id":"cfg","type":"remover"},{"id":"a","type":"remover","z":"t","uses":"cfg"}]`, engine.DeployNodes, []string{"remove b (cfg running)"}},
		{"b back, a disabled", `[{"id":"t","type":"tab"},{"id":"cfg","type":"remover"},{"id":"a","type":"remover","z":"t","uses":"cfg","d":true},{"id":"b","type":"remover","z":"t","uses":"cfg"}]`, engine.DeployFull, []string{"remove a (cfg running)"}},
		{"tab disabled", `[{"id":"t","type":"tab","disabled":true},{"id":"cfg","type":"remover"},{"id":"a","type":"remover","z":"t","uses":"cfg"},{"id":"b","type":"remover","z":"t","uses":"cfg"}]`, engine.DeployFlows, []string{"remove b (cfg running)"}},
		{"all back", all, engine.DeployFull, nil},
		{"everything deleted", `[]`, engine.DeployFull, []string{"remove a (cfg running)", "remove b (cfg running)", "remove cfg"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if _, err := h.TryDeploy(s.flow, s.mode); err != nil {
				t.Fatal(err)
			}
			got := removed(t, j.take())
			if len(got) == 3 && got[0] > got[1] {
				got[0], got[1] = got[1], got[0] // a and b are removed in parallel
			}
			if diff := cmp.Diff(s.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("stop", func(t *testing.T) {
		h.Deploy(all)
		j.take()
		h.E.Stop(context.Background())
		if got := removed(t, j.take()); got != nil {
			t.Errorf("stopping the flows removed %v", got)
		}
	})
}
