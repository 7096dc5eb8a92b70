package nodes

import "github.com/flowgate/flowgate/nodes/internal/mqttconn"

// MQTTClient is the MQTT 3.1.1 and 5 client of the mqtt-broker node
// (nodes/internal/mqttconn), for the runtime's own connections (the
// fleet's): connection in the background, reconnection with back-off, QoS
// 1/2 resent and queued while down.
type MQTTClient = mqttconn.Client

// MQTTOptions configure an MQTTClient.
type MQTTOptions = mqttconn.Options

// MQTTMessage is a message an MQTTClient publishes or receives.
type MQTTMessage = mqttconn.Message

// NewMQTTClient returns a client; its Start connects it.
func NewMQTTClient(o MQTTOptions) *MQTTClient { return mqttconn.NewClient(o) }
