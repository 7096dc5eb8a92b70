package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/flowgate/flowgate/internal/mochiclose"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage/bolt"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// Broker limits when the settings file leaves them out; each bounds what
// one misbehaving client can make the broker hold.
const (
	// brokerMaxPacket is the largest MQTT packet accepted (a 10 MB message
	// plus headers).
	brokerMaxPacket = 16 << 20
	// brokerMaxClients is how many clients may be connected at once.
	brokerMaxClients = 1024
	// brokerMaxInflight is how many QoS 1/2 messages are held per client.
	brokerMaxInflight = 1024
	// brokerMaxPending is how many messages may wait to be written to one
	// client (mochi drops the ones beyond, QoS 0 included); flows publish
	// in-process, without the back-pressure of a connection, so a burst
	// they relay may outrun a subscriber for longer than mochi's 8192.
	// It costs 8 bytes per message per client, reserved at connection.
	brokerMaxPending = 32 << 10
	// brokerStoreFile is the broker's store in the data directory:
	// retained messages, persistent sessions and their subscriptions and
	// inflight messages.
	brokerStoreFile = "mqtt.db"
)

// Login throttling, as the admin API's: more than brokerMaxFailures failed
// logins for one username (or one remote IP for clients without a
// username) within brokerFailWindow are refused without checking the
// password until the window has passed.
const (
	brokerMaxFailures = 5
	brokerFailWindow  = 10 * time.Minute
)

// MQTTBroker is the settings file's mqttBroker: the embedded broker's
// users, listeners, store and limits. Names follow mosquitto's
// (allow_anonymous, max_packet_size, ...) in Node-RED's camel case.
type MQTTBroker struct {
	// Listen is the broker's address ("127.0.0.1:1883") or "off", read
	// from the settings file only when --broker is not given.
	Listen string `yaml:"listen"`
	// Users may log in; with users, clients without a login are refused
	// unless AllowAnonymous is true.
	Users []MQTTUser `yaml:"users"`
	// AllowAnonymous admits clients without a username (default: true
	// without users, false with users). Anonymous clients may read and
	// write every topic.
	AllowAnonymous *bool `yaml:"allowAnonymous"`
	// WS is the MQTT over websockets listener address (":9001"); empty
	// for none. Also --broker-ws.
	WS string `yaml:"ws"`
	// TLS serves both listeners over TLS with these certificate files.
	TLS *HTTPS `yaml:"tls"`
	// Persist keeps retained messages and persistent sessions across
	// restarts in DATA/mqtt.db (default true).
	Persist *bool `yaml:"persist"`
	// MaxPacketSize is the largest packet accepted ("16mb", default).
	MaxPacketSize string `yaml:"maxPacketSize"`
	// MaxClients is how many clients may be connected (default 1024).
	MaxClients int `yaml:"maxClients"`
	// MaxInflight is how many QoS 1/2 messages are held per client
	// (default 1024).
	MaxInflight int `yaml:"maxInflight"`
}

// MQTTUser is one broker login: a bcrypt password hash (flowgate
// hash-password) and the topics it may use; no acl means every topic.
type MQTTUser struct {
	Username string    `yaml:"username"`
	Password string    `yaml:"password"`
	ACL      []MQTTACL `yaml:"acl"`
}

// MQTTACL grants access to the topics a filter matches ("sensors/#",
// "home/%u/+": %u is the username, %c the client id, as in mosquitto).
type MQTTACL struct {
	Topic  string `yaml:"topic"`
	Access string `yaml:"access"` // read, write or readwrite
}

// merge fills what m leaves empty from f.
func (m *MQTTBroker) merge(f MQTTBroker) {
	if m.Users == nil {
		m.Users = f.Users
	}
	if m.AllowAnonymous == nil {
		m.AllowAnonymous = f.AllowAnonymous
	}
	if m.WS == "" {
		m.WS = f.WS
	}
	if m.TLS == nil {
		m.TLS = f.TLS
	}
	if m.Persist == nil {
		m.Persist = f.Persist
	}
	if m.MaxPacketSize == "" {
		m.MaxPacketSize = f.MaxPacketSize
	}
	if m.MaxClients == 0 {
		m.MaxClients = f.MaxClients
	}
	if m.MaxInflight == 0 {
		m.MaxInflight = f.MaxInflight
	}
}

