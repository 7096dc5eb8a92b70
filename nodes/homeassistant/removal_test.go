package homeassistant

import (
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/flowgate/flowgate/engine"
)

// retained returns every retained message the broker holds under
// homeassistant/ and flowgate/, as a new subscriber (Home Assistant
// starting) gets them.
func retained(t *testing.T, addr string) map[string]string {
	t.Helper()
	ha := newHomeAssistant(t, addr)
	defer ha.c.Disconnect(0)
	got := map[string]string{}
	for {
		select {
		case m := <-ha.ch:
			if m.Retained() {
				got[m.Topic()] = string(m.Payload())
			}
		case <-time.After(300 * time.Millisecond):
			return got
		}
	}
}

// watch collects what Home Assistant receives on discovery config topics,
// in order, as "topic payload" ("topic -" for a removal).
func (ha *homeAssistant) watch(d time.Duration) []string {
	var got []string
	deadline := time.After(d)
	for {
		select {
		case m := <-ha.ch:
			got = append(got, configEvent(m))
		case <-deadline:
			return got
		}
	}
}

func configEvent(m paho.Message) string {
	if len(m.Payload()) == 0 {
		return m.Topic() + " -"
	}
	return m.Topic() + " config"
}

// removals returns the topics of events that are removals.
func removals(events []string) []string {
	var r []string
	for _, e := range events {
		if topic, ok := strings.CutSuffix(e, " -"); ok {
			r = append(r, topic)
		}
	}
	return r
}

// A redeploy (full, nodes, flows) keeps every config; deleting an entity
// removes its config, state and attributes at once; deleting the device
// removes every one of its entities and its availability: nothing of it
// stays retained. On the embedded broker and on mosquitto.
func TestDeleteRemovesRedeployKeeps(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		ha := newHomeAssistant(t, addr)
		h := newHarness(t)
		h.Deploy(flow(addr, entityNodes...))
		ha.next("homeassistant/light/dev/lt/config")
		h.Send("sen", engine.Msg{"payload": 20.5, "attributes": map[string]any{"room": "hall"}})
		ha.next("flowgate/dev/sen/attributes")
		ha.drain()

		for _, mode := range []engine.DeployMode{engine.DeployFull, engine.DeployNodes, engine.DeployFlows, engine.DeployFull} {
			if _, err := h.TryDeploy(flow(addr, entityNodes...), mode); err != nil {
				t.Fatal(err)
			}
		}
		if r := removals(ha.watch(time.Second)); r != nil {
			t.Errorf("redeploys removed %v", r)
		}
		if got := retained(t, addr)["homeassistant/sensor/dev/sen/config"]; got == "" {
			t.Error("sensor config not retained after redeploys")
		}

		// the sensor is deleted: gone before the deploy returns
		if _, err := h.TryDeploy(flow(addr, append([]string{}, entityNodes[0], entityNodes[2], entityNodes[3], entityNodes[4], entityNodes[5])...), engine.DeployNodes); err != nil {
			t.Fatal(err)
		}
		ret := retained(t, addr)
		for _, topic := range []string{"homeassistant/sensor/dev/sen/config", "flowgate/dev/sen/state", "flowgate/dev/sen/attributes"} {
			if v, ok := ret[topic]; ok {
				t.Errorf("deleted sensor: %s still retained %q", topic, v)
			}
		}
		if ret["homeassistant/switch/dev/sw/config"] == "" {
			t.Error("the switch went with the sensor")
		}

		// the device and its entities are deleted, the broker stays
		ha.drain()
		if _, err := h.TryDeploy(`[{"id":"t","type":"tab"},`+brokerNode(addr)+`]`, engine.DeployFull); err != nil {
			t.Fatal(err)
		}
		if ret := retained(t, addr); len(ret) != 0 {
			t.Errorf("deleted device: still retained %v", ret)
		}
		if errs := h.Errors(); len(errs) != 0 {
			t.Errorf("errors: %v", errs)
		}
	})
}

// Deleting everything (device, entities and the broker connection at
// once) leaves nothing retained; so does deleting the device alone while
// its entity nodes stay (they lose their device).
func TestDeleteDeviceWithItsBroker(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		for _, tc := range []struct{ name, after string }{
			{"everything", `[]`},
			{"device alone", `[{"id":"t","type":"tab"},` + brokerNode(addr) + `,` + entityNodes[0] + `,` + entityNodes[1] + `]`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := newHarness(t)
				h.Deploy(flow(addr, entityNodes[0], entityNodes[1]))
				waitStatus(t, h, "sw", "connected")
				h.Send("sw", engine.Msg{"payload": true})
				for range 50 {
					if retained(t, addr)["flowgate/dev/sw/state"] == "ON" {
						break
					}
				}
				if _, err := h.TryDeploy(tc.after, engine.DeployFull); err != nil {
					t.Fatal(err)
				}
				if ret := retained(t, addr); len(ret) != 0 {
					t.Errorf("still retained %v", ret)
				}
				h.E.Stop(t.Context())
			})
		}
	})
}

// An entity moved to another device: its old config (same unique_id) is
// removed before the new one is announced, or Home Assistant would ignore
// the new one; in a nodes deploy (the old device keeps running) and in a
// full one (everything restarts).
func TestMovedEntityRemovedFirst(t *testing.T) {
	const dev2 = `{"id":"dev2","type":"ha-device","name":"Shed","discovery":"entity","broker":"b"}`
	on := func(dev string) string {
		return strings.Replace(entityNodes[0], `"device":"dev"`, `"device":"`+dev+`"`, 1)
	}
	forBrokers(t, func(t *testing.T, addr string) {
		for _, mode := range []engine.DeployMode{engine.DeployNodes, engine.DeployFull} {
			t.Run(string(mode), func(t *testing.T) {
				ha := newHomeAssistant(t, addr)
				h := newHarness(t)
				h.Deploy(flow(addr, dev2, on("dev")))
				ha.next("homeassistant/switch/dev/sw/config")
				for _, step := range []struct{ from, to string }{{"dev", "dev2"}, {"dev2", "dev"}} {
					ha.drain()
					if _, err := h.TryDeploy(flow(addr, dev2, on(step.to)), mode); err != nil {
						t.Fatal(err)
					}
					old, cur := "homeassistant/switch/"+step.from+"/sw/config", "homeassistant/switch/"+step.to+"/sw/config"
					var seq []string
					for _, e := range ha.watch(1500 * time.Millisecond) {
						if strings.HasPrefix(e, old) || strings.HasPrefix(e, cur) {
							seq = append(seq, e)
						}
					}
					if len(seq) == 0 || seq[0] != old+" -" || !strings.Contains(strings.Join(seq, "\n"), cur+" config") {
						t.Errorf("%s → %s: Home Assistant got %q, want %s removed, then %s", step.from, step.to, seq, old, cur)
					}
					for i, e := range seq {
						if e == cur+" config" && i > 0 && seq[i-1] != old+" -" && !strings.HasSuffix(seq[i-1], " config") {
							t.Errorf("announced before the removal: %q", seq)
						}
					}
					ret := retained(t, addr)
					if ret[cur] == "" {
						t.Errorf("%s not retained", cur)
					}
					if v, ok := ret[old]; ok {
						t.Errorf("%s still retained %q", old, v)
					}
				}
				h.E.Stop(t.Context())
				// clean for the next mode
				newHomeAssistant(t, addr).publish("homeassistant/switch/dev/sw/config", true, "")
				newHomeAssistant(t, addr).publish("homeassistant/switch/dev2/sw/config", true, "")
			})
		}
	})
}
