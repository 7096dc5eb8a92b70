package network

import (
	"fmt"
	"github.com/flowgate/flowgate/internal/mochitest"
	"github.com/flowgate/flowgate/internal/mosquittotest"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
)

// testBroker is a broker the tests talk to over loopback.
type testBroker struct {
	name string
	addr string // 127.0.0.1:port
	stop func()
	srv  *mqtt.Server // mochi only
}

// startMochi starts an in-process mochi broker on addr ("127.0.0.1:0" for
// a free port).
func startMochi(t testing.TB, addr string) *testBroker {
	t.Helper()
	b := mochitest.Start(t, addr, nil)
	return &testBroker{name: "mochi", addr: b.Addr, srv: b.Srv, stop: b.Stop}
}

// startMosquitto starts Debian's mosquitto on a free loopback port (on
// addr when given).
func startMosquitto(t testing.TB, addr string) *testBroker {
	t.Helper()
	m := mosquittotest.Start(t, addr, "")
	return &testBroker{name: "mosquitto", addr: m.Addr, stop: m.Stop}
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// forBrokers runs f against the embedded broker and against mosquitto.
func forBrokers(t *testing.T, f func(t *testing.T, b *testBroker)) {
	t.Run("mochi", func(t *testing.T) { f(t, startMochi(t, "127.0.0.1:0")) })
	t.Run("mosquitto", func(t *testing.T) { f(t, startMosquitto(t, "")) })
}

// testClient is a plain MQTT client for the test's side.
func testClient(t testing.TB, addr string) paho.Client {
	t.Helper()
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("test" + engine.NewMsgID()[:6])
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("test client connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(50) })
	return c
}

func publish(t testing.TB, c paho.Client, topic string, qos byte, retain bool, payload any) {
	t.Helper()
	if tok := c.Publish(topic, qos, retain, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

// collect subscribes the test client to filter and returns a channel of
// what arrives.
func collect(t testing.TB, c paho.Client, filter string) <-chan paho.Message {
	t.Helper()
	ch := make(chan paho.Message, 100)
	if tok := c.Subscribe(filter, 2, func(_ paho.Client, m paho.Message) { ch <- m }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
	return ch
}

func receive(t testing.TB, ch <-chan paho.Message) paho.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message received")
		return nil
	}
}

// brokerNode is an mqtt-broker config node for addr as flow JSON.
func brokerNode(id, addr string, extra string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf(`{"id":%q,"type":"mqtt-broker","broker":%q,"port":%q,"clientid":"","autoConnect":true,"usetls":false,"protocolVersion":"4","keepalive":"60","cleansession":true%s}`, id, host, port, extra)
}

// waitStatus waits until node id shows a status with text (alternatives
// separated by |).
func waitStatus(t testing.TB, h *enginetest.Harness, id, text string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		evs := h.Events()
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Topic == "status/"+id {
				if s, ok := evs[i].Data.(engine.Status); ok && slices.Contains(strings.Split(text, "|"), s.Text) {
					return
				}
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("node %s never showed status %q", id, text)
}

func TestTopicMatches(t *testing.T) {
	cases := []struct {
		filter, topic string
		want          bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/c", false},
		{"a/+", "a/b", true},
		{"a/+", "a/b/c", false},
		{"a/+/c", "a/b/c", true},
		{"a/#", "a/b/c", true},
		{"a/#", "a", true},
		{"#", "a/b", true},
		{"#", "$SYS/x", false},
		{"+/b", "$SYS/b", false},
		{"$share/g/a/+", "a/b", true},
		{"a/b", "a/b/c", false},
		{"a/b/c", "a/b", false},
		{"+", "", true},
	}
	for _, c := range cases {
		t.Run(c.filter+"~"+c.topic, func(t *testing.T) {
			if got := mqttconn.TopicMatches(c.filter, c.topic); got != c.want {
				t.Errorf("mqttconn.TopicMatches(%q, %q) = %v, want %v", c.filter, c.topic, got, c.want)
			}
		})
	}
}

func TestMQTTURL(t *testing.T) {
	cases := []struct {
		broker string
		port   int
		tls    bool
		want   string
	}{
		{"localhost", 1883, false, "tcp://localhost:1883"},
		{"", 0, false, "tcp://localhost:1883"},
		{"example.com", 8883, true, "ssl://example.com:8883"},
		{"::1", 1883, false, "tcp://[::1]:1883"},
		{"mqtt://h:1884", 1, false, "tcp://h:1884"},
		{"mqtts://h", 1, false, "ssl://h:1883"},
		{"ws://h:9001/mqtt", 1, false, "ws://h:9001/mqtt"},
	}
	for _, c := range cases {
		t.Run(c.broker, func(t *testing.T) {
			got, err := mqttURL(c.broker, c.port, c.tls)
			if err != nil || got != c.want {
				t.Errorf("mqttURL(%q, %d, %v) = %q, %v; want %q", c.broker, c.port, c.tls, got, err, c.want)
			}
		})
	}
	if _, err := mqttURL("gopher://h", 1, false); err == nil {
		t.Error("gopher:// accepted")
	}
}

func TestMQTTBrokerConfigErrors(t *testing.T) {
	cases := []struct{ name, flow, node, field string }{
		{"bad birth topic", `[{"id":"b","type":"mqtt-broker","broker":"localhost","birthTopic":"a/#"}]`, "b", "birthTopic"},
		{"in without broker", `[{"id":"t","type":"tab"},{"id":"i","z":"t","type":"mqtt in","topic":"a","broker":""}]`, "i", "broker"},
		{"in with bad topic", `[{"id":"t","type":"tab"},{"id":"i","z":"t","type":"mqtt in","topic":"a/#/b","broker":"b"}]`, "i", "topic"},
		{"out with wildcard topic", `[{"id":"t","type":"tab"},{"id":"o","z":"t","type":"mqtt out","topic":"a/+","broker":"b"}]`, "o", "topic"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := enginetest.New(t, Types()...)
			w := h.Deploy(c.flow)
			if len(w) != 1 || w[0].Node != c.node || w[0].Field != c.field {
				t.Fatalf("deploy warnings %v, want one on %s %s", w, c.node, c.field)
			}
			if !h.Inert(c.node) {
				t.Errorf("node %s runs, status %+v: want it stopped, its problem shown", c.node, h.E.Statuses()[c.node])
			}
		})
	}
}

// TestMQTTSharedConnection: two mqtt in and one mqtt out share one client
// connection, and a nodes deploy of one of them keeps it.
func TestMQTTSharedConnection(t *testing.T) {
	b := startMochi(t, "127.0.0.1:0")
	h := enginetest.New(t, Types()...)
	flow := `[{"id":"t","type":"tab"},` + brokerNode("b", b.addr, "") + `,
	{"id":"i1","z":"t","type":"mqtt in","topic":"s/1","qos":"1","datatype":"utf8","broker":"b","wires":[["c1"]]},
	{"id":"i2","z":"t","type":"mqtt in","topic":"s/+","qos":"0","datatype":"utf8","broker":"b","wires":[["c2"]]},
	{"id":"o","z":"t","type":"mqtt out","topic":"","broker":"b"},
	{"id":"c1","z":"t","type":"helper"},{"id":"c2","z":"t","type":"helper"}]`
	h.Deploy(flow)
	for _, id := range []string{"i1", "i2", "o"} {
		waitStatus(t, h, id, "connected")
	}
	h.Send("o", engine.Msg{"topic": "s/1", "payload": "one"})
	msgs, ok := h.WaitAll(map[string]int{"c1": 1, "c2": 1}, 5*time.Second)
	if !ok || msgs["c1"][0]["payload"] != "one" || msgs["c2"][0]["payload"] != "one" {
		t.Fatalf("got %v", msgs)
	}
	// one client: the broker node; the test client is not connected
	node, _ := h.E.Node("b")
	before := node.(*mqttBroker)
	if n := connectedClients(t, b); n != 1 {
		t.Errorf("%d client connections, want 1", n)
	}
	// a nodes deploy changing i2 keeps the config node and its connection
	flow2 := strings.Replace(flow, `"topic":"s/+"`, `"topic":"s/#"`, 1)
	if _, err := h.TryDeploy(flow2, engine.DeployNodes); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, h, "i2", "connected")
	if node, _ := h.E.Node("b"); node.(*mqttBroker) != before {
		t.Error("the broker config node was restarted")
	}
	h.Reset()
	h.Send("o", engine.Msg{"topic": "s/1/x", "payload": "deep"})
	if m := h.Wait("c2", 1, 5*time.Second); m[0]["payload"] != "deep" {
		t.Errorf("after nodes deploy got %v", m)
	}
}

// connectedClients counts the mochi broker's network clients.
func connectedClients(t testing.TB, b *testBroker) int {
	t.Helper()
	n := 0
	for id, cl := range b.srv.Clients.GetAll() {
		if id != mqtt.InlineClientId && !cl.Closed() {
			n++
		}
	}
	return n
}

// TestMQTTReconnect: the broker restarts on the same port; the nodes show
// disconnected, reconnect, resubscribe, and messages flow again.
func TestMQTTReconnect(t *testing.T) {
	start := map[string]func(testing.TB, string) *testBroker{"mochi": startMochi, "mosquitto": startMosquitto}
	for _, name := range []string{"mochi", "mosquitto"} {
		t.Run(name, func(t *testing.T) {
			b := start[name](t, freePort(t))
			h := enginetest.New(t, Types()...)
			h.Deploy(`[{"id":"t","type":"tab"},` + brokerNode("b", b.addr, "") + `,
			{"id":"i","z":"t","type":"mqtt in","topic":"r/#","qos":"1","datatype":"utf8","broker":"b","wires":[["c"]]},
			{"id":"c","z":"t","type":"helper"}]`)
			waitStatus(t, h, "i", "connected")
			b.stop()
			waitStatus(t, h, "i", "disconnected|connecting")
			b = start[name](t, b.addr)
			waitStatus(t, h, "i", "connected")
			publish(t, testClient(t, b.addr), "r/x", 1, false, "back")
			if m := h.Wait("c", 1, 10*time.Second); m[0]["payload"] != "back" {
				t.Errorf("got %v", m)
			}
		})
	}
}
