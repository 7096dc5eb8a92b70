package mqttconn

import (
	"bytes"
	"context"
	"fmt"
	"github.com/flowgate/flowgate/internal/mochitest"
	"github.com/flowgate/flowgate/internal/mosquittotest"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// denyHook lets everyone in and refuses topics under deny/.
type denyHook struct{ mqtt.HookBase }

func (denyHook) ID() string { return "deny" }
func (denyHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}
func (denyHook) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }
func (denyHook) OnACLCheck(_ *mqtt.Client, topic string, _ bool) bool {
	return !strings.HasPrefix(topic, "deny/")
}

// startMochi starts a mochi broker on addr ("127.0.0.1:0": a free port).
func startMochi(t *testing.T, addr string) (string, func()) {
	t.Helper()
	b := mochitest.Start(t, addr, new(denyHook))
	return b.Addr, b.Stop
}

// testClient is a started client with its messages on a channel.
func testClient(t *testing.T, addr string, version byte, id string) (*Client, <-chan *Message, <-chan struct{}) {
	t.Helper()
	msgs := make(chan *Message, 10000)
	up := make(chan struct{}, 16)
	c := NewClient(Options{
		URL: &url.URL{Scheme: "tcp", Host: addr}, ClientID: id, Version: version, Keepalive: 30 * time.Second, Clean: true,
		OfflineQueue: 1000,
		OnConnect:    func(packets.Properties) { up <- struct{}{} },
		OnMessage:    func(m *Message) { msgs <- m },
	})
	c.Start()
	t.Cleanup(c.Close)
	select {
	case <-up:
	case <-time.After(10 * time.Second):
		t.Fatal("client never connected")
	}
	return c, msgs, up
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func recv(t *testing.T, ch <-chan *Message) *Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message")
		return nil
	}
}

// QoS 0, 1 and 2 round trips (in order on mochi) on MQTT 3.1.1 and 5, against mochi and
// mosquitto; on MQTT 5 the broker's receive maximum (mosquitto's 20) is
// honoured: 500 QoS 1 messages in a burst are all acknowledged.
func TestClientRoundTrip(t *testing.T) {
	for _, b := range []struct {
		name  string
		start func(t *testing.T) string
	}{
		{"mochi", func(t *testing.T) string { a, _ := startMochi(t, "127.0.0.1:0"); return a }},
		{"mosquitto", func(t *testing.T) string { return mosquittotest.Start(t, "", "").Addr }},
	} {
		for _, v := range []byte{4, 5} {
			t.Run(fmt.Sprintf("%s/v%d", b.name, v), func(t *testing.T) {
				addr := b.start(t)
				sub, msgs, _ := testClient(t, addr, v, "sub")
				if err := sub.Subscribe(ctx5(t), []packets.Subscription{{Filter: "rt/#", Qos: 2}}, 0); err != nil {
					t.Fatal(err)
				}
				pub, _, _ := testClient(t, addr, v, "pub")
				const n = 500
				toks := make([]Token, 0, n)
				for i := range n {
					toks = append(toks, pub.Publish(&Message{Topic: "rt/t", Payload: fmt.Appendf(nil, "%d", i), QoS: byte(i % 3)}))
				}
				for i, tok := range toks {
					if err := tok.Wait(ctx5(t)); err != nil {
						t.Fatalf("publish %d: %v", i, err)
					}
				}
				// MQTT orders the messages of one QoS (a QoS 2 message is
				// forwarded once its handshake ends: later QoS 0 ones may
				// pass); mosquitto keeps that order only with
				// max_inflight_messages 1 (its manual), so against it every
				// message must arrive once, in any order
				last := [3]int{-3, -2, -1}
				seen := map[int]bool{}
				for k := range n {
					var m *Message
					select {
					case m = <-msgs:
					case <-time.After(10 * time.Second):
						t.Fatalf("%d messages of %d arrived", k, n)
					}
					var i int
					fmt.Sscan(string(m.Payload), &i)
					q := i % 3
					switch {
					case m.QoS != byte(q) || seen[i]:
						t.Fatalf("message %d at QoS %d: downgraded or duplicated", i, m.QoS)
					case b.name == "mochi" && i != last[q]+3:
						t.Fatalf("message %d at QoS %d after %d: lost or reordered", i, m.QoS, last[q])
					}
					seen[i], last[q] = true, i
				}
			})
		}
	}
}

