package runtime

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// inlineHandler receives a message of an in-process subscription with its
// MQTT 5 properties (the nodes' mqttconn.EmbeddedHandler).
type inlineHandler = func(topic string, payload []byte, qos byte, retain bool, props *packets.Properties)

// inlineMessage hands pk to h.
func inlineMessage(h inlineHandler, pk *packets.Packet, retain bool) {
	h(pk.TopicName, pk.Payload, pk.FixedHeader.Qos, retain, &pk.Properties)
}

// embedded is the broker as the mqtt-broker nodes reach it in-process
// (nodes/internal/mqttconn.Embedded). The node types are built before the
// broker starts, so they get this holder, which serves while a broker is
// set.
type embedded struct {
	b atomic.Pointer[Broker]
}

func (e *embedded) set(b *Broker) { e.b.Store(b) }

// Serves reports whether a client connecting to host:port reaches the
// running broker.
func (e *embedded) Serves(host string, port int) bool {
	b := e.b.Load()
	return b != nil && b.Serves(host, port)
}

// Running reports whether a broker runs.
func (e *embedded) Running() bool { return e.b.Load() != nil }

// Publish publishes through the running broker's inline client.
func (e *embedded) Publish(topic string, payload []byte, qos byte, retain bool, props *packets.Properties) error {
	b := e.b.Load()
	if b == nil {
		return errBrokerOff
	}
	return b.PublishProps(topic, payload, qos, retain, props)
}

// Subscribe subscribes in-process to the running broker.
func (e *embedded) Subscribe(filter string, h inlineHandler) (func(), error) {
	b := e.b.Load()
	if b == nil {
		return nil, errBrokerOff
	}
	return b.Subscribe(filter, h)
}

var errBrokerOff = fmt.Errorf("the embedded MQTT broker is off")

// Serves reports whether a client connecting to host:port reaches b: the
// port is the TCP listener's, and host is the listener's own address,
// localhost (a listener on every address or a loopback one), or, for a
// listener on every address, a loopback address, one of this machine's
// addresses or its host name.
func (b *Broker) Serves(host string, port int) bool {
	lhost, lport, err := net.SplitHostPort(b.Addr())
	if err != nil || lport != strconv.Itoa(port) {
		return false
	}
	host = strings.Trim(host, "[]")
	lip := net.ParseIP(lhost)
	everywhere := lip == nil || lip.IsUnspecified()
	switch {
	case host == lhost || (lip != nil && lip.Equal(net.ParseIP(host))):
		return true
	case host == "" || strings.EqualFold(host, "localhost"):
		return everywhere || lip.IsLoopback()
	case !everywhere:
		return false // only the listener's own address reaches it
	case isLoopback(host):
		return true
	}
	if name, err := os.Hostname(); err == nil && strings.EqualFold(host, name) {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// Publish hands a message to the broker from its inline client: retained
// when retain is set, delivered to every matching subscription, not
// subject to the ACLs. The payload is copied: the broker keeps it
// (retained messages) and hands it to subscribers while the publisher may
// reuse its own.
func (b *Broker) Publish(topic string, payload []byte, qos byte, retain bool) error {
	srv, ok := b.enter()
	if !ok {
		return fmt.Errorf("publish %s: %w", topic, errBrokerStopped)
	}
	defer b.leave()
	if err := srv.Publish(topic, append([]byte(nil), payload...), retain, qos); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	return nil
}

// PublishProps is Publish with MQTT 5 properties (nil: none), which reach
// MQTT 5 subscribers and in-process ones. Payload and properties are
// copied.
func (b *Broker) PublishProps(topic string, payload []byte, qos byte, retain bool, props *packets.Properties) error {
	if props == nil {
		return b.Publish(topic, payload, qos, retain)
	}
	srv, ok := b.enter()
	if !ok {
		return fmt.Errorf("publish %s: %w", topic, errBrokerStopped)
	}
	defer b.leave()
	cl, ok := srv.Clients.Get(mqtt.InlineClientId)
	if !ok {
		return fmt.Errorf("publish %s: %w", topic, mqtt.ErrInlineClientNotEnabled)
	}
	pk := packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: qos, Retain: retain},
		TopicName:   topic,
		Payload:     append([]byte(nil), payload...),
		Properties:  props.Copy(true),
		PacketID:    uint16(qos), // mochi's validity check wants one; the inline client acks nothing
	}
	pk.Properties.TopicAlias, pk.Properties.TopicAliasFlag = 0, false // a network client's own
	if err := srv.InjectPacket(cl, pk); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	return nil
}

// Subscribe is mqttconn.Embedded's Subscribe: a mochi inline subscription
// for a plain filter, a member of the shared group for a shared one.
func (b *Broker) Subscribe(filter string, h inlineHandler) (func(), error) {
	if !mqtt.IsValidFilter(filter, false) {
		return nil, fmt.Errorf("subscribe %s: %w", filter, packets.ErrTopicFilterInvalid)
	}
	srv, ok := b.enter()
	if !ok {
		return nil, fmt.Errorf("subscribe %s: %w", filter, errBrokerStopped)
	}
	defer b.leave()
	if mqtt.IsSharedFilter(filter) {
		return b.inline.subscribeShared(srv, filter, h), nil
	}
	return b.inline.subscribe(srv, filter, h), nil
}

