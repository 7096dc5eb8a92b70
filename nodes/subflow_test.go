package nodes_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes"
)

const wait = 5 * time.Second

// subflowS: in → change (payload = env X, topic = env NR_NODE_PATH) → out 0.
const subflowS = `
	{"id":"S","type":"subflow","name":"Sub","in":[{"x":0,"y":0,"wires":[{"id":"sc"}]}],"out":[{"x":0,"y":0,"wires":[{"id":"sc","port":0}]}],
	 "env":[{"name":"X","type":"str","value":"default"},{"name":"Y","type":"num","value":"7"}]},
	{"id":"sc","type":"change","z":"S","x":1,"y":1,"rules":[
		{"t":"set","p":"payload","pt":"msg","to":"X","tot":"env"},
		{"t":"set","p":"topic","pt":"msg","to":"NR_NODE_PATH","tot":"env"},
		{"t":"set","p":"sub","pt":"msg","to":"${NR_SUBFLOW_NAME}/${NR_FLOW_NAME}/${Y}","tot":"env"}],"wires":[[]]}`

func TestSubflowEnvPerInstance(t *testing.T) {
	h := enginetest.New(t, nodes.All()...)
	h.Deploy(`[{"id":"t","type":"tab","label":"Main"},` + subflowS + `,
		{"id":"i1","type":"subflow:S","z":"t","name":"first","x":1,"y":1,"env":[{"name":"X","type":"str","value":"one"}],"wires":[["o1"]]},
		{"id":"i2","type":"subflow:S","z":"t","name":"second","x":1,"y":1,"wires":[["o2"]]},
		{"id":"o1","type":"helper","z":"t"},{"id":"o2","type":"helper","z":"t"}]`)
	h.Send("i1", engine.Msg{"payload": "x"})
	h.Send("i2", engine.Msg{"payload": "x"})
	got, ok := h.WaitAll(map[string]int{"o1": 1, "o2": 1}, wait)
	if !ok {
		t.Fatalf("timed out: %v", got)
	}
	for _, tc := range []struct {
		out  string
		want engine.Msg
	}{
		{"o1", engine.Msg{"payload": "one", "topic": "t/i1/sc", "sub": "first/Main/7"}},
		{"o2", engine.Msg{"payload": "default", "topic": "t/i2/sc", "sub": "second/Main/7"}},
	} {
		m := got[tc.out][0]
		delete(m, "_msgid")
		if diff := cmp.Diff(tc.want, m); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.out, diff)
		}
	}
}

