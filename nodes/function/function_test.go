package function

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/common"
)

// TestAbsentPropertiesConstruct: a function-category node imported without
// its properties constructs, as Node-RED's; the registry-wide contract
// (nodes.TestRegistryContract) covers the defaults.
func TestAbsentPropertiesConstruct(t *testing.T) {
	for _, ty := range Types() {
		t.Run(ty.Spec.Type, func(t *testing.T) {
			if _, err := ty.New(config(ty.Spec.Type, map[string]any{}), &engine.Resources{}); err != nil {
				t.Errorf("absent properties do not construct: %v", err)
			}
		})
	}
}

// TestFunctionFixtures replays the fixtures captured from Node-RED 4 (most
// flows route errors through a catch node, from the common category).
func TestFunctionFixtures(t *testing.T) {
	enginetest.ReplayFixtures(t, "../../testdata/nodered/function/*.json", append(Types(), common.Types()...)...)
}

func fnProps(src string, extra map[string]any) map[string]any {
	p := map[string]any{"type": "function", "name": "", "func": src, "outputs": 1, "timeout": 0, "noerr": 0, "initialize": "", "finalize": "", "libs": []any{}}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func TestFunctionDeployErrors(t *testing.T) {
	tests := []struct {
		name, field, want string
		props             map[string]any
	}{
		{"syntax error in body", "func", "SyntaxError: Unexpected token ; (line 2, col 12)", fnProps("var a = 1;\nreturn foo(;", nil)},
		{"syntax error in initialize", "initialize", "(line 1,", fnProps("return msg;", map[string]any{"initialize": "var = 2;"})},
		{"syntax error in finalize", "finalize", "SyntaxError", fnProps("return msg;", map[string]any{"finalize": "}"})},
		{"libs refused", "libs", `module "moment" (var moment) is not supported`, fnProps("return msg;", map[string]any{"libs": []any{map[string]any{"var": "moment", "module": "moment"}}})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newFunction(config("function", tc.props), &engine.Resources{})
			fes := engine.FieldErrors(err)
			if len(fes) != 1 || fes[0].Field != tc.field || !strings.Contains(fes[0].Reason, tc.want) {
				t.Fatalf("got %v, want one error on %s containing %q", err, tc.field, tc.want)
			}
		})
	}
}

func TestFunctionTimeoutInterruptsAndRecovers(t *testing.T) {
	h := enginetest.New(t, Types()...)
	h.Deploy(flowOf(fnProps("if (msg.payload === 'loop') { while (true) {} }\nreturn msg;", map[string]any{"timeout": 0.05}), 1))
	h.Send("n1", engine.Msg{"payload": "loop"})
	h.Send("n1", engine.Msg{"payload": "ok"})
	got := h.Wait("out0", 1, 5*time.Second)
	if len(got) != 1 || got[0]["payload"] != "ok" {
		t.Fatalf("after the interrupted run got %v", got)
	}
	errs := h.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0], "Error: Script execution timed out after 50ms") {
		t.Fatalf("errors %q", errs)
	}
}

func TestFunctionBadMessagesAreNodeErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"function value", "msg.f = function() {};\nreturn msg;", "cannot send a function at f"},
		{"cyclic object", "msg.self = msg;\nreturn msg;", "cannot send a cyclic object at self"},
		{"deep nesting", "var o = {}; var p = o; for (var i = 0; i < 400; i++) { p.x = {}; p = p.x; }\nmsg.o = o;\nreturn msg;", "nested deeper than 256"},
		{"stack overflow", "function f() { return f(); }\nreturn f();", "RangeError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, fnProps(tc.src, nil), 1, func(t *testing.T, h *enginetest.Harness) {
				sendAll(h, engine.Msg{"payload": 1})
				if got := h.Collected()["out0"]; len(got) != 0 {
					t.Errorf("sent %v", got)
				}
				errs := h.Errors()
				if len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
					t.Errorf("errors %q, want %q", errs, tc.want)
				}
			})
		})
	}
}

