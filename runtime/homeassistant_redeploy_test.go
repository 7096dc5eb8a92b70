package runtime

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// Home Assistant's commands reach every entity after each of 20 full
// deploys of the same flow on the embedded broker, whether the
// mqtt-broker node has a fixed client id (reused by every deploy) or a
// generated one; the broker keeps every subscription.
func TestHomeAssistantCommandsSurviveRedeploys(t *testing.T) {
	const switches, deploys = 5, 20
	for _, clientID := range []string{"flowgate-ha", ""} {
		name := clientID
		if name == "" {
			name = "generated"
		}
		t.Run(name, func(t *testing.T) {
			rt, err := New(Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Broker: "127.0.0.1:0", HW: "off", GatewayID: "off"})
			if err != nil {
				t.Fatal(err)
			}
			if err := rt.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rt.Shutdown(t.Context()) })
			host, port, _ := net.SplitHostPort(rt.BrokerAddr())
			nodes := []string{`{"id":"t","type":"tab"}`,
				fmt.Sprintf(`{"id":"b","type":"mqtt-broker","broker":%q,"port":%q,"clientid":%q,"autoConnect":true,"protocolVersion":"4","keepalive":"60","cleansession":true}`, host, port, clientID),
				`{"id":"dev","type":"ha-device","name":"Garden","broker":"b"}`}
			for i := range switches {
				nodes = append(nodes, fmt.Sprintf(`{"id":"sw%d","type":"ha-switch","z":"t","name":"S%d","device":"dev","echo":true,"wires":[]}`, i, i))
			}
			cfg, err := flows.Parse([]byte("[" + strings.Join(nodes, ",") + "]"))
			if err != nil {
				t.Fatal(err)
			}

			states := make(chan string, 100)
			var online atomic.Int32
			ha := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + rt.BrokerAddr()).SetClientID("home-assistant"))
			if tok := ha.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
				t.Fatalf("connect: %v", tok.Error())
			}
			defer ha.Disconnect(0)
			ha.Subscribe("flowgate/#", 1, func(_ paho.Client, m paho.Message) {
				switch {
				case strings.HasSuffix(m.Topic(), "/availability") && string(m.Payload()) == "online":
					online.Add(1)
				case strings.HasSuffix(m.Topic(), "/state") && !m.Retained():
					states <- m.Topic() + " " + string(m.Payload())
				}
			}).WaitTimeout(5 * time.Second)

			lost := 0
			for d := range deploys {
				before := online.Load()
				if _, err := rt.Deploy(t.Context(), cfg, engine.DeployFull, ""); err != nil {
					t.Fatal(err)
				}
				for deadline := time.Now().Add(10 * time.Second); online.Load() == before; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("deploy %d: the device never came online", d)
					}
				}
				want := []string{"ON", "OFF"}[d%2]
				for i := range switches {
					ha.Publish(fmt.Sprintf("flowgate/dev/sw%d/set", i), 1, false, want).WaitTimeout(time.Second)
				}
				got := map[string]bool{}
				timeout := time.After(2 * time.Second)
			wait:
				for len(got) < switches {
					select {
					case s := <-states:
						if strings.HasSuffix(s, " "+want) {
							got[s] = true
						}
					case <-timeout:
						lost += switches - len(got)
						t.Logf("deploy %d: %d of %d commands arrived; broker subscriptions %d", d, len(got), switches, rt.broker.srv.Info.Subscriptions)
						break wait
					}
				}
			}
			if lost > 0 {
				t.Errorf("%d of %d commands lost over %d full deploys", lost, switches*deploys, deploys)
			}
		})
	}
}