// check reports the first setting that cannot work, naming it.
func (m MQTTBroker) check() error {
	_, _, err := m.compile()
	return err
}

// anonymous reports whether clients without a login are admitted.
func (m MQTTBroker) anonymous() bool {
	if m.AllowAnonymous != nil {
		return *m.AllowAnonymous
	}
	return len(m.Users) == 0
}

// compile validates m into the broker's capabilities and auth hook.
func (m MQTTBroker) compile() (*mqtt.Capabilities, *brokerAuth, error) {
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = brokerMaxPacket
	caps.MaximumClients = brokerMaxClients
	caps.MaximumInflight = brokerMaxInflight
	caps.MaximumClientWritesPending = brokerMaxPending
	if m.MaxPacketSize != "" {
		n, err := parseSize(m.MaxPacketSize)
		if err != nil || n < 1024 || n > 1<<28 {
			return nil, nil, fmt.Errorf("mqttBroker.maxPacketSize: must be a size from 1kb to 256mb, got %q", m.MaxPacketSize)
		}
		caps.MaximumPacketSize = uint32(n)
	}
	if m.MaxClients < 0 {
		return nil, nil, fmt.Errorf("mqttBroker.maxClients: must be positive, got %d", m.MaxClients)
	} else if m.MaxClients > 0 {
		caps.MaximumClients = int64(m.MaxClients)
	}
	if m.MaxInflight < 0 || m.MaxInflight > 65535 {
		return nil, nil, fmt.Errorf("mqttBroker.maxInflight: must be from 1 to 65535, got %d", m.MaxInflight)
	} else if m.MaxInflight > 0 {
		caps.MaximumInflight = uint16(m.MaxInflight)
	}
	if t := m.TLS; t != nil {
		if _, err := tls.LoadX509KeyPair(t.Cert, t.Key); err != nil {
			return nil, nil, fmt.Errorf("mqttBroker.tls: %w", err)
		}
	}
	a := &brokerAuth{users: map[string]brokerUser{}, anonymous: m.anonymous(), now: time.Now, failures: map[string][]time.Time{}}
	for i, u := range m.Users {
		field := fmt.Sprintf("mqttBroker.users[%d]", i)
		if u.Username == "" {
			return nil, nil, fmt.Errorf("%s.username: required", field)
		}
		if _, dup := a.users[u.Username]; dup {
			return nil, nil, fmt.Errorf("%s.username: %q listed twice", field, u.Username)
		}
		if _, err := bcrypt.Cost([]byte(u.Password)); err != nil {
			return nil, nil, fmt.Errorf("%s.password: not a bcrypt hash (flowgate hash-password makes one)", field)
		}
		bu := brokerUser{hash: []byte(u.Password), all: u.ACL == nil}
		for j, r := range u.ACL {
			rf := fmt.Sprintf("%s.acl[%d]", field, j)
			if r.Topic == "" || !mqtt.IsValidFilter(r.Topic, false) {
				return nil, nil, fmt.Errorf("%s.topic: not a valid topic filter: %q", rf, r.Topic)
			}
			rule := brokerRule{topic: r.Topic}
			switch r.Access {
			case "read":
				rule.read = true
			case "write":
				rule.write = true
			case "readwrite", "":
				rule.read, rule.write = true, true
			default:
				return nil, nil, fmt.Errorf("%s.access: must be read, write or readwrite, got %q", rf, r.Access)
			}
			bu.acl = append(bu.acl, rule)
		}
		a.users[u.Username] = bu
	}
	return caps, a, nil
}

