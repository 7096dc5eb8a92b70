package runtime

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/flowgate/flowgate/engine"
)

// rawV5 is a bare MQTT 5 network client made of mochi's codec, for the
// test's side of MQTT 5 properties.
type rawV5 struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialV5(t *testing.T, addr, id string) *rawV5 {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // every read and write of the test is bounded
	r := &rawV5{t: t, c: c, r: bufio.NewReader(c)}
	r.send(&packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: 5,
		Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), ClientIdentifier: id, Clean: true, Keepalive: 60}})
	if ack := r.read(); ack.FixedHeader.Type != packets.Connack || ack.ReasonCode != 0 {
		t.Fatalf("connack %+v", ack)
	}
	return r
}

func (r *rawV5) send(pk *packets.Packet) {
	r.t.Helper()
	pk.ProtocolVersion = 5
	pk.Mods.AllowResponseInfo = true
	var buf bytes.Buffer
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(&buf)
	case packets.Publish:
		err = pk.PublishEncode(&buf)
	case packets.Subscribe:
		err = pk.SubscribeEncode(&buf)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.c.Write(buf.Bytes()); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawV5) read() *packets.Packet {
	r.t.Helper()
	hb, err := r.r.ReadByte()
	if err != nil {
		r.t.Fatal(err)
	}
	pk := &packets.Packet{ProtocolVersion: 5}
	if err := pk.FixedHeader.Decode(hb); err != nil {
		r.t.Fatal(err)
	}
	n, _, err := packets.DecodeLength(r.r)
	if err != nil {
		r.t.Fatal(err)
	}
	pk.FixedHeader.Remaining = n
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.r, buf); err != nil {
		r.t.Fatal(err)
	}
	switch pk.FixedHeader.Type {
	case packets.Connack:
		err = pk.ConnackDecode(buf)
	case packets.Publish:
		err = pk.PublishDecode(buf)
	case packets.Suback:
		err = pk.SubackDecode(buf)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return pk
}

// The in-process path carries MQTT 5 properties both ways: a network
// client's properties reach the flow's msg, and the msg's properties
// reach a network MQTT 5 subscriber.
func TestEmbeddedMQTT5Properties(t *testing.T) {
	rt := startEmbedded(t, MQTTBroker{})
	b := brokerAt(rt, "b", "")
	b = b[:len(b)-1] + `,"protocolVersion":"5"}`
	deployJSON(t, rt, engine.DeployFull, `{"id":"t","type":"tab"}`, b,
		`{"id":"in","z":"t","type":"mqtt in","topic":"v5in/#","qos":"1","datatype":"auto-detect","broker":"b","wires":[["f"]]}`,
		`{"id":"f","z":"t","type":"function","outputs":1,"wires":[["out"]],"func":"msg.payload = {u: msg.userProperties, ct: msg.contentType, rt: msg.responseTopic, cd: msg.correlationData.toString(), me: msg.messageExpiryInterval, p: msg.payload}; msg.topic = 'v5out/a'; msg.userProperties = {echo: 'yes'}; msg.contentType = 'application/json'; return msg;"}`,
		`{"id":"out","z":"t","type":"mqtt out","topic":"","qos":"1","broker":"b"}`)
	waitConnected(t, rt, "in")
	if n := flowClients(rt); n != 0 {
		t.Fatalf("%d network clients of the flow: not in-process", n)
	}
	c := dialV5(t, rt.BrokerAddr(), "testv5")
	c.send(&packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: 1,
		Filters: packets.Subscriptions{{Filter: "v5out/#", Qos: 1}}})
	if ack := c.read(); ack.FixedHeader.Type != packets.Suback {
		t.Fatalf("suback %+v", ack)
	}
	c.send(&packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish}, TopicName: "v5in/x", Payload: []byte(`{"n":1}`),
		Properties: packets.Properties{User: []packets.UserProperty{{Key: "k", Val: "v"}}, ContentType: "application/json",
			ResponseTopic: "r/1", CorrelationData: []byte("c1"), MessageExpiryInterval: 90}})
	var pk *packets.Packet
	for pk == nil || pk.FixedHeader.Type != packets.Publish {
		pk = c.read()
	}
	var got map[string]any
	if err := json.Unmarshal(pk.Payload, &got); err != nil {
		t.Fatalf("payload %s: %v", pk.Payload, err)
	}
	want := map[string]any{"u": map[string]any{"k": "v"}, "ct": "application/json", "rt": "r/1", "cd": "c1", "me": 90.0, "p": map[string]any{"n": 1.0}}
	if gj, wj := jsonText(got), jsonText(want); gj != wj {
		t.Errorf("the flow saw %s, want %s", gj, wj)
	}
	p := pk.Properties
	if len(p.User) != 1 || p.User[0] != (packets.UserProperty{Key: "echo", Val: "yes"}) || p.ContentType != "application/json" ||
		p.ResponseTopic != "r/1" || string(p.CorrelationData) != "c1" || p.MessageExpiryInterval == 0 {
		t.Errorf("the subscriber got properties %+v", p)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
