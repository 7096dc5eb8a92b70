package homeassistant

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// startMosquitto starts Debian's mosquitto on a free loopback port; it
// skips the test when mosquitto is missing, unless CI is set.
func startMosquitto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto is not installed (CI is set): apt-get install mosquitto")
		}
		t.Skip("mosquitto is not installed: apt-get install mosquitto to run this test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	if err := os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous true\npersistence false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("mosquitto did not listen on %s", addr)
	return ""
}

// forBrokers runs f against the embedded broker (mochi) and mosquitto.
func forBrokers(t *testing.T, f func(t *testing.T, addr string)) {
	t.Run("mochi", func(t *testing.T) { f(t, startBroker(t)) })
	t.Run("mosquitto", func(t *testing.T) { f(t, startMosquitto(t)) })
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
