// Package mqttconn is the client side of an mqtt-broker config node: the
// MQTT 3.1.1 and 5 Client (on mochi's packet codec, writes batched by
// BatchConn), the in-process link to the embedded broker (Inline), and
// the Session the node is made of (connection, subscriptions, state,
// birth/close/will). Node types of other categories see the node as Conn:
// the Home Assistant nodes find it with Resources.Lookup and assert it.
//
// Import rules: engine, mochi's packets, paho.mqtt.golang's websocket
// dialer (ws:// and wss:// brokers), golang.org/x/net/proxy, the
// standard library.
package mqttconn

import (
	"context"

	"github.com/flowgate/flowgate/engine"
)

// Handler receives a message of a subscription. It runs on the client's
// delivery goroutine, or on the embedded broker's path on the publisher's
// goroutine (several at once), and must not block. payload is shared with
// the other subscribers: it must not be modified, nor kept (copy it).
type Handler = func(topic string, payload []byte, qos byte, retain bool)

// MessageHandler receives a message of a subscription with its MQTT 5
// properties, on the goroutines a Handler runs on; the message is shared
// with the other subscribers and must not be modified.
type MessageHandler = func(m *Message)

// Conn is the shared connection of an mqtt-broker config node.
type Conn interface {
	// Publish sends a message; while the connection is down QoS 0 messages
	// are dropped and QoS 1/2 ones queued (bounded).
	Publish(topic string, payload []byte, qos byte, retain bool) error
	// PublishWait sends a message and waits until the broker acknowledges
	// it (QoS 1/2) or has it written (QoS 0), or ctx ends; it fails at
	// once while the connection is down.
	PublishWait(ctx context.Context, topic string, payload []byte, qos byte, retain bool) error
	// Will asks for the connection's last will: payload, retained at QoS 1
	// on topic, which the broker publishes when the connection is lost
	// without a goodbye and the connection publishes itself (acknowledged)
	// before it closes. A will set on the mqtt-broker node wins, then the
	// first user to ask; it reports whether id's will is the connection's.
	// A connection made with another will reconnects to apply it.
	Will(id, topic string, payload []byte) bool
	// Subscribe adds the user id's subscription to filter; it is renewed on
	// every reconnection.
	Subscribe(filter string, qos byte, id string, h Handler)
	// Unsubscribe removes the user id's subscription to filter.
	Unsubscribe(filter, id string)
	// Register adds a user shown the connection state through status (at
	// once, then on every change); see Connected.
	Register(id string, status func(engine.Status))
	// Deregister removes the user, its subscriptions and its claim on the
	// will (which stays until the next connection).
	Deregister(id string)
}

// Connected reports whether a status given by Conn.Register means the
// connection is up (after the broker's subscriptions and birth message).
func Connected(s engine.Status) bool { return s.Text == "connected" }

// Lookup finds the running mqtt-broker config node id.
func Lookup(res *engine.Resources, id string) (Conn, bool) {
	n, ok := res.Lookup(id)
	if !ok {
		return nil, false
	}
	c, ok := n.(Conn)
	return c, ok
}
