package common

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

func TestLinkIn(t *testing.T) {
	tests := []struct {
		name string
		flow string
		send string
	}{
		{
			name: "forwards what it receives",
			flow: `[{"id":"li","type":"link in","z":"a","links":[],"wires":[["o"]]},{"id":"o","type":"helper","z":"a"}]`,
			send: "li",
		},
		{
			name: "joined by the link out's list",
			flow: `[{"id":"lo","type":"link out","z":"a","mode":"link","links":["li"]},
				{"id":"li","type":"link in","z":"a","links":[],"wires":[["o"]]},{"id":"o","type":"helper","z":"a"}]`,
			send: "lo",
		},
		{
			name: "joined by its own list only",
			flow: `[{"id":"lo","type":"link out","z":"a","mode":"link","links":[]},
				{"id":"li","type":"link in","z":"b","links":["lo"],"wires":[["o"]]},{"id":"o","type":"helper","z":"b"}]`,
			send: "lo",
		},
		{
			name: "both ends listed: one copy",
			flow: `[{"id":"lo","type":"link out","z":"a","mode":"link","links":["li"]},
				{"id":"li","type":"link in","z":"a","links":["lo"],"wires":[["o"]]},{"id":"o","type":"helper","z":"a"}]`,
			send: "lo",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.Deploy(tt.flow)
			h.Send(tt.send, engine.Msg{"payload": "x"})
			got := h.Wait("o", 1, wait)
			if got[0]["payload"] != "x" {
				t.Errorf("got %v", got[0])
			}
			h.Send(tt.send, engine.Msg{"payload": "y"})
			if got := h.Wait("o", 2, wait); len(got) != 2 {
				t.Errorf("got %d messages, want exactly 2: %v", len(got), got)
			}
		})
	}
}