// Broker is the embedded MQTT broker (mochi-mqtt): a TCP listener, an
// optional websocket listener, users and ACLs, and a store.
type Broker struct {
	// mu guards srv, busy and idle: flows publish in-process from their
	// goroutines (a node's Close may outlive the engine's bounded stop), and
	// Stop closes the server only once those calls have returned
	mu     sync.Mutex
	srv    *mqtt.Server
	busy   int           // in-process calls in the server
	idle   chan struct{} // closed when busy falls to 0 during Stop
	tcp    *listeners.TCP
	ws     *wsListener // nil without a websocket listener
	auth   *brokerAuth
	inline *inlineSubs // the flows' in-process subscriptions
}

// StartBroker listens on addr (":1883", "127.0.0.1:0") and serves MQTT
// 3.1.1 and 5 until Stop. dir holds the store (none when dir is ""). A port
// already in use is an error; when anonymous clients are admitted on an
// address that is not loopback it warns that any client may connect.
func StartBroker(addr, dir string, m MQTTBroker, log *slog.Logger) (*Broker, error) {
	caps, auth, err := m.compile()
	if err != nil {
		return nil, err
	}
	srv := mqtt.New(&mqtt.Options{
		Capabilities: caps,
		Logger:       slog.New(quietMissing{log.Handler()}),
		InlineClient: true,
	})
	if err := srv.AddHook(auth, nil); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	if err := srv.AddHook(&handover{srv: srv, wait: brokerHandoverWait}, nil); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	inline := new(inlineSubs)
	if err := srv.AddHook(inline, nil); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	if dir != "" && (m.Persist == nil || *m.Persist) {
		path := filepath.Join(dir, brokerStoreFile)
		opts := &bolt.Options{Path: path, Options: &bbolt.Options{Timeout: time.Second}}
		if err := srv.AddHook(new(bolt.Hook), opts); err != nil {
			err = fmt.Errorf("mqtt broker store %s: %w", path, err)
			if errors.Is(err, bbolt.ErrTimeout) {
				err = fmt.Errorf("%w (another flowgate uses this data directory)", err)
			}
			return nil, errors.Join(err, srv.Close())
		}
	}
	var tlsConf *tls.Config
	if t := m.TLS; t != nil {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("mqttBroker.tls: %w", err), srv.Close())
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	b := &Broker{srv: srv, auth: auth, inline: inline}
	b.tcp = listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr, TLSConfig: tlsConf})
	if err := srv.AddListener(b.tcp); err != nil {
		return nil, errors.Join(fmt.Errorf("mqtt broker listen %s: %w", addr, err), srv.Close())
	}
	if m.WS != "" {
		b.ws = &wsListener{addr: m.WS, tls: tlsConf}
		if err := srv.AddListener(b.ws); err != nil {
			return nil, errors.Join(fmt.Errorf("mqtt broker websocket listen %s: %w", m.WS, err), srv.Close())
		}
	}
	if err := srv.Serve(); err != nil {
		return nil, errors.Join(fmt.Errorf("mqtt broker: %w", err), srv.Close())
	}
	if auth.anonymous {
		for _, a := range []string{addr, m.WS} {
			if host, _, _ := net.SplitHostPort(a); a != "" && !isLoopback(host) {
				log.Warn("the MQTT broker accepts every client without a login; add mqttBroker.users to the settings file, listen on 127.0.0.1 (--broker 127.0.0.1:1883) or use --broker off", "addr", a)
			}
		}
	}
	return b, nil
}

// Addr returns the address the broker listens on ("127.0.0.1:43121").
func (b *Broker) Addr() string { return b.tcp.Address() }

// WSAddr returns the websocket listener's address ("" without one).
func (b *Broker) WSAddr() string {
	if b.ws == nil {
		return ""
	}
	return b.ws.Address()
}

// Server returns the mochi server (for in-process publish and subscribe).
func (b *Broker) Server() *mqtt.Server {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.srv
}

// enter returns the server for an in-process call, false once stopped; a
// true answer must be followed by leave. Calls may nest (a subscriber that
// publishes) without waiting on each other.
func (b *Broker) enter() (*mqtt.Server, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv == nil {
		return nil, false
	}
	b.busy++
	return b.srv, true
}

