package editor

import (
	"container/list"
	"net"
	"net/netip"
	"time"
)

// Login throttling, as Node-RED's but per (user name, remote network)
// rather than per user name, so that wrong passwords sent from elsewhere
// cannot lock the admin out: more than loginMaxAttempts attempts for one
// pair within loginWindow are refused without checking the password. The
// table holds at most loginMaxKeys pairs, the least recently used one
// going first; together with one bcrypt check at a time (Auth.checking)
// this bounds both the memory and the guessing rate of a client that
// spreads its attempts over many addresses or names.
const (
	loginMaxAttempts = 5
	loginWindow      = 10 * time.Minute
	loginMaxKeys     = 10_000
	// MaxUsernameBytes is the longest user name a login may carry; longer
	// ones are refused before anything is stored or logged.
	MaxUsernameBytes = 256
	// maxPasswordBytes bounds what is handed to bcrypt (which reads 72).
	maxPasswordBytes = 1024
)

// throttleKey is a user name and the network the attempt came from.
type throttleKey struct {
	user string
	net  string
}

// throttleEntry is the recent attempts of one key, oldest first.
type throttleEntry struct {
	key   throttleKey
	times []time.Time
}

// throttle counts login attempts; not safe for concurrent use (Auth.mu
// guards it).
type throttle struct {
	max    int
	window time.Duration
	keys   int
	lru    *list.List // of *throttleEntry, most recently used first
	byKey  map[throttleKey]*list.Element
}

func newThrottle(maxAttempts int, window time.Duration, maxKeys int) *throttle {
	return &throttle{max: maxAttempts, window: window, keys: maxKeys, lru: list.New(), byKey: map[throttleKey]*list.Element{}}
}

// attempt records an attempt for k at now and reports whether it may be
// checked (false: too many within the window).
func (t *throttle) attempt(k throttleKey, now time.Time) bool {
	el, ok := t.byKey[k]
	if !ok {
		if t.lru.Len() >= t.keys {
			old := t.lru.Remove(t.lru.Back()).(*throttleEntry)
			delete(t.byKey, old.key)
		}
		el = t.lru.PushFront(&throttleEntry{key: k})
		t.byKey[k] = el
	}
	t.lru.MoveToFront(el)
	e := el.Value.(*throttleEntry)
	recent := e.times[:0]
	for _, at := range e.times {
		if now.Sub(at) < t.window {
			recent = append(recent, at)
		}
	}
	if len(recent) >= t.max+1 {
		recent = recent[len(recent)-t.max:] // keep the slice bounded
	}
	e.times = append(recent, now)
	return len(e.times) <= t.max
}

// forget drops k's attempts (after a successful login).
func (t *throttle) forget(k throttleKey) {
	if el, ok := t.byKey[k]; ok {
		t.lru.Remove(el)
		delete(t.byKey, k)
	}
}

// len returns how many keys the table holds.
func (t *throttle) len() int { return t.lru.Len() }

// remoteNet is the throttling address of a remote "host:port": the IP,
// or its /64 for IPv6, where one client usually holds the whole prefix.
// The TCP peer is used, never a forwarding header a client can write.
func remoteNet(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
