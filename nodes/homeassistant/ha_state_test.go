package homeassistant

import (
	"slices"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine"
)

// TestHAState: ha-state follows the entities it names (one entity, or a
// whole domain) through the topics HA's mqtt_statestream publishes;
// retained states arrive at start; others are not followed; on mochi and
// mosquitto.
func TestHAState(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		ha := newHomeAssistant(t, addr)
		ha.publish("homeassistant/sensor/kitchen_temperature/state", true, "21.5")
		// a retained light state: when it has arrived, the light.*
		// subscription is active too (the states below are live)
		ha.publish("homeassistant/light/probe/state", true, "off")
		h := newHarness(t)
		h.Deploy(`[{"id":"t","type":"tab"},` + brokerNode(addr) + `,
			{"id":"st","z":"t","type":"ha-state","broker":"b","baseTopic":"homeassistant","entities":"sensor.kitchen_temperature, light.*","wires":[["out"]]},
			{"id":"out","z":"t","type":"helper"}]`)
		msgs := h.Wait("out", 2, 5*time.Second)
		var retained []string
		for _, m := range msgs {
			if m["retain"] != true {
				t.Errorf("retained state without retain: %v", m)
			}
			retained = append(retained, engine.ToString(m["topic"])+"="+engine.ToString(m["payload"]))
		}
		slices.Sort(retained)
		if want := []string{"light.probe=off", "sensor.kitchen_temperature=21.5"}; !slices.Equal(retained, want) {
			t.Errorf("retained states %v, want %v", retained, want)
		}
		ha.publish("binary_sensor/ignored", false, "x")
		ha.publish("homeassistant/binary_sensor/door/state", false, "on")
		ha.publish("homeassistant/light/desk/state", false, "on")
		ha.publish("homeassistant/sensor/kitchen_temperature/state", false, "22")
		msgs = h.Wait("out", 4, 5*time.Second)
		var got []string
		for _, m := range msgs[2:] {
			got = append(got, engine.ToString(m["topic"])+"="+engine.ToString(m["payload"]))
		}
		if want := []string{"light.desk=on", "sensor.kitchen_temperature=22"}; !slices.Equal(got, want) {
			t.Errorf("states %v, want %v", got, want)
		}
		ha.publish("homeassistant/sensor/kitchen_temperature/state", true, "")
		ha.publish("homeassistant/light/probe/state", true, "")
	})
}

func TestHAStateProps(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ name, entities, field string }{
		{"no entity", "", "entities"},
		{"no domain", "kitchen", "entities"},
		{"wildcard domain", "*.kitchen", "entities"},
		{"topic characters", "sensor.a/b", "entities"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := h.Deploy(`[{"id":"t","type":"tab"},{"id":"b","type":"mqtt-broker","broker":"127.0.0.1","port":"1"},
				{"id":"st","z":"t","type":"ha-state","broker":"b","entities":"` + tc.entities + `","wires":[]}]`)
			if !slices.ContainsFunc(w, func(w engine.Warning) bool { return w.Node == "st" && w.Field == tc.field }) {
				t.Errorf("no warning on %s: %v", tc.field, w)
			}
		})
	}
}
