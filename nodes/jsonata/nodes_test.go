package jsonata_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/common"
	"github.com/flowgate/flowgate/nodes/function"
	"github.com/flowgate/flowgate/nodes/sequence"
)

// TestDeployWarnings checks that a JSONata syntax error in any node that takes
// JSONata is a deploy warning naming the node, the field and the position,
// and that the node reports it as Node-RED's does: stopped, or (perMessage)
// failing each message.
func TestDeployWarnings(t *testing.T) {
	tests := []struct {
		name, node, field, position string
		perMessage                  bool
	}{
		{"change rule", `{"type":"change","rules":[{"t":"set","p":"payload","pt":"msg","to":"1 +","tot":"jsonata"}]}`, "rules", "at position 3", false},
		{"switch property", `{"type":"switch","property":"payload.(","propertyType":"jsonata","rules":[]}`, "property", "at position 9", false},
		{"switch rule", `{"type":"switch","rules":[{"t":"jsonata_exp","v":"payload >","vt":"jsonata"}]}`, "rules", "at position 9", false},
		{"inject prop", `{"type":"inject","props":[{"p":"payload","v":"$now(","vt":"jsonata"}]}`, "payload", "at position 5", true},
		{"sort key", `{"type":"sort","targetType":"msg","msgKeyType":"jsonata","msgKey":"age +"}`, "msgKey", "at position 5", false},
		{"join reduce exp", `{"type":"join","mode":"reduce","reduceExp":"$A +","reduceInit":"0","reduceInitType":"num"}`, "reduceExp", "at position 4", false},
		{"join reduce fixup", `{"type":"join","mode":"reduce","reduceExp":"$A","reduceFixup":"$A /"}`, "reduceFixup", "at position 4", false},
		{"join reduce init", `{"type":"join","mode":"reduce","reduceExp":"$A","reduceInit":"[1,","reduceInitType":"jsonata"}`, "reduceInit", "at position 3", false},
	}
	types := append(append(common.Types(), function.Types()...), sequence.Types()...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := enginetest.New(t, types...)
			var n map[string]any
			if err := json.Unmarshal([]byte(tt.node), &n); err != nil {
				t.Fatal(err)
			}
			n["id"], n["z"], n["wires"] = "n1", "f", []any{}
			w := h.Deploy([]any{map[string]any{"id": "f", "type": "tab"}, n})
			if len(w) != 1 || w[0].Node != "n1" || w[0].Field != tt.field || !strings.Contains(w[0].Reason, tt.position) {
				t.Fatalf("deploy warnings %v, want one on %s %s", w, tt.field, tt.position)
			}
			if !tt.perMessage {
				if !h.Inert("n1") {
					t.Errorf("node runs, status %+v: want it stopped, its problem shown", h.E.Statuses()["n1"])
				}
				return
			}
			if st := h.E.Statuses()["n1"]; st.Fill != "red" {
				t.Errorf("status %+v, want the problem in red", st)
			}
			node, _ := h.E.Node("n1")
			if err := node.(engine.Injector).Inject(context.Background(), nil); err != nil {
				t.Fatalf("inject: %v", err)
			}
			if !h.Settle(5 * time.Second) {
				t.Fatal("engine did not settle")
			}
			if errs := h.Errors(); len(errs) != 1 || !strings.Contains(errs[0], tt.position) {
				t.Errorf("errors %q, want the problem reported for the message", errs)
			}
		})
	}
}
