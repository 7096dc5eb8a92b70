package jsonata_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/common"
	"github.com/flowgate/flowgate/nodes/function"
	"github.com/flowgate/flowgate/nodes/sequence"
)

// TestDeployErrors checks that a JSONata syntax error in any node that takes
// JSONata is a deploy error naming the node, the field and the position.
func TestDeployErrors(t *testing.T) {
	tests := []struct {
		name, node, field, position string
	}{
		{"change rule", `{"type":"change","rules":[{"t":"set","p":"payload","pt":"msg","to":"1 +","tot":"jsonata"}]}`, "rules", "at position 3"},
		{"switch property", `{"type":"switch","property":"payload.(","propertyType":"jsonata","rules":[]}`, "property", "at position 9"},
		{"switch rule", `{"type":"switch","rules":[{"t":"jsonata_exp","v":"payload >","vt":"jsonata"}]}`, "rules", "at position 9"},
		{"inject prop", `{"type":"inject","props":[{"p":"payload","v":"$now(","vt":"jsonata"}]}`, "payload", "at position 5"},
		{"sort key", `{"type":"sort","targetType":"msg","msgKeyType":"jsonata","msgKey":"age +"}`, "msgKey", "at position 5"},
		{"join reduce exp", `{"type":"join","mode":"reduce","reduceExp":"$A +","reduceInit":"0","reduceInitType":"num"}`, "reduceExp", "at position 4"},
		{"join reduce fixup", `{"type":"join","mode":"reduce","reduceExp":"$A","reduceFixup":"$A /"}`, "reduceFixup", "at position 4"},
		{"join reduce init", `{"type":"join","mode":"reduce","reduceExp":"$A","reduceInit":"[1,","reduceInitType":"jsonata"}`, "reduceInit", "at position 3"},
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
			_, err := h.TryDeploy([]any{map[string]any{"id": "f", "type": "tab"}, n}, engine.DeployFull)
			fes := engine.FieldErrors(err)
			if len(fes) != 1 || fes[0].Node != "n1" || fes[0].Field != tt.field || !strings.Contains(fes[0].Reason, tt.position) {
				t.Fatalf("got %v, want one error on %s %s", err, tt.field, tt.position)
			}
		})
	}
}
