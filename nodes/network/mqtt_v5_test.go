package network

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/function"
)

// brokerNodeV5 is an MQTT 5 mqtt-broker config node for addr.
func brokerNodeV5(id, addr, extra string) string {
	return strings.Replace(brokerNode(id, addr, extra), `"protocolVersion":"4"`, `"protocolVersion":"5"`, 1)
}

// TestMQTTV5NodeRED replays the flow captured from Node-RED 4 against
// mosquitto (testdata/mqtt_v5: two mqtt out nodes, one setting the MQTT 5
// properties from msg and one from its own fields, and an mqtt in) and
// compares the messages the mqtt in sends with Node-RED's, on both brokers.
func TestMQTTV5NodeRED(t *testing.T) {
	want := readNodeREDMsgs(t, filepath.Join("testdata", "mqtt_v5", "nodered.jsonl"))
	raw, err := os.ReadFile(filepath.Join("testdata", "mqtt_v5", "flows.json"))
	if err != nil {
		t.Fatal(err)
	}
	forBrokers(t, func(t *testing.T, b *testBroker) {
		var flow []map[string]any
		if err := json.Unmarshal(raw, &flow); err != nil {
			t.Fatal(err)
		}
		host, port, _ := net.SplitHostPort(b.addr)
		kept := flow[:0]
		for _, n := range flow {
			switch n["id"] {
			case "i1", "fileout": // the capture's inject and file nodes
				continue
			case "ser":
				n = map[string]any{"id": "ser", "z": "t", "type": "helper"}
			case "b":
				n["broker"], n["port"] = host, port
			}
			kept = append(kept, n)
		}
		h := enginetest.New(t, append(Types(), function.Types()...)...)
		h.Deploy(kept)
		waitStatus(t, h, "min", "connected")
		waitStatus(t, h, "mout", "connected")
		h.Send("s1", engine.Msg{"payload": 1.0})
		h.Send("s2", engine.Msg{"payload": 1.0})
		got := h.Wait("ser", 2, 5*time.Second)
		byTopic := map[string]engine.Msg{}
		for _, m := range got {
			byTopic[m["topic"].(string)] = stripID(m)
		}
		for _, w := range want {
			if d := cmp.Diff(w, byTopic[w["topic"].(string)], enginetest.OrderedObjects()); d != "" {
				t.Errorf("%s (-Node-RED +Flowgate):\n%s", w["topic"], d)
			}
		}
	})
}

// readNodeREDMsgs reads messages Node-RED's function node serialised with
// JSON.stringify (Buffers as {"type":"Buffer","data":[...]}).
func readNodeREDMsgs(t *testing.T, path string) []engine.Msg {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []engine.Msg
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, err := engine.DecodeJSON(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		o, _ := engine.AsObject(v)
		m := engine.Msg{}
		for _, k := range o.Keys() {
			if k == "_msgid" {
				continue
			}
			m[k] = nodeREDBuffer(o.Value(k))
		}
		out = append(out, m)
	}
	return out
}

func nodeREDBuffer(v any) any {
	o, ok := v.(*engine.Object)
	if !ok || o.Value("type") != "Buffer" {
		return v
	}
	data, _ := o.Value("data").([]any)
	b := make([]byte, len(data))
	for i, x := range data {
		b[i] = byte(x.(float64))
	}
	return b
}

