package common

import (
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

func TestComplete(t *testing.T) {
	tests := []struct {
		name  string
		scope string
		send  string
		want  []any // payloads completed
	}{
		{name: "watched node", scope: `["j"]`, send: "j", want: []any{"x"}},
		{name: "other node", scope: `["j"]`, send: "k"},
		{name: "empty scope", scope: `[]`, send: "j"},
		{name: "failing node does not complete", scope: `["f"]`, send: "f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.Deploy(`[{"id":"j","type":"junction","z":"t","wires":[["o"]]},{"id":"k","type":"junction","z":"t","wires":[["o"]]},
					{"id":"f","type":"fail","z":"t"},{"id":"o","type":"helper","z":"t"},
					{"id":"c","type":"complete","z":"t","scope":` + tt.scope + `,"wires":[["done"]]},{"id":"done","type":"helper","z":"t"}]`)
				h.Send(tt.send, engine.Msg{"payload": "x"})
				synctest.Wait()
				var got []any
				for _, m := range h.Collected()["done"] {
					got = append(got, m["payload"])
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestCompleteScope(t *testing.T) {
	tests := []struct {
		name, props string
		want        []string
		field       string
	}{
		{name: "list", props: `{"scope":["a","b"]}`, want: []string{"a", "b"}},
		{name: "own wire target dropped", props: `{"scope":["a","b"],"wires":[["a"]]}`, want: []string{"b"}},
		{name: "absent", props: `{}`},
		{name: "not a list", props: `{"scope":"a"}`, field: "scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := newComplete(config(t, "complete", tt.props), &engine.Resources{})
			if tt.field != "" {
				if fes := engine.FieldErrors(err); len(fes) != 1 || fes[0].Field != tt.field {
					t.Fatalf("errors = %v, want one on %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, n.(*complete).CompleteScope()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
