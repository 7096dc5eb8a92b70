package mqttconn

import "github.com/mochi-mqtt/server/v2/packets"

// EmbeddedHandler receives a message of an in-process subscription, on
// the publisher's goroutine; everything it gets is shared (read only).
type EmbeddedHandler = func(topic string, payload []byte, qos byte, retain bool, props *packets.Properties)

// Embedded is the MQTT broker built into the process, as an mqtt-broker
// config node reaches it in-process: messages pass between flows and the
// broker as values, with no connection, no packet encoding, and none of the
// broker's logins or ACLs (flows are the broker's own client). The runtime's
// broker implements it; it is handed to the node types before the broker
// starts, and works while the broker runs.
type Embedded interface {
	// Serves reports whether a client connecting to host and port reaches
	// this broker (its listener's port, on a loopback or local address);
	// false while the broker does not run.
	Serves(host string, port int) bool
	// Running reports whether the broker runs.
	Running() bool
	// Publish hands a message to the broker as published by an MQTT 5
	// client (its properties go to MQTT 5 subscribers): retained when
	// Retain is set, delivered to every matching subscription (network
	// clients at the lower of its QoS and their subscription's). It returns
	// once every in-process subscriber has been handed the message; the
	// broker copies what it keeps.
	Publish(topic string, payload []byte, qos byte, retain bool, props *packets.Properties) error
	// Subscribe delivers the messages published on topics matching filter
	// to h, on the publisher's goroutine, with the QoS and MQTT 5
	// properties they were published with: first the retained ones (retain set), then every message
	// published from then on (retain clear, as a MQTT 3.1.1 subscriber
	// sees them). A shared filter ($share/group/filter) takes part in its
	// group with the broker's network clients: each message goes to one
	// member, and no retained messages are sent. The returned function ends
	// the subscription; it is idempotent.
	Subscribe(filter string, h EmbeddedHandler) (unsubscribe func(), err error)
}