// errBrokerStopped is the answer of an in-process publish or subscribe
// after Stop.
var errBrokerStopped = errors.New("the embedded broker is stopped")

// inlineSubs holds the broker's in-process subscriptions. Plain ones are
// mochi inline subscriptions; shared ones are members of mochi's shared
// groups under client ids of their own, chosen by OnSelectSubscribers.
type inlineSubs struct {
	mqtt.HookBase
	next atomic.Int64 // the last inline subscription id and shared member number

	mu     sync.RWMutex             // guards shared
	shared map[string]inlineHandler // shared member client id → handler
}

// inlineMemberPrefix starts the client ids of shared members; no network
// client may use it (such a CONNECT would only reach the same handler if
// the member were picked, and members never appear in the client list).
const inlineMemberPrefix = "flowgate-inline-"

func (s *inlineSubs) ID() string { return "flowgate-inline" }

func (s *inlineSubs) Provides(b byte) bool { return b == mqtt.OnSelectSubscribers }

// subscribe adds a mochi inline subscription. Two mochi behaviours are
// corrected so that flows see what a network client would: "a/#" also
// matches "a" (mochi's index gathers inline subscriptions of "a/#" only
// below "a", so the parent filter is subscribed too), and wildcards at the
// first level do not match topics starting with $ (mochi delivers $SYS to
// an inline "#"). Retained messages are sent here, flagged, rather than by
// mochi's Subscribe, which cannot tell them from live messages.
func (s *inlineSubs) subscribe(srv *mqtt.Server, filter string, h inlineHandler) func() {
	noDollar := strings.HasPrefix(filter, "+") || strings.HasPrefix(filter, "#")
	parent, multi := strings.CutSuffix(filter, "/#")
	depth := strings.Count(filter, "/") // the levels of filter - 1
	deliver := func(pk *packets.Packet, retain bool) {
		if noDollar && strings.HasPrefix(pk.TopicName, "$") {
			return
		}
		inlineMessage(h, pk, retain)
	}
	ids := []int{int(s.next.Add(1))}
	srv.Topics.InlineSubscribe(mqtt.InlineSubscription{
		Subscription: packets.Subscription{Filter: filter, Identifier: ids[0]},
		Handler: func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
			if multi && strings.Count(pk.TopicName, "/") < depth {
				return // the parent's subscription delivers it
			}
			deliver(&pk, false)
		},
	})
	if multi {
		ids = append(ids, int(s.next.Add(1)))
		srv.Topics.InlineSubscribe(mqtt.InlineSubscription{
			Subscription: packets.Subscription{Filter: parent, Identifier: ids[1]},
			Handler: func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
				deliver(&pk, false)
			},
		})
	}
	for _, pk := range srv.Topics.Messages(filter) {
		deliver(&pk, true)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			srv.Topics.InlineUnsubscribe(ids[0], filter)
			if multi {
				srv.Topics.InlineUnsubscribe(ids[1], parent)
			}
		})
	}
}

// subscribeShared adds a member to the shared group of filter.
func (s *inlineSubs) subscribeShared(srv *mqtt.Server, filter string, h inlineHandler) func() {
	id := inlineMemberPrefix + strconv.FormatInt(s.next.Add(1), 10)
	s.mu.Lock()
	if s.shared == nil {
		s.shared = map[string]inlineHandler{}
	}
	s.shared[id] = h
	s.mu.Unlock()
	srv.Topics.Subscribe(id, packets.Subscription{Filter: filter, Qos: 2})
	var once sync.Once
	return func() {
		once.Do(func() {
			srv.Topics.Unsubscribe(filter, id)
			s.mu.Lock()
			delete(s.shared, id)
			s.mu.Unlock()
		})
	}
}

// OnSelectSubscribers picks one member of each shared group for pk, as
// mochi does (at random), and hands pk to the picked in-process members
// itself: mochi would look them up among its network clients. They stay
// in the selection, where mochi finds no client for them and skips them;
// an empty selection would make mochi pick again.
func (s *inlineSubs) OnSelectSubscribers(subs *mqtt.Subscribers, pk packets.Packet) *mqtt.Subscribers {
	if len(subs.SharedSelected) > 0 {
		return subs // another hook chose
	}
	dollar := strings.HasPrefix(pk.TopicName, "$")
	var picked []inlineHandler
	s.mu.RLock()
	for filter, members := range subs.Shared {
		f := filter // $share/group/f
		if parts := strings.SplitN(filter, "/", 3); len(parts) == 3 {
			f = parts[2]
		}
		candidates := make([]string, 0, len(members))
		for client := range members {
			if _, ours := s.shared[client]; ours && dollar && (strings.HasPrefix(f, "+") || strings.HasPrefix(f, "#")) {
				continue
			}
			candidates = append(candidates, client)
		}
		if len(candidates) == 0 {
			continue
		}
		client := candidates[rand.IntN(len(candidates))]
		sub := members[client]
		if cur, ok := subs.SharedSelected[client]; ok {
			sub = cur.Merge(sub)
		}
		subs.SharedSelected[client] = sub
		if h, ours := s.shared[client]; ours {
			picked = append(picked, h)
		}
	}
	s.mu.RUnlock()
	for _, h := range picked {
		inlineMessage(h, &pk, false)
	}
	return subs
}