func (b *Broker) leave() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.busy--
	if b.busy == 0 && b.idle != nil {
		close(b.idle)
		b.idle = nil
	}
}

// brokerStopWait bounds how long Stop waits for in-process calls.
const brokerStopWait = 2 * time.Second

// Stop disconnects every client, closes the listeners and the store; it is
// idempotent.
func (b *Broker) Stop() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	srv := b.srv
	b.srv = nil // new in-process calls are refused from here
	var idle chan struct{}
	if b.busy > 0 {
		b.idle = make(chan struct{})
		idle = b.idle
	}
	b.mu.Unlock()
	if srv == nil {
		return nil
	}
	if idle != nil {
		select {
		case <-idle:
		case <-time.After(brokerStopWait):
		}
	}
	return mochiclose.Close(srv, "tcp", "ws")
}

// BrokerAddr returns the embedded broker's address ("" with --broker off).
func (r *Runtime) BrokerAddr() string {
	if r.broker == nil {
		return ""
	}
	return r.broker.Addr()
}

// brokerAuth is the broker's one auth hook: logins checked against bcrypt
// hashes, topics against each user's ACL, failed logins throttled. Users
// and anonymous are read-only after compile.
type brokerAuth struct {
	mqtt.HookBase
	users     map[string]brokerUser
	anonymous bool
	now       func() time.Time // the clock (tests change it)

	mu       sync.Mutex             // guards failures
	failures map[string][]time.Time // recent failed logins by "user:NAME" or "ip:ADDR"
}

type brokerUser struct {
	hash []byte
	all  bool // no acl: every topic
	acl  []brokerRule
}

type brokerRule struct {
	topic       string
	read, write bool
}

func (a *brokerAuth) ID() string { return "flowgate-auth" }

func (a *brokerAuth) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

// OnConnectAuthenticate admits a known user with the right password, or a
// client without a username when anonymous clients are allowed.
func (a *brokerAuth) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	if cl.Net.Inline {
		return true
	}
	name := string(pk.Connect.Username)
	if name == "" && a.anonymous {
		return true
	}
	key := "user:" + name
	if name == "" {
		host, _, err := net.SplitHostPort(cl.Net.Remote)
		if err != nil {
			host = cl.Net.Remote
		}
		key = "ip:" + host
	}
	if a.throttled(key) {
		return false
	}
	if u, ok := a.users[name]; ok && name != "" && bcrypt.CompareHashAndPassword(u.hash, pk.Connect.Password) == nil {
		return true
	}
	a.failed(key)
	return false
}

// throttled reports whether key has more than brokerMaxFailures failed
// logins within brokerFailWindow.
func (a *brokerAuth) throttled(key string) bool {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, t := range a.failures[key] {
		if now.Sub(t) < brokerFailWindow {
			n++
		}
	}
	return n >= brokerMaxFailures
}

// failed records a failed login for key, forgetting failures older than
// the window (for every key once the map has grown, so that logins under
// many names cannot grow it without bound).
func (a *brokerAuth) failed(key string) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.failures) >= 1024 {
		for k, ts := range a.failures {
			if now.Sub(ts[len(ts)-1]) >= brokerFailWindow {
				delete(a.failures, k)
			}
		}
	}
	recent := a.failures[key][:0:0]
	for _, t := range a.failures[key] {
		if now.Sub(t) < brokerFailWindow {
			recent = append(recent, t)
		}
	}
	a.failures[key] = append(recent, now)
}

// OnACLCheck allows write (publish) or read (subscribe, delivery) on topic,
// which may be a subscription filter.
func (a *brokerAuth) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if cl.Net.Inline {
		return true
	}
	name := string(cl.Properties.Username)
	if name == "" {
		return a.anonymous
	}
	u, ok := a.users[name]
	if !ok {
		return false
	}
	if u.all {
		return true
	}
	for _, r := range u.acl {
		if (write && !r.write) || (!write && !r.read) {
			continue
		}
		pattern := strings.NewReplacer("%u", name, "%c", cl.ID).Replace(r.topic)
		if filterCovers(pattern, topic) {
			return true
		}
	}
	return false
}

