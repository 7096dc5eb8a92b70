package network

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
)

func mqttInSpec() engine.Spec {
	return engine.Spec{
		Type: "mqtt in", Category: "network", Color: "#d8bfd8", Icon: "bridge.svg",
		Inputs: 0, Outputs: 1, LabelProp: "name", PaletteLabel: "mqtt in",
		Props: []engine.Prop{
			{Name: "name", Label: "Name", Kind: engine.KindString, Default: ""},
			{Name: "topic", Label: "Topic", Kind: engine.KindString, Default: ""},
			{Name: "qos", Label: "QoS", Kind: engine.KindSelect, Default: "2", Options: []engine.Option{
				{Value: "0", Label: "0"}, {Value: "1", Label: "1"}, {Value: "2", Label: "2"},
			}},
			{Name: "datatype", Label: "Output", Kind: engine.KindSelect, Default: "auto-detect", Required: true, Options: []engine.Option{
				{Value: "auto-detect", Label: "auto-detect (parsed JSON object, string or buffer)"},
				{Value: "auto", Label: "auto-detect (string or buffer)"},
				{Value: "buffer", Label: "a Buffer"},
				{Value: "utf8", Label: "a String"},
				{Value: "json", Label: "a parsed JSON object"},
				{Value: "base64", Label: "a Base64 encoded string"},
			}},
			{Name: "broker", Label: "Server", Kind: engine.KindConfig, ConfigType: "mqtt-broker", Default: "", Required: true},
			{Name: "nl", Label: "Do not receive messages published by this client", Kind: engine.KindBool, Default: false},
			{Name: "rap", Label: "Keep retain flag of original publish", Kind: engine.KindBool, Default: true},
			{Name: "rh", Label: "Retained message handling", Kind: engine.KindSelect, Default: 0, Options: []engine.Option{
				{Value: "0", Label: "sending retained messages"}, {Value: "1", Label: "only for new subscriptions"}, {Value: "2", Label: "do not send"},
			}},
			{Name: "inputs", Label: "Action", Kind: engine.KindSelect, Default: 0, Options: []engine.Option{
				{Value: "0", Label: "subscribe to a single topic"}, {Value: "1", Label: "dynamic subscription"},
			}},
		},
		Help: help("mqtt in"),
	}
}

// mqttIn subscribes to a topic (or, with inputs 1, to the topics that
// msg.action "subscribe" names) and sends each received message.
type mqttIn struct {
	res      *engine.Resources
	id       string
	brokerID string
	topic    string
	qos      byte
	datatype string
	dynamic  bool
	nl, rap  bool // MQTT 5 no local, retain as published
	rh       byte // MQTT 5 retain handling

	broker *mqttBroker // set by Start
	local  bool        // the broker is localhost: msg._topic is set (Node-RED)
	v5     bool        // the broker speaks MQTT 5: properties go in msg

	mu      sync.Mutex // guards subs and order (Handle against Close)
	subs    map[string]*engine.Object
	order   []string
	stopped bool
}

func newMQTTIn(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	n := &mqttIn{
		res:      res,
		id:       cfg.ID,
		brokerID: p.String("broker", ""),
		topic:    p.String("topic", ""),
		datatype: p.String("datatype", "utf8"),
		dynamic:  p.Int("inputs", 0) == 1,
		subs:     map[string]*engine.Object{},
	}
	if n.datatype == "" {
		n.datatype = "utf8"
	}
	q := p.Int("qos", 2)
	if q < 0 || q > 2 {
		q = 2
	}
	n.qos = byte(q)
	if n.brokerID == "" {
		p.Fail("broker", "missing broker configuration")
	}
	n.nl = p.Bool("nl", false)
	n.rap = p.Bool("rap", false)
	if rh := p.Int("rh", 0); rh >= 0 && rh <= 2 {
		n.rh = byte(rh)
	} else {
		p.Fail("rh", "retain handling %d is not 0, 1 or 2", rh)
	}
	if !n.dynamic && !validSubscriptionTopic(n.topic) {
		p.Fail("topic", "Invalid topic specified")
	}
	switch n.datatype {
	case "auto", "auto-detect", "buffer", "utf8", "json", "base64":
	default:
		p.Fail("datatype", "unknown datatype %q", n.datatype)
	}
	return n, p.Err()
}

