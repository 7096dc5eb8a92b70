package nodes_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes"
)

// TestEnvTypedValues: env typed inputs, ${VAR} properties, env.get and
// JSONata's $env give a tab env entry with its type. The expected values
// were observed in Node-RED 4.1.15 running this flow (process env PROC=7).
func TestEnvTypedValues(t *testing.T) {
	h := enginetest.NewWith(t, enginetest.Options{Env: func(name string) (string, bool) {
		if name == "PROC" {
			return "7", true
		}
		return "", false
	}}, nodes.All()...)
	h.Deploy(`[{"id":"t1","type":"tab","label":"T","env":[{"name":"N","type":"num","value":"42"},{"name":"B","type":"bool","value":"true"},
			{"name":"J","type":"json","value":"{\"a\":1,\"b\":[2]}"},{"name":"S","type":"str","value":"txt"}]},
		{"id":"i1","type":"inject","z":"t1","props":[{"p":"payload"},{"p":"n","v":"N","vt":"env"},{"p":"b","v":"B","vt":"env"},{"p":"j","v":"J","vt":"env"},
			{"p":"mix","v":"x${N}y","vt":"env"},{"p":"s","v":"S","vt":"env"},{"p":"u","v":"UNSET","vt":"env"}],"payload":"N","payloadType":"env","x":1,"y":1,"wires":[["o1","fn1","ch1"]]},
		{"id":"fn1","type":"function","z":"t1","func":"msg.payload=[typeof env.get('N'), env.get('J'), env.get('B'), typeof env.get('PROC')];return msg;","outputs":1,"x":1,"y":1,"wires":[["o2"]]},
		{"id":"ch1","type":"change","z":"t1","rules":[{"t":"set","p":"payload","pt":"msg","to":"$env('N')","tot":"jsonata"},{"t":"set","p":"j","pt":"msg","to":"$env('J')","tot":"jsonata"},
			{"t":"set","p":"prop","pt":"msg","to":"${N}","tot":"str"}],"x":1,"y":1,"wires":[["o3"]]},
		{"id":"o1","type":"helper","z":"t1"},{"id":"o2","type":"helper","z":"t1"},{"id":"o3","type":"helper","z":"t1"}]`)
	node, _ := h.E.Node("i1")
	if err := node.(engine.Injector).Inject(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got, ok := h.WaitAll(map[string]int{"o1": 1, "o2": 1, "o3": 1}, wait)
	if !ok {
		t.Fatalf("timed out: %v", got)
	}
	j := engine.ObjectOf("a", 1.0, "b", []any{2.0})
	base := func(extra ...any) engine.Msg {
		o := engine.Msg{}
		kv := []any{"payload", 42.0, "n", 42.0, "b", true, "j", j, "mix", "x42y", "s", "txt", "u", ""}
		kv = append(kv, extra...)
		for i := 0; i < len(kv); i += 2 {
			o[kv[i].(string)] = kv[i+1]
		}
		return o
	}
	for _, tc := range []struct {
		out  string
		want engine.Msg
	}{
		{"o1", base()},
		{"o2", base("payload", []any{"number", j, true, "string"})},
		{"o3", base("prop", 42.0)},
	} {
		m := got[tc.out][0]
		delete(m, "_msgid")
		if diff := cmp.Diff(tc.want, m, enginetest.OrderedObjects()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.out, diff)
		}
	}
}

// TestJSONataParent: in Node-RED, $parent is no JSONata function but the
// `$parent.` prefix of a context key or env name, which JSONata reaches
// through $flowContext and $env: inside a subflow, the flow around it.
func TestJSONataParent(t *testing.T) {
	stores := engine.NewMemoryStores()
	h := enginetest.NewWith(t, enginetest.Options{Stores: stores}, nodes.All()...)
	h.Deploy(`[{"id":"t","type":"tab","label":"Main","env":[{"name":"X","type":"num","value":"1"}]},
		{"id":"S","type":"subflow","name":"Sub","in":[{"wires":[{"id":"c"}]}],"out":[{"wires":[{"id":"c","port":0}]}],
		 "env":[{"name":"X","type":"num","value":"2"}]},
		{"id":"c","type":"change","z":"S","x":1,"y":1,"rules":[
			{"t":"set","p":"payload","pt":"msg","to":"[$flowContext('$parent.k'), $env('X'), $env('$parent.X')]","tot":"jsonata"}],"wires":[[]]},
		{"id":"i","type":"subflow:S","z":"t","x":1,"y":1,"wires":[["o"]]},
		{"id":"o","type":"helper","z":"t"}]`)
	if err := engine.NewContext(stores, "t").Set("", "k", "tab value"); err != nil {
		t.Fatal(err)
	}
	h.E.Deliver("i", engine.Msg{"_msgid": "1"})
	got := h.Wait("o", 1, wait)[0]["payload"]
	if diff := cmp.Diff([]any{"tab value", 2.0, 1.0}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestThrownErrorInSidebar: a function's thrown Error reaches a catch node's
// message as msg._error, which the debug sidebar shows as an encoded error,
// as Node-RED 4.1.15 did for this flow.
func TestThrownErrorInSidebar(t *testing.T) {
	h := enginetest.New(t, nodes.All()...)
	h.Deploy(`[{"id":"t1","type":"tab","label":"T"},
		{"id":"fn","type":"function","z":"t1","name":"fn","func":"throw new Error('boom')","outputs":1,"x":1,"y":1,"wires":[[]]},
		{"id":"c1","type":"catch","z":"t1","scope":null,"uncaught":false,"x":1,"y":1,"wires":[["d1","o"]]},
		{"id":"d1","type":"debug","z":"t1","active":true,"tosidebar":true,"complete":"true","targetType":"full","x":1,"y":1,"wires":[]},
		{"id":"o","type":"helper","z":"t1"}]`)
	h.Send("fn", engine.Msg{"payload": "x"})
	h.Wait("o", 1, wait)
	var shown string
	for _, e := range h.Events() {
		if d, ok := e.Data.(map[string]any); ok && e.Topic == "debug" && d["id"] == "d1" {
			shown, _ = d["msg"].(string)
		}
	}
	v, err := engine.DecodeJSON([]byte(shown))
	if err != nil {
		t.Fatalf("debug msg %q: %v", shown, err)
	}
	o, _ := engine.AsObject(v)
	enc, _ := engine.AsObject(o.Value("_error"))
	if enc == nil {
		t.Fatalf("no _error in %s", shown)
	}
	data, _ := engine.AsObject(enc.Value("data"))
	if data != nil {
		data.Delete("stack") // the JavaScript engine's
	}
	want := engine.ObjectOf("__enc__", true, "type", "error", "data", engine.ObjectOf("name", "Error", "message", "boom"))
	if diff := cmp.Diff(want, enc, enginetest.OrderedObjects()); diff != "" {
		t.Errorf("msg._error in the sidebar (-Node-RED +got):\n%s", diff)
	}
}
