package runtime

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/crypto/bcrypt"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// startEmbedded starts a runtime with its broker on a free loopback port.
func startEmbedded(t *testing.T, m MQTTBroker) *Runtime {
	t.Helper()
	rt, err := New(Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Broker: "127.0.0.1:0", HW: "off", MQTTBroker: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(t.Context()) })
	return rt
}

// deployJSON deploys the flow (full).
func deployJSON(t *testing.T, rt *Runtime, mode engine.DeployMode, nodes ...string) {
	t.Helper()
	cfg, err := flows.Parse([]byte("[" + strings.Join(nodes, ",") + "]"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Deploy(t.Context(), cfg, mode, ""); err != nil {
		t.Fatal(err)
	}
}

// brokerAt is an mqtt-broker node naming the runtime's broker by address.
func brokerAt(rt *Runtime, id, extra string) string {
	host, port, _ := net.SplitHostPort(rt.BrokerAddr())
	return fmt.Sprintf(`{"id":%q,"type":"mqtt-broker","broker":%q,"port":%q,"clientid":"","autoConnect":true,"protocolVersion":"4","keepalive":"60","cleansession":true%s}`, id, host, port, extra)
}

// probe is mqtt in (filter, qos) → function → mqtt out: every message the
// flow receives is published to seen/<id> as JSON {topic, payload, qos,
// retain}.
func probe(id, broker, filter string, qos int) string {
	return fmt.Sprintf(`{"id":%q,"z":"t","type":"mqtt in","topic":%q,"qos":"%d","datatype":"utf8","broker":%q,"wires":[[%q]]},
	{"id":"%s-f","z":"t","type":"function","func":"msg.payload = JSON.stringify({topic: msg.topic, payload: msg.payload, qos: msg.qos, retain: msg.retain}); msg.topic = 'seen/%s'; return msg;","outputs":1,"wires":[["%s-o"]]},
	{"id":"%s-o","z":"t","type":"mqtt out","topic":"","qos":"1","retain":"","broker":%q}`,
		id, filter, qos, broker, id+"-f", id, id, id, id, broker)
}

type seen struct {
	Topic   string `json:"topic"`
	Payload string `json:"payload"`
	QoS     byte   `json:"qos"`
	Retain  bool   `json:"retain"`
	probe   string
}

// watch subscribes a test client to seen/# and returns what the probes saw.
func watch(t *testing.T, rt *Runtime) (paho.Client, <-chan seen) {
	t.Helper()
	c := mustConnect(t, "tcp://"+rt.BrokerAddr(), "watch"+engine.NewMsgID()[:6], nil)
	ch := make(chan seen, 1024)
	wait(t, c.Subscribe("seen/#", 1, func(_ paho.Client, m paho.Message) {
		var s seen
		if err := json.Unmarshal(m.Payload(), &s); err != nil {
			t.Errorf("seen %s: %v", m.Payload(), err)
		}
		s.probe = strings.TrimPrefix(m.Topic(), "seen/")
		ch <- s
	}))
	return c, ch
}

func next(t *testing.T, ch <-chan seen) seen {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
	return seen{}
}

func none(t *testing.T, ch <-chan seen) {
	t.Helper()
	select {
	case s := <-ch:
		t.Errorf("got %+v, want nothing", s)
	case <-time.After(200 * time.Millisecond):
	}
}

// waitConnected waits until node id shows connected.
func waitConnected(t *testing.T, rt *Runtime, id string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if rt.eng.Statuses()[id].Text == "connected" {
			return
		}
	}
	t.Fatalf("%s never connected: %+v", id, rt.eng.Statuses()[id])
}

// flowClients counts the broker's network clients other than the test's.
func flowClients(rt *Runtime) int {
	n := 0
	for _, cl := range rt.broker.srv.Clients.GetAll() {
		if !strings.HasPrefix(cl.ID, "watch") && !strings.HasPrefix(cl.ID, "test") && !cl.Net.Inline {
			n++
		}
	}
	return n
}

// An mqtt-broker node naming the embedded broker (by its address or as
// "embedded") relays in → change → out in-process: no network client of
// its own, the messages reach network clients and come from them.
func TestEmbeddedRelay(t *testing.T) {
	for _, name := range []string{"address", "embedded"} {
		t.Run(name, func(t *testing.T) {
			rt := startEmbedded(t, MQTTBroker{})
			b := brokerAt(rt, "b", "")
			if name == "embedded" {
				b = `{"id":"b","type":"mqtt-broker","broker":"embedded","port":"1883"}`
			}
			deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`, b,
				`{"id":"in","z":"t","type":"mqtt in","topic":"relay/in","qos":"0","datatype":"auto-detect","broker":"b","wires":[["ch"]]}`,
				`{"id":"ch","z":"t","type":"change","rules":[{"t":"set","p":"topic","pt":"msg","to":"relay/out","tot":"str"}],"wires":[["out"]]}`,
				`{"id":"out","z":"t","type":"mqtt out","topic":"","qos":"","retain":"","broker":"b"}`)
			waitConnected(t, rt, "in")
			waitConnected(t, rt, "out")
			c := mustConnect(t, "tcp://"+rt.BrokerAddr(), "test-relay", nil)
			ch, _ := subscribe(t, c, "relay/out")
			for i := range 100 {
				wait(t, c.Publish("relay/in", 0, false, fmt.Sprintf(`{"n":%d}`, i)))
			}
			for i := range 100 {
				expect(t, ch, fmt.Sprintf(`relay/out {"n":%d}`, i))
			}
			if n := flowClients(rt); n != 0 {
				t.Errorf("%d network clients of the flows, want none (in-process)", n)
			}
		})
	}
}

// The in-process path has a network client's semantics: retained messages
// on subscribing (retain set) and live ones (retain clear), wildcards
// (a/# matches a; # does not match $ topics), QoS capped at the
// subscription's.
func TestEmbeddedSemantics(t *testing.T) {
	rt := startEmbedded(t, MQTTBroker{})
	c, ch := watch(t, rt)
	wait(t, c.Publish("ret/a", 1, true, "kept"))
	wait(t, c.Publish("ret/b/c", 1, true, "deep"))
	deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`, brokerAt(rt, "b", ""),
		probe("ret", "b", "ret/+", 1),
		probe("multi", "b", "w/#", 2),
		probe("plus", "b", "+/x/+", 0),
		probe("q1", "b", "q/1", 1))
	waitConnected(t, rt, "ret")
	if s := next(t, ch); s != (seen{Topic: "ret/a", Payload: "kept", QoS: 1, Retain: true, probe: "ret"}) {
		t.Errorf("retained: %+v", s)
	}
	none(t, ch)

	wait(t, c.Publish("ret/a", 1, true, "live"))
	if s := next(t, ch); s != (seen{Topic: "ret/a", Payload: "live", QoS: 1, Retain: false, probe: "ret"}) {
		t.Errorf("live: %+v", s)
	}
	for _, topic := range []string{"w", "w/a", "w/a/b"} {
		wait(t, c.Publish(topic, 0, false, "m"))
		if s := next(t, ch); s.Topic != topic || s.probe != "multi" {
			t.Errorf("w/# on %s: %+v", topic, s)
		}
	}
	wait(t, c.Publish("a/x/b", 1, false, "p"))
	if s := next(t, ch); s != (seen{Topic: "a/x/b", Payload: "p", QoS: 0, probe: "plus"}) {
		t.Errorf("+/x/+: %+v", s)
	}
	wait(t, c.Publish("q/1", 2, false, "two"))
	if s := next(t, ch); s.QoS != 1 || s.probe != "q1" {
		t.Errorf("QoS 2 to a QoS 1 subscription: %+v", s)
	}
	wait(t, c.Publish("$SYS/x/x", 0, false, "sys"))
	wait(t, c.Publish("a/y/b", 0, false, "nobody"))
	none(t, ch)

	t.Run("dollar", func(t *testing.T) {
		deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`, brokerAt(rt, "b", ""), probe("all", "b", "#", 0))
		waitConnected(t, rt, "all")
		for len(ch) > 0 { // retained messages and the probe's own
			<-ch
		}
		wait(t, c.Publish("$SYS/mine", 0, false, "sys"))
		time.Sleep(100 * time.Millisecond)
		for len(ch) > 0 {
			if s := <-ch; strings.HasPrefix(s.Topic, "$") {
				t.Errorf("# received %+v", s)
			}
		}
	})
}

// QoS 1 messages published by flows reach network subscribers at QoS 1,
// every one of them, and retained ones are kept.
func TestEmbeddedPublishQoS1(t *testing.T) {
	rt := startEmbedded(t, MQTTBroker{})
	c := mustConnect(t, "tcp://"+rt.BrokerAddr(), "test-q1", nil)
	got := make(chan byte, 2000)
	wait(t, c.Subscribe("pub/#", 1, func(_ paho.Client, m paho.Message) { got <- m.Qos() }))
	deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`, brokerAt(rt, "b", ""),
		`{"id":"out","z":"t","type":"mqtt out","topic":"pub/x","qos":"1","retain":"true","broker":"b"}`)
	waitConnected(t, rt, "out")
	for i := range 1000 {
		rt.eng.Deliver("out", engine.Msg{"payload": fmt.Sprint(i)})
	}
	for i := range 1000 {
		select {
		case q := <-got:
			if q != 1 {
				t.Fatalf("message %d at QoS %d", i, q)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of 1000 messages arrived", i)
		}
	}
	late := mustConnect(t, "tcp://"+rt.BrokerAddr(), "test-late", nil)
	ch, _ := subscribe(t, late, "pub/x")
	expect(t, ch, "pub/x 999")
}

// A shared subscription of a flow is one member of its group with the
// network clients: each message goes to exactly one member.
func TestEmbeddedSharedSubscription(t *testing.T) {
	rt := startEmbedded(t, MQTTBroker{})
	c, ch := watch(t, rt)
	var tcp = make(chan string, 1000)
	wait(t, c.Subscribe("$share/g/jobs", 1, func(_ paho.Client, m paho.Message) { tcp <- string(m.Payload()) }))
	deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`, brokerAt(rt, "b1", ""), brokerAt(rt, "b2", ""),
		probe("s1", "b1", "$share/g/jobs", 1), probe("s2", "b2", "$share/g/jobs", 1))
	waitConnected(t, rt, "s1")
	waitConnected(t, rt, "s2")
	const n = 300
	pub := mustConnect(t, "tcp://"+rt.BrokerAddr(), "test-pub", nil)
	for i := range n {
		wait(t, pub.Publish("jobs", 1, false, fmt.Sprint(i)))
	}
	count := map[string]int{}
	seenOnce := map[string]bool{}
	for range n {
		var who, p string
		select {
		case s := <-ch:
			who, p = s.probe, s.Payload
		case p = <-tcp:
			who = "tcp"
		case <-time.After(5 * time.Second):
			t.Fatalf("lost messages: %v", count)
		}
		if seenOnce[p] {
			t.Errorf("message %s delivered twice", p)
		}
		seenOnce[p] = true
		count[who]++
	}
	none(t, ch)
	for _, who := range []string{"s1", "s2", "tcp"} {
		if count[who] == 0 {
			t.Errorf("member %s got nothing of %d: %v", who, n, count)
		}
	}
}

// Flows are the broker's own client: the ACLs of its users do not apply.
func TestEmbeddedBypassesACL(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	rt := startEmbedded(t, MQTTBroker{Users: []MQTTUser{{Username: "dev", Password: string(hash), ACL: []MQTTACL{{Topic: "dev/#"}, {Topic: "seen/#", Access: "read"}}}}})
	deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`, brokerAt(rt, "b", ""), probe("p", "b", "dev/+", 0))
	waitConnected(t, rt, "p")
	c := mustConnect(t, "tcp://"+rt.BrokerAddr(), "test-dev", login("dev", "pw"))
	ch, _ := subscribe(t, c, "seen/#")
	wait(t, c.Publish("dev/t", 0, false, "x"))
	expect(t, ch, `seen/p {"topic":"dev/t","payload":"x","qos":0,"retain":false}`)
}

// Redeploys keep every subscription: after each of 20 deploys (full, and
// of the changed node only) every message is relayed once.
func TestEmbeddedRedeploys(t *testing.T) {
	rt := startEmbedded(t, MQTTBroker{})
	c, ch := watch(t, rt)
	for d := range 20 {
		mode := engine.DeployFull
		if d%2 == 1 {
			mode = engine.DeployNodes
		}
		deployJSON(t, rt, mode, `{"id":"t","type":"tab"}`, brokerAt(rt, "b", fmt.Sprintf(`,"name":"b%d"`, d%3)),
			probe("r", "b", fmt.Sprintf("dep/%d", d%2), 1))
		waitConnected(t, rt, "r")
		for i := range 5 {
			wait(t, c.Publish(fmt.Sprintf("dep/%d", d%2), 1, false, fmt.Sprint(i)))
		}
		for i := range 5 {
			if s := next(t, ch); s.Payload != fmt.Sprint(i) {
				t.Fatalf("deploy %d: got %+v, want %d", d, s, i)
			}
		}
		wait(t, c.Publish(fmt.Sprintf("dep/%d", 1-d%2), 1, false, "old"))
		none(t, ch)
	}
}

// Connect and disconnect actions end and restore the in-process
// connection: its subscriptions go and come back, the status follows.
func TestEmbeddedActions(t *testing.T) {
	rt := startEmbedded(t, MQTTBroker{})
	c, ch := watch(t, rt)
	deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`,
		brokerAt(rt, "b", `,"birthTopic":"st","birthPayload":"up","closeTopic":"st","closePayload":"down"`),
		probe("a", "b", "act", 0))
	waitConnected(t, rt, "a")
	st, _ := subscribe(t, c, "st")
	rt.eng.Deliver("a", engine.Msg{"action": "disconnect"})
	expect(t, st, "st down")
	for deadline := time.Now().Add(5 * time.Second); rt.eng.Statuses()["a"].Text != "disconnected"; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("status %+v, want disconnected", rt.eng.Statuses()["a"])
		}
	}
	wait(t, c.Publish("act", 0, false, "while down"))
	none(t, ch)
	rt.eng.Deliver("a", engine.Msg{"action": "connect"})
	expect(t, st, "st up")
	waitConnected(t, rt, "a")
	wait(t, c.Publish("act", 0, false, "back"))
	if s := next(t, ch); s.Payload != "back" {
		t.Errorf("after connect: %+v", s)
	}
}

// BenchmarkMQTTRelayEmbedded: messages per second through mqtt in →
// change → mqtt out on the embedded broker, in-process (publisher and
// subscriber are network clients), as BenchmarkMQTTRelay in
// nodes/network measures it over TCP.
func BenchmarkMQTTRelayEmbedded(b *testing.B) {
	rt, err := New(Settings{Listen: "127.0.0.1:0", DataDir: b.TempDir(), Broker: "127.0.0.1:0", HW: "off"})
	if err != nil {
		b.Fatal(err)
	}
	if err := rt.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rt.Shutdown(b.Context()) })
	host, port, _ := net.SplitHostPort(rt.BrokerAddr())
	cfg, err := flows.Parse([]byte(`[{"id":"t","type":"tab"},` +
		fmt.Sprintf(`{"id":"b","type":"mqtt-broker","broker":%q,"port":%q}`, host, port) + `,
	{"id":"in","z":"t","type":"mqtt in","topic":"relay/in","qos":"0","datatype":"auto-detect","broker":"b","wires":[["ch"]]},
	{"id":"ch","z":"t","type":"change","rules":[{"t":"set","p":"topic","pt":"msg","to":"relay/out","tot":"str"}],"wires":[["out"]]},
	{"id":"out","z":"t","type":"mqtt out","topic":"","qos":"","retain":"","broker":"b"}]`))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := rt.Deploy(b.Context(), cfg, engine.DeployFull, ""); err != nil {
		b.Fatal(err)
	}
	client := func(id string) paho.Client {
		c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + rt.BrokerAddr()).SetClientID(id))
		if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			b.Fatal(tok.Error())
		}
		b.Cleanup(func() { c.Disconnect(0) })
		return c
	}
	pub, sub := client("bench-pub"), client("bench-sub")
	done := make(chan struct{}, 1024)
	if tok := sub.Subscribe("relay/out", 0, func(paho.Client, paho.Message) { done <- struct{}{} }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	const window = 64 // messages in flight
	inflight := 0
	start := time.Now()
	for b.Loop() {
		for inflight >= window {
			<-done
			inflight--
		}
		pub.Publish("relay/in", 0, false, `{"t":20}`)
		inflight++
	}
	timeout := time.After(10 * time.Second)
	for ; inflight > 0; inflight-- {
		select {
		case <-done:
		case <-timeout:
			b.Fatalf("%d messages lost", inflight)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// Which addresses name the embedded broker: its port on a loopback or
// local address, not another port or a remote host.
func TestBrokerServes(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", ":0"} {
		b, err := StartBroker(listen, "", MQTTBroker{}, quiet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Stop() })
		_, p, _ := net.SplitHostPort(b.Addr())
		port, _ := strconv.Atoi(p)
		name, _ := os.Hostname()
		for _, c := range []struct {
			host string
			port int
			want bool
		}{
			{"localhost", port, true},
			{"127.0.0.1", port, true},
			{"::1", port, listen == ":0"},
			{"localhost", port + 1, false},
			{"192.0.2.1", port, false},
			{"example.com", port, false},
			{name, port, listen == ":0"},
		} {
			if got := b.Serves(c.host, c.port); got != c.want {
				t.Errorf("listening on %s: Serves(%s, %d) = %v, want %v", listen, c.host, c.port, got, c.want)
			}
		}
	}
}

// With the broker off, a node naming "embedded" stays disconnected and
// says why.
func TestEmbeddedBrokerOff(t *testing.T) {
	rt, err := New(Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Broker: "off", HW: "off"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(t.Context()) })
	deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`, `{"id":"b","type":"mqtt-broker","broker":"embedded"}`,
		`{"id":"out","z":"t","type":"mqtt out","topic":"x","broker":"b"}`)
	time.Sleep(100 * time.Millisecond)
	if st := rt.eng.Statuses()["out"]; st.Text != "disconnected" {
		t.Errorf("status %+v, want disconnected", st)
	}
}