// Start registers with the broker config node and subscribes.
func (n *mqttIn) Start(ctx context.Context) error {
	b, ok := lookupMQTTBroker(n.res, n.brokerID)
	if !ok {
		n.res.Error(errors.New("missing broker configuration"), nil)
		return nil
	}
	n.broker = b
	n.local = b.localBroker()
	n.v5 = b.s.V5()
	b.s.Register(n.id, n.res.Status)
	if !n.dynamic {
		b.s.Subscribe(n.topic, n.id, n.sub(n.qos, n.nl, n.rap, n.rh, n.datatype))
	}
	return nil
}

// Close drops the node's subscriptions; the connection stays with the
// config node.
func (n *mqttIn) Close(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped || n.broker == nil {
		n.stopped = true
		return nil
	}
	n.stopped = true
	n.broker.s.Deregister(n.id)
	n.res.Status(engine.Status{})
	return nil
}

// Handle runs msg.action: connect, disconnect, subscribe, unsubscribe,
// getSubscriptions (Node-RED's dynamic mqtt in).
func (n *mqttIn) Handle(ctx context.Context, m engine.Msg, out *engine.Output) error {
	if n.broker == nil {
		return errors.New("missing broker configuration")
	}
	action, _ := m["action"].(string)
	switch action {
	case "connect":
		return n.broker.connectAction(m)
	case "disconnect":
		n.broker.s.Disconnect()
		return nil
	case "subscribe", "unsubscribe":
		return n.subscribeAction(action, m)
	case "getSubscriptions":
		m["topic"] = "subscriptions"
		m["payload"] = n.subscriptions()
		out.Send(0, m)
		return nil
	}
	return errors.New("Invalid action specified")
}

