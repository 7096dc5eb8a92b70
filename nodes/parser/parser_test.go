package parser

import (
	"encoding/json"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

type obj = map[string]any

// knownFixtureGaps are Node-RED fixtures that cannot pass for a reason
// outside these nodes.
var knownFixtureGaps = map[string]string{
	"invalid-yaml-error": "error text: js-yaml's messages quote the source with a caret; Flowgate reports go-yaml's parser message",
	"invalid-xml-error":  "error text: sax's line/column/char trailer is not reproduced for every fault",
}

func TestNodeREDFixtures(t *testing.T) {
	for _, typ := range []string{"json", "csv", "yaml", "xml"} {
		t.Run(typ, func(t *testing.T) {
			enginetest.ReplayFixturesExcept(t, "../../testdata/nodered/"+typ+"/*.json", knownFixtureGaps, Types()...)
		})
	}
}

// construct builds a node of typ from props and returns the constructor's error.
func construct(t *testing.T, typ string, props obj) error {
	t.Helper()
	cfg := &engine.Config{ID: "n1", Type: typ, Props: map[string]json.RawMessage{}}
	for k, v := range props {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Props[k] = raw
	}
	for _, tt := range Types() {
		if tt.Spec.Type == typ {
			_, err := tt.New(cfg, &engine.Resources{})
			return err
		}
	}
	t.Fatalf("no type %s", typ)
	return nil
}

// result is what one input produced: the messages sent and the errors.
type result struct {
	msgs []any
	errs []string
}

// run deploys a node of typ with props wired to a collector, sends the
// inputs one by one and returns, per input, what came out.
func run(t *testing.T, typ string, props obj, inputs ...engine.Msg) []result {
	t.Helper()
	n := obj{"id": "n1", "type": typ, "z": "f1", "wires": []any{[]any{"out"}}}
	for k, v := range props {
		n[k] = v
	}
	f := []any{obj{"id": "f1", "type": "tab"}, n, obj{"id": "out", "type": enginetest.HelperType, "z": "f1", "wires": []any{}}}
	var out []result
	synctest.Test(t, func(t *testing.T) {
		h := enginetest.New(t, Types()...)
		h.Deploy(f)
		for _, m := range inputs {
			h.Reset()
			h.Send("n1", m)
			synctest.Wait()
			var r result
			for _, m := range h.Collected()["out"] {
				r.msgs = append(r.msgs, jsonForm(m))
			}
			r.errs = h.Errors()
			out = append(out, r)
		}
	})
	return out
}

// jsonForm is a message as JSON values (objects ordered), without _msgid.
func jsonForm(m engine.Msg) any {
	s, err := engine.JSONString(m, "")
	if err != nil {
		panic(err)
	}
	v, err := engine.DecodeJSON([]byte(s))
	if err != nil {
		panic(err)
	}
	v.(*engine.Object).Delete("_msgid")
	return v
}

// jsonValue is v as JSON values (numbers float64, objects ordered, buffers
// in Node's form).
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	s, err := engine.JSONString(v, "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.DecodeJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diff compares want and got as JSON values, key order included (a Go map
// in want stands for its keys in sorted order).
func diff(t *testing.T, want, got any) {
	t.Helper()
	if d := cmp.Diff(jsonValue(t, want), jsonValue(t, got), enginetest.OrderedObjects()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
