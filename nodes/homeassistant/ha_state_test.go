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
		h := newHarness(t)
		h.Deploy(`[{"id":"t","type":"tab"},` + brokerNode(addr) + `,
			{"id":"st","z":"t","type":"ha-state","broker":"b","baseTopic":"homeassistant","entities":"sensor.kitchen_temperature, light.*","wires":[["out"]]},
			{"id":"out","z":"t","type":"helper"}]`)
		msgs := h.Wait("out", 1, 5*time.Second)
		if msgs[0]["topic"] != "sensor.kitchen_temperature" || msgs[0]["payload"] != "21.5" || msgs[0]["retain"] != true {
			t.Errorf("retained state: %v", msgs[0])
		}
		ha.publish("binary_sensor/ignored", false, "x")
		ha.publish("homeassistant/binary_sensor/door/state", false, "on")
		ha.publish("homeassistant/light/desk/state", false, "on")
		ha.publish("homeassistant/sensor/kitchen_temperature/state", false, "22")
		msgs = h.Wait("out", 3, 5*time.Second)
		var got []string
		for _, m := range msgs {
			got = append(got, engine.ToString(m["topic"])+"="+engine.ToString(m["payload"]))
		}
		if want := []string{"sensor.kitchen_temperature=21.5", "light.desk=on", "sensor.kitchen_temperature=22"}; !slices.Equal(got, want) {
			t.Errorf("states %v, want %v", got, want)
		}
		ha.publish("homeassistant/sensor/kitchen_temperature/state", true, "")
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
