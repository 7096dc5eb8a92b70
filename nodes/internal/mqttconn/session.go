package mqttconn

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/flowgate/flowgate/engine"
)

// MQTT client tuning. The offline bound is documented in the help text.
const (
	// OfflineQueue bounds the QoS 1/2 messages published while the
	// connection is down; they are sent on reconnection, the ones past the
	// bound are dropped with a warning.
	OfflineQueue = 1000
	// goodbyeWait bounds the wait for the acknowledgement of the close
	// message and a user's will published on an orderly close.
	goodbyeWait = 2 * time.Second
)

// state is the connection state a session shows on its users' status.
type state string

const (
	stateDown       state = "disconnected"
	stateConnecting state = "connecting"
	stateUp         state = "connected"
)

func (st state) status() engine.Status {
	switch st {
	case stateUp:
		return engine.Status{Fill: "green", Shape: "dot", Text: "connected"}
	case stateConnecting:
		return engine.Status{Fill: "yellow", Shape: "ring", Text: "connecting"}
	}
	return engine.Status{Fill: "red", Shape: "ring", Text: "disconnected"}
}

// Sub is one user's subscription to a filter, with its MQTT 5 options
// (no local, retain as published, retain handling) and its handler, which
// runs on the client's delivery goroutine (or the embedded broker's
// publisher's), must not block, and shares the message with the other
// subscribers.
type Sub struct {
	QoS     byte
	NL, RAP bool
	RH      byte
	Handler MessageHandler
}

// ConnOptions are the connection options a connect action may change.
type ConnOptions struct {
	URL       string // tcp://, ssl://, ws:// or wss://host:port
	ClientID  string // "" for a generated one (and a clean session)
	User      string
	Password  string
	Keepalive int // seconds
	Clean     bool
	Version   byte // 3, 4 or 5
	// SessionExpiry and UserProps are MQTT 5's CONNECT properties
	SessionExpiry uint32
	UserProps     []packets.UserProperty
}

// Session is the connection of an mqtt-broker config node, shared by the
// mqtt in and mqtt out nodes (and Home Assistant's) naming it: a Client
// to a network broker, or the in-process link (Inline) to the embedded
// broker when the options name it. It holds its users' subscriptions
// (renewed on every connection, dispatched by filter or MQTT 5
// subscription identifier), shows the connection state on its users,
// publishes the birth message on connecting and the close message (and a
// user's will) on an orderly close, and queues QoS 1/2 publishes while
// down. Its methods are safe for concurrent use.
type Session struct {
	auto      bool
	autoUnsub bool
	birth     *Message
	close     *Message
	will      *Message
	tls       func(u *url.URL) (*tls.Config, error)
	embedded  Embedded // nil without an embedded broker
	log       *slog.Logger
	warn      func(text string)
	fail      func(err error)

	fanMu      sync.Mutex   // serialises showing the state on users (fanOut, register)
	mu         sync.RWMutex // guards everything below
	opts       ConnOptions
	client     *Client // nil until the first connect over the network
	link       *Inline // the in-process connection, or nil
	state      state
	users      map[string]func(engine.Status)
	subs       map[string]map[string]Sub // filter → user id → subscription
	subIDs     map[string]int            // filter → MQTT 5 subscription identifier
	nextSubID  int
	subIDsOK   bool     // the broker takes subscription identifiers (MQTT 5)
	failure    string   // the last connection failure reported, "" once connected
	userWill   *Message // a user's will (Will), when the node sets none
	willOwner  string   // the user id of userWill
	clientWill *Message // the will the current client connected with
	dropped    int      // QoS 0 publishes dropped while down
	started    bool
	closed     bool
}

