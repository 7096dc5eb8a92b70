package network

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

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

// MQTT client tuning. The offline bound is documented in the help text.
const (
	// mqttOfflineQueue bounds the QoS 1/2 messages published while the
	// connection is down; they are sent on reconnection, the ones past the
	// bound are dropped with a warning.
	mqttOfflineQueue = 1000
	// mqttGoodbyeWait bounds the wait for the acknowledgement of the close
	// message and a user's will published on an orderly close.
	mqttGoodbyeWait = 2 * time.Second
)

// mqttState is the connection state a broker shows on its users' status.
type mqttState string

const (
	mqttDisconnected mqttState = "disconnected"
	mqttConnecting   mqttState = "connecting"
	mqttConnected    mqttState = "connected"
)

func (s mqttState) status() engine.Status {
	switch s {
	case mqttConnected:
		return engine.Status{Fill: "green", Shape: "dot", Text: "connected"}
	case mqttConnecting:
		return engine.Status{Fill: "yellow", Shape: "ring", Text: "connecting"}
	}
	return engine.Status{Fill: "red", Shape: "ring", Text: "disconnected"}
}

// lwt is a birth, close or will message (props: its MQTT 5 properties).
type lwt struct {
	topic   string
	payload string
	qos     byte
	retain  bool
	props   packets.Properties
}

func (w *lwt) message() *mqttconn.Message {
	return &mqttconn.Message{Topic: w.topic, Payload: []byte(w.payload), QoS: w.qos, Retain: w.retain, Props: w.props}
}

// same reports whether w and o are the same message.
func (w *lwt) same(o *lwt) bool {
	return w != nil && o != nil && w.topic == o.topic && w.payload == o.payload && w.qos == o.qos && w.retain == o.retain
}

// mqttHandler receives a message of a subscription. It runs on the
// client's delivery goroutine (or the embedded broker's publisher's) and
// must not block; the message is shared with the other subscribers.
type mqttHandler func(m *mqttconn.Message)

// mqttSub is one user's subscription to a filter, with its MQTT 5
// options (no local, retain as published, retain handling).
type mqttSub struct {
	qos     byte
	nl, rap bool
	rh      byte
	handler mqttHandler
}

// mqttConnOptions are the connection options a connect action may change.
type mqttConnOptions struct {
	url          string
	clientID     string
	user         string
	password     string
	keepalive    int
	cleanSession bool
	version      byte // 3, 4 or 5
	// sessionExpiry and userProps are MQTT 5's CONNECT properties
	sessionExpiry uint32
	userProps     []packets.UserProperty
}

// mqttBroker is the mqtt-broker config node: one client connection shared
// by the mqtt in and mqtt out nodes naming it, which find it with
// Resources.Lookup and register with it. A node naming the embedded broker
// ("embedded", or the broker's own address) connects in-process (link)
// instead of over TCP (client).
type mqttBroker struct {
	res       *engine.Resources
	log       nodeLog
	host      string // the configured broker, for Node-RED's msg._topic rule
	auto      bool
	tlsID     string // the tls-config node, "" for none
	verify    bool   // verifyservercert, without a tls-config
	autoUnsub bool   // unsubscribe when the last user of a filter goes
	birth     *lwt
	close     *lwt
	will      *lwt
	embedded  mqttconn.Embedded // nil without an embedded broker

	fanMu      sync.Mutex   // serialises showing the state on users (fanOut, register)
	mu         sync.RWMutex // guards everything below
	opts       mqttConnOptions
	client     *mqttconn.Client // nil until the first connect over the network
	link       *mqttconn.Inline // the in-process connection, or nil
	state      mqttState
	users      map[string]func(engine.Status)
	subs       map[string]map[string]mqttSub // filter → user id → subscription
	subIDs     map[string]int                // filter → MQTT 5 subscription identifier
	nextSubID  int
	subIDsOK   bool   // the broker takes subscription identifiers (MQTT 5)
	failure    string // the last connection failure reported, "" once connected
	userWill   *lwt   // a user's will (Will), when the node sets none
	willOwner  string // the user id of userWill
	clientWill *lwt   // the will the current client connected with
	dropped    int    // QoS 0 publishes dropped while down
	started    bool
	closed     bool
}