func (n *mqttIn) subscribeAction(action string, m engine.Msg) error {
	var list []any
	switch t := m["topic"].(type) {
	case bool:
		if !t || action != "unsubscribe" {
			return errors.New("msg.topic is missing or invalid")
		}
		list = n.subscriptions()
	case []any:
		list = t
	case string, *engine.Object, map[string]any:
		list = []any{t}
	default:
		return errors.New("msg.topic is missing or invalid")
	}
	subs := make([]*engine.Object, 0, len(list))
	for _, e := range list {
		var sub *engine.Object
		switch t := e.(type) {
		case string:
			sub = engine.ObjectOf("topic", t)
		case *engine.Object, map[string]any:
			o, _ := engine.AsObject(t)
			sub = o.Clone()
		}
		topic, _ := sub.Value("topic").(string)
		if !validSubscriptionTopic(topic) {
			return errors.New("Invalid topic specified")
		}
		subs = append(subs, sub)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, sub := range subs {
		topic := sub.Value("topic").(string)
		if _, ok := n.subs[topic]; ok {
			n.broker.s.Unsubscribe(topic, n.id)
			n.forgetLocked(topic)
		}
		if action == "unsubscribe" {
			continue
		}
		q := 2
		if v, ok := sub.Get("qos"); ok {
			if f := engine.ToNumber(v); f >= 0 && f <= 2 {
				q = int(f)
			}
		}
		sub.Set("qos", float64(q))
		dt, _ := sub.Value("datatype").(string)
		if dt == "" {
			dt = n.datatype
		}
		nl, rap, rh := n.nl, n.rap, n.rh
		if v, ok := sub.Get("nl"); ok {
			nl = engine.Truthy(v) && v != "false"
		}
		if v, ok := sub.Get("rap"); ok {
			rap = engine.Truthy(v) && v != "false"
		}
		if v, ok := sub.Get("rh"); ok {
			if f := engine.ToNumber(v); f >= 0 && f <= 2 {
				rh = byte(f)
			}
		}
		n.broker.s.Subscribe(topic, n.id, n.sub(byte(q), nl, rap, rh, dt))
		n.subs[topic] = sub
		n.order = append(n.order, topic)
	}
	m["subscriptions"] = n.subscriptionsLocked()
	return nil
}

func (n *mqttIn) forgetLocked(topic string) {
	delete(n.subs, topic)
	for i, t := range n.order {
		if t == topic {
			n.order = append(n.order[:i], n.order[i+1:]...)
			break
		}
	}
}

func (n *mqttIn) subscriptions() []any {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.subscriptionsLocked()
}

func (n *mqttIn) subscriptionsLocked() []any {
	out := make([]any, 0, len(n.order))
	for _, t := range n.order {
		out = append(out, n.subs[t].Clone())
	}
	return out
}

// sub is the node's subscription with its options and handler.
func (n *mqttIn) sub(qos byte, nl, rap bool, rh byte, datatype string) mqttconn.Sub {
	return mqttconn.Sub{QoS: qos, NL: nl, RAP: rap, RH: rh, Handler: n.handler(datatype)}
}

// handler converts a received message to a msg and sends it; it runs on
// the client's delivery goroutine and only hands the msg to res.Send.
// MQTT 5 properties become msg properties as in Node-RED, and a content
// type or payload format indicator guides the auto-detect conversions.
func (n *mqttIn) handler(datatype string) mqttconn.MessageHandler {
	return func(rm *mqttconn.Message) {
		m := engine.Msg{"_msgid": engine.NewMsgID(), "topic": rm.Topic, "qos": float64(rm.QoS), "retain": rm.Retain}
		props := &rm.Props
		if n.v5 {
			mqttSetMsgProps(m, props)
		} else {
			props = &packets.Properties{}
		}
		v, err := mqttPayloadV5(datatype, rm.Payload, props)
		if err != nil {
			m["payload"] = bytes.Clone(rm.Payload)
			n.res.Error(err, m)
			return
		}
		m["payload"] = v
		if n.local {
			m["_topic"] = rm.Topic
		}
		n.res.Send(0, m)
	}
}

// mqttPayloadV5 is Node-RED's conversion with MQTT 5's hints: for the
// auto modes, a known content type decides (text, JSON or a Buffer), and
// the payload format indicator marks UTF-8 text.
func mqttPayloadV5(datatype string, b []byte, p *packets.Properties) (any, error) {
	utf8Flag := p.PayloadFormatFlag && p.PayloadFormat == 1
	if (datatype != "auto" && datatype != "auto-detect") || (!utf8Flag && p.ContentType == "") {
		return mqttPayload(datatype, b)
	}
	switch mqttMediaTypes[strings.ToLower(p.ContentType)] {
	case "string":
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	case "buffer":
		return bytes.Clone(b), nil
	case "json":
		v, err := engine.DecodeJSON(b)
		if err != nil {
			return nil, errors.New("Failed to parse JSON string")
		}
		if datatype == "auto-detect" {
			return v, nil
		}
		return string(b), nil
	}
	return mqttPayload(datatype, b)
}

// mqttMediaTypes is Node-RED's knownMediaTypes: how the auto modes read a
// payload with a content type.
var mqttMediaTypes = map[string]string{
	"text/css": "string", "text/html": "string", "text/plain": "string", "application/json": "json",
	"application/octet-stream": "buffer", "application/pdf": "buffer", "application/x-gtar": "buffer",
	"application/x-gzip": "buffer", "application/x-tar": "buffer", "application/xml": "string",
	"application/zip": "buffer", "audio/aac": "buffer", "audio/ac3": "buffer", "audio/basic": "buffer",
	"audio/mp4": "buffer", "audio/ogg": "buffer", "image/bmp": "buffer", "image/gif": "buffer",
	"image/jpeg": "buffer", "image/tiff": "buffer", "image/png": "buffer",
}

// mqttPayload converts a received payload as Node-RED's datatype says. A
// Buffer is a copy: the in-process path hands every subscriber (and the
// retained store) the publisher's bytes.
func mqttPayload(datatype string, b []byte) (any, error) {
	switch datatype {
	case "buffer":
		return bytes.Clone(b), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(b), nil
	case "utf8":
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	case "json":
		if !utf8.Valid(b) {
			return nil, errors.New("Invalid JSON string")
		}
		v, err := engine.DecodeJSON(b)
		if err != nil {
			return nil, errors.New("Failed to parse JSON string")
		}
		return v, nil
	}
	// auto and auto-detect
	if !utf8.Valid(b) {
		return bytes.Clone(b), nil
	}
	if datatype == "auto-detect" {
		if v, err := engine.DecodeJSON(b); err == nil {
			return v, nil
		}
	}
	return string(b), nil
}
