package homeassistant

import (
	"github.com/flowgate/flowgate/internal/mosquittotest"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// forBrokers runs f against the embedded broker (mochi) and mosquitto.
func forBrokers(t *testing.T, f func(t *testing.T, addr string)) {
	t.Run("mochi", func(t *testing.T) { f(t, startBroker(t)) })
	t.Run("mosquitto", func(t *testing.T) { f(t, mosquittotest.Start(t, "", "").Addr) })
}

// proxy forwards loopback connections to addr until cut, which drops
// every connection without a goodbye, as a crashed gateway does.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, addr string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(p.cut)
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// retainedWithin waits up to d for topic's retained message to be want,
// asking the broker afresh (a new subscriber) each time.
func retainedWithin(t *testing.T, addr, topic, want string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for time.Now().Before(deadline) {
		ha := newHomeAssistant(t, addr)
		select {
		case m := <-ha.ch:
			for m.Topic() != topic {
				m = <-ha.ch
			}
			if last = string(m.Payload()); last == want {
				return
			}
		case <-time.After(100 * time.Millisecond):
		}
		ha.c.Disconnect(0)
	}
	t.Fatalf("%s retained %q after %v, want %q", topic, last, d, want)
}

// TestOfflineOnStop: stopping everything (as SIGTERM does: the device and
// its broker connection close at the same time) leaves offline retained
// within 2 s, every time.
func TestOfflineOnStop(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		for i := range 5 {
			h := newHarness(t)
			h.Deploy(flow(addr, entityNodes[0]))
			waitStatus(t, h, "sw", "connected")
			retainedWithin(t, addr, "flowgate/dev/availability", "online", 2*time.Second)
			start := time.Now()
			h.E.Stop(t.Context())
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("round %d: stop took %v", i, d)
			}
			retainedWithin(t, addr, "flowgate/dev/availability", "offline", 2*time.Second)
		}
	})
}

// TestOfflineOnCrash: a gateway whose connection drops without a goodbye
// shows offline through the connection's will.
func TestOfflineOnCrash(t *testing.T) {
	forBrokers(t, func(t *testing.T, addr string) {
		p := startProxy(t, addr)
		h := newHarness(t)
		h.Deploy(flow(p.addr(), entityNodes[0]))
		waitStatus(t, h, "sw", "connected")
		retainedWithin(t, addr, "flowgate/dev/availability", "online", 2*time.Second)
		p.cut()
		retainedWithin(t, addr, "flowgate/dev/availability", "offline", 2*time.Second)
	})
}