func newMQTTBroker(cfg *engine.Config, res *engine.Resources, embedded mqttconn.Embedded) (engine.Node, error) {
	p := cfg.Reader()
	n := &mqttBroker{
		res:      res,
		embedded: embedded,
		log:      nodeLog{res: res, cfg: cfg},
		host:     p.String("broker", ""),
		auto:     p.Bool("autoConnect", true),
		state:    mqttDisconnected,
		users:    map[string]func(engine.Status){},
		subs:     map[string]map[string]mqttSub{},
		subIDs:   map[string]int{},
	}
	port := p.Int("port", 1883)
	usetls := p.Bool("usetls", false)
	n.opts = mqttConnOptions{
		clientID:     p.String("clientid", ""),
		keepalive:    p.Int("keepalive", 60),
		cleanSession: p.Bool("cleansession", true),
		version:      4,
	}
	switch v := p.Int("protocolVersion", 4); {
	case v == 3 || p.Bool("compatmode", false):
		n.opts.version = 3
	case v == 5:
		n.opts.version = 5
	case v != 4:
		p.Fail("protocolVersion", "unknown MQTT protocol version %d (3, 4 or 5)", v)
	}
	if port < 0 || port > 65535 {
		p.Fail("port", "port %d is out of range (1-65535)", port)
	}
	if n.opts.keepalive < 0 || n.opts.keepalive > 65535 {
		p.Fail("keepalive", "keep alive %d is out of range (0-65535 seconds)", n.opts.keepalive)
	}
	n.autoUnsub = p.Bool("autoUnsubscribe", true)
	if usetls {
		n.tlsID = p.String("tls", "")
	}
	n.verify = p.Bool("verifyservercert", false)
	if n.opts.version == 5 {
		n.opts.sessionExpiry = uint32(max(0, p.Int("sessionExpiry", 0)))
		if up := strings.TrimSpace(p.String("userProps", "")); strings.HasPrefix(up, "{") {
			props, err := mqttUserPropsJSON(up)
			if err != nil {
				p.Fail("userProps", "%v", err)
			}
			n.opts.userProps = props
		}
	}
	if c, ok := p.Any("credentials").(map[string]any); ok {
		n.opts.user, _ = c["user"].(string)
		n.opts.password, _ = c["password"].(string)
	}
	u, err := mqttURL(n.host, port, usetls)
	if err != nil {
		p.Fail("broker", "%v", err)
	}
	n.opts.url = u
	n.birth = readLWT(p, "birth", n.opts.version == 5)
	n.close = readLWT(p, "close", n.opts.version == 5)
	n.will = readLWT(p, "will", n.opts.version == 5)
	return n, p.Err()
}

