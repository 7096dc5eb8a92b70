package common

import (
	"testing"

	"github.com/flowgate/flowgate/engine"
)

func TestComment(t *testing.T) {
	tests := []struct {
		name, props string
		field       string
	}{
		{name: "note", props: `{"name":"read me","info":"# Title\n\ntext"}`},
		{name: "empty", props: `{}`},
		{name: "bad info", props: `{"info":{"a":1}}`, field: "info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := newComment(config(t, "comment", tt.props), &engine.Resources{})
			if tt.field != "" {
				if fes := engine.FieldErrors(err); len(fes) != 1 || fes[0].Field != tt.field {
					t.Fatalf("errors = %v, want one on %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := n.(engine.Handler); ok {
				t.Error("a comment handles messages")
			}
		})
	}
}

func TestCommentInFlowIsInert(t *testing.T) {
	h := newHarness(t)
	h.Deploy(`[{"id":"c","type":"comment","z":"t","name":"note","info":"x"},{"id":"j","type":"junction","z":"t","wires":[["o"]]},{"id":"o","type":"helper","z":"t"}]`)
	if h.E.Deliver("c", engine.Msg{"payload": 1.0}) {
		t.Error("a comment accepted a message")
	}
	h.Send("j", engine.Msg{"payload": 1.0})
	h.Wait("o", 1, wait)
}
