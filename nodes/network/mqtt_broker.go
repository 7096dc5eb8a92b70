package network

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/nodes/internal/mqttconn"
)

func mqttBrokerSpec() engine.Spec {
	str := func(name, label, def string) engine.Prop {
		return engine.Prop{Name: name, Label: label, Kind: engine.KindString, Default: def}
	}
	qos := func(name string) engine.Prop {
		return engine.Prop{Name: name, Label: "QoS", Kind: engine.KindSelect, Default: "0", Options: []engine.Option{
			{Value: "0", Label: "0"}, {Value: "1", Label: "1"}, {Value: "2", Label: "2"},
		}}
	}
	retain := func(name string) engine.Prop {
		return engine.Prop{Name: name, Label: "Retain", Kind: engine.KindSelect, Default: "false", Options: []engine.Option{
			{Value: "true", Label: "true"}, {Value: "false", Label: "false"},
		}}
	}
	msgProp := func(name string) engine.Prop {
		return engine.Prop{Name: name, Label: "MQTT 5 properties", Kind: engine.KindJSON, Default: map[string]any{}, Hidden: true}
	}
	return engine.Spec{
		Type: "mqtt-broker", Category: "config", Color: "#d8bfd8", Config: true, LabelProp: "name",
		Props: []engine.Prop{
			str("name", "Name", ""),
			{Name: "broker", Label: "Server", Kind: engine.KindString, Default: "", Required: true},
			{Name: "port", Label: "Port", Kind: engine.KindNumber, Default: 1883},
			{Name: "tls", Label: "TLS Configuration", Kind: engine.KindConfig, ConfigType: "tls-config", Default: ""},
			str("clientid", "Client ID", ""),
			{Name: "autoConnect", Label: "Connect automatically", Kind: engine.KindBool, Default: true},
			{Name: "usetls", Label: "Use TLS", Kind: engine.KindBool, Default: false},
			{Name: "verifyservercert", Label: "Verify server certificate", Kind: engine.KindBool, Default: false, Hidden: true},
			{Name: "compatmode", Label: "Use legacy MQTT 3.1 support", Kind: engine.KindBool, Default: false, Hidden: true},
			{Name: "protocolVersion", Label: "Protocol", Kind: engine.KindSelect, Default: 4, Options: []engine.Option{
				{Value: "3", Label: "MQTT V3.1"}, {Value: "4", Label: "MQTT V3.1.1"}, {Value: "5", Label: "MQTT V5"},
			}},
			{Name: "keepalive", Label: "Keep Alive", Kind: engine.KindNumber, Default: 60},
			{Name: "cleansession", Label: "Use clean session", Kind: engine.KindBool, Default: true},
			{Name: "autoUnsubscribe", Label: "Automatically unsubscribe when disconnecting", Kind: engine.KindBool, Default: true},
			str("birthTopic", "Birth topic", ""), qos("birthQos"), retain("birthRetain"), str("birthPayload", "Birth payload", ""), msgProp("birthMsg"),
			str("closeTopic", "Close topic", ""), qos("closeQos"), retain("closeRetain"), str("closePayload", "Close payload", ""), msgProp("closeMsg"),
			str("willTopic", "Will topic", ""), qos("willQos"), retain("willRetain"), str("willPayload", "Will payload", ""), msgProp("willMsg"),
			{Name: "userProps", Label: "User Properties", Kind: engine.KindString, Default: "", Hidden: true},
			{Name: "sessionExpiry", Label: "Session Expiry (seconds)", Kind: engine.KindNumber, Default: 0, Hidden: true},
		},
		Credentials: []engine.Prop{
			{Name: "user", Label: "Username", Kind: engine.KindString},
			{Name: "password", Label: "Password", Kind: engine.KindString},
		},
		Help: help("mqtt-broker"),
	}
}

// mqttBroker is the mqtt-broker config node: its properties made into a
// mqttconn.Session, the connection shared by the mqtt in and mqtt out
// nodes naming it, which find it with Resources.Lookup and register with
// it. A node naming the embedded broker ("embedded", or the broker's own
// address) connects in-process instead of over the network.
type mqttBroker struct {
	s     *mqttconn.Session
	res   *engine.Resources
	log   nodeLog
	tlsID string // the tls-config node, "" for none
	// verify is verifyservercert, applied without a tls-config
	verify bool

	mu   sync.Mutex // guards host
	host string     // the configured broker, for Node-RED's msg._topic rule
}