// readLWT reads the <kind>Topic/Qos/Retain/Payload properties and, on
// MQTT 5, the <kind>Msg properties (nil when the topic is empty).
func readLWT(p *engine.Props, kind string, v5 bool) *lwt {
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
	w := &lwt{topic: topic, payload: p.String(kind+"Payload", ""), qos: byte(q), retain: p.Bool(kind+"Retain", false)}
	if o, ok := engine.AsObject(p.Any(kind + "Msg")); ok && v5 {
		props, err := mqttLWTProps(o)
		if err != nil {
			p.Fail(kind+"Msg", "%v", err)
		}
		w.props = props
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

// Start connects when autoConnect is set. The connection is made in the
// background; failures retry with back-off and show on the users' status.
func (n *mqttBroker) Start(ctx context.Context) error {
	n.mu.Lock()
	n.started = true
	var connected func()
	if n.auto {
		connected = n.connectLocked()
	}
	st := n.state
	n.mu.Unlock()
	n.fanOut(st.status())
	if connected != nil {
		connected()
	}
	return nil
}

// Close publishes the close message, disconnects, and shows disconnected.
func (n *mqttBroker) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	c, l := n.client, n.link
	n.client, n.link = nil, nil
	n.mu.Unlock()
	n.disconnect(c, l)
	n.setState(mqttDisconnected)
	return nil
}

// disconnect publishes the close message and a user's will (when
// connected), waits for their acknowledgements (bounded), and ends c or
// the in-process connection l (either may be nil).
func (n *mqttBroker) disconnect(c *mqttconn.Client, l *mqttconn.Inline) {
	n.mu.RLock()
	goodbye := []*lwt{n.close, n.userWill}
	n.mu.RUnlock()
	if l != nil {
		for _, m := range goodbye {
			if m != nil {
				if err := l.Publish(m.message()); err != nil {
					n.res.Error(err, nil)
				}
			}
		}
		l.Close()
	}
	if c == nil {
		return
	}
	if c.Connected() {
		ctx, cancel := context.WithTimeout(context.Background(), mqttGoodbyeWait)
		var toks []mqttconn.Token
		for _, m := range goodbye {
			if m != nil {
				toks = append(toks, c.Publish(m.message()))
			}
		}
		for _, t := range toks {
			_ = t.Wait(ctx)
		}
		cancel()
	}
	c.Close()
}

// connectLocked starts a client with the current options unless one runs.
// n.mu is held; the caller shows the connecting state after unlocking, then
// calls the returned function, if any (it completes an in-process
// connection: subscriptions and birth message).
func (n *mqttBroker) connectLocked() func() {
	if n.client != nil || n.link != nil || n.closed || !n.started {
		return nil
	}
	if n.inProcessLocked() {
		if n.embedded == nil || !n.embedded.Running() {
			n.state = mqttDisconnected
			n.log.warn("the embedded MQTT broker is off (--broker off): not connected")
			return nil
		}
		l := mqttconn.NewInline(n.embedded)
		n.link = l
		n.state = mqttConnecting
		return func() { n.inlineConnected(l) }
	}
	u, err := url.Parse(n.opts.url)
	if err != nil {
		n.state = mqttDisconnected
		n.res.Error(fmt.Errorf("broker: %w", err), nil)
		return nil
	}
	tlsc, err := n.tlsConfig(u)
	if err != nil {
		n.state = mqttDisconnected
		n.res.Error(err, nil)
		return nil
	}
	id := n.opts.clientID
	clean := n.opts.cleanSession
	if id == "" {
		id = "nodered" + engine.NewMsgID()[:8]
		if !clean {
			clean = true
			n.log.warn("No client ID set, using clean session")
		}
	}
	n.clientWill = n.will
	if n.will == nil {
		n.clientWill = n.userWill
	}
	var will *mqttconn.Message
	if w := n.clientWill; w != nil {
		will = w.message()
	}
	var c *mqttconn.Client
	c = mqttconn.NewClient(mqttconn.Options{
		URL: u, TLS: tlsc, ClientID: id, User: n.opts.user, Password: n.opts.password,
		Version: n.opts.version, Keepalive: time.Duration(n.opts.keepalive) * time.Second,
		Clean: clean, SessionExpiry: n.opts.sessionExpiry, UserProps: n.opts.userProps,
		Will: will, OfflineQueue: mqttOfflineQueue,
		OnConnect:    func(ack packets.Properties) { n.onConnect(c, ack) },
		OnConnecting: func() { n.setClientState(c, mqttConnecting) },
		OnLost:       func(err error) { n.lost(c, err) },
		OnMessage:    n.dispatch,
		Log:          n.res.Log,
	})
	n.client = c
	n.state = mqttConnecting
	c.Start() // retries in the background until connected or closed
	return nil
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

// mqttEmbedded is the broker address naming the embedded broker whatever
// its listener.
const mqttEmbedded = "embedded"

// inProcessLocked reports whether the connection options name the
// embedded broker: "embedded", or an address of its listener (any user
// name and password: flows are the broker's own client). n.mu is held.
func (n *mqttBroker) inProcessLocked() bool {
	u, err := url.Parse(n.opts.url)
	if err != nil || (u.Scheme != "tcp" && u.Scheme != "ssl") {
		return false
	}
	if strings.EqualFold(u.Hostname(), mqttEmbedded) {
		return true
	}
	port, _ := strconv.Atoi(u.Port())
	return n.embedded != nil && n.embedded.Serves(u.Hostname(), port)
}

// inlineConnected completes the in-process connection l, as onConnect
// does a client's: it subscribes every filter and publishes the birth
// message.
func (n *mqttBroker) inlineConnected(l *mqttconn.Inline) {
	n.mu.Lock()
	if n.closed || n.link != l {
		n.mu.Unlock()
		return
	}
	filters := make([]string, 0, len(n.subs))
	for f := range n.subs {
		filters = append(filters, f)
	}
	// connected from here: a subscribe after this snapshot subscribes itself
	n.state = mqttConnected
	n.mu.Unlock()
	if n.res.Log != nil {
		n.res.Log.Info("Connected to broker: embedded (in-process)")
	}
	for _, f := range filters {
		n.syncInline(l, f)
	}
	if b := n.birth; b != nil {
		if err := l.Publish(b.message()); err != nil {
			n.res.Error(err, nil)
		}
	}
	n.fanOut(mqttConnected.status())
}

// syncInline subscribes filter on the in-process connection l while a
// user wants it and l is connected, and unsubscribes it otherwise. n.mu
// must not be held.
func (n *mqttBroker) syncInline(l *mqttconn.Inline, filter string) {
	want := func() bool {
		n.mu.RLock()
		defer n.mu.RUnlock()
		return n.link == l && n.state == mqttConnected && len(n.subs[filter]) > 0
	}
	deliver := func(m *mqttconn.Message) { n.dispatchFilter(filter, m) }
	if err := l.Sync(filter, want, deliver); err != nil {
		n.res.Error(err, nil)
	}
}

// dispatchFilter hands a message of the in-process subscription to filter
// to the filter's users (the broker delivers a message once per matching
// filter), at the lower of its QoS and theirs. The handlers are called
// without n.mu: on the in-process path they run on the publisher's
// goroutine, which may be a flow's.
func (n *mqttBroker) dispatchFilter(filter string, m *mqttconn.Message) {
	var buf [4]mqttHandler
	hs := buf[:0]
	n.mu.RLock()
	users := n.subs[filter]
	qos := min(m.QoS, maxQoS(users))
	for _, s := range users {
		hs = append(hs, s.handler)
	}
	n.mu.RUnlock()
	if qos != m.QoS {
		c := *m
		c.QoS = qos
		m = &c
	}
	for _, h := range hs {
		h(m)
	}
}

// onConnect runs on the client's goroutine after every (re)connection:
// it resubscribes every filter and publishes the birth message.
func (n *mqttBroker) onConnect(c *mqttconn.Client, ack packets.Properties) {
	n.mu.Lock()
	if n.closed || n.client != c {
		n.mu.Unlock()
		return
	}
	n.subIDsOK = n.opts.version == 5 && (!ack.SubIDAvailableFlag || ack.SubIDAvailable == 1)
	n.failure = ""
	filters := make([]string, 0, len(n.subs))
	for f := range n.subs {
		filters = append(filters, f)
	}
	n.dropped = 0
	// connected from here: a subscribe after this snapshot subscribes itself
	n.state = mqttConnected
	n.mu.Unlock()
	if n.res.Log != nil {
		n.res.Log.Info("Connected to broker: " + n.opts.url)
	}
	for _, f := range filters {
		n.subscribeClient(c, f)
	}
	if n.birth != nil {
		c.Publish(n.birth.message())
	}
	n.fanOut(mqttConnected.status())
}

// subscribeClient subscribes filter on c with its users' options (highest
// QoS; the last user's MQTT 5 options) and waits for the SUBACK (bounded).
func (n *mqttBroker) subscribeClient(c *mqttconn.Client, filter string) {
	n.mu.Lock()
	users := n.subs[filter]
	if len(users) == 0 {
		n.mu.Unlock()
		return
	}
	sub := packets.Subscription{Filter: filter, Qos: maxQoS(users)}
	for _, u := range users {
		sub.NoLocal, sub.RetainAsPublished, sub.RetainHandling = u.nl, u.rap, u.rh
	}
	id := 0
	if n.subIDsOK {
		id = n.subIDs[filter]
		if id == 0 {
			n.nextSubID++
			id = n.nextSubID
			n.subIDs[filter] = id
		}
	}
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Subscribe(ctx, []packets.Subscription{sub}, id); err != nil && !errors.Is(err, mqttconn.ErrNotConnected) {
		n.res.Error(fmt.Errorf("mqtt subscribe %s: %w", filter, err), nil)
	}
}

// lost reports the end of a connection of c, or a failed attempt: in the
// log each time (as Node-RED), and to the debug sidebar once per distinct
// reason until a connection succeeds, so a wrong address, credentials or
// certificate is seen without flooding the sidebar while retrying.
func (n *mqttBroker) lost(c *mqttconn.Client, err error) {
	n.mu.Lock()
	was, current := n.state, n.client == c
	report := current && err != nil && err.Error() != n.failure
	if report {
		n.failure = err.Error()
	}
	n.mu.Unlock()
	if !current {
		return
	}
	if was == mqttConnected {
		n.res.Log.Info("Disconnected from broker: "+n.opts.url, "err", err)
	} else {
		n.res.Log.Info("Connection failed to broker: "+n.opts.url, "err", err)
		if report {
			n.log.warn(fmt.Sprintf("Connection failed to broker: %s: %v", n.opts.url, err))
		}
	}
	n.setState(mqttDisconnected)
}

// setClientState records a state change of client c, unless another
// client replaced it.
func (n *mqttBroker) setClientState(c *mqttconn.Client, s mqttState) {
	n.mu.RLock()
	current := n.client == c
	n.mu.RUnlock()
	if current {
		n.setState(s)
	}
}

func maxQoS(users map[string]mqttSub) byte {
	var q byte
	for _, s := range users {
		q = max(q, s.qos)
	}
	return q
}

// setState records the state and shows it on every user.
func (n *mqttBroker) setState(s mqttState) {
	n.mu.Lock()
	if n.closed && s != mqttDisconnected {
		n.mu.Unlock()
		return
	}
	n.state = s
	n.mu.Unlock()
	n.fanOut(s.status())
}

// fanOut shows the current state on every registered user. The state is
// read under fanMu, so concurrent fan-outs and registrations (the client's
// goroutine, Start, a node registering) cannot leave an older state shown
// last; st is what the caller changed to, superseded by anything newer.
func (n *mqttBroker) fanOut(st engine.Status) {
	n.fanMu.Lock()
	defer n.fanMu.Unlock()
	n.mu.RLock()
	st = n.state.status()
	fns := make([]func(engine.Status), 0, len(n.users))
	for _, f := range n.users {
		fns = append(fns, f)
	}
	n.mu.RUnlock()
	for _, f := range fns {
		f(st)
	}
}

// register adds a user (an mqtt in/out node) that shows the connection
// state with status; it is shown the current state at once.
func (n *mqttBroker) register(id string, status func(engine.Status)) {
	n.fanMu.Lock()
	defer n.fanMu.Unlock()
	n.mu.Lock()
	n.users[id] = status
	st := n.state
	n.mu.Unlock()
	status(st.status())
}

// deregister removes a user, its subscriptions and its will.
func (n *mqttBroker) deregister(id string) {
	n.mu.Lock()
	delete(n.users, id)
	if n.willOwner == id {
		n.userWill, n.willOwner = nil, ""
	}
	var gone []string
	for f, users := range n.subs {
		if _, ok := users[id]; ok {
			delete(users, id)
			if len(users) == 0 {
				delete(n.subs, f)
				delete(n.subIDs, f)
				gone = append(gone, f)
			}
		}
	}
	c, l := n.client, n.link
	n.mu.Unlock()
	n.unsubscribeFilters(c, l, gone)
}

// subscribe adds the user's subscription to filter; the broker is asked
// only for the first subscription of a filter, or a higher QoS.
func (n *mqttBroker) subscribe(filter string, id string, s mqttSub) {
	n.mu.Lock()
	users := n.subs[filter]
	if users == nil {
		users = map[string]mqttSub{}
		n.subs[filter] = users
	}
	had, top := len(users) > 0, maxQoS(users)
	before, mine := users[id]
	users[id] = s
	c, l := n.client, n.link
	connected := n.state == mqttConnected
	// the broker is asked again for a higher QoS or changed MQTT 5 options
	changed := !had || s.qos > top || (mine && (before.nl != s.nl || before.rap != s.rap || before.rh != s.rh))
	n.mu.Unlock()
	if l != nil {
		if !had {
			n.syncInline(l, filter)
		}
		return
	}
	if c != nil && connected && changed {
		// wait for the SUBACK (bounded) so that a message published after
		// Start or a subscribe action is not missed
		n.subscribeClient(c, filter)
	}
}

// unsubscribe removes the user's subscription to filter; the broker is
// told when the last one goes.
func (n *mqttBroker) unsubscribe(filter, id string) {
	n.mu.Lock()
	users := n.subs[filter]
	delete(users, id)
	var gone []string
	if users != nil && len(users) == 0 {
		delete(n.subs, filter)
		delete(n.subIDs, filter)
		gone = []string{filter}
	}
	c, l := n.client, n.link
	n.mu.Unlock()
	n.unsubscribeFilters(c, l, gone)
}

// unsubscribeFilters tells the broker, waiting (bounded) for its UNSUBACK:
// a connection closing with the broker's answer unread ends with a reset,
// which the broker takes for a lost connection and publishes the will.
func (n *mqttBroker) unsubscribeFilters(c *mqttconn.Client, l *mqttconn.Inline, filters []string) {
	if l != nil {
		for _, f := range filters {
			n.syncInline(l, f)
		}
	}
	if c != nil && len(filters) > 0 && c.Connected() && n.autoUnsub {
		ctx, cancel := context.WithTimeout(context.Background(), mqttGoodbyeWait)
		defer cancel()
		_ = c.Unsubscribe(ctx, filters...)
	}
}

// dispatch hands a received message to every subscription whose filter
// matches, as Node-RED does (overlapping filters each get it); on MQTT 5
// with subscription identifiers, only to the filters the broker names.
func (n *mqttBroker) dispatch(m *mqttconn.Message) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	ids := m.Props.SubscriptionIdentifier
	for f, users := range n.subs {
		if len(ids) > 0 && n.subIDsOK && n.subIDs[f] != 0 {
			if !slices.Contains(ids, n.subIDs[f]) {
				continue
			}
		} else if !topicMatches(f, m.Topic) {
			continue
		}
		for _, s := range users {
			s.handler(m)
		}
	}
}

// errNotConnected is returned by publish when a QoS 0 message cannot go out.
var errNotConnected = errors.New("not connected")

// publish sends a message. While the connection is down, QoS 1/2 messages
// are queued (up to mqttOfflineQueue) and QoS 0 ones dropped.
func (n *mqttBroker) publish(m *mqttconn.Message) error {
	n.mu.RLock()
	c, l, st := n.client, n.link, n.state
	n.mu.RUnlock()
	if st == mqttConnected && l != nil {
		return l.Publish(m)
	}
	if c == nil { // closing, or disconnected by an action
		return n.dropQoS0()
	}
	t := c.Publish(m)
	select {
	case err := <-t:
		if errors.Is(err, mqttconn.ErrNotConnected) {
			return n.dropQoS0()
		}
		return err
	default:
		return nil
	}
}

// dropQoS0 warns, once per outage, that messages are dropped.
func (n *mqttBroker) dropQoS0() error {
	n.mu.Lock()
	n.dropped++
	first := n.dropped == 1
	n.mu.Unlock()
	if first {
		n.log.warn("not connected to the broker: QoS 0 messages are dropped until it reconnects")
	}
	return nil
}

// setWill makes topic/payload (retained, QoS 1) the will of the
// connection for user id, unless the node sets a will or another user
// has; a client connected with another will is replaced.
func (n *mqttBroker) setWill(id, topic string, payload []byte) bool {
	w := &lwt{topic: topic, payload: string(payload), qos: 1, retain: true}
	n.mu.Lock()
	if n.will != nil || (n.willOwner != "" && n.willOwner != id) {
		n.mu.Unlock()
		return false
	}
	n.userWill, n.willOwner = w, id
	old := n.client
	if n.link != nil || old == nil || n.clientWill.same(w) {
		n.mu.Unlock()
		return true
	}
	// the will is part of the connection: connect again with it (over
	// TCP: an in-process connection publishes the will when it closes),
	// once the old client has ended (bounded): a connection attempt of
	// the old client completing after the new one would take the session
	// (same client id) from it
	n.client = nil
	n.mu.Unlock()
	old.Close()
	n.mu.Lock()
	n.connectLocked()
	st := n.state
	n.mu.Unlock()
	n.fanOut(st.status())
	return true
}

// publishWait publishes and waits for the acknowledgement until ctx ends.
func (n *mqttBroker) publishWait(ctx context.Context, m *mqttconn.Message) error {
	n.mu.RLock()
	c, l, st := n.client, n.link, n.state
	n.mu.RUnlock()
	if st == mqttConnected && l != nil {
		return l.Publish(m)
	}
	if c == nil || st != mqttConnected {
		return errNotConnected
	}
	if err := c.Publish(m).Wait(ctx); err != nil {
		return fmt.Errorf("publish %s: %w", m.Topic, err)
	}
	return nil
}

// connectAction handles msg.action "connect" (msg.broker may change the
// connection options; force cycles an open connection).
func (n *mqttBroker) connectAction(m engine.Msg) error {
	override, _ := engine.AsObject(m["broker"])
	n.mu.Lock()
	running := n.client != nil || n.link != nil
	n.mu.Unlock()
	if running {
		if override == nil {
			return nil
		}
		if !engine.Truthy(override.Value("force")) {
			return errors.New("Disconnect from broker before connecting")
		}
		n.disconnectAction()
	}
	n.mu.Lock()
	if override != nil {
		if err := n.setOptionsLocked(override); err != nil {
			n.mu.Unlock()
			return err
		}
	}
	connected := n.connectLocked()
	st := n.state
	n.mu.Unlock()
	n.fanOut(st.status())
	if connected != nil {
		connected()
	}
	return nil
}

// setOptionsLocked applies a connect action's msg.broker. n.mu is held.
func (n *mqttBroker) setOptionsLocked(o *engine.Object) error {
	host, hasHost := o.Value("broker").(string)
	port := 0
	if v, ok := o.Get("port"); ok {
		port = int(engine.ToNumber(v))
	} else if u, err := url.Parse(n.opts.url); err == nil {
		port, _ = strconv.Atoi(u.Port())
	}
	if hasHost || port != 0 {
		if !hasHost {
			if u, err := url.Parse(n.opts.url); err == nil {
				host = u.Hostname()
			}
		}
		u, err := mqttURL(host, port, strings.HasPrefix(n.opts.url, "ssl:"))
		if err != nil {
			return err
		}
		n.opts.url = u
		n.host = host
	}
	if v, ok := o.Value("clientid").(string); ok {
		n.opts.clientID = v
	}
	if v, ok := o.Value("username").(string); ok {
		n.opts.user = v
	}
	if v, ok := o.Value("password").(string); ok {
		n.opts.password = v
	}
	if v, ok := o.Get("keepalive"); ok {
		n.opts.keepalive = int(engine.ToNumber(v))
	}
	if v, ok := o.Value("cleansession").(bool); ok {
		n.opts.cleanSession = v
	}
	return nil
}

// disconnectAction handles msg.action "disconnect": the connection ends
// and stays down until a connect action.
func (n *mqttBroker) disconnectAction() {
	n.mu.Lock()
	c, l := n.client, n.link
	n.client, n.link = nil, nil
	n.mu.Unlock()
	n.disconnect(c, l)
	n.setState(mqttDisconnected)
}

// v5 reports whether the connection speaks MQTT 5 (the in-process one
// carries MQTT 5 properties too).
func (n *mqttBroker) v5() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.opts.version == 5
}

