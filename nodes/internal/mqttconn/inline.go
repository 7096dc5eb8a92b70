package mqttconn

import (
	"fmt"
	"sync"
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
func (l *Inline) Sync(filter string, want func() bool, h Handler) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	unsubscribe, has := l.subs[filter]
	switch w := !l.closed && want(); {
	case w && !has:
		u, err := l.b.Subscribe(filter, h)
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
func (l *Inline) Publish(topic string, payload []byte, qos byte, retain bool) error {
	return l.b.Publish(topic, payload, qos, retain)
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