// TestMQTTV5Properties: every MQTT 5 property set in msg reaches a
// subscriber of another connection (a test flow's second broker node),
// through both brokers; a property of the wrong type is an error naming
// it and the flow goes on.
func TestMQTTV5Properties(t *testing.T) {
	forBrokers(t, func(t *testing.T, b *testBroker) {
		h := enginetest.New(t, Types()...)
		h.Deploy(`[{"id":"t","type":"tab"},` + brokerNodeV5("b", b.addr, "") + `,` + brokerNodeV5("b2", b.addr, "") + `,
		{"id":"out","z":"t","type":"mqtt out","topic":"p/one","qos":"1","retain":"","broker":"b"},
		{"id":"in","z":"t","type":"mqtt in","topic":"p/#","qos":"2","datatype":"auto-detect","broker":"b2","wires":[["c"]]},
		{"id":"c","z":"t","type":"helper"}]`)
		waitStatus(t, h, "in", "connected")
		waitStatus(t, h, "out", "connected")
		h.Send("out", engine.Msg{"payload": "<a/>", "userProperties": engine.ObjectOf("k", "v", "n", 5.0, "o", engine.ObjectOf("x", true)),
			"contentType": "application/xml", "responseTopic": "p/reply", "correlationData": []byte{0, 1, 2},
			"messageExpiryInterval": "120", "payloadFormatIndicator": true})
		got := stripID(h.Wait("c", 1, 5*time.Second)[0])
		want := engine.Msg{"topic": "p/one", "payload": "<a/>", "qos": 1.0, "retain": false,
			"userProperties": engine.ObjectOf("k", "v", "n", "5", "o", `{"x":true}`), "contentType": "application/xml",
			"responseTopic": "p/reply", "correlationData": []byte{0, 1, 2}, "messageExpiryInterval": 120.0,
			"payloadFormatIndicator": true, "_topic": "p/one"}
		if d := cmp.Diff(want, got, enginetest.OrderedObjects()); d != "" {
			t.Errorf("received (-want +got):\n%s", d)
		}
		// wrong types: errors naming the property; nothing published
		h.Reset()
		bad := []struct {
			prop string
			val  any
			want string
		}{
			{"messageExpiryInterval", "soon", "msg.messageExpiryInterval must be a number"},
			{"userProperties", "k=v", "msg.userProperties must be an object"},
			{"correlationData", 12.0, "msg.correlationData must be a Buffer or a string"},
			{"contentType", true, "msg.contentType must be a string"},
			{"topicAlias", -1.0, "msg.topicAlias must be a whole number"},
		}
		for _, c := range bad {
			h.Send("out", engine.Msg{"payload": "x", c.prop: c.val})
		}
		h.Send("out", engine.Msg{"payload": "after"})
		if m := h.Wait("c", 1, 5*time.Second)[0]; m["payload"] != "after" {
			t.Errorf("a message with a bad property was published: %v", m)
		}
		errs := h.Errors()
		for _, c := range bad {
			found := false
			for _, e := range errs {
				found = found || strings.Contains(e, c.want)
			}
			if !found {
				t.Errorf("no error %q in %q", c.want, errs)
			}
		}
	})
}

// TestMQTTV5NoLocal: an mqtt in with nl set does not get what its own
// connection publishes, and gets what others publish; without nl it does.
// Messages reach one client in the order published, so the second
// message arriving first proves the first was withheld.
func TestMQTTV5NoLocal(t *testing.T) {
	forBrokers(t, func(t *testing.T, b *testBroker) {
		c := testClient(t, b.addr)
		h := enginetest.New(t, Types()...)
		h.Deploy(`[{"id":"t","type":"tab"},` + brokerNodeV5("b", b.addr, "") + `,` + brokerNodeV5("b2", b.addr, "") + `,
		{"id":"out","z":"t","type":"mqtt out","topic":"nl/t","qos":"1","broker":"b"},
		{"id":"nl","z":"t","type":"mqtt in","topic":"nl/t","qos":"1","nl":true,"datatype":"utf8","broker":"b","wires":[["c1"]]},
		{"id":"all","z":"t","type":"mqtt in","topic":"nl/t","qos":"1","nl":false,"datatype":"utf8","broker":"b2","wires":[["c2"]]},
		{"id":"c1","z":"t","type":"helper"},{"id":"c2","z":"t","type":"helper"}]`)
		waitStatus(t, h, "nl", "connected")
		waitStatus(t, h, "all", "connected")
		h.Send("out", engine.Msg{"payload": "own"})
		if m := h.Wait("c2", 1, 5*time.Second)[0]; m["payload"] != "own" {
			t.Fatalf("other connection got %v", m)
		}
		publish(t, c, "nl/t", 1, false, "theirs")
		got := h.Wait("c1", 1, 5*time.Second)
		if got[0]["payload"] != "theirs" {
			t.Errorf("no-local subscriber got %q first, want theirs (its own message withheld)", got[0]["payload"])
		}
	})
}

