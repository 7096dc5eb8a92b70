package network

import (
	"fmt"
	"testing"

	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/internal/shutdown/shutdowntest"
)

// Close of udp in and of the websocket client returns by its deadline
// when a goroutine it waits for is stuck.
func TestCloseBoundedWhenStuck(t *testing.T) {
	t.Run("udp in", func(t *testing.T) {
		h := enginetest.New(t, Types()...)
		h.Deploy(udpFlow(map[string]any{"port": fmt.Sprint(freeUDPPort(t)), "datatype": "utf8", "iface": "", "multicast": "false", "ipv": "udp4"}, map[string]any{}))
		n, _ := h.E.Node("in1")
		u := n.(*udpInNode)
		shutdowntest.CloseBounded(t, &u.wg, u.Close)
	})
	t.Run("websocket client", func(t *testing.T) {
		h := enginetest.New(t, Types()...)
		h.Deploy([]any{
			map[string]any{"id": "f1", "type": "tab"},
			map[string]any{"id": "c1", "type": "websocket-client", "path": "ws://127.0.0.1:1/x", "wholemsg": "false"},
		})
		n, ok := h.E.Node("c1")
		if !ok {
			t.Fatal("no websocket-client node")
		}
		c := n.(*wsClient)
		shutdowntest.CloseBounded(t, &c.loop, c.Close)
	})
}