func newMQTTBroker(cfg *engine.Config, res *engine.Resources, embedded mqttconn.Embedded) (engine.Node, error) {
	p := cfg.Reader()
	n := &mqttBroker{res: res, log: nodeLog{res: res, cfg: cfg}, host: p.String("broker", "")}
	port := p.Int("port", 1883)
	usetls := p.Bool("usetls", false)
	opts := mqttconn.ConnOptions{
		ClientID:  p.String("clientid", ""),
		Keepalive: p.Int("keepalive", 60),
		Clean:     p.Bool("cleansession", true),
		Version:   4,
	}
	switch v := p.Int("protocolVersion", 4); {
	case v == 3 || p.Bool("compatmode", false):
		opts.Version = 3
	case v == 5:
		opts.Version = 5
	case v != 4:
		p.Fail("protocolVersion", "unknown MQTT protocol version %d (3, 4 or 5)", v)
	}
	if port < 0 || port > 65535 {
		p.Fail("port", "port %d is out of range (1-65535)", port)
	}
	if opts.Keepalive < 0 || opts.Keepalive > 65535 {
		p.Fail("keepalive", "keep alive %d is out of range (0-65535 seconds)", opts.Keepalive)
	}
	if usetls {
		n.tlsID = p.String("tls", "")
	}
	n.verify = p.Bool("verifyservercert", false)
	v5 := opts.Version == 5
	if v5 {
		opts.SessionExpiry = uint32(max(0, p.Int("sessionExpiry", 0)))
		if up := strings.TrimSpace(p.String("userProps", "")); strings.HasPrefix(up, "{") {
			props, err := mqttUserPropsJSON(up)
			if err != nil {
				p.Fail("userProps", "%v", err)
			}
			opts.UserProps = props
		}
	}
	if c, ok := p.Any("credentials").(map[string]any); ok {
		opts.User, _ = c["user"].(string)
		opts.Password, _ = c["password"].(string)
	}
	u, err := mqttURL(n.host, port, usetls)
	if err != nil {
		p.Fail("broker", "%v", err)
	}
	opts.URL = u
	n.s = mqttconn.NewSession(mqttconn.SessionConfig{
		Options:         opts,
		AutoConnect:     p.Bool("autoConnect", true),
		AutoUnsubscribe: p.Bool("autoUnsubscribe", true),
		Birth:           readLWT(p, "birth", v5),
		Close:           readLWT(p, "close", v5),
		Will:            readLWT(p, "will", v5),
		TLS:             n.tlsConfig,
		Embedded:        embedded,
		Log:             res.Log,
		Warn:            n.log.warn,
		Error:           func(err error) { res.Error(err, nil) },
	})
	return n, p.Err()
}

// readLWT reads the <kind>Topic/Qos/Retain/Payload properties and, on
// MQTT 5, the <kind>Msg properties (nil when the topic is empty).
func readLWT(p *engine.Props, kind string, v5 bool) *mqttconn.Message {
	topic := p.String(kind+"Topic", "")
	if topic == "" {
		return nil
	}
	if !validPublishTopic(topic) {
		p.Fail(kind+"Topic", "Invalid topic specified")
		return nil
	}
	q := p.Int(kind+"Qos", 0)
	if q < 0 || q > 2 {
		q = 0
	}
	w := &mqttconn.Message{Topic: topic, Payload: []byte(p.String(kind+"Payload", "")), QoS: byte(q), Retain: p.Bool(kind+"Retain", false)}
	if o, ok := engine.AsObject(p.Any(kind + "Msg")); ok && v5 {
		props, err := mqttLWTProps(o)
		if err != nil {
			p.Fail(kind+"Msg", "%v", err)
		}
		w.Props = props
	}
	return w
}

// mqttURL builds the broker URL as Node-RED does: a broker with a scheme is
// used as is (mqtt/mqtts/tcp/ssl/ws/wss), otherwise mqtt(s)://broker:port.
func mqttURL(broker string, port int, usetls bool) (string, error) {
	if strings.Contains(broker, "://") {
		u, err := url.Parse(broker)
		if err != nil {
			return "", fmt.Errorf("invalid broker url: %w", err)
		}
		switch u.Scheme {
		case "mqtt", "tcp":
			u.Scheme = "tcp"
		case "mqtts", "ssl", "tls":
			u.Scheme = "ssl"
		case "ws", "wss":
		default:
			return "", fmt.Errorf("unsupported broker url scheme %q", u.Scheme)
		}
		if u.Port() == "" && (u.Scheme == "tcp" || u.Scheme == "ssl") {
			u.Host = net.JoinHostPort(u.Hostname(), "1883")
		}
		return u.String(), nil
	}
	scheme := "tcp"
	if usetls {
		scheme = "ssl"
	}
	if broker == "" {
		broker = "localhost"
	}
	if port == 0 {
		port = 1883
	}
	return scheme + "://" + net.JoinHostPort(broker, strconv.Itoa(port)), nil
}

// tlsConfig is the TLS configuration of a connection to u: the tls-config
// node's when one is set, else Node-RED's default (the server's
// certificate verified only when verifyservercert is set).
func (n *mqttBroker) tlsConfig(u *url.URL) (*tls.Config, error) {
	if u.Scheme != "ssl" && u.Scheme != "wss" {
		return nil, nil
	}
	if n.tlsID == "" {
		return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !n.verify}, nil //nolint:gosec // Node-RED's verifyservercert
	}
	t, err := lookupTLS(n.res, n.tlsID)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	c, err := t.Client()
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return c, nil
}