// TestMQTTV5RetainHandling: rh 2 sends no retained message on subscribe,
// rh 0 does; rap keeps the retain flag of a live retained message.
func TestMQTTV5RetainHandling(t *testing.T) {
	forBrokers(t, func(t *testing.T, b *testBroker) {
		c := testClient(t, b.addr)
		publish(t, c, "rh/t", 1, true, "kept")
		// the broker may acknowledge before it has kept the message: wait
		// until a new subscriber gets it retained, or the nodes below
		// could get it live
		select {
		case m := <-collect(t, testClient(t, b.addr), "rh/t"):
			if string(m.Payload()) != "kept" || !m.Retained() {
				t.Fatalf("probe got %q (retained %v), want kept retained", m.Payload(), m.Retained())
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the broker did not keep the retained message")
		}
		h := enginetest.New(t, Types()...)
		h.Deploy(`[{"id":"t","type":"tab"},` + brokerNodeV5("b", b.addr, "") + `,` + brokerNodeV5("b2", b.addr, "") + `,
		{"id":"rh0","z":"t","type":"mqtt in","topic":"rh/t","qos":"1","rh":0,"rap":false,"datatype":"utf8","broker":"b","wires":[["c0"]]},
		{"id":"rh2","z":"t","type":"mqtt in","topic":"rh/t","qos":"1","rh":"2","rap":true,"datatype":"utf8","broker":"b2","wires":[["c2"]]},
		{"id":"c0","z":"t","type":"helper"},{"id":"c2","z":"t","type":"helper"}]`)
		waitStatus(t, h, "rh0", "connected")
		waitStatus(t, h, "rh2", "connected")
		if m := h.Wait("c0", 1, 5*time.Second)[0]; m["payload"] != "kept" || m["retain"] != true {
			t.Errorf("rh 0 got %v, want the retained message", m)
		}
		publish(t, c, "rh/t", 1, true, "live")
		got := h.Wait("c2", 1, 5*time.Second)
		if got[0]["payload"] != "live" {
			t.Errorf("rh 2 got %q first, want live (no retained message on subscribe)", got[0]["payload"])
		}
		if got[0]["retain"] != true {
			t.Error("rap: the live retained message lost its retain flag")
		}
		all := h.Wait("c0", 2, 5*time.Second)
		if all[1]["payload"] != "live" || all[1]["retain"] != false {
			t.Errorf("without rap a live message arrives with retain clear, got %v", all[1])
		}
	})
}

// TestMQTTBadBrokerConfig: a wrong port, protocol version, keep alive or
// MQTT 5 property is a deploy warning naming the node's field.
func TestMQTTBadBrokerConfig(t *testing.T) {
	for _, c := range []struct {
		set   map[string]any
		field string
	}{
		{map[string]any{"port": "70000"}, "port"},
		{map[string]any{"port": "-1"}, "port"},
		{map[string]any{"protocolVersion": "6"}, "protocolVersion"},
		{map[string]any{"protocolVersion": "5", "userProps": "{bad"}, "userProps"},
		{map[string]any{"protocolVersion": "5", "birthTopic": "b", "birthMsg": map[string]any{"expiry": "soon"}}, "birthMsg"},
		{map[string]any{"keepalive": "100000"}, "keepalive"},
		{map[string]any{"broker": "ftp://example.com"}, "broker"},
		{map[string]any{"broker": "mqtt://bad host:1883"}, "broker"},
	} {
		t.Run(c.field, func(t *testing.T) {
			var node map[string]any
			if err := json.Unmarshal([]byte(brokerNode("b", "127.0.0.1:1", "")), &node); err != nil {
				t.Fatal(err)
			}
			for k, v := range c.set {
				node[k] = v
			}
			h := enginetest.New(t, Types()...)
			w := h.Deploy([]any{node})
			found := false
			for _, x := range w {
				found = found || strings.Contains(fmt.Sprint(x), c.field)
			}
			if !found {
				t.Errorf("warnings %v do not name %s", w, c.field)
			}
		})
	}
}
