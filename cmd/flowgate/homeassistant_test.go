package main

import (
	"fmt"
	"github.com/flowgate/flowgate/internal/mosquittotest"
	"net"
	"strconv"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// retainedOn returns the message the broker retains on topic ("" for
// none), as a new subscriber (Home Assistant starting) gets it.
func retainedOn(t *testing.T, addr, topic string) string {
	t.Helper()
	got := make(chan string, 1)
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("ha" + strconv.FormatInt(time.Now().UnixNano(), 36)))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	c.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) {
		select {
		case got <- string(m.Payload()):
		default:
		}
	}).WaitTimeout(5 * time.Second)
	select {
	case p := <-got:
		return p
	case <-time.After(200 * time.Millisecond):
		return ""
	}
}

// waitRetained waits up to d for topic's retained message to be want.
func waitRetained(t *testing.T, addr, topic, want string, d time.Duration) {
	t.Helper()
	last := ""
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		if last = retainedOn(t, addr, topic); last == want {
			return
		}
	}
	t.Fatalf("%s retained %q after %v, want %q", topic, last, d, want)
}

// The real binary on an external mosquitto: Home Assistant sees the
// device offline (retained) within 2 s of SIGTERM, every time, and after
// SIGKILL through the connection's will.
func TestHomeAssistantOfflineAfterSignals(t *testing.T) {
	addr := mosquittotest.Start(t, "", "").Addr
	host, port, _ := net.SplitHostPort(addr)
	flow := fmt.Sprintf(`[{"id":"t","type":"tab","label":"Garden"},
		{"id":"b","type":"mqtt-broker","broker":%q,"port":%q,"clientid":"","autoConnect":true,"protocolVersion":"4","keepalive":"60","cleansession":true},
		{"id":"dev","type":"ha-device","name":"Garden","broker":"b"},
		{"id":"sw","type":"ha-switch","z":"t","name":"Pump","device":"dev","wires":[]}]`, host, port)
	const avail = "flowgate/garden-pi_dev/availability" // with the gateway id
	data := t.TempDir()
	in := start(t, data, "--gateway-id", "garden-pi")
	if code, body := in.do("POST", "/flows", []byte(flow), "Node-RED-Deployment-Type", "full"); code != 200 && code != 204 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	for round := range 5 {
		if round > 0 {
			in = start(t, data, "--gateway-id", "garden-pi") // the flows were saved
		}
		waitRetained(t, addr, avail, "online", 5*time.Second)
		if d := in.stop(); d > 2*time.Second {
			t.Errorf("round %d: exit took %v", round, d)
		}
		if got := retainedOn(t, addr, avail); got != "offline" {
			t.Fatalf("round %d: after SIGTERM %s retained %q, want offline", round, avail, got)
		}
	}
	in = start(t, data, "--gateway-id", "garden-pi")
	waitRetained(t, addr, avail, "online", 5*time.Second)
	if err := in.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-in.done
	waitRetained(t, addr, avail, "offline", 2*time.Second)
}
