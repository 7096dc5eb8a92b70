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
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

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
	// mqttRetryInterval is the wait between first-connection attempts;
	// reconnections back off from 1 s up to mqttMaxReconnect.
	mqttRetryInterval = 2 * time.Second
	mqttMaxReconnect  = 10 * time.Second
	// mqttCloseWait bounds the wait for in-flight work on disconnect (ms).
	mqttCloseWait = 250
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

// lwt is a birth, close or will message.
type lwt struct {
	topic   string
	payload string
	qos     byte
	retain  bool
}

// mqttHandler receives a message of a subscription. It runs on the
// client's delivery goroutine and must not block.
type mqttHandler func(topic string, payload []byte, qos byte, retain bool)

// mqttSub is one user's subscription to a filter.
type mqttSub struct {
	qos     byte
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
}

// mqttBroker is the mqtt-broker config node: one client connection shared
// by the mqtt in and mqtt out nodes naming it, which find it with
// Resources.Lookup and register with it. A node naming the embedded broker
// ("embedded", or the broker's own address) connects in-process (link)
// instead of over TCP (client).
type mqttBroker struct {
	res      *engine.Resources
	log      nodeLog
	host     string // the configured broker, for Node-RED's msg._topic rule
	auto     bool
	v5       bool
	birth    *lwt
	close    *lwt
	will     *lwt
	embedded mqttconn.Embedded // nil without an embedded broker

	fanMu      sync.Mutex   // serialises showing the state on users (fanOut, register)
	mu         sync.RWMutex // guards everything below
	opts       mqttConnOptions
	client     paho.Client      // nil until the first connect over TCP
	link       *mqttconn.Inline // the in-process connection, or nil
	state      mqttState
	users      map[string]func(engine.Status)
	subs       map[string]map[string]mqttSub // filter → user id → subscription
	userWill   *lwt                          // a user's will (Will), when the node sets none
	willOwner  string                        // the user id of userWill
	clientWill *lwt                          // the will the current client connected with
	offline    int                           // QoS 1/2 publishes queued while down
	dropped    int                           // QoS 0 publishes dropped while down
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
	}
	port := p.Int("port", 1883)
	usetls := p.Bool("usetls", false)
	n.v5 = p.Int("protocolVersion", 4) == 5
	n.opts = mqttConnOptions{
		clientID:     p.String("clientid", ""),
		keepalive:    p.Int("keepalive", 60),
		cleanSession: p.Bool("cleansession", true),
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
	n.birth = readLWT(p, "birth")
	n.close = readLWT(p, "close")
	n.will = readLWT(p, "will")
	return n, p.Err()
}

// readLWT reads the <kind>Topic/Qos/Retain/Payload properties (nil when
// the topic is empty).
func readLWT(p *engine.Props, kind string) *lwt {
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
	return &lwt{topic: topic, payload: p.String(kind+"Payload", ""), qos: byte(q), retain: p.Bool(kind+"Retain", false)}
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
	if n.v5 {
		n.log.warn("MQTT 5 is not supported yet: connecting with MQTT 3.1.1 (v5 message properties are ignored)")
	}
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
func (n *mqttBroker) disconnect(c paho.Client, l *mqttconn.Inline) {
	n.mu.RLock()
	goodbye := []*lwt{n.close, n.userWill}
	n.mu.RUnlock()
	if l != nil {
		for _, m := range goodbye {
			if m != nil {
				if err := l.Publish(m.topic, []byte(m.payload), m.qos, m.retain); err != nil {
					n.res.Error(err, nil)
				}
			}
		}
		l.Close()
	}
	if c == nil {
		return
	}
	if c.IsConnectionOpen() {
		var toks []paho.Token
		for _, m := range goodbye {
			if m != nil {
				toks = append(toks, c.Publish(m.topic, m.qos, m.retain, m.payload))
			}
		}
		deadline := time.Now().Add(mqttGoodbyeWait)
		for _, t := range toks {
			t.WaitTimeout(time.Until(deadline))
		}
	}
	c.Disconnect(mqttCloseWait)
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
	o := paho.NewClientOptions()
	o.AddBroker(n.opts.url)
	id := n.opts.clientID
	clean := n.opts.cleanSession
	if id == "" {
		id = "nodered" + engine.NewMsgID()[:8]
		if !clean {
			clean = true
			n.log.warn("No client ID set, using clean session")
		}
	}
	o.SetClientID(id)
	o.SetUsername(n.opts.user)
	o.SetPassword(n.opts.password)
	o.SetCleanSession(clean)
	o.SetKeepAlive(time.Duration(n.opts.keepalive) * time.Second)
	o.SetProtocolVersion(4)
	o.SetAutoReconnect(true)
	o.SetConnectRetry(true)
	o.SetConnectRetryInterval(mqttRetryInterval)
	o.SetMaxReconnectInterval(mqttMaxReconnect)
	o.SetConnectTimeout(10 * time.Second)
	o.SetOrderMatters(true) // delivery stays in order; handlers never block
	o.SetTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12})
	o.SetCustomOpenConnectionFn(mqttconn.Dial) // writes batched
	n.clientWill = n.will
	if n.will == nil {
		n.clientWill = n.userWill
	}
	if w := n.clientWill; w != nil {
		o.SetWill(w.topic, w.payload, w.qos, w.retain)
	}
	o.SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
		n.dispatch(m.Topic(), m.Payload(), m.Qos(), m.Retained())
	})
	o.SetOnConnectHandler(n.onConnect)
	o.SetConnectionLostHandler(func(_ paho.Client, err error) {
		n.log.res.Log.Info("mqtt connection lost", "broker", n.opts.url, "err", err)
		n.setState(mqttDisconnected)
	})
	o.SetReconnectingHandler(func(paho.Client, *paho.ClientOptions) { n.setState(mqttConnecting) })
	c := paho.NewClient(o)
	n.client = c
	n.state = mqttConnecting
	c.Connect() // retries in the background until connected or disconnected
	return nil
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
		if err := l.Publish(b.topic, []byte(b.payload), b.qos, b.retain); err != nil {
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
	deliver := func(topic string, payload []byte, qos byte, retain bool) {
		n.dispatchFilter(filter, topic, payload, qos, retain)
	}
	if err := l.Sync(filter, want, deliver); err != nil {
		n.res.Error(err, nil)
	}
}