func TestFunctionTimersAndClose(t *testing.T) {
	bubble(t, fnProps("var n = 0;\nvar id = setInterval(function() { n++; node.send({payload: n}); if (n === 3) { clearInterval(id); } }, 100);\nsetTimeout(function() { node.status({text: 'late'}); }, 10000);\nnode.status({fill: 'green', text: 'started'});\nnode.on('close', function() { flow.set('closed', true); });\nreturn null;",
		map[string]any{"finalize": "global.set('fin', 'done');"}), 1, func(t *testing.T, h *enginetest.Harness) {
		sendAll(h, engine.Msg{"payload": 0})
		time.Sleep(time.Second)
		synctest.Wait()
		if got, want := payloads(h, 1), [][]any{{1.0, 2.0, 3.0}}; !cmp.Equal(got, want) {
			t.Errorf("interval sent %v, want %v", got, want)
		}
		h.Deploy([]any{map[string]any{"id": "f1", "type": "tab"}})
		time.Sleep(20 * time.Second)
		synctest.Wait()
		sts := statuses(h)
		if want := []engine.Status{{Fill: "green", Text: "started"}, {}}; !cmp.Equal(sts, want) {
			t.Errorf("statuses %v, want %v (the 10 s timer must be cleared on close)", sts, want)
		}
	})
}

func TestFunctionContextStoreArgument(t *testing.T) {
	stores := &engine.Stores{Default: "memory", ByName: map[string]engine.ContextStore{"memory": engine.NewMemoryStore(), "file": engine.NewMemoryStore()}}
	bubbleWith(t, enginetest.Options{Stores: stores}, fnProps("flow.set('k', 'mem');\nflow.set('k', 'disk', 'file');\nvar cbv;\nflow.get('k', 'file', function(err, v) { cbv = v; });\nmsg.payload = [flow.get('k'), flow.get('k', 'file'), cbv, flow.keys('file')];\ntry { flow.get('k', 'nope'); } catch (e) { msg.err = String(e); }\nreturn msg;", nil), 1, func(t *testing.T, h *enginetest.Harness) {
		sendAll(h, engine.Msg{"payload": 0})
		got := h.Collected()["out0"]
		if len(got) != 1 {
			t.Fatalf("got %v", got)
		}
		if want := []any{"mem", "disk", "disk", []any{"k"}}; !cmp.Equal(got[0]["payload"], want) {
			t.Errorf("payload %v, want %v", got[0]["payload"], want)
		}
		if e, _ := got[0]["err"].(string); !strings.Contains(e, "unknown context store") {
			t.Errorf("unknown store gave %q", e)
		}
	})
}

func TestFunctionBuffersAndOpaqueValues(t *testing.T) {
	type handle struct{ n int }
	hd := &handle{7}
	bubble(t, fnProps("msg.s = msg.payload.toString();\nmsg.n = msg.payload.readUInt16BE(0);\nmsg.payload = Buffer.concat([msg.payload, Buffer.from('!')]);\nreturn msg;", nil), 1, func(t *testing.T, h *enginetest.Harness) {
		sendAll(h, engine.Msg{"payload": []byte("AB"), "res": hd})
		got := h.Collected()["out0"]
		if len(got) != 1 {
			t.Fatalf("got %v", got)
		}
		m := got[0]
		if !cmp.Equal(m["payload"], []byte("AB!")) || m["s"] != "AB" || m["n"] != 0x4142*1.0 || m["res"] != hd {
			t.Errorf("got %#v", m)
		}
	})
}