// QoS 1 messages published while the broker is down are queued and
// delivered, in order, once it is back.
func TestClientOfflineQueue(t *testing.T) {
	addr, stop := startMochi(t, "127.0.0.1:0")
	pub, _, up := testClient(t, addr, 5, "pub")
	stop()
	deadline := time.Now().Add(10 * time.Second)
	for pub.Connected() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if pub.Connected() {
		t.Fatal("the client did not see the broker stop")
	}
	if err := <-pub.Publish(&Message{Topic: "q/t", QoS: 0}); err != ErrNotConnected {
		t.Errorf("a QoS 0 publish while down: %v, want ErrNotConnected", err)
	}
	var toks []Token
	for i := range 50 {
		toks = append(toks, pub.Publish(&Message{Topic: "q/t", Payload: fmt.Appendf(nil, "%d", i), QoS: 1}))
	}
	startMochi(t, addr)
	select {
	case <-up:
	case <-time.After(15 * time.Second):
		t.Fatal("no reconnection")
	}
	for i, tok := range toks {
		if err := tok.Wait(ctx5(t)); err != nil {
			t.Fatalf("queued publish %d: %v", i, err)
		}
	}
}

// A subscription or publish the broker refuses is an error naming the
// topic and the reason.
func TestClientReasonCodes(t *testing.T) {
	addr, _ := startMochi(t, "127.0.0.1:0")
	c, _, _ := testClient(t, addr, 5, "rc")
	err := c.Subscribe(ctx5(t), []packets.Subscription{{Filter: "ok/#"}, {Filter: "deny/x", Qos: 1}}, 0)
	if err == nil || !strings.Contains(err.Error(), "deny/x") || !strings.Contains(err.Error(), "not authorized") || strings.Contains(err.Error(), "ok/#") {
		t.Errorf("subscribe: %v", err)
	}
	err = c.Publish(&Message{Topic: "deny/y", QoS: 1}).Wait(ctx5(t))
	if err == nil || !strings.Contains(err.Error(), "deny/y") || !strings.Contains(err.Error(), "not authorized") {
		t.Errorf("publish: %v", err)
	}
}

// A broker that refuses the connection is an error saying why.
func TestClientRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 256)
		_, _ = c.Read(buf)
		var out bytes.Buffer
		pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connack}, ProtocolVersion: 4, ReasonCode: 5}
		_ = pk.ConnackEncode(&out)
		_, _ = c.Write(out.Bytes())
	}()
	lost := make(chan error, 4)
	c := NewClient(Options{URL: &url.URL{Scheme: "tcp", Host: ln.Addr().String()}, ClientID: "x", Version: 4,
		OnLost: func(err error) { lost <- err }})
	c.Start()
	defer c.Close()
	select {
	case err := <-lost:
		if err == nil || !strings.Contains(err.Error(), "not authorized") {
			t.Errorf("refusal reported as %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no failure reported")
	}
}

// Topic aliases (MQTT 5): a QoS 0 message to an aliased topic goes
// without the topic, a new topic remaps the alias, and the subscriber
// sees every message under its topic (mosquitto refuses an unknown alias
// by disconnecting).
func TestClientTopicAlias(t *testing.T) {
	addr := mosquittotest.Start(t, "", "").Addr
	sub, msgs, _ := testClient(t, addr, 5, "sub")
	if err := sub.Subscribe(ctx5(t), []packets.Subscription{{Filter: "ta/#"}}, 0); err != nil {
		t.Fatal(err)
	}
	pub, _, _ := testClient(t, addr, 5, "pub")
	if pub.TopicAliasMax() == 0 {
		t.Fatal("mosquitto offered no topic aliases")
	}
	topics := []string{"ta/one", "ta/one", "ta/one", "ta/two", "ta/two", "ta/one"}
	for i, topic := range topics {
		m := &Message{Topic: topic, Payload: fmt.Appendf(nil, "%d", i), Props: packets.Properties{TopicAlias: 1}}
		if err := pub.Publish(m).Wait(ctx5(t)); err != nil {
			t.Fatal(err)
		}
	}
	for i, topic := range topics {
		if m := recv(t, msgs); m.Topic != topic || string(m.Payload) != fmt.Sprint(i) {
			t.Errorf("message %d: %s %q, want %s", i, m.Topic, m.Payload, topic)
		}
	}
	if !pub.Connected() {
		t.Error("the broker disconnected the publisher")
	}
}

// Close ends a connection attempt to a broker that accepted the TCP
// connection and never answers the CONNECT, without waiting for the
// connect timeout.
func TestClientCloseWhileConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	c := NewClient(Options{URL: &url.URL{Scheme: "tcp", Host: ln.Addr().String()}, ClientID: "x"})
	c.Start()
	select {
	case conn := <-accepted:
		defer conn.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the client never dialled")
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(connectTimeout / 2):
		t.Fatal("Close waited for the connect timeout")
	}
}