// dispatchFilter hands a message of the in-process subscription to filter
// to the filter's users (the broker delivers a message once per matching
// filter), at the lower of its QoS and theirs. The handlers are called
// without n.mu: on the in-process path they run on the publisher's
// goroutine, which may be a flow's.
func (n *mqttBroker) dispatchFilter(filter, topic string, payload []byte, qos byte, retain bool) {
	var buf [4]mqttHandler
	hs := buf[:0]
	n.mu.RLock()
	users := n.subs[filter]
	qos = min(qos, maxQoS(users))
	for _, s := range users {
		hs = append(hs, s.handler)
	}
	n.mu.RUnlock()
	for _, h := range hs {
		h(topic, payload, qos, retain)
	}
}

// onConnect runs on its own goroutine (paho's) after every (re)connection:
// it resubscribes every filter and publishes the birth message.
func (n *mqttBroker) onConnect(c paho.Client) {
	n.mu.Lock()
	if n.closed || n.client != c {
		n.mu.Unlock()
		return
	}
	filters := make(map[string]byte, len(n.subs))
	for f, users := range n.subs {
		filters[f] = maxQoS(users)
	}
	n.offline, n.dropped = 0, 0
	// connected from here: a subscribe after this snapshot subscribes itself
	n.state = mqttConnected
	n.mu.Unlock()
	if n.res.Log != nil {
		n.res.Log.Info("Connected to broker: " + n.opts.url)
	}
	if len(filters) > 0 {
		if t := c.SubscribeMultiple(filters, nil); t.WaitTimeout(10*time.Second) && t.Error() != nil {
			n.res.Error(fmt.Errorf("mqtt subscribe: %w", t.Error()), nil)
		}
	}
	if n.birth != nil {
		c.Publish(n.birth.topic, n.birth.qos, n.birth.retain, n.birth.payload)
	}
	n.fanOut(mqttConnected.status())
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
// read under fanMu, so concurrent fan-outs and registrations (paho's
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
func (n *mqttBroker) subscribe(filter string, qos byte, id string, h mqttHandler) {
	n.mu.Lock()
	users := n.subs[filter]
	if users == nil {
		users = map[string]mqttSub{}
		n.subs[filter] = users
	}
	before, had := maxQoS(users), len(users) > 0
	users[id] = mqttSub{qos: qos, handler: h}
	c, l := n.client, n.link
	connected := n.state == mqttConnected
	n.mu.Unlock()
	if l != nil {
		if !had {
			n.syncInline(l, filter)
		}
		return
	}
	if c != nil && connected && (!had || qos > before) {
		// wait for the SUBACK (bounded) so that a message published after
		// Start or a subscribe action is not missed
		if t := c.Subscribe(filter, qos, nil); t.WaitTimeout(5*time.Second) && t.Error() != nil {
			n.res.Error(fmt.Errorf("mqtt subscribe %s: %w", filter, t.Error()), nil)
		}
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
		gone = []string{filter}
	}
	c, l := n.client, n.link
	n.mu.Unlock()
	n.unsubscribeFilters(c, l, gone)
}

// unsubscribeFilters tells the broker, waiting (bounded) for its UNSUBACK:
// a connection closing with the broker's answer unread ends with a reset,
// which the broker takes for a lost connection and publishes the will.
func (n *mqttBroker) unsubscribeFilters(c paho.Client, l *mqttconn.Inline, filters []string) {
	if l != nil {
		for _, f := range filters {
			n.syncInline(l, f)
		}
	}
	if c != nil && len(filters) > 0 && c.IsConnectionOpen() {
		c.Unsubscribe(filters...).WaitTimeout(mqttGoodbyeWait)
	}
}

// dispatch hands a received message to every subscription whose filter
// matches, as Node-RED does (overlapping filters each get it).
func (n *mqttBroker) dispatch(topic string, payload []byte, qos byte, retain bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	for f, users := range n.subs {
		if !topicMatches(f, topic) {
			continue
		}
		for _, s := range users {
			s.handler(topic, payload, qos, retain)
		}
	}
}

// errNotConnected is returned by publish when a QoS 0 message cannot go out.
var errNotConnected = errors.New("not connected")

// publish sends a message. While the connection is down, QoS 1/2 messages
// are queued (up to mqttOfflineQueue) and QoS 0 ones dropped.
func (n *mqttBroker) publish(topic string, payload []byte, qos byte, retain bool) error {
	n.mu.RLock()
	c, l, st := n.client, n.link, n.state
	n.mu.RUnlock()
	if st == mqttConnected && l != nil {
		return l.Publish(topic, payload, qos, retain)
	}
	n.mu.Lock()
	c, st = n.client, n.state
	if st != mqttConnected || c == nil { // no client: closing
		if c == nil || qos == 0 {
			n.dropped++
			first := n.dropped == 1
			n.mu.Unlock()
			if first {
				n.log.warn("not connected to the broker: QoS 0 messages are dropped until it reconnects")
			}
			return nil
		}
		if n.offline >= mqttOfflineQueue {
			n.mu.Unlock()
			return fmt.Errorf("not connected to the broker and %d messages are already queued: message dropped", mqttOfflineQueue)
		}
		n.offline++
	}
	n.mu.Unlock()
	t := c.Publish(topic, qos, retain, payload)
	select {
	case <-t.Done():
		return t.Error()
	default:
		return nil
	}
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
	if n.link != nil || old == nil || (n.clientWill != nil && *n.clientWill == *w) {
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
	old.Disconnect(mqttCloseWait)
	n.mu.Lock()
	n.connectLocked()
	st := n.state
	n.mu.Unlock()
	n.fanOut(st.status())
	return true
}

// publishWait publishes and waits for the acknowledgement until ctx ends.
func (n *mqttBroker) publishWait(ctx context.Context, topic string, payload []byte, qos byte, retain bool) error {
	n.mu.RLock()
	c, l, st := n.client, n.link, n.state
	n.mu.RUnlock()
	if st == mqttConnected && l != nil {
		return l.Publish(topic, payload, qos, retain)
	}
	if c == nil || st != mqttConnected {
		return errNotConnected
	}
	t := c.Publish(topic, qos, retain, payload)
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return fmt.Errorf("publish %s: %w", topic, ctx.Err())
	}
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
	return n.publish(topic, payload, qos, retain)
}

// PublishWait is publishWait for mqttconn.Conn.
func (n *mqttBroker) PublishWait(ctx context.Context, topic string, payload []byte, qos byte, retain bool) error {
	return n.publishWait(ctx, topic, payload, qos, retain)
}

// Will is setWill for mqttconn.Conn.
func (n *mqttBroker) Will(id, topic string, payload []byte) bool {
	return n.setWill(id, topic, payload)
}

// Subscribe is subscribe for mqttconn.Conn.
func (n *mqttBroker) Subscribe(filter string, qos byte, id string, h mqttconn.Handler) {
	n.subscribe(filter, qos, id, h)
}

// Unsubscribe is unsubscribe for mqttconn.Conn.
func (n *mqttBroker) Unsubscribe(filter, id string) { n.unsubscribe(filter, id) }

// Register is register for mqttconn.Conn.
func (n *mqttBroker) Register(id string, status func(engine.Status)) { n.register(id, status) }

// Deregister is deregister for mqttconn.Conn.
func (n *mqttBroker) Deregister(id string) { n.deregister(id) }
