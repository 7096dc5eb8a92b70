package network

import (
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/engine/enginetest"
	"github.com/flowgate/flowgate/nodes/function"
)

// TestMQTTOut: payload conversion, topic/qos/retain from the node or the
// message, against both brokers.
func TestMQTTOut(t *testing.T) {
	forBrokers(t, func(t *testing.T, b *testBroker) {
		c := testClient(t, b.addr)
		ch := collect(t, c, "out/#")
		h := enginetest.New(t, Types()...)
		h.Deploy(`[{"id":"t","type":"tab"},` + brokerNode("b", b.addr, "") + `,
		{"id":"o","z":"t","type":"mqtt out","topic":"","qos":"","retain":"","broker":"b"},
		{"id":"fixed","z":"t","type":"mqtt out","topic":"out/fixed","qos":"1","retain":"true","broker":"b"}]`)
		waitStatus(t, h, "o", "connected")
		cases := []struct {
			name    string
			node    string
			msg     engine.Msg
			topic   string
			payload string
			qos     byte
			retain  bool
		}{
			{"string", "o", engine.Msg{"topic": "out/s", "payload": "hi"}, "out/s", "hi", 0, false},
			{"object as JSON", "o", engine.Msg{"topic": "out/o", "payload": engine.ObjectOf("a", []any{1.0, "x"})}, "out/o", `{"a":[1,"x"]}`, 0, false},
			{"object keys in order", "o", engine.Msg{"topic": "out/o", "payload": engine.ObjectOf("z", 1.0, "a", engine.ObjectOf("y", true, "b", nil))}, "out/o", `{"z":1,"a":{"y":true,"b":null}}`, 0, false},
			{"number", "o", engine.Msg{"topic": "out/n", "payload": 2.5, "qos": "1"}, "out/n", "2.5", 1, false},
			{"bool", "o", engine.Msg{"topic": "out/b", "payload": true, "qos": 2.0}, "out/b", "true", 2, false},
			{"null", "o", engine.Msg{"topic": "out/null", "payload": nil}, "out/null", "", 0, false},
			{"buffer", "o", engine.Msg{"topic": "out/buf", "payload": []byte{1, 2}}, "out/buf", "\x01\x02", 0, false},
			{"node topic, qos, retain win", "fixed", engine.Msg{"topic": "ignored", "payload": "f", "qos": 0.0, "retain": false}, "out/fixed", "f", 1, true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h.Send(tc.node, tc.msg)
				m := receive(t, ch)
				// a retained flag is only seen by a new subscriber: check it below
				if m.Topic() != tc.topic || string(m.Payload()) != tc.payload || m.Qos() != tc.qos {
					t.Errorf("got %s %q qos %d, want %s %q qos %d", m.Topic(), m.Payload(), m.Qos(), tc.topic, tc.payload, tc.qos)
				}
			})
		}
		// the retained message reaches a later subscriber with retain set
		c2 := testClient(t, b.addr)
		if m := receive(t, collect(t, c2, "out/fixed")); !m.Retained() || string(m.Payload()) != "f" {
			t.Errorf("retained: %v %q", m.Retained(), m.Payload())
		}
		// no payload: nothing; a wildcard topic: a warning, nothing
		h.Send("o", engine.Msg{"topic": "out/none"})
		h.Send("o", engine.Msg{"topic": "out/+", "payload": "x"})
		h.Send("o", engine.Msg{"topic": "out/last", "payload": "last"})
		if m := receive(t, ch); m.Topic() != "out/last" {
			t.Errorf("got %s, want out/last only", m.Topic())
		}
	})
}

// TestMQTTFlowRelay: mqtt in → change → mqtt out through the engine.
func TestMQTTFlowRelay(t *testing.T) {
	forBrokers(t, func(t *testing.T, b *testBroker) {
		c := testClient(t, b.addr)
		ch := collect(t, c, "relay/out")
		h := enginetest.New(t, append(Types(), function.Types()...)...)
		h.Deploy(relayFlow(b.addr))
		waitStatus(t, h, "in", "connected")
		waitStatus(t, h, "out", "connected")
		publish(t, c, "relay/in", 1, false, `{"t":20}`)
		m := receive(t, ch)
		if string(m.Payload()) != `{"t":20}` || m.Topic() != "relay/out" {
			t.Errorf("relayed %s %q", m.Topic(), m.Payload())
		}
	})
}

func relayFlow(addr string) string {
	return `[{"id":"t","type":"tab"},` + brokerNode("b", addr, "") + `,
	{"id":"in","z":"t","type":"mqtt in","topic":"relay/in","qos":"0","datatype":"auto-detect","broker":"b","wires":[["ch"]]},
	{"id":"ch","z":"t","type":"change","rules":[{"t":"set","p":"topic","pt":"msg","to":"relay/out","tot":"str"}],"wires":[["out"]]},
	{"id":"out","z":"t","type":"mqtt out","topic":"","qos":"","retain":"","broker":"b"}]`
}

// BenchmarkMQTTRelay: messages per second through mqtt in → change → mqtt
// out over a broker on loopback, mochi and mosquitto (publisher and
// subscriber are test clients).
func BenchmarkMQTTRelay(b *testing.B) {
	b.Run("mochi", func(b *testing.B) { benchRelay(b, startMochi(b, "127.0.0.1:0")) })
	b.Run("mosquitto", func(b *testing.B) { benchRelay(b, startMosquitto(b, "")) })
}

func benchRelay(b *testing.B, br *testBroker) {
	pub := testClient(b, br.addr)
	sub := testClient(b, br.addr)
	done := make(chan struct{}, 1024)
	if tok := sub.Subscribe("relay/out", 0, func(_ paho.Client, _ paho.Message) { done <- struct{}{} }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	h := enginetest.New(b, append(Types(), function.Types()...)...)
	h.Deploy(relayFlow(br.addr))
	waitStatus(b, h, "out", "connected")
	waitStatus(b, h, "in", "connected")
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
