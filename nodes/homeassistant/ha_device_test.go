package homeassistant

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/flowgate/flowgate/internal/mochitest"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/network"
)

var update = flag.Bool("update", false, "rewrite the discovery golden files in testdata/")

// startBroker starts the embedded broker (mochi) on a free port.
func startBroker(t *testing.T) string {
	t.Helper()
	return mochitest.Start(t, "127.0.0.1:0", nil).Addr
}

// homeAssistant is a raw MQTT client acting as Home Assistant: it reads
// every retained message under the prefix and flowgate/.
type homeAssistant struct {
	t    *testing.T
	c    paho.Client
	ch   chan paho.Message
	seen []paho.Message // received, not yet asked for by next
}

func newHomeAssistant(t *testing.T, addr string) *homeAssistant {
	t.Helper()
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("ha%d", time.Now().UnixNano()))
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(50) })
	ha := &homeAssistant{t: t, c: c, ch: make(chan paho.Message, 500)}
	filters := map[string]byte{"homeassistant/#": 1, "flowgate/#": 1}
	if tok := c.SubscribeMultiple(filters, func(_ paho.Client, m paho.Message) { ha.ch <- m }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return ha
}

// next waits for a message on topic (skipping others) and returns its payload.
func (ha *homeAssistant) next(topic string) (string, bool) {
	ha.t.Helper()
	for i, m := range ha.seen {
		if m.Topic() == topic {
			ha.seen = slices.Delete(ha.seen, i, i+1)
			return string(m.Payload()), m.Retained()
		}
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-ha.ch:
			if m.Topic() == topic {
				return string(m.Payload()), m.Retained()
			}
			ha.seen = append(ha.seen, m)
		case <-deadline:
			ha.t.Fatalf("nothing on %s", topic)
			return "", false
		}
	}
}

// drain forgets what was received so far.
func (ha *homeAssistant) drain() {
	time.Sleep(100 * time.Millisecond)
	ha.seen = nil
	for len(ha.ch) > 0 {
		<-ha.ch
	}
}

// none checks that nothing arrives on topic for d.
func (ha *homeAssistant) none(topic string, d time.Duration) {
	ha.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-ha.ch:
			if m.Topic() == topic {
				ha.t.Errorf("unexpected %s %q", topic, m.Payload())
			}
		case <-deadline:
			return
		}
	}
}

func (ha *homeAssistant) publish(topic string, retain bool, payload string) {
	ha.t.Helper()
	if tok := ha.c.Publish(topic, 1, retain, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		ha.t.Fatalf("publish: %v", tok.Error())
	}
}

func brokerNode(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf(`{"id":"b","type":"mqtt-broker","broker":%q,"port":%q,"clientid":"","autoConnect":true,"protocolVersion":"4","keepalive":"60","cleansession":true}`, host, port)
}

const deviceNode = `{"id":"dev","type":"ha-device","name":"Garden","identifiers":"garden-1, garden-pi","manufacturer":"Flowgate","model":"Pi 4","sw_version":"1.0","prefix":"homeassistant","availabilityTopic":"","discovery":"entity","broker":"b"}`

// entityNodes has one node of each entity type, their outputs collected.
var entityNodes = []string{
	`{"id":"sw","z":"t","type":"ha-switch","name":"Pump","device":"dev","entityId":"garden_pump","deviceClass":"outlet","echo":true,"wires":[["out"]]}`,
	`{"id":"sen","z":"t","type":"ha-sensor","name":"Temperature","device":"dev","deviceClass":"temperature","unit":"°C","stateClass":"measurement","wires":[]}`,
	`{"id":"bin","z":"t","type":"ha-binary-sensor","name":"Door","device":"dev","deviceClass":"door","entityCategory":"diagnostic","wires":[]}`,
	`{"id":"btn","z":"t","type":"ha-button","name":"Restart","device":"dev","deviceClass":"restart","icon":"mdi:restart","wires":[["out"]]}`,
	`{"id":"num","z":"t","type":"ha-number","name":"Target","device":"dev","min":5,"max":30,"step":0.5,"unit":"°C","mode":"slider","echo":false,"wires":[["out"]]}`,
	`{"id":"lt","z":"t","type":"ha-light","name":"Lamp","device":"dev","echo":true,"wires":[["out"]]}`,
}

func flow(addr string, entities ...string) string {
	return `[{"id":"t","type":"tab"},` + brokerNode(addr) + `,` + deviceNode + `,` + strings.Join(entities, ",") + `,{"id":"out","z":"t","type":"helper"}]`
}

func newHarness(t *testing.T) *enginetest.Harness {
	return enginetest.New(t, append(Types(), network.Types()...)...)
}

