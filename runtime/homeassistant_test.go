package runtime

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// The README's walk-through, end to end: Home Assistant (here a plain MQTT
// client) sees the switch by discovery on the embedded broker, turns it on,
// and the simulated GPIO output follows.
func TestHomeAssistantSwitchDrivesGPIO(t *testing.T) {
	rt, err := New(Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Broker: "127.0.0.1:0", HW: "sim", GatewayID: "garden-pi"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(t.Context()) })
	host, port, _ := net.SplitHostPort(rt.BrokerAddr())
	cfg, err := flows.Parse([]byte(fmt.Sprintf(`[{"id":"t","type":"tab","label":"garden"},
		{"id":"b","type":"mqtt-broker","broker":%q,"port":%q,"autoConnect":true,"protocolVersion":"4","keepalive":"60","cleansession":true},
		{"id":"dev","type":"ha-device","name":"Garden gateway","broker":"b"},
		{"id":"pump","type":"ha-switch","z":"t","name":"Pump","device":"dev","wires":[["relay"]]},
		{"id":"relay","type":"rpi-gpio out","z":"t","pin":"18","set":true,"level":"0","out":"out","bcm":true,"wires":[]}]`, host, port)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Deploy(t.Context(), cfg, engine.DeployFull, ""); err != nil {
		t.Fatal(err)
	}

	ha := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + rt.BrokerAddr()).SetClientID("home-assistant"))
	if tok := ha.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer ha.Disconnect(0)
	discovered := make(chan string, 4)
	// per device (the default) or per entity
	ha.Subscribe("homeassistant/#", 1, func(_ paho.Client, m paho.Message) {
		if strings.HasSuffix(m.Topic(), "/config") && len(m.Payload()) > 0 {
			discovered <- string(m.Payload())
		}
	})
	var config string
	select {
	case config = <-discovered:
	case <-time.After(10 * time.Second):
		t.Fatal("no discovery config with the switch")
	}
	if !strings.Contains(config, `"command_topic":"flowgate/garden-pi_dev/pump/set"`) || !strings.Contains(config, `"unique_id":"flowgate_garden-pi_pump"`) || !strings.Contains(config, "Pump") {
		t.Fatalf("discovery config = %s", config)
	}
	base := "http://" + rt.Addr()
	if lvl := pinLevel(t, base, 18); lvl != 0 {
		t.Fatalf("relay on before the command: level %d", lvl)
	}
	// Home Assistant turns the pump on through the switch's command topic
	deadline := time.Now().Add(10 * time.Second)
	for pinLevel(t, base, 18) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("GPIO 18 did not follow the switch")
		}
		ha.Publish("flowgate/garden-pi_dev/pump/set", 1, false, "ON").WaitTimeout(time.Second)
		time.Sleep(100 * time.Millisecond)
	}
}
