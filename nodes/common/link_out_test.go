package common

import (
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

func TestLinkFixtures(t *testing.T) {
	enginetest.ReplayFixtures(t, "../../testdata/nodered/link/*.json", append(Types(), testTypes()...)...)
}

func TestLinkOutToLinkIn(t *testing.T) {
	tests := []struct {
		name string
		flow string
		want map[string][]engine.Msg
	}{
		{
			name: "across flows",
			flow: `[{"id":"lo","type":"link out","z":"a","mode":"link","links":["li"]},
				{"id":"li","type":"link in","z":"b","links":["lo"],"wires":[["o"]]},{"id":"o","type":"helper","z":"b"}]`,
			want: map[string][]engine.Msg{"o": {{"payload": "x", "_event": "node:lo"}}},
		},
		{
			name: "mode defaults to link",
			flow: `[{"id":"lo","type":"link out","z":"a","links":["li"]},
				{"id":"li","type":"link in","z":"a","wires":[["o"]]},{"id":"o","type":"helper","z":"a"}]`,
			want: map[string][]engine.Msg{"o": {{"payload": "x", "_event": "node:lo"}}},
		},
		{
			name: "two targets get copies",
			flow: `[{"id":"lo","type":"link out","z":"a","links":["l1","l2"]},
				{"id":"l1","type":"link in","z":"a","wires":[["o1"]]},{"id":"l2","type":"link in","z":"a","wires":[["o2"]]},
				{"id":"o1","type":"helper","z":"a"},{"id":"o2","type":"helper","z":"a"}]`,
			want: map[string][]engine.Msg{"o1": {{"payload": "x", "_event": "node:lo"}}, "o2": {{"payload": "x", "_event": "node:lo"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.Deploy(tt.flow)
			h.Send("lo", engine.Msg{"payload": "x"})
			counts := map[string]int{}
			for id, msgs := range tt.want {
				counts[id] = len(msgs)
			}
			got, ok := h.WaitAll(counts, wait)
			if !ok {
				t.Fatalf("timeout: %v", got)
			}
			for id := range got {
				for _, m := range got[id] {
					delete(m, "_msgid")
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got["o1"] != nil && reflect.ValueOf(got["o1"][0]).UnsafePointer() == reflect.ValueOf(got["o2"][0]).UnsafePointer() {
				t.Error("targets share one message")
			}
		})
	}
}

func TestLinkOutReturnWithoutCallWarns(t *testing.T) {
	for _, in := range []engine.Msg{
		{"payload": 1.0},
		{"payload": 1.0, "_linkSource": []any{}},
		{"payload": 1.0, "_linkSource": []any{map[string]any{"id": "e1", "node": "gone"}}},
	} {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t)
			h.Deploy(`[{"id":"lo","type":"link out","z":"f","name":"back","mode":"return","links":[]}]`)
			h.Send("lo", in)
			synctest.Wait()
			want := []map[string]any{{
				"level": 30, "id": "lo", "type": "link out", "name": "back", "z": "f", "path": "f",
				"msg": "Missing return node information", "format": "string[31]",
				"timestamp": float64(time.Now().UnixMilli()), // Node-RED's log adds it
			}}
			if diff := cmp.Diff(want, debugEvents(h)); diff != "" {
				t.Errorf("input %v: warning (-want +got):\n%s", in, diff)
			}
		})
	}
}

func TestLinkOutBadMode(t *testing.T) {
	fes := deployErr(t, `[{"id":"n1","type":"link out","z":"f","mode":"sideways"}]`)
	if len(fes) != 1 || fes[0].Field != "mode" {
		t.Errorf("errors = %v, want one on mode", fes)
	}
}
