package homeassistant

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
)

// TestStateAndCommands: input messages set the retained state; Home
// Assistant's commands leave the node (and are echoed as state when set).
func TestStateAndCommands(t *testing.T) {
	addr := startBroker(t)
	ha := newHomeAssistant(t, addr)
	h := newHarness(t)
	h.Deploy(flow(addr, entityNodes...))
	for _, id := range []string{"sw", "btn", "num", "lt"} {
		waitStatus(t, h, id, "connected")
	}
	// announced (after the claim round trip): what follows is the flow's
	for _, c := range []string{"switch/dev/sw", "sensor/dev/sen", "binary_sensor/dev/bin", "button/dev/btn", "number/dev/num", "light/dev/lt"} {
		ha.next("homeassistant/" + c + "/config")
	}
	ha.drain()
	t.Run("state", func(t *testing.T) {
		for _, tc := range []struct {
			name, node string
			payload    any
			want       string
		}{
			{"switch true", "sw", true, "ON"},
			{"switch off text", "sw", "off", "OFF"},
			{"switch number", "sw", 1.0, "ON"},
			{"sensor number", "sen", 21.25, "21.25"},
			{"sensor text", "sen", "high", "high"},
			{"sensor object", "sen", engine.ObjectOf("a", 1.0), `{"a":1}`},
			{"sensor object keeps key order", "sen", engine.ObjectOf("z", 1.0, "a", "<b>"), `{"z":1,"a":"<b>"}`},
			{"binary sensor", "bin", false, "OFF"},
			{"number", "num", "12.5", "12.5"},
			{"light on", "lt", true, `{"state":"ON"}`},
			{"light brightness", "lt", 128.0, `{"state":"ON","brightness":128,"color_mode":"brightness"}`},
			{"light off keeps brightness", "lt", "OFF", `{"state":"OFF","brightness":128,"color_mode":"brightness"}`},
			{"light object", "lt", engine.ObjectOf("state", "on", "brightness", 3.0), `{"state":"ON","brightness":3,"color_mode":"brightness"}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h.Send(tc.node, engine.Msg{"payload": tc.payload})
				if p, _ := ha.next("flowgate/dev/" + tc.node + "/state"); p != tc.want {
					t.Errorf("state %q, want %q", p, tc.want)
				}
			})
		}
	})
	t.Run("retained", func(t *testing.T) {
		if p, r := newHomeAssistant(t, addr).next("flowgate/dev/lt/state"); !r || p == "" {
			t.Errorf("state %q retained %v", p, r)
		}
	})
	t.Run("attributes", func(t *testing.T) {
		h.Send("sen", engine.Msg{"payload": 20.0, "attributes": engine.ObjectOf("room", "kitchen", "floor", 1.0)})
		if p, _ := ha.next("flowgate/dev/sen/attributes"); p != `{"room":"kitchen","floor":1}` {
			t.Errorf("attributes %q", p)
		}
	})
	t.Run("bad state", func(t *testing.T) {
		before := len(h.Errors())
		h.Send("sw", engine.Msg{"payload": "maybe"})
		deadline := time.Now().Add(2 * time.Second)
		for len(h.Errors()) == before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if errs := h.Errors(); len(errs) == before || errs[len(errs)-1] != "invalid state: maybe" {
			t.Errorf("errors %v", errs)
		}
	})
	t.Run("commands", func(t *testing.T) {
		for _, tc := range []struct {
			name, node, payload string
			want                any
			echo                string // the state published in answer, "" for none
		}{
			{"switch on", "sw", "ON", true, "ON"},
			{"switch off", "sw", "OFF", false, "OFF"},
			{"button", "btn", "PRESS", "PRESS", ""},
			{"number", "num", "17.5", 17.5, ""},
			{"light", "lt", `{"state":"ON","brightness":200}`, engine.ObjectOf("state", "ON", "brightness", 200.0), `{"state":"ON","brightness":200,"color_mode":"brightness"}`},
			{"light keeps key order", "lt", `{"brightness":100,"state":"ON"}`, engine.ObjectOf("brightness", 100.0, "state", "ON"), `{"state":"ON","brightness":100,"color_mode":"brightness"}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h.Reset()
				topic := "flowgate/dev/" + tc.node + "/set"
				ha.publish(topic, false, tc.payload)
				msgs := h.Wait("out", 1, 5*time.Second)
				if len(msgs) != 1 {
					t.Fatalf("got %d messages", len(msgs))
				}
				if diff := cmp.Diff(tc.want, msgs[0]["payload"], enginetest.OrderedObjects()); diff != "" {
					t.Errorf("payload (-want +got):\n%s", diff)
				}
				if msgs[0]["topic"] != topic {
					t.Errorf("topic %v", msgs[0]["topic"])
				}
				if tc.echo != "" {
					if p, _ := ha.next("flowgate/dev/" + tc.node + "/state"); p != tc.echo {
						t.Errorf("echoed state %q, want %q", p, tc.echo)
					}
				}
			})
		}
	})
	t.Run("no echo", func(t *testing.T) {
		ha.publish("flowgate/dev/num/set", false, "9")
		ha.none("flowgate/dev/num/state", 300*time.Millisecond)
	})
}

// TestConfigErrors: a node whose configuration is unusable deploys, as in
// Node-RED, with a warning on the field, and stays stopped showing why.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, flow, node, field string }{
		{"entity without device", `[{"id":"t","type":"tab"},{"id":"s","z":"t","type":"ha-switch","device":""}]`, "s", "device"},
		{"device without broker", `[{"id":"d","type":"ha-device","name":"x","broker":""}]`, "d", "broker"},
		{"device without name", `[{"id":"d","type":"ha-device","name":"","broker":"b"}]`, "d", "name"},
		{"number max below min", `[{"id":"t","type":"tab"},{"id":"n","z":"t","type":"ha-number","device":"d","min":10,"max":1}]`, "n", "max"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			w := h.Deploy(tc.flow)
			if len(w) != 1 || w[0].Node != tc.node || w[0].Field != tc.field {
				t.Fatalf("deploy warnings %v, want one on %s %s", w, tc.node, tc.field)
			}
			if !h.Inert(tc.node) {
				t.Errorf("node %s runs, status %+v: want it stopped, its problem shown", tc.node, h.E.Statuses()[tc.node])
			}
		})
	}
}
