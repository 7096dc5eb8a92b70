package network

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
)

func mqttOutSpec() engine.Spec {
	str := func(name, label string) engine.Prop {
		return engine.Prop{Name: name, Label: label, Kind: engine.KindString, Default: ""}
	}
	return engine.Spec{
		Type: "mqtt out", Category: "network", Color: "#d8bfd8", Icon: "bridge.svg", Align: "right",
		Inputs: 1, Outputs: 0, LabelProp: "name", PaletteLabel: "mqtt out",
		Props: []engine.Prop{
			str("name", "Name"),
			str("topic", "Topic"),
			{Name: "qos", Label: "QoS", Kind: engine.KindSelect, Default: "", Options: []engine.Option{
				{Value: "", Label: ""}, {Value: "0", Label: "0"}, {Value: "1", Label: "1"}, {Value: "2", Label: "2"},
			}},
			{Name: "retain", Label: "Retain", Kind: engine.KindSelect, Default: "", Options: []engine.Option{
				{Value: "", Label: ""}, {Value: "false", Label: "false"}, {Value: "true", Label: "true"},
			}},
			str("respTopic", "Response Topic"),
			str("contentType", "Content Type"),
			str("userProps", "User Properties"),
			str("correl", "Correlation Data"),
			str("expiry", "Message Expiry (secs)"),
			{Name: "broker", Label: "Server", Kind: engine.KindConfig, ConfigType: "mqtt-broker", Default: "", Required: true},
		},
		Help: help("mqtt out"),
	}
}

// mqttOut publishes msg.payload to msg.topic (or its own topic).
type mqttOut struct {
	res      *engine.Resources
	log      nodeLog
	id       string
	brokerID string
	topic    string
	qos      string // "" means from the message
	retain   any    // Node-RED's node.retain: "", "true", "false" or a bool
	// the node's MQTT 5 properties, which win over the message's (nil/""
	// when unset)
	userProps   *engine.Object
	respTopic   string
	correl      string
	contentType string
	expiry      string

	broker *mqttBroker // set by Start, before any Handle; kept after Close
	closed atomic.Bool // Close ran (it may run while a Handle does)
}

func newMQTTOut(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &mqttOut{
		res:      res,
		log:      nodeLog{res: res, cfg: cfg},
		id:       cfg.ID,
		brokerID: p.String("broker", ""),
		topic:    p.String("topic", ""),
		qos:      p.String("qos", ""),
		retain:   p.Any("retain"),
	}
	if n.brokerID == "" {
		p.Fail("broker", "missing broker configuration")
	}
	if n.topic != "" && !validPublishTopic(n.topic) {
		p.Fail("topic", "Invalid topic specified")
	}
	n.respTopic = p.String("respTopic", "")
	n.correl = p.String("correl", "")
	n.contentType = p.String("contentType", "")
	n.expiry = p.String("expiry", "")
	if n.expiry != "" {
		if _, err := mqttInt(n.expiry, 0, math.MaxUint32); err != nil {
			p.Fail("expiry", "message expiry %v", err)
		}
	}
	if up := strings.TrimSpace(p.String("userProps", "")); strings.HasPrefix(up, "{") {
		v, err := engine.DecodeJSON([]byte(up))
		o, ok := engine.AsObject(v)
		if err != nil || !ok {
			p.Fail("userProps", "user properties must be a JSON object")
		}
		n.userProps = o
	}
	return n, p.Err()
}

// Start registers with the broker config node.
func (n *mqttOut) Start(ctx context.Context) error {
	b, ok := lookupMQTTBroker(n.res, n.brokerID)
	if !ok {
		n.res.Error(errors.New("missing broker configuration"), nil)
		return nil
	}
	n.broker = b
	b.s.Register(n.id, n.res.Status)
	return nil
}

// Close deregisters; the connection stays with the config node.
func (n *mqttOut) Close(ctx context.Context) error {
	if b := n.broker; b != nil && !n.closed.Swap(true) {
		b.s.Deregister(n.id)
		n.res.Status(engine.Status{})
	}
	return nil
}

// Handle publishes the message, or runs msg.action connect/disconnect.
// The message completes once handed to the client (not on PUBACK).
func (n *mqttOut) Handle(ctx context.Context, m engine.Msg, out *engine.Output) error {
	if n.broker == nil {
		return errors.New("missing broker configuration")
	}
	if a, ok := m["action"]; ok && engine.Truthy(a) {
		switch a {
		case "connect":
			return n.broker.connectAction(m)
		case "disconnect":
			n.broker.s.Disconnect()
			return nil
		}
		return errors.New("Invalid action specified")
	}
	// doPublish: the node's topic, qos and retain win over the message's
	if n.topic != "" {
		m["topic"] = n.topic
	}
	qos := 0
	if q := engine.ToNumber(n.qos); n.qos != "" && q >= 0 && q <= 2 {
		qos = int(q)
	} else if v, ok := m["qos"]; ok && engine.Truthy(v) {
		if q := engine.ToNumber(engine.ToString(v)); q == 1 || q == 2 {
			qos = int(q)
		}
	}
	retain := n.retain
	if !engine.Truthy(retain) {
		retain = m["retain"]
	}
	payload, ok := m["payload"]
	if !ok {
		return nil
	}
	pm := &mqttconn.Message{QoS: byte(qos), Retain: retain == true || retain == "true"}
	if n.broker.s.V5() {
		n.setV5(m)
		props, err := mqttMsgProps(m)
		if err != nil {
			return err
		}
		if props.TopicAlias > 0 {
			if max := n.broker.s.TopicAliasMax(); props.TopicAlias > max {
				return fmt.Errorf("Invalid topicAlias: msg.topicAlias %d is above the broker's maximum %d", props.TopicAlias, max)
			}
		}
		if t, _ := m["topic"].(string); t == "" && props.ResponseTopic != "" {
			// Node-RED publishes to the response topic when there is no topic
			m["topic"] = props.ResponseTopic
			delete(m, "responseTopic")
			props.ResponseTopic = ""
		}
		pm.Props = props
	}
	topic, isStr := m["topic"].(string)
	if !isStr || !validPublishTopic(topic) {
		n.log.warn("Invalid topic specified")
		return nil
	}
	pm.Topic, pm.Payload = topic, mqttBytes(payload)
	return n.broker.s.Publish(pm)
}

// setV5 sets the node's MQTT 5 properties on m, as Node-RED's doPublish.
func (n *mqttOut) setV5(m engine.Msg) {
	if n.userProps != nil {
		m["userProperties"] = n.userProps.Clone()
	}
	if n.respTopic != "" {
		m["responseTopic"] = n.respTopic
	}
	if n.correl != "" {
		m["correlationData"] = n.correl
	}
	if n.contentType != "" {
		m["contentType"] = n.contentType
	}
	if n.expiry != "" {
		m["messageExpiryInterval"] = n.expiry
	}
}

// mqttBytes is Node-RED's payload conversion for publishing: buffers as
// they are, null/undefined as "", objects as JSON, the rest as text.
func mqttBytes(v any) []byte {
	switch t := v.(type) {
	case nil:
		return nil
	case []byte:
		return t
	case string:
		return []byte(t)
	case *engine.Object, map[string]any, []any:
		s, err := engine.JSONString(t, "")
		if err != nil {
			return []byte(engine.ToString(t))
		}
		return []byte(s)
	}
	return []byte(engine.ToString(v))
}