// SessionConfig configures a Session.
type SessionConfig struct {
	Options ConnOptions
	// AutoConnect connects on Start; otherwise on Connect.
	AutoConnect bool
	// AutoUnsubscribe tells the broker when the last user of a filter
	// goes; off, the subscription stays in the broker's session.
	AutoUnsubscribe bool
	// Birth, Close and Will are published on connecting, before an
	// orderly close, and by the broker when the connection drops (nil:
	// none).
	Birth, Close, Will *Message
	// TLS gives the TLS configuration of a connection to u (ssl, wss).
	TLS func(u *url.URL) (*tls.Config, error)
	// Embedded is the broker in the process, nil when there is none.
	Embedded Embedded
	Log      *slog.Logger
	// Warn shows a warning to the user (debug sidebar); Error reports an
	// error of the node.
	Warn  func(text string)
	Error func(err error)
}

// NewSession returns a session; Start connects it.
func NewSession(c SessionConfig) *Session {
	s := &Session{
		auto: c.AutoConnect, autoUnsub: c.AutoUnsubscribe, birth: c.Birth, close: c.Close, will: c.Will,
		tls: c.TLS, embedded: c.Embedded, log: c.Log, warn: c.Warn, fail: c.Error,
		opts:   c.Options,
		state:  stateDown,
		users:  map[string]func(engine.Status){},
		subs:   map[string]map[string]Sub{},
		subIDs: map[string]int{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.tls == nil {
		s.tls = func(*url.URL) (*tls.Config, error) { return nil, nil }
	}
	if s.warn == nil {
		s.warn = func(string) {}
	}
	if s.fail == nil {
		s.fail = func(error) {}
	}
	return s
}

// sameMessage reports whether a and b are the same message (nil: none).
func sameMessage(a, b *Message) bool {
	return a != nil && b != nil && a.Topic == b.Topic && bytes.Equal(a.Payload, b.Payload) && a.QoS == b.QoS && a.Retain == b.Retain
}

// Start connects when AutoConnect is set. The connection is made in the
// background; failures retry with back-off and show on the users' status.
func (s *Session) Start() {
	s.mu.Lock()
	s.started = true
	var connected func()
	if s.auto {
		connected = s.connectLocked()
	}
	st := s.state
	s.mu.Unlock()
	s.fanOut(st.status())
	if connected != nil {
		connected()
	}
}

// Close publishes the close message, disconnects, and shows disconnected.
func (s *Session) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	c, l := s.client, s.link
	s.client, s.link = nil, nil
	s.mu.Unlock()
	s.disconnect(c, l)
	s.setState(stateDown)
}

// Running reports whether a connection runs or is being made (a connect
// action is refused then, unless forced).
func (s *Session) Running() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.client != nil || s.link != nil
}

// Connect connects with the options as change leaves them (a connect
// action); it does nothing while a connection runs. An error of change
// leaves the options and the connection as they were.
func (s *Session) Connect(change func(o *ConnOptions) error) error {
	s.mu.Lock()
	if change != nil {
		o := s.opts
		if err := change(&o); err != nil {
			s.mu.Unlock()
			return err
		}
		s.opts = o
	}
	connected := s.connectLocked()
	st := s.state
	s.mu.Unlock()
	s.fanOut(st.status())
	if connected != nil {
		connected()
	}
	return nil
}

