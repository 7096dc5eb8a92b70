package homeassistant

import (
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// deviceMode makes a flow's device announce per device (the default).
func deviceMode(f string) string {
	return strings.Replace(f, `"discovery":"entity",`, ``, 1)
}

// TestDeviceDiscovery: by default a device is announced with one
// device-based config holding every entity, which Home Assistant (the
// simulator) accepts; states and commands work as with per-entity
// configs; an entity deleted from the flows is removed (its component
// reduced to the platform), the others stay; deleting the device removes
// everything; on mochi and mosquitto.
func TestDeviceDiscovery(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		sim := newHASim(t, addr)
		h := newHarness(t)
		since := sim.mark()
		h.Deploy(deviceMode(flow(addr, entityNodes...)))
		for _, id := range []string{"sw", "sen", "bin", "btn", "num", "lt"} {
			if comp, _ := sim.entity("flowgate_"+id, since); comp == "" {
				t.Errorf("%s has no component", id)
			}
		}
		sim.waitAvailable("flowgate_sw")
		sim.ok()
		ret := retained(t, addr)
		if ret["homeassistant/device/dev/config"] == "" {
			t.Errorf("no device config retained: %v", ret)
		}
		for topic := range ret {
			if strings.HasSuffix(topic, "/config") && !strings.HasPrefix(topic, "homeassistant/device/") {
				t.Errorf("per-entity config %s retained in device mode", topic)
			}
		}
		mark := sim.mark()
		h.Send("sen", engine.Msg{"payload": 19.5})
		if st := sim.state("flowgate_sen", mark); st != "19.5" {
			t.Errorf("sensor state %q", st)
		}
		sim.command("flowgate_sw", "ON")
		if msgs := h.Wait("out", 1, 5*time.Second); msgs[0]["payload"] != true {
			t.Errorf("switch command left as %v", msgs[0]["payload"])
		}
		t.Run("entity deleted", func(t *testing.T) {
			rest := []string{entityNodes[0], entityNodes[2], entityNodes[3], entityNodes[4], entityNodes[5]}
			if _, err := h.TryDeploy(deviceMode(flow(addr, rest...)), engine.DeployNodes); err != nil {
				t.Fatal(err)
			}
			sim.gone("flowgate_sen")
			for _, id := range []string{"sw", "bin", "btn", "num", "lt"} {
				if _, cfg := sim.entity("flowgate_"+id, -1); cfg == nil {
					t.Errorf("%s removed too", id)
				}
			}
			if v, ok := retained(t, addr)["flowgate/dev/sen/state"]; ok {
				t.Errorf("state of the deleted sensor still retained: %q", v)
			}
			sim.ok()
		})
		t.Run("device deleted", func(t *testing.T) {
			if _, err := h.TryDeploy(`[{"id":"t","type":"tab"},`+brokerNode(addr)+`]`, engine.DeployFull); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"sw", "bin", "btn", "num", "lt"} {
				sim.gone("flowgate_" + id)
			}
			for topic, v := range retained(t, addr) {
				if strings.HasPrefix(topic, "homeassistant/") || strings.HasPrefix(topic, "flowgate/dev/") {
					t.Errorf("%s still retained %q", topic, v)
				}
			}
			sim.ok()
		})
	})
}

// TestDiscoveryModeSwitch: switching a device from per-entity to
// per-device discovery and back leaves Home Assistant with each entity
// once (the old configs go before the new ones are announced), and
// nothing of the old mode retained.
func TestDiscoveryModeSwitch(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		sim := newHASim(t, addr)
		h := newHarness(t)
		perEntity := flow(addr, entityNodes[0], entityNodes[1])
		for i, f := range []string{perEntity, deviceMode(perEntity), perEntity} {
			since := sim.mark()
			if _, err := h.TryDeploy(f, engine.DeployFull); err != nil {
				t.Fatal(err)
			}
			want := "homeassistant/device/dev/config"
			if i != 1 {
				want = "homeassistant/switch/dev/sw/config"
			}
			for _, id := range []string{"flowgate_sw", "flowgate_sen"} {
				sim.waitFor(id+" on "+want, func() bool {
					e := sim.entities[id]
					return e != nil && e.announced > since && (e.topic == want || id == "flowgate_sen")
				})
			}
			sim.ok()
			// wait for the sweep of what the previous mode left
			ok := false
			for deadline := time.Now().Add(haSweepAfter + 3*time.Second); !ok && time.Now().Before(deadline); {
				ok = true
				for topic, v := range retained(t, addr) {
					device := strings.HasPrefix(topic, "homeassistant/device/")
					perEntityTopic := strings.HasSuffix(topic, "/config") && !device
					if (i == 1 && perEntityTopic) || (i != 1 && device && v != "" && strings.Contains(v, `"unique_id"`)) {
						ok = false
					}
				}
			}
			if !ok {
				t.Errorf("step %d: configs of the previous mode still retained: %v", i, retained(t, addr))
			}
		}
	})
}

// TestStaleComponentSwept: a component the broker retained in the device
// config from before a restart, whose entity is gone from the flows, is
// removed after the start (haSweepAfter).
func TestStaleComponentSwept(t *testing.T) {
	addr := startBroker(t)
	sim := newHASim(t, addr)
	h := newHarness(t)
	h.Deploy(deviceMode(flow(addr, entityNodes[0], entityNodes[1])))
	sim.entity("flowgate_sen", -1)
	h.E.Stop(t.Context())
	h2 := newHarness(t)
	h2.Deploy(deviceMode(flow(addr, entityNodes[0])))
	sim.gone("flowgate_sen")
	if _, cfg := sim.entity("flowgate_sw", -1); cfg == nil {
		t.Error("switch removed too")
	}
	sim.ok()
}

// TestDeviceModeMovedEntity: an entity moved to another device, both
// announced per device, is released from the old device's config before
// the new one announces it: Home Assistant never sees its unique_id
// twice; in a nodes deploy and in a full one.
func TestDeviceModeMovedEntity(t *testing.T) {
	const dev2 = `{"id":"dev2","type":"ha-device","name":"Shed","broker":"b"}`
	on := func(dev string) string {
		return strings.Replace(entityNodes[0], `"device":"dev"`, `"device":"`+dev+`"`, 1)
	}
	forBrokers(t, func(t *testing.T, addr string) {
		for _, mode := range []engine.DeployMode{engine.DeployNodes, engine.DeployFull} {
			t.Run(string(mode), func(t *testing.T) {
				sim := newHASim(t, addr)
				h := newHarness(t)
				// the sensor keeps dev's config alive when the switch leaves
				h.Deploy(deviceMode(flow(addr, dev2, on("dev"), entityNodes[1])))
				sim.entity("flowgate_sw", -1)
				for _, step := range []struct{ from, to string }{{"dev", "dev2"}, {"dev2", "dev"}} {
					since := sim.mark()
					if _, err := h.TryDeploy(deviceMode(flow(addr, dev2, on(step.to), entityNodes[1])), mode); err != nil {
						t.Fatal(err)
					}
					want := "homeassistant/device/" + step.to + "/config"
					sim.waitFor("flowgate_sw on "+want, func() bool {
						e := sim.entities["flowgate_sw"]
						return e != nil && e.announced > since && e.topic == want
					})
					sim.ok()
				}
				h.E.Stop(t.Context())
				for _, d := range []string{"dev", "dev2"} {
					newHomeAssistant(t, addr).publish("homeassistant/device/"+d+"/config", true, "")
				}
			})
		}
	})
}
