package mqttconn

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
	// Publish hands a message to the broker as published by a client:
	// retained when retain is set, delivered to every matching
	// subscription (network clients at the lower of qos and their
	// subscription's QoS). It returns once every in-process subscriber has
	// been handed the message.
	Publish(topic string, payload []byte, qos byte, retain bool) error
	// Subscribe delivers the messages published on topics matching filter
	// to h, on the publisher's goroutine, with the QoS they were published
	// with: first the retained ones (retain set), then every message
	// published from then on (retain clear, as a MQTT 3.1.1 subscriber
	// sees them). A shared filter ($share/group/filter) takes part in its
	// group with the broker's network clients: each message goes to one
	// member, and no retained messages are sent. The returned function ends
	// the subscription; it is idempotent.
	Subscribe(filter string, h Handler) (unsubscribe func(), err error)
}
