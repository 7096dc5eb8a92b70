package homeassistant

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/network"
)

// The same flow on two gateways sharing a broker: each has its own unique
// ids, discovery topics, availability and command topics, so Home
// Assistant sees two devices and a command reaches one gateway only. A
// config retained from before the gateway id (same entity, no gateway in
// its unique_id) is removed before the entity is announced again.
func TestGatewaysShareABroker(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		// what a Flowgate without a gateway id left behind
		old := newHarness(t)
		old.Deploy(flow(addr, entityNodes[0]))
		waitStatus(t, old, "sw", "connected")
		for range 50 {
			if retained(t, addr)["homeassistant/switch/dev/sw/config"] != "" {
				break
			}
		}
		old.E.Stop(t.Context())

		ha := newHomeAssistant(t, addr)
		ha.drain()
		gateways := map[string]*enginetest.Harness{}
		for _, g := range []string{"pi-a", "pi-b"} {
			h := enginetest.New(t, append(TypesWith(Options{Gateway: g}), network.Types()...)...)
			h.Deploy(strings.Replace(flow(addr, entityNodes[0]), `"identifiers":"garden-1, garden-pi",`, "", 1))
			gateways[g] = h
		}
		seq := ha.watch(1500 * time.Millisecond)
		legacy := "homeassistant/switch/dev/sw/config"
		first := map[string]int{}
		for i, e := range seq {
			if _, ok := first[e]; !ok {
				first[e] = i
			}
		}
		rm, ok := first[legacy+" -"]
		if !ok {
			t.Errorf("the config from before the gateway id was not removed: %q", seq)
		}
		ret := retained(t, addr)
		uids := map[string]bool{}
		for _, g := range []string{"pi-a", "pi-b"} {
			topic := "homeassistant/switch/" + g + "_dev/sw/config"
			if i, ok := first[topic+" config"]; !ok || i < rm {
				t.Errorf("%s announced at %d (removal of the old one at %d): %q", topic, i, rm, seq)
			}
			var cfg map[string]any
			if err := json.Unmarshal([]byte(ret[topic]), &cfg); err != nil {
				t.Fatalf("%s: %v (retained %v)", topic, err, ret)
			}
			uids[cfg["unique_id"].(string)] = true
			if cfg["unique_id"] != "flowgate_"+g+"_sw" || cfg["availability_topic"] != "flowgate/"+g+"_dev/availability" ||
				cfg["command_topic"] != "flowgate/"+g+"_dev/sw/set" {
				t.Errorf("%s: %v", g, cfg)
			}
			dev := cfg["device"].(map[string]any)
			if ids := dev["identifiers"].([]any); len(ids) != 1 || ids[0] != "flowgate_"+g+"_dev" {
				t.Errorf("%s: device identifiers %v", g, ids)
			}
			if ret["flowgate/"+g+"_dev/availability"] != "online" {
				t.Errorf("%s: availability %q", g, ret["flowgate/"+g+"_dev/availability"])
			}
		}
		if _, ok := ret[legacy]; ok {
			t.Errorf("%s still retained", legacy)
		}
		if len(uids) != 2 {
			t.Errorf("unique ids %v", uids)
		}
		ha.publish("flowgate/pi-b_dev/sw/set", false, "ON")
		if got := gateways["pi-b"].Wait("out", 1, 5*time.Second); got[0]["payload"] != true {
			t.Errorf("pi-b got %v", got)
		}
		time.Sleep(200 * time.Millisecond)
		if got := gateways["pi-a"].Collected()["out"]; len(got) != 0 {
			t.Errorf("pi-a got pi-b's command: %v", got)
		}
		for _, h := range gateways {
			h.E.Stop(t.Context())
		}
	})
}
