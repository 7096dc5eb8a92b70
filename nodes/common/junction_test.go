package common

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

func TestJunctionPassesThroughInOrder(t *testing.T) {
	h := newHarness(t)
	h.Deploy(`[{"id":"j","type":"junction","z":"t","wires":[["o","o2"]]},{"id":"o","type":"helper","z":"t"},{"id":"o2","type":"helper","z":"t"}]`)
	in := []engine.Msg{{"payload": 1.0, "topic": "a"}, {"payload": map[string]any{"b": true}}, {"payload": []byte{1, 2}}}
	for _, m := range in {
		h.Send("j", m.Clone())
	}
	got, ok := h.WaitAll(map[string]int{"o": len(in), "o2": len(in)}, wait)
	if !ok {
		t.Fatalf("timeout: %v", got)
	}
	for _, id := range []string{"o", "o2"} {
		for _, m := range got[id] {
			delete(m, "_msgid")
		}
		if diff := cmp.Diff(in, got[id]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", id, diff)
		}
	}
}