func TestSubflowNested(t *testing.T) {
	h := enginetest.New(t, nodes.All()...)
	h.Deploy(`[{"id":"t","type":"tab","label":"Main"},` + subflowS + `,
		{"id":"N","type":"subflow","name":"Outer","in":[{"wires":[{"id":"ni"}]}],"out":[{"wires":[{"id":"ni","port":0}]}],
		 "env":[{"name":"X","type":"env","value":"OUTER_X"}]},
		{"id":"ni","type":"subflow:S","z":"N","name":"inner","x":1,"y":1,"wires":[[]]},
		{"id":"n1","type":"subflow:N","z":"t","x":1,"y":1,"env":[{"name":"OUTER_X","type":"str","value":"from outer"}],"wires":[["o"]]},
		{"id":"o","type":"helper","z":"t"}]`)
	h.Send("n1", engine.Msg{"payload": "x"})
	m := h.Wait("o", 1, wait)[0]
	delete(m, "_msgid")
	// the inner instance's own X (definition default) wins over the outer's
	want := engine.Msg{"payload": "default", "topic": "t/n1/ni/sc", "sub": "inner/Main/7"}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSubflowEnvTypes(t *testing.T) {
	h := enginetest.New(t, nodes.All()...)
	h.Deploy(`[{"id":"t","type":"tab","label":"Main","env":[{"name":"TABV","type":"str","value":"tab"}]},
		{"id":"S","type":"subflow","name":"Sub","in":[{"wires":[{"id":"f"}]}],"out":[{"wires":[{"id":"f","port":0}]}],
		 "env":[{"name":"N","type":"num","value":"42"},{"name":"B","type":"bool","value":"true"},{"name":"J","type":"json","value":"{\"a\":[1]}"},
		        {"name":"E","type":"env","value":"TABV"},{"name":"TABV","type":"env","value":"TABV"},{"name":"T","type":"env","value":"${N}-${TABV}"}]},
		{"id":"f","type":"function","z":"S","x":1,"y":1,"func":"msg.payload = [env.get('N'), env.get('B'), env.get('J'), env.get('E'), env.get('TABV'), env.get('T'), flow.get('$parent.k')]; return msg;","outputs":1,"wires":[[]]},
		{"id":"i","type":"subflow:S","z":"t","x":1,"y":1,"wires":[["o"]]},
		{"id":"o","type":"helper","z":"t"}]`)
	if err := h.E.Deliver("i", engine.Msg{"_msgid": "1"}); !err {
		t.Fatal("not delivered")
	}
	m := h.Wait("o", 1, wait)[0]
	// env.get gives each entry with its type, as Node-RED. E names TABV of
	// the same list, which env entries read before it is evaluated (its raw
	// value), as Node-RED's evaluateEnvProperties.
	want := []any{42.0, true, engine.ObjectOf("a", []any{1.0}), "TABV", "tab", "42-tab", nil}
	if diff := cmp.Diff(want, m["payload"], enginetest.OrderedObjects()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSubflowCatch(t *testing.T) {
	const def = `{"id":"S","type":"subflow","name":"Sub","in":[{"wires":[{"id":"bad"}]}],"out":[{"wires":[{"id":"c","port":0}]}]},
		{"id":"bad","type":"function","z":"S","name":"thrower","x":1,"y":1,"func":"throw new Error('boom')","outputs":1,"wires":[[]]}`
	for _, tc := range []struct {
		name        string
		insideCatch string
		out         string
		source      string
	}{
		{"caught inside", `,{"id":"c","type":"catch","z":"S","x":1,"y":1,"scope":null,"wires":[[]]}`, "o", "i-bad"},
		{"caught outside", ``, "caught", "i-bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := enginetest.New(t, nodes.All()...)
			h.Deploy(`[{"id":"t","type":"tab"},` + def + tc.insideCatch + `,
				{"id":"i","type":"subflow:S","z":"t","x":1,"y":1,"wires":[["o"]]},
				{"id":"o","type":"helper","z":"t"},
				{"id":"tc","type":"catch","z":"t","scope":["i"],"wires":[["caught"]]},
				{"id":"caught","type":"helper","z":"t"}]`)
			h.Send("i", engine.Msg{"payload": 1})
			m := h.Wait(tc.out, 1, wait)[0]
			src, _ := engine.MustPath("error.source").Get(m)
			o, _ := src.(*engine.Object)
			if o.Value("id") != tc.source || o.Value("name") != "thrower" {
				t.Errorf("source = %v", src)
			}
			h.Settle(time.Second)
			other := map[string]string{"o": "caught", "caught": "o"}[tc.out]
			if n := len(h.Collected()[other]); n != 0 {
				t.Errorf("%s got %d messages, want 0", other, n)
			}
		})
	}
}

func TestSubflowStatus(t *testing.T) {
	const inner = `{"id":"f","type":"function","z":"S","name":"fn","x":1,"y":1,"func":"node.status({fill:'green',shape:'dot',text:msg.payload}); return msg;","outputs":1,"wires":[[]]}`
	for _, tc := range []struct {
		name   string
		status string // the definition's status port
		extra  string
		want   *engine.Object
	}{
		{"no status output: inner status reaches the tab", ``, `,` + inner,
			engine.ObjectOf("fill", "green", "shape", "dot", "text", "hi", "source", engine.ObjectOf("id", "i-f", "type", "function", "name", "fn"))},
		{"status output: the instance's status", `,"status":{"wires":[{"id":"sc","port":0}]}`, `,` + inner + `,
			{"id":"st","type":"status","z":"S","x":1,"y":1,"scope":["f"],"wires":[["sc"]]},
			{"id":"sc","type":"change","z":"S","x":1,"y":1,"rules":[{"t":"set","p":"payload","pt":"msg","to":"status.text","tot":"msg"}],"wires":[[]]}`,
			engine.ObjectOf("text", "hi", "source", engine.ObjectOf("id", "i", "type", "subflow:S", "name", "inst"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := enginetest.New(t, nodes.All()...)
			h.Deploy(`[{"id":"t","type":"tab"},
				{"id":"S","type":"subflow","name":"Sub","in":[{"wires":[{"id":"f"}]}],"out":[]` + tc.status + `}` + tc.extra + `,
				{"id":"i","type":"subflow:S","z":"t","name":"inst","x":1,"y":1,"wires":[]},
				{"id":"ts","type":"status","z":"t","scope":null,"wires":[["o"]]},
				{"id":"o","type":"helper","z":"t"}]`)
			h.Send("i", engine.Msg{"payload": "hi"})
			m := h.Wait("o", 1, wait)[0]
			if diff := cmp.Diff(tc.want, m["status"]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSubflowParentContext(t *testing.T) {
	stores := engine.NewMemoryStores()
	h := enginetest.NewWith(t, enginetest.Options{Stores: stores}, nodes.All()...)
	h.Deploy(`[{"id":"t","type":"tab"},
		{"id":"S","type":"subflow","name":"Sub","in":[{"wires":[{"id":"sc"}]}],"out":[{"wires":[{"id":"sc","port":0}]}]},
		{"id":"sc","type":"change","z":"S","x":1,"y":1,"rules":[
			{"t":"set","p":"$parent.fromSub","pt":"flow","to":"payload","tot":"msg"},
			{"t":"set","p":"own","pt":"flow","to":"payload","tot":"msg"},
			{"t":"set","p":"tabval","pt":"msg","to":"$parent.tabv","tot":"flow"},
			{"t":"set","p":"glob","pt":"msg","to":"$parent.$parent.g","tot":"flow"}],"wires":[[]]},
		{"id":"i","type":"subflow:S","z":"t","x":1,"y":1,"wires":[["tc"]]},
		{"id":"tc","type":"change","z":"t","rules":[
			{"t":"set","p":"seen","pt":"msg","to":"fromSub","tot":"flow"},
			{"t":"set","p":"own","pt":"msg","to":"own","tot":"flow"},
			{"t":"set","p":"glob2","pt":"msg","to":"$parent.g","tot":"flow"}],"wires":[["o"]]},
		{"id":"o","type":"helper","z":"t"}]`)
	if err := engine.NewContext(stores, "t").Set("", "tabv", "tab value"); err != nil {
		t.Fatal(err)
	}
	if err := engine.NewContext(stores, "global").Set("", "g", "global value"); err != nil {
		t.Fatal(err)
	}
	h.Send("i", engine.Msg{"payload": "p"})
	m := h.Wait("o", 1, wait)[0]
	delete(m, "_msgid")
	want := engine.Msg{"payload": "p", "tabval": "tab value", "glob": "global value", "seen": "p", "glob2": "global value"}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if v, _ := engine.NewContext(stores, "i").Get("", "own"); v != "p" {
		t.Errorf("instance flow context own = %v, want p", v)
	}
}

func TestSubflowDeployChangedDefinition(t *testing.T) {
	flow := func(value string) string {
		return `[{"id":"t","type":"tab"},
		{"id":"S","type":"subflow","name":"Sub","in":[{"wires":[{"id":"sc"}]}],"out":[{"wires":[{"id":"sc","port":0}]}]},
		{"id":"sc","type":"change","z":"S","x":1,"y":1,"rules":[{"t":"set","p":"payload","pt":"msg","to":"` + value + `","tot":"str"}],"wires":[[]]},
		{"id":"i","type":"subflow:S","z":"t","x":1,"y":1,"wires":[["o"]]},
		{"id":"o","type":"helper","z":"t"}]`
	}
	for _, mode := range []engine.DeployMode{engine.DeployFull, engine.DeployFlows, engine.DeployNodes} {
		t.Run(string(mode), func(t *testing.T) {
			h := enginetest.New(t, nodes.All()...)
			h.Deploy(flow("before"))
			h.Send("i", engine.Msg{})
			if got := h.Wait("o", 1, wait)[0]["payload"]; got != "before" {
				t.Fatalf("payload = %v", got)
			}
			if _, err := h.TryDeploy(flow("after"), mode); err != nil {
				t.Fatal(err)
			}
			h.Send("i", engine.Msg{})
			if got := h.Wait("o", 2, wait)[1]["payload"]; got != "after" {
				t.Errorf("payload after deploy = %v, want after", got)
			}
		})
	}
}

func TestSubflowFixtures(t *testing.T) {
	enginetest.ReplayFixtures(t, "../testdata/nodered/subflow/*.json", nodes.All()...)
}