// waitStatus waits until node id shows text.
func waitStatus(t *testing.T, h *enginetest.Harness, id, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		evs := h.Events()
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Topic == "status/"+id {
				if s, ok := evs[i].Data.(engine.Status); ok && s.Text == text {
					return
				}
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("node %s never showed %q", id, text)
}

// TestDiscovery: each entity type's retained discovery config matches its
// golden file, and the device is online.
func TestDiscovery(t *testing.T) {
	addr := startBroker(t)
	h := newHarness(t)
	h.Deploy(flow(addr, entityNodes...))
	waitStatus(t, h, "sw", "connected")
	for deadline := time.Now().Add(5 * time.Second); len(retained(t, addr)) < 1+len(entityNodes) && time.Now().Before(deadline); {
		// the entities are announced a round trip after the connection
	}
	ha := newHomeAssistant(t, addr) // a late subscriber: everything is retained
	if p, _ := ha.next("flowgate/dev/availability"); p != "online" {
		t.Errorf("availability %q", p)
	}
	t.Run("retained", func(t *testing.T) {
		late := newHomeAssistant(t, addr)
		for _, topic := range []string{"flowgate/dev/availability", "homeassistant/switch/dev/sw/config", "homeassistant/light/dev/lt/config"} {
			if p, r := late.next(topic); !r || p == "" {
				t.Errorf("%s: %q retained %v", topic, p, r)
			}
		}
	})
	for _, tc := range []struct{ id, component string }{
		{"sw", "switch"}, {"sen", "sensor"}, {"bin", "binary_sensor"},
		{"btn", "button"}, {"num", "number"}, {"lt", "light"},
	} {
		t.Run(tc.component, func(t *testing.T) {
			p, _ := ha.next("homeassistant/" + tc.component + "/dev/" + tc.id + "/config")
			var v map[string]any
			if err := json.Unmarshal([]byte(p), &v); err != nil {
				t.Fatal(err)
			}
			checkSchema(t, tc.component, v)
			got, _ := json.MarshalIndent(v, "", "  ")
			got = append(got, '\n')
			golden := filepath.Join("testdata", "discovery_"+tc.component+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("discovery payload differs from %s:\n%s", golden, got)
			}
		})
	}
}

// checkSchema checks what Home Assistant requires of a discovery payload.
func checkSchema(t *testing.T, component string, v map[string]any) {
	t.Helper()
	need := []string{"unique_id", "device", "availability_topic", "origin"}
	switch component {
	case "switch", "number", "light":
		need = append(need, "state_topic", "command_topic")
	case "sensor", "binary_sensor":
		need = append(need, "state_topic")
	case "button":
		need = append(need, "command_topic")
	}
	for _, k := range need {
		if _, ok := v[k]; !ok {
			t.Errorf("%s: missing %s", component, k)
		}
	}
	if _, ok := v["object_id"]; ok {
		t.Error("object_id is no longer supported: use default_entity_id")
	}
	dev, _ := v["device"].(map[string]any)
	if ids, _ := dev["identifiers"].([]any); len(ids) == 0 {
		t.Error("device without identifiers")
	}
	for k, x := range v {
		if s, ok := x.(string); ok && strings.HasSuffix(k, "_topic") && strings.ContainsAny(s, "+#") {
			t.Errorf("%s %q has a wildcard", k, s)
		}
	}
}

// TestAvailabilityAndBirth: offline on close; Home Assistant's birth
// message re-announces configs and states.
func TestAvailabilityAndBirth(t *testing.T) {
	addr := startBroker(t)
	ha := newHomeAssistant(t, addr)
	h := newHarness(t)
	h.Deploy(flow(addr, entityNodes[1]))
	if p, _ := ha.next("flowgate/dev/availability"); p != "online" {
		t.Fatalf("availability %q", p)
	}
	ha.next("homeassistant/sensor/dev/sen/config")
	h.Send("sen", engine.Msg{"payload": 21.5})
	if p, _ := ha.next("flowgate/dev/sen/state"); p != "21.5" {
		t.Errorf("state %q", p)
	}
	ha.publish("homeassistant/status", false, "online")
	ha.next("homeassistant/sensor/dev/sen/config")
	if p, _ := ha.next("flowgate/dev/sen/state"); p != "21.5" {
		t.Errorf("state after birth %q", p)
	}
	// the device is stopped with the flows: it goes offline
	ha.drain()
	h.E.Stop(t.Context())
	if p, _ := ha.next("flowgate/dev/availability"); p != "offline" {
		t.Errorf("availability after close %q", p)
	}
}