// TestFunctionMessageSemantics checks that the message a script gets (converted
// lazily, see jsvm.MsgToJS) behaves as a plain object.
func TestFunctionMessageSemantics(t *testing.T) {
	in := func() engine.Msg {
		return engine.Msg{"payload": []any{1.0, 2.0, 3.0}, "topic": "t", "obj": engine.ObjectOf("a", 1.0)}
	}
	tests := []struct {
		name, src string
		want      [][]map[string]any
	}{
		{"object keys", "msg.payload = Object.keys(msg).filter(k => k !== '_msgid').sort();\nreturn msg;",
			[][]map[string]any{{{"payload": []any{"obj", "payload", "topic"}, "topic": "t", "obj": engine.ObjectOf("a", 1.0)}}}},
		{"for in, entries and values", "var n = 0; for (var k in msg) { n++; }\nreturn {payload: [n, Object.entries(msg).length, Object.values(msg).includes('t')]};",
			[][]map[string]any{{{"payload": []any{4.0, 4.0, true}}}}},
		{"JSON.stringify", "var o = JSON.parse(JSON.stringify(msg));\nreturn {payload: [o.topic, o.obj.a, o.payload.length, typeof o._msgid]};",
			[][]map[string]any{{{"payload": []any{"t", 1.0, 3.0, "string"}}}}},
		{"delete", "delete msg.obj;\nmsg.payload = ['obj' in msg, msg.obj === undefined, Object.keys(msg).includes('obj')];\nreturn msg;",
			[][]map[string]any{{{"payload": []any{false, true, false}, "topic": "t"}}}},
		{"delete then set again", "delete msg.topic;\nmsg.topic = 'y';\nreturn msg;",
			[][]map[string]any{{{"payload": []any{1.0, 2.0, 3.0}, "topic": "y", "obj": engine.ObjectOf("a", 1.0)}}}},
		{"array map", "msg.payload = msg.payload.map(x => x * 2);\nreturn msg;",
			[][]map[string]any{{{"payload": []any{2.0, 4.0, 6.0}, "topic": "t", "obj": engine.ObjectOf("a", 1.0)}}}},
		{"array push and length", "msg.payload.push(4);\nmsg.n = msg.payload.length;\nmsg.isArray = Array.isArray(msg.payload);\nreturn msg;",
			[][]map[string]any{{{"payload": []any{1.0, 2.0, 3.0, 4.0}, "n": 4.0, "isArray": true, "topic": "t", "obj": engine.ObjectOf("a", 1.0)}}}},
		{"nested object changed through a reference", "var o = msg.obj;\no.b = 2;\nmsg.same = msg.obj === o;\nreturn msg;",
			[][]map[string]any{{{"payload": []any{1.0, 2.0, 3.0}, "topic": "t", "obj": engine.ObjectOf("a", 1.0, "b", 2.0), "same": true}}}},
		{"spread into a new object", "return {...msg, extra: 1};",
			[][]map[string]any{{{"payload": []any{1.0, 2.0, 3.0}, "topic": "t", "obj": engine.ObjectOf("a", 1.0), "extra": 1.0}}}},
		{"Object.assign", "Object.assign(msg, {topic: 'u', x: 1});\nreturn msg;",
			[][]map[string]any{{{"payload": []any{1.0, 2.0, 3.0}, "topic": "u", "x": 1.0, "obj": engine.ObjectOf("a", 1.0)}}}},
		{"new object returned", "return {payload: msg.topic};",
			[][]map[string]any{{{"payload": "t"}}}},
		{"undefined property kept in keys, dropped when sent", "msg.topic = undefined;\nmsg.payload = [Object.keys(msg).includes('topic'), 'topic' in msg, msg.hasOwnProperty('topic'), msg.hasOwnProperty('nope')];\nreturn msg;",
			[][]map[string]any{{{"payload": []any{true, true, true, false}, "obj": engine.ObjectOf("a", 1.0)}}}},
		{"cloneMessage is a deep copy", "var c = RED.util.cloneMessage(msg);\nc.obj.a = 2;\nc.payload.push(9);\nreturn [[msg, c]];",
			[][]map[string]any{{{"payload": []any{1.0, 2.0, 3.0}, "topic": "t", "obj": engine.ObjectOf("a", 1.0)}, {"payload": []any{1.0, 2.0, 3.0, 9.0}, "topic": "t", "obj": engine.ObjectOf("a", 2.0)}}}},
		{"send then change", "node.send(msg);\nmsg.obj.a = 5;\nmsg.topic = 'x';\nreturn msg;",
			[][]map[string]any{{{"payload": []any{1.0, 2.0, 3.0}, "topic": "t", "obj": engine.ObjectOf("a", 1.0)}, {"payload": []any{1.0, 2.0, 3.0}, "topic": "x", "obj": engine.ObjectOf("a", 5.0)}}}},
		{"get and set message property", "RED.util.setMessageProperty(msg, 'obj.c', 3);\nRED.util.setMessageProperty(msg, 'topic', undefined);\nmsg.payload = RED.util.getMessageProperty(msg, 'msg.obj.a');\nreturn msg;",
			[][]map[string]any{{{"payload": 1.0, "obj": engine.ObjectOf("a", 1.0, "c", 3.0)}}}},
		{"node properties", "msg.payload = [typeof node.send, typeof node.done, typeof node.warn, node.id];\nvar s = node.send;\nreturn msg;",
			[][]map[string]any{{{"payload": []any{"function", "function", "function", "n1"}, "topic": "t", "obj": engine.ObjectOf("a", 1.0)}}}},
		{"detached node.send", "var s = node.send;\n[1, 2].forEach(p => s({payload: p}));\nreturn null;",
			[][]map[string]any{{{"payload": 1.0}, {"payload": 2.0}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, fnProps(tc.src, nil), 1, func(t *testing.T, h *enginetest.Harness) {
				sendAll(h, in())
				if errs := h.Errors(); len(errs) != 0 {
					t.Fatalf("errors %q", errs)
				}
				if got := outputs(h, 1); !cmp.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		})
	}
}

// TestFunctionSameMessageTwiceIsCopied checks that a message sent twice (and
// kept by a timer) does not share values with what was sent.
func TestFunctionSameMessageTwiceIsCopied(t *testing.T) {
	bubble(t, fnProps("setTimeout(function() { msg.obj.a = 7; node.send(msg); }, 10);\nreturn [[msg, msg]];", nil), 1, func(t *testing.T, h *enginetest.Harness) {
		sendAll(h, engine.Msg{"obj": engine.ObjectOf("a", 1.0), "list": []any{"x"}})
		time.Sleep(time.Second)
		synctest.Wait()
		got := h.Collected()["out0"]
		if len(got) != 3 {
			t.Fatalf("got %v", got)
		}
		for i, m := range got {
			want := 1.0
			if i == 2 {
				want = 7.0
			}
			if a := m["obj"].(*engine.Object).Value("a"); a != want {
				t.Errorf("message %d: obj.a %v, want %v", i, a, want)
			}
		}
		got[0]["obj"].(*engine.Object).Set("a", 100.0)
		got[0]["list"].([]any)[0] = "changed"
		if got[1]["obj"].(*engine.Object).Value("a") != 1.0 || got[1]["list"].([]any)[0] != "x" {
			t.Errorf("the two copies share values: %v", got[1])
		}
	})
}

// benchChain measures messages through a chain of hops nodes of one type.
func benchChain(b *testing.B, typ string, props map[string]any, hops int) {
	benchChainOf(b, typ, props, hops, func() engine.Msg { return engine.Msg{"payload": 1.0, "topic": "t"} })
}

// benchChainOf is benchChain sending the messages mk makes.
func benchChainOf(b *testing.B, typ string, props map[string]any, hops int, mk func() engine.Msg) {
	h := enginetest.New(b, Types()...)
	flow := []any{map[string]any{"id": "f1", "type": "tab"}, map[string]any{"id": "out0", "type": enginetest.HelperType, "z": "f1", "wires": []any{}}}
	for i := 1; i <= hops; i++ {
		next := fmt.Sprintf("n%d", i+1)
		if i == hops {
			next = "out0"
		}
		n := map[string]any{"id": fmt.Sprintf("n%d", i), "type": typ, "z": "f1", "wires": []any{[]any{next}}}
		for k, v := range props {
			n[k] = v
		}
		flow = append(flow, n)
	}
	h.Deploy(flow)
	b.ReportAllocs()
	sent := 0
	for b.Loop() {
		h.Send("n1", mk())
		sent++
		if sent%1000 == 0 && !h.WaitCount("out0", sent, time.Minute) {
			b.Fatalf("%d messages sent, not all arrived", sent)
		}
	}
	if !h.WaitCount("out0", sent, time.Minute) {
		b.Fatalf("%d messages sent, not all arrived", sent)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(sent*hops), "ns/hop")
}

// BenchmarkFunctionNode is one function node doing msg.payload + 1.
func BenchmarkFunctionNode(b *testing.B) {
	benchChain(b, "function", fnProps("msg.payload = msg.payload + 1;\nreturn msg;", nil), 1)
}

// BenchmarkObjectPayload is one node handling an object payload: a
// function node reading its keys (the object converted both ways) and a
// change node doing the same with JSONata.
func BenchmarkObjectPayload(b *testing.B) {
	mk := func() engine.Msg {
		return engine.Msg{"topic": "t", "payload": engine.ObjectOf("name", "bob", "age", 42.0, "tags", []any{"a", "b"},
			"addr", engine.ObjectOf("city", "x", "zip", "1"))}
	}
	b.Run("function", func(b *testing.B) {
		benchChainOf(b, "function", fnProps("msg.payload.n = Object.keys(msg.payload).length;\nreturn msg;", nil), 1, mk)
	})
	b.Run("change-jsonata", func(b *testing.B) {
		benchChainOf(b, "change", map[string]any{"rules": []any{map[string]any{"t": "set", "p": "payload.n", "pt": "msg", "to": "$count($keys(payload))", "tot": "jsonata"}}}, 1, mk)
	})
}

// BenchmarkHops compares a 10-node chain of function nodes with the same
// chain of change nodes (set msg.payload to a number).
func BenchmarkHops(b *testing.B) {
	b.Run("function", func(b *testing.B) {
		benchChain(b, "function", fnProps("msg.payload = msg.payload + 1;\nreturn msg;", nil), 10)
	})
	b.Run("change", func(b *testing.B) {
		benchChain(b, "change", map[string]any{"rules": []any{map[string]any{"t": "set", "p": "payload", "pt": "msg", "to": "2", "tot": "num"}}}, 10)
	})
}

// TestFunctionNodeArgument checks that a body gets its node object however
// it reaches it (bodies that cannot reach it get none), and that a body
// without it runs the same.
func TestFunctionNodeArgument(t *testing.T) {
	tests := []struct{ name, src string }{
		{"no node", "msg.payload += 1;\nreturn msg;"},
		{"node by name", "node.send({payload: msg.payload + 1});\nreturn null;"},
		{"node through arguments", "arguments[1].send({payload: msg.payload + 1});\nreturn null;"},
		{"node through eval", "eval('node').send({payload: msg.payload + 1});\nreturn null;"},
		{"array of one output", "msg.payload += 1;\nreturn [msg];"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, fnProps(tc.src, nil), 1, func(t *testing.T, h *enginetest.Harness) {
				sendAll(h, engine.Msg{"payload": 1.0}, engine.Msg{"payload": 2.0})
				if got := payloads(h, 1); !reflect.DeepEqual(got, [][]any{{2.0, 3.0}}) {
					t.Errorf("got %v, want [[2 3]]", got)
				}
			})
		})
	}
}