// filterCovers reports whether every topic that filter matches is also
// matched by pattern ("a/#" covers "a/+/b"; "a/+" does not cover "a/#").
// A topic name is a filter without wildcards. Topics starting with $ are
// matched only by patterns starting with the same $ level.
func filterCovers(pattern, filter string) bool {
	p, f := strings.Split(pattern, "/"), strings.Split(filter, "/")
	if strings.HasPrefix(filter, "$") && (p[0] == "+" || p[0] == "#") {
		return false
	}
	for i, level := range p {
		if level == "#" {
			return true
		}
		if i >= len(f) || f[i] == "#" {
			return false
		}
		if level != "+" && level != f[i] {
			return false
		}
	}
	return len(p) == len(f)
}

// brokerHandoverWait bounds how long a connection waits for the end of an
// earlier connection under the same client id (see handover).
const brokerHandoverWait = 2 * time.Second

// handover makes a connection that reuses the client id of a clean
// session wait until the broker has finished with the earlier connection.
//
// mochi ends a clean session on the goroutine of its connection: after the
// connection closes it removes the session's subscriptions and then the
// client id from its client list, unless a new connection took the session
// over first. When the new connection arrives while that clean-up is under
// way (an mqtt-broker node with a fixed client id, closed and started again
// by a deploy), the clean-up removes the new connection from the client
// list, and messages for its subscriptions are no longer delivered: Home
// Assistant's commands were lost after redeploys. Since the old session
// ends anyway (it is clean), the new connection ends the old one itself
// and waits for its clean-up before mochi looks for a session to take over.
type handover struct {
	mqtt.HookBase
	srv  *mqtt.Server
	wait time.Duration
}

func (h *handover) ID() string { return "flowgate-handover" }

func (h *handover) Provides(b byte) bool { return b == mqtt.OnConnect }

// OnConnect runs before mochi takes over an existing session of cl.ID.
func (h *handover) OnConnect(cl *mqtt.Client, _ packets.Packet) error {
	old, ok := h.srv.Clients.Get(cl.ID)
	if !ok || old == cl || !sessionEnds(old) {
		return nil
	}
	if !old.Closed() {
		_ = h.srv.DisconnectClient(old, packets.ErrSessionTakenOver)
	}
	// mochi signals nothing after its clean-up (OnDisconnect comes before
	// it), so the client list is watched, for a bounded time
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(h.wait)
	for {
		if cur, ok := h.srv.Clients.Get(cl.ID); !ok || cur != old {
			return nil
		}
		select {
		case <-tick.C:
		case <-deadline:
			h.srv.Log.Warn("earlier connection of the client id still ends: session taken over", "client", cl.ID)
			return nil
		}
	}
}

// sessionEnds reports whether cl's session ends with its connection (a
// clean session, or MQTT 5 without a session expiry interval), which is
// when mochi removes it after the connection closes.
func sessionEnds(cl *mqtt.Client) bool {
	if cl.Properties.ProtocolVersion == 5 {
		return cl.Properties.Props.SessionExpiryInterval == 0
	}
	return cl.Properties.Clean
}

// quietMissing lowers mochi's "key not found" storage errors to debug: the
// bolt hook reports every absent record that way, which on a first start
// (no stored $SYS info yet) is expected, not an error.
type quietMissing struct{ slog.Handler }

func (q quietMissing) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		missing := false
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "error" && a.Value.String() == "key not found" {
				missing = true
				return false
			}
			return true
		})
		if missing {
			r.Level = slog.LevelDebug
			if !q.Handler.Enabled(ctx, r.Level) {
				return nil
			}
		}
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietMissing) WithAttrs(as []slog.Attr) slog.Handler {
	return quietMissing{q.Handler.WithAttrs(as)}
}

func (q quietMissing) WithGroup(name string) slog.Handler {
	return quietMissing{q.Handler.WithGroup(name)}
}
