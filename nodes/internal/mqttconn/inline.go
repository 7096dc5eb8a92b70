package mqttconn

import (
	"fmt"
	"sync"

	"github.com/mochi-mqtt/server/v2/packets"
)

// Inline is the in-process connection of an mqtt-broker node to the
// embedded broker: it holds the broker subscriptions the node needs, one
// per filter, and publishes through the broker's own client.
type Inline struct {
	b Embedded

	// mu serialises the changes of subscriptions, so that a filter's
	// subscribe and unsubscribe reach the broker in the order the node
	// made them; it guards subs and closed.
	mu     sync.Mutex
	subs   map[string]func() // filter → unsubscribe
	closed bool
}

// NewInline returns a connection to b.
func NewInline(b Embedded) *Inline {
	return &Inline{b: b, subs: map[string]func(){}}
}

// Sync makes the broker subscription of filter follow want: subscribed
// (delivering to h) when want reports true, unsubscribed otherwise. want
// is asked under the connection's lock, so concurrent Syncs of a filter
// leave it as the last change of the node's state decided; h may be
// called (retained messages) before Sync returns, and want must not wait
// for a lock held around a call of Sync.
func (l *Inline) Sync(filter string, want func() bool, h MessageHandler) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	unsubscribe, has := l.subs[filter]
	switch w := !l.closed && want(); {
	case w && !has:
		u, err := l.b.Subscribe(filter, func(topic string, payload []byte, qos byte, retain bool, props *packets.Properties) {
			h(&Message{Topic: topic, Payload: payload, QoS: qos, Retain: retain, Props: *props})
		})
		if err != nil {
			return fmt.Errorf("mqtt subscribe %s: %w", filter, err)
		}
		l.subs[filter] = u
	case !w && has:
		unsubscribe()
		delete(l.subs, filter)
	}
	return nil
}

// Publish hands a message to the broker.
func (l *Inline) Publish(m *Message) error {
	var props *packets.Properties
	if !isZeroProps(&m.Props) {
		props = &m.Props
	}
	return l.b.Publish(m.Topic, m.Payload, m.QoS, m.Retain, props)
}

// isZeroProps reports whether p carries no message property.
func isZeroProps(p *packets.Properties) bool {
	return len(p.User) == 0 && p.ContentType == "" && p.ResponseTopic == "" && len(p.CorrelationData) == 0 &&
		p.MessageExpiryInterval == 0 && !p.PayloadFormatFlag
}

// Close ends every subscription; later Syncs subscribe nothing. It is
// idempotent.
func (l *Inline) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for f, u := range l.subs {
		u()
		delete(l.subs, f)
	}
}
