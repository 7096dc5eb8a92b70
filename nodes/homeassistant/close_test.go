package homeassistant

import (
	"testing"

	"github.com/flowgate/flowgate/nodes/internal/shutdown/shutdowntest"
)

// Close of ha-device returns by its deadline when a goroutine it waits
// for (a timer's callback) is stuck.
func TestDeviceCloseBoundedWhenStuck(t *testing.T) {
	h := newHarness(t)
	h.Deploy(flow("127.0.0.1:1", entityNodes[1]))
	n, ok := h.E.Node("dev")
	if !ok {
		t.Fatal("no ha-device node")
	}
	d := n.(*haDevice)
	shutdowntest.CloseBounded(t, &d.wg, d.Close)
}