// topicAliasMax is the broker's topic alias maximum (0 while not
// connected, and in-process).
func (n *mqttBroker) topicAliasMax() uint16 {
	n.mu.RLock()
	c := n.client
	n.mu.RUnlock()
	if c == nil {
		return 0
	}
	return c.TopicAliasMax()
}

// localBroker is Node-RED's rule for msg._topic on mqtt in messages.
func (n *mqttBroker) localBroker() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
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

// topicMatches reports whether topic matches the subscription filter
// (shared subscriptions "$share/group/filter" match as filter).
func topicMatches(filter, topic string) bool {
	if rest, ok := strings.CutPrefix(filter, "$share/"); ok {
		if _, f, ok := strings.Cut(rest, "/"); ok {
			filter = f
		}
	}
	if strings.HasPrefix(topic, "$") && (strings.HasPrefix(filter, "+") || strings.HasPrefix(filter, "#")) {
		return false
	}
	for {
		fl, frest, fmore := strings.Cut(filter, "/")
		if fl == "#" {
			return true
		}
		tl, trest, tmore := strings.Cut(topic, "/")
		if fl != "+" && fl != tl {
			return false
		}
		if !fmore || !tmore {
			// "a/#" also matches "a"
			return fmore == tmore || (!tmore && frest == "#")
		}
		filter, topic = frest, trest
	}
}