// connectAction handles msg.action "connect" (msg.broker may change the
// connection options; force cycles an open connection).
func (n *mqttBroker) connectAction(m engine.Msg) error {
	override, _ := engine.AsObject(m["broker"])
	if n.s.Running() {
		if override == nil {
			return nil
		}
		if !engine.Truthy(override.Value("force")) {
			return errors.New("Disconnect from broker before connecting")
		}
		n.s.Disconnect()
	}
	return n.s.Connect(func(o *mqttconn.ConnOptions) error {
		if override == nil {
			return nil
		}
		return n.setOptions(o, override)
	})
}

// setOptions applies a connect action's msg.broker to o.
func (n *mqttBroker) setOptions(o *mqttconn.ConnOptions, b *engine.Object) error {
	host, hasHost := b.Value("broker").(string)
	port := 0
	if v, ok := b.Get("port"); ok {
		port = int(engine.ToNumber(v))
	} else if u, err := url.Parse(o.URL); err == nil {
		port, _ = strconv.Atoi(u.Port())
	}
	if hasHost || port != 0 {
		if !hasHost {
			if u, err := url.Parse(o.URL); err == nil {
				host = u.Hostname()
			}
		}
		u, err := mqttURL(host, port, strings.HasPrefix(o.URL, "ssl:"))
		if err != nil {
			return err
		}
		o.URL = u
		n.mu.Lock()
		n.host = host
		n.mu.Unlock()
	}
	if v, ok := b.Value("clientid").(string); ok {
		o.ClientID = v
	}
	if v, ok := b.Value("username").(string); ok {
		o.User = v
	}
	if v, ok := b.Value("password").(string); ok {
		o.Password = v
	}
	if v, ok := b.Get("keepalive"); ok {
		o.Keepalive = int(engine.ToNumber(v))
	}
	if v, ok := b.Value("cleansession").(bool); ok {
		o.Clean = v
	}
	return nil
}

// Start connects when autoConnect is set. The connection is made in the
// background; failures retry with back-off and show on the users' status.
func (n *mqttBroker) Start(ctx context.Context) error {
	n.s.Start()
	return nil
}

// Close publishes the close message, disconnects, and shows disconnected.
func (n *mqttBroker) Close(ctx context.Context) error {
	n.s.Close()
	return nil
}

// localBroker is Node-RED's rule for msg._topic on mqtt in messages.
func (n *mqttBroker) localBroker() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.host == "localhost" || n.host == "127.0.0.1"
}

// lookupMQTTBroker finds the running mqtt-broker config node id.
func lookupMQTTBroker(res *engine.Resources, id string) (*mqttBroker, bool) {
	node, ok := res.Lookup(id)
	if !ok {
		return nil, false
	}
	b, ok := node.(*mqttBroker)
	return b, ok
}

// validPublishTopic is Node-RED's isValidPublishTopic.
func validPublishTopic(t string) bool {
	return t != "" && !strings.ContainsAny(t, "+#\b\f\n\r\t\v\x00")
}

// validSubscriptionTopic is Node-RED's isValidSubscriptionTopic: # only
// last, + and # only as whole levels.
func validSubscriptionTopic(t string) bool {
	if t == "" {
		return false
	}
	levels := strings.Split(t, "/")
	for i, l := range levels {
		switch {
		case l == "#":
			if i != len(levels)-1 {
				return false
			}
		case l == "+":
		case strings.ContainsAny(l, "+#"):
			return false
		}
	}
	return true
}

// The exported method set below makes the config node a mqttconn.Conn for
// the node types of other categories (Home Assistant).
var _ mqttconn.Conn = (*mqttBroker)(nil)

// Publish is the session's, for mqttconn.Conn.
func (n *mqttBroker) Publish(topic string, payload []byte, qos byte, retain bool) error {
	return n.s.Publish(&mqttconn.Message{Topic: topic, Payload: payload, QoS: qos, Retain: retain})
}

// PublishWait is the session's, for mqttconn.Conn.
func (n *mqttBroker) PublishWait(ctx context.Context, topic string, payload []byte, qos byte, retain bool) error {
	return n.s.PublishWait(ctx, &mqttconn.Message{Topic: topic, Payload: payload, QoS: qos, Retain: retain})
}

// Will is the session's, for mqttconn.Conn.
func (n *mqttBroker) Will(id, topic string, payload []byte) bool {
	return n.s.SetWill(id, topic, payload)
}

// Subscribe is the session's, for mqttconn.Conn.
func (n *mqttBroker) Subscribe(filter string, qos byte, id string, h mqttconn.Handler) {
	n.s.Subscribe(filter, id, mqttconn.Sub{QoS: qos, Handler: func(m *mqttconn.Message) {
		h(m.Topic, m.Payload, m.QoS, m.Retain)
	}})
}

// Unsubscribe is the session's, for mqttconn.Conn.
func (n *mqttBroker) Unsubscribe(filter, id string) { n.s.Unsubscribe(filter, id) }

// Register is the session's, for mqttconn.Conn.
func (n *mqttBroker) Register(id string, status func(engine.Status)) { n.s.Register(id, status) }

// Deregister is the session's, for mqttconn.Conn.
func (n *mqttBroker) Deregister(id string) { n.s.Deregister(id) }