// disconnect publishes the close message and a user's will (when
// connected), waits for their acknowledgements (bounded), and ends c or
// the in-process connection l (either may be nil).
func (s *Session) disconnect(c *Client, l *Inline) {
	s.mu.RLock()
	goodbye := []*Message{s.close, s.userWill}
	s.mu.RUnlock()
	if l != nil {
		for _, m := range goodbye {
			if m != nil {
				if err := l.Publish(m); err != nil {
					s.fail(err)
				}
			}
		}
		l.Close()
	}
	if c == nil {
		return
	}
	if c.Connected() {
		ctx, cancel := context.WithTimeout(context.Background(), goodbyeWait)
		var toks []Token
		for _, m := range goodbye {
			if m != nil {
				toks = append(toks, c.Publish(m))
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
// s.mu is held; the caller shows the connecting state after unlocking, then
// calls the returned function, if any (it completes an in-process
// connection: subscriptions and birth message).
func (s *Session) connectLocked() func() {
	if s.client != nil || s.link != nil || s.closed || !s.started {
		return nil
	}
	if s.inProcessLocked() {
		if s.embedded == nil || !s.embedded.Running() {
			s.state = stateDown
			s.warn("the embedded MQTT broker is off (--broker off): not connected")
			return nil
		}
		l := NewInline(s.embedded)
		s.link = l
		s.state = stateConnecting
		return func() { s.inlineConnected(l) }
	}
	u, err := url.Parse(s.opts.URL)
	if err != nil {
		s.state = stateDown
		s.fail(fmt.Errorf("broker: %w", err))
		return nil
	}
	tlsc, err := s.tls(u)
	if err != nil {
		s.state = stateDown
		s.fail(err)
		return nil
	}
	id := s.opts.ClientID
	clean := s.opts.Clean
	if id == "" {
		id = "nodered" + engine.NewMsgID()[:8]
		if !clean {
			clean = true
			s.warn("No client ID set, using clean session")
		}
	}
	s.clientWill = s.will
	if s.will == nil {
		s.clientWill = s.userWill
	}
	var will *Message
	if w := s.clientWill; w != nil {
		will = w
	}
	var c *Client
	c = NewClient(Options{
		URL: u, TLS: tlsc, ClientID: id, User: s.opts.User, Password: s.opts.Password,
		Version: s.opts.Version, Keepalive: time.Duration(s.opts.Keepalive) * time.Second,
		Clean: clean, SessionExpiry: s.opts.SessionExpiry, UserProps: s.opts.UserProps,
		Will: will, OfflineQueue: OfflineQueue,
		OnConnect:    func(ack packets.Properties) { s.onConnect(c, ack) },
		OnConnecting: func() { s.setClientState(c, stateConnecting) },
		OnLost:       func(err error) { s.lost(c, err) },
		OnMessage:    s.dispatch,
		Log:          s.log,
	})
	s.client = c
	s.state = stateConnecting
	c.Start() // retries in the background until connected or closed
	return nil
}

// EmbeddedHost is the broker address naming the embedded broker whatever
// its listener.
const EmbeddedHost = "embedded"

// inProcessLocked reports whether the connection options name the
// embedded broker: "embedded", or an address of its listener (any user
// name and password: flows are the broker's own client). s.mu is held.
func (s *Session) inProcessLocked() bool {
	u, err := url.Parse(s.opts.URL)
	if err != nil || (u.Scheme != "tcp" && u.Scheme != "ssl") {
		return false
	}
	if strings.EqualFold(u.Hostname(), EmbeddedHost) {
		return true
	}
	port, _ := strconv.Atoi(u.Port())
	return s.embedded != nil && s.embedded.Serves(u.Hostname(), port)
}

// inlineConnected completes the in-process connection l, as onConnect
// does a client's: it subscribes every filter and publishes the birth
// message.
func (s *Session) inlineConnected(l *Inline) {
	s.mu.Lock()
	if s.closed || s.link != l {
		s.mu.Unlock()
		return
	}
	filters := make([]string, 0, len(s.subs))
	for f := range s.subs {
		filters = append(filters, f)
	}
	// connected from here: a subscribe after this snapshot subscribes itself
	s.state = stateUp
	s.mu.Unlock()
	if s.log != nil {
		s.log.Info("stateUp to broker: embedded (in-process)")
	}
	for _, f := range filters {
		s.syncInline(l, f)
	}
	if b := s.birth; b != nil {
		if err := l.Publish(b); err != nil {
			s.fail(err)
		}
	}
	s.fanOut(stateUp.status())
}

// syncInline subscribes filter on the in-process connection l while a
// user wants it and l is connected, and unsubscribes it otherwise. s.mu
// must not be held.
func (s *Session) syncInline(l *Inline, filter string) {
	want := func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.link == l && s.state == stateUp && len(s.subs[filter]) > 0
	}
	deliver := func(m *Message) { s.dispatchFilter(filter, m) }
	if err := l.Sync(filter, want, deliver); err != nil {
		s.fail(err)
	}
}

// dispatchFilter hands a message of the in-process subscription to filter
// to the filter's users (the broker delivers a message once per matching
// filter), at the lower of its QoS and theirs. The handlers are called
// without s.mu: on the in-process path they run on the publisher's
// goroutine, which may be a flow's.
func (s *Session) dispatchFilter(filter string, m *Message) {
	var buf [4]MessageHandler
	hs := buf[:0]
	s.mu.RLock()
	users := s.subs[filter]
	qos := min(m.QoS, maxQoS(users))
	for _, u := range users {
		hs = append(hs, u.Handler)
	}
	s.mu.RUnlock()
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
func (s *Session) onConnect(c *Client, ack packets.Properties) {
	s.mu.Lock()
	if s.closed || s.client != c {
		s.mu.Unlock()
		return
	}
	s.subIDsOK = s.opts.Version == 5 && (!ack.SubIDAvailableFlag || ack.SubIDAvailable == 1)
	s.failure = ""
	filters := make([]string, 0, len(s.subs))
	for f := range s.subs {
		filters = append(filters, f)
	}
	s.dropped = 0
	// connected from here: a subscribe after this snapshot subscribes itself
	s.state = stateUp
	s.mu.Unlock()
	if s.log != nil {
		s.log.Info("stateUp to broker: " + s.opts.URL)
	}
	for _, f := range filters {
		s.subscribeClient(c, f)
	}
	if s.birth != nil {
		c.Publish(s.birth)
	}
	s.fanOut(stateUp.status())
}

// subscribeClient subscribes filter on c with its users' options (highest
// QoS; the last user's MQTT 5 options) and waits for the SUBACK (bounded).
func (s *Session) subscribeClient(c *Client, filter string) {
	s.mu.Lock()
	users := s.subs[filter]
	if len(users) == 0 {
		s.mu.Unlock()
		return
	}
	sub := packets.Subscription{Filter: filter, Qos: maxQoS(users)}
	for _, u := range users {
		sub.NoLocal, sub.RetainAsPublished, sub.RetainHandling = u.NL, u.RAP, u.RH
	}
	id := 0
	if s.subIDsOK {
		id = s.subIDs[filter]
		if id == 0 {
			s.nextSubID++
			id = s.nextSubID
			s.subIDs[filter] = id
		}
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Subscribe(ctx, []packets.Subscription{sub}, id); err != nil && !errors.Is(err, ErrNotConnected) {
		s.fail(fmt.Errorf("mqtt subscribe %s: %w", filter, err))
	}
}

// lost reports the end of a connection of c, or a failed attempt: in the
// log each time (as Node-RED), and to the debug sidebar once per distinct
// reason until a connection succeeds, so a wrong address, credentials or
// certificate is seen without flooding the sidebar while retrying.
func (s *Session) lost(c *Client, err error) {
	s.mu.Lock()
	was, current := s.state, s.client == c
	report := current && err != nil && err.Error() != s.failure
	if report {
		s.failure = err.Error()
	}
	s.mu.Unlock()
	if !current {
		return
	}
	if was == stateUp {
		s.log.Info("stateDown from broker: "+s.opts.URL, "err", err)
	} else {
		s.log.Info("Connection failed to broker: "+s.opts.URL, "err", err)
		if report {
			s.warn(fmt.Sprintf("Connection failed to broker: %s: %v", s.opts.URL, err))
		}
	}
	s.setState(stateDown)
}

// setClientState records a state change of client c, unless another
// client replaced it.
func (s *Session) setClientState(c *Client, st state) {
	s.mu.RLock()
	current := s.client == c
	s.mu.RUnlock()
	if current {
		s.setState(st)
	}
}

func maxQoS(users map[string]Sub) byte {
	var q byte
	for _, u := range users {
		q = max(q, u.QoS)
	}
	return q
}

// setState records the state and shows it on every user.
func (s *Session) setState(st state) {
	s.mu.Lock()
	if s.closed && st != stateDown {
		s.mu.Unlock()
		return
	}
	s.state = st
	s.mu.Unlock()
	s.fanOut(st.status())
}

// fanOut shows the current state on every registered user. The state is
// read under fanMu, so concurrent fan-outs and registrations (the client's
// goroutine, Start, a node registering) cannot leave an older state shown
// last; st is what the caller changed to, superseded by anything newer.
func (s *Session) fanOut(st engine.Status) {
	s.fanMu.Lock()
	defer s.fanMu.Unlock()
	s.mu.RLock()
	st = s.state.status()
	fns := make([]func(engine.Status), 0, len(s.users))
	for _, f := range s.users {
		fns = append(fns, f)
	}
	s.mu.RUnlock()
	for _, f := range fns {
		f(st)
	}
}

// Register adds a user (an mqtt in/out node) that shows the connection
// state with status; it is shown the current state at once.
func (s *Session) Register(id string, status func(engine.Status)) {
	s.fanMu.Lock()
	defer s.fanMu.Unlock()
	s.mu.Lock()
	s.users[id] = status
	st := s.state
	s.mu.Unlock()
	status(st.status())
}

// Deregister removes a user, its subscriptions and its will.
func (s *Session) Deregister(id string) {
	s.mu.Lock()
	delete(s.users, id)
	if s.willOwner == id {
		s.userWill, s.willOwner = nil, ""
	}
	var gone []string
	for f, users := range s.subs {
		if _, ok := users[id]; ok {
			delete(users, id)
			if len(users) == 0 {
				delete(s.subs, f)
				delete(s.subIDs, f)
				gone = append(gone, f)
			}
		}
	}
	c, l := s.client, s.link
	s.mu.Unlock()
	s.unsubscribeFilters(c, l, gone)
}

// Subscribe adds the user's subscription to filter; the broker is asked
// only for the first subscription of a filter, or a higher QoS.
func (s *Session) Subscribe(filter string, id string, sub Sub) {
	s.mu.Lock()
	users := s.subs[filter]
	if users == nil {
		users = map[string]Sub{}
		s.subs[filter] = users
	}
	had, top := len(users) > 0, maxQoS(users)
	before, mine := users[id]
	users[id] = sub
	c, l := s.client, s.link
	connected := s.state == stateUp
	// the broker is asked again for a higher QoS or changed MQTT 5 options
	changed := !had || sub.QoS > top || (mine && (before.NL != sub.NL || before.RAP != sub.RAP || before.RH != sub.RH))
	s.mu.Unlock()
	if l != nil {
		if !had {
			s.syncInline(l, filter)
		}
		return
	}
	if c != nil && connected && changed {
		// wait for the SUBACK (bounded) so that a message published after
		// Start or a subscribe action is not missed
		s.subscribeClient(c, filter)
	}
}

// Unsubscribe removes the user's subscription to filter; the broker is
// told when the last one goes.
func (s *Session) Unsubscribe(filter, id string) {
	s.mu.Lock()
	users := s.subs[filter]
	delete(users, id)
	var gone []string
	if users != nil && len(users) == 0 {
		delete(s.subs, filter)
		delete(s.subIDs, filter)
		gone = []string{filter}
	}
	c, l := s.client, s.link
	s.mu.Unlock()
	s.unsubscribeFilters(c, l, gone)
}

// unsubscribeFilters tells the broker, waiting (bounded) for its UNSUBACK:
// a connection closing with the broker's answer unread ends with a reset,
// which the broker takes for a lost connection and publishes the will.
func (s *Session) unsubscribeFilters(c *Client, l *Inline, filters []string) {
	if l != nil {
		for _, f := range filters {
			s.syncInline(l, f)
		}
	}
	if c != nil && len(filters) > 0 && c.Connected() && s.autoUnsub {
		ctx, cancel := context.WithTimeout(context.Background(), goodbyeWait)
		defer cancel()
		_ = c.Unsubscribe(ctx, filters...)
	}
}

// dispatch hands a received message to every subscription whose filter
// matches, as Node-RED does (overlapping filters each get it); on MQTT 5
// with subscription identifiers, only to the filters the broker names.
func (s *Session) dispatch(m *Message) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := m.Props.SubscriptionIdentifier
	for f, users := range s.subs {
		if len(ids) > 0 && s.subIDsOK && s.subIDs[f] != 0 {
			if !slices.Contains(ids, s.subIDs[f]) {
				continue
			}
		} else if !TopicMatches(f, m.Topic) {
			continue
		}
		for _, u := range users {
			u.Handler(m)
		}
	}
}

// Publish sends a message. While the connection is down, QoS 1/2 messages
// are queued (up to OfflineQueue) and QoS 0 ones dropped.
func (s *Session) Publish(m *Message) error {
	s.mu.RLock()
	c, l, st := s.client, s.link, s.state
	s.mu.RUnlock()
	if st == stateUp && l != nil {
		return l.Publish(m)
	}
	if c == nil { // closing, or disconnected by an action
		return s.dropQoS0()
	}
	t := c.Publish(m)
	select {
	case err := <-t:
		if errors.Is(err, ErrNotConnected) {
			return s.dropQoS0()
		}
		return err
	default:
		return nil
	}
}

// dropQoS0 warns, once per outage, that messages are dropped.
func (s *Session) dropQoS0() error {
	s.mu.Lock()
	s.dropped++
	first := s.dropped == 1
	s.mu.Unlock()
	if first {
		s.warn("not connected to the broker: QoS 0 messages are dropped until it reconnects")
	}
	return nil
}

// SetWill makes topic/payload (retained, QoS 1) the will of the
// connection for user id, unless the node sets a will or another user
// has; a client connected with another will is replaced.
func (s *Session) SetWill(id, topic string, payload []byte) bool {
	w := &Message{Topic: topic, Payload: payload, QoS: 1, Retain: true}
	s.mu.Lock()
	if s.will != nil || (s.willOwner != "" && s.willOwner != id) {
		s.mu.Unlock()
		return false
	}
	s.userWill, s.willOwner = w, id
	old := s.client
	if s.link != nil || old == nil || sameMessage(s.clientWill, w) {
		s.mu.Unlock()
		return true
	}
	// the will is part of the connection: connect again with it (over
	// TCP: an in-process connection publishes the will when it closes),
	// once the old client has ended (bounded): a connection attempt of
	// the old client completing after the new one would take the session
	// (same client id) from it
	s.client = nil
	s.mu.Unlock()
	old.Close()
	s.mu.Lock()
	s.connectLocked()
	st := s.state
	s.mu.Unlock()
	s.fanOut(st.status())
	return true
}

// PublishWait publishes and waits for the acknowledgement until ctx ends.
func (s *Session) PublishWait(ctx context.Context, m *Message) error {
	s.mu.RLock()
	c, l, st := s.client, s.link, s.state
	s.mu.RUnlock()
	if st == stateUp && l != nil {
		return l.Publish(m)
	}
	if c == nil || st != stateUp {
		return ErrNotConnected
	}
	if err := c.Publish(m).Wait(ctx); err != nil {
		return fmt.Errorf("publish %s: %w", m.Topic, err)
	}
	return nil
}

// Disconnect handles msg.action "disconnect": the connection ends
// and stays down until a connect action.
func (s *Session) Disconnect() {
	s.mu.Lock()
	c, l := s.client, s.link
	s.client, s.link = nil, nil
	s.mu.Unlock()
	s.disconnect(c, l)
	s.setState(stateDown)
}

// V5 reports whether the connection speaks MQTT 5 (the in-process one
// carries MQTT 5 properties too).
func (s *Session) V5() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.opts.Version == 5
}

// TopicAliasMax is the broker's topic alias maximum (0 while not
// connected, and in-process).
func (s *Session) TopicAliasMax() uint16 {
	s.mu.RLock()
	c := s.client
	s.mu.RUnlock()
	if c == nil {
		return 0
	}
	return c.TopicAliasMax()
}

// TopicMatches reports whether topic matches the subscription filter
// (shared subscriptions "$share/group/filter" match as filter).
func TopicMatches(filter, topic string) bool {
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