// The exported method set below makes the config node a mqttconn.Conn for
// the node types of other categories (Home Assistant).
var _ mqttconn.Conn = (*mqttBroker)(nil)

// Publish is publish for mqttconn.Conn.
func (n *mqttBroker) Publish(topic string, payload []byte, qos byte, retain bool) error {
	return n.publish(&mqttconn.Message{Topic: topic, Payload: payload, QoS: qos, Retain: retain})
}

// PublishWait is publishWait for mqttconn.Conn.
func (n *mqttBroker) PublishWait(ctx context.Context, topic string, payload []byte, qos byte, retain bool) error {
	return n.publishWait(ctx, &mqttconn.Message{Topic: topic, Payload: payload, QoS: qos, Retain: retain})
}

// Will is setWill for mqttconn.Conn.
func (n *mqttBroker) Will(id, topic string, payload []byte) bool {
	return n.setWill(id, topic, payload)
}

// Subscribe is subscribe for mqttconn.Conn.
func (n *mqttBroker) Subscribe(filter string, qos byte, id string, h mqttconn.Handler) {
	n.subscribe(filter, id, mqttSub{qos: qos, rap: true, handler: func(m *mqttconn.Message) {
		h(m.Topic, m.Payload, m.QoS, m.Retain)
	}})
}

// Unsubscribe is unsubscribe for mqttconn.Conn.
func (n *mqttBroker) Unsubscribe(filter, id string) { n.unsubscribe(filter, id) }

// Register is register for mqttconn.Conn.
func (n *mqttBroker) Register(id string, status func(engine.Status)) { n.register(id, status) }

// Deregister is deregister for mqttconn.Conn.
func (n *mqttBroker) Deregister(id string) { n.deregister(id) }
